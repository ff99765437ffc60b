package testenv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// The binaries envtest runs from the assets folder; kubectl applies manifests in some tests.
var assetBinaries = []string{"kube-apiserver", "etcd", "kubectl"}

// MissingAssetsError says that the control-plane binaries are not where the tests look for them.
type MissingAssetsError struct {
	Dir string
	Err error
}

func (e *MissingAssetsError) Error() string {
	return fmt.Sprintf("no control plane in %s (set KUBEBUILDER_ASSETS, or run `make envtest` to build bin/k8s): %v", e.Dir, e.Err)
}

func (e *MissingAssetsError) Unwrap() error { return e.Err }

// Assets returns the folder holding kube-apiserver, etcd and kubectl: KUBEBUILDER_ASSETS as
// `make test` sets it, or else bin/k8s of the repository as `make envtest` builds it. The error is
// a *MissingAssetsError when the binaries are not there.
func Assets() (string, error) {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return CheckAssets(dir)
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return CheckAssets(filepath.Join(root, "bin", "k8s"))
}

// CheckAssets returns dir made absolute when it holds the control-plane binaries.
func CheckAssets(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for _, bin := range assetBinaries {
		if _, err := os.Stat(filepath.Join(abs, bin)); err != nil { //nolint:gosec // G703: the folder the developer named, for the test's own binaries
			return "", &MissingAssetsError{Dir: abs, Err: err}
		}
	}
	return abs, nil
}

// RepoRoot returns the repository's root: the nearest folder above the working directory that
// holds go.mod. Tests run in their package's folder, hack/ programs from the root.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("testenv: no go.mod above the working directory")
		}
		dir = parent
	}
}

// TB is what the helpers for tests need of a test: *testing.T and Ginkgo's GinkgoT() both are.
type TB interface {
	Helper()
	Cleanup(func())
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
	TempDir() string
}

// AssetsOrSkip returns Assets, or skips the test when the binaries are missing.
func AssetsOrSkip(t TB) string {
	t.Helper()
	dir, err := Assets()
	if err != nil {
		t.Skipf("%v", err)
	}
	return dir
}

// LongAssetsOrSkip returns Assets for the long end-to-end tests (the chaos suite, the demo), which
// run only when KUBEBUILDER_ASSETS is set, as `make test` sets it: a plain `go test ./...` skips
// them.
func LongAssetsOrSkip(t TB) string {
	t.Helper()
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Skipf("KUBEBUILDER_ASSETS is not set: run through `make test`, which builds bin/k8s")
	}
	dir, err := Assets()
	if err != nil {
		t.Fatalf("%v", err)
	}
	return dir
}
