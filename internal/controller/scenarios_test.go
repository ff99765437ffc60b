package controller_test

import (
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// The standard chart: a company root, two divisions, three teams.
//
//	hq
//	├── eng
//	│   ├── eng-platform
//	│   └── eng-apps
//	└── sales
//	    └── sales-kr
var treeParents = map[string]string{
	"hq": "", "eng": "hq", "sales": "hq",
	"eng-platform": "eng", "eng-apps": "eng", "sales-kr": "sales",
}

// childrenFirst lists the tree deepest level first, the worst order to apply it in.
var childrenFirst = []string{"eng-platform", "sales-kr", "eng-apps", "eng", "sales", "hq"}

func (t *tenant) applyTree() {
	for _, name := range childrenFirst {
		t.create(t.dept(name, treeParents[name], "Dept "+name, func(d *v1alpha1.Department) {
			d.Spec.I18nNames = map[string]v1alpha1.LocalizedName{"ko_KR": v1alpha1.LocalizedName("부서 " + name), "en_US": v1alpha1.LocalizedName("Dept " + name)}
		}))
	}
	t.eventuallySynced(childrenFirst...)
}

var _ = Describe("Department scenarios", func() { forEveryBackend(scenarios) })

// forEveryBackend registers specs for every backend, then again with the backend answering every
// failure the documents do not define with 400 and a code the client has never seen.
func forEveryBackend(specs func(b backend)) {
	forEachBackend(specs)
	for _, b := range backends {
		Context(b.name()+", answering undocumented failures with codes the client has never seen", func() {
			BeforeEach(func() {
				b.setUndocumentedErrors(true)
				DeferCleanup(b.setUndocumentedErrors, false)
			})
			specs(b)
		})
	}
}

func scenarios(b backend) {
	specGroups(b, describeConvergence, describeDeletion, describeTakingKeys, describeUnhappyRemote)
}

// describeConvergence registers the specs of a tree converging, changing and drifting.
func describeConvergence(t *tenant) {
	It("converges a three-level tree applied children-first, creating each department once after its parent, and a resync writes nothing", func() {
		t.setUp()
		t.applyTree()

		Expect(parents(t.remote())).To(Equal(treeParents))
		w := t.writes()
		for key, parent := range treeParents {
			Expect(t.writesTo(key)).To(HaveLen(1), "one create of %s, got %v", key, t.writesTo(key))
			Expect(t.writesTo(key)[0].Method).To(Equal("POST"))
			if parent != "" {
				Expect(indexOf(w, "POST", parent)).To(BeNumerically("<", indexOf(w, "POST", key)), "%s created before its parent %s", key, parent)
			}
		}
		d := t.get("eng-apps")
		Expect(d.Status.ExternalKey).To(Equal("eng-apps"))
		Expect(d.Status.ParentExternalKey).To(Equal("eng"))
		Expect(d.Status.ObservedGeneration).To(Equal(d.Generation))
		Expect(d.Finalizers).To(ContainElement("orgsync.dev/finalizer"))

		reads := len(t.backend.calls(t.acct))
		Consistently(func() int { return len(t.writes()) }).WithTimeout(2*syncPeriod + time.Second).WithPolling(200 * time.Millisecond).Should(Equal(len(w)))
		Expect(len(t.backend.calls(t.acct))).To(BeNumerically(">", reads), "a resync observed the departments again")
	})

	It("applies a change of name, i18nNames, displayOrder or parent with one update each (none for fields the remote system lacks)", func() {
		t.setUp()
		t.applyTree()

		changes := []struct {
			feature string // "" for fields every backend has
			change  func(*v1alpha1.Department)
			check   func(remoteDepartment) bool
		}{
			{"", func(d *v1alpha1.Department) { d.Spec.Name = "Applications" }, func(r remoteDepartment) bool { return r.Name == "Applications" }},
			{featureI18nNames, func(d *v1alpha1.Department) {
				d.Spec.I18nNames = map[string]v1alpha1.LocalizedName{"ko_KR": "앱 개발"}
			},
				func(r remoteDepartment) bool { return len(r.I18nNames) == 1 && r.I18nNames["ko_KR"] == "앱 개발" }},
			{featureDisplayOrder, func(d *v1alpha1.Department) { d.Spec.DisplayOrder = "2" }, func(r remoteDepartment) bool { return r.DisplayOrder == "2.0" }},
			{"", func(d *v1alpha1.Department) { d.Spec.ParentExternalKey = "sales" }, func(r remoteDepartment) bool { return r.Parent == "sales" }},
		}
		for i, c := range changes {
			before := len(t.writesTo("eng-apps"))
			t.update("eng-apps", c.change)
			if c.feature != "" && !t.backend.supports(c.feature) {
				By("the remote system has no " + c.feature + ": the change syncs without a write")
				t.eventuallySynced("eng-apps")
				Consistently(func() []remoteCall { return t.writesTo("eng-apps")[before:] }).WithTimeout(time.Second).Should(BeEmpty(), "change %d", i)
				continue
			}
			Eventually(func() bool { return c.check(t.remote()["eng-apps"]) }).WithTimeout(timeout).Should(BeTrue(), "change %d", i)
			t.eventuallySynced("eng-apps")
			Consistently(func() []remoteCall { return t.writesTo("eng-apps")[before:] }).WithTimeout(time.Second).
				Should(ConsistOf(HaveField("Method", "PUT")), "change %d is one update", i)
		}
		Expect(t.get("eng-apps").Status.ParentExternalKey).To(Equal("sales"))
	})

	It("restores a department edited directly in the remote system within the sync period", func() {
		t.setUp()
		t.applyTree()
		drifted := t.remote()["sales-kr"]
		drifted.Name = "Renamed by hand"
		t.backend.put(t.acct, "sales-kr", drifted)

		Eventually(func() string { return t.remote()["sales-kr"].Name }).WithTimeout(2 * syncPeriod).WithPolling(poll).Should(Equal("Dept sales-kr"))
	})
}

// describeDeletion registers the specs of Departments and Organizations deleted.
func describeDeletion(t *tenant) {
	It("deletes a subtree removed all at once bottom-up, with no rejected delete, and leaves Orphan departments in place", func() {
		t.setUp()
		t.applyTree()
		t.update("sales-kr", func(d *v1alpha1.Department) { d.Spec.DeletionPolicy = v1alpha1.DeletionPolicyOrphan })

		t.delete("eng", "eng-platform", "eng-apps") // a GitOps prune: parent first in the list
		for _, n := range []string{"eng", "eng-platform", "eng-apps"} {
			Eventually(t.gone).WithArguments(n).WithTimeout(timeout).Should(BeTrue(), "Department %s", n)
		}
		Expect(keysOf(t.remote())).To(Equal([]string{"hq", "sales", "sales-kr"}))
		var deletes []remoteCall
		for _, c := range t.writes() {
			if c.Method == "DELETE" {
				deletes = append(deletes, c)
			}
		}
		Expect(deletes).To(HaveLen(3), "no rejected or repeated delete: %v", deletes)
		Expect(deletes).To(HaveEach(HaveField("Status", BeNumerically("<", 300))))
		Expect(deletes[2].Key).To(Equal("eng"), "the parent goes last: %v", deletes)

		t.delete("sales-kr")
		Eventually(t.gone).WithArguments("sales-kr").WithTimeout(timeout).Should(BeTrue())
		Expect(t.remote()).To(HaveKey("sales-kr"), "Orphan leaves the remote department")
	})

	It("reports DeletionBlocked while a sub-department still exists", func() {
		t.setUp()
		t.applyTree()
		t.delete("sales")
		Eventually(t.reason).WithArguments("sales").WithTimeout(timeout).Should(Equal(v1alpha1.ReasonDeletionBlocked))
		Expect(t.message("sales")).To(ContainSubstring("sales-kr"))
		Expect(t.remote()).To(HaveKey("sales"))

		t.delete("sales-kr")
		Eventually(t.gone).WithArguments("sales").WithTimeout(timeout).Should(BeTrue())
		Expect(t.remote()).NotTo(HaveKey("sales"))
	})

	It("deleting the Organization deletes its Departments, their remote departments and, with deletionPolicy Delete, the remote organization", func() {
		t.setUp(func(o *v1alpha1.Organization) { o.Spec.DeletionPolicy = v1alpha1.DeletionPolicyDelete })
		Expect(t.backend.hasOrganization(t.acct)).To(BeTrue())
		t.applyTree()

		Expect(k8sClient.Delete(suiteCtx, t.organization())).To(Succeed())
		Eventually(func() error {
			return k8sClient.Get(suiteCtx, types.NamespacedName{Namespace: t.ns, Name: orgName}, &v1alpha1.Organization{})
		}).WithTimeout(timeout).Should(Satisfy(func(err error) bool { return err != nil && strings.Contains(err.Error(), "not found") }))
		for name := range treeParents {
			Expect(t.gone(name)).To(BeTrue(), "Department %s", name)
		}
		Expect(t.remote()).To(BeEmpty())
		Expect(t.backend.hasOrganization(t.acct)).To(BeFalse())
	})
}

// describeTakingKeys registers the specs of adoption, a missing parent, a cycle and a key claimed twice.
func describeTakingKeys(t *tenant) {
	It("adopts departments that already exist remotely, as parents and as itself", func() {
		t.backend.put(t.acct, "legacy-root", remoteDepartment{Name: "Legacy root"})
		t.backend.put(t.acct, "legacy-team", remoteDepartment{Parent: "legacy-root", Name: "Old name"})
		t.setUp()
		t.create(t.dept("legacy-team", "legacy-root", "New name"), t.dept("new-team", "legacy-root", "New team"))
		t.eventuallySynced("legacy-team", "new-team")

		Expect(t.remote()["legacy-team"].Name).To(Equal("New name"))
		Expect(t.writesTo("legacy-team")).To(ConsistOf(HaveField("Method", "PUT")), "adopted, not created again")
		Expect(t.writesTo("legacy-root")).To(BeEmpty())
	})

	It("waits for a parent that does not exist yet, writing nothing, and syncs once it appears", func() {
		t.setUp()
		t.create(t.dept("child", "late-parent", "Child"))
		Eventually(t.reason).WithArguments("child").WithTimeout(timeout).Should(Equal(v1alpha1.ReasonWaitingForParent))
		Expect(t.message("child")).To(ContainSubstring("late-parent"))
		Expect(t.writes()).To(BeEmpty())

		t.create(t.dept("late-parent", "", "Parent"))
		t.eventuallySynced("late-parent", "child")
		Expect(parents(t.remote())).To(Equal(map[string]string{"late-parent": "", "child": "late-parent"}))
	})

	It("gives ParentCycle to departments whose parents form a cycle, with no writes", func() {
		t.setUp()
		t.create(t.dept("cycle-a", "cycle-b", "A"), t.dept("cycle-b", "cycle-c", "B"), t.dept("cycle-c", "cycle-a", "C"))
		for _, n := range []string{"cycle-a", "cycle-b", "cycle-c"} {
			Eventually(t.reason).WithArguments(n).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonParentCycle))
		}
		Expect(t.message("cycle-a")).To(ContainSubstring("cycle-a -> cycle-b -> cycle-c -> cycle-a"))
		Consistently(t.writes).WithTimeout(time.Second).Should(BeEmpty())

		t.update("cycle-c", func(d *v1alpha1.Department) { d.Spec.ParentExternalKey = "" })
		t.eventuallySynced("cycle-a", "cycle-b", "cycle-c")
	})

	It("gives Conflict to the newer of two Departments claiming one key, without flapping writes", func() {
		t.setUp()
		t.create(t.dept("first", "", "First", func(d *v1alpha1.Department) { d.Spec.ExternalKey = "shared-key" }))
		t.eventuallySynced("first")
		t.create(t.dept("second", "", "Second", func(d *v1alpha1.Department) { d.Spec.ExternalKey = "shared-key" }))

		Eventually(t.reason).WithArguments("second").WithTimeout(timeout).Should(Equal(v1alpha1.ReasonConflict))
		Expect(t.message("second")).To(ContainSubstring(`"first"`))
		Consistently(func() []remoteCall { return t.writesTo("shared-key") }).WithTimeout(2 * syncPeriod).
			Should(ConsistOf(HaveField("Method", "POST")))
		Expect(t.reason("first")).To(Equal(v1alpha1.ReasonSynced))
		Expect(t.remote()["shared-key"].Name).To(Equal("First"))

		// The loser's deletion leaves the remote department to the holder.
		t.delete("second")
		Eventually(t.gone).WithArguments("second").WithTimeout(timeout).Should(BeTrue())
		Expect(t.remote()).To(HaveKey("shared-key"))
	})
}

// describeUnhappyRemote registers the specs of missing credentials, a failing remote API and kstatus.
func describeUnhappyRemote(t *tenant) {
	It("reports CredentialsInvalid while the Secret is missing and recovers when it appears", func() {
		Expect(k8sClient.Create(suiteCtx, t.organization())).To(Succeed())
		t.create(t.dept("hq", "", "HQ"))
		Eventually(t.orgReason).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonCredentialsInvalid))
		Eventually(t.reason).WithArguments("hq").WithTimeout(timeout).Should(Equal(v1alpha1.ReasonWaitingForOrganization))

		t.createSecret()
		Eventually(t.orgReason).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonSynced))
		t.eventuallySynced("hq")
	})

	It("converges with no duplicate creates while the remote API throttles and fails a fraction of calls", func() {
		t.setUp()
		t.backend.setFaults(0.3, 0.2)
		DeferCleanup(func() { t.backend.setFaults(0, 0) })
		for _, name := range childrenFirst {
			t.create(t.dept(name, treeParents[name], "Dept "+name))
		}
		for _, n := range childrenFirst {
			Eventually(t.reason).WithArguments(n).WithTimeout(2*timeout).WithPolling(poll).Should(Equal(v1alpha1.ReasonSynced), "Department %s", n)
		}
		Expect(parents(t.remote())).To(Equal(treeParents))
		for key := range treeParents {
			created := 0
			for _, c := range t.writesTo(key) {
				if c.Method == "POST" && c.Status < 300 {
					created++
				}
			}
			Expect(created).To(Equal(1), "%s created once: %v", key, t.writesTo(key))
		}
	})

	It("is Current for kstatus when Ready and InProgress while waiting for its parent", func() {
		t.setUp()
		t.create(t.dept("ready", "", "Ready"), t.dept("waiting", "nowhere", "Waiting"))
		t.eventuallySynced("ready")
		Eventually(t.reason).WithArguments("waiting").WithTimeout(timeout).Should(Equal(v1alpha1.ReasonWaitingForParent))

		Expect(kstatus(t.get("ready"))).To(Equal(status.CurrentStatus))
		Expect(kstatus(t.get("waiting"))).To(Equal(status.InProgressStatus))
	})
}

func kstatus(d *v1alpha1.Department) status.Status {
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(d)
	Expect(err).NotTo(HaveOccurred())
	res, err := status.Compute(&unstructured.Unstructured{Object: obj})
	Expect(err).NotTo(HaveOccurred())
	return res.Status
}
