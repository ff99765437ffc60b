package inventory

import (
	"context"
	"slices"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/orgsync/orgsync/internal/provider"
)

// A change names the keys, the parents and the watchers it concerns, and says whether orgsync's
// own write made it.
func TestInventoryAnnouncesChanges(t *testing.T) {
	var changes []Change
	inv := New("ns", "acme", func(c Change) { changes = append(changes, c) })
	_ = inv.ListedSince(context.Background(), time.Time{}, nil, func(context.Context) ([]provider.Department, error) {
		return depts("hq", "", "eng", "hq"), nil
	})
	waiter := types.NamespacedName{Namespace: "ns", Name: "rejected"}
	watchNow(inv, waiter, "hq")
	changes = nil

	// Renamed by hand: the next listing announces the key, its parent and the watcher under it.
	renamed := depts("hq", "", "eng", "hq")
	renamed[1].Name = "By hand"
	before := inv.View("x", "hq", false).SiblingsVersion
	_ = inv.ListedSince(context.Background(), time.Now(), nil, func(context.Context) ([]provider.Department, error) { return renamed, nil })
	if len(changes) != 1 || !slices.Equal(changes[0].Keys, []string{"eng"}) || !slices.Contains(changes[0].Parents, "hq") ||
		!slices.Equal(changes[0].Watchers, []types.NamespacedName{waiter}) || len(changes[0].Appeared) != 0 || changes[0].Written {
		t.Fatalf("changes = %+v", changes)
	}
	if inv.View("x", "hq", false).SiblingsVersion == before {
		t.Fatal("a change under hq left its version as it was")
	}

	changes = nil
	inv.Put(provider.Department{Key: "sales", ParentKey: "hq"})
	if len(changes) != 1 || !slices.Equal(changes[0].Appeared, []string{"sales"}) || len(changes[0].Watchers) != 0 || !changes[0].Written {
		t.Fatalf("a create announced %+v (the watcher is woken once)", changes)
	}
}

// A change under a parent key counts under it: a department that appears, goes, changes or moves
// counts under its old parent and its new one, and under no other.
func TestInventoryCountsChangesUnderBothParents(t *testing.T) {
	inv := New("ns", "acme", nil)
	listed(t, inv, depts("hq", "", "sales", "hq", "eng", "hq", "ops", ""))
	version := func(parent string) uint64 { return inv.View("nobody", parent, false).SiblingsVersion }
	// In order: each case starts from the chart the one before left.
	for _, tc := range []struct {
		name        string
		change      func()
		changed     []string
		unchangedTo []string
	}{
		{"a create", func() { inv.Put(under("new", "ops")) }, []string{"ops"}, []string{"hq", ""}},
		{"a delete", func() { inv.Remove("eng") }, []string{"hq"}, []string{"ops", ""}},
		{"a move", func() { inv.Put(under("sales", "ops")) }, []string{"hq", "ops"}, []string{""}},
		{"a listing shows one", func() { listed(t, inv, depts("hq", "", "sales", "ops", "ops", "", "x", "hq")) }, []string{"hq", "ops"}, []string{""}},
		{"a listing shows nothing new", func() { listed(t, inv, depts("hq", "", "sales", "ops", "ops", "", "x", "hq")) }, nil, []string{"hq", "ops", ""}},
	} {
		name := tc.name
		before := map[string]uint64{}
		for _, p := range append(slices.Clone(tc.changed), tc.unchangedTo...) {
			before[p] = version(p)
		}
		tc.change()
		for _, p := range tc.changed {
			if version(p) == before[p] {
				t.Errorf("%s: the version under %q is as it was", name, p)
			}
		}
		for _, p := range tc.unchangedTo {
			if version(p) != before[p] {
				t.Errorf("%s: the version under %q changed", name, p)
			}
		}
	}
}

// A Department that watches a parent key is woken once, at the next change under it, and not by
// changes elsewhere; a listing that changes nothing announces nothing.
func TestInventoryWakesAWatcherOnceAndAnnouncesOnlyChanges(t *testing.T) {
	var changes []Change
	inv := New("ns", "acme", func(c Change) { changes = append(changes, c) })
	chart := depts("hq", "", "eng", "hq", "ops", "")
	listed(t, inv, chart)
	waiter := types.NamespacedName{Namespace: "ns", Name: "waiter"}
	watchNow(inv, waiter, "hq")
	changes = nil

	listed(t, inv, chart)
	inv.Put(under("new", "ops"))
	inv.Put(under("eng", "hq")) // as the chart holds it: a write, announced, under hq
	inv.Put(under("more", "hq"))
	var woken []types.NamespacedName
	for _, c := range changes {
		woken = append(woken, c.Watchers...)
	}
	if len(changes) != 3 || !slices.Equal(woken, []types.NamespacedName{waiter}) || len(changes[1].Watchers) != 1 {
		t.Fatalf("changes %+v: want the three writes, the watcher woken by the first under hq only", changes)
	}
}

// Changes merged while the Department controller is busy name every key, parent and watcher of
// each, once, and a listing's changes are not merged into a write's (the holders of the keys a
// listing changed are woken; a writer knows what it wrote).
func TestInventoriesCoalesceChangesPerOrganization(t *testing.T) {
	s := NewInventories()
	acme := s.Of("uid-acme", "ns", "acme")
	listed(t, acme, depts("hq", ""))
	for i := range 500 {
		acme.Put(under("hq", "")) // the same key, over and over
		acme.Put(under([]string{"a", "b", "c"}[i%3], "hq"))
	}
	if p := s.changes.Pending(); p > 2 {
		t.Fatalf("%d changes pending for one Organization's listing and writes, want at most 2", p)
	}
	written := map[string]bool{}
	deadline := time.After(5 * time.Second)
	for len(written) < 4 {
		select {
		case e := <-s.Changes():
			if !e.Object.Written {
				continue // the first listing
			}
			for _, k := range e.Object.Keys {
				written[k] = true
			}
			if n := len(e.Object.Keys); n > 4 {
				t.Fatalf("a merged change names %d keys, want each of hq, a, b, c once: %v", n, e.Object.Keys)
			}
		case <-deadline:
			t.Fatalf("keys written and announced: %v, want hq, a, b, c", written)
		}
	}
}

func TestChangeMergeKeepsEachOnce(t *testing.T) {
	w := types.NamespacedName{Name: "w"}
	a := Change{Keys: []string{"x"}, Appeared: []string{"x"}, Parents: []string{"p"}, Watchers: []types.NamespacedName{w}}
	b := Change{Keys: []string{"x", "y"}, Parents: []string{"p", "q"}, Watchers: []types.NamespacedName{w}}
	got := a.merge(b)
	if !slices.Equal(got.Keys, []string{"x", "y"}) || !slices.Equal(got.Appeared, []string{"x"}) ||
		!slices.Equal(got.Parents, []string{"p", "q"}) || len(got.Watchers) != 1 {
		t.Fatalf("merged %+v", got)
	}
	if len(a.Keys) != 1 {
		t.Fatal("merge changed the pending change's slices in place")
	}
}

// What only a listing knows (the remote ID) and a category the write left as it was survive a
// write that returns what was sent.
func TestInventoryPutKeepsWhatOnlyTheListingKnows(t *testing.T) {
	inv := New("ns", "acme", nil)
	listedDept := provider.Department{Key: "eng", Name: "Eng", RemoteID: "r-17", Category: "team"}
	listed(t, inv, []provider.Department{listedDept})
	inv.Put(provider.Department{Key: "eng", Name: "Engineering"})
	if got := *inv.View("eng", "", false).Self; got.RemoteID != "r-17" || got.Category != "team" || got.Name != "Engineering" {
		t.Fatalf("after the write: %+v", got)
	}
	inv.Put(provider.Department{Key: "eng", Name: "Engineering", Category: "division"})
	if got := inv.View("eng", "", false).Self.Category; got != "division" {
		t.Fatalf("a category the write set: %q", got)
	}
}

// watchNow watches parentKey for dept from the chart as it is now.
func watchNow(inv *Inventory, dept types.NamespacedName, parentKey string) {
	inv.Watch(dept, inv.View("", parentKey, false).Seq, parentKey)
}

// A Department decides to wait from one look at the chart and watches after it: a change that
// comes in between, which would have woken it had it been watching, wakes it as it starts to
// watch, once (the wake-up a move that waited for its new parent to leave its subtree lost when
// the parent's own move ended between the two, and the Department waited for the resync).
func TestInventoryWatchMissesNoChangeBetweenLookingAndWatching(t *testing.T) {
	for name, tc := range map[string]struct {
		between  func(inv *Inventory)
		wantWake bool
	}{
		"the parent moves out of the subtree": {between: func(inv *Inventory) { inv.Put(under("c", "")) }, wantWake: true},
		"a department appears under the path": {between: func(inv *Inventory) { inv.Put(under("new", "b")) }, wantWake: true},
		"a move under the path ends unmade": {between: func(inv *Inventory) {
			_, _ = inv.Update(under("z", "b"), func() (provider.Department, error) { return provider.Department{}, provider.ErrInvalid })
		}, wantWake: true},
		"a change elsewhere": {between: func(inv *Inventory) { inv.Put(under("elsewhere", "")) }},
		"nothing":            {between: func(*Inventory) {}},
	} {
		t.Run(name, func(t *testing.T) {
			var woken []types.NamespacedName
			inv := New("ns", "acme", func(c Change) { woken = append(woken, c.Watchers...) })
			listed(t, inv, depts("a", "", "b", "a", "c", "b", "z", ""))
			// a wants to go under c, which is under a: it waits for c to leave.
			v := inv.View("a", "c", false)
			if !slices.Equal(v.ParentBelow, []string{"a", "b", "c"}) {
				t.Fatalf("ParentBelow %v, want a > b > c", v.ParentBelow)
			}
			tc.between(inv)
			waiter := types.NamespacedName{Namespace: "ns", Name: "a"}
			inv.Watch(waiter, v.Seq, WaitBelow(v.ParentBelow)...)
			if got := slices.Equal(woken, []types.NamespacedName{waiter}); got != tc.wantWake || (!tc.wantWake && len(woken) > 0) {
				t.Fatalf("woken %v as it started to watch; want woken: %t", woken, tc.wantWake)
			}
			// Either way it is woken once, at most, by the next change under the path.
			woken = nil
			inv.Put(under("later", "a"))
			if want := !tc.wantWake; (len(woken) == 1) != want || len(woken) > 1 {
				t.Fatalf("woken %v by the next change; want woken once: %t", woken, want)
			}
		})
	}
}

// A move that ends unmade, or a listing that settles one whose answer was lost, wakes the
// Departments watching under its new parent, but changes nothing there: a refused name that
// depends on the departments under it still stands (SiblingsVersion is unchanged).
func TestInventoryWakeUpsThatChangeNothingLeaveSiblingsVersion(t *testing.T) {
	var woken []types.NamespacedName
	inv := New("ns", "acme", func(c Change) { woken = append(woken, c.Watchers...) })
	chart := depts("hq", "", "eng", "hq", "z", "")
	listed(t, inv, chart)
	waiter := types.NamespacedName{Namespace: "ns", Name: "refused"}
	before := inv.View("refused", "hq", false)
	watchNow(inv, waiter, "hq")
	if _, err := inv.Update(under("z", "hq"), func() (provider.Department, error) { return provider.Department{}, provider.ErrInvalid }); err == nil {
		t.Fatal("the refused move succeeded")
	}
	after := inv.View("refused", "hq", false)
	if !slices.Equal(woken, []types.NamespacedName{waiter}) || after.SiblingsVersion != before.SiblingsVersion {
		t.Fatalf("woken %v, SiblingsVersion %d -> %d: want the watcher woken and the version as it was", woken, before.SiblingsVersion, after.SiblingsVersion)
	}
}
