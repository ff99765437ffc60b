package controller

import (
	"context"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

func newTestQueue() workqueue.TypedRateLimitingInterface[reconcile.Request] {
	return workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[reconcile.Request]())
}

func request(namespace, name string) reconcile.Request {
	return reconcile.Request{NamespacedName: types.NamespacedName{Namespace: namespace, Name: name}}
}

// getWithin takes the next request of q, failing t when none comes within a minute.
func getWithin(t *testing.T, q workqueue.TypedRateLimitingInterface[reconcile.Request]) reconcile.Request {
	t.Helper()
	got := make(chan reconcile.Request, 1)
	go func() {
		req, _ := q.Get()
		q.Done(req)
		got <- req
	}()
	select {
	case req := <-got:
		return req
	case <-time.After(time.Minute):
		t.Fatal("no request queued")
		return reconcile.Request{}
	}
}

// One namespace holds at most its share of the workers: its further requests are parked, not
// run, and each is queued again, oldest first, when one of its reconciles ends; another
// namespace's requests run meanwhile.
func TestNamespaceShareParksWhatIsBeyondTheShare(t *testing.T) {
	q := newTestQueue()
	defer q.ShutDown()
	share := &namespaceShare{limit: shareOf(3, 0)}
	if share.limit != 2 {
		t.Fatalf("share of 3 workers = %d, want 2", share.limit)
	}
	_ = share.source().Start(context.Background(), q)

	release := make(chan struct{})
	ran := make(chan reconcile.Request, 10)
	r := share.wrap(reconcile.Func(func(_ context.Context, req reconcile.Request) (reconcile.Result, error) {
		ran <- req
		<-release
		return reconcile.Result{}, nil
	}))
	done := make(chan struct{}, 10)
	run := func(req reconcile.Request) {
		go func() {
			_, _ = r.Reconcile(context.Background(), req)
			done <- struct{}{}
		}()
	}
	run(request("stalled", "a"))
	run(request("stalled", "b"))
	<-ran
	<-ran
	// Beyond the share: parked (the reconcile returns at once), twice counts once.
	for _, name := range []string{"c", "d", "c"} {
		if res, err := r.Reconcile(context.Background(), request("stalled", name)); err != nil || !res.IsZero() {
			t.Fatalf("parked %s: %v %v", name, res, err)
		}
	}
	select {
	case req := <-ran:
		t.Fatalf("%v ran beyond its namespace's share", req)
	default:
	}
	// Another namespace is not held up.
	run(request("healthy", "x"))
	if req := <-ran; req != request("healthy", "x") {
		t.Fatalf("ran %v, want healthy/x", req)
	}
	if q.Len() != 0 {
		t.Fatalf("%d requests queued before any reconcile of the namespace ended", q.Len())
	}
	release <- struct{}{} // one reconcile ends: a stalled one or healthy/x
	<-done
	close(release)
	for range 2 {
		<-done
	}
	// Each stalled reconcile that ended handed its turn to a parked request, oldest first.
	if got := getWithin(t, q); got != request("stalled", "c") {
		t.Errorf("first turn to %v, want stalled/c", got)
	}
	if got := getWithin(t, q); got != request("stalled", "d") {
		t.Errorf("second turn to %v, want stalled/d", got)
	}
}

// An explicit share is taken as given, up to the number of workers.
func TestShareOf(t *testing.T) {
	for _, tc := range []struct{ workers, perNamespace, want int }{
		{4, 0, 3}, {1, 0, 1}, {2, 0, 1}, {10, 0, 9}, {4, 3, 3}, {4, 9, 4},
	} {
		if got := shareOf(tc.workers, tc.perNamespace); got != tc.want {
			t.Errorf("shareOf(%d, %d) = %d, want %d", tc.workers, tc.perNamespace, got, tc.want)
		}
	}
}

// Every object that gave up waiting for a piece of remote work is woken, once, when it ends.
func TestRemoteWaitsWakeWhenTheWorkEnds(t *testing.T) {
	q := newTestQueue()
	defer q.ShutDown()
	var waits remoteWaits
	_ = waits.source().Start(context.Background(), q)
	done := make(chan struct{})
	a, b := request("ns", "a"), request("ns", "b")
	waits.after(done, a.NamespacedName)
	waits.after(done, b.NamespacedName)
	waits.after(done, a.NamespacedName)
	if q.Len() != 0 {
		t.Fatal("woken before the work ended")
	}
	close(done)
	woken := map[reconcile.Request]bool{getWithin(t, q): true, getWithin(t, q): true}
	if !woken[a] || !woken[b] {
		t.Errorf("woken %v, want ns/a and ns/b", woken)
	}
}
