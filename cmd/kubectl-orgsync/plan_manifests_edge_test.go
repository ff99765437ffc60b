package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// unreachableKubeconfig is a kubeconfig whose API server does not answer: a command that fails on
// its manifests fails before any request.
func unreachableKubeconfig(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	config := `apiVersion: v1
kind: Config
clusters:
- name: nowhere
  cluster: {server: "https://127.0.0.1:1"}
contexts:
- name: nowhere
  context: {cluster: nowhere, user: nobody, namespace: orgs}
current-context: nowhere
users:
- name: nobody
  user: {token: not-a-token}
`
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPlanRefusesADepartmentGivenTwice: two manifests of one object (namespace and name) are not
// two Departments: an apply leaves one object, whichever comes last (or fails on the immutable
// externalKey), so the plan refuses them and names both files, even when their keys differ.
func TestPlanRefusesADepartmentGivenTwice(t *testing.T) {
	dir := t.TempDir()
	doc := func(spec string) string {
		return "apiVersion: orgsync.dev/v1alpha1\nkind: Department\nmetadata:\n  name: eng\nspec:\n  organizationRef: {name: acme}\n  name: Engineering\n" + spec
	}
	for name, content := range map[string]string{
		"a.yaml": doc(""),
		"b.yaml": doc("  externalKey: ENG\n"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := runPlugin("plan", "-f", dir, "--kubeconfig", unreachableKubeconfig(t))
	want := `both give Department "eng" of namespace "orgs"`
	if code != exitError || out != "" || !strings.HasPrefix(errOut, "error: ") || !strings.Contains(errOut, want) ||
		!strings.Contains(errOut, "a.yaml") || !strings.Contains(errOut, "b.yaml") {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 and an error saying %q with both files", code, out, errOut, want)
	}
}

// TestPlanRefusesAManifestOutsideTheNamespaceOfN: with -n, kubectl apply refuses an object of
// another namespace ("does not match the namespace"); plan, which says what applying would do,
// refuses it too instead of planning that other namespace's Organization. Without -n the
// manifest's own namespace holds (the kubeconfig's only fills in a missing one).
func TestPlanRefusesAManifestOutsideTheNamespaceOfN(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "eng.yaml")
	doc := "apiVersion: orgsync.dev/v1alpha1\nkind: Department\nmetadata:\n  name: eng\n  namespace: prod\nspec:\n  organizationRef: {name: acme}\n  name: Engineering\n"
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	kubeconfig := unreachableKubeconfig(t)
	code, out, errOut := runPlugin("plan", "-n", "staging", "-f", file, "--kubeconfig", kubeconfig)
	want := `eng.yaml: Department "eng" is in namespace "prod", not in "staging" as -n says`
	if code != exitError || out != "" || !strings.HasPrefix(errOut, "error: ") || !strings.Contains(errOut, want) {
		t.Errorf("-n staging: exit %d, stdout %q, stderr %q; want exit 1 and %q", code, out, errOut, want)
	}
	// -n naming the manifest's namespace, or no -n: no such error (the plan goes on to the
	// cluster, which does not answer here).
	for _, args := range [][]string{{"-n", "prod"}, {}} {
		_, _, errOut := runPlugin(append([]string{"plan", "-f", file, "--kubeconfig", kubeconfig}, args...)...)
		if strings.Contains(errOut, "as -n says") {
			t.Errorf("%v: %s", args, errOut)
		}
	}
	// Through a kustomization as well.
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte("resources:\n- eng.yaml\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runPlugin("plan", "-n", "staging", "-k", dir, "--kubeconfig", kubeconfig)
	if code != exitError || !strings.Contains(errOut, `Department "eng" is in namespace "prod", not in "staging" as -n says`) {
		t.Errorf("-k with -n staging: exit %d, stderr %q", code, errOut)
	}
}
