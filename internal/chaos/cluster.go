package chaos

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// The fakes' account (NCP's, and Huawei Cloud Organizations') and company, and where a run's
// objects live.
const (
	accessKey = "chaos-access-key"
	secretKey = "chaos-secret-key"
	companyID = "chaos-company"
	namespace = "chaos"
	orgName   = "chaos"
	// leaseNamespace holds the managers' leader-election Lease.
	leaseNamespace = "orgsync-system"
	leaseName      = "orgsync.orgsync.dev"
)

// cluster is a kube-apiserver and etcd from bin/k8s with the CRDs installed, and a client that
// reads straight from the API server.
type cluster struct {
	env        *envtest.Environment
	client     client.Client
	kubeconfig string // a system:masters kubeconfig for the managers
}

func startCluster(assets, crdDir, work string) (*cluster, error) {
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{crdDir},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting the control plane from %s: %w", assets, err)
	}
	c := &cluster{env: env}
	if err := c.init(cfg, work); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

func (c *cluster) init(cfg *rest.Config, work string) error {
	user, err := c.env.AddUser(envtest.User{Name: "chaos-manager", Groups: []string{"system:masters"}}, cfg)
	if err != nil {
		return err
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		return err
	}
	c.kubeconfig = filepath.Join(work, "kubeconfig")
	if err := os.WriteFile(c.kubeconfig, kubeconfig, 0o600); err != nil {
		return err
	}
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = 1000, 2000
	c.client, err = client.New(cfg, client.Options{Scheme: scheme})
	return err
}

func (c *cluster) stop() {
	if err := c.env.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "chaos: stopping the control plane:", err)
	}
}

// createNamespaces creates the run's namespace and the managers' lease namespace.
func (c *cluster) createNamespaces(ctx context.Context) error {
	for _, name := range []string{namespace, leaseNamespace} {
		if err := c.client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil {
			return fmt.Errorf("creating namespace %s: %w", name, err)
		}
	}
	return nil
}

// createOrganization creates the credentials Secret and the Organization.
func (c *cluster) createOrganization(ctx context.Context, org *v1alpha1.Organization, secret *corev1.Secret) error {
	for _, obj := range []client.Object{secret, org} {
		if err := c.client.Create(ctx, obj); err != nil {
			return fmt.Errorf("creating %T %s: %w", obj, obj.GetName(), err)
		}
	}
	return nil
}

// departments lists the run's Departments.
func (c *cluster) departments(ctx context.Context) ([]v1alpha1.Department, error) {
	var list v1alpha1.DepartmentList
	if err := c.client.List(ctx, &list, client.InNamespace(namespace)); err != nil {
		return nil, err
	}
	return list.Items, nil
}

// leaseHolder returns the holder of the managers' leader-election Lease, or "" when none.
func (c *cluster) leaseHolder(ctx context.Context) (string, error) {
	var lease coordinationv1.Lease
	err := c.client.Get(ctx, client.ObjectKey{Namespace: leaseNamespace, Name: leaseName}, &lease)
	if client.IgnoreNotFound(err) != nil {
		return "", err
	}
	if lease.Spec.HolderIdentity == nil {
		return "", nil
	}
	return *lease.Spec.HolderIdentity, nil
}
