package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/testenv"
)

// Creators' client-side rate limit: high enough that the API server, not the client, sets the
// pace of baseline (b).
const (
	creatorQPS   = 2000
	creatorBurst = 4000
)

// controlPlane is testenv's control plane, whose client has the benchmark's high rate limit, and a
// system:masters kubeconfig for the manager.
type controlPlane struct {
	*testenv.ControlPlane
	kubeconfig string
}

// startControlPlane starts a fresh control plane from binDir/k8s and writes the manager's
// kubeconfig into work.
func startControlPlane(binDir, crdDir, work string) (*controlPlane, error) {
	tcp, err := testenv.Start(testenv.Options{
		Assets: filepath.Join(binDir, "k8s"), CRDs: []string{crdDir}, QPS: creatorQPS, Burst: creatorBurst,
	})
	if err != nil {
		return nil, err
	}
	cp := &controlPlane{ControlPlane: tcp}
	if cp.kubeconfig, err = tcp.AdminKubeconfig(work, "bench-manager"); err != nil {
		cp.stop()
		return nil, err
	}
	return cp, nil
}

func (cp *controlPlane) stop() {
	if err := cp.Stop(); err != nil {
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
		if err := cp.Client.Create(ctx, obj); err != nil {
			return fmt.Errorf("creating %T %s: %w", obj, obj.GetName(), err)
		}
	}
	return nil
}

// waitOrganizationReady waits until the Organization has converged (testenv.Converged) or the
// manager has exited.
func (cp *controlPlane) waitOrganizationReady(ctx context.Context, namespace, name string, alive func() error) error {
	org := &v1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}}
	return testenv.WaitConverged(ctx, cp.Client, org, alive)
}

// events returns the names of the Events (events.k8s.io/v1, what the manager records) of a
// namespace.
func (cp *controlPlane) events(ctx context.Context, namespace string) (map[string]bool, error) {
	var list eventsv1.EventList
	if err := cp.Client.List(ctx, &list, client.InNamespace(namespace)); err != nil {
		return nil, err
	}
	names := make(map[string]bool, len(list.Items))
	for _, e := range list.Items {
		names[e.Name] = true
	}
	return names, nil
}

// applyManifest creates the objects of a YAML file of one or more documents.
func (cp *controlPlane) applyManifest(ctx context.Context, path string) error {
	f, err := os.Open(path) //nolint:gosec // G304: a manifest of the repository, named by a flag
	if err != nil {
		return err
	}
	defer f.Close()
	dec := utilyaml.NewYAMLOrJSONDecoder(f, 4096)
	for {
		var obj unstructured.Unstructured
		if err := dec.Decode(&obj.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("reading %s: %w", path, err)
		}
		if len(obj.Object) == 0 {
			continue
		}
		if err := cp.Client.Create(ctx, &obj); err != nil {
			return fmt.Errorf("creating %s %s from %s: %w", obj.GetKind(), obj.GetName(), path, err)
		}
	}
}
