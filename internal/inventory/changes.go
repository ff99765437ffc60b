package inventory

import (
	"slices"

	"k8s.io/apimachinery/pkg/types"

	"github.com/orgsync/orgsync/internal/provider"
)

// changeVersions counts the changes under each parent key, so that a decision that depends on a
// department's siblings (a name refused as taken) can tell whether they changed since. Guarded
// by Inventory.mu.
type changeVersions struct {
	versions map[string]uint64
}

// Change names the keys of an Organization's chart that changed, and the parents they were and
// are under; the Department controller turns it into the reconciles it concerns.
type Change struct {
	Namespace, Organization string
	// Written is true for a change orgsync's own write made: the Department that wrote it knows.
	Written bool
	Keys    []string
	// Appeared are the keys that were absent before.
	Appeared []string
	Parents  []string
	// Watchers are the Departments to wake (see Watch).
	Watchers []types.NamespacedName
}

// merge is c and next as one change (they concern the same Organization and Written): each key,
// parent and watcher once.
func (c Change) merge(next Change) Change {
	c.Keys = union(c.Keys, next.Keys)
	c.Appeared = union(c.Appeared, next.Appeared)
	c.Parents = union(c.Parents, next.Parents)
	c.Watchers = union(c.Watchers, next.Watchers)
	return c
}

func union[T comparable](a, b []T) []T {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func (inv *Inventory) newChange(written bool) Change {
	return Change{Namespace: inv.namespace, Organization: inv.organization, Written: written}
}

// recordLocked adds a change of key from old to d (nil: absent) to change, counts it under both
// parents and collects the watchers of both.
func (inv *Inventory) recordLocked(change *Change, key string, old, d *provider.Department) {
	change.Keys = append(change.Keys, key)
	if old == nil {
		change.Appeared = append(change.Appeared, key)
	}
	for _, dd := range []*provider.Department{old, d} {
		if dd == nil {
			continue
		}
		change.Parents = append(change.Parents, dd.ParentKey)
		inv.versions[dd.ParentKey]++
		inv.wakeLocked(change, dd.ParentKey)
	}
}

// announce publishes change when it names a key or a Department to wake.
func (inv *Inventory) announce(change Change) {
	if (len(change.Keys) > 0 || len(change.Watchers) > 0) && inv.publish != nil {
		inv.publish(change)
	}
}
