package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/provider"
)

// TestPluginProcess is not a test: it is the plugin's process for pluginProcess, which runs the
// test binary as `kubectl orgsync` to see its real exit codes (plan's 2 ends the process).
func TestPluginProcess(t *testing.T) {
	if os.Getenv("ORGSYNC_PLUGIN_PROCESS") != "1" {
		t.Skip("the plugin's process for other tests")
	}
	var args []string
	if err := json.Unmarshal([]byte(os.Getenv("ORGSYNC_PLUGIN_ARGS")), &args); err != nil {
		t.Fatal(err)
	}
	os.Exit(run(context.Background(), args, genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}))
}

// pluginProcess runs `kubectl orgsync args...` as a process and returns its exit code.
func pluginProcess(ctx context.Context, t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestPluginProcess$")
	encoded, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), "ORGSYNC_PLUGIN_PROCESS=1", "ORGSYNC_PLUGIN_ARGS="+string(encoded))
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return code, out.String(), errOut.String()
}

// writeManifests writes depts as one file each, and a kustomization.yaml naming them, in a new
// directory.
func writeManifests(t *testing.T, depts []v1alpha1.Department) string {
	t.Helper()
	dir := t.TempDir()
	kustomization := "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
	for _, d := range depts {
		d.TypeMeta = metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: "Department"}
		data, err := yaml.Marshal(manifestOf(d))
		if err != nil {
			t.Fatal(err)
		}
		name := d.Name + ".yaml"
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
		kustomization += "  - " + name + "\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(kustomization), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// plannedWrite is a remote write as the plan names it and as the fake's log shows it.
type plannedWrite struct{ method, key string }

func (w plannedWrite) String() string { return w.method + " " + w.key }

// planWrites are the writes a plan says the manager makes now (held deletes excluded), in order.
func planWrites(t *testing.T, out string) (writes []plannedWrite, held []string) {
	t.Helper()
	var doc planDocument
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("plan -o json: %v\n%s", err, out)
	}
	for _, p := range doc.Organizations {
		for _, c := range p.Changes {
			switch {
			case c.Held != "":
				held = append(held, c.Key)
			case c.Action == actionCreate:
				writes = append(writes, plannedWrite{"POST", c.Key})
			case c.Action == actionUpdate, c.Action == actionMove:
				writes = append(writes, plannedWrite{"PUT", c.Key})
			case c.Action == actionDelete:
				writes = append(writes, plannedWrite{"DELETE", c.Key})
			}
		}
	}
	return writes, held
}

// loggedWrites reads the fake's department writes since the first skip ones, by key: NCP names
// the key in the path, OneAccess its org_id (ids names them).
func loggedWrites(chart *remoteChart, skip int, ids map[string]string) []plannedWrite {
	var out []plannedWrite
	for _, w := range chart.writes()[skip:] {
		method, path, _ := strings.Cut(w, " ")
		last := path[strings.LastIndex(path, "/")+1:]
		key := last
		if chart.provider == v1alpha1.ProviderHuaweiCloud {
			key = ids[last]
			if method == "POST" {
				key = "(create)"
			}
		}
		out = append(out, plannedWrite{method, key})
	}
	return out
}

// TestPlan runs plan against a control plane, the fakes and orgsync's manager: its errors, and
// for each provider a change that creates, updates, moves, adopts and deletes beyond the
// deletion budget, compared with what the manager then writes.
func TestPlan(t *testing.T) {
	h := startHarness(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	flags := append([]string{"--kubeconfig", h.admin}, h.remoteFlags()...)

	t.Run("errors", func(t *testing.T) { testPlanErrors(ctx, t, h, flags) })
	t.Run("after a server-side apply", func(t *testing.T) { testPlanAfterServerSideApply(ctx, t, h, flags) })
	t.Run("a budget over subtrees of different depths", func(t *testing.T) { testPlanBudgetOverSubtrees(ctx, t, h, flags) })
	for _, p := range []v1alpha1.Provider{v1alpha1.ProviderNCP, v1alpha1.ProviderHuaweiCloud} {
		t.Run(string(p), func(t *testing.T) { testPlanMatchesTheManager(ctx, t, h, p, flags) })
	}
	t.Run("a move OneAccess cannot make", func(t *testing.T) { testPlanUnsupportedMove(ctx, t, h, flags) })
}

// testPlanUnsupportedMove: a manifest that moves a OneAccess unit to the top level is printed as a
// change that cannot be made, with the rest of the plan, and plan exits 1.
func testPlanUnsupportedMove(ctx context.Context, t *testing.T, h *harness, flags []string) {
	ns := "plan-unsupported"
	org, _ := h.newOrganization(ctx, t, ns, "acme", v1alpha1.ProviderHuaweiCloud)
	before := []v1alpha1.Department{dept(ns, "hq", "HQ", ""), dept(ns, "unit", "Unit", "hq"), dept(ns, "ops", "Ops", "hq")}
	apply(ctx, t, h.client, before)
	h.waitReady(ctx, t, org, len(before))

	dir := writeManifests(t, []v1alpha1.Department{dept(ns, "hq", "HQ", ""), dept(ns, "unit", "Unit", ""), dept(ns, "ops", "Operations", "hq")})
	code, text, errOut := runPlan(ctx, nil, append([]string{"-f", dir}, flags...)...)
	if code != exitError {
		t.Errorf("plan: exit %d, want %d", code, exitError)
	}
	for _, want := range []string{"  ~ update  ops\n", "  x move    unit  cannot be made: the remote system offers no way to make this change: OneAccess cannot move unit \"unit\" to the top level",
		"1 change cannot be made (x)"} {
		if !strings.Contains(text, want) {
			t.Errorf("plan lacks %q:\n%s", want, text)
		}
	}
	if !strings.HasPrefix(errOut, "error: 1 change the manifests ask for cannot be made (the remote system offers no way to make it): "+ns+"/acme unit: ") {
		t.Errorf("stderr %q", errOut)
	}
}

func testPlanMatchesTheManager(ctx context.Context, t *testing.T, h *harness, p v1alpha1.Provider, flags []string) {
	ns := "plan-" + string(p)
	org, chart := h.newOrganization(ctx, t, ns, "acme", p)
	// Departments made by hand, which the manager sees at its next listing: asked for at once
	// here (orgsync.dev/reconcile-requested-at), as the plan lists the chart afresh.
	chart.seed(t, []provider.Department{{Key: "legacy", Name: "Legacy"}, {Key: "hand-made", Name: "Hand made"}})
	org.Spec.DeletionBudget = &v1alpha1.DeletionBudget{MaxDeletions: 2}
	metav1.SetMetaDataAnnotation(&org.ObjectMeta, v1alpha1.AnnotationReconcileRequestedAt, "seeded")
	if err := h.client.Update(ctx, org); err != nil {
		t.Fatal(err)
	}
	eventually(ctx, t, "the chart listed again", func() (bool, error) {
		err := h.client.Get(ctx, client.ObjectKeyFromObject(org), org)
		return err == nil && org.Status.LastHandledReconcileAt == "seeded" && org.Status.Inventory != nil && org.Status.Inventory.RemoteDepartments == 2, err
	})
	before := []v1alpha1.Department{
		dept(ns, "eng", "Engineering", ""), dept(ns, "eng-a", "Eng A", "eng"), dept(ns, "eng-b", "Eng B", "eng"),
		dept(ns, "sales", "Sales", ""),
		dept(ns, "old", "Old", ""), dept(ns, "old-1", "Old one", "old"), dept(ns, "old-1-x", "Old one x", "old-1"),
	}
	apply(ctx, t, h.client, before)
	h.waitReady(ctx, t, org, len(before))

	after := []v1alpha1.Department{
		dept(ns, "eng", "Engineering", ""),
		dept(ns, "eng-a", "Eng A2", "eng", order("3")),                                 // update
		dept(ns, "eng-b", "Eng B", "platform"),                                         // move under a new parent
		dept(ns, "platform", "Platform", ""),                                           // create
		dept(ns, "platform-web", "Platform web", "platform"),                           // create, under the new one
		dept(ns, "sales", "Sales", ""),                                                 // unchanged
		dept(ns, "legacy", "Legacy renamed", ""),                                       // adopt with an update
		dept(ns, "paused", "Paused", "", annotated(v1alpha1.AnnotationPaused, "true")), // waits
	}
	dir := writeManifests(t, after)
	args := append([]string{"-f", dir}, flags...)

	planned, held := planTheChange(ctx, t, p, ns, args)
	wantWrites := []plannedWrite{
		{"POST", "platform"}, {"POST", "platform-web"}, {"PUT", "eng-a"}, {"PUT", "legacy"}, {"PUT", "eng-b"},
		{"DELETE", "old-1-x"}, {"DELETE", "old-1"},
	}
	if d := cmp.Diff(wantWrites, planned, cmp.Comparer(func(a, b plannedWrite) bool { return a == b })); d != "" {
		t.Errorf("planned writes (-want +got):\n%s", d)
	}
	if !slices.Equal(held, []string{"old"}) {
		t.Errorf("held deletes: %v, want [old]", held)
	}

	// Apply, prune, and let the manager converge.
	ids := remoteIDs(ctx, t, h, org)
	skip := len(chart.writes())
	apply(ctx, t, h.client, after)
	for _, name := range []string{"old", "old-1", "old-1-x"} {
		if err := h.client.Delete(ctx, &v1alpha1.Department{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}); err != nil {
			t.Fatal(err)
		}
	}
	h.waitReady(ctx, t, org, len(after)-1) // all but the paused one
	eventually(ctx, t, "old held by the budget, old-1 and old-1-x gone", func() (bool, error) {
		return oldHeldChildrenGone(ctx, h, ns)
	})
	for k, v := range remoteIDs(ctx, t, h, org) {
		ids[k] = v
	}
	made := loggedWrites(chart, skip, ids)
	checkSameWrites(t, p, planned, made)

	// Approving the held delete lets it through; then the chart matches the manifests.
	skip = len(chart.writes())
	// The manager writes the Organization's status meanwhile: read again on a conflict, as kubectl
	// annotate does.
	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := h.client.Get(ctx, client.ObjectKeyFromObject(org), org); err != nil {
			return err
		}
		metav1.SetMetaDataAnnotation(&org.ObjectMeta, v1alpha1.AnnotationApproveDeletions, "1")
		return h.client.Update(ctx, org)
	}); err != nil {
		t.Fatal(err)
	}
	eventually(ctx, t, "old deleted", func() (bool, error) {
		err := h.client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "old"}, &v1alpha1.Department{})
		return apierrors.IsNotFound(err), client.IgnoreNotFound(err)
	})
	if got := loggedWrites(chart, skip, ids); !slices.Equal(got, []plannedWrite{{"DELETE", "old"}}) {
		t.Errorf("after the approval the manager wrote %v, want [DELETE old]", got)
	}

	code, text, errOut := pluginProcess(ctx, t, append([]string{"plan"}, args...)...)
	if code != exitOK || errOut != "" {
		t.Errorf("plan after convergence: exit %d, stderr %q\n%s", code, errOut, text)
	}
	if !strings.Contains(text, "No changes") || !strings.Contains(text, "paused Paused: paused by the annotation") {
		t.Errorf("plan after convergence:\n%s", text)
	}
}

// planTheChange runs the plan of args as text (golden for NCP: docs/plugin.md's example), in the
// plugin's process (the same text), and as JSON, and returns the writes it plans and the deletes
// it holds.
func planTheChange(ctx context.Context, t *testing.T, p v1alpha1.Provider, ns string, args []string) (planned []plannedWrite, held []string) {
	t.Helper()
	code, text, errOut := runPlan(ctx, nil, args...)
	if code != exitChanges || errOut != "" {
		t.Fatalf("plan: exit %d, stderr %q\n%s", code, errOut, text)
	}
	t.Logf("plan:\n%s", text)
	if p == v1alpha1.ProviderNCP {
		// docs/plugin.md's example: the fakes' output, in the namespace of its prose.
		golden(t, "plan-envtest.txt", []byte(strings.ReplaceAll(text, ns, "orgs")))
	}
	if code, out, errOut := pluginProcess(ctx, t, append([]string{"plan"}, args...)...); code != exitChanges || out != text || errOut != "" {
		t.Errorf("the plugin's process: exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	code, md, errOut := runPlan(ctx, nil, append(args, "-o", "markdown")...)
	if code != exitChanges || errOut != "" || !strings.HasPrefix(md, "### orgsync plan: ") || !strings.Contains(md, "```mermaid\n%% orgsync plan: ") ||
		!strings.Contains(md, "**Deletes and moves**") || !strings.Contains(md, text) {
		t.Errorf("plan -o markdown: exit %d, stderr %q\n%s", code, errOut, md)
	}
	code, out, errOut := runPlan(ctx, nil, append(args, "-o", "json")...)
	if code != exitChanges || errOut != "" {
		t.Fatalf("plan -o json: exit %d, stderr %q", code, errOut)
	}
	return planWrites(t, out)
}

// oldHeldChildrenGone reports whether, in ns, old-1 and old-1-x are gone and old is held by the
// deletion budget.
func oldHeldChildrenGone(ctx context.Context, h *harness, ns string) (bool, error) {
	var list v1alpha1.DepartmentList
	if err := h.client.List(ctx, &list, client.InNamespace(ns)); err != nil {
		return false, err
	}
	for _, d := range list.Items {
		switch d.Name {
		case "old-1", "old-1-x":
			return false, nil
		case "old":
			if c := meta.FindStatusCondition(d.Status.Conditions, v1alpha1.ConditionReady); c == nil || c.Reason != v1alpha1.ReasonDeletionBudgetExceeded {
				return false, nil
			}
		}
	}
	return true, nil
}

// checkSameWrites compares the writes the manager made with the plan's: the same set, parents
// created before their children, children deleted before their parents.
func checkSameWrites(t *testing.T, p v1alpha1.Provider, planned, made []plannedWrite) {
	t.Helper()
	key := func(w plannedWrite) string { return w.String() }
	want := slices.Sorted(slices.Values(mapSlice(planned, key)))
	if p == v1alpha1.ProviderHuaweiCloud {
		// OneAccess's create names no key in its path.
		want = slices.Sorted(slices.Values(mapSlice(planned, func(w plannedWrite) string {
			if w.method == "POST" {
				w.key = "(create)"
			}
			return w.String()
		})))
	}
	got := slices.Sorted(slices.Values(mapSlice(made, key)))
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("the manager's writes differ from the plan (-plan +made):\n%s\nmade in order: %v", d, made)
	}
	index := func(w plannedWrite) int { return slices.Index(made, w) }
	if p == v1alpha1.ProviderNCP && index(plannedWrite{"POST", "platform"}) > index(plannedWrite{"POST", "platform-web"}) {
		t.Errorf("platform-web was created before its parent: %v", made)
	}
	if p == v1alpha1.ProviderNCP && index(plannedWrite{"POST", "platform"}) > index(plannedWrite{"PUT", "eng-b"}) {
		t.Errorf("eng-b moved before its new parent was created: %v", made)
	}
	if index(plannedWrite{"DELETE", "old-1-x"}) > index(plannedWrite{"DELETE", "old-1"}) {
		t.Errorf("old-1 was deleted before its child: %v", made)
	}
}

func mapSlice[T any](in []T, f func(T) string) []string {
	out := make([]string, 0, len(in))
	for _, v := range in {
		out = append(out, f(v))
	}
	return out
}

// remoteIDs maps the chart's RemoteIDs to keys (OneAccess's org_id), through the plugin's own
// connection.
func remoteIDs(ctx context.Context, t *testing.T, h *harness, org *v1alpha1.Organization) map[string]string {
	t.Helper()
	c := &cluster{client: h.client, namespace: org.Namespace}
	depts, err := defaultRemoteOptions(t, h.remoteFlags()...).connect(ctx, c, org)
	if err != nil {
		t.Fatal(err)
	}
	all, err := depts.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, d := range all {
		if d.RemoteID != "" {
			ids[d.RemoteID] = d.Key
		}
	}
	return ids
}

func testPlanErrors(ctx context.Context, t *testing.T, h *harness, flags []string) {
	org, _ := h.newOrganization(ctx, t, "plan-errors", "acme", v1alpha1.ProviderNCP)
	write := func(name, content string) string {
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	department := func(name, spec string) string {
		return fmt.Sprintf("apiVersion: orgsync.dev/v1alpha1\nkind: Department\nmetadata:\n  name: %s\n  namespace: plan-errors\nspec:\n  organizationRef: {name: acme}\n%s\n", name, spec)
	}
	// An Organization whose Secret the remote system refuses.
	refusedSecret := "not-the-" + randomID("secret-")
	refused := org.DeepCopy()
	refused.ObjectMeta = metav1.ObjectMeta{Name: "refused", Namespace: "plan-errors"}
	refused.Spec.CredentialsSecretRef.Name = "refused-credentials"
	refused.Spec.Workplace.CompanyID = randomID("company-")
	if err := h.client.Create(ctx, refused); err != nil {
		t.Fatal(err)
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "refused-credentials", Namespace: "plan-errors"},
		StringData: map[string]string{v1alpha1.SecretKeyAccessKey: "AKWRONG", v1alpha1.SecretKeySecretKey: refusedSecret}}
	if err := h.client.Create(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runPlan(ctx, nil, "--help"); code != exitOK || !strings.Contains(out, "Examples:") || errOut != "" {
		t.Errorf("--help: exit %d\n%s", code, out)
	}

	cases := map[string]struct {
		args  []string
		stdin string
		want  []string
	}{
		"no manifests": {want: []string{"error: no manifests: give them with -f"}},
		"not a Department": {args: []string{"-f", write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n")},
			want: []string{`cm.yaml: ConfigMap "settings" (apiVersion v1) is not a Department`}},
		"an Organization in the manifests": {args: []string{"-f", write("org.yaml", "apiVersion: orgsync.dev/v1alpha1\nkind: Organization\nmetadata:\n  name: acme\n")},
			want: []string{`org.yaml: Organization "acme" (apiVersion orgsync.dev/v1alpha1) is not a Department`}},
		"an unknown field": {args: []string{"-f", write("typo.yaml", department("typo", "  name: Typo\n  displayName: Typo"))},
			want: []string{`typo.yaml: Department "typo"`, `unknown field "spec.displayName"`}},
		"the CRD's validation": {args: []string{"-f", write("bad.yaml", department("bad", "  name: Bad\n  displayOrder: first\n  parentExternalKey: bad"))},
			want: []string{`bad.yaml: Department "bad" is invalid:`, "spec.displayOrder", "spec.parentExternalKey must not name the department itself"}},
		"one key twice": {args: []string{"-f", write("two.yaml", department("one", "  name: One\n  externalKey: k")+"---\n"+department("two", "  name: Two\n  externalKey: k"))},
			want: []string{`two.yaml: Department "one" and `, `two.yaml: Department "two" both claim external key "k" of Organization "acme"`}},
		"one Department twice, with two keys": {args: []string{"-f", write("twice.yaml", department("twice", "  name: One")+"---\n"+department("twice", "  name: Two\n  externalKey: Twice"))},
			want: []string{`twice.yaml and `, `twice.yaml both give Department "twice" of namespace "plan-errors": give each Department once`}},
		"no organizationRef": {args: []string{"-f", write("noref.yaml", "apiVersion: orgsync.dev/v1alpha1\nkind: Department\nmetadata:\n  name: noref\n  namespace: plan-errors\nspec:\n  name: No ref\n")},
			want: []string{`noref.yaml: Department "noref" is invalid:`, "spec.organizationRef.name"}},
		"a cycle": {args: []string{"-f", "-"}, stdin: department("a", "  name: A\n  parentExternalKey: b") + "---\n" + department("b", "  name: B\n  parentExternalKey: a"),
			want: []string{"parentExternalKey forms a cycle: a -> b -> a (a: STDIN, b: STDIN)"}},
		"an Organization that does not exist": {args: []string{"-f", write("ghost.yaml", strings.Replace(department("g", "  name: G"), "{name: acme}", "{name: ghost}", 1))},
			want: []string{`no Organization "ghost" in namespace "plan-errors" (named by `, `ghost.yaml: Department "g")`}},
		"refused credentials": {args: []string{"-f", write("r.yaml", strings.Replace(department("r", "  name: R"), "{name: acme}", "{name: refused}", 1))},
			want: []string{`Organization plan-errors/refused (Secret "refused-credentials")`, "refused the credentials"}},
		"a bad output": {args: []string{"-f", "-", "-o", "yaml"}, want: []string{`error: --output must be json, markdown, mermaid or dot, not "yaml"`}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runPlan(ctx, strings.NewReader(tc.stdin), append(tc.args, flags...)...)
			if code != exitError || out != "" || !strings.HasPrefix(errOut, "error: ") {
				t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			if strings.Contains(errOut, refusedSecret) {
				t.Errorf("stderr shows the Secret's value:\n%s", errOut)
			}
		})
	}
}

// testPlanAfterServerSideApply: Flux, Argo CD with ServerSideApply and kubectl apply --server-side
// record no last-applied-configuration; the annotations such an apply set are in its
// managedFields, and the next apply removes those its manifest drops. A Department applied
// paused that a manifest unpauses is a create, as the manager makes it once the apply is done.
func testPlanAfterServerSideApply(ctx context.Context, t *testing.T, h *harness, flags []string) {
	const ns = "plan-ssa"
	h.newOrganization(ctx, t, ns, "acme", v1alpha1.ProviderNCP)
	paused := dept(ns, "ssa", "SSA", "", annotated(v1alpha1.AnnotationPaused, "true"))
	u := &unstructured.Unstructured{Object: manifestOf(paused)}
	if err := h.client.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner("kustomize-controller"), client.ForceOwnership); err != nil {
		t.Fatal(err)
	}
	// The same annotation set by hand (kubectl annotate, an update) stays: not the apply's.
	other := dept(ns, "by-hand", "By hand", "")
	if err := h.client.Apply(ctx, client.ApplyConfigurationFromUnstructured(&unstructured.Unstructured{Object: manifestOf(other)}),
		client.FieldOwner("kustomize-controller"), client.ForceOwnership); err != nil {
		t.Fatal(err)
	}
	byHand := &v1alpha1.Department{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "by-hand"}}
	annotate := client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"annotations":{"`+v1alpha1.AnnotationPaused+`":"true"}}}`))
	if err := h.client.Patch(ctx, byHand, annotate, client.FieldOwner("kubectl-annotate")); err != nil {
		t.Fatal(err)
	}

	dir := writeManifests(t, []v1alpha1.Department{dept(ns, "ssa", "SSA", ""), dept(ns, "by-hand", "By hand", "")})
	code, out, errOut := runPlan(ctx, nil, append([]string{"-f", dir}, flags...)...)
	if code != exitChanges || errOut != "" || !strings.Contains(out, "+ create  ssa") || strings.Contains(out, "ssa Paused") ||
		!strings.Contains(out, "by-hand Paused") {
		t.Errorf("plan unpausing a Department applied paused: exit %d, stderr %q\n%s", code, errOut, out)
	}
}

// testPlanBudgetOverSubtrees: deleted together, a chain and two top-level leaves under a budget
// of 3: the manager's workers delete what has no sub-department first (the chain's end and both
// leaves), and hold the chain's middle, then its top. The plan names the same held deletes.
func testPlanBudgetOverSubtrees(ctx context.Context, t *testing.T, h *harness, flags []string) {
	const ns = "plan-waves"
	org, chart := h.newOrganization(ctx, t, ns, "acme", v1alpha1.ProviderNCP)
	org.Spec.DeletionBudget = &v1alpha1.DeletionBudget{MaxDeletions: 3}
	if err := h.client.Update(ctx, org); err != nil {
		t.Fatal(err)
	}
	before := []v1alpha1.Department{
		dept(ns, "keep", "Keep", ""),
		dept(ns, "a1", "A1", ""), dept(ns, "a2", "A2", "a1"), dept(ns, "a3", "A3", "a2"),
		dept(ns, "l1", "L1", ""), dept(ns, "l2", "L2", ""),
	}
	apply(ctx, t, h.client, before)
	h.waitReady(ctx, t, org, len(before))

	dir := writeManifests(t, before[:1])
	code, out, errOut := runPlan(ctx, nil, append([]string{"-f", dir, "-o", "json"}, flags...)...)
	if code != exitChanges || errOut != "" {
		t.Fatalf("plan: exit %d, stderr %q\n%s", code, errOut, out)
	}
	planned, held := planWrites(t, out)
	wantWrites := []plannedWrite{{"DELETE", "a3"}, {"DELETE", "l1"}, {"DELETE", "l2"}}
	if d := cmp.Diff(wantWrites, planned, cmp.Comparer(func(a, b plannedWrite) bool { return a == b })); d != "" || !slices.Equal(held, []string{"a2", "a1"}) {
		t.Errorf("planned writes (-want +got):\n%s\nheld %v, want [a2 a1]", d, held)
	}

	// The prune: the leaves, then the chain from its top (each delete is marked before the
	// deletes under it could let it go).
	skip := len(chart.writes())
	for _, name := range []string{"l1", "l2", "a1", "a2", "a3"} {
		if err := h.client.Delete(ctx, &v1alpha1.Department{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(ctx, t, "a2 held by the budget, a3, l1 and l2 gone", func() (bool, error) {
		d := &v1alpha1.Department{}
		if err := h.client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "a2"}, d); err != nil {
			return false, err
		}
		c := meta.FindStatusCondition(d.Status.Conditions, v1alpha1.ConditionReady)
		return c != nil && c.Reason == v1alpha1.ReasonDeletionBudgetExceeded && len(loggedWrites(chart, skip, nil)) == 3, nil
	})
	made := loggedWrites(chart, skip, nil)
	key := func(w plannedWrite) string { return w.String() }
	if d := cmp.Diff(slices.Sorted(slices.Values(mapSlice(planned, key))), slices.Sorted(slices.Values(mapSlice(made, key)))); d != "" {
		t.Errorf("the manager's writes differ from the plan (-plan +made):\n%s", d)
	}
}
