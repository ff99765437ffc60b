package controller_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/controller"
	"github.com/orgsync/orgsync/internal/ncp/ncpfake"
	"github.com/orgsync/orgsync/internal/provider"
	ncpprovider "github.com/orgsync/orgsync/internal/provider/ncp"
)

// BenchmarkConvergeTree applies a 100-department chart of depth 4, deepest level first, to a
// real control plane with the manager running against the in-process fake NCP, and reports how
// long the whole chart takes to become Ready and how many remote calls and writes it cost per
// department. Run it with:
//
//	KUBEBUILDER_ASSETS=$PWD/bin/k8s go test ./internal/controller/ -run '^$' -bench ConvergeTree -benchtime 3x
func BenchmarkConvergeTree(b *testing.B) {
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: assetsDir(),
	}
	cfg, err := env.Start()
	if err != nil {
		b.Fatalf("starting the control plane: %v", err)
	}
	defer func() { _ = env.Stop() }()
	benchScheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(benchScheme))
	utilruntime.Must(v1alpha1.AddToScheme(benchScheme))
	k8s, err := client.New(cfg, client.Options{Scheme: benchScheme})
	if err != nil {
		b.Fatal(err)
	}

	fake := ncpfake.NewServer(ncpfake.Options{})
	defer fake.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{Scheme: benchScheme, Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0"})
	if err != nil {
		b.Fatal(err)
	}
	connector := ncpprovider.NewConnector(ncpprovider.Options{WorkplaceEndpoint: fake.URL(), OrganizationEndpoint: fake.URL(),
		ClientOptions: provider.ClientOptions{QPS: 100, Burst: 50}})
	if err := controller.Setup(ctx, mgr, controller.Options{Connector: provider.Mux{v1alpha1.ProviderNCP: connector}, SyncPeriod: time.Hour}); err != nil {
		b.Fatal(err)
	}
	go func() { _ = mgr.Start(ctx) }()

	chart := benchChart()
	var seconds, calls, writes float64
	for i := 0; b.Loop(); i++ {
		ns, company, accessKey := fmt.Sprintf("bench-%d", i), fmt.Sprintf("company-%d", i), fmt.Sprintf("AK%d", i)
		fake.AddAccount(accessKey, "secret")
		fake.AddCompany(company)
		mustCreate(b, k8s, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
		mustCreate(b, k8s, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "creds"},
			StringData: map[string]string{v1alpha1.SecretKeyAccessKey: accessKey, v1alpha1.SecretKeySecretKey: "secret"}})
		mustCreate(b, k8s, &v1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "org"},
			Spec: v1alpha1.OrganizationSpec{CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: "creds"}, Workplace: v1alpha1.WorkplaceSpec{CompanyID: company}}})

		start := time.Now()
		for j := len(chart) - 1; j >= 0; j-- {
			d := chart[j].DeepCopy()
			d.Namespace = ns
			mustCreate(b, k8s, d)
		}
		waitAllReady(b, k8s, ns, len(chart))
		seconds += time.Since(start).Seconds()
		for _, r := range fake.Requests() {
			if r.AccessKey != accessKey {
				continue
			}
			calls++
			if r.Method != "GET" {
				writes++
			}
		}
	}
	n := float64(b.N)
	b.ReportMetric(seconds/n, "s/chart")
	b.ReportMetric(calls/n/float64(len(chart)), "calls/dept")
	b.ReportMetric(writes/n/float64(len(chart)), "writes/dept")
}

// benchChart is 1 root, 3 divisions, 4 teams per division and 7 parts per team: 100 departments.
func benchChart() []*v1alpha1.Department {
	var chart []*v1alpha1.Department
	add := func(key, parent string) {
		chart = append(chart, &v1alpha1.Department{
			ObjectMeta: metav1.ObjectMeta{Name: key},
			Spec:       v1alpha1.DepartmentSpec{OrganizationRef: v1alpha1.LocalObjectReference{Name: "org"}, Name: "Dept " + key, ParentExternalKey: parent},
		})
	}
	add("root", "")
	for d := range 3 {
		division := fmt.Sprintf("d%d", d)
		add(division, "root")
		for t := range 4 {
			team := fmt.Sprintf("%s-t%d", division, t)
			add(team, division)
			for p := range 7 {
				add(fmt.Sprintf("%s-p%d", team, p), team)
			}
		}
	}
	return chart
}

func mustCreate(b *testing.B, k8s client.Client, obj client.Object) {
	b.Helper()
	if err := k8s.Create(context.Background(), obj); err != nil {
		b.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
}

func waitAllReady(b *testing.B, k8s client.Client, ns string, want int) {
	b.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		var list v1alpha1.DepartmentList
		if err := k8s.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
			b.Fatal(err)
		}
		ready := 0
		for i := range list.Items {
			if meta.IsStatusConditionTrue(list.Items[i].Status.Conditions, v1alpha1.ConditionReady) {
				ready++
			}
		}
		if ready == want {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.Fatalf("the chart in %s did not converge in 2 minutes", ns)
}
