package controller_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/huaweicloud/huaweifake"
	"github.com/orgsync/orgsync/internal/ncp/ncpfake"
)

// Each cloud's documented answers about the remote organization, as the fakes give them, read as
// the references say: "no organization" only from the answer that can mean nothing else, a wrong
// endpoint said as such, temporary failures retried and never taken for bad credentials.
var _ = Describe("The remote organization APIs' documented answers", func() {
	ncp, huawei := backendOf[*ncpBackend](), backendOf[*huaweiBackend]()

	// orgCondition returns the Organization's Ready condition, empty while it has none.
	orgCondition := func(t *tenant) conditionSeen {
		c := orgReady(t.ns, orgName)
		return conditionSeen{Reason: c.Reason, Message: c.Message}
	}
	// creationEvents returns the messages of the Organization's "Created" Events.
	creationEvents := func(t *tenant) []string {
		var events corev1.EventList
		Expect(k8sClient.List(suiteCtx, &events, client.InNamespace(t.ns))).To(Succeed())
		var messages []string
		for _, e := range events.Items {
			if e.Reason == "Created" && e.InvolvedObject.Kind == "Organization" {
				messages = append(messages, e.Message)
			}
		}
		return messages
	}
	// organizationGone reports whether the Organization object is gone.
	organizationGone := func(t *tenant) bool {
		err := k8sClient.Get(suiteCtx, types.NamespacedName{Namespace: t.ns, Name: orgName}, &v1alpha1.Organization{})
		return err != nil && strings.Contains(err.Error(), "not found")
	}

	DescribeTable("creates the organization of an account in none, and the Event names the answer that said so",
		func(b backend, created, answer string) {
			t := newTenant(b)
			Expect(t.backend.hasOrganization(t.acct)).To(BeFalse())
			t.setUp()

			Expect(t.backend.hasOrganization(t.acct)).To(BeTrue())
			Eventually(creationEvents).WithArguments(t).WithTimeout(timeout).Should(ConsistOf(And(ContainSubstring(created), ContainSubstring(answer))))
		},
		Entry("Huawei Cloud: 401 Organizations.1015", huawei, "Created Huawei Cloud organization", "GET /v1/organizations answered HTTP 401 Organizations.1015"),
		Entry("NCP: 404 from the Organization API itself", ncp, "Created NCP organization", "GET /open-api/v1/org answered HTTP 404 ORGANIZATION_NOT_FOUND"),
	)

	DescribeTable("finishes deleting an Organization (deletionPolicy Delete) whose remote organization is already gone",
		func(b func() backend, removeRemote func(t *tenant)) {
			t := newTenant(b())
			t.setUp(func(o *v1alpha1.Organization) { o.Spec.DeletionPolicy = v1alpha1.DeletionPolicyDelete })
			removeRemote(t)
			Expect(t.backend.hasOrganization(t.acct)).To(BeFalse())

			Expect(k8sClient.Delete(suiteCtx, t.organization())).To(Succeed())
			Eventually(organizationGone).WithArguments(t).WithTimeout(timeout).WithPolling(poll).Should(BeTrue())
			Expect(t.backend.hasOrganization(t.acct)).To(BeFalse(), "no organization was created on the way")
		},
		Entry("Huawei Cloud: 401 Organizations.1015", func() backend { return huawei }, func(t *tenant) {
			huawei.tenant(t.acct).fake.RemoveOrganization(t.acct.secret[v1alpha1.SecretKeyAccessKey])
		}),
		Entry("NCP", func() backend { return ncp }, func(t *tenant) {
			ncp.server.RemoveOrganization(ncp.server.Organization(t.acct.id).OrganizationNo)
		}),
	)

	DescribeTable("creates no NCP organization on an answer that does not say the account belongs to none, and says what it read",
		func(answer ncpfake.OrganizationAnswer, says ...string) {
			t := newTenant(ncp)
			ncp.server.SetOrganizationAnswerFor(t.acct.id, answer, -1)
			DeferCleanup(ncp.server.SetOrganizationAnswerFor, t.acct.id, ncpfake.OrgAnswerAsStored, 0)
			t.createSecret()
			Expect(k8sClient.Create(suiteCtx, t.organization())).To(Succeed())

			Eventually(orgCondition).WithArguments(t).WithTimeout(timeout).WithPolling(poll).Should(
				HaveField("Reason", v1alpha1.ReasonRemoteError))
			for _, s := range says {
				Expect(orgCondition(t).Message).To(ContainSubstring(s))
			}
			Consistently(func() bool { return t.backend.hasOrganization(t.acct) }).WithTimeout(2 * syncPeriod).Should(BeFalse())
			Expect(t.backend.calls(t.acct)).NotTo(ContainElement(HaveField("Method", "POST")), "not even tried")
			Expect(creationEvents(t)).To(BeEmpty())

			By("the answer the Organization API gives for an account in none, once the endpoint answers again")
			ncp.server.SetOrganizationAnswerFor(t.acct.id, ncpfake.OrgAnswerAsStored, 0)
			Eventually(t.orgReason).WithTimeout(timeout).WithPolling(poll).Should(Equal(v1alpha1.ReasonSynced))
			Expect(t.backend.hasOrganization(t.acct)).To(BeTrue())
		},
		Entry("the gateway's 404 errorCode 300: a wrong endpoint or path", ncpfake.OrgAnswerNoRoute, "wrong endpoint or path", "spec.site", "code 300"),
		Entry("a 200 without an organization", ncpfake.OrgAnswerEmpty, "without an organization"),
		Entry("a 200 that is not JSON", ncpfake.OrgAnswerUnparseable, "decoding response"),
	)

	DescribeTable("retries a temporary failure of the organization API, never reports it as invalid credentials, and recovers when it passes",
		func(b func() backend, code string, fail func(t *tenant, on bool)) {
			t := newTenant(b())
			t.setUp()
			t.create(t.dept("hq", "", "HQ"))
			t.eventuallySynced("hq")

			fail(t, true)
			DeferCleanup(fail, t, false)
			Eventually(orgCondition).WithArguments(t).WithTimeout(timeout).WithPolling(poll).Should(And(
				HaveField("Reason", v1alpha1.ReasonRemoteError),
				HaveField("Message", And(ContainSubstring(code), ContainSubstring("remote system unavailable"),
					MatchRegexp(`after [2-9] attempts`), ContainSubstring("retrying with backoff")))))
			Consistently(t.orgReason).WithTimeout(syncPeriod).WithPolling(poll).Should(Equal(v1alpha1.ReasonRemoteError))
			Expect(orgCondition(t).Message).NotTo(ContainSubstring("credentials"))
			Expect(t.reason("hq")).To(Equal(v1alpha1.ReasonSynced), "the Departments keep syncing")

			fail(t, false)
			Eventually(t.orgReason).WithTimeout(2 * syncPeriod).WithPolling(poll).Should(Equal(v1alpha1.ReasonSynced))
		},
		Entry("NCP 403 COMMON_102", func() backend { return ncp }, "COMMON_102", func(t *tenant, on bool) {
			ncp.server.SetOrganizationAnswerFor(t.acct.id, onOff(on, ncpfake.OrgAnswerTryLater), -1)
		}),
		Entry("NCP 403 COMMON_103", func() backend { return ncp }, "COMMON_103", func(t *tenant, on bool) {
			ncp.server.SetOrganizationAnswerFor(t.acct.id, onOff(on, ncpfake.OrgAnswerInternalError), -1)
		}),
		Entry("Huawei Cloud 400 Organizations.1004", func() backend { return huawei }, "Organizations.1004", func(t *tenant, on bool) {
			huawei.tenant(t.acct).fake.SetTemporaryFailure(onOff(on, huaweifake.InternalTokenFailure), -1)
		}),
		Entry("Huawei Cloud 400 Organizations.1005", func() backend { return huawei }, "Organizations.1005", func(t *tenant, on bool) {
			huawei.tenant(t.acct).fake.SetTemporaryFailure(onOff(on, huaweifake.CBCFailure), -1)
		}),
		Entry("Huawei Cloud 400 Organizations.1006", func() backend { return huawei }, "Organizations.1006", func(t *tenant, on bool) {
			huawei.tenant(t.acct).fake.SetTemporaryFailure(onOff(on, huaweifake.AssumeRoleFailure), -1)
		}),
	)
})

// conditionSeen is the part of a condition the scenarios read.
type conditionSeen struct {
	Reason, Message string
}

// onOff returns v when on, else the zero value (which ends a fake's answer).
func onOff[T any](on bool, v T) T {
	if on {
		return v
	}
	var zero T
	return zero
}
