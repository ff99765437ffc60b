package inventory

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"

	"github.com/orgsync/orgsync/internal/provider"
)

// chart is the cache of an Organization's remote departments: what its latest complete listing
// showed, with orgsync's writes applied on top. Guarded by Inventory.mu.
type chart struct {
	// byKey holds the chart by external key; children indexes it by parent key ("" for the top).
	byKey    map[string]provider.Department
	children map[string]map[string]struct{}
}

func newChart() chart {
	return chart{byKey: map[string]provider.Department{}, children: map[string]map[string]struct{}{}}
}

func (c *chart) link(key, parentKey string) {
	if c.children[parentKey] == nil {
		c.children[parentKey] = map[string]struct{}{}
	}
	c.children[parentKey][key] = struct{}{}
}

// set records d, under its parent, in place of what the chart held for its key.
func (c *chart) set(d provider.Department) {
	if old, ok := c.byKey[d.Key]; ok {
		delete(c.children[old.ParentKey], d.Key)
	}
	c.byKey[d.Key] = d
	c.link(d.Key, d.ParentKey)
}

// drop removes key and reports what the chart held for it.
func (c *chart) drop(key string) (provider.Department, bool) {
	old, ok := c.byKey[key]
	if ok {
		delete(c.byKey, key)
		delete(c.children[old.ParentKey], key)
	}
	return old, ok
}

// reset makes listed the chart.
func (c *chart) reset(listed map[string]provider.Department) {
	c.byKey = listed
	c.children = make(map[string]map[string]struct{}, len(c.children))
	for key, d := range listed {
		c.link(key, d.ParentKey)
	}
}

func (c *chart) childrenOf(key string) []string { return slices.Sorted(maps.Keys(c.children[key])) }

// View is what one reconcile needs of the chart, copied under the lock at once.
type View struct {
	// Complete is false until a listing has completed: nothing can be concluded from the chart.
	Complete bool
	// ListStarted is when the complete listing the chart rests on began: writes answered before it
	// show in the chart as the remote system holds them, not as orgsync wrote them.
	// PrevListStarted is when the complete listing before it began: a write answered between the
	// two is shown for the first time.
	ListStarted, PrevListStarted time.Time
	// Self is the department, Parent its desired parent, when the chart holds them.
	Self, Parent *provider.Department
	// Children are the keys under the department, sorted (when asked for).
	Children []string
	// SiblingsVersion counts the changes under the desired parent and under the remote one.
	SiblingsVersion uint64
	// ParentBelow, when the desired parent is, or may be, inside the department's own remote
	// subtree (a move the remote system would refuse as a cycle until that parent moves out), is
	// the remote path from the department down to that parent.
	ParentBelow []string
	// Seq is when this look was taken, for Watch.
	Seq uint64
}

// WaitBelow is what a move that waits for its new parent to leave its subtree watches: the
// departments on the path below from the department down to, not including, that parent.
func WaitBelow(below []string) []string {
	if len(below) == 0 {
		return nil
	}
	return below[:len(below)-1]
}

// View returns the department key, its desired parent parentKey (none when empty) and, when
// asked, its children (a deleting department needs them; a live one does not, and a root may
// have thousands).
func (inv *Inventory) View(key, parentKey string, withChildren bool) View {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	v := View{Complete: inv.complete, ListStarted: inv.listStarted, PrevListStarted: inv.prevListStarted,
		SiblingsVersion: inv.versions[parentKey], Seq: inv.seq}
	if d, ok := inv.byKey[key]; ok {
		v.Self = &d
		if d.ParentKey != parentKey {
			v.SiblingsVersion += inv.versions[d.ParentKey]
			v.ParentBelow = inv.pathDownLocked(key, parentKey)
		}
	}
	if p, ok := inv.byKey[parentKey]; ok && parentKey != "" {
		v.Parent = &p
	}
	if withChildren {
		v.Children = inv.childrenOf(key)
	}
	return v
}

// SiblingNamed returns the department under parentKey ("" for the top level), other than except,
// whose name is name, if the chart holds one: the remote system's answer for a taken name is not
// documented, so the chart tells who holds it.
func (inv *Inventory) SiblingNamed(parentKey, name, except string) (provider.Department, bool) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	for key := range inv.children[parentKey] {
		if d := inv.byKey[key]; key != except && d.Name == name {
			return d, true
		}
	}
	return provider.Department{}, false
}

// Keys lists the chart's keys, sorted.
func (inv *Inventory) Keys() []string {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	return slices.Sorted(maps.Keys(inv.byKey))
}

// Summary counts the chart's departments and those that claimed does not claim, and says when
// the chart was listed (for the Organization's status).
func (inv *Inventory) Summary(claimed func(key string) bool) (total, unclaimed int32, listedAt time.Time) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	for key := range inv.byKey {
		if !claimed(key) {
			unclaimed++
		}
	}
	return int32(len(inv.byKey)), unclaimed, inv.listedAt //nolint:gosec // G115: a chart's size, far below 2^31
}

// Put records a department as a successful create or update wrote it (write-through).
func (inv *Inventory) Put(d provider.Department) {
	inv.mu.Lock()
	change := inv.newChange(true)
	if old, existed := inv.byKey[d.Key]; existed {
		// A write returns what was sent; keep what only the listing knows, and a category the
		// write left as it was (an unmanaged one is not sent).
		d.RemoteID = cmp.Or(d.RemoteID, old.RemoteID)
		d.Category = cmp.Or(d.Category, old.Category)
		inv.recordLocked(&change, d.Key, &old, &d)
	} else {
		inv.recordLocked(&change, d.Key, nil, &d)
	}
	inv.set(d)
	inv.journalLocked(journalEntry{key: d.Key, dept: d})
	inv.mu.Unlock()
	inv.announce(change)
}

// Created records a department as a successful create wrote it.
func (inv *Inventory) Created(d provider.Department) {
	inv.mu.Lock()
	inv.lastCreate = time.Now()
	inv.mu.Unlock()
	inv.Put(d)
}

// Remove records a department as deleted by a successful delete.
func (inv *Inventory) Remove(key string) {
	inv.mu.Lock()
	change := inv.newChange(true)
	if old, ok := inv.drop(key); ok {
		inv.recordLocked(&change, key, &old, nil)
	}
	inv.journalLocked(journalEntry{key: key, removed: true})
	inv.mu.Unlock()
	inv.announce(change)
}

// replaceLocked swaps in a new chart and returns how it differs from the old one.
func (inv *Inventory) replaceLocked(listed map[string]provider.Department) Change {
	change := inv.newChange(false)
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
		case !SameRemote(old, d):
			inv.recordLocked(&change, key, &old, &d)
		}
	}
	inv.reset(listed)
	return change
}

// SameRemote reports whether two listings of a department agree on every field: a listing that
// shows one differently is a change.
func SameRemote(a, b provider.Department) bool {
	return equality.Semantic.DeepEqual(a, b)
}
