package controller_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/huaweicloud/huaweifake"
	"github.com/orgsync/orgsync/internal/ncp/ncpfake"
)

// A field a Department leaves unset is not orgsync's: a person may set it in WORKPLACE or the
// OneAccess console, and orgsync neither reports it as drift nor clears it, when it updates the
// department (which, read pessimistically, replaces the whole department in WORKPLACE) or when it
// adopts one made by hand. The WORKPLACE leader, which no Department sets, is always kept.
var _ = Describe("Fields orgsync does not own", func() {
	for _, b := range backends {
		for _, undocumented := range []bool{false, true} {
			name := b.name()
			if undocumented {
				name += ", answering undocumented failures with codes the client has never seen"
			}
			Context(name, func() {
				BeforeEach(func() {
					if undocumented {
						b.setUndocumentedErrors(true)
						DeferCleanup(b.setUndocumentedErrors, false)
					}
				})
				switch b := b.(type) {
				case *ncpBackend:
					workplaceUnownedFields(b)
				case *huaweiBackend:
					oneAccessUnownedFields(b)
				}
			})
		}
	}
})

// relist has the Organization list the chart again and waits until it has: the desired state of
// an update is built from the latest listing.
func (t *tenant) relist(id string) {
	t.annotateOrganization(v1alpha1.AnnotationReconcileRequestedAt, id)
	Eventually(func() string { return t.currentOrganization().Status.LastHandledReconcileAt }).WithTimeout(timeout).WithPolling(poll).Should(Equal(id))
}

// hourlySync gives the Organization an hour between listings, so that a Department decides from
// a listing taken before a department was made by hand.
func hourlySync(o *v1alpha1.Organization) { o.Spec.SyncPeriod = &metav1.Duration{Duration: time.Hour} }

func workplaceUnownedFields(b *ncpBackend) {
	t := tenantPerSpec(b)

	department := func(key string) ncpfake.Department {
		d, ok := b.server.Department(t.acct.companyID, key)
		Expect(ok).To(BeTrue(), "remote department %s", key)
		return d
	}
	// setByHand sets, in WORKPLACE, a leader and every optional field a Department may leave unset.
	setByHand := func(d ncpfake.Department) ncpfake.Department {
		d.LeaderExternalKey = new("emp-1")
		d.EmailAddress = "eng@example.com"
		d.I18nNames = map[string]string{"en_US": "Engineering", "ko_KR": "기술"}
		d.ExternalEmailReceive = new(true)
		d.DisplayOrder = "5.0"
		return d
	}
	expectKept := func(d ncpfake.Department) {
		GinkgoHelper()
		Expect(d.LeaderExternalKey).To(HaveValue(Equal("emp-1")), "the leader")
		Expect(d.EmailAddress).To(Equal("eng@example.com"))
		Expect(d.I18nNames).To(Equal(map[string]string{"en_US": "Engineering", "ko_KR": "기술"}))
		Expect(d.ExternalEmailReceive).To(HaveValue(BeTrue()))
		Expect(d.DisplayOrder).To(Equal("5.0"))
	}

	It("reports no drift for unset fields set by hand, and a rename keeps them and the leader", func() {
		t.setUp()
		t.create(t.dept("eng", "", "Engineering"))
		t.eventuallySynced("eng")
		writes := len(t.writesTo("eng"))
		b.server.PutDepartment(t.acct.companyID, setByHand(department("eng")))
		t.relist("set-by-hand")
		Consistently(func() int { return len(t.writesTo("eng")) }).WithTimeout(2*syncPeriod).
			Should(Equal(writes), "no edit for fields the Department leaves unset")
		Expect(t.reason("eng")).To(Equal(v1alpha1.ReasonSynced))

		t.update("eng", func(d *v1alpha1.Department) { d.Spec.Name = "Platform" })
		Eventually(func() string { return department("eng").Name }).WithTimeout(timeout).Should(Equal("Platform"))
		t.eventuallySynced("eng")
		expectKept(department("eng"))
	})

	It("adopts a department made by hand, whose create is refused as existing, keeping what a person set there", func() {
		t.setUp(hourlySync)
		t.create(t.dept("first", "", "First"))
		t.eventuallySynced("first")
		// Made after the last listing; since then orgsync has created a department, so the
		// create goes out without a fresh look and finds the key taken.
		b.server.PutDepartment(t.acct.companyID, setByHand(ncpfake.Department{
			ExternalKey: "legacy", Name: "Legacy", ParentExternalKey: ncpfake.TopLevelParent}))
		t.create(t.dept("legacy", "", "Legacy renamed"))
		t.eventuallySynced("legacy")

		Expect(department("legacy").Name).To(Equal("Legacy renamed"))
		expectKept(department("legacy"))
		Expect(t.get("legacy").Status.Adopted).To(BeTrue())
		w := t.writesTo("legacy")
		Expect(w).To(HaveLen(2), "a refused create, then one edit: %v", w)
		Expect(w[0].Method).To(Equal("POST"))
		Expect(w[0].Status).To(BeNumerically(">=", 400))
		Expect(w[1].Method).To(Equal("PUT"))
	})

	It("clears a field the Department sets to an explicit empty value", func() {
		t.setUp()
		t.create(t.dept("eng", "", "Engineering", func(d *v1alpha1.Department) {
			d.Spec.EmailAddress = new("eng@example.com")
			d.Spec.I18nNames = map[string]v1alpha1.LocalizedName{"en_US": "Engineering"}
			d.Spec.ExternalEmailReceive = new(true)
		}))
		t.eventuallySynced("eng")
		Expect(department("eng").EmailAddress).To(Equal("eng@example.com"))

		t.update("eng", func(d *v1alpha1.Department) {
			d.Spec.EmailAddress = new("")
			d.Spec.I18nNames = map[string]v1alpha1.LocalizedName{}
			d.Spec.ExternalEmailReceive = new(false)
		})
		// The API server keeps the empty map, and a client reads it back as one, not as nil.
		Expect(t.get("eng").Spec.I18nNames).To(And(Not(BeNil()), BeEmpty()))
		Eventually(func() ncpfake.Department { return department("eng") }).WithTimeout(timeout).Should(And(
			HaveField("EmailAddress", ""), HaveField("I18nNames", BeEmpty()),
			HaveField("ExternalEmailReceive", Or(BeNil(), HaveValue(BeFalse())))))
		t.eventuallySynced("eng")
	})
}

func oneAccessUnownedFields(b *huaweiBackend) {
	t := tenantPerSpec(b)

	unit := func(code string) huaweifake.OrgUnit {
		u, ok := b.tenant(t.acct).fake.OrgUnitByCode(code)
		Expect(ok).To(BeTrue(), "unit %s", code)
		return u
	}

	It("keeps a category set in the console: no drift, and neither a rename nor an adoption overwrites it", func() {
		t.setUp(hourlySync)
		t.create(t.dept("first", "", "First"))
		t.eventuallySynced("first")
		fake := b.tenant(t.acct).fake
		fake.PutOrgUnit(huaweifake.OrgUnit{Code: "legacy", Name: "Legacy", Category: "company"})
		fake.PutOrgUnit(huaweifake.OrgUnit{Code: "as-is", Name: "As is", Category: "company"})
		t.create(t.dept("legacy", "", "Legacy renamed"), t.dept("as-is", "", "As is"))
		t.eventuallySynced("legacy", "as-is")
		Expect(unit("legacy")).To(And(HaveField("Name", "Legacy renamed"), HaveField("Category", "company")))
		Expect(t.get("legacy").Status.Adopted).To(BeTrue())

		writes := len(t.writes())
		fake.PutOrgUnit(func() huaweifake.OrgUnit { u := unit("first"); u.Category = "group"; return u }())
		t.relist("category-by-hand")
		Consistently(func() int { return len(t.writes()) }).WithTimeout(2*syncPeriod).
			Should(Equal(writes), "no update for a category the Departments leave unset")
		Expect(t.writesTo("as-is")).NotTo(ContainElement(HaveField("Method", "PUT")), "adopted as it was")

		t.update("first", func(d *v1alpha1.Department) { d.Spec.Name = "First renamed" })
		Eventually(func() string { return unit("first").Name }).WithTimeout(timeout).Should(Equal("First renamed"))
		Expect(unit("first").Category).To(Equal("group"))

		t.update("as-is", func(d *v1alpha1.Department) { d.Spec.Category = "unit" })
		Eventually(func() string { return unit("as-is").Category }).WithTimeout(timeout).Should(Equal("unit"))
		t.eventuallySynced("first", "as-is")
	})
}
