package inventory

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgsync/orgsync/internal/httpretry"
	"github.com/orgsync/orgsync/internal/provider"
)

func depts(keys ...string) []provider.Department {
	var out []provider.Department
	for i := 0; i+1 < len(keys); i += 2 {
		out = append(out, provider.Department{Key: keys[i], ParentKey: keys[i+1], Name: keys[i]})
	}
	return out
}

func TestInventoryListsOnceForConcurrentCallers(t *testing.T) {
	inv := New("ns", "acme", nil)
	var calls atomic.Int32
	release := make(chan struct{})
	list := func(context.Context) ([]provider.Department, error) {
		calls.Add(1)
		<-release
		return depts("hq", "", "eng", "hq"), nil
	}
	since := time.Now()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := inv.ListedSince(context.Background(), since, nil, list); err != nil {
				t.Error(err)
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d listings for 8 callers, want 1", n)
	}
	v := inv.View("eng", "hq", false)
	if !v.Complete || v.Self == nil || v.Parent == nil || !slices.Equal(inv.View("hq", "", true).Children, []string{"eng"}) {
		t.Fatalf("view after listing: %+v", v)
	}
	// A listing that started before a failure is not a fresh look at it.
	if err := inv.ListedSince(context.Background(), time.Now(), nil, list); err != nil || calls.Load() != 2 {
		t.Fatalf("fresh look: %v after %d listings, want 2", err, calls.Load())
	}
}

func TestInventoryFailedListingIsNoInventory(t *testing.T) {
	inv := New("ns", "acme", nil)
	calls := 0
	failing := func(context.Context) ([]provider.Department, error) {
		calls++
		return nil, errors.New("page 3 failed")
	}
	err := inv.ListedSince(context.Background(), time.Time{}, nil, failing)
	if err == nil || inv.View("hq", "", false).Complete {
		t.Fatalf("a failed first listing made a complete inventory: %v", err)
	}
	// Callers right after a failure get it, rather than a listing each.
	for range 5 {
		if err := inv.ListedSince(context.Background(), time.Time{}, nil, failing); err == nil || calls != 1 {
			t.Fatalf("after a failed listing: %v, %d listings", err, calls)
		}
	}
	// Another connection (rotated credentials) lists at once.
	if err := inv.ListedSince(context.Background(), time.Time{}, &provider.Connection{}, failing); err == nil || calls != 2 {
		t.Fatalf("a new connection after a failed listing: %v, %d listings", err, calls)
	}
	inv.mu.Lock()
	inv.failed.started = time.Now().Add(-ListRetry)
	inv.mu.Unlock()
	_ = inv.ListedSince(context.Background(), time.Time{}, nil, func(context.Context) ([]provider.Department, error) { return depts("hq", ""), nil })
	_ = inv.ListedSince(context.Background(), time.Now(), nil, func(context.Context) ([]provider.Department, error) {
		return nil, errors.New("page 2 failed")
	})
	if v := inv.View("hq", "", false); !v.Complete || v.Self == nil {
		t.Fatalf("a failed refresh lost the last complete chart: %+v", v)
	}
}

// A write made while a listing runs is applied on its result, whether the listing saw it or not.
func TestInventoryWritesDuringAListingSurviveIt(t *testing.T) {
	inv := New("ns", "acme", nil)
	listed(t, inv, depts("hq", "", "old", "hq"))
	started, release, done := startListing(inv, depts("hq", "", "old", "hq")) // read before the writes below
	<-started
	inv.Put(provider.Department{Key: "new", ParentKey: "hq"})
	inv.Remove("old")
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if inv.View("new", "hq", false).Self == nil || inv.View("old", "hq", false).Self != nil {
		t.Fatalf("writes made during the listing were lost: children of hq %v", inv.View("hq", "", true).Children)
	}
}

// A listing read while a remote write was under way may lack departments that exist (a delete
// shifts the pages not yet read): it does not make the chart forget them. Found by the chaos
// suite's faults run (`make chaos`): Departments being deleted were released with their remote
// departments still in place.
func TestInventoryListingDisturbedByAWriteForgetsNothing(t *testing.T) {
	before := depts("hq", "", "a", "hq", "b", "hq", "c", "hq")
	missingB := depts("hq", "", "a", "hq", "c", "hq")
	for name, tc := range map[string]struct {
		during   func(inv *Inventory) // while the listing runs
		wantKept bool
	}{
		"no write meanwhile: b is gone": {func(*Inventory) {}, false},
		"a write under way: b stays": {func(inv *Inventory) {
			finished, _ := inv.WriteStarted(context.Background(), time.Minute)
			finished()
		}, true},
		"orgsync deleted b meanwhile: b is gone": {func(inv *Inventory) {
			finished, _ := inv.WriteStarted(context.Background(), time.Minute)
			inv.Remove("b")
			finished()
		}, false},
	} {
		t.Run(name, func(t *testing.T) {
			inv := New("ns", "acme", nil)
			_ = inv.ListedSince(context.Background(), time.Time{}, nil, func(context.Context) ([]provider.Department, error) { return before, nil })
			err := inv.ListedSince(context.Background(), time.Now(), nil, func(context.Context) ([]provider.Department, error) {
				tc.during(inv)
				return missingB, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if kept := inv.View("b", "hq", false).Self != nil; kept != tc.wantKept {
				t.Fatalf("b kept: %v, want %v", kept, tc.wantKept)
			}
		})
	}
	// A write that started before the listing and is still under way disturbs it too.
	inv := New("ns", "acme", nil)
	_ = inv.ListedSince(context.Background(), time.Time{}, nil, func(context.Context) ([]provider.Department, error) { return before, nil })
	finished, _ := inv.WriteStarted(context.Background(), time.Minute)
	_ = inv.ListedSince(context.Background(), time.Now(), nil, func(context.Context) ([]provider.Department, error) { return missingB, nil })
	finished()
	if inv.View("b", "hq", false).Self == nil {
		t.Fatal("a listing overlapping a write that started before it forgot b")
	}
	// The next listing that no write disturbs settles it.
	_ = inv.ListedSince(context.Background(), time.Now(), nil, func(context.Context) ([]provider.Department, error) { return missingB, nil })
	if inv.View("b", "hq", false).Self != nil {
		t.Fatal("an undisturbed listing without b kept it")
	}
}

// While orgsync's own writes keep flowing, every listing overlaps one, and a listing that a write
// disturbed concludes nothing about what it lacks: a department whose delete answer was lost (or
// that was deleted by hand) would stay in the chart for ever, its Department's finalizer and its
// parent's waiting on a listing that never comes (the chaos faults run, seed 13037307057456855739:
// 73 finalizers left after 10 minutes). After a few such listings, one is made with new writes held
// back, and it settles what is gone.
func TestInventoryConfirmsAbsenceWhileWritesKeepFlowing(t *testing.T) {
	before := depts("hq", "", "a", "hq", "b", "hq")
	missingB := depts("hq", "", "a", "hq")
	inv := New("ns", "acme", nil)
	_ = inv.ListedSince(context.Background(), time.Time{}, nil, func(context.Context) ([]provider.Department, error) { return before, nil })

	writers := keepWriting(inv)
	defer writers.stop()
	for writers.writes.Load() < 10 {
		time.Sleep(time.Millisecond)
	}

	var quiet int
	for listings := 1; inv.View("b", "hq", false).Self != nil; listings++ {
		if listings > QuietAfter+1 {
			t.Fatalf("b is still in the chart after %d listings that lacked it", listings-1)
		}
		err := inv.ListedSince(context.Background(), time.Now(), nil, func(context.Context) ([]provider.Department, error) {
			if writers.underWay.Load() == 0 {
				quiet++
			}
			time.Sleep(5 * time.Millisecond) // a listing of several pages
			return missingB, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if quiet == 0 {
		t.Fatal("b was forgotten by a listing that overlapped a write")
	}
	// The writers go on once the quiet listing is over.
	n := writers.writes.Load()
	for writers.writes.Load() == n {
		time.Sleep(time.Millisecond)
	}
}

// writers keep one write under way at every moment, as a delete storm does, until stop.
type writers struct {
	underWay, writes atomic.Int64
	stop             func()
}

func keepWriting(inv *Inventory) *writers {
	ctx, cancel := context.WithCancel(context.Background())
	w := &writers{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			goOn := true
			for goOn && ctx.Err() == nil {
				goOn = w.write(ctx, inv)
			}
		})
	}
	w.stop = func() { cancel(); wg.Wait() }
	return w
}

// write makes one write, and reports whether the writer goes on.
func (w *writers) write(ctx context.Context, inv *Inventory) bool {
	finished, err := inv.WriteStarted(ctx, time.Millisecond)
	var limited *httpretry.LimitedError
	if errors.As(err, &limited) {
		return true // requeued: a worker that does not wait for the quiet listing
	}
	if err != nil {
		return false
	}
	defer finished()
	w.underWay.Add(1)
	w.writes.Add(1)
	time.Sleep(time.Millisecond)
	w.underWay.Add(-1)
	return true
}

// A listing whose pages did not add up (a total that changed while paging, an empty page) shows
// departments that exist and proves nothing else: the chart takes in those it lacked, keeps every
// department it lacks, and the listing counts for its callers only when a complete one came first.
// The quiet listing that follows such listings has no writes of orgsync's to blame: if its pages
// do not add up either, its callers get the error.
func TestInventoryPartialListingConcludesNothing(t *testing.T) {
	incomplete := errors.New("pages did not add up")
	partialOf := func(depts []provider.Department) func(context.Context) ([]provider.Department, error) {
		return func(context.Context) ([]provider.Department, error) {
			return nil, &provider.PartialListingError{Departments: depts, Err: incomplete}
		}
	}

	inv := New("ns", "acme", nil)
	if err := inv.ListedSince(context.Background(), time.Time{}, nil, partialOf(depts("hq", ""))); !errors.Is(err, incomplete) {
		t.Fatalf("a partial first listing: error %v, want the listing's", err)
	}
	if inv.View("hq", "", false).Complete {
		t.Fatal("a partial first listing made the chart complete")
	}

	time.Sleep(time.Millisecond) // the failed listing answers for callers that want one no newer than it
	if err := inv.ListedSince(context.Background(), time.Now(), nil, func(context.Context) ([]provider.Department, error) {
		return depts("hq", "", "a", "hq", "b", "hq"), nil
	}); err != nil {
		t.Fatal(err)
	}
	complete := inv.View("a", "hq", false).ListStarted
	renamedA := depts("hq", "", "a", "hq", "new", "hq")
	renamedA[1].Name = "renamed by hand"
	for i := range QuietAfter {
		if err := inv.ListedSince(context.Background(), time.Now(), nil, partialOf(renamedA)); err != nil {
			t.Fatalf("partial listing %d: %v", i+1, err)
		}
	}
	switch {
	case inv.View("b", "hq", false).Self == nil:
		t.Fatal("a partial listing that lacked b forgot it")
	case inv.View("new", "hq", false).Self == nil:
		t.Fatal("a partial listing did not add the department it showed")
	case inv.View("a", "hq", false).Self.Name != "renamed by hand":
		t.Fatal("a partial listing did not show what it read of a department the chart knew")
	case !inv.View("a", "hq", false).ListStarted.Equal(complete):
		// An update's effect is judged on the first complete listing after it (NotApplied).
		t.Fatal("a partial listing counts as the complete listing the chart rests on")
	}
	// The next is quiet: its own pages not adding up is the remote system's doing.
	if err := inv.ListedSince(context.Background(), time.Now(), nil, partialOf(renamedA)); !errors.Is(err, incomplete) {
		t.Fatalf("a quiet listing whose pages did not add up: error %v, want the listing's", err)
	}
	if inv.View("b", "hq", false).Self == nil {
		t.Fatal("a failed quiet listing forgot b")
	}
}

// An update's effect is judged on the first complete listing that started after it (NotApplied):
// ListStarted and PrevListStarted move with complete listings only, while a caller that wants a
// listing no older than a time is answered by a partial one too.
func TestInventoryAdvancesListStartedOnlyWithCompleteListings(t *testing.T) {
	inv := New("ns", "acme", nil)
	if v := inv.View("hq", "", false); v.Complete || !v.ListStarted.IsZero() || inv.Age(time.Now()) < time.Hour {
		t.Fatalf("an inventory never listed: %+v, age %v", v, inv.Age(time.Now()))
	}
	started := func() (time.Time, time.Time) {
		v := inv.View("hq", "", false)
		return v.ListStarted, v.PrevListStarted
	}
	listed(t, inv, depts("hq", ""))
	first, prev := started()
	if first.IsZero() || !prev.IsZero() {
		t.Fatalf("after the first listing: started %v, previous %v", first, prev)
	}
	time.Sleep(time.Millisecond)
	listed(t, inv, depts("hq", ""))
	second, prev := started()
	if !second.After(first) || !prev.Equal(first) {
		t.Fatalf("after the second listing: started %v, previous %v; want after %v, and it", second, prev, first)
	}
	time.Sleep(time.Millisecond)
	_ = inv.ListedSince(context.Background(), time.Now(), nil, func(context.Context) ([]provider.Department, error) {
		return nil, errors.New("page 2 failed")
	})
	partialSince := time.Now()
	calls := 0
	partial := func(context.Context) ([]provider.Department, error) {
		calls++
		return nil, &provider.PartialListingError{Departments: depts("hq", ""), Err: errors.New("short page")}
	}
	if err := inv.ListedSince(context.Background(), partialSince, &provider.Connection{}, partial); err != nil {
		t.Fatal(err)
	}
	if now, prev := started(); !now.Equal(second) || !prev.Equal(first) {
		t.Fatalf("a failed and a partial listing moved the listing the chart rests on: %v, %v", now, prev)
	}
	if err := inv.ListedSince(context.Background(), partialSince, &provider.Connection{}, partial); err != nil || calls != 1 {
		t.Fatalf("a caller the partial listing answers: %v after %d listings, want 1", err, calls)
	}
}

// A create rests on the department being absent: one for a Department born after the listing the
// chart rests on waits for a newer listing, unless orgsync has created a department since that
// listing began (a bulk apply lists about once, not before each create).
func TestInventoryCreateNeedsListing(t *testing.T) {
	inv := New("ns", "acme", nil)
	if inv.CreateNeedsListing(time.Now()) {
		t.Fatal("an inventory never listed asks for a listing before a create: the gathering lists it first")
	}
	beforeListing := time.Now()
	time.Sleep(time.Millisecond)
	listed(t, inv, depts("hq", ""))
	listStarted := inv.View("hq", "", false).ListStarted
	time.Sleep(time.Millisecond)
	afterListing := time.Now()
	for _, tc := range []struct {
		name string
		born time.Time
		want bool
	}{
		{"born before the listing", beforeListing, false},
		{"born as the listing started", listStarted, false},
		{"born after the listing", afterListing, true},
	} {
		if got := inv.CreateNeedsListing(tc.born); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	inv.Created(under("sales", "hq"))
	if inv.CreateNeedsListing(time.Now()) {
		t.Error("after a create since the listing: a listing asked for")
	}
}

// The quiet listing waits for the writes under way, holds new ones back at most maxWait each
// (then they are requeued), and, undisturbed, settles what is gone.
func TestInventoryQuietListingHoldsWritesBackAtMostMaxWait(t *testing.T) {
	before := depts("hq", "", "a", "hq", "b", "hq")
	missingB := depts("hq", "", "a", "hq")
	inv := New("ns", "acme", nil)
	listed(t, inv, before)
	for range QuietAfter { // listings that a write disturbed and that lacked b
		_ = inv.ListedSince(context.Background(), time.Now(), nil, func(context.Context) ([]provider.Department, error) {
			finished, _ := inv.WriteStarted(context.Background(), time.Minute)
			finished()
			return missingB, nil
		})
	}
	if inv.View("b", "hq", false).Self == nil {
		t.Fatal("a disturbed listing forgot b")
	}
	underWay, err := inv.WriteStarted(context.Background(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	listing, release, done := startListing(inv, missingB)
	select {
	case <-listing:
		t.Fatal("the quiet listing started while a write was under way")
	case <-time.After(20 * time.Millisecond):
	}
	underWay()
	underWay() // a second call ends no other write
	<-listing
	var limited *httpretry.LimitedError
	if _, err := inv.WriteStarted(context.Background(), 5*time.Millisecond); !errors.As(err, &limited) {
		t.Fatalf("a write during the quiet listing: %v, want a *httpretry.LimitedError", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if inv.View("b", "hq", false).Self != nil {
		t.Fatal("the quiet listing did not settle that b is gone")
	}
	if finished, err := inv.WriteStarted(context.Background(), time.Millisecond); err != nil {
		t.Fatalf("a write after the quiet listing: %v", err)
	} else {
		finished()
	}
	if inv.writing != 0 {
		t.Fatalf("%d writes under way, want none", inv.writing)
	}
}

// startListing starts a listing that returns ds once release is closed; reading is closed when it
// reads, done receives its result.
func startListing(inv *Inventory, ds []provider.Department) (reading, release chan struct{}, done chan error) {
	reading, release, done = make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- inv.ListedSince(context.Background(), time.Now(), nil, func(context.Context) ([]provider.Department, error) {
			close(reading)
			<-release
			return ds, nil
		})
	}()
	return reading, release, done
}

// A listing, all its pages together, runs under ListTimeout: a remote system that holds it (a
// Retry-After far ahead, pages that never end) fails it in time rather than holding the
// Organization's worker and every Department worker waiting on it.
func TestListingRunsUnderADeadline(t *testing.T) {
	inv := New("ns", "acme", nil)
	var deadline time.Time
	var hasDeadline bool
	start := time.Now()
	err := inv.ListedSince(context.Background(), start, nil, func(ctx context.Context) ([]provider.Department, error) {
		deadline, hasDeadline = ctx.Deadline()
		return depts("a"), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !hasDeadline || deadline.After(start.Add(ListTimeout+time.Second)) {
		t.Fatalf("listing deadline = %v (set %v), want at most ListTimeout (%v) ahead", deadline, hasDeadline, ListTimeout)
	}
}

// A worker waits for a slow listing at most its bound; the listing goes on without it, is not
// ended by the worker's context, and says when it ends, after which the chart rests on it.
func TestListedSinceWithinLeavesASlowListingToItself(t *testing.T) {
	inv := New("ns", "acme", nil)
	release := make(chan struct{})
	var calls atomic.Int32
	list := func(ctx context.Context) ([]provider.Department, error) {
		calls.Add(1)
		select {
		case <-release:
			return depts("a", ""), nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	err := inv.ListedSinceWithin(ctx, time.Now(), nil, list, 10*time.Millisecond)
	cancel() // the worker is done with its reconcile
	var underWay *ListingUnderWayError
	if !errors.As(err, &underWay) {
		t.Fatalf("error %v, want a *ListingUnderWayError", err)
	}
	// A second worker waits for the same listing, and gives up too.
	if err := inv.ListedSinceWithin(context.Background(), time.Time{}, nil, list, 10*time.Millisecond); !errors.As(err, new(*ListingUnderWayError)) {
		t.Fatalf("second caller: error %v, want a *ListingUnderWayError", err)
	}
	select {
	case <-underWay.Done():
		t.Fatal("Done closed before the listing ended")
	default:
	}
	close(release)
	select {
	case <-underWay.Done():
	case <-time.After(time.Minute):
		t.Fatal("Done not closed after the listing ended")
	}
	if err := inv.ListedSinceWithin(context.Background(), time.Time{}, nil, list, 10*time.Millisecond); err != nil {
		t.Fatalf("after the listing: %v", err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("%d listings, want 1", n)
	}
	if !slices.Equal(inv.Keys(), []string{"a"}) {
		t.Error("the chart does not rest on the listing that ended without its caller")
	}
}
