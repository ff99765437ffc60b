package controller_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

var _ = Describe("Policies and credentials", func() { forEveryBackend(policyScenarios) })

func policyScenarios(b backend) {
	t := tenantPerSpec(b)

	observe := func(d *v1alpha1.Department) { d.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve }

	It("with managementPolicy Observe reports Drifted and never writes, then Synced once the remote matches", func() {
		t.setUp()
		t.create(t.dept("watched", "", "Watched", observe))
		Eventually(t.reason).WithArguments("watched").WithTimeout(timeout).Should(Equal(v1alpha1.ReasonDrifted))
		Expect(t.message("watched")).To(ContainSubstring("does not exist"))
		Expect(t.get("watched").Status.DriftedFields).To(BeEmpty(), "absent: no field differs")
		Expect(t.get("watched").Finalizers).To(BeEmpty(), "no finalizer: nothing will be written")

		t.backend.put(t.acct, "watched", remoteDepartment{Name: "Someone else's name"})
		Eventually(t.message).WithArguments("watched").WithTimeout(2 * syncPeriod).Should(ContainSubstring("differs in name"))
		Expect(t.get("watched").Status.DriftedFields).To(Equal([]string{"name"}), "the fields, as data")

		t.backend.put(t.acct, "watched", remoteDepartment{Name: "Watched"})
		Eventually(t.reason).WithArguments("watched").WithTimeout(2 * syncPeriod).Should(Equal(v1alpha1.ReasonSynced))
		Expect(t.get("watched").Status.DriftedFields).To(BeEmpty())

		t.delete("watched")
		Eventually(t.gone).WithArguments("watched").WithTimeout(timeout).Should(BeTrue())
		Expect(t.remote()).To(HaveKey("watched"), "Observe never deletes")
		Expect(t.writes()).To(BeEmpty())
	})

	It("re-reads rotated credentials without a restart: a wrong key of the department API gives CredentialsInvalid, the right one recovers", func() {
		t.setUp()
		t.create(t.dept("hq", "", "HQ"))
		t.eventuallySynced("hq")

		rotate := func(secretKey string) {
			s := &corev1.Secret{}
			Expect(k8sClient.Get(suiteCtx, client.ObjectKey{Namespace: t.ns, Name: secretName}, s)).To(Succeed())
			s.Data = nil
			s.StringData = map[string]string{}
			for k, v := range t.acct.secret {
				s.StringData[k] = v
			}
			s.StringData[t.backend.departmentCredential()] = secretKey
			Expect(k8sClient.Update(suiteCtx, s)).To(Succeed())
		}
		rotate("not-the-secret-key")
		Eventually(t.orgReason).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonCredentialsInvalid))
		Eventually(t.reason).WithArguments("hq").WithTimeout(timeout).Should(Equal(v1alpha1.ReasonWaitingForOrganization))

		rotate(t.acct.secret[t.backend.departmentCredential()])
		Eventually(t.orgReason).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonSynced))
		t.eventuallySynced("hq")
	})

	It("reports InvalidSpec when the remote system rejects the values, does not retry them, and recovers when the spec changes", func() {
		t.setUp()
		t.create(t.dept("bad", "", "Bad", t.backend.rejectedSpec))
		Eventually(t.reason).WithArguments("bad").WithTimeout(timeout).Should(Equal(v1alpha1.ReasonInvalidSpec))
		Expect(t.message("bad")).NotTo(BeEmpty())
		attempts := len(t.writesTo("bad"))
		Expect(attempts).To(BeNumerically("<=", 1), "rejected before or by one call")
		Consistently(func() int { return len(t.writesTo("bad")) }).WithTimeout(2*syncPeriod).Should(Equal(attempts), "not retried")

		t.update("bad", func(d *v1alpha1.Department) {
			d.Spec.Name = "Fixed"
			d.Spec.EmailAddress = nil
		})
		t.eventuallySynced("bad")
		Expect(t.remote()["bad"].Name).To(Equal("Fixed"))
	})

	It("gives Conflict to a second Organization managing the same remote chart, which takes over when the first goes", func() {
		t.setUp()
		t.create(t.dept("hq", "", "HQ"))
		t.eventuallySynced("hq")

		second := &tenant{backend: t.backend, acct: t.acct, ns: newNamespace()}
		second.createSecret()
		Expect(k8sClient.Create(suiteCtx, second.organization())).To(Succeed())
		second.create(second.dept("hq", "", "HQ as the second Organization has it"))
		Eventually(second.orgReason).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonConflict))
		Eventually(second.reason).WithArguments("hq").WithTimeout(timeout).Should(Equal(v1alpha1.ReasonWaitingForOrganization))
		Consistently(func() string { return t.remote()["hq"].Name }).WithTimeout(2*syncPeriod).Should(Equal("HQ"), "no fight over the department")

		t.update("hq", func(d *v1alpha1.Department) { d.Spec.DeletionPolicy = v1alpha1.DeletionPolicyOrphan })
		Expect(k8sClient.Delete(suiteCtx, t.organization())).To(Succeed())
		Eventually(second.orgReason).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonSynced))
		second.eventuallySynced("hq")
		Expect(t.remote()["hq"].Name).To(Equal("HQ as the second Organization has it"))
	})

	It("hands a department over when Git renames its object: the old one goes, the remote department stays", func() {
		t.setUp()
		t.create(t.dept("sales-old", "", "Sales", func(d *v1alpha1.Department) { d.Spec.ExternalKey = "sales" }),
			t.dept("sales-kr", "sales", "Sales Korea"))
		t.eventuallySynced("sales-old", "sales-kr")

		// The GitOps tool applies the new object and prunes the old one at the same time.
		t.create(t.dept("sales-new", "", "Sales and Marketing", func(d *v1alpha1.Department) { d.Spec.ExternalKey = "sales" }))
		t.delete("sales-old")
		Eventually(t.gone).WithArguments("sales-old").WithTimeout(timeout).Should(BeTrue())
		t.eventuallySynced("sales-new", "sales-kr")
		Expect(t.remote()["sales"].Name).To(Equal("Sales and Marketing"))
		Expect(t.writesTo("sales")).NotTo(ContainElement(HaveField("Method", "DELETE")))
	})

	It("with an Organization in Observe mode and no remote organization, creates nothing: the Organization and its Departments report Drifted", func() {
		t.backend.leaveOrganization(t.acct)
		t.createSecret()
		Expect(k8sClient.Create(suiteCtx, t.organization(func(o *v1alpha1.Organization) {
			o.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve
		}))).To(Succeed())
		t.create(t.dept("hq", "", "HQ"))
		if t.backend.canTellNoOrganization() {
			Eventually(t.orgReason).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonDrifted))
		} else {
			// No document says how the remote system answers an account in no organization: an
			// answer orgsync does not recognise is reported, and nothing is created on it.
			Eventually(t.orgReason).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonRemoteError))
			Consistently(func() bool { return t.backend.hasOrganization(t.acct) }).WithTimeout(time.Second).Should(BeFalse())
		}
		Eventually(t.reason).WithArguments("hq").WithTimeout(timeout).Should(Equal(v1alpha1.ReasonDrifted))
		Consistently(t.writes).WithTimeout(time.Second).Should(BeEmpty())
		Expect(t.backend.hasOrganization(t.acct)).To(BeFalse())
	})

	It("keeps syncing Departments while the remote organization API fails after the Organization was Ready, and reports it on the Organization", func() {
		t.setUp()
		t.create(t.dept("hq", "", "HQ"))
		t.eventuallySynced("hq")

		t.backend.breakOrganizationAPI(t.acct, true)
		DeferCleanup(t.backend.breakOrganizationAPI, t.acct, false)
		Eventually(t.orgReason).WithTimeout(timeout).WithPolling(poll).Should(Equal(v1alpha1.ReasonRemoteError))
		t.create(t.dept("eng", "hq", "Engineering"))
		t.update("hq", func(d *v1alpha1.Department) { d.Spec.Name = "Head office" })
		t.eventuallySynced("eng")
		Eventually(func() string { return t.remote()["hq"].Name }).WithTimeout(timeout).Should(Equal("Head office"))
		Expect(t.orgReason()).To(Equal(v1alpha1.ReasonRemoteError))

		t.backend.breakOrganizationAPI(t.acct, false)
		Eventually(t.orgReason).WithTimeout(2 * syncPeriod).WithPolling(poll).Should(Equal(v1alpha1.ReasonSynced))
	})
}
