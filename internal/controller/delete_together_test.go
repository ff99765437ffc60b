package controller_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// Deleting the Departments and their Organization together, in whatever order kubectl, a GitOps
// tool or the namespace controller sends them, follows the Organization's deletionPolicy.
var _ = Describe("Deleting a chart together", func() { forEachBackend(deleteTogether) })

func deleteTogether(b backend) {
	t := tenantPerSpec(b)

	allKeys := keysOf(treeParents)

	// remoteDeletes lists the department deletes the backend received.
	remoteDeletes := func() []remoteCall {
		var out []remoteCall
		for _, c := range t.writes() {
			if c.Method == "DELETE" {
				out = append(out, c)
			}
		}
		return out
	}
	organizationGone := func() bool {
		err := k8sClient.Get(suiteCtx, types.NamespacedName{Namespace: t.ns, Name: orgName}, &v1alpha1.Organization{})
		return apierrors.IsNotFound(err)
	}
	deleteOrganization := func() {
		Expect(k8sClient.Delete(suiteCtx, t.organization())).To(Succeed())
	}
	// everythingGone waits until every Department and the Organization have released their
	// finalizers and gone.
	everythingGone := func() {
		for _, n := range childrenFirst {
			Eventually(t.gone).WithArguments(n).WithTimeout(timeout).WithPolling(poll).Should(BeTrue(), "Department %s", n)
		}
		Eventually(organizationGone).WithTimeout(timeout).WithPolling(poll).Should(BeTrue(), "the Organization")
	}

	It("kubectl delete -f chart/: the Departments first, the Organization (Orphan) a moment later: no remote department is deleted", func() {
		t.setUp()
		t.applyTree()

		t.delete(childrenFirst...) // departments/ sorts before organization.yaml
		time.Sleep(1500 * time.Millisecond)
		deleteOrganization()

		everythingGone()
		Expect(remoteDeletes()).To(BeEmpty())
		Expect(keysOf(t.remote())).To(Equal(allKeys), "deletionPolicy Orphan leaves the chart")
	})

	It("the Organization (Orphan) first, its Departments a moment later: no remote department is deleted", func() {
		t.setUp()
		t.applyTree()

		deleteOrganization()
		time.Sleep(time.Second)
		t.delete(childrenFirst...)

		everythingGone()
		Expect(remoteDeletes()).To(BeEmpty())
		Expect(keysOf(t.remote())).To(Equal(allKeys))
	})

	It("a namespace deleted with everything in it, in the slowest order: no remote department is deleted", func() {
		t.setUp()
		t.applyTree()

		// envtest has no namespace controller: the namespace stays Terminating, and the objects
		// in it are deleted here as that controller would, one type at a time, each step slower
		// than the grace period.
		Expect(k8sClient.Delete(suiteCtx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: t.ns}})).To(Succeed())
		ns := &corev1.Namespace{}
		Expect(k8sClient.Get(suiteCtx, types.NamespacedName{Name: t.ns}, ns)).To(Succeed())
		Expect(ns.DeletionTimestamp).NotTo(BeNil(), "the namespace is Terminating")

		t.delete(childrenFirst...)
		for _, n := range childrenFirst {
			Eventually(t.gone).WithArguments(n).WithTimeout(timeout).WithPolling(poll).Should(BeTrue(), "Department %s", n)
		}
		time.Sleep(deletionGrace + 2*time.Second)
		Expect(remoteDeletes()).To(BeEmpty())

		deleteOrganization()
		Eventually(organizationGone).WithTimeout(timeout).WithPolling(poll).Should(BeTrue())
		Expect(remoteDeletes()).To(BeEmpty())
		Expect(keysOf(t.remote())).To(Equal(allKeys))
	})

	It("a Department deleted on its own deletes its remote department after the grace period, saying so meanwhile", func() {
		t.setUp()
		t.applyTree()

		t.delete("sales-kr")
		Eventually(t.reason).WithArguments("sales-kr").WithTimeout(timeout).WithPolling(poll).Should(Equal(v1alpha1.ReasonDeletionPending))
		Expect(t.message("sales-kr")).To(ContainSubstring("unless the Organization is deleted by then"))
		Consistently(t.remote).WithTimeout(deletionGrace - time.Second).WithPolling(poll).Should(HaveKey("sales-kr"))

		Eventually(t.gone).WithArguments("sales-kr").WithTimeout(timeout).WithPolling(poll).Should(BeTrue())
		Expect(t.remote()).NotTo(HaveKey("sales-kr"))
		Expect(remoteDeletes()).To(ConsistOf(And(HaveField("Key", "sales-kr"), HaveField("Status", BeNumerically("<", 300)))))
	})

	It("a chart deleted without its Organization waits one grace period, not one per level, and goes bottom-up", func() {
		t.setUp()
		t.applyTree()

		start := time.Now()
		t.delete("hq", "eng", "sales", "eng-platform", "eng-apps", "sales-kr") // parents first: the worst order
		for _, n := range childrenFirst {
			Eventually(t.gone).WithArguments(n).WithTimeout(timeout).WithPolling(poll).Should(BeTrue(), "Department %s", n)
		}
		Expect(time.Since(start)).To(BeNumerically("<", 5*deletionGrace/2), "three levels, one grace period")
		Expect(t.remote()).To(BeEmpty())
		deletes := remoteDeletes()
		Expect(deletes).To(HaveLen(len(treeParents)), "no rejected or repeated delete: %v", deletes)
		for key, parent := range treeParents {
			if parent != "" {
				Expect(indexOf(deletes, "DELETE", key)).To(BeNumerically("<", indexOf(deletes, "DELETE", parent)), "%s deleted before its sub-department %s", parent, key)
			}
		}
	})

	It("an Organization with deletionPolicy Delete, deleted together with its Departments, deletes the remote chart bottom-up", func() {
		t.setUp(func(o *v1alpha1.Organization) { o.Spec.DeletionPolicy = v1alpha1.DeletionPolicyDelete })
		t.applyTree()

		t.delete(childrenFirst...)
		deleteOrganization()

		everythingGone()
		Expect(t.remote()).To(BeEmpty())
		deletes := remoteDeletes()
		Expect(deletes).To(HaveEach(HaveField("Status", BeNumerically("<", 300))))
		for key, parent := range treeParents {
			if parent != "" {
				Expect(indexOf(deletes, "DELETE", key)).To(BeNumerically("<", indexOf(deletes, "DELETE", parent)), "%s deleted before its sub-department %s", parent, key)
			}
		}
		Expect(t.backend.hasOrganization(t.acct)).To(BeFalse())
	})
}
