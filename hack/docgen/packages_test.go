package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestEveryPackageHasAComment keeps the habit issue 18 asks for: every package of the module says
// what it holds in a package comment ("Package x ..."), and every command, above `package main`,
// what it is. `go doc` and pkg.go.dev show it; a reader lands there first.
func TestEveryPackageHasAComment(t *testing.T) {
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}}\t{{.Name}}\t{{.Doc}}", "./...")
	cmd.Dir = repoRoot
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if msg := packageCommentProblem(line); msg != "" {
			t.Error(msg)
		}
	}
}

// packageCommentProblem reads one line of go list (import path, name, synopsis) and says what is
// wrong with its package comment, or "".
func packageCommentProblem(line string) string {
	path, rest, _ := strings.Cut(line, "\t")
	name, doc, _ := strings.Cut(rest, "\t")
	switch {
	case doc == "":
		return path + ": no package comment (add a doc.go: // Package " + name + " ...)"
	case name != "main" && !strings.HasPrefix(doc, "Package "+name+" "):
		return path + ": the package comment should begin with \"Package " + name + " \", not " + doc
	}
	return ""
}

func TestPackageCommentProblem(t *testing.T) {
	cases := map[string]string{
		"x/ok\tok\tPackage ok holds things.":         "",
		"x/cmd\tmain\tCommand manager runs it.":      "",
		"x/none\tnone\t":                             "x/none: no package comment (add a doc.go: // Package none ...)",
		"x/other\tother\tThis package holds things.": `x/other: the package comment should begin with "Package other ", not This package holds things.`,
	}
	for line, want := range cases {
		if got := packageCommentProblem(line); got != want {
			t.Errorf("%q: got %q, want %q", line, got, want)
		}
	}
}
