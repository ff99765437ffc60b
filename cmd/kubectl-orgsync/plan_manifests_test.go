package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLoadManifests(t *testing.T) {
	dir := t.TempDir()
	write := func(path, content string) {
		t.Helper()
		path = filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	dept := func(name, namespace string) string {
		ns := ""
		if namespace != "" {
			ns = "\n  namespace: " + namespace
		}
		return "apiVersion: orgsync.dev/v1alpha1\nkind: Department\nmetadata:\n  name: " + name + ns + "\nspec:\n  organizationRef: {name: acme}\n  name: " + name + "\n"
	}
	write("flat/a.yaml", dept("a", "")+"---\n"+dept("b", "other"))
	write("flat/sub/c.yaml", dept("c", ""))
	write("kust/kustomization.yaml", "namespace: kns\nresources:\n- d.yaml\n")
	write("kust/d.yaml", dept("d", ""))
	write("kust/unlisted.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ignored\n")

	names := func(ms []manifest) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.dept.Namespace+"/"+m.dept.Name+" from "+filepath.Base(m.source))
		}
		slices.Sort(out)
		return out
	}
	cases := map[string]struct {
		src  manifestSources
		want []string
	}{
		"a directory, not recursively": {src: manifestSources{filenames: []string{filepath.Join(dir, "flat")}},
			want: []string{"def/a from a.yaml", "other/b from a.yaml"}},
		"a directory, recursively": {src: manifestSources{filenames: []string{filepath.Join(dir, "flat")}, recursive: true},
			want: []string{"def/a from a.yaml", "def/c from c.yaml", "other/b from a.yaml"}},
		"-k": {src: manifestSources{kustomize: []string{filepath.Join(dir, "kust")}}, want: []string{"kns/d from kust"}},
		"-f of a kustomization and a file": {src: manifestSources{filenames: []string{filepath.Join(dir, "kust"), filepath.Join(dir, "flat", "sub", "c.yaml")}},
			want: []string{"def/c from c.yaml", "kns/d from kust"}},
		"-": {src: manifestSources{filenames: []string{"-"}}, want: []string{"def/e from STDIN"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ms, err := loadManifests(tc.src, strings.NewReader(dept("e", "")), "def")
			if err != nil {
				t.Fatal(err)
			}
			if got := names(ms); !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}

	write("empty/x.yaml", "# nothing\n")
	if _, err := loadManifests(manifestSources{filenames: []string{filepath.Join(dir, "empty")}}, nil, "def"); err == nil || err.Error() != "the manifests hold no Department" {
		t.Errorf("no Department: %v", err)
	}
	write("two/x.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\n---\napiVersion: orgsync.dev/v1alpha2\nkind: Department\nmetadata:\n  name: two\n")
	_, err := loadManifests(manifestSources{filenames: []string{filepath.Join(dir, "two")}}, nil, "def")
	if err == nil || !strings.Contains(err.Error(), "2 problems in the manifests:") || !strings.Contains(err.Error(), `ConfigMap "one" (apiVersion v1) is not a Department`) ||
		!strings.Contains(err.Error(), `Department "two" has apiVersion orgsync.dev/v1alpha2; this plugin knows orgsync.dev/v1alpha1`) {
		t.Errorf("two problems: %v", err)
	}
}

func TestShownQuotesWhatIsNotPlainText(t *testing.T) {
	for in, want := range map[string]string{
		"ConfigMap":        "ConfigMap",
		"orgsync.dev/v1":   "orgsync.dev/v1",
		"Config\x1b[2JMap": `"Config\x1b[2JMap"`,
		"two words":        `"two words"`,
		"line\nbreak":      `"line\nbreak"`,
		"부서":               "부서",
	} {
		if got := shown(in); got != want {
			t.Errorf("shown(%q) = %s, want %s", in, got, want)
		}
	}
}

// A manifest from a pull request cannot write control sequences into a CI log through plan's
// errors: neither its file name nor a field the type lacks reaches them raw.
func TestManifestErrorsEscapeControlCharacters(t *testing.T) {
	dir := t.TempDir()
	base := "b\x1b[31mred.yaml" // an escape sequence, no path separator
	name := filepath.Join(dir, base)
	manifest := "apiVersion: orgsync.dev/v1alpha1\nkind: Department\nmetadata:\n  name: a\nspec:\n  organizationRef: {name: acme}\n  name: A\n" +
		"  \"\\e]0;owned\\a\\e[2J\": x\n"
	if err := os.WriteFile(name, []byte(manifest), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := loadManifests(manifestSources{filenames: []string{dir}}, nil, "def")
	if err == nil {
		t.Fatal("a manifest with a field the type lacks was read")
	}
	if strings.ContainsAny(err.Error(), "\x1b\a") || !strings.Contains(err.Error(), `\x1b[31mred.yaml`) {
		t.Errorf("error %q carries a control character, or does not show the file escaped", err)
	}
}
