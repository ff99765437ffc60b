package testenv

import (
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// Options say how to start a control plane.
type Options struct {
	// Assets is the folder of the control-plane binaries; "" looks them up with Assets.
	Assets string
	// CRDs are the folders of the CRDs to install; none installs config/crd/bases.
	CRDs []string
	// WithoutCRDs installs no CRD (a test of the built-in kinds only).
	WithoutCRDs bool
	// QPS and Burst are the rate limit of Client and Config; default 1000 and 2000, so that the
	// test's own requests never wait on the client.
	QPS   float32
	Burst int
}

// ControlPlane is a kube-apiserver and etcd with orgsync's CRDs installed, and a client of it that
// knows the built-in kinds and orgsync's.
type ControlPlane struct {
	Env *envtest.Environment
	// Admin is the control plane's own admin configuration, as envtest returns it.
	Admin *rest.Config
	// Config is a copy of Admin with the rate limit of Options; Client talks through it.
	Config *rest.Config
	Client client.Client
	Scheme *runtime.Scheme
	// Assets is the folder of the binaries (kubectl is there too).
	Assets string
}

// NewScheme returns a scheme of the built-in kinds and orgsync's.
func NewScheme() *runtime.Scheme {
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))
	return scheme
}

// Start starts a control plane; Stop it when done.
func Start(opts Options) (*ControlPlane, error) {
	assets, err := opts.assets()
	if err != nil {
		return nil, err
	}
	crds, err := opts.crds()
	if err != nil {
		return nil, err
	}
	env := &envtest.Environment{BinaryAssetsDirectory: assets, CRDDirectoryPaths: crds, ErrorIfCRDPathMissing: len(crds) > 0}
	admin, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting the control plane from %s: %w", assets, err)
	}
	cp := &ControlPlane{Env: env, Admin: admin, Scheme: NewScheme(), Assets: assets}
	cp.Config = rest.CopyConfig(admin)
	cp.Config.QPS, cp.Config.Burst = opts.QPS, opts.Burst
	if cp.Config.QPS == 0 {
		cp.Config.QPS, cp.Config.Burst = 1000, 2000
	}
	if cp.Client, err = client.New(cp.Config, client.Options{Scheme: cp.Scheme}); err != nil {
		_ = cp.Stop()
		return nil, err
	}
	return cp, nil
}

func (o Options) assets() (string, error) {
	if o.Assets != "" {
		return CheckAssets(o.Assets)
	}
	return Assets()
}

func (o Options) crds() ([]string, error) {
	if o.WithoutCRDs {
		return nil, nil
	}
	if len(o.CRDs) > 0 {
		return o.CRDs, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	return []string{filepath.Join(root, "config", "crd", "bases")}, nil
}

// StartOrSkip starts a control plane for a test, skips the test when the binaries are missing,
// and stops the control plane when the test ends.
func StartOrSkip(t TB, opts Options) *ControlPlane {
	t.Helper()
	if opts.Assets == "" {
		opts.Assets = AssetsOrSkip(t)
	}
	cp, err := Start(opts)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() {
		if err := cp.Stop(); err != nil {
			t.Errorf("stopping the control plane: %v", err)
		}
	})
	return cp
}

// Stop stops the control plane.
func (cp *ControlPlane) Stop() error { return cp.Env.Stop() }

// Kubeconfig writes into dir a kubeconfig file of a user called name in groups (system:masters
// makes a cluster admin) and returns its path.
func (cp *ControlPlane) Kubeconfig(dir, name string, groups ...string) (string, error) {
	user, err := cp.Env.AddUser(envtest.User{Name: name, Groups: groups}, cp.Admin)
	if err != nil {
		return "", err
	}
	data, err := user.KubeConfig()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name+".kubeconfig")
	return path, os.WriteFile(path, data, 0o600)
}

// AdminKubeconfig writes a cluster admin's kubeconfig file into dir and returns its path.
func (cp *ControlPlane) AdminKubeconfig(dir, name string) (string, error) {
	return cp.Kubeconfig(dir, name, "system:masters")
}

// Kubectl is the path of the kubectl beside the control plane's binaries.
func (cp *ControlPlane) Kubectl() string { return filepath.Join(cp.Assets, "kubectl") }
