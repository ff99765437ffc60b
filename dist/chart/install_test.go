package chart

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestInstallManifestIsCurrent checks that dist/install.yaml, which users apply with
// `kubectl apply -f`, is what config/default builds today.
func TestInstallManifestIsCurrent(t *testing.T) {
	kubectl := filepath.Join(repoRoot, "bin/k8s/kubectl")
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		kubectl = filepath.Join(dir, "kubectl")
	}
	if _, err := os.Stat(kubectl); err != nil {
		t.Skipf("no kubectl at %s (`make envtest` builds it): %v", kubectl, err)
	}
	want, err := exec.Command(kubectl, "kustomize", filepath.Join(repoRoot, "config/default")).Output()
	if err != nil {
		t.Fatalf("kubectl kustomize config/default: %v", err)
	}
	got, err := os.ReadFile(filepath.Join(repoRoot, "dist/install.yaml"))
	if err != nil {
		t.Fatalf("%v (run `make build-installer`)", err)
	}
	if !bytes.Equal(want, got) {
		t.Error("dist/install.yaml is not what config/default builds; run `make build-installer`")
	}
}
