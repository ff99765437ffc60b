package controller_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/orgsync/orgsync/internal/controller"
	"github.com/orgsync/orgsync/internal/provider"
	"github.com/orgsync/orgsync/internal/testenv"
)

// syncPeriod is short in tests so that drift correction and idle resyncs are observable.
const syncPeriod = 3 * time.Second

// deletionGrace is shorter than the manager's default (10s) so that the many scenarios deleting a
// Department on its own do not each wait 10s; delete_together_test.go times its steps by it.
const deletionGrace = 4 * time.Second

var (
	cp        *testenv.ControlPlane
	restCfg   *rest.Config
	k8sClient client.Client
	scheme    *runtime.Scheme
	suiteCtx  context.Context
	stopSuite context.CancelFunc
	manager   *testenv.Manager
	// connectors are the manager's connectors to the fakes, for restartManager.
	connectors provider.Connector
)

func TestControllers(t *testing.T) {
	RegisterFailHandler(Fail)
	runSuite(t, "Controller Suite")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	suiteCtx, stopSuite = context.WithCancel(context.Background())

	var err error
	cp, err = testenv.Start(testenv.Options{})
	Expect(err).NotTo(HaveOccurred())
	restCfg, k8sClient, scheme = cp.Admin, cp.Client, cp.Scheme

	installManifests()

	mux := provider.Mux{}
	for _, b := range backends {
		b.start()
		mux[b.provider()] = b.connector()
	}
	connectors = mux
	startManager(connectors)
	if startSecondShard != nil {
		Expect(startSecondShard()).To(Succeed())
	}
})

var _ = AfterSuite(func() {
	if manager != nil {
		Expect(manager.Stop()).To(Succeed())
	}
	if stopSuite != nil {
		stopSuite()
	}
	for _, b := range backends {
		b.stop()
	}
	if cp != nil {
		Expect(cp.Stop()).To(Succeed())
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
	var err error
	manager, err = testenv.StartManager(suiteCtx, testenv.ManagerOptions{
		Config: managerCfg,
		// restartManager starts it again, with controllers of the same names.
		SkipNameValidation: true,
		Controllers: controller.Options{
			Connector:               connector,
			SyncPeriod:              syncPeriod,
			MaxConcurrentReconciles: 4,
			DeletionGrace:           deletionGrace,
			// The specs' charts are small: a second of quiet is plenty, and keeps the specs that
			// wait for WaitingForParent short.
			WaitingStatusDelay: waitingStatusDelay,
		},
	})
	Expect(err).NotTo(HaveOccurred())
}

// restartManager stops the manager and starts a new one, which knows only what the API server
// holds, as after a crash or an upgrade. Specs run one at a time, so no other spec sees it.
// between is done while no manager runs.
func restartManager(between func()) {
	Expect(manager.Stop()).To(Succeed())
	manager = nil
	between()
	startManager(connectors)
}

// newNamespace creates a namespace for one spec.
func newNamespace() string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "spec-"}}
	Expect(k8sClient.Create(suiteCtx, ns)).To(Succeed())
	return ns.Name
}
