package controller

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/provider"
)

// heldDepartment is a new Department of Organization acme in namespace ns, created at created.
func heldDepartment(name, parent string, created time.Time) *v1alpha1.Department {
	return &v1alpha1.Department{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, CreationTimestamp: metav1.NewTime(created)},
		Spec: v1alpha1.DepartmentSpec{
			OrganizationRef: v1alpha1.LocalObjectReference{Name: "acme"}, ExternalKey: name, ParentExternalKey: parent,
		},
	}
}

// testQueue is a workqueue that the holds wake Departments into.
func testQueue(t *testing.T, h *waitingHolds) workqueue.TypedRateLimitingInterface[reconcile.Request] {
	t.Helper()
	q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[reconcile.Request]())
	t.Cleanup(q.ShutDown)
	h.queue = q
	return q
}

// woken returns the requests q holds now, without waiting.
func woken(q workqueue.TypedRateLimitingInterface[reconcile.Request]) []string {
	var names []string
	for q.Len() > 0 {
		req, _ := q.Get()
		names = append(names, req.Name)
		q.Done(req)
	}
	return names
}

func TestWaitingHoldsWhileTheChartArrives(t *testing.T) {
	org := types.NamespacedName{Namespace: "ns", Name: "acme"}
	now := time.Now()
	h := newWaitingHolds(time.Second, time.Minute)

	// Nothing arrived lately and nothing is on its way: it says so at once.
	if _, held := h.hold(heldDepartment("child", "parent", now.Add(-2*time.Second)), "parent", false, now); held {
		t.Fatal("a Department whose chart is quiet and whose parent is nowhere was held")
	}
	// A Department created within the quiet period is itself an arrival, even before the watch
	// event that records arrivals was handled.
	if _, held := h.hold(heldDepartment("new", "parent", now.Add(-500*time.Millisecond)), "parent", false, now); !held {
		t.Fatal("a Department created a moment ago was not held")
	}
	h = newWaitingHolds(time.Second, time.Minute)
	// While Departments of its Organization arrive, it is held, at most until the longest hold.
	h.arrived(org, now)
	left, held := h.hold(heldDepartment("child", "parent", now.Add(-50*time.Second)), "parent", false, now)
	if !held || left > 10*time.Second || left <= 9*time.Second {
		t.Fatalf("held %v for %v, want held for the 10s left of the longest hold", held, left)
	}
	// Past the longest hold from its creation, never.
	if _, held := h.hold(heldDepartment("old", "parent", now.Add(-time.Minute)), "parent", true, now); held {
		t.Fatal("a Department past the longest hold was held")
	}
	// One that has published a state already is never held: a change is published as decided.
	said := heldDepartment("said", "parent", now)
	said.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonPaused}}
	if _, held := h.hold(said, "parent", true, now); held {
		t.Fatal("a Department with a Ready condition was held")
	}
	// After the quiet period, only what is on its way holds it.
	later := now.Add(2 * time.Second)
	if _, held := h.hold(heldDepartment("late", "parent", now.Add(-time.Second)), "parent", false, later); held {
		t.Fatal("held after the quiet period with nothing on its way")
	}
	if _, held := h.hold(heldDepartment("late", "parent", now.Add(-time.Second)), "parent", true, later); !held {
		t.Fatal("not held while its parent is on its way")
	}
}

func TestWaitingHoldsWakeWhenTheQuietPeriodEnds(t *testing.T) {
	org := types.NamespacedName{Namespace: "ns", Name: "acme"}
	h := newWaitingHolds(200*time.Millisecond, time.Minute)
	q := testQueue(t, h)
	// a's parent arrived meanwhile and is on its way; b's did not.
	h.stillOnItsWay = func(_ types.NamespacedName, parent string) bool { return parent == "parent-of-a" }
	h.arrived(org, time.Now())
	for _, name := range []string{"a", "b"} {
		if _, held := h.hold(heldDepartment(name, "parent-of-"+name, time.Now()), "parent-of-"+name, false, time.Now()); !held {
			t.Fatalf("%s not held while the chart arrives", name)
		}
	}
	// A further arrival pushes the end of the quiet period on.
	time.Sleep(100 * time.Millisecond)
	h.arrived(org, time.Now())
	time.Sleep(150 * time.Millisecond)
	if got := woken(q); len(got) != 0 {
		t.Fatalf("woken %v before the quiet period after the last arrival ended", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for q.Len() < 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	expectWoken(t, q, "b", "once the arrivals were quiet (a's parent is on its way)")
	// a stays held until its parent publishes a state that is not Ready.
	h.wake(org, "parent-of-a")
	expectWoken(t, q, "a", "once its parent waits in earnest")
}

// expectWoken fails t unless q holds exactly the Department name, woken for why.
func expectWoken(t *testing.T, q workqueue.TypedRateLimitingInterface[reconcile.Request], name, why string) {
	t.Helper()
	if got := woken(q); len(got) != 1 || got[0] != name {
		t.Fatalf("woken %v, want %s %s", got, name, why)
	}
}

func TestWaitingHoldsWakeWhatWaitsForOneThatWaitsInEarnest(t *testing.T) {
	org := types.NamespacedName{Namespace: "ns", Name: "acme"}
	h := newWaitingHolds(time.Minute, 2*time.Minute)
	q := testQueue(t, h)
	now := time.Now()
	h.hold(heldDepartment("under-p", "p", now), "p", true, now)
	h.hold(heldDepartment("under-q", "q", now), "q", true, now)
	h.hold(heldDepartment("gone", "p", now), "p", true, now)
	h.release(heldDepartment("gone", "p", now))

	h.wake(org, "p")
	expectWoken(t, q, "under-p", "alone (gone was released)")
	// The Organization publishing a state that is not Ready wakes every held Department.
	h.wake(org, "")
	expectWoken(t, q, "under-q", "when its Organization waits in earnest")
}

func TestFirstNotReady(t *testing.T) {
	waiting := []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonWaitingForParent}}
	ready := []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonSynced}}
	cases := []struct {
		before, after []metav1.Condition
		want          bool
	}{
		{nil, waiting, true},
		{nil, ready, false},
		{nil, nil, false},
		{waiting, waiting, false},
		{ready, waiting, false},
	}
	for i, tc := range cases {
		if got := firstNotReady(tc.before, tc.after); got != tc.want {
			t.Errorf("case %d: firstNotReady = %v, want %v", i, got, tc.want)
		}
	}
}

// Only a wait for an arrival is held back: a new Department whose parent has not arrived, or whose
// Organization has not, waits quietly while the chart comes in; one whose move waits for its new
// parent to leave its subtree (an adopted department) does not, since that parent exists and only
// the act's wake-up registration follows the move it waits for.
func TestHoldableWaitsAreArrivals(t *testing.T) {
	for name, tc := range map[string]struct {
		dept       *v1alpha1.Department
		remote     []provider.Department
		wantHold   bool
		wantParent string
	}{
		"its parent has not arrived": {
			dept: testDepartment("team", "div"), wantHold: true, wantParent: "div",
		},
		"its move waits for its new parent to leave its subtree": {
			// Adopted: team exists at the top, and div is under it, below x.
			dept:   testDepartment("team", "div"),
			remote: []provider.Department{remote("team", "", "Dept team"), remote("x", "team", "Dept x"), remote("div", "x", "Dept div")},
		},
		"it is created": {
			dept: testDepartment("team", "div"), remote: []provider.Department{remote("div", "", "Dept div")},
		},
	} {
		t.Run(name, func(t *testing.T) {
			g := newActRig(t, tc.dept, newRemoteChart(tc.remote...))
			sc := g.scope(tc.dept)
			parent, held := holdable(sc.s, decideDepartment(sc))
			if held != tc.wantHold || parent != tc.wantParent {
				t.Fatalf("holdable = %q, %t; want %q, %t", parent, held, tc.wantParent, tc.wantHold)
			}
		})
	}
}
