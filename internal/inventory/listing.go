package inventory

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/orgsync/orgsync/internal/httpretry"
	"github.com/orgsync/orgsync/internal/provider"
)

// ListRetry is how long a failed listing answers for the chart before another is tried.
const ListRetry = 5 * time.Second

// ListTimeout bounds one listing, all its pages and their retries together, from its first request.
// Each request is bounded by the client's request timeout and each server hold by
// --remote-max-retry-after; this bounds their sum, so that a remote system answering slowly page
// after page cannot hold the Organization's worker, and every Department worker waiting on the
// listing, for longer. A chart of ten thousand departments is a hundred pages, read in seconds at
// the default rates: five minutes leaves room for many throttled pages. A listing cut short
// fails like any other: the chart stays what the last complete one showed.
const ListTimeout = 5 * time.Minute

// QuietAfter is how many listings in a row may conclude nothing about departments they lack,
// because orgsync's own writes overlapped them, before a listing holds new writes back.
// The writes wait at most one listing (a page per hundred departments); the absence of a
// department is settled within QuietAfter+1 listings however busy the chart is.
const QuietAfter = 2

// listings coordinates the reading of the chart with orgsync's writes to it. Guarded by
// Inventory.mu.
type listings struct {
	complete bool
	// listStarted is when the complete listing the chart rests on began; listedAt when the latest
	// listing the chart took in ended; prevListStarted when the complete listing before it began.
	listStarted, listedAt, prevListStarted time.Time
	// answeredStarted is when the latest listing the chart took in began, one whose pages did not
	// add up included: callers that want a listing no older than a time wait for it (ListedSince),
	// while listStarted, which says which writes a listing shows as the remote system holds them,
	// moves only with complete ones.
	answeredStarted time.Time
	// lastCreate is when orgsync last created a department in the chart.
	lastCreate time.Time
	// inflight is the listing under way, if any; journal the writes applied while it runs, to be
	// applied again on its result (which may or may not include them).
	inflight *listing
	journal  []journalEntry
	// writing counts the remote writes under way (whatever their outcome will be).
	writing int
	// missedRun counts the latest complete listings, one after another, that a write disturbed
	// and that lacked departments the chart kept for that reason. While orgsync's writes keep
	// flowing (a delete storm), every listing overlaps one; after QuietAfter such listings the next
	// is quiet: new writes wait until it ends, so that what it lacks is gone and a department whose
	// delete answer was lost does not wait for ever.
	missedRun int
	// quiet is the quiet listing under way or waiting for the writes under way to end, if any;
	// drained is closed when the last of those ends.
	quiet   *listing
	drained chan struct{}
	// failed is the last listing if it failed: callers within ListRetry of it get its error
	// rather than a listing each.
	failed *listing
}

type listing struct {
	started time.Time
	conn    *provider.Connection
	done    chan struct{}
	err     error
	// disturbed is set when a remote write was under way at some moment of the listing: the
	// listing is read page by page, and a department that a create or delete shifted from a page
	// not yet read onto one already read is missing from it although it exists.
	disturbed bool
	quiet     bool
}

type journalEntry struct {
	key     string
	dept    provider.Department
	removed bool
}

// ListFunc reads the whole remote chart (provider.Departments.List).
type ListFunc func(context.Context) ([]provider.Department, error)

// ListedSince makes sure the chart rests on a complete listing that started at or after since,
// listing with list unless one is under way (then it waits for that one, and lists after it if it
// started too early). A listing that fails changes nothing: the chart stays what the last
// complete one showed. A listing that failed less than ListRetry ago with the same connection
// answers with its error, so that the callers of a chart that cannot be listed do not list it one
// after another; a new connection (rotated credentials) lists at once.
func (inv *Inventory) ListedSince(ctx context.Context, since time.Time, conn *provider.Connection, list ListFunc) error {
	return inv.listedSince(ctx, since, conn, list, nil, 0)
}

// ListedSinceWithin is ListedSince for a controller's worker, which must not wait on a slow or
// stalled remote host while other Organizations' work waits for a worker: the listing runs apart
// from the caller (bounded by ListTimeout, and not ended when the caller gives up), and the
// caller waits for it at most maxWait. When it has not ended by then, a *ListingUnderWayError
// says so; its Done channel is closed when the listing ends, to wake the caller's object then.
func (inv *Inventory) ListedSinceWithin(ctx context.Context, since time.Time, conn *provider.Connection, list ListFunc, maxWait time.Duration) error {
	timer := time.NewTimer(maxWait)
	defer timer.Stop()
	return inv.listedSince(ctx, since, conn, list, timer.C, maxWait)
}

// ListingUnderWayError says that the listing a caller needed did not end within the wait it
// allowed (ListedSinceWithin). The listing goes on; Done is closed when it ends.
type ListingUnderWayError struct {
	// Waited is how long the caller waited.
	Waited time.Duration
	done   <-chan struct{}
}

func (e *ListingUnderWayError) Error() string {
	return fmt.Sprintf("the remote chart is being listed (not done after %s)", e.Waited)
}

// Done is closed when the listing ends, however it ends.
func (e *ListingUnderWayError) Done() <-chan struct{} { return e.done }

// listedSince waits for a listing as ListedSince does; with giveUp (not nil), the listing runs
// in its own goroutine and the wait ends when giveUp fires.
func (inv *Inventory) listedSince(ctx context.Context, since time.Time, conn *provider.Connection, list ListFunc, giveUp <-chan time.Time, maxWait time.Duration) error {
	for {
		l, wait, err := inv.nextListing(since, conn)
		switch {
		case l != nil && giveUp == nil:
			return inv.run(ctx, l, list)
		case l != nil:
			// The caller's cancellation does not end it: other callers may be waiting for it.
			go func() { _ = inv.run(context.WithoutCancel(ctx), l, list) }()
			wait = l
		case wait == nil:
			return err
		}
		select {
		case <-wait.done:
		case <-giveUp:
			return &ListingUnderWayError{Waited: maxWait, done: wait.done}
		case <-ctx.Done():
			return ctx.Err()
		}
		if wait.err != nil && !wait.started.Before(since) {
			return wait.err
		}
	}
}

// nextListing says what a caller wanting a listing no older than since does: nothing more (all
// nil: the chart is recent enough; err: a recent failure answers), wait for the listing under way,
// or run l, recorded as the listing under way.
func (inv *Inventory) nextListing(since time.Time, conn *provider.Connection) (l, wait *listing, err error) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.complete && !inv.answeredStarted.Before(since) {
		return nil, nil, nil
	}
	if f := inv.failed; f != nil && f.conn == conn && !f.started.Before(since) && time.Since(f.started) < ListRetry {
		return nil, nil, f.err
	}
	if inv.inflight != nil {
		return nil, inv.inflight, nil
	}
	l = &listing{started: time.Now(), conn: conn, done: make(chan struct{}), disturbed: inv.writing > 0}
	inv.inflight = l
	if inv.missedRun >= QuietAfter {
		l.quiet = true
		inv.quiet = l
	}
	return l, nil, nil
}

// run makes the listing l and takes in its result.
func (inv *Inventory) run(ctx context.Context, l *listing, list ListFunc) error {
	if l.quiet {
		if err := inv.quieten(ctx, l); err != nil {
			inv.finishListing(l, nil, err)
			return err
		}
	}
	listCtx, cancel := context.WithTimeout(ctx, ListTimeout)
	depts, err := list(listCtx)
	cancel()
	var partial *provider.PartialListingError
	if !l.quiet && errors.As(err, &partial) {
		// Pages that did not add up while orgsync's writes may have shifted them (a total
		// that changed while paging, during a bulk apply): what they show exists, and the
		// chart, when there is one, takes in the departments it lacked and concludes nothing
		// else, as from a listing a write disturbed. A quiet listing has no such excuse: the
		// remote system's own pages did not add up, and that is an error.
		if inv.finishPartialListing(l, partial.Departments) {
			return nil
		}
	}
	inv.finishListing(l, depts, err)
	return err
}

// finishPartialListing ends l with the departments a listing whose pages did not add up did
// read, when the chart rests on a complete listing already: they are taken in as a listing a
// write disturbed shows them, nothing is removed, and the listing counts as one that concluded
// nothing about what is gone. It reports false, changing nothing, when there is no complete
// chart yet.
func (inv *Inventory) finishPartialListing(l *listing, read []provider.Department) bool {
	inv.mu.Lock()
	if !inv.complete {
		inv.mu.Unlock()
		return false
	}
	listed := maps.Clone(inv.byKey)
	readKeys := make(map[string]bool, len(read))
	for _, d := range read {
		listed[d.Key] = d
		readKeys[d.Key] = true
	}
	inv.mu.Unlock()
	inv.finishListingAs(l, listed, readKeys, nil, true)
	return true
}

// quieten waits until no write is under way for the quiet listing l (new ones wait for l in
// WriteStarted), and restarts l's clock then.
func (inv *Inventory) quieten(ctx context.Context, l *listing) error {
	inv.mu.Lock()
	if inv.writing > 0 {
		if inv.drained == nil {
			inv.drained = make(chan struct{})
		}
		drained := inv.drained
		inv.mu.Unlock()
		select {
		case <-drained:
		case <-ctx.Done():
			return ctx.Err()
		}
		inv.mu.Lock()
	}
	l.started, l.disturbed = time.Now(), false
	inv.mu.Unlock()
	return nil
}

// finishListing replaces the chart with a listing's result and the writes made meanwhile, and
// announces what changed.
func (inv *Inventory) finishListing(l *listing, depts []provider.Department, err error) {
	var listed map[string]provider.Department
	var read map[string]bool
	if err == nil {
		listed = make(map[string]provider.Department, len(depts))
		read = make(map[string]bool, len(depts))
		for _, d := range depts {
			listed[d.Key] = d
			read[d.Key] = true
		}
	}
	inv.finishListingAs(l, listed, read, err, false)
}

// finishListingAs ends l with the chart it listed (or err); read holds the keys the listing itself
// showed. A partial listing concluded nothing about what is gone, whatever it lacks, and says
// nothing of the writes made before it about the departments it did not read.
func (inv *Inventory) finishListingAs(l *listing, listed map[string]provider.Department, read map[string]bool, err error, partial bool) {
	inv.mu.Lock()
	l.err = err
	inv.inflight = nil
	if inv.quiet == l {
		inv.quiet = nil // the writes waiting for it go on when l.done is closed
	}
	inv.failed = nil
	journal := inv.journal
	inv.journal = nil
	var change Change
	if err != nil {
		inv.failed = l
	} else {
		change = inv.takeInLocked(l, listed, read, journal, partial)
	}
	inv.mu.Unlock()
	close(l.done)
	inv.announce(change)
}

// takeInLocked makes the chart what l listed, with the journal's writes applied on top and, when
// l may have missed departments, those it lacks kept.
func (inv *Inventory) takeInLocked(l *listing, listed map[string]provider.Department, read map[string]bool, journal []journalEntry, partial bool) Change {
	removed := map[string]bool{}
	for _, j := range journal {
		removed[j.key] = j.removed
		if j.removed {
			delete(listed, j.key)
		} else {
			listed[j.key] = j.dept
		}
	}
	missed := false
	if l.disturbed {
		// The listing may have missed departments that exist: it shows what is there, not
		// what is gone. A department it lacks stays as the chart had it, unless orgsync
		// deleted it meanwhile, until a listing no write disturbed says it is gone.
		for key, old := range inv.byKey {
			if _, ok := listed[key]; !ok && !removed[key] {
				listed[key] = old
				missed = true
			}
		}
	}
	if missed || partial {
		inv.missedRun++
	} else {
		inv.missedRun = 0
	}
	change := inv.replaceLocked(listed)
	inv.settleMovesLocked(&change, l.started, read)
	inv.complete = true
	if !partial {
		inv.prevListStarted = inv.listStarted
		inv.listStarted = l.started
	}
	inv.answeredStarted, inv.listedAt = l.started, time.Now()
	return change
}

// journalLocked records a write made while a listing runs, to apply again on its result.
func (inv *Inventory) journalLocked(j journalEntry) {
	if inv.inflight != nil {
		inv.journal = append(inv.journal, j)
	}
}

// Age is how long ago the chart was last listed; a large value when never completely.
func (inv *Inventory) Age(now time.Time) time.Duration {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if !inv.complete {
		return time.Duration(1<<62 - 1)
	}
	return now.Sub(inv.listedAt)
}

// CreateNeedsListing reports whether a create for a Department that came into being at born
// should first wait for a listing that started after it: the chart the create rests on was listed
// before the Department existed, and orgsync has created nothing in it since that listing began.
func (inv *Inventory) CreateNeedsListing(born time.Time) bool {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	return inv.complete && inv.listStarted.Before(born) && !inv.lastCreate.After(inv.listStarted)
}

// WriteStarted records a remote write under way until the returned function is called: listings
// that overlap it are not trusted to show what is gone. While a quiet listing is under way, it
// first waits for that listing to end, at most maxWait: then it fails with a
// *httpretry.LimitedError, so that the worker requeues the write rather than wait for a listing
// that may take long (a large or throttled chart) while other Organizations' work waits for a
// worker.
func (inv *Inventory) WriteStarted(ctx context.Context, maxWait time.Duration) (finished func(), err error) {
	timeout := time.NewTimer(maxWait)
	defer timeout.Stop()
	inv.mu.Lock()
	for inv.quiet != nil {
		quiet := inv.quiet
		inv.mu.Unlock()
		select {
		case <-quiet.done:
		case <-timeout.C:
			return nil, &httpretry.LimitedError{Op: "remote write", Delay: maxWait}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		inv.mu.Lock()
	}
	inv.writing++
	if inv.inflight != nil {
		inv.inflight.disturbed = true
	}
	inv.mu.Unlock()
	var once sync.Once // a second call must not end another write
	return func() { once.Do(inv.writeFinished) }, nil
}

// writeFinished ends a write WriteStarted recorded, and lets a quiet listing waiting for the last
// one go.
func (inv *Inventory) writeFinished() {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	inv.writing--
	if inv.writing == 0 && inv.drained != nil {
		close(inv.drained)
		inv.drained = nil
	}
}
