package controller

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/orgsync/orgsync/internal/httpretry"
	"github.com/orgsync/orgsync/internal/provider"
)

// inventory is the remote chart of one Organization: what its latest complete listing showed,
// with every successful write made since applied on top (write-through). Departments decide
// existence, parent presence, drift and adoption from it instead of reading departments one at a
// time. Safe for concurrent use.
type inventory struct {
	namespace, organization string
	notify                  func(inventoryChange)

	mu sync.Mutex
	// byKey holds the chart by external key; children indexes it by parent key ("" for the top).
	byKey    map[string]provider.Department
	children map[string]map[string]struct{}
	// versions counts the changes under each parent key, so that a decision that depends on a
	// department's siblings can tell whether they changed since.
	versions map[string]uint64
	complete bool
	// listStarted is when the listing the chart rests on began; listedAt when it ended;
	// prevListStarted when the complete listing before it began.
	listStarted, listedAt, prevListStarted time.Time
	// answeredStarted is when the latest listing the chart took in began, one whose pages did not
	// add up included: callers that want a listing no older than a time wait for it (listedSince),
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
	// flowing (a delete storm), every listing overlaps one; after quietAfter such listings the next
	// is quiet: new writes wait until it ends, so that what it lacks is gone and a department whose
	// delete answer was lost does not wait for ever.
	missedRun int
	// quiet is the quiet listing under way or waiting for the writes under way to end, if any;
	// drained is closed when the last of those ends.
	quiet   *listing
	drained chan struct{}
	// failed is the last listing if it failed: callers within listRetry of it get its error
	// rather than a listing each.
	failed *listing
	// watchers are Departments to wake when anything changes under a parent key (a rejected
	// spec that a sibling's change may now let through).
	watchers map[string]map[types.NamespacedName]struct{}
	// moving holds the moves under way, and those whose write failed in a way that leaves open
	// whether it was made, by department key. Two moves decided at once from the same chart may
	// each be possible alone and form a cycle together, so the chart's paths are walked with
	// each of these departments under its new parent as well as under its listed one.
	moving map[string]move
}

// move is a write that may have moved a department under parent. ended is when its write failed
// without saying whether it was made (zero while under way): a listing started after it tells.
type move struct {
	parent string
	ended  time.Time
}

// listRetry is how long a failed listing answers for the chart before another is tried.
const listRetry = 5 * time.Second

// quietAfter is how many listings in a row may conclude nothing about departments they lack,
// because orgsync's own writes overlapped them, before a listing holds new writes back.
// The writes wait at most one listing (a page per hundred departments); the absence of a
// department is settled within quietAfter+1 listings however busy the chart is.
const quietAfter = 2

type listing struct {
	started time.Time
	conn    *provider.Connection
	done    chan struct{}
	err     error
	// disturbed is set when a remote write was under way at some moment of the listing: the
	// listing is read page by page, and a department that a create or delete shifted from a page
	// not yet read onto one already read is missing from it although it exists.
	disturbed bool
}

type journalEntry struct {
	key     string
	dept    provider.Department
	removed bool
}

// inventoryChange names the keys of an Organization's chart that changed, and the parents they
// were and are under; the Department controller turns it into the reconciles it concerns.
type inventoryChange struct {
	namespace, organization string
	// written is true for a change orgsync's own write made: the Department that wrote it knows.
	written bool
	keys    []string
	// appeared are the keys that were absent before.
	appeared []string
	parents  []string
	watchers []types.NamespacedName
}

// remoteView is what one reconcile needs of the chart, copied under the lock at once.
type remoteView struct {
	complete bool
	// listStarted is when the listing the chart rests on began: writes answered before it show in
	// the chart as the remote system holds them, not as orgsync wrote them. prevListStarted is
	// when the complete listing before it began: a write answered between the two is shown for
	// the first time.
	listStarted, prevListStarted time.Time
	self                         *provider.Department
	parent                       *provider.Department
	// children are the keys under the department, sorted.
	children []string
	// siblingsVersion counts the changes under the desired parent and under the remote one.
	siblingsVersion uint64
	// parentBelow, when the desired parent is remotely inside the department's own subtree (a
	// move that the remote system would refuse as a cycle until that parent moves out), is the
	// remote path from the department down to that parent.
	parentBelow []string
}

func newInventory(namespace, organization string, notify func(inventoryChange)) *inventory {
	return &inventory{
		namespace: namespace, organization: organization, notify: notify,
		byKey: map[string]provider.Department{}, children: map[string]map[string]struct{}{},
		versions: map[string]uint64{}, watchers: map[string]map[types.NamespacedName]struct{}{},
		moving: map[string]move{},
	}
}

// view returns the department key, its parent parentKey (none when empty) and, when asked, its
// children (a deleting department needs them; a live one does not, and a root may have thousands).
func (inv *inventory) view(key, parentKey string, withChildren bool) remoteView {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	v := remoteView{complete: inv.complete, listStarted: inv.listStarted, prevListStarted: inv.prevListStarted, siblingsVersion: inv.versions[parentKey]}
	if d, ok := inv.byKey[key]; ok {
		v.self = &d
		if d.ParentKey != parentKey {
			v.siblingsVersion += inv.versions[d.ParentKey]
			v.parentBelow = inv.pathDownLocked(key, parentKey)
		}
	}
	if parentKey != "" {
		if p, ok := inv.byKey[parentKey]; ok {
			v.parent = &p
		}
	}
	if withChildren {
		v.children = slices.Sorted(maps.Keys(inv.children[key]))
	}
	return v
}

// siblingNamed returns the department under parentKey ("" for the top level), other than except,
// whose name is name, if the chart holds one.
func (inv *inventory) siblingNamed(parentKey, name, except string) (provider.Department, bool) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	for key := range inv.children[parentKey] {
		if d := inv.byKey[key]; key != except && d.Name == name {
			return d, true
		}
	}
	return provider.Department{}, false
}

// pathDownLocked returns the remote path from key down to below (both included) when below is, or
// may be, in key's remote subtree, else nil: the walk up from below follows each department's
// listed parent and, for one whose move is under way or undecided, its new parent too. It ends at
// the top, at departments the chart lacks, and at departments already walked (a remote cycle made
// by hand).
func (inv *inventory) pathDownLocked(key, below string) []string {
	if _, ok := inv.byKey[below]; !ok || below == key {
		return nil
	}
	child := map[string]string{below: ""} // each department walked, by the one it was reached from
	for queue := []string{below}; len(queue) > 0; queue = queue[1:] {
		k := queue[0]
		parents := []string{inv.byKey[k].ParentKey}
		if m, ok := inv.moving[k]; ok {
			parents = append(parents, m.parent)
		}
		for _, p := range parents {
			if p == key {
				path := []string{key}
				for at := k; at != ""; at = child[at] {
					path = append(path, at)
				}
				return path
			}
			if _, seen := child[p]; seen || p == "" {
				continue
			}
			if _, ok := inv.byKey[p]; !ok {
				continue
			}
			child[p] = k
			queue = append(queue, p)
		}
	}
	return nil
}

// startMove records a write that may move key under parent as under way, unless parent is, or may
// be, inside key's subtree: then it returns the path down to parent and records nothing. started
// says whether finishMove must be called.
func (inv *inventory) startMove(key, parent string) (below []string, started bool) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if d, ok := inv.byKey[key]; !ok || d.ParentKey == parent {
		return nil, false
	}
	if below := inv.pathDownLocked(key, parent); below != nil {
		return below, false
	}
	inv.moving[key] = move{parent: parent}
	return nil, true
}

// finishMove ends a move startMove recorded. One that was made is in the chart already (put); one
// that may or may not have been made stays until a listing that started after it; one that was
// not made is forgotten, and the Departments waiting for the departments under its new parent are
// woken (nothing changed that a listing or a put would announce).
func (inv *inventory) finishMove(key, parent string, moved, mayHaveMoved bool) {
	inv.mu.Lock()
	change := inventoryChange{namespace: inv.namespace, organization: inv.organization, written: true}
	switch {
	case moved:
		delete(inv.moving, key)
	case mayHaveMoved:
		inv.moving[key] = move{parent: parent, ended: time.Now()}
	default:
		delete(inv.moving, key)
		inv.wakeLocked(&change, parent)
	}
	inv.mu.Unlock()
	inv.announce(change)
}

// wakeLocked adds the watchers of parentKey to change, once.
func (inv *inventory) wakeLocked(change *inventoryChange, parentKey string) {
	for w := range inv.watchers[parentKey] {
		change.watchers = append(change.watchers, w)
	}
	delete(inv.watchers, parentKey)
}

// summary counts the chart's departments and those that claimed does not claim, and says when
// the chart was listed.
func (inv *inventory) summary(claimed func(key string) bool) (total, unclaimed int32, listedAt time.Time) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	for key := range inv.byKey {
		if !claimed(key) {
			unclaimed++
		}
	}
	return int32(len(inv.byKey)), unclaimed, inv.listedAt //nolint:gosec // G115: a chart's size, far below 2^31
}

// age is how long ago the chart was last listed completely; a large value when never.
func (inv *inventory) age(now time.Time) time.Duration {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if !inv.complete {
		return time.Duration(1<<62 - 1)
	}
	return now.Sub(inv.listedAt)
}

// listedSince makes sure the chart rests on a complete listing that started at or after since,
// listing with list unless one is under way that started late enough (then it waits for that one).
// A listing that fails changes nothing: the chart stays what the last complete one showed.
// A listing that failed less than listRetry ago with the same connection answers with its error,
// so that the callers of a chart that cannot be listed do not list it one after another; a new
// connection (rotated credentials) lists at once.
func (inv *inventory) listedSince(ctx context.Context, since time.Time, conn *provider.Connection, list func(context.Context) ([]provider.Department, error)) error {
	for {
		inv.mu.Lock()
		if inv.complete && !inv.answeredStarted.Before(since) {
			inv.mu.Unlock()
			return nil
		}
		if f := inv.failed; f != nil && f.conn == conn && !f.started.Before(since) && time.Since(f.started) < listRetry {
			inv.mu.Unlock()
			return f.err
		}
		if l := inv.inflight; l != nil {
			inv.mu.Unlock()
			select {
			case <-l.done:
			case <-ctx.Done():
				return ctx.Err()
			}
			if l.err != nil && !l.started.Before(since) {
				return l.err
			}
			continue
		}
		l := &listing{started: time.Now(), conn: conn, done: make(chan struct{}), disturbed: inv.writing > 0}
		inv.inflight = l
		quiet := inv.missedRun >= quietAfter
		if quiet {
			inv.quiet = l
		}
		inv.mu.Unlock()

		if quiet {
			if err := inv.quieten(ctx, l); err != nil {
				inv.finishListing(l, nil, err)
				return err
			}
		}
		depts, err := list(ctx)
		var partial *provider.PartialListingError
		if !quiet && errors.As(err, &partial) {
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
}

// finishPartialListing ends l with the departments a listing whose pages did not add up did
// read, when the chart rests on a complete listing already: they are taken in as a listing a
// write disturbed shows them, nothing is removed, and the listing counts as one that concluded
// nothing about what is gone. It reports false, changing nothing, when there is no complete
// chart yet.
func (inv *inventory) finishPartialListing(l *listing, read []provider.Department) bool {
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
// writeStarted), and restarts l's clock then.
func (inv *inventory) quieten(ctx context.Context, l *listing) error {
	inv.mu.Lock()
	if inv.writing == 0 {
		l.started, l.disturbed = time.Now(), false
		inv.mu.Unlock()
		return nil
	}
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
	l.started, l.disturbed = time.Now(), false
	inv.mu.Unlock()
	return nil
}

// finishListing replaces the chart with a listing's result and the writes made meanwhile, and
// announces what changed.
func (inv *inventory) finishListing(l *listing, depts []provider.Department, err error) {
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
func (inv *inventory) finishListingAs(l *listing, listed map[string]provider.Department, read map[string]bool, err error, partial bool) {
	inv.mu.Lock()
	l.err = err
	inv.inflight = nil
	if inv.quiet == l {
		inv.quiet = nil // the writes waiting for it go on when l.done is closed
	}
	inv.failed = nil
	if err != nil {
		inv.failed = l
	}
	journal := inv.journal
	inv.journal = nil
	var change inventoryChange
	if err == nil {
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
		change = inv.replaceLocked(listed)
		for key, m := range inv.moving {
			// A listing that shows the department tells whether an undecided move was made;
			// either way, it is decided.
			if !m.ended.IsZero() && m.ended.Before(l.started) && read[key] {
				delete(inv.moving, key)
				inv.wakeLocked(&change, m.parent)
			}
		}
		inv.complete = true
		if !partial {
			inv.prevListStarted = inv.listStarted
			inv.listStarted = l.started
		}
		inv.answeredStarted, inv.listedAt = l.started, time.Now()
	}
	inv.mu.Unlock()
	close(l.done)
	inv.announce(change)
}

// replaceLocked swaps in a new chart and returns how it differs from the old one.
func (inv *inventory) replaceLocked(listed map[string]provider.Department) inventoryChange {
	change := inventoryChange{namespace: inv.namespace, organization: inv.organization}
	for key, old := range inv.byKey {
		if _, ok := listed[key]; !ok {
			inv.recordLocked(&change, key, &old, nil)
		}
	}
	for key, d := range listed {
		old, existed := inv.byKey[key]
		switch {
		case !existed:
			inv.recordLocked(&change, key, nil, &d)
		case !sameRemote(old, d):
			inv.recordLocked(&change, key, &old, &d)
		}
	}
	inv.byKey = listed
	inv.children = make(map[string]map[string]struct{}, len(inv.children))
	for key, d := range listed {
		inv.linkLocked(key, d.ParentKey)
	}
	return change
}

// put records a department as a successful create or update wrote it.
func (inv *inventory) put(d provider.Department) {
	inv.mu.Lock()
	change := inventoryChange{namespace: inv.namespace, organization: inv.organization, written: true}
	old, existed := inv.byKey[d.Key]
	if existed {
		// A write returns what was sent; keep what only the listing knows, and a category the
		// write left as it was (an unmanaged one is not sent).
		d.RemoteID = cmp.Or(d.RemoteID, old.RemoteID)
		d.Category = cmp.Or(d.Category, old.Category)
		delete(inv.children[old.ParentKey], d.Key)
		inv.recordLocked(&change, d.Key, &old, &d)
	} else {
		inv.recordLocked(&change, d.Key, nil, &d)
	}
	inv.byKey[d.Key] = d
	inv.linkLocked(d.Key, d.ParentKey)
	if inv.inflight != nil {
		inv.journal = append(inv.journal, journalEntry{key: d.Key, dept: d})
	}
	inv.mu.Unlock()
	inv.announce(change)
}

// created records a department as a successful create wrote it.
func (inv *inventory) created(d provider.Department) {
	inv.mu.Lock()
	inv.lastCreate = time.Now()
	inv.mu.Unlock()
	inv.put(d)
}

// createNeedsListing reports whether a create for a Department that came into being at born
// should first wait for a listing that started after it: the chart the create rests on was listed
// before the Department existed, and orgsync has created nothing in it since that listing began.
func (inv *inventory) createNeedsListing(born time.Time) bool {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	return inv.complete && inv.listStarted.Before(born) && !inv.lastCreate.After(inv.listStarted)
}

// remove records a department as deleted.
func (inv *inventory) remove(key string) {
	inv.mu.Lock()
	change := inventoryChange{namespace: inv.namespace, organization: inv.organization, written: true}
	if old, ok := inv.byKey[key]; ok {
		delete(inv.byKey, key)
		delete(inv.children[old.ParentKey], key)
		inv.recordLocked(&change, key, &old, nil)
	}
	if inv.inflight != nil {
		inv.journal = append(inv.journal, journalEntry{key: key, removed: true})
	}
	inv.mu.Unlock()
	inv.announce(change)
}

// writeStarted records a remote write under way until the returned function is called: listings
// that overlap it are not trusted to show what is gone. While a quiet listing is under way, it
// first waits for that listing to end, at most maxWait: then it fails with a *LimitedError, so
// that the worker requeues the write rather than wait for a listing that may take long (a large
// or throttled chart) while other Organizations' work waits for a worker.
func (inv *inventory) writeStarted(ctx context.Context, maxWait time.Duration) (finished func(), err error) {
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
	return func() {
		inv.mu.Lock()
		defer inv.mu.Unlock()
		inv.writing--
		if inv.writing == 0 && inv.drained != nil {
			close(inv.drained)
			inv.drained = nil
		}
	}, nil
}

// watch wakes the Department dept at the next change under parentKey.
func (inv *inventory) watch(parentKey string, dept types.NamespacedName) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.watchers[parentKey] == nil {
		inv.watchers[parentKey] = map[types.NamespacedName]struct{}{}
	}
	inv.watchers[parentKey][dept] = struct{}{}
}

// recordLocked adds a change of key from old to d (nil: absent) to change, counts it under both
// parents and collects the watchers of both.
func (inv *inventory) recordLocked(change *inventoryChange, key string, old, d *provider.Department) {
	change.keys = append(change.keys, key)
	if old == nil {
		change.appeared = append(change.appeared, key)
	}
	for _, dd := range []*provider.Department{old, d} {
		if dd == nil {
			continue
		}
		change.parents = append(change.parents, dd.ParentKey)
		inv.versions[dd.ParentKey]++
		inv.wakeLocked(change, dd.ParentKey)
	}
}

func (inv *inventory) linkLocked(key, parentKey string) {
	if inv.children[parentKey] == nil {
		inv.children[parentKey] = map[string]struct{}{}
	}
	inv.children[parentKey][key] = struct{}{}
}

func (inv *inventory) announce(change inventoryChange) {
	if (len(change.keys) > 0 || len(change.watchers) > 0) && inv.notify != nil {
		inv.notify(change)
	}
}

// sameRemote reports whether two listings of a department agree on every field.
func sameRemote(a, b provider.Department) bool {
	return equality.Semantic.DeepEqual(a, b)
}

// Inventories holds the inventory of every Organization this manager syncs, and the channel on
// which their changes reach the Department controller.
type Inventories struct {
	mu     sync.Mutex
	byOrg  map[types.UID]*inventory
	events chan event.TypedGenericEvent[inventoryChange]
}

// NewInventories returns an empty registry.
func NewInventories() *Inventories {
	return &Inventories{byOrg: map[types.UID]*inventory{}, events: make(chan event.TypedGenericEvent[inventoryChange], 1024)}
}

// of returns the inventory of the Organization with uid, named namespace/name.
func (s *Inventories) of(uid types.UID, namespace, name string) *inventory {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv, ok := s.byOrg[uid]
	if !ok {
		inv = newInventory(namespace, name, s.publish)
		s.byOrg[uid] = inv
	}
	return inv
}

// forget drops the inventory of the Organization with uid.
func (s *Inventories) forget(uid types.UID) {
	s.mu.Lock()
	delete(s.byOrg, uid)
	s.mu.Unlock()
}

// publish hands change to the Department controller without holding up the writer when the
// controller is busy.
func (s *Inventories) publish(change inventoryChange) {
	e := event.TypedGenericEvent[inventoryChange]{Object: change}
	select {
	case s.events <- e:
	default:
		go func() { s.events <- e }()
	}
}
