package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// repoRoot is the repository's root as seen from this package's directory, where go test runs.
const repoRoot = "../.."

// TestReferencePagesAreCurrent generates the reference pages again, from the binaries built now and
// the CRDs as they are, and fails when a committed page says something else.
func TestReferencePagesAreCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the manager and the plugin")
	}
	generated, err := pages(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range generated {
		got, err := os.ReadFile(filepath.Join(repoRoot, name))
		if err != nil {
			t.Errorf("%s: %v: run make docs", name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what the code generates (first at: %s): run make docs", name, firstDifference(string(got), string(want)))
		}
	}
}

// firstDifference names the first line where committed and generated text part, with both.
func firstDifference(committed, generated string) string {
	c, g := strings.Split(committed, "\n"), strings.Split(generated, "\n")
	for i := 0; i < len(c) || i < len(g); i++ {
		var cl, gl string
		if i < len(c) {
			cl = c[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if cl != gl {
			return fmt.Sprintf("line %d: committed %.120q, generated %.120q", i+1, cl, gl)
		}
	}
	return "nowhere"
}

func TestParseGoFlags(t *testing.T) {
	help := "Usage of /tmp/manager:\n" +
		"  -leader-elect\n    \tElect a leader.\n" +
		"  -metrics-secure\n    \tServe metrics over HTTPS. (default true)\n" +
		"  -pprof-bind-address string\n    \tAddress of pprof; 0 (default) disables them. (default \"0\")\n" +
		"  -sync-period duration\n    \tHow often.\n    \tSecond line. (default 10m0s)\n" +
		"  -v\tverbose\n" +
		"  -zap-encoder value\n    \tZap log encoding (one of 'json' or 'console')\n"
	got, err := parseGoFlags(help)
	expectFlags(t, got, err, []flagDoc{
		{name: "leader-elect", typ: "bool", def: "false", usage: "Elect a leader."},
		{name: "metrics-secure", typ: "bool", def: "true", usage: "Serve metrics over HTTPS."},
		{name: "pprof-bind-address", typ: "string", def: "0", usage: "Address of pprof; 0 (default) disables them."},
		{name: "sync-period", typ: "duration", def: "10m0s", usage: "How often.\nSecond line."},
		{name: "v", typ: "bool", def: "false", usage: "verbose"},
		{name: "zap-encoder", typ: "value", usage: "Zap log encoding (one of 'json' or 'console')"},
	})
	if _, err := parseGoFlags("something else\n"); err == nil {
		t.Error("a line that is no flag was accepted")
	}
}

// expectFlags fails unless a parse succeeded with want.
func expectFlags(t *testing.T, got []flagDoc, err error, want []flagDoc) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%#v\nwant\n%#v", got, want)
	}
}

func TestParsePflags(t *testing.T) {
	help := `Usage:
  kubectl orgsync tree [ORGANIZATION] [flags]

Examples:
  kubectl orgsync tree

Flags:
  -h, --help                 help for tree
      --cache-dir string     Default cache directory (default "$HOME/.kube/cache")
  -o, --output string        Output format: json or yaml
      --prune                Plan deletions (default true)
      --as-group stringArray  Group to impersonate,
                             repeated

Global Flags:
      --as string   Username
`
	got, err := parsePflags(section(help, "Flags"))
	expectFlags(t, got, err, []flagDoc{
		{short: "h", name: "help", typ: "bool", def: "false", usage: "help for tree"},
		{name: "cache-dir", typ: "string", def: "$HOME/.kube/cache", usage: "Default cache directory"},
		{short: "o", name: "output", typ: "string", usage: "Output format: json or yaml"},
		{name: "prune", typ: "bool", def: "true", usage: "Plan deletions"},
		{name: "as-group", typ: "stringArray", usage: "Group to impersonate, repeated"},
	})
	if u := section(help, "Usage"); !reflect.DeepEqual(u, []string{"  kubectl orgsync tree [ORGANIZATION] [flags]"}) {
		t.Errorf("usage: %q", u)
	}
	if _, err := parsePflags([]string{"  -x"}); err == nil {
		t.Error("a flag line without a usage was accepted")
	}
}

func TestCobraCommands(t *testing.T) {
	help := "Available Commands:\n  completion  Generate\n  export      Write\n  help        Help\n  tree        Print\n\nFlags:\n"
	if got := cobraCommands(help); !reflect.DeepEqual(got, []string{"export", "tree"}) {
		t.Errorf("got %q", got)
	}
}

func TestValidation(t *testing.T) {
	one, hundred := int64(1), int64(100)
	zero := 0.0
	cases := map[string]struct {
		schema   apiextensionsv1.JSONSchemaProps
		required bool
		want     string
	}{
		"nothing":  {want: ""},
		"required": {required: true, want: "required"},
		"length": {
			schema: apiextensionsv1.JSONSchemaProps{MinLength: &one, MaxLength: &hundred, Pattern: "^a|b$"},
			want:   "1 to 100 characters; matches `^a|b$`",
		},
		"enum and rule": {
			schema: apiextensionsv1.JSONSchemaProps{
				Enum:         []apiextensionsv1.JSON{{Raw: []byte(`"Delete"`)}, {Raw: []byte(`"Orphan"`)}},
				XValidations: apiextensionsv1.ValidationRules{{Rule: "self == oldSelf", Message: "x is immutable"}},
			},
			want: "one of `Delete`, `Orphan`; rule `self == oldSelf`: x is immutable",
		},
		"minimum": {schema: apiextensionsv1.JSONSchemaProps{Minimum: &zero}, want: "≥ 0"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := validation(&tc.schema, tc.required); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCell(t *testing.T) {
	if got := cell("a |\n  b"); got != `a \| b` {
		t.Errorf("got %q", got)
	}
	if got := code("a`b"); got != "``a`b``" {
		t.Errorf("got %q", got)
	}
}
