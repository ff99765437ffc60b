package controller_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/controller"
	"github.com/orgsync/orgsync/internal/provider"
)

// syncPeriod is short in tests so that drift correction and idle resyncs are observable.
const syncPeriod = 3 * time.Second

// deletionGrace is shorter than the manager's default (10s) so that the many scenarios deleting a
// Department on its own do not each wait 10s; delete_together_test.go times its steps by it.
const deletionGrace = 4 * time.Second

var (
	testEnv   *envtest.Environment
	restCfg   *rest.Config
	k8sClient client.Client
	scheme    = runtime.NewScheme()
	suiteCtx  context.Context
	stopSuite context.CancelFunc
)

func TestControllers(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Controller Suite")
}

// assetsDir is where envtest finds kube-apiserver, etcd and kubectl: KUBEBUILDER_ASSETS as set by
// `make test`, or bin/k8s as built by `make envtest`.
func assetsDir() string {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir
	}
	return filepath.Join("..", "..", "bin", "k8s")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	suiteCtx, stopSuite = context.WithCancel(context.Background())
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))

	testEnv = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: assetsDir(),
	}
	var err error
	restCfg, err = testEnv.Start()
	Expect(err).NotTo(HaveOccurred(), "start the control plane from %s (run `make envtest`)", assetsDir())
	k8sClient, err = client.New(restCfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	installManifests()

	connectors := provider.Mux{}
	for _, b := range backends {
		b.start()
		connectors[b.provider()] = b.connector()
	}
	startManager(connectors)
})

var _ = AfterSuite(func() {
	if stopSuite != nil {
		stopSuite()
	}
	for _, b := range backends {
		b.stop()
	}
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
})

// startManager runs the manager with both controllers, as cmd/main.go does, connected to the
// in-process fakes of every backend.
//
// The manager acts as the ServiceAccount of the install manifests, bound to the generated
// ClusterRole only, so every scenario also proves that the shipped RBAC is enough.
func startManager(connector provider.Connector) {
	managerCfg := rest.CopyConfig(restCfg)
	managerCfg.Impersonate = rest.ImpersonationConfig{UserName: managerServiceAccount}
	mgr, err := ctrl.NewManager(managerCfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
	})
	Expect(err).NotTo(HaveOccurred())
	Expect(controller.Setup(suiteCtx, mgr, controller.Options{
		Connector:               connector,
		SyncPeriod:              syncPeriod,
		MaxConcurrentReconciles: 4,
		DeletionGrace:           deletionGrace,
	})).To(Succeed())
	go func() {
		defer GinkgoRecover()
		Expect(mgr.Start(suiteCtx)).To(Succeed())
	}()
}

// newNamespace creates a namespace for one spec and deletes it afterwards.
func newNamespace() string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "spec-"}}
	Expect(k8sClient.Create(suiteCtx, ns)).To(Succeed())
	return ns.Name
}
