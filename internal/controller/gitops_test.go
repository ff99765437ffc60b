package controller_test

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

var _ = Describe("Pause, reconcile now and a per-Organization sync period", func() {
	forEveryBackend(gitopsControls)
})

func gitopsControls(b backend) {
	specGroups(b, describePause, describeReconcileNow, describeOrphanRelease, describeDeletionBudget,
		describeWaysOut, describeSyncPeriodAdmission)
}

// describePause registers the specs of the paused annotation, on a Department and on an Organization.
func describePause(t *tenant) {
	It("stops every remote call for a paused Department, says Paused, and resumes when the annotation goes", func() {
		t.setUp()
		t.create(t.dept("hq", "", "HQ"))
		t.eventuallySynced("hq")
		writes := len(t.writesTo("hq"))

		t.annotate("hq", v1alpha1.AnnotationPaused, "true")
		t.update("hq", func(d *v1alpha1.Department) { d.Spec.Name = "HQ renamed" })
		Eventually(t.reason).WithArguments("hq").WithTimeout(timeout).Should(Equal(v1alpha1.ReasonPaused))
		Expect(t.message("hq")).To(ContainSubstring(`orgsync.dev/paused on Department "hq"`))
		Consistently(func() int { return len(t.writesTo("hq")) }).WithTimeout(2 * syncPeriod).Should(Equal(writes))
		Expect(t.remote()["hq"].Name).To(Equal("HQ"))

		t.annotate("hq", v1alpha1.AnnotationPaused, "")
		Eventually(func() string { return t.remote()["hq"].Name }).WithTimeout(timeout).Should(Equal("HQ renamed"))
		t.eventuallySynced("hq")
	})

	It("stops every remote call of a paused Organization and its Departments, the listing included", func() {
		t.setUp()
		t.create(t.dept("hq", "", "HQ"))
		t.eventuallySynced("hq")

		t.annotateOrganization(v1alpha1.AnnotationPaused, "true")
		Eventually(t.orgReason).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonPaused))
		t.create(t.dept("sales", "hq", "Sales"))
		Eventually(t.reason).WithArguments("sales").WithTimeout(timeout).Should(Equal(v1alpha1.ReasonPaused))
		Expect(t.message("sales")).To(ContainSubstring(`orgsync.dev/paused on Organization "acme"`))
		calls := len(t.backend.calls(t.acct))
		Consistently(func() int { return len(t.backend.calls(t.acct)) }).WithTimeout(3*syncPeriod).
			Should(Equal(calls), "no call at all, not even a listing, while paused")

		t.annotateOrganization(v1alpha1.AnnotationPaused, "")
		Eventually(t.orgReason).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonSynced))
		t.eventuallySynced("sales")
		Expect(t.remote()).To(HaveKey("sales"))
	})

	It("holds the deletion of a paused Department, saying so, and finishes it once unpaused", func() {
		t.setUp()
		t.create(t.dept("hq", "", "HQ"))
		t.eventuallySynced("hq")
		t.annotate("hq", v1alpha1.AnnotationPaused, "true")
		Eventually(t.reason).WithArguments("hq").WithTimeout(timeout).Should(Equal(v1alpha1.ReasonPaused))

		t.delete("hq")
		Eventually(t.message).WithArguments("hq").WithTimeout(timeout).Should(ContainSubstring("the deletion waits"))
		Consistently(t.remote).WithTimeout(2*syncPeriod).Should(HaveKey("hq"), "nothing is deleted, or orphaned, while paused")
		Expect(t.gone("hq")).To(BeFalse())

		t.annotate("hq", v1alpha1.AnnotationPaused, "")
		Eventually(t.gone).WithArguments("hq").WithTimeout(timeout).Should(BeTrue())
		Expect(t.remote()).NotTo(HaveKey("hq"))
	})
}

// describeReconcileNow registers the specs of reconcile-requested-at, a per-Organization sync period and
// adoption after a fresh listing.
func describeReconcileNow(t *tenant) {
	It("lists the chart at once when reconcile-requested-at changes, instead of waiting for its own sync period, and records the value", func() {
		t.setUp(func(o *v1alpha1.Organization) { o.Spec.SyncPeriod = &metav1.Duration{Duration: time.Hour} })
		t.create(t.dept("hq", "", "HQ"))
		t.eventuallySynced("hq")

		drifted := t.remote()["hq"]
		drifted.Name = "Renamed by hand"
		t.backend.put(t.acct, "hq", drifted)
		// The manager's own period (the suite's) would have corrected it by now; the
		// Organization's hour has not come.
		Consistently(func() string { return t.remote()["hq"].Name }).WithTimeout(3 * syncPeriod).Should(Equal("Renamed by hand"))

		t.annotateOrganization(v1alpha1.AnnotationReconcileRequestedAt, "2026-11-27T12:00:00Z")
		Eventually(func() string { return t.remote()["hq"].Name }).WithTimeout(timeout).Should(Equal("HQ"))
		Eventually(func() string { return t.currentOrganization().Status.LastHandledReconcileAt }).WithTimeout(timeout).
			Should(Equal("2026-11-27T12:00:00Z"))
	})

	It("marks a Department that took over an existing remote department as adopted, with an Event, and one it created as not", func() {
		t.setUp()
		t.backend.put(t.acct, "legacy", remoteDepartment{Name: "Legacy"})
		// A fresh listing first, so that the Department finds it rather than trying to create it.
		t.annotateOrganization(v1alpha1.AnnotationReconcileRequestedAt, "listed-legacy")
		Eventually(func() string { return t.currentOrganization().Status.LastHandledReconcileAt }).WithTimeout(timeout).Should(Equal("listed-legacy"))
		t.create(t.dept("legacy", "", "Legacy"), t.dept("fresh", "", "Fresh"))
		t.eventuallySynced("legacy", "fresh")
		Expect(t.get("legacy").Status.Adopted).To(BeTrue())
		Expect(t.get("fresh").Status.Adopted).To(BeFalse())
		Expect(t.writesTo("legacy")).To(BeEmpty(), "adopted as it was: nothing to write")

		var events corev1.EventList
		Eventually(func() []corev1.Event {
			Expect(k8sClient.List(suiteCtx, &events, client.InNamespace(t.ns))).To(Succeed())
			return events.Items
		}).WithTimeout(timeout).Should(ContainElement(And(
			HaveField("Reason", "Adopted"), HaveField("InvolvedObject.Name", "legacy"),
			HaveField("Message", ContainSubstring(`Took over the existing remote department "legacy"`)))))
		for _, e := range events.Items {
			Expect(e.Reason == "Adopted" && e.InvolvedObject.Name == "fresh").To(BeFalse(), "no adoption event for a created department")
		}
	})

	It("looks again before creating: a department made remotely after the last listing is adopted without a write when its Department comes", func() {
		t.setUp(func(o *v1alpha1.Organization) { o.Spec.SyncPeriod = &metav1.Duration{Duration: time.Hour} })
		// Made by hand after the Organization listed the chart (an export read it, say); the
		// Organization's next listing is an hour away.
		t.backend.put(t.acct, "by-hand", remoteDepartment{Name: "Made by hand"})
		t.backend.put(t.acct, "by-hand-team", remoteDepartment{Parent: "by-hand", Name: "Team by hand"})
		t.create(t.dept("by-hand", "", "Made by hand"), t.dept("by-hand-team", "by-hand", "Team by hand"), t.dept("fresh", "", "Fresh"))
		t.eventuallySynced("by-hand", "by-hand-team", "fresh")
		Expect(t.writesTo("by-hand")).To(BeEmpty(), "adopted as it was, not created over")
		Expect(t.writesTo("by-hand-team")).To(BeEmpty(), "adopted as it was, not created over")
		Expect(t.writesTo("fresh")).To(ConsistOf(HaveField("Method", "POST")), "created once")
		Expect(t.get("by-hand").Status.Adopted).To(BeTrue())
		Expect(t.get("fresh").Status.Adopted).To(BeFalse())
	})
}

// describeOrphanRelease registers the spec of an Organization deleted with deletionPolicy Orphan.
func describeOrphanRelease(t *tenant) {
	It("releases the Departments of an Organization deleted with deletionPolicy Orphan and leaves every remote department in place", func() {
		t.setUp() // deletionPolicy defaults to Orphan
		Expect(t.currentOrganization().Spec.DeletionPolicy).To(Equal(v1alpha1.DeletionPolicyOrphan))
		t.backend.put(t.acct, "by-hand", remoteDepartment{Name: "Made by hand"})
		t.create(t.dept("hq", "", "HQ"), t.dept("sales", "hq", "Sales"), t.dept("by-hand", "", "Made by hand"))
		t.eventuallySynced("hq", "sales", "by-hand")
		before := t.remote()

		Expect(k8sClient.Delete(suiteCtx, t.currentOrganization())).To(Succeed())
		for _, name := range []string{"hq", "sales", "by-hand"} {
			Eventually(t.gone).WithArguments(name).WithTimeout(timeout).Should(BeTrue(), "Department %s", name)
		}
		Eventually(func() bool {
			return k8sClient.Get(suiteCtx, types.NamespacedName{Namespace: t.ns, Name: orgName}, &v1alpha1.Organization{}) != nil
		}).WithTimeout(timeout).Should(BeTrue(), "the Organization goes too")
		Expect(t.remote()).To(Equal(before), "the remote chart as it was")
		for _, w := range t.writes() {
			Expect(w.Method).NotTo(Equal("DELETE"), "no remote delete: %v", w)
		}
	})
}

// describeDeletionBudget registers the specs of remote deletions held beyond the deletion budget.
func describeDeletionBudget(t *tenant) {
	describeBudgetApproval(t)
	describeMassDelete(t)
}

// describeBudgetApproval registers the spec of deletions held beyond a small budget, released by
// an approval and by a larger budget.
func describeBudgetApproval(t *tenant) {
	It("holds remote deletions beyond the deletion budget, keeping their finalizers, until a person approves them; the approval is used once", func() {
		t.setUp(func(o *v1alpha1.Organization) {
			o.Spec.DeletionBudget = &v1alpha1.DeletionBudget{MaxDeletions: 2}
		})
		t.create(t.dept("hq", "", "HQ"))
		leaves := []string{"leaf-a", "leaf-b", "leaf-c", "leaf-d", "leaf-e"}
		for _, l := range leaves {
			t.create(t.dept(l, "hq", "Leaf "+l))
		}
		t.eventuallySynced(append([]string{"hq"}, leaves...)...)

		// A mass delete: the whole chart, as a pruned folder would.
		t.delete(append([]string{"hq"}, leaves...)...)
		Eventually(func() *v1alpha1.DeletionStatus { return t.currentOrganization().Status.Deletions }).WithTimeout(timeout).
			Should(And(Not(BeNil()), HaveField("Made", int32(2)), HaveField("Held", int32(3))))
		Eventually(t.orgReason).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonDeletionBudgetExceeded))
		Expect(orgReady(t.ns, orgName).Message).To(And(ContainSubstring("3 remote deletions are held"),
			ContainSubstring("orgsync.dev/approve-deletions=3")))
		Consistently(func() int { return len(t.remote()) }).WithTimeout(2*syncPeriod).Should(Equal(4), "hq and three leaves stay")
		held := 0
		for _, l := range leaves {
			if !t.gone(l) {
				held++
				Expect(t.reason(l)).To(Equal(v1alpha1.ReasonDeletionBudgetExceeded), "Department %s", l)
				Expect(t.get(l).Finalizers).NotTo(BeEmpty())
			}
		}
		Expect(held).To(Equal(3))
		Expect(t.reason("hq")).To(Equal(v1alpha1.ReasonDeletionBlocked), "the parent still waits for its children")

		var events corev1.EventList
		Expect(k8sClient.List(suiteCtx, &events, client.InNamespace(t.ns))).To(Succeed())
		budgetEvents := 0
		for _, e := range events.Items {
			if e.Reason == v1alpha1.ReasonDeletionBudgetExceeded {
				budgetEvents++
				Expect(e.InvolvedObject.Kind).To(Equal("Organization"))
			}
		}
		Expect(budgetEvents).To(Equal(1), "one Warning Event, on the Organization")

		// Three approved: the leaves go, then the parent is held: the fourth deletion.
		t.annotateOrganization(v1alpha1.AnnotationApproveDeletions, "3")
		for _, l := range leaves {
			Eventually(t.gone).WithArguments(l).WithTimeout(timeout).Should(BeTrue(), "Department %s", l)
		}
		Eventually(t.reason).WithArguments("hq").WithTimeout(timeout).Should(Equal(v1alpha1.ReasonDeletionBudgetExceeded))
		Expect(t.currentOrganization().Annotations).NotTo(HaveKey(v1alpha1.AnnotationApproveDeletions), "the approval is used once")
		Expect(t.remote()).To(HaveKey("hq"))

		// Raising the budget lets the last one through.
		Eventually(func() error {
			org := t.currentOrganization()
			org.Spec.DeletionBudget.MaxDeletions = 10
			return k8sClient.Update(suiteCtx, org)
		}).WithTimeout(timeout).Should(Succeed())
		Eventually(t.gone).WithArguments("hq").WithTimeout(timeout).Should(BeTrue())
		Expect(t.remote()).To(BeEmpty())
		Eventually(t.orgReason).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonSynced))
	})
}

// describeMassDelete registers the spec of half of a large chart deleted at the default budget.
func describeMassDelete(t *tenant) {
	It("holds a mass delete at the default budget: half of a 60-department chart deleted in one apply, exactly 20 go, the approval releases the rest, the other half untouched", func() {
		t.setUp() // no spec.deletionBudget: the CRD's default applies
		Expect(t.currentOrganization().Spec.DeletionBudget).To(HaveField("MaxDeletions", int32(v1alpha1.DefaultMaxDeletions)))
		deleted, kept := t.createDivisions()
		t.eventuallySynced(append(deleted, kept...)...)
		Expect(t.remote()).To(HaveLen(60))
		before := t.remote()

		// One apply that drops three divisions: 30 Departments deleted at once.
		t.delete(deleted...)
		Eventually(func() *v1alpha1.DeletionStatus { return t.currentOrganization().Status.Deletions }).WithTimeout(timeout).
			Should(And(Not(BeNil()), HaveField("Made", int32(20)), HaveField("Held", BeNumerically(">", 0))))
		Eventually(t.orgReason).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonDeletionBudgetExceeded))
		Consistently(t.remoteDeletes).WithTimeout(2*syncPeriod).Should(Equal(20), "exactly the budget is deleted remotely")
		Expect(t.remote()).To(HaveLen(40))
		// Of the ten left, each waits for the budget or, a division, for its teams (subtree order).
		held, left := t.expectHeldOrBlocked(deleted)
		Expect(left).To(Equal(10))
		Expect(t.currentOrganization().Status.Deletions.Held).To(Equal(int32(held)), "the Organization counts the held ones")
		Expect(orgReady(t.ns, orgName).Message).To(ContainSubstring(fmt.Sprintf("%d remote deletions are held", held)))
		t.expectUntouched(kept, before)

		// The person approves the ten that are left: the teams go, then their divisions.
		t.annotateOrganization(v1alpha1.AnnotationApproveDeletions, "10")
		for _, name := range deleted {
			Eventually(t.gone).WithArguments(name).WithTimeout(timeout).Should(BeTrue(), "Department %s", name)
		}
		Expect(t.remoteDeletes()).To(Equal(30))
		Expect(t.remote()).To(HaveLen(30))
		for _, k := range deleted {
			Expect(t.remote()).NotTo(HaveKey(k))
		}
		t.expectUntouched(kept, before)
		Eventually(t.orgReason).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonSynced))
		Eventually(func() *v1alpha1.DeletionStatus { return t.currentOrganization().Status.Deletions }).WithTimeout(timeout).
			Should(And(HaveField("Made", int32(30)), HaveField("Held", int32(0))))
		t.eventuallySynced(kept...)
	})
}

// describeWaysOut registers the specs of deletions that cannot finish and the way out each
// message names.
func describeWaysOut(t *tenant) {
	It("says how to finish a delete blocked by a remote sub-department no Department manages, and the way out works", func() {
		t.setUp()
		t.create(t.dept("hq", "", "HQ"))
		t.eventuallySynced("hq")
		t.backend.put(t.acct, "by-hand", remoteDepartment{Parent: "hq", Name: "Made by hand"})
		t.annotateOrganization(v1alpha1.AnnotationReconcileRequestedAt, "see-by-hand")

		t.delete("hq")
		Eventually(t.reason).WithArguments("hq").WithTimeout(timeout).Should(Equal(v1alpha1.ReasonDeletionBlocked))
		Eventually(t.message).WithArguments("hq").WithTimeout(timeout).Should(And(
			ContainSubstring("by-hand (no Department)"), ContainSubstring("set deletionPolicy: Orphan on this Department")))

		t.update("hq", func(d *v1alpha1.Department) { d.Spec.DeletionPolicy = v1alpha1.DeletionPolicyOrphan })
		Eventually(t.gone).WithArguments("hq").WithTimeout(timeout).Should(BeTrue())
		Expect(t.remote()).To(HaveKey("hq"), "left in place, as asked")
		Expect(t.remote()).To(HaveKey("by-hand"))
	})

	It("says why the remote organization of a deletionPolicy Delete Organization cannot be deleted, and Orphan finishes the deletion", func() {
		t.setUp(func(o *v1alpha1.Organization) { o.Spec.DeletionPolicy = v1alpha1.DeletionPolicyDelete })
		Expect(t.backend.hasOrganization(t.acct)).To(BeTrue())
		t.backend.breakOrganizationAPI(t.acct, true)
		DeferCleanup(t.backend.breakOrganizationAPI, t.acct, false)

		Expect(k8sClient.Delete(suiteCtx, t.currentOrganization())).To(Succeed())
		Eventually(func() string { return orgReady(t.ns, orgName).Message }).WithTimeout(timeout).Should(And(
			ContainSubstring("could not be deleted (deletionPolicy Delete)"), ContainSubstring("set spec.deletionPolicy: Orphan")))

		Eventually(func() error {
			org := t.currentOrganization()
			org.Spec.DeletionPolicy = v1alpha1.DeletionPolicyOrphan
			return k8sClient.Update(suiteCtx, org)
		}).WithTimeout(timeout).Should(Succeed())
		Eventually(func() bool {
			return k8sClient.Get(suiteCtx, types.NamespacedName{Namespace: t.ns, Name: orgName}, &v1alpha1.Organization{}) != nil
		}).WithTimeout(timeout).Should(BeTrue(), "the Organization goes")
		Expect(t.backend.hasOrganization(t.acct)).To(BeTrue(), "the remote organization stays, as asked")
	})
}

// describeSyncPeriodAdmission registers the spec of a syncPeriod refused at admission.
func describeSyncPeriodAdmission(t *tenant) {
	It("refuses a syncPeriod under 30s at admission", func() {
		t.createSecret()
		org := t.organization(func(o *v1alpha1.Organization) { o.Spec.SyncPeriod = &metav1.Duration{Duration: 10 * time.Second} })
		expectRefused(org, "syncPeriod must be at least 30s")
	})
}

// createDivisions creates six divisions of nine teams each and returns the Departments of the
// first three, to be deleted, and of the last three, to be kept.
func (t *tenant) createDivisions() (deleted, kept []string) {
	for i := 1; i <= 6; i++ {
		division := fmt.Sprintf("div-%d", i)
		names := []string{division}
		t.create(t.dept(division, "", fmt.Sprintf("Division %d", i)))
		for j := 1; j <= 9; j++ {
			team := fmt.Sprintf("div-%d-team-%d", i, j)
			t.create(t.dept(team, division, fmt.Sprintf("Team %d-%d", i, j)))
			names = append(names, team)
		}
		if i <= 3 {
			deleted = append(deleted, names...)
		} else {
			kept = append(kept, names...)
		}
	}
	return deleted, kept
}

// expectUntouched asserts that each kept department is remotely as it was in before and was
// written once, by its create.
func (t *tenant) expectUntouched(kept []string, before map[string]remoteDepartment) {
	now := t.remote()
	for _, k := range kept {
		Expect(now).To(HaveKeyWithValue(k, before[k]), "kept department %s as it was", k)
		Expect(t.writesTo(k)).To(HaveLen(1), "kept department %s: its create only", k)
	}
}

// remoteDeletes counts the remote deletes that succeeded.
func (t *tenant) remoteDeletes() int {
	n := 0
	for _, w := range t.writes() {
		if w.Method == "DELETE" && w.Status < 300 {
			n++
		}
	}
	return n
}

// expectHeldOrBlocked asserts that each deleted Department still there keeps its finalizer and
// remote department and waits for the budget or for a team; it returns how many wait for the
// budget and how many are left.
func (t *tenant) expectHeldOrBlocked(deleted []string) (held, left int) {
	for _, name := range deleted {
		if t.gone(name) {
			Expect(t.remote()).NotTo(HaveKey(name))
			continue
		}
		left++
		Expect(t.remote()).To(HaveKey(name))
		Expect(t.get(name).Finalizers).NotTo(BeEmpty(), "Department %s keeps its finalizer", name)
		switch reason := t.reason(name); reason {
		case v1alpha1.ReasonDeletionBudgetExceeded:
			held++
		case v1alpha1.ReasonDeletionBlocked:
			Expect(parents(t.remote())).To(ContainElement(name), "Department %s waits for a team that is still there", name)
		default:
			Fail(fmt.Sprintf("Department %s: reason %q", name, reason))
		}
	}
	return held, left
}
