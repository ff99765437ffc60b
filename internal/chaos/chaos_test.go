package chaos

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// TestChaos runs the short version of every run: a smaller chart and fewer kills than `make
// chaos`, the same invariants. It needs a control plane (KUBEBUILDER_ASSETS, set by `make test`)
// and builds the manager unless ORGSYNC_MANAGER names one.
func TestChaos(t *testing.T) {
	log.SetLogger(logr.Discard()) // the control plane's own logging
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		t.Skip("KUBEBUILDER_ASSETS is not set: run through `make test`, which builds bin/k8s")
	}
	cfg := Config{
		Manager: managerBinary(t), Assets: assets, CRDs: filepath.Join("..", "..", "config", "crd", "bases"),
		Size: 60, Kills: 3, Subtree: 15, OrganizationOutage: 20 * time.Second, Settle: 4 * time.Minute,
		Log: testLog{t},
	}
	results := Run(t.Context(), cfg)
	var out strings.Builder
	Print(&out, results)
	t.Log(out.String())
	if len(results) != 4 {
		t.Fatalf("%d of 4 runs completed", len(results))
	}
	for _, r := range results {
		if r.Failed() {
			t.Errorf("run %s failed (seed %d; rerun with go run ./hack/chaos -seed %d)", r.Run, r.Seed, r.Seed)
		}
		if r.Run != "faults" && r.Kills == 0 {
			t.Errorf("run %s killed no manager", r.Run)
		}
	}
}

func managerBinary(t *testing.T) string {
	if bin := os.Getenv("ORGSYNC_MANAGER"); bin != "" {
		return bin
	}
	bin := filepath.Join(t.TempDir(), "manager")
	cmd := exec.Command("go", "build", "-o", bin, "../../cmd")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the manager: %v\n%s", err, out)
	}
	return bin
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
