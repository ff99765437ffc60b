package inventory

import "k8s.io/apimachinery/pkg/types"

// wakeups are the Departments to wake at the next change under a parent key: one whose spec was
// refused (a sibling's change may now let it through), one whose move waits for a department to
// leave its subtree. Guarded by Inventory.mu.
type wakeups struct {
	watchers map[string]map[types.NamespacedName]struct{}
}

// Watch wakes the Department dept once, at the next change under parentKey: a department
// appearing, going, changing or moving in or out under it, a move under it ending unmade, or a
// listing settling a move under it whose answer was lost.
func (inv *Inventory) Watch(parentKey string, dept types.NamespacedName) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.watchers[parentKey] == nil {
		inv.watchers[parentKey] = map[types.NamespacedName]struct{}{}
	}
	inv.watchers[parentKey][dept] = struct{}{}
}

// wakeLocked adds the watchers of parentKey to change, and forgets them: each is woken once.
func (inv *Inventory) wakeLocked(change *Change, parentKey string) {
	for w := range inv.watchers[parentKey] {
		change.Watchers = append(change.Watchers, w)
	}
	delete(inv.watchers, parentKey)
}
