package decision

import (
	"iter"
	"maps"
	"slices"
	"strings"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// UnmanagedSuffix marks, in a message, a remote department that no Department claims.
const UnmanagedSuffix = " (no Department)"

// ClaimsFirst orders the Departments that claim one external key: live before deleting, then
// v1alpha1.ClaimsBefore (the older, then by name: never the status). The first
// holds the key, so the outcome depends on neither the order of the cache nor of reconciles.
func ClaimsFirst(a, b *v1alpha1.Department) bool {
	if aLive, bLive := a.DeletionTimestamp.IsZero(), b.DeletionTimestamp.IsZero(); aLive != bLive {
		return aLive
	}
	return v1alpha1.ClaimsBefore(a, b)
}

// Holder returns the Department that holds a key among its claimants (the Departments of one
// Organization whose key it is): the first by ClaimsFirst, so a live one whenever one claims
// it; nil when none does.
func Holder(claimants iter.Seq[*v1alpha1.Department]) *v1alpha1.Department {
	var holder *v1alpha1.Department
	for c := range claimants {
		if holder == nil || ClaimsFirst(c, holder) {
			holder = c
		}
	}
	return holder
}

// LiveHolder is Holder when the holder is live: the Department that writes the key; nil when
// only deleting Departments claim it.
func LiveHolder(claimants iter.Seq[*v1alpha1.Department]) *v1alpha1.Department {
	if h := Holder(claimants); h != nil && h.DeletionTimestamp.IsZero() {
		return h
	}
	return nil
}

// Each yields a pointer to each Department of depts, for Holder.
func Each(depts []v1alpha1.Department) iter.Seq[*v1alpha1.Department] {
	return func(yield func(*v1alpha1.Department) bool) {
		for i := range depts {
			if !yield(&depts[i]) {
				return
			}
		}
	}
}

// KeyHolder returns, among the claimants of dept's key (dept among them), the Department that
// holds it and, for a deleting dept, the live Department that takes the key over from it (a
// rename in Git, or a lost conflict), if any.
func KeyHolder(claimants []v1alpha1.Department, dept *v1alpha1.Department) (holder, successor *v1alpha1.Department) {
	holder = Holder(Each(claimants))
	if !dept.DeletionTimestamp.IsZero() {
		// dept is not live: the live holder, if any, is another Department.
		successor = LiveHolder(Each(claimants))
	}
	return holder, successor
}

// Blame names, for a message, the remote department key that blocks a deletion: by the
// Department that holds it (live or deleting: it is its to delete), or as "key (no
// Department)". The manager's DeletionBlocked and `kubectl orgsync plan` name the same one.
func Blame(key string, claimants iter.Seq[*v1alpha1.Department]) string {
	if h := Holder(claimants); h != nil {
		return h.Name
	}
	return key + UnmanagedSuffix
}

// Unmanaged reports whether a name Blame gave is a remote department with no Department.
func Unmanaged(names []string) bool {
	return slices.ContainsFunc(names, func(n string) bool {
		return strings.HasSuffix(n, UnmanagedSuffix)
	})
}

// ParentOf is, for a parentExternalKey walk, the parent key of the Department that holds a key
// among claimants; false when none claims it.
func ParentOf(claimants iter.Seq[*v1alpha1.Department]) (string, bool) {
	if h := Holder(claimants); h != nil {
		return h.Spec.ParentExternalKey, true
	}
	return "", false
}

// Cycle follows parentExternalKey from dept, asking parentOf for the parent key of the
// Department that holds a key (ParentOf over its claimants), and returns the keys of the cycle
// when the chain comes back to dept; nil when it ends, or meets a cycle further up that dept is
// not part of (that cycle's Departments report it).
func Cycle(dept *v1alpha1.Department, parentOf func(key string) (parent string, found bool, err error)) ([]string, error) {
	path := []string{dept.Key()}
	seen := map[string]bool{dept.Key(): true}
	for parent := dept.Spec.ParentExternalKey; parent != ""; {
		path = append(path, parent)
		if parent == dept.Key() {
			return path, nil
		}
		if seen[parent] {
			return nil, nil
		}
		seen[parent] = true
		next, found, err := parentOf(parent)
		if err != nil || !found {
			return nil, err
		}
		parent = next
	}
	return nil, nil
}

// Cycles finds every parentExternalKey cycle among depts (Departments of one Organization),
// following each key's holder as Cycle does: each cycle once, as the holders in the order
// parentExternalKey follows them from the smallest key, the cycles sorted by that key. Each key
// is walked once.
func Cycles(depts iter.Seq[*v1alpha1.Department]) [][]*v1alpha1.Department {
	claimants := map[string][]*v1alpha1.Department{}
	for d := range depts {
		claimants[d.Key()] = append(claimants[d.Key()], d)
	}
	holder := make(map[string]*v1alpha1.Department, len(claimants))
	for key, ds := range claimants {
		holder[key] = Holder(slices.Values(ds))
	}
	walkOf := make(map[string]int, len(holder))
	var cycles [][]*v1alpha1.Department
	for i, start := range slices.Sorted(maps.Keys(holder)) {
		walk := i + 1
		key := start
		for holder[key] != nil && walkOf[key] == 0 {
			walkOf[key] = walk
			key = holder[key].Spec.ParentExternalKey
		}
		if holder[key] == nil || walkOf[key] != walk {
			continue // the chain ends, or joins a walk already done: its cycle is known
		}
		cycles = append(cycles, cycleFrom(key, holder))
	}
	slices.SortFunc(cycles, func(a, b []*v1alpha1.Department) int { return strings.Compare(a[0].Key(), b[0].Key()) })
	return cycles
}

// cycleFrom lists the holders of the cycle through key, from its smallest key.
func cycleFrom(key string, holder map[string]*v1alpha1.Department) []*v1alpha1.Department {
	members := []*v1alpha1.Department{holder[key]}
	for k := holder[key].Spec.ParentExternalKey; k != key; k = holder[k].Spec.ParentExternalKey {
		members = append(members, holder[k])
	}
	first := 0
	for i, m := range members {
		if m.Key() < members[first].Key() {
			first = i
		}
	}
	return append(members[first:], members[:first]...)
}
