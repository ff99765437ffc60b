package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/orgsync/orgsync/internal/testenv"
)

// TestDemo plays `make demo`'s scenarios as the README and docs/adopt.md describe them, so that
// both stay true:
// the samples against each fake cloud, and the adoption walkthrough (export, plan with exit code 0,
// apply with no remote write, a change planned with exit code 2 and made with exactly the planned
// writes). It needs a control plane (KUBEBUILDER_ASSETS, set by `make test`) and builds the
// binaries `make build` would.
func TestDemo(t *testing.T) {
	_, bin := demoBin(t)
	for _, c := range []struct {
		name   string
		remote cloud
		play   scenario
	}{
		{"samples on the fake NCP", &ncpCloud{}, scenario{play: samplesScenario}},
		{"samples on the fake Huawei Cloud", &huaweiCloud{}, scenario{play: samplesScenario}},
		{"adopt on the fake NCP", &ncpCloud{}, scenario{play: adoptScenario, seed: adoptChart}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := run(bin, filepath.Join("config", "samples"), c.remote, c.play, localCluster); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// demoBin builds the binaries `make build` would into a bin folder with the control plane as its
// k8s/, and moves to the repository's root, where the demo reads config/. It skips the test
// without a control plane.
func demoBin(t *testing.T) (assets, bin string) {
	t.Helper()
	assets = testenv.LongAssetsOrSkip(t)
	bin = t.TempDir()
	if err := testenv.Build(bin, "manager", "fakencp", "fakehuawei", "kubectl-orgsync"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(assets, filepath.Join(bin, "k8s")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join("..", ".."))
	return assets, bin
}
