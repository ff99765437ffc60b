package controller

import (
	"sync"

	"k8s.io/apimachinery/pkg/types"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// departmentTally counts each Organization's Departments from the watch events as they come, so
// that the Organization reports its counts without listing (and copying) every Department on each
// of the thousands of events a large chart makes while it converges. Safe for concurrent use.
type departmentTally struct {
	mu    sync.Mutex
	byOrg map[types.NamespacedName]*organizationTally
}

type organizationTally struct {
	// ready holds every Department of the Organization, and whether it is Ready.
	ready map[types.UID]bool
	// readyCount is how many of ready are true.
	readyCount int32
	// keys counts the Departments claiming each external key.
	keys map[string]int
}

// observe records a Department event: a creation (before nil), a change, or a deletion (after nil).
func (t *departmentTally) observe(before, after *v1alpha1.Department) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.byOrg == nil {
		t.byOrg = map[types.NamespacedName]*organizationTally{}
	}
	if before != nil {
		t.forgetLocked(before)
	}
	if after != nil {
		org := organizationOf(after)
		ot := t.byOrg[org]
		if ot == nil {
			ot = &organizationTally{ready: map[types.UID]bool{}, keys: map[string]int{}}
			t.byOrg[org] = ot
		}
		ready := isReady(after.Status.Conditions, after.Generation)
		ot.ready[after.UID] = ready
		if ready {
			ot.readyCount++
		}
		ot.keys[after.Key()]++
	}
}

func (t *departmentTally) forgetLocked(d *v1alpha1.Department) {
	ot := t.byOrg[organizationOf(d)]
	if ot == nil {
		return
	}
	ready, ok := ot.ready[d.UID]
	if !ok {
		return
	}
	delete(ot.ready, d.UID)
	if ready {
		ot.readyCount--
	}
	if ot.keys[d.Key()]--; ot.keys[d.Key()] <= 0 {
		delete(ot.keys, d.Key())
	}
}

// counts returns how many Departments the Organization has and how many are Ready.
func (t *departmentTally) counts(org types.NamespacedName) v1alpha1.DepartmentCounts {
	t.mu.Lock()
	defer t.mu.Unlock()
	ot := t.byOrg[org]
	if ot == nil {
		return v1alpha1.DepartmentCounts{}
	}
	return v1alpha1.DepartmentCounts{Total: int32(len(ot.ready)), Ready: ot.readyCount} //nolint:gosec // G115: a count of objects, far below 2^31
}

// withClaims runs f with a test of whether a Department of the Organization claims a key; the
// tally is locked meanwhile, so f must not wait for it.
func (t *departmentTally) withClaims(org types.NamespacedName, f func(claimed func(key string) bool)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var keys map[string]int
	if ot := t.byOrg[org]; ot != nil {
		keys = ot.keys
	}
	f(func(key string) bool { return keys[key] > 0 })
}

func organizationOf(d *v1alpha1.Department) types.NamespacedName {
	return types.NamespacedName{Namespace: d.Namespace, Name: d.Spec.OrganizationRef.Name}
}
