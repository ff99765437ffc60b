package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// Creators' client-side rate limit: high enough that the API server, not the client, sets the
// pace of baseline (b).
const (
	creatorQPS   = 2000
	creatorBurst = 4000
)

// controlPlane is a kube-apiserver and etcd from bin/k8s with the CRDs installed.
type controlPlane struct {
	env        *envtest.Environment
	cfg        *rest.Config  // the benchmark's own, with a high rate limit
	client     client.Client // through cfg
	scheme     *runtime.Scheme
	kubeconfig string // path of a system:masters kubeconfig for the manager
}

// startControlPlane starts a fresh control plane and writes the manager's kubeconfig into work.
func startControlPlane(binDir, crdDir, work string) (*controlPlane, error) {
	env := &envtest.Environment{
		BinaryAssetsDirectory: filepath.Join(binDir, "k8s"),
		CRDDirectoryPaths:     []string{crdDir},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting the control plane from %s: %w", env.BinaryAssetsDirectory, err)
	}
	cp := &controlPlane{env: env}
	if err := cp.init(cfg, work); err != nil {
		cp.stop()
		return nil, err
	}
	return cp, nil
}

func (cp *controlPlane) init(cfg *rest.Config, work string) error {
	user, err := cp.env.AddUser(envtest.User{Name: "bench-manager", Groups: []string{"system:masters"}}, cfg)
	if err != nil {
		return err
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		return err
	}
	cp.kubeconfig = filepath.Join(work, "kubeconfig")
	if err := os.WriteFile(cp.kubeconfig, kubeconfig, 0o600); err != nil {
		return err
	}
	cp.scheme = runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(cp.scheme))
	utilruntime.Must(v1alpha1.AddToScheme(cp.scheme))
	cp.cfg = rest.CopyConfig(cfg)
	cp.cfg.QPS, cp.cfg.Burst = creatorQPS, creatorBurst
	cp.client, err = client.New(cp.cfg, client.Options{Scheme: cp.scheme})
	return err
}

func (cp *controlPlane) stop() {
	if err := cp.env.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "bench: stopping the control plane:", err)
	}
}

// createOrganization creates the namespace, the credentials Secret and the Organization of
// companyID.
func (cp *controlPlane) createOrganization(ctx context.Context, namespace, org, companyID string) error {
	objects := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}},
		&corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: org + "-credentials"},
			StringData: map[string]string{v1alpha1.SecretKeyAccessKey: accessKey, v1alpha1.SecretKeySecretKey: secretKey},
		},
		&v1alpha1.Organization{
			ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: org},
			Spec: v1alpha1.OrganizationSpec{
				CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: org + "-credentials"},
				Workplace:            v1alpha1.WorkplaceSpec{CompanyID: companyID},
			},
		},
	}
	for _, obj := range objects {
		if err := cp.client.Create(ctx, obj); err != nil {
			return fmt.Errorf("creating %T %s: %w", obj, obj.GetName(), err)
		}
	}
	return nil
}

// waitOrganizationReady polls the Organization until it is Ready.
func (cp *controlPlane) waitOrganizationReady(ctx context.Context, namespace, name string, alive func() error) error {
	for {
		var org v1alpha1.Organization
		err := cp.client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &org)
		if err == nil && meta.IsStatusConditionTrue(org.Status.Conditions, v1alpha1.ConditionReady) {
			return nil
		}
		if err := alive(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			reason := "no Ready condition"
			if c := meta.FindStatusCondition(org.Status.Conditions, v1alpha1.ConditionReady); c != nil {
				reason = c.Reason + ": " + c.Message
			}
			return fmt.Errorf("waiting for the Organization to be Ready (%s): %w", reason, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// events returns the names of the Events (events.k8s.io/v1, what the manager records) of a
// namespace.
func (cp *controlPlane) events(ctx context.Context, namespace string) (map[string]bool, error) {
	var list eventsv1.EventList
	if err := cp.client.List(ctx, &list, client.InNamespace(namespace)); err != nil {
		return nil, err
	}
	names := make(map[string]bool, len(list.Items))
	for _, e := range list.Items {
		names[e.Name] = true
	}
	return names, nil
}
