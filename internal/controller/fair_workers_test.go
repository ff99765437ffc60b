package controller_test

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/clienttest"
	"github.com/orgsync/orgsync/internal/testenv"
)

// stallingHost accepts TCP connections and never answers: a remote host that hangs.
type stallingHost struct {
	listener net.Listener
	accepted *atomic.Int32

	mu    sync.Mutex
	conns []net.Conn
}

// newStallingHost listens on loopback, counting what it accepts into accepted, until Close.
func newStallingHost(accepted *atomic.Int32) *stallingHost {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	h := &stallingHost{listener: l, accepted: accepted}
	clienttest.Accept(l, accepted, func(conn net.Conn) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.conns = append(h.conns, conn)
	})
	return h
}

func (h *stallingHost) url() string { return "http://" + h.listener.Addr().String() }

func (h *stallingHost) Close() {
	_ = h.listener.Close()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.conns {
		_ = c.Close()
	}
}

// Twenty Organizations of one tenant point at hosts that accept connections and never answer.
// Each reconcile of theirs would hold a worker until the remote call times out; the workers are
// shared by every tenant, so another tenant's Organization must still handle reconcile-now at
// once, and its Departments' changes still reach the remote system.
var _ = Describe("Twenty stalled Organizations beside a healthy one", func() {
	const stalled = 20
	// handledWithin is generous for a reconcile of the healthy Organization against its local
	// fake, and clearly shorter than waiting for a worker that a stalled host holds: a call to
	// it waits out the suite's request timeout (30s, the manager's default).
	const handledWithin = 10 * time.Second

	healthy := tenantPerSpec(backendOf[*ncpBackend]())

	It("leaves the workers free for the healthy Organization's reconcile-now and its Departments", func() {
		healthy.setUp()
		healthy.create(healthy.dept("hq", "", "HQ"))
		healthy.eventuallySynced("hq")

		var accepted atomic.Int32
		ns := newNamespace()
		creds := testenv.NewHuaweiCredentials()
		Expect(k8sClient.Create(suiteCtx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: secretName}, StringData: creds})).To(Succeed())
		for i := range stalled {
			host := newStallingHost(&accepted)
			DeferCleanup(host.Close)
			org := &v1alpha1.Organization{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("stalled-%02d", i)},
				Spec: v1alpha1.OrganizationSpec{
					Provider:             v1alpha1.ProviderHuaweiCloud,
					CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: secretName},
					HuaweiCloud:          &v1alpha1.HuaweiCloudSpec{OneAccessDomain: host.url(), OrganizationsEndpoint: host.url()},
				},
			}
			Expect(k8sClient.Create(suiteCtx, org)).To(Succeed())
			DeferCleanup(func() {
				Expect(client.IgnoreNotFound(k8sClient.Delete(suiteCtx, org))).To(Succeed())
				Eventually(func() bool {
					return k8sClient.Get(suiteCtx, client.ObjectKeyFromObject(org), &v1alpha1.Organization{}) != nil
				}).WithTimeout(2 * timeout).WithPolling(poll).Should(BeTrue())
			})
		}
		// Every worker of the Organization controller could be waiting on a stalled host now.
		Eventually(accepted.Load).WithTimeout(timeout).WithPolling(poll).Should(BeNumerically(">=", 4))

		requested := time.Now().UTC().Format(time.RFC3339Nano)
		healthy.annotateOrganization(v1alpha1.AnnotationReconcileRequestedAt, requested)
		Eventually(func() string { return healthy.currentOrganization().Status.LastHandledReconcileAt }).
			WithTimeout(handledWithin).WithPolling(poll).Should(Equal(requested), "the healthy Organization handles reconcile-now at once")

		healthy.update("hq", func(d *v1alpha1.Department) { d.Spec.Name = "HQ renamed" })
		Eventually(func() string { return healthy.remote()["hq"].Name }).WithTimeout(handledWithin).WithPolling(poll).
			Should(Equal("HQ renamed"), "the healthy Organization's Department changes reach the remote system")
	})
})
