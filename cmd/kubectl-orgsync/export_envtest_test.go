package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/provider"
)

// roundTripSize is the size of the round trip's chart: ten pages of listing or more.
const roundTripSize = 1000

// TestExportRoundTrip exports a remote chart of 1,000 departments (nested five levels, i18n
// names, e-mail addresses, display orders with fractions, a key that is no object name) for each
// provider, both as a stream and as a kustomize directory, applies the directory to the cluster
// and checks that the manager makes every Department Ready without one remote write. Then
// --unmanaged-only exports just the departments added remotely since.
func TestExportRoundTrip(t *testing.T) {
	h := startHarness(t)
	for _, p := range []v1alpha1.Provider{v1alpha1.ProviderNCP, v1alpha1.ProviderHuaweiCloud} {
		t.Run(string(p), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			namespace := "export-" + string(p)
			org, chart := h.newOrganization(ctx, t, namespace, "acme", p)
			chart.seed(t, generatedChart(roundTripSize, p))
			h.relist(ctx, t, org)
			rt := &exportRoundTrip{h: h, p: p, namespace: namespace, org: org, chart: chart}

			stream := rt.exportStream(t)
			depts := rt.exportDir(t, stream)
			rt.applyWithoutWrites(ctx, t, depts)

			// Exported again once the Departments exist, the chart is the same manifests.
			if code, again, _ := rt.export(); code != exitOK || again != stream {
				t.Errorf("the export after the apply differs (exit %d)", code)
			}

			rt.renameWritesOnce(ctx, t)
			rt.unmanagedOnly(t)
		})
	}
}

// exportRoundTrip is one provider's run of TestExportRoundTrip: its Organization acme in
// namespace and the remote chart behind it.
type exportRoundTrip struct {
	h         *harness
	p         v1alpha1.Provider
	namespace string
	org       *v1alpha1.Organization
	chart     *remoteChart
}

// export runs `kubectl orgsync export acme` with the harness's remote flags and extra.
func (rt *exportRoundTrip) export(extra ...string) (int, string, string) {
	args := append([]string{"export", "acme", "-n", rt.namespace, "--kubeconfig", rt.h.admin}, rt.h.remoteFlags()...)
	return runPlugin(append(args, extra...)...)
}

// exportStream exports the chart to stdout, in ten pages of listing or more, twice alike, and
// returns the stream.
func (rt *exportRoundTrip) exportStream(t *testing.T) string {
	t.Helper()
	pagesBefore := rt.chart.pages()
	start := time.Now()
	code, stream, errOut := rt.export()
	if code != exitOK || errOut != "" {
		t.Fatalf("export: exit %d, stderr %q", code, errOut)
	}
	t.Logf("exported %d departments in %s, %d pages of listing", roundTripSize, time.Since(start).Round(time.Millisecond), rt.chart.pages()-pagesBefore)
	if pages := rt.chart.pages() - pagesBefore; pages < 10 {
		t.Errorf("the listing took %d pages, want 10 or more", pages)
	}
	if code, again, _ := rt.export(); code != exitOK || again != stream {
		t.Errorf("a second export differs (exit %d)", code)
	}
	return stream
}

// exportDir exports the chart as a kustomize directory, wants it to build to stream, and returns
// its Departments.
func (rt *exportRoundTrip) exportDir(t *testing.T, stream string) []v1alpha1.Department {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "chart")
	code, out, errOut := rt.export("--output-dir", dir)
	if code != exitOK || out != "" || !strings.HasPrefix(errOut, "wrote 1,000 Departments in ") {
		t.Fatalf("export --output-dir: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	fromDir := kustomizeBuild(t, dir)
	if fromDir != stream {
		t.Fatalf("the directory's kustomization holds other manifests than the stream")
	}
	depts := decodeDepartments(t, fromDir)
	if len(depts) != roundTripSize {
		t.Fatalf("%d manifests, want %d", len(depts), roundTripSize)
	}
	return depts
}

// applyWithoutWrites creates the exported Departments (one of them with spec.externalKey) and
// wants the manager to make them all Ready without one remote write.
func (rt *exportRoundTrip) applyWithoutWrites(ctx context.Context, t *testing.T, depts []v1alpha1.Department) {
	t.Helper()
	var generated int
	for i := range depts {
		if depts[i].Spec.ExternalKey != "" {
			generated++
		}
		if err := rt.h.client.Create(ctx, &depts[i]); err != nil {
			t.Fatalf("the API server refuses %s: %v", depts[i].Name, err)
		}
	}
	if generated != 1 {
		t.Errorf("%d manifests with spec.externalKey, want 1 (Sales_KR)", generated)
	}
	start := time.Now()
	rt.h.waitReady(ctx, t, rt.org, roundTripSize)
	t.Logf("%d Departments Ready in %s", roundTripSize, time.Since(start).Round(time.Millisecond))
	if writes := rt.chart.writes(); len(writes) != 0 {
		t.Errorf("%d remote writes after applying the export, want none: %v", len(writes), writes[:min(len(writes), 10)])
	} else {
		t.Logf("remote department writes after the round trip: 0")
	}
}

// renameWritesOnce renames dept-0001 and wants one remote PUT: the log does see writes.
func (rt *exportRoundTrip) renameWritesOnce(ctx context.Context, t *testing.T) {
	t.Helper()
	renamed := &v1alpha1.Department{}
	if err := rt.h.client.Get(ctx, client.ObjectKey{Namespace: rt.namespace, Name: "dept-0001"}, renamed); err != nil {
		t.Fatal(err)
	}
	renamed.Spec.Name = "Renamed"
	if err := rt.h.client.Update(ctx, renamed); err != nil {
		t.Fatal(err)
	}
	eventually(ctx, t, "the rename written", func() (bool, error) { return len(rt.chart.writes()) > 0, nil })
	rt.h.waitReady(ctx, t, rt.org, roundTripSize)
	if writes := rt.chart.writes(); len(writes) != 1 || !strings.HasPrefix(writes[0], "PUT ") {
		t.Errorf("a rename made the writes %v, want one PUT", writes)
	}
}

// unmanagedOnly adds departments remotely and wants them to be all that --unmanaged-only exports.
func (rt *exportRoundTrip) unmanagedOnly(t *testing.T) {
	t.Helper()
	rt.chart.seed(t, []provider.Department{
		{Key: "added-top", Name: "Added top", DisplayOrder: "9"},
		{Key: "added-child", ParentKey: "added-top", Name: "Added child", DisplayOrder: "1"},
		{Key: "added-under-old", ParentKey: "dept-0003", Name: "Added under an old one", DisplayOrder: "1"},
	})
	code, out, errOut := rt.export("--unmanaged-only")
	if code != exitOK || errOut != "" {
		t.Fatalf("export --unmanaged-only: exit %d, stderr %q", code, errOut)
	}
	var keys []string
	for _, d := range decodeDepartments(t, out) {
		keys = append(keys, d.Key()+"<"+d.Spec.ParentExternalKey)
	}
	want := "added-under-old<dept-0003 added-top< added-child<added-top"
	if rt.p == v1alpha1.ProviderHuaweiCloud {
		// No display orders in OneAccess: siblings by key.
		want = "added-top< added-child<added-top added-under-old<dept-0003"
	}
	if got := strings.Join(keys, " "); got != want {
		t.Errorf("--unmanaged-only exports %q, want %q", got, want)
	}
}

// TestExportErrors runs export where it must fail: exit 1 and "error: ..." on stderr, with no
// secret in it, and nothing on stdout.
func TestExportErrors(t *testing.T) {
	h := startHarness(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const namespace = "errors"
	org, chart := h.newOrganization(ctx, t, namespace, "acme", v1alpha1.ProviderNCP)
	chart.seed(t, generatedChart(20, v1alpha1.ProviderNCP))

	// An Organization whose Secret the remote system refuses, and one whose Secret is missing.
	refused := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "refused", Namespace: namespace}, StringData: map[string]string{
		v1alpha1.SecretKeyAccessKey: chart.credentials[v1alpha1.SecretKeyAccessKey], v1alpha1.SecretKeySecretKey: "wrong-secret-value-42"}}
	for _, obj := range []client.Object{
		refused,
		&v1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Name: "refused", Namespace: namespace}, Spec: v1alpha1.OrganizationSpec{
			CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: "refused"}, Workplace: org.Spec.Workplace}},
		&v1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Name: "no-secret", Namespace: namespace}, Spec: v1alpha1.OrganizationSpec{
			CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: "missing"}, Workplace: org.Spec.Workplace}},
		// A user who may read orgsync's objects but not Secrets.
		&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "orgsync-viewer", Namespace: namespace}, Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{v1alpha1.GroupVersion.Group}, Resources: []string{"organizations", "departments"}, Verbs: []string{"get", "list"}}}},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "orgsync-viewer", Namespace: namespace},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "orgsync-viewer"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "viewer"}}},
	} {
		if err := h.client.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	viewer := h.kubeconfig("viewer")
	nonEmpty := t.TempDir()
	if err := os.WriteFile(filepath.Join(nonEmpty, "keep.yaml"), []byte("# mine\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	remote := h.remoteFlags()
	cases := map[string]struct {
		args []string
		want string
	}{
		"no such Organization": {[]string{"export", "nope", "--kubeconfig", h.admin}, `error: no Organization "nope" in namespace "errors" (it has acme, no-secret, refused)`},
		"Secret forbidden":     {[]string{"export", "acme", "--kubeconfig", viewer}, `error: reading the credentials Secret "acme-credentials" in namespace "errors": you need get on secrets there: secrets "acme-credentials" is forbidden`},
		"Secret missing":       {[]string{"export", "no-secret", "--kubeconfig", h.admin}, `error: no Secret "missing" in namespace "errors": the Organization's spec.credentialsSecretRef names it`},
		"credentials refused":  {[]string{"export", "refused", "--kubeconfig", h.admin}, `error: listing the remote chart of Organization errors/refused (Secret "refused"): the remote system refused the credentials: credentials invalid`},
		"output not empty":     {[]string{"export", "acme", "--kubeconfig", h.admin, "--output-dir", nonEmpty}, "error: --output-dir " + nonEmpty + " is not empty"},
		"endpoint not allowed": {[]string{"export", "acme", "--kubeconfig", h.admin, "--ncp-workplace-endpoint=http://127.0.0.1:1"}, "error: --ncp-workplace-endpoint"},
		"no cluster":           {[]string{"export", "acme", "--kubeconfig", filepath.Join(t.TempDir(), "missing")}, "error: "},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			args := slices.Concat(tc.args, []string{"-n", namespace})
			if name != "endpoint not allowed" { // that one: plain http without --allow-insecure-endpoints
				args = append(args, remote...)
			}
			code, out, errOut := runPlugin(args...)
			if code != exitError || out != "" || !strings.HasPrefix(errOut, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 and stderr starting %q", code, out, errOut, tc.want)
			}
			if strings.Contains(errOut, "wrong-secret-value-42") || strings.Contains(errOut, chart.credentials[v1alpha1.SecretKeySecretKey]) {
				t.Errorf("stderr shows a secret: %q", errOut)
			}
		})
	}
	if entries, _ := os.ReadDir(nonEmpty); len(entries) != 1 {
		t.Errorf("the non-empty directory now has %d entries", len(entries))
	}

	// Remote departments that no Department can hold are named, the others written: exit 1, or
	// 0 with --skip-invalid; what is written is valid.
	chart.seed(t, []provider.Department{
		{Key: "two-lines", Name: "Two\nlines", DisplayOrder: "1"},
		{Key: "under-two-lines", ParentKey: "two-lines", Name: "Under", DisplayOrder: "1"},
	})
	args := append([]string{"export", "acme", "-n", namespace, "--kubeconfig", h.admin, "--unmanaged-only"}, remote...)
	code, out, errOut := runPlugin(args...)
	wantErr := "warning: remote department \"two-lines\" left out: the name \"Two\\nlines\" holds a control character or a line break\n" +
		"error: 1 remote department was left out: no Department can hold their values (named above); --skip-invalid exits 0\n"
	if code != exitError || errOut != wantErr {
		t.Errorf("invalid remote department: exit %d, stderr %q, want %q", code, errOut, wantErr)
	}
	depts := decodeDepartments(t, out)
	if len(depts) != 21 {
		t.Fatalf("%d manifests written, want 21", len(depts))
	}
	for i := range depts {
		if err := h.client.Create(ctx, &depts[i], client.DryRunAll); err != nil {
			t.Errorf("the API server refuses %s: %v", depts[i].Name, err)
		}
	}
	if code, _, _ := runPlugin(append(args, "--skip-invalid")...); code != exitOK {
		t.Errorf("--skip-invalid: exit %d", code)
	}

	// Without an Organization: the credentials from a file.
	creds := filepath.Join(t.TempDir(), "ncp.env")
	env := "accessKey=" + chart.credentials[v1alpha1.SecretKeyAccessKey] + "\nsecretKey=" + chart.credentials[v1alpha1.SecretKeySecretKey] + "\n"
	if err := os.WriteFile(creds, []byte(env), 0o600); err != nil {
		t.Fatal(err)
	}
	explicit := append([]string{"export", "new-org", "-n", namespace, "--kubeconfig", filepath.Join(t.TempDir(), "none"),
		"--credentials-file", creds, "--provider", "ncp", "--company-id", org.Spec.Workplace.CompanyID, "--skip-invalid"}, remote...)
	code, out, _ = runPlugin(explicit...)
	depts = decodeDepartments(t, out)
	if code != exitOK || len(depts) != 21 || depts[0].Spec.OrganizationRef.Name != "new-org" || depts[0].Namespace != namespace {
		t.Errorf("--credentials-file: exit %d, %d manifests", code, len(depts))
	}
	code, out, errOut = runPlugin("export", "new-org", "-n", namespace, "--credentials-file", creds, "--provider", "ncp")
	if code != exitError || out != "" || errOut != "error: --credentials-file with --provider ncp needs --company-id\n" {
		t.Errorf("--credentials-file without --company-id: exit %d, stderr %q", code, errOut)
	}
}

// kustomizeBuild reads the kustomization of dir as kustomize would for plain resource lists:
// each resource in order, a directory through its own kustomization.yaml, as one YAML stream.
func kustomizeBuild(t *testing.T, dir string) string {
	t.Helper()
	var k kustomization
	data, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml")) //nolint:gosec // G304: the test's own directory
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, &k); err != nil {
		t.Fatal(err)
	}
	var docs []string
	for _, r := range k.Resources {
		path := filepath.Join(dir, r)
		if info, err := os.Stat(path); err == nil && info.IsDir() {
			docs = append(docs, strings.TrimSuffix(kustomizeBuild(t, path), "\n"))
			continue
		}
		doc, err := os.ReadFile(path) //nolint:gosec // G304: the test's own directory
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, strings.TrimSuffix(string(doc), "\n"))
	}
	return strings.Join(docs, "\n---\n") + "\n"
}

// decodeDepartments reads a YAML stream of Departments, refusing unknown fields.
func decodeDepartments(t *testing.T, stream string) []v1alpha1.Department {
	t.Helper()
	var out []v1alpha1.Department
	for doc := range strings.SplitSeq(stream, "\n---\n") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var d v1alpha1.Department
		if err := yaml.UnmarshalStrict(bytes.TrimSpace([]byte(doc)), &d); err != nil {
			t.Fatalf("decoding %q: %v", doc, err)
		}
		out = append(out, d)
	}
	return out
}
