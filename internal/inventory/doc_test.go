package inventory

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every test the package comment names for an invariant exists: the comment and the tests do not
// drift apart.
func TestPackageCommentNamesExistingTests(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("coalesce/*_test.go")
	var tests strings.Builder
	for _, f := range append(files, more...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		tests.Write(b)
	}
	named := regexp.MustCompile(`\bTest\w+`).FindAllString(string(doc), -1)
	if len(named) < 10 {
		t.Fatalf("the package comment names %d tests", len(named))
	}
	for _, name := range named {
		if !strings.Contains(tests.String(), "func "+name+"(") {
			t.Errorf("the package comment names %s, which does not exist", name)
		}
	}
}
