package chaos

import (
	"context"
	"fmt"
	"os"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/testenv"
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

// cluster is testenv's control plane, with a client that reads straight from the API server and
// a system:masters kubeconfig for the managers.
type cluster struct {
	cp         *testenv.ControlPlane
	client     client.Client
	kubeconfig string
}

// startCluster starts a control plane from the binaries in assets with the CRDs of crdDir ("":
// config/crd/bases) and writes the managers' kubeconfig into work.
func startCluster(assets, crdDir, work string) (*cluster, error) {
	opts := testenv.Options{Assets: assets}
	if crdDir != "" {
		opts.CRDs = []string{crdDir}
	}
	cp, err := testenv.Start(opts)
	if err != nil {
		return nil, err
	}
	c := &cluster{cp: cp, client: cp.Client}
	if c.kubeconfig, err = cp.AdminKubeconfig(work, "chaos-manager"); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

func (c *cluster) stop() {
	if err := c.cp.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "chaos: stopping the control plane:", err)
	}
}

// createNamespaces creates the run's namespace and the managers' lease namespace.
func (c *cluster) createNamespaces(ctx context.Context) error {
	return testenv.CreateNamespaces(ctx, c.client, namespace, leaseNamespace)
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
