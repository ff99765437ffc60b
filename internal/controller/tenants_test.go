package controller_test

import (
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// Issue 10, item 4: an Organization in one namespace can neither take nor block another
// namespace's remote chart, nor read its object names.
var _ = Describe("Tenants cannot hurt each other", func() { forEveryBackend(tenantScenarios) })

func tenantScenarios(b backend) {
	// holder connects first; the other Organizations claim the same account's chart from their
	// own namespaces.
	var holder *tenant
	BeforeEach(func() { holder = newTenant(b) })
	neighbour := func() *tenant { return &tenant{backend: b, acct: holder.acct, ns: newNamespace()} }
	// olderNeighbour's Organization, created before the holder's, is the older by creation time
	// or, within the same second, by namespace name.
	olderNeighbour := func() *tenant {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "a-spec-"}}
		Expect(k8sClient.Create(suiteCtx, ns)).To(Succeed())
		Expect(ns.Name < holder.ns).To(BeTrue())
		return &tenant{backend: b, acct: holder.acct, ns: ns.Name}
	}
	// failingOlderNeighbour is an olderNeighbour whose Organization, with wrong credentials, has
	// failed before the holder connects; the holder is then set up with a Department hq synced.
	failingOlderNeighbour := func() *tenant {
		older := olderNeighbour()
		older.putSecret("not-the-secret")
		Expect(k8sClient.Create(suiteCtx, older.organization())).To(Succeed())
		Eventually(older.orgReason).WithTimeout(timeout).Should(And(Not(BeEmpty()), Not(Equal(v1alpha1.ReasonSynced))))
		holder.setUp()
		holder.create(holder.dept("hq", "", "HQ"))
		holder.eventuallySynced("hq")
		return older
	}

	if b.provider() == v1alpha1.ProviderHuaweiCloud {
		// NCP targets have no second spelling: admission defaults the site, and the companyId is
		// an opaque key compared exactly.
		It("gives Conflict to a newcomer from another namespace spelling the holder's OneAccess domain differently", func() {
			holder.setUp()
			domain := holder.organization().Spec.HuaweiCloud.OneAccessDomain
			respelled := strings.Replace(domain, "http://", "HTTP://", 1) + "//"

			newcomer := neighbour()
			newcomer.putSecret(holder.acct.secret[b.departmentCredential()])
			Expect(k8sClient.Create(suiteCtx, newcomer.organization(func(o *v1alpha1.Organization) {
				o.Spec.HuaweiCloud.OneAccessDomain = respelled
			}))).To(Succeed())
			Eventually(newcomer.orgReason).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonConflict))
			Expect(orgReady(newcomer.ns, orgName).Message).To(Equal("Huawei Cloud OneAccess tenant " + domain + " is unavailable to this Organization"))
			Consistently(holder.orgReason).WithTimeout(syncPeriod).Should(Equal(v1alpha1.ReasonSynced))
		})
	}

	It("lets an Organization become Ready beside an older one of another namespace whose credentials never worked", func() {
		squatter := failingOlderNeighbour()
		Eventually(squatter.orgReason).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonConflict))
	})

	It("tells a newcomer from another namespace Conflict without the holder's namespace or name, in its condition and its events", func() {
		const holderName = "payroll-directory"
		holder.createSecret()
		Expect(k8sClient.Create(suiteCtx, holder.organization(func(o *v1alpha1.Organization) { o.Name = holderName }))).To(Succeed())
		Eventually(func() string { return orgReady(holder.ns, holderName).Reason }).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonSynced))

		newcomer := neighbour()
		newcomer.createSecret()
		Expect(k8sClient.Create(suiteCtx, newcomer.organization())).To(Succeed())
		Eventually(newcomer.orgReason).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonConflict))
		message := orgReady(newcomer.ns, orgName).Message
		Expect(message).To(HaveSuffix("is unavailable to this Organization"))
		Expect(message).NotTo(Or(ContainSubstring(holder.ns), ContainSubstring(holderName)))

		var events corev1.EventList
		Eventually(func() []corev1.Event {
			Expect(k8sClient.List(suiteCtx, &events, client.InNamespace(newcomer.ns))).To(Succeed())
			return events.Items
		}).WithTimeout(timeout).Should(ContainElement(HaveField("Reason", v1alpha1.ReasonConflict)))
		for _, e := range events.Items {
			Expect(e.Message).NotTo(Or(ContainSubstring(holder.ns), ContainSubstring(holderName)), "event %s", e.Name)
		}
	})

	It("keeps the chart for the Organization that has been Ready against an older one of another namespace, even while its own organization API fails", func() {
		// The older Organization's credentials are wrong at first, so the holder becomes Ready;
		// then they are fixed.
		older := failingOlderNeighbour()

		older.putSecret(holder.acct.secret[b.departmentCredential()])
		Eventually(older.orgReason).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonConflict))

		// Not Ready any more, but still connected: its Departments keep syncing, and it keeps
		// the chart.
		b.breakOrganizationAPI(holder.acct, true)
		DeferCleanup(b.breakOrganizationAPI, holder.acct, false)
		Eventually(holder.orgReason).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonRemoteError))
		holder.update("hq", func(d *v1alpha1.Department) { d.Spec.Name = "Headquarters" })
		Eventually(func() string { return holder.remote()["hq"].Name }).WithTimeout(timeout).Should(Equal("Headquarters"))
		Consistently(older.orgReason).WithTimeout(2 * syncPeriod).Should(Equal(v1alpha1.ReasonConflict))

		b.breakOrganizationAPI(holder.acct, false)
		Eventually(holder.orgReason).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonSynced))
		Expect(older.orgReason()).To(Equal(v1alpha1.ReasonConflict))
	})

	It("keeps today's rule within one namespace: a second Organization there is told Conflict, naming the holder", func() {
		holder.setUp()
		Expect(k8sClient.Create(suiteCtx, holder.organization(func(o *v1alpha1.Organization) { o.Name = "acme-again" }))).To(Succeed())
		Eventually(func() string { return orgReady(holder.ns, "acme-again").Reason }).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonConflict))
		Expect(orgReady(holder.ns, "acme-again").Message).To(ContainSubstring("Organization " + holder.ns + "/" + orgName + " already manages"))
		Consistently(holder.orgReason).WithTimeout(time.Second).Should(Equal(v1alpha1.ReasonSynced))
	})
}

// putSecret creates or replaces t's credentials Secret: the account's credentials, with the key
// the department API authenticates with set to departmentSecret.
func (t *tenant) putSecret(departmentSecret string) {
	data := map[string][]byte{}
	for k, v := range t.acct.secret {
		data[k] = []byte(v)
	}
	data[t.backend.departmentCredential()] = []byte(departmentSecret)
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: t.ns, Name: secretName}}
	err := k8sClient.Get(suiteCtx, client.ObjectKeyFromObject(s), s)
	if apierrors.IsNotFound(err) {
		s.Data = data
		Expect(k8sClient.Create(suiteCtx, s)).To(Succeed())
		return
	}
	Expect(err).NotTo(HaveOccurred())
	s.Data = data
	Expect(k8sClient.Update(suiteCtx, s)).To(Succeed())
}
