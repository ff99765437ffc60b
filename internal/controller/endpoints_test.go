package controller_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// Someone who may edit an Organization, but not read its Secret, points the Huawei endpoints at a
// host of their own: the credentials must not go there, and nothing must be asked of it.
var _ = Describe("Credentials go only to the hosts the manager allows", func() {
	b := backendOf[*huaweiBackend]()
	var (
		t        *tenant
		attacker *httptest.Server
		requests atomic.Int32
	)
	BeforeEach(func() {
		t = newTenant(b)
		requests.Store(0)
		attacker = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			requests.Add(1)
			w.WriteHeader(http.StatusOK)
		}))
		DeferCleanup(attacker.Close)
	})

	// readyCondition returns the Organization's Ready condition, empty while it has none.
	readyCondition := func() v1alpha1.Organization {
		org := v1alpha1.Organization{}
		Expect(k8sClient.Get(suiteCtx, types.NamespacedName{Namespace: t.ns, Name: orgName}, &org)).To(Succeed())
		return org
	}
	// The suite's manager allows 127.0.0.1 only; localhost is the same machine under a name it
	// does not allow.
	elsewhere := func() string { return strings.Replace(attacker.URL, "127.0.0.1", "localhost", 1) }

	DescribeTable("an Organization naming another host is refused before a single request, naming the field and the allowed hosts",
		func(field string, point func(o *v1alpha1.Organization, url string)) {
			t.createSecret()
			Expect(k8sClient.Create(suiteCtx, t.organization(func(o *v1alpha1.Organization) { point(o, elsewhere()) }))).To(Succeed())
			Eventually(t.orgReason).WithTimeout(timeout).WithPolling(poll).Should(Equal(v1alpha1.ReasonInvalidSpec))
			c := meta.FindStatusCondition(readyCondition().Status.Conditions, v1alpha1.ConditionReady)
			Expect(c.Message).To(ContainSubstring(field))
			Expect(c.Message).To(ContainSubstring(`host "localhost" is not one the manager may send credentials to (allowed: 127.0.0.1`))
			for _, secret := range t.acct.secret {
				Expect(c.Message).NotTo(ContainSubstring(secret))
			}
			Consistently(requests.Load).WithTimeout(2 * timeout / 15).Should(BeZero())
		},
		Entry("the OneAccess domain", "spec.huaweicloud.oneAccessDomain", func(o *v1alpha1.Organization, url string) {
			o.Spec.HuaweiCloud.OneAccessDomain = url
		}),
		Entry("the Organizations endpoint", "spec.huaweicloud.organizationsEndpoint", func(o *v1alpha1.Organization, url string) {
			o.Spec.HuaweiCloud.OrganizationsEndpoint = url
		}),
	)

	It("refuses to change the Organizations endpoint once set, or to set it later", func() {
		// pointAway tries to point the Organization of namespace ns elsewhere, on its latest
		// version (the manager writes status meanwhile), and returns the API server's answer.
		pointAway := func(ns string) func() error {
			return func() error {
				latest := &v1alpha1.Organization{}
				Expect(k8sClient.Get(suiteCtx, types.NamespacedName{Namespace: ns, Name: orgName}, latest)).To(Succeed())
				latest.Spec.HuaweiCloud.OrganizationsEndpoint = elsewhere()
				return k8sClient.Update(suiteCtx, latest)
			}
		}
		t.setUp()
		Eventually(pointAway(t.ns)).WithTimeout(timeout).Should(MatchError(ContainSubstring("organizationsEndpoint is immutable")))

		other := newTenant(b)
		other.createSecret()
		Expect(k8sClient.Create(suiteCtx, other.organization(func(o *v1alpha1.Organization) { o.Spec.HuaweiCloud.OrganizationsEndpoint = "" }))).To(Succeed())
		Eventually(pointAway(other.ns)).WithTimeout(timeout).Should(MatchError(ContainSubstring("organizationsEndpoint is immutable")))
		Expect(requests.Load()).To(BeZero())
	})
})
