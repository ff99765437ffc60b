package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/ncp/ncpfake"
	"github.com/orgsync/orgsync/internal/provider"
)

// loadsAsExported checks that the Departments read back (by kubectl's resource builder, as plan
// and kubectl apply read them) are the exported manifests: the same names, keys and specs.
func loadsAsExported(t *testing.T, exported []departmentManifest, loaded []manifest) {
	t.Helper()
	byName := map[string]v1alpha1.Department{}
	for _, m := range loaded {
		byName[m.dept.Name] = m.dept
	}
	if len(loaded) != len(exported) {
		t.Errorf("read back %d Departments, exported %d", len(loaded), len(exported))
	}
	for _, m := range exported {
		got, ok := byName[m.Metadata.Name]
		if !ok {
			t.Errorf("Department %s was exported but is not read back", m.Metadata.Name)
			continue
		}
		if got.Key() != m.key || got.Namespace != m.Metadata.Namespace {
			t.Errorf("Department %s reads back with key %q in %q, exported %q in %q", m.Metadata.Name, got.Key(), got.Namespace, m.key, m.Metadata.Namespace)
		}
		if diff := cmp.Diff(m.Spec, got.Spec); diff != "" {
			t.Errorf("Department %s reads back with another spec (-exported +read):\n%s", m.Metadata.Name, diff)
		}
	}
}

// TestExportDirWithKustomizationNames: departments whose keys are the names kustomize gives its
// own files (kustomization, kustomization.yaml, kustomization.yml) are valid object names; the
// directory must still build with kustomize (kubectl apply -k, plan -k) into every Department.
func TestExportDirWithKustomizationNames(t *testing.T) {
	chart := []provider.Department{
		{Key: "kustomization", Name: "Kustomization team", DisplayOrder: "1"},
		{Key: "kustomize-child", ParentKey: "kustomization", Name: "Child", DisplayOrder: "1"},
		{Key: "kustomization.yaml", Name: "YAML", DisplayOrder: "2"},
		{Key: "kustomization.yml", ParentKey: "kustomization.yaml", Name: "YML", DisplayOrder: "1"},
		{Key: "eng", Name: "Engineering", DisplayOrder: "3"},
	}
	res := buildManifests(exportInput{provider: v1alpha1.ProviderNCP, organization: "acme", namespace: "orgs", remote: chart})
	if len(res.skipped) != 0 || len(res.manifests) != len(chart) {
		t.Fatalf("%d manifests, skipped %+v", len(res.manifests), res.skipped)
	}
	dir := filepath.Join(t.TempDir(), "chart")
	folders, err := writeOutputDir(dir, res.manifests)
	if err != nil {
		t.Fatalf("export --output-dir: %v", err)
	}
	if folders != 3 {
		t.Errorf("%d folders, want 3", folders)
	}
	loaded, err := loadManifests(manifestSources{kustomize: []string{dir}}, nil, "orgs")
	if err != nil {
		t.Fatalf("kustomize build of the export: %v", err)
	}
	loadsAsExported(t, res.manifests, loaded)
	// Each folder builds on its own, too.
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && !isKustomization(filepath.Join(dir, e.Name())) {
			t.Errorf("folder %s has no kustomization", e.Name())
		}
	}
}

// TestExportCredentialsFileMissingAKey: a credentials file without a key the provider needs is
// named, with the key, and none of its values is printed.
func TestExportCredentialsFileMissingAKey(t *testing.T) {
	creds := filepath.Join(t.TempDir(), "ncp.env")
	if err := os.WriteFile(creds, []byte("accessKey=AK-value-1\nsecretkey=lower-case-secret-value\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ args []string }{
		{[]string{"--provider", "ncp", "--company-id", "c1"}},
		{[]string{"--provider", "huaweicloud", "--oneaccess-domain", "tenant.huaweioneaccess.com"}},
	} {
		args := append([]string{"export", "acme", "-n", "orgs", "--credentials-file", creds}, tc.args...)
		code, out, errOut := runPlugin(args...)
		if code != exitError || out != "" || !strings.HasPrefix(errOut, "error: ") || !strings.Contains(errOut, `secret "ncp.env" has no key`) ||
			strings.Contains(errOut, `secret ""`) || strings.Contains(errOut, "value") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1 naming the file ncp.env and the missing key, no value", tc.args, code, out, errOut)
		}
	}
}

// TestExportWarnsOfAParentMissingRemotely: a department whose parent the listing lacks is
// exported (nothing else can hold it) with a warning that its Department will wait; a parent
// that is listed but not exported (--unmanaged-only) is no such case.
func TestExportWarnsOfAParentMissingRemotely(t *testing.T) {
	chart := []provider.Department{
		{Key: "top", Name: "Top", DisplayOrder: "1"},
		{Key: "child", ParentKey: "top", Name: "Child", DisplayOrder: "1"},
		{Key: "orphan", ParentKey: "ghost", Name: "Orphan", DisplayOrder: "1"},
	}
	res := buildManifests(exportInput{provider: v1alpha1.ProviderNCP, organization: "acme", namespace: "orgs", remote: chart})
	if len(res.manifests) != 3 || len(res.orphans) != 1 || res.orphans[0].key != "orphan" || !strings.Contains(res.orphans[0].reason, `its parent "ghost" is not in the remote chart`) {
		t.Errorf("%d manifests, orphans %+v", len(res.manifests), res.orphans)
	}
	claimed := []v1alpha1.Department{{ObjectMeta: metav1.ObjectMeta{Name: "top"}, Spec: v1alpha1.DepartmentSpec{OrganizationRef: v1alpha1.LocalObjectReference{Name: "acme"}}}}
	res = buildManifests(exportInput{provider: v1alpha1.ProviderNCP, organization: "acme", namespace: "orgs", remote: chart, existing: claimed, unmanagedOnly: true})
	if len(res.manifests) != 2 || len(res.orphans) != 1 || res.orphans[0].key != "orphan" {
		t.Errorf("--unmanaged-only: %d manifests, orphans %+v", len(res.manifests), res.orphans)
	}
}

// TestExportKeepsTheSettingsOfTheDepartmentItNames: a key a Department already holds keeps that
// Department's name, and the manifest carries its policies and its pause: applied, it changes
// nothing of the object but what the remote chart says (an apply would reset what it leaves out,
// and a Department that only observed, or orphaned, would start to write, or to delete).
func TestExportKeepsTheSettingsOfTheDepartmentItNames(t *testing.T) {
	chart := []provider.Department{{Key: "hq", Name: "HQ", DisplayOrder: "1"}, {Key: "plain", Name: "Plain", DisplayOrder: "1"}}
	existing := []v1alpha1.Department{
		{ObjectMeta: metav1.ObjectMeta{Name: "legacy-hq", Annotations: map[string]string{v1alpha1.AnnotationPaused: "true", "note": "not exported"}},
			Spec: v1alpha1.DepartmentSpec{OrganizationRef: v1alpha1.LocalObjectReference{Name: "acme"}, ExternalKey: "hq",
				DeletionPolicy: v1alpha1.DeletionPolicyOrphan, ManagementPolicy: v1alpha1.ManagementPolicyObserve}},
		{ObjectMeta: metav1.ObjectMeta{Name: "plain"},
			Spec: v1alpha1.DepartmentSpec{OrganizationRef: v1alpha1.LocalObjectReference{Name: "acme"},
				DeletionPolicy: v1alpha1.DeletionPolicyDelete, ManagementPolicy: v1alpha1.ManagementPolicyManage}},
	}
	res := buildManifests(exportInput{provider: v1alpha1.ProviderNCP, organization: "acme", namespace: "orgs", remote: chart, existing: existing})
	byName := map[string]departmentManifest{}
	for _, m := range res.manifests {
		byName[m.Metadata.Name] = m
	}
	hq, plain := byName["legacy-hq"], byName["plain"]
	if hq.Spec.DeletionPolicy != v1alpha1.DeletionPolicyOrphan || hq.Spec.ManagementPolicy != v1alpha1.ManagementPolicyObserve ||
		!cmp.Equal(hq.Metadata.Annotations, map[string]string{v1alpha1.AnnotationPaused: "true"}) {
		t.Errorf("legacy-hq: %+v %+v, want its policies and its pause kept", hq.Metadata, hq.Spec)
	}
	if plain.Spec.DeletionPolicy != "" || plain.Spec.ManagementPolicy != "" || plain.Metadata.Annotations != nil {
		t.Errorf("plain: %+v %+v, want the defaults left out", plain.Metadata, plain.Spec)
	}
}

// TestExportOfAnEmptyChart: a chart with no department writes no directory (kubectl apply -k
// refuses a kustomization without resources) and an empty stream, says so, and exits 0.
func TestExportOfAnEmptyChart(t *testing.T) {
	server := ncpfake.NewServer(ncpfake.Options{AccessKey: "ak-1", SecretKey: "sk-1", CompanyIDs: []string{"empty"}})
	defer server.Close()
	creds := filepath.Join(t.TempDir(), "ncp.env")
	if err := os.WriteFile(creds, []byte("accessKey=ak-1\nsecretKey=sk-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "chart")
	flags := []string{"-n", "orgs", "--credentials-file", creds, "--provider", "ncp", "--company-id", "empty",
		"--ncp-workplace-endpoint", server.URL(), "--allow-insecure-endpoints"}

	code, out, errOut := runPlugin(append([]string{"export", "acme", "--output-dir", dir}, flags...)...)
	if code != exitOK || out != "" || !strings.Contains(errOut, "nothing to export") {
		t.Errorf("--output-dir: exit %d, stdout %q, stderr %q; want exit 0 and nothing to export", code, out, errOut)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the output directory was written: %v", err)
	}
	code, out, errOut = runPlugin(append([]string{"export", "acme"}, flags...)...)
	if code != exitOK || out != "" || !strings.Contains(errOut, "nothing to export") {
		t.Errorf("stream: exit %d, stdout %q, stderr %q; want exit 0, an empty stream and nothing to export", code, out, errOut)
	}
}

// TestExportEscapesFormatCharacters: remote names holding right-to-left overrides and isolates
// (review spoofing: the file would show another text than it holds) are written as \u escapes in
// double-quoted scalars, in the stream and in a directory, and read back as the same names.
func TestExportEscapesFormatCharacters(t *testing.T) {
	spoof := "Payroll\u202Etxt.exe\u2066 x\u2069\u200B"
	chart := []provider.Department{
		{Key: "pay", Name: spoof, DisplayOrder: "1", I18nNames: map[string]string{"en_US": "a\u200Fb \"q\" \\"}},
		{Key: "eng", Name: "Engineering \u2067", DisplayOrder: "2"},
	}
	res := buildManifests(exportInput{provider: v1alpha1.ProviderNCP, organization: "acme", namespace: "orgs", remote: chart})
	var stream strings.Builder
	if err := writeStream(&stream, res.manifests); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "chart")
	if _, err := writeOutputDir(dir, res.manifests); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "chart.yaml")
	if err := os.WriteFile(file, []byte(stream.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	checkNoFormatCharacters(t, "the stream", stream.String())
	checkDirNoFormatCharacters(t, dir)
	for _, src := range []manifestSources{{filenames: []string{file}}, {kustomize: []string{dir}}} {
		loaded, err := loadManifests(src, nil, "orgs")
		if err != nil {
			t.Fatalf("reading the export back: %v", err)
		}
		loadsAsExported(t, res.manifests, loaded)
	}
}

// checkNoFormatCharacters wants text, written by export, to hold no character that unsafeRune
// names but the line break: names with bidirectional controls are written as escapes.
func checkNoFormatCharacters(t *testing.T, what, text string) {
	t.Helper()
	if i := strings.IndexFunc(text, func(r rune) bool { return r != '\n' && unsafeRune(r) }); i >= 0 {
		t.Errorf("%s holds %U raw:\n%s", what, []rune(text[i:])[0], text)
	}
}

// checkDirNoFormatCharacters is checkNoFormatCharacters for every file of dir.
func checkDirNoFormatCharacters(t *testing.T, dir string) {
	t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = root.Close() }()
	err = fs.WalkDir(root.FS(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(root.FS(), path)
		checkNoFormatCharacters(t, path, string(data))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
