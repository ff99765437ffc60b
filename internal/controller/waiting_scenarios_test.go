package controller_test

import (
	"context"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

var _ = Describe("A chart applied children first", func() { forEachBackend(func(b backend) { specGroups(b, describeWaitingStatus) }) })

// describeWaitingStatus: a Department whose parent is about to arrive publishes its state once,
// and one whose parent does not come says so within seconds.
func describeWaitingStatus(t *tenant) {
	It("writes a Department applied before its parent once, its final status, and says WaitingForParent within seconds when the parent does not come", func() {
		t.setUp()
		writes := watchWrites(t.ns)

		t.create(t.dept("child", "parent", "Child"))
		// While its chart is arriving, it publishes nothing and takes no finalizer: its parent
		// may be among the next objects.
		Consistently(func() []string { return t.get("child").Finalizers }).WithTimeout(waitingStatusDelay / 2).WithPolling(poll).Should(BeEmpty())
		Expect(t.reason("child")).To(BeEmpty())
		t.create(t.dept("parent", "", "Parent"))
		t.eventuallySynced("parent", "child")
		Eventually(writes.of).WithArguments("child").WithTimeout(timeout).Should(Equal(objectWrites{status: 1, metadata: 1}),
			"the child's writes: its finalizer and its final status, no WaitingForParent before them")

		// A Department whose parent does not come says so once the chart has been quiet for
		// the waiting-status delay, and holds the finalizer as any Department bound to be written.
		created := time.Now()
		t.create(t.dept("orphan", "nowhere", "Orphan"))
		Eventually(t.reason).WithArguments("orphan").WithTimeout(waitingStatusDelay + 5*time.Second).WithPolling(poll).
			Should(Equal(v1alpha1.ReasonWaitingForParent))
		Expect(time.Since(created)).To(BeNumerically(">=", waitingStatusDelay), "published before the quiet period ended")
		Expect(t.get("orphan").Finalizers).To(ContainElement("orgsync.dev/finalizer"))

		// A child of a Department that waits in earnest says so too, without waiting for the
		// longest hold.
		t.create(t.dept("grandchild", "orphan", "Grandchild"))
		Eventually(t.reason).WithArguments("grandchild").WithTimeout(waitingStatusDelay + 5*time.Second).WithPolling(poll).
			Should(Equal(v1alpha1.ReasonWaitingForParent))
	})
}

// objectWrites counts the writes to one object that a watch saw, by what they changed.
type objectWrites struct{ status, metadata int }

// writeCounter counts, from a watch, the writes to the Departments of a namespace after their
// creation.
type writeCounter struct {
	mu     sync.Mutex
	counts map[string]objectWrites
}

func (w *writeCounter) of(name string) objectWrites {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.counts[name]
}

// watchWrites starts counting the writes to the Departments of namespace ns, until the spec ends.
func watchWrites(ns string) *writeCounter {
	wc, err := client.NewWithWatch(restCfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	ctx, cancel := context.WithCancel(suiteCtx)
	DeferCleanup(cancel)
	wi, err := wc.Watch(ctx, &v1alpha1.DepartmentList{}, client.InNamespace(ns))
	Expect(err).NotTo(HaveOccurred())
	w := &writeCounter{counts: map[string]objectWrites{}}
	go func() {
		defer wi.Stop()
		last := map[string]*v1alpha1.Department{}
		for ev := range wi.ResultChan() {
			d, ok := ev.Object.(*v1alpha1.Department)
			if !ok {
				continue
			}
			if before := last[d.Name]; ev.Type == watch.Modified && before != nil {
				w.mu.Lock()
				c := w.counts[d.Name]
				if !equality.Semantic.DeepEqual(before.Status, d.Status) {
					c.status++
				} else {
					c.metadata++
				}
				w.counts[d.Name] = c
				w.mu.Unlock()
			}
			last[d.Name] = d
		}
	}()
	return w
}
