package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// runPlugin runs the plugin with args as kubectl would, returning its exit code and outputs.
func runPlugin(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	return code, out.String(), errOut.String()
}

func TestCommandLine(t *testing.T) {
	code, out, _ := runPlugin("--help")
	if code != exitOK || !strings.Contains(out, "kubectl orgsync [command]") || !strings.Contains(out, "tree ") || !strings.Contains(out, "--kubeconfig") {
		t.Errorf("--help: exit %d:\n%s", code, out)
	}
	// Commands that are not built are not offered.
	for _, missing := range []string{"completion"} {
		if strings.Contains(out, "  "+missing+" ") {
			t.Errorf("--help offers %s:\n%s", missing, out)
		}
	}
	code, out, _ = runPlugin("tree", "--help")
	if code != exitOK || !strings.Contains(out, "kubectl orgsync tree acme -n orgs -v") || !strings.Contains(out, "-o, --output") || !strings.Contains(out, "--context") {
		t.Errorf("tree --help: exit %d:\n%s", code, out)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"tree", "-o", "xml"}, `error: --output must be json or yaml, not "xml"`},
		{[]string{"tree", "--color=rainbow"}, `error: --color must be auto, always or never, not "rainbow"`},
		{[]string{"tree", "--bogus"}, "error: unknown flag: --bogus\nSee 'kubectl orgsync tree --help' for usage"},
		{[]string{"tree", "a", "b"}, "error: accepts at most 1 arg(s), received 2"},
		{[]string{"export"}, "error: accepts 1 arg(s), received 0"},
		{[]string{"tree", "--kubeconfig", filepath.Join(t.TempDir(), "missing")}, "error: "},
	} {
		code, out, errOut := runPlugin(tc.args...)
		if code != exitError || out != "" || !strings.HasPrefix(errOut, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1 and stderr starting %q", tc.args, code, out, errOut, tc.want)
		}
	}
}
