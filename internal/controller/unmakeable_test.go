package controller_test

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/huaweicloud/huaweifake"
)

// Changes OneAccess cannot make, or accepts without making, end reported on the Department with
// what to do, and are not sent again and again.
var _ = Describe("Changes the remote system does not make", func() {
	b := backendOf[*huaweiBackend]()
	var t *tenant
	BeforeEach(func() {
		t = newTenant(b)
		t.setUp()
	})

	// puts counts the updates sent for key.
	puts := func(key string) func() int {
		return func() int {
			n := 0
			for _, c := range t.writesTo(key) {
				if c.Method == http.MethodPut {
					n++
				}
			}
			return n
		}
	}

	It("reports a move to the top level as UnsupportedChange, sends nothing, and is Ready again once the spec moves it back", func() {
		t.create(t.dept("hq", "", "HQ"), t.dept("unit", "hq", "Unit"))
		t.eventuallySynced("hq", "unit")
		before := len(t.writesTo("unit"))

		t.update("unit", func(d *v1alpha1.Department) { d.Spec.ParentExternalKey = "" })
		Eventually(t.reason).WithArguments("unit").WithTimeout(timeout).Should(Equal(v1alpha1.ReasonUnsupportedChange))
		Expect(t.message("unit")).To(And(ContainSubstring(`OneAccess cannot move unit "unit" to the top level`),
			ContainSubstring("keep it under a parent, or give the top-level department a new external key")))
		Consistently(func() []remoteCall { return t.writesTo("unit")[before:] }).WithTimeout(2*syncPeriod + time.Second).
			WithPolling(200 * time.Millisecond).Should(BeEmpty())
		Expect(t.reason("unit")).To(Equal(v1alpha1.ReasonUnsupportedChange))
		Expect(parents(t.remote())).To(HaveKeyWithValue("unit", "hq"))

		t.update("unit", func(d *v1alpha1.Department) { d.Spec.ParentExternalKey = "hq" })
		t.eventuallySynced("unit")
		Expect(t.writesTo("unit")[before:]).To(BeEmpty())
	})

	It("reports two siblings swapping names, with the way out, and lets them through by an intermediate name", func() {
		t.create(t.dept("p", "", "P"), t.dept("a", "p", "X"), t.dept("b", "p", "Y"))
		t.eventuallySynced("p", "a", "b")

		// Both specs change before either is decided, as an apply of both files does.
		paused := func(d *v1alpha1.Department) { d.Annotations = map[string]string{v1alpha1.AnnotationPaused: "true"} }
		t.update("a", func(d *v1alpha1.Department) { paused(d); d.Spec.Name = "Y" })
		t.update("b", func(d *v1alpha1.Department) { paused(d); d.Spec.Name = "X" })
		for _, n := range []string{"a", "b"} {
			Eventually(t.reason).WithArguments(n).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonPaused))
		}
		for _, n := range []string{"a", "b"} {
			t.update(n, func(d *v1alpha1.Department) { delete(d.Annotations, v1alpha1.AnnotationPaused) })
		}
		for n, other := range map[string]string{"a": "b", "b": "a"} {
			Eventually(t.reason).WithArguments(n).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonInvalidSpec))
			Eventually(t.message).WithArguments(n).WithTimeout(timeout).Should(And(
				ContainSubstring(`is held by sibling department "`+other+`" (Department "`+other+`")`),
				ContainSubstring("rename one of them to an intermediate name first")))
		}
		Expect(t.remote()).To(And(HaveKeyWithValue("a", HaveField("Name", "X")), HaveKeyWithValue("b", HaveField("Name", "Y"))))

		// The way out: a takes an intermediate name; b's refusal is tried again as its sibling
		// changed, and goes through; then a takes its final name.
		t.update("a", func(d *v1alpha1.Department) { d.Spec.Name = "A temporary" })
		t.eventuallySynced("a", "b")
		t.update("a", func(d *v1alpha1.Department) { d.Spec.Name = "Y" })
		t.eventuallySynced("a")
		Expect(t.remote()).To(And(HaveKeyWithValue("a", HaveField("Name", "Y")), HaveKeyWithValue("b", HaveField("Name", "X"))))
	})

	It("restores a hand edit made after an update that was applied, rather than calling the update NotApplied", func() {
		t.create(t.dept("unit", "", "Unit"))
		t.eventuallySynced("unit")
		t.update("unit", func(d *v1alpha1.Department) { d.Spec.Name = "Renamed" })
		Eventually(func() string { return t.remote()["unit"].Name }).WithTimeout(timeout).Should(Equal("Renamed"))
		t.eventuallySynced("unit")
		// A listing shows the update applied (the Organization lists every sync period).
		Consistently(t.reason).WithArguments("unit").WithTimeout(syncPeriod + time.Second).Should(Equal(v1alpha1.ReasonSynced))

		drifted := t.remote()["unit"]
		drifted.Name = "Edited by hand"
		b.put(t.acct, "unit", drifted)
		Eventually(func() string { return t.remote()["unit"].Name }).WithTimeout(2 * syncPeriod).WithPolling(poll).Should(Equal("Renamed"))
		Expect(t.reason("unit")).To(Equal(v1alpha1.ReasonSynced))
	})

	It("reports an update the remote system accepts and does not apply as NotApplied, and does not send it again", func() {
		t.create(t.dept("unit", "", "Unit"))
		t.eventuallySynced("unit")
		fake := b.tenant(t.acct).fake
		unit, ok := fake.OrgUnitByCode("unit")
		Expect(ok).To(BeTrue())
		fake.SetFaults(huaweifake.Faults{IgnoredUpdateFraction: 1, Select: func(r *http.Request) bool {
			return r.Method == http.MethodPut && r.URL.Path == oneAccessUnitsPath+"/"+unit.ID
		}})
		DeferCleanup(fake.SetFaults, huaweifake.Faults{})
		before := puts("unit")()

		t.update("unit", func(d *v1alpha1.Department) { d.Spec.Name = "Renamed" })
		Eventually(t.reason).WithArguments("unit").WithTimeout(timeout).Should(Equal(v1alpha1.ReasonNotApplied))
		Expect(t.message("unit")).To(And(ContainSubstring("accepted the update of name but did not apply it"),
			ContainSubstring("not sent again until the spec or the remote department changes")))
		Expect(puts("unit")()).To(Equal(before + 1))
		Consistently(puts("unit")).WithTimeout(2*syncPeriod + time.Second).WithPolling(200 * time.Millisecond).Should(Equal(before + 1))
		Expect(t.reason("unit")).To(Equal(v1alpha1.ReasonNotApplied))
		Expect(t.remote()["unit"].Name).To(Equal("Unit"))

		// Once the remote system applies updates again, a new spec goes through.
		fake.SetFaults(huaweifake.Faults{})
		t.update("unit", func(d *v1alpha1.Department) { d.Spec.Name = "Renamed again" })
		t.eventuallySynced("unit")
		Eventually(func() string { return t.remote()["unit"].Name }).WithTimeout(timeout).Should(Equal("Renamed again"))
		Consistently(t.reason).WithArguments("unit").WithTimeout(syncPeriod + time.Second).Should(Equal(v1alpha1.ReasonSynced))
	})
})
