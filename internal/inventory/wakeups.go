package inventory

import "k8s.io/apimachinery/pkg/types"

// wakeups are the Departments to wake at the next change under a parent key: one whose spec was
// refused (a sibling's change may now let it through), one whose move waits for a department to
// leave its subtree. Guarded by Inventory.mu.
type wakeups struct {
	watchers map[string]map[types.NamespacedName]struct{}
}

// Watch wakes the Department dept once, at the next change under any of parentKeys: a department
// appearing, going, changing or moving in or out under it, a move under it ending unmade, or a
// listing settling a move under it whose answer was lost. seen is the version of parentKeys the
// decision to wait rests on (View's SiblingsVersion or BelowVersion, MoveWaitsError's Version):
// when a change came between that decision and this call, dept is woken at once, so that no
// change is missed between looking and watching.
func (inv *Inventory) Watch(dept types.NamespacedName, seen uint64, parentKeys ...string) {
	inv.mu.Lock()
	if inv.versionLocked(parentKeys...) != seen {
		change := inv.newChange(true)
		change.Watchers = []types.NamespacedName{dept}
		inv.mu.Unlock()
		inv.announce(change)
		return
	}
	defer inv.mu.Unlock()
	for _, key := range parentKeys {
		if inv.watchers[key] == nil {
			inv.watchers[key] = map[types.NamespacedName]struct{}{}
		}
		inv.watchers[key][dept] = struct{}{}
	}
}

// wakeLocked counts a change under parentKey, adds its watchers to change and forgets them: each
// is woken once.
func (inv *Inventory) wakeLocked(change *Change, parentKey string) {
	inv.versions[parentKey]++
	for w := range inv.watchers[parentKey] {
		change.Watchers = append(change.Watchers, w)
	}
	delete(inv.watchers, parentKey)
}
