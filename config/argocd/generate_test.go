package argocd

import (
	"os"
	"testing"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/decision"
)

// health.lua's reason classes are decision.Reasons': any difference fails until
// `go generate ./config/argocd` writes them again.
func TestScriptIsGeneratedFromTheReasons(t *testing.T) {
	want, err := Generate(Script)
	if err != nil {
		t.Fatal(err)
	}
	if want != Script {
		t.Error("health.lua differs from internal/decision's Reasons: run go generate ./config/argocd")
	}
	patch, err := os.ReadFile("argocd-cm-patch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if string(patch) != ConfigMapPatch(Script) {
		t.Error("argocd-cm-patch.yaml differs from health.lua: run go generate ./config/argocd")
	}
}

func TestGenerateNeedsItsMarkers(t *testing.T) {
	if _, err := Generate("local hs = {}\nreturn hs\n"); err == nil {
		t.Error("a script without the generated block was accepted")
	}
}

// The classes of decision.Reasons are what statusForReason, the test's own reading of each
// reason, expects Argo CD to show.
func TestTheReasonsTableAgreesWithStatusForReason(t *testing.T) {
	for _, reason := range v1alpha1.Reasons {
		r, ok := decision.Lookup(reason)
		if !ok {
			t.Errorf("decision.Reasons lacks %s", reason)
			continue
		}
		if r.Class == decision.ClassReady {
			continue
		}
		if got := StatusOf(r.Class); got != statusForReason[reason] {
			t.Errorf("%s: decision class %s reads as %s, statusForReason says %s", reason, r.Class, got, statusForReason[reason])
		}
	}
}
