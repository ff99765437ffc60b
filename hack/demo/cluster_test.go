package main

import (
	"context"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/testenv"
)

var orgsyncCRDs = []string{"organizations.orgsync.dev", "departments.orgsync.dev"}

// TestDemoOnCurrentCluster plays `make demo CLUSTER=current` on a control plane reached through
// KUBECONFIG, as a kind or dev cluster would be: once without the CRDs, which it installs and
// removes; once where they are installed and hold someone's Organization, which it leaves as it
// was, with the CRDs; and once where an orgsync manager holds its Lease, which it refuses.
func TestDemoOnCurrentCluster(t *testing.T) {
	assets, bin := demoBin(t)
	t.Run("CRDs missing: installed, then removed with the namespace", func(t *testing.T) { demoInstallsCRDs(t, assets, bin) })
	t.Run("CRDs there with someone's objects: used and left as they were", func(t *testing.T) { demoLeavesCRDs(t, assets, bin) })
}

// The samples on the fake NCP, as `make demo CLUSTER=current` plays them.
const samples = "config/samples"

var ncpSamples = scenario{play: samplesScenario}

func demoInstallsCRDs(t *testing.T, assets, bin string) {
	cp := startCluster(t, assets, true)
	if err := run(bin, samples, &ncpCloud{}, ncpSamples, currentCluster); err != nil {
		t.Fatal(err)
	}
	checkNamespaceGone(t, cp.Client)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := testenv.Poll(ctx, 250*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		var left []string
		for _, name := range orgsyncCRDs {
			err := cp.Client.Get(ctx, client.ObjectKey{Name: name}, &apiextensionsv1.CustomResourceDefinition{})
			if !apierrors.IsNotFound(err) {
				left = append(left, name)
			}
		}
		return len(left) == 0, "CRDs left: " + strings.Join(left, ", "), nil
	}); err != nil {
		t.Errorf("the CRDs the demo installed: %v", err)
	}
}

func demoLeavesCRDs(t *testing.T, assets, bin string) {
	cp := startCluster(t, assets, false)
	ctx := context.Background()
	theirs := &v1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "theirs"}}
	theirs.Spec.CredentialsSecretRef.Name = "ncp"
	theirs.Spec.Workplace.CompanyID = "their-company"
	for _, obj := range []client.Object{&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"}}, theirs} {
		if err := cp.Client.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	if err := run(bin, samples, &ncpCloud{}, ncpSamples, currentCluster); err != nil {
		t.Fatal(err)
	}
	checkNamespaceGone(t, cp.Client)
	for _, name := range orgsyncCRDs {
		if err := cp.Client.Get(ctx, client.ObjectKey{Name: name}, &apiextensionsv1.CustomResourceDefinition{}); err != nil {
			t.Errorf("CRD %s: %v; the demo must leave CRDs it did not install", name, err)
		}
	}
	if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(theirs), theirs); err != nil {
		t.Fatal(err)
	}
	if len(theirs.Finalizers) != 0 || len(theirs.Status.Conditions) != 0 {
		t.Errorf("the demo's manager touched an Organization outside its namespace: finalizers %v, conditions %v", theirs.Finalizers, theirs.Status.Conditions)
	}

	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: "orgsync-system", Name: "orgsync.orgsync.dev"},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To("orgsync-controller-manager-0"), RenewTime: &metav1.MicroTime{Time: time.Now()}}}
	for _, obj := range []client.Object{&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "orgsync-system"}}, lease} {
		if err := cp.Client.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	err := run(bin, samples, &ncpCloud{}, ncpSamples, currentCluster)
	if err == nil || !strings.Contains(err.Error(), "an orgsync manager runs in this cluster") {
		t.Errorf("with an orgsync manager holding its Lease: %v, want a refusal", err)
	}
}

// startCluster starts a control plane (withoutCRDs: none installed) and makes it the current
// context of KUBECONFIG for the test.
func startCluster(t *testing.T, assets string, withoutCRDs bool) *testenv.ControlPlane {
	t.Helper()
	cp, err := testenv.Start(testenv.Options{Assets: assets, WithoutCRDs: withoutCRDs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cp.Stop() })
	scheme := cp.Client.Scheme()
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := cp.AdminKubeconfig(t.TempDir(), "me")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBECONFIG", kubeconfig)
	return cp
}

// checkNamespaceGone wants no demo namespace left but one being deleted: envtest runs no
// namespace controller to finish the deletion a cluster would.
func checkNamespaceGone(t *testing.T, k8s client.Client) {
	t.Helper()
	var namespaces corev1.NamespaceList
	if err := k8s.List(context.Background(), &namespaces); err != nil {
		t.Fatal(err)
	}
	for _, ns := range namespaces.Items {
		if strings.HasPrefix(ns.Name, "orgsync-demo-") && ns.DeletionTimestamp == nil {
			t.Errorf("namespace %s left behind", ns.Name)
		}
	}
	var orgs v1alpha1.OrganizationList
	if err := k8s.List(context.Background(), &orgs, client.InNamespace(namespace)); err == nil && len(orgs.Items) > 0 {
		t.Errorf("%d Organizations left in %s", len(orgs.Items), namespace)
	}
}
