package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/testenv"
)

// crdDir holds the CRDs the demo installs on a cluster that lacks them.
const crdDir = "config/crd/bases"

// cluster is where the demo runs: its kubeconfig, kubectl and client, and how to clean up.
type cluster struct {
	kubeconfig, kubectl string
	client              client.Client
	// release removes the demo's objects while the manager still runs to drop its finalizers.
	release func(context.Context) error
	// stop undoes the rest once everything else has stopped.
	stop func(context.Context) error
}

// clusterStarter makes the cluster the demo runs on; bin is --bin, work the demo's scratch folder.
type clusterStarter func(ctx context.Context, bin, work string) (*cluster, error)

var clusters = map[string]clusterStarter{"local": localCluster, "current": currentCluster}

// localCluster starts a control plane of its own from <bin>/k8s, with the CRDs, in the namespace
// demo; stopping it throws everything away.
func localCluster(_ context.Context, bin, work string) (*cluster, error) {
	namespace = "demo"
	step("starting a local control plane from %s/k8s", bin)
	cp, err := testenv.Start(testenv.Options{Assets: filepath.Join(bin, "k8s")})
	if err != nil {
		return nil, err
	}
	kubeconfig, err := cp.AdminKubeconfig(work, "demo-admin")
	if err != nil {
		_ = cp.Stop()
		return nil, err
	}
	step("CRDs installed: organizations.orgsync.dev, departments.orgsync.dev")
	return &cluster{
		kubeconfig: kubeconfig, kubectl: cp.Kubectl(), client: cp.Client,
		release: func(context.Context) error { return nil },
		stop: func(context.Context) error {
			step("stopping the control plane")
			_ = cp.Stop()
			return nil
		},
	}, nil
}

// currentCluster runs the demo on the cluster of the current kubeconfig context (KUBECONFIG or
// ~/.kube/config), in a namespace of its own; the manager runs here and watches that namespace
// only. It installs the CRDs only if they are missing, and at the end removes the namespace and
// the CRDs it installed, unless objects of theirs exist elsewhere then.
func currentCluster(ctx context.Context, bin, work string) (*cluster, error) {
	loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(clientcmd.NewDefaultClientConfigLoadingRules(), &clientcmd.ConfigOverrides{})
	raw, err := loader.RawConfig()
	if err != nil {
		return nil, fmt.Errorf("reading the kubeconfig: %w", err)
	}
	if raw.CurrentContext == "" {
		return nil, errors.New("the kubeconfig (KUBECONFIG or ~/.kube/config) has no current context: pick one with kubectl config use-context")
	}
	cfg, err := loader.ClientConfig()
	if err != nil {
		return nil, err
	}
	// The manager gets the current context alone, its files inlined (KUBECONFIG may name several).
	if err := clientcmdapi.MinifyConfig(&raw); err != nil {
		return nil, err
	}
	if err := clientcmdapi.FlattenConfig(&raw); err != nil {
		return nil, err
	}
	kubeconfig := filepath.Join(work, "current.kubeconfig")
	if err := clientcmd.WriteToFile(raw, kubeconfig); err != nil {
		return nil, err
	}
	scheme := testenv.NewScheme()
	utilruntime.Must(apiextensionsv1.AddToScheme(scheme))
	k8s, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, err
	}
	kubectl, err := findKubectl(bin)
	if err != nil {
		return nil, err
	}
	step("running on the cluster of the context %s (%s), with %s", raw.CurrentContext, cfg.Host, kubectl)
	if err := checkNoManager(ctx, k8s); err != nil {
		return nil, err
	}
	installed, err := ensureCRDs(ctx, k8s)
	if err != nil {
		return nil, errors.Join(err, removeCRDs(context.WithoutCancel(ctx), k8s, installed))
	}
	namespace = testenv.RandomID("orgsync-demo-")
	return &cluster{
		kubeconfig: kubeconfig, kubectl: kubectl, client: k8s,
		release: func(ctx context.Context) error { return releaseDemo(ctx, k8s) },
		stop:    func(ctx context.Context) error { return removeCRDs(ctx, k8s, installed) },
	}, nil
}

// findKubectl prefers the kubectl of <bin>/k8s, at the pinned version, to the one on PATH.
func findKubectl(bin string) (string, error) {
	pinned := filepath.Join(bin, "k8s", "kubectl")
	if _, err := os.Stat(pinned); err == nil {
		return pinned, nil
	}
	path, err := exec.LookPath("kubectl")
	if err != nil {
		return "", fmt.Errorf("--cluster current needs kubectl on PATH (or %s): %w", pinned, err)
	}
	return path, nil
}

// checkNoManager refuses a cluster where an orgsync manager holds its Lease: it would reconcile
// the demo's objects too, against the real clouds.
func checkNoManager(ctx context.Context, k8s client.Client) error {
	var leases coordinationv1.LeaseList
	if err := k8s.List(ctx, &leases); err != nil {
		if apierrors.IsForbidden(err) {
			step("may not list Leases: not checking whether an orgsync manager runs in this cluster")
			return nil
		}
		return err
	}
	for _, l := range leases.Items {
		orgsync := l.Name == "orgsync.orgsync.dev" || strings.HasPrefix(l.Name, "orgsync-") && strings.HasSuffix(l.Name, ".orgsync.dev")
		if orgsync && l.Spec.RenewTime != nil && time.Since(l.Spec.RenewTime.Time) < 2*time.Minute {
			return fmt.Errorf("an orgsync manager runs in this cluster (Lease %s/%s, renewed %s ago): it would reconcile the demo's objects too; "+
				"run the demo on a cluster without one, or on a control plane of its own (make demo)",
				l.Namespace, l.Name, time.Since(l.Spec.RenewTime.Time).Round(time.Second))
		}
	}
	return nil
}

// ensureCRDs installs those of config/crd/bases that the cluster lacks and returns their names;
// the ones already there are used as they are, and left.
func ensureCRDs(ctx context.Context, k8s client.Client) (installed []string, err error) {
	files, err := filepath.Glob(filepath.Join(crdDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no CRDs in %s (run the demo from the repository's root): %w", crdDir, err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f) //nolint:gosec // G304: the repository's own CRDs
		if err != nil {
			return installed, err
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(data, crd); err != nil {
			return installed, fmt.Errorf("%s: %w", f, err)
		}
		err = k8s.Create(ctx, crd)
		switch {
		case apierrors.IsAlreadyExists(err):
			step("CRD %s already installed: using it, and leaving it", crd.Name)
			continue
		case err != nil:
			return installed, err
		}
		installed = append(installed, crd.Name)
		step("CRD %s installed (removed at the end)", crd.Name)
		if err := waitEstablished(ctx, k8s, crd.Name); err != nil {
			return installed, err
		}
	}
	return installed, nil
}

func waitEstablished(ctx context.Context, k8s client.Client, name string) error {
	return wait(ctx, "the CRD "+name+" to be established", func(ctx context.Context) (bool, string, error) {
		var crd apiextensionsv1.CustomResourceDefinition
		if err := k8s.Get(ctx, client.ObjectKey{Name: name}, &crd); err != nil {
			return false, "", err
		}
		for _, c := range crd.Status.Conditions {
			if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
				return true, "", nil
			}
		}
		return false, "not established yet", nil
	})
}

// releaseDemo deletes the demo's Organization (which releases its Departments: deletionPolicy
// Orphan) and Departments, waits until the manager has let them go, then deletes the namespace.
func releaseDemo(ctx context.Context, k8s client.Client) error {
	step("removing the demo's objects and the namespace %s", namespace)
	for _, obj := range []client.Object{&v1alpha1.Organization{}, &v1alpha1.Department{}} {
		if err := k8s.DeleteAllOf(ctx, obj, client.InNamespace(namespace)); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	if err := wait(ctx, "the demo's objects to go", func(ctx context.Context) (bool, string, error) {
		left, err := countObjects(ctx, k8s, client.InNamespace(namespace))
		return left == 0, fmt.Sprintf("%d objects left", left), err
	}); err != nil {
		return err
	}
	ns := &corev1.Namespace{}
	ns.Name = namespace
	return deleteIfPresent(ctx, k8s, ns, "namespace %s deleted")
}

// deleteIfPresent deletes obj (one already gone counts as deleted) and says so with done, a step
// format taking obj's name.
func deleteIfPresent(ctx context.Context, k8s client.Client, obj client.Object, done string) error {
	if err := k8s.Delete(ctx, obj); err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	step(done, obj.GetName())
	return nil
}

// countObjects counts the Organizations and Departments that opts select.
func countObjects(ctx context.Context, k8s client.Client, opts ...client.ListOption) (int, error) {
	var orgs v1alpha1.OrganizationList
	var depts v1alpha1.DepartmentList
	if err := k8s.List(ctx, &orgs, opts...); err != nil {
		return 0, err
	}
	if err := k8s.List(ctx, &depts, opts...); err != nil {
		return 0, err
	}
	return len(orgs.Items) + len(depts.Items), nil
}

// removeCRDs deletes the CRDs the demo installed, unless Organizations or Departments exist by
// then (someone else's, made meanwhile): deleting the CRD would delete them.
func removeCRDs(ctx context.Context, k8s client.Client, installed []string) error {
	if len(installed) == 0 {
		return nil
	}
	left, err := countObjects(ctx, k8s)
	if err != nil && !isNoKind(err) {
		return err
	}
	if left > 0 {
		step("leaving the CRDs %s: %d Organizations and Departments exist", strings.Join(installed, ", "), left)
		return nil
	}
	for _, name := range installed {
		crd := &apiextensionsv1.CustomResourceDefinition{}
		crd.Name = name
		if err := deleteIfPresent(ctx, k8s, crd, "CRD %s removed"); err != nil {
			return err
		}
	}
	return nil
}

// isNoKind reports an error listing a kind whose CRD is not installed (any more).
func isNoKind(err error) bool {
	return apierrors.IsNotFound(err) || runtime.IsNotRegisteredError(err) || strings.Contains(err.Error(), "no matches for kind")
}
