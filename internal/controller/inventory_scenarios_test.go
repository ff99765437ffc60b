package controller_test

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

var _ = Describe("Decisions from the Organization's remote inventory", func() { forEveryBackend(inventoryScenarios) })

func inventoryScenarios(b backend) {
	t := tenantPerSpec(b)

	It("reads no department one at a time: converging and resyncing cost listings, not a GET per department", func() {
		t.setUp()
		t.applyTree()
		for _, c := range t.backend.calls(t.acct) {
			if c.Key != "" {
				Expect(c.write()).To(BeTrue(), "a read of department %s", c.Key)
			}
		}
		Expect(t.writes()).To(HaveLen(len(treeParents)), "one create per department")
	})

	It("recovers, within a sync period, a child waiting for a parent whose object is Ready but which was deleted by hand", func() {
		t.setUp()
		t.create(t.dept("parent", "", "Parent"))
		t.eventuallySynced("parent")
		t.backend.remove(t.acct, "parent")

		t.create(t.dept("child", "parent", "Child"))
		Eventually(t.remote).WithTimeout(timeout).WithPolling(poll).Should(HaveKey("child"))
		t.eventuallySynced("parent", "child")
		Expect(parents(t.remote())).To(Equal(map[string]string{"parent": "", "child": "parent"}))
	})

	It("does not report a new generation as applied while the remote system throttles every call", func() {
		t.setUp()
		t.create(t.dept("hq", "", "HQ"))
		t.eventuallySynced("hq")

		t.backend.setFaults(1, 0)
		DeferCleanup(t.backend.setFaults, 0.0, 0.0)
		t.update("hq", func(d *v1alpha1.Department) { d.Spec.Name = "Head office" })
		Consistently(func() status.Status { return kstatus(t.get("hq")) }).WithTimeout(2*time.Second).WithPolling(poll).
			ShouldNot(Equal(status.CurrentStatus), "kstatus reads Current for a change that was never applied")
		Expect(t.remote()["hq"].Name).To(Equal("HQ"))

		t.backend.setFaults(0, 0)
		t.eventuallySynced("hq")
		Expect(t.remote()["hq"].Name).To(Equal("Head office"))
		Expect(kstatus(t.get("hq"))).To(Equal(status.CurrentStatus))
	})

	It("never takes an unrecognised refusal of a delete for success: the finalizer stays until the department is gone", func() {
		t.setUp()
		t.applyTree()
		t.backend.put(t.acct, "by-hand", remoteDepartment{Parent: "sales-kr", Name: "Made by hand"})
		t.delete("sales-kr")
		Eventually(t.reason).WithArguments("sales-kr").WithTimeout(timeout).Should(Equal(v1alpha1.ReasonDeletionBlocked))
		Expect(t.message("sales-kr")).To(ContainSubstring("by-hand"))
		Consistently(t.gone).WithArguments("sales-kr").WithTimeout(syncPeriod).Should(BeFalse())
		Expect(t.remote()).To(HaveKey("sales-kr"))

		t.backend.remove(t.acct, "by-hand")
		Eventually(t.gone).WithArguments("sales-kr").WithTimeout(timeout).Should(BeTrue())
		Expect(t.remote()).NotTo(HaveKey("sales-kr"))
	})

	It("tries a spec refused because of a sibling again when that sibling changes, not only when its own spec does", func() {
		if !t.backend.uniqueSiblingNames() {
			Skip(t.backend.name() + " does not document names unique among siblings")
		}
		t.setUp()
		t.create(t.dept("first", "", "Sales"))
		t.eventuallySynced("first")
		t.create(t.dept("second", "", "Sales"))
		Eventually(t.reason).WithArguments("second").WithTimeout(timeout).Should(Equal(v1alpha1.ReasonInvalidSpec))
		attempts := len(t.writesTo("second"))
		Consistently(func() int { return len(t.writesTo("second")) }).WithTimeout(2*syncPeriod).Should(Equal(attempts), "not retried while nothing changed")

		t.update("first", func(d *v1alpha1.Department) { d.Spec.Name = "Former sales" })
		t.eventuallySynced("first", "second")
		Expect(t.remote()["second"].Name).To(Equal("Sales"))
	})

	It("moves a department under what is still its own sub-department remotely once that one has moved out, wherever to", func() {
		t.setUp()
		t.create(t.dept("r1", "", "R1"), t.dept("r2", "", "R2"), t.dept("a", "r1", "A"), t.dept("b", "a", "B"), t.dept("c", "b", "C"))
		t.eventuallySynced("r1", "r2", "a", "b", "c")
		// c is to move out from under a, and a under c: the chart has no cycle, but the remote
		// system refuses a under c for as long as c is under a. c is held back (paused) so that
		// a is decided first, as it may be when a GitOps tool applies both at once.
		t.update("c", func(d *v1alpha1.Department) {
			d.Annotations = map[string]string{v1alpha1.AnnotationPaused: "true"}
			d.Spec.ParentExternalKey = "r2"
		})
		Eventually(t.reason).WithArguments("c").WithTimeout(timeout).Should(Equal(v1alpha1.ReasonPaused))
		t.update("a", func(d *v1alpha1.Department) { d.Spec.ParentExternalKey = "c" })
		Eventually(t.message).WithArguments("a").WithTimeout(timeout).Should(
			ContainSubstring(`parent department "c" is inside this department's subtree remotely (a > b > c)`))
		Expect(t.reason("a")).To(Equal(v1alpha1.ReasonWaitingForParent))
		Expect(parents(t.remote())).To(HaveKeyWithValue("a", "r1"))

		// c moves from under b to r2: neither a's parent nor the one it waits for.
		t.update("c", func(d *v1alpha1.Department) { delete(d.Annotations, v1alpha1.AnnotationPaused) })
		t.eventuallySynced("a", "b", "c")
		Expect(parents(t.remote())).To(Equal(map[string]string{"r1": "", "r2": "", "c": "r2", "a": "c", "b": "a"}))
		for _, w := range t.writesTo("a") {
			Expect(w.Status).To(BeNumerically("<", 300), "a move the remote system had to refuse was sent")
		}
	})

	It("adopts a chart of several pages that exists remotely, with no create and no duplicate", func() {
		const n = 140 // more than one page of 100
		for i := range n {
			parent := ""
			if i >= 4 {
				parent = fmt.Sprintf("unit-%03d", i/4-1)
			}
			t.backend.put(t.acct, fmt.Sprintf("unit-%03d", i), remoteDepartment{Parent: parent, Name: fmt.Sprintf("Unit %03d", i)})
		}
		t.setUp()
		var names []string
		for i := range n {
			parent := ""
			if i >= 4 {
				parent = fmt.Sprintf("unit-%03d", i/4-1)
			}
			name := fmt.Sprintf("unit-%03d", i)
			t.create(t.dept(name, parent, fmt.Sprintf("Unit %03d", i)))
			names = append(names, name)
		}
		t.create(t.dept("brand-new", "unit-139", "Brand new"))
		t.eventuallySynced(append(names, "brand-new")...)

		Expect(t.remote()).To(HaveLen(n + 1))
		Expect(t.writes()).To(ConsistOf(HaveField("Key", "brand-new")), "only the new department is written")
	})
}
