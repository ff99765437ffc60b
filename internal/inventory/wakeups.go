package inventory

import "k8s.io/apimachinery/pkg/types"

// wakeups are the Departments to wake at the next change under a parent key: one whose spec was
// refused (a sibling's change may now let it through), one whose move waits for a department to
// leave its subtree. seq counts the wake-ups of every key, and woken records, by parent key, the
// seq of its last one, so that a Department that decided to wait from a look at the chart (View's
// Seq, MoveWaitsError's Seq) is woken at once when a wake-up came under its keys before it
// watched. Guarded by Inventory.mu.
type wakeups struct {
	watchers map[string]map[types.NamespacedName]struct{}
	seq      uint64
	woken    map[string]uint64
}

// Watch wakes the Department dept at the next change under one of parentKeys (a later one under
// another may wake it again: a wake-up is a hint to look, never a conclusion): a department
// appearing, going, changing or moving in or out under it, a move under it ending unmade or
// replaced, or a listing settling a move under it whose answer was lost. seen is the Seq of the
// look the decision to wait rests on (View, MoveWaitsError): when such a change came under
// parentKeys since, dept is woken at once, so that no change is missed between looking and
// watching.
func (inv *Inventory) Watch(dept types.NamespacedName, seen uint64, parentKeys ...string) {
	inv.mu.Lock()
	for _, key := range parentKeys {
		if inv.woken[key] > seen {
			change := inv.newChange(true)
			change.Watchers = []types.NamespacedName{dept}
			inv.mu.Unlock()
			inv.announce(change)
			return
		}
	}
	defer inv.mu.Unlock()
	for _, key := range parentKeys {
		if inv.watchers[key] == nil {
			inv.watchers[key] = map[types.NamespacedName]struct{}{}
		}
		inv.watchers[key][dept] = struct{}{}
	}
}

// wakeLocked records a wake-up under parentKey, adds its watchers to change and forgets them: each
// is woken once.
func (inv *Inventory) wakeLocked(change *Change, parentKey string) {
	inv.seq++
	inv.woken[parentKey] = inv.seq
	for w := range inv.watchers[parentKey] {
		change.Watchers = append(change.Watchers, w)
	}
	delete(inv.watchers, parentKey)
}
