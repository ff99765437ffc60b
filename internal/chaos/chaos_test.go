package chaos

import (
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/testenv"
)

// TestChaos runs the short version of every run on both clouds: a smaller chart and fewer kills
// than `make chaos`, the same invariants. It needs a control plane (KUBEBUILDER_ASSETS, set by
// `make test`) and builds the manager unless ORGSYNC_MANAGER names one (testenv.ManagerBinary).
func TestChaos(t *testing.T) {
	log.SetLogger(logr.Discard()) // the control plane's own logging
	assets := testenv.LongAssetsOrSkip(t)
	manager, err := testenv.ManagerBinary(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range Providers {
		t.Run(string(p), func(t *testing.T) {
			cfg := Config{
				Manager: manager, Assets: assets,
				Size: 60, Kills: 3, Subtree: 15, OrganizationOutage: 20 * time.Second, Settle: 4 * time.Minute,
				Providers: []v1alpha1.Provider{p}, Log: testLog{t},
			}
			if p == v1alpha1.ProviderHuaweiCloud {
				// NCP's runs already prove what is the same on both clouds (the manager's kills,
				// the failover): a smaller chart keeps make test short.
				cfg.Size, cfg.Subtree = shortHuaweiSize, shortHuaweiSubtree
			}
			results := Run(t.Context(), cfg)
			var out strings.Builder
			Print(&out, results)
			t.Log(out.String())
			if want := len(runsFor(p)); len(results) != want {
				t.Fatalf("%d of %d runs completed", len(results), want)
			}
			for _, r := range results {
				if r.Failed() {
					t.Errorf("run %s failed (seed %d; rerun with go run ./hack/chaos -provider %s -seed %d)", r.Run, r.Seed, p, r.Seed)
				}
				if r.Run != "faults" && r.Kills == 0 {
					t.Errorf("run %s killed no manager", r.Run)
				}
			}
		})
	}
}

// The short Huawei Cloud chart.
const (
	shortHuaweiSize    = 40
	shortHuaweiSubtree = 10
)

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
