package main

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/provider"
	ncpprovider "github.com/orgsync/orgsync/internal/provider/ncp"
)

// reasonPending is the reason tree reports for a Department the manager has not reported on
// since its spec last changed (no Ready condition yet, or one about an older generation). It is
// not one of the manager's reasons: the condition, if any, is older than the spec.
const reasonPending = "Pending"

// health is how a department fares, for colour and counts.
type health int

const (
	healthSynced  health = iota // Ready
	healthWaiting               // not Ready, and waiting for something that should come
	healthFailing               // not Ready, and needs a person or a fix
)

// waitingReasons are the reasons that mean "not yet" rather than "wrong".
var waitingReasons = map[string]bool{
	reasonPending:                         true,
	v1alpha1.ReasonWaitingForOrganization: true,
	v1alpha1.ReasonWaitingForParent:       true,
	v1alpha1.ReasonDeleting:               true,
	v1alpha1.ReasonDeletionPending:        true,
	v1alpha1.ReasonDeletionBlocked:        true,
	v1alpha1.ReasonDeletionBudgetExceeded: true,
	v1alpha1.ReasonPaused:                 true,
}

// readiness is what a Ready condition says, read as kstatus would: a condition about an older
// generation of the spec says nothing about the current one.
type readiness struct {
	ready   bool
	reason  string
	message string
	health  health
}

// readinessOf reads the Ready condition of an object at generation.
func readinessOf(conditions []metav1.Condition, generation int64) readiness {
	c := meta.FindStatusCondition(conditions, v1alpha1.ConditionReady)
	switch {
	case c == nil:
		return readiness{reason: reasonPending, message: "not reconciled yet", health: healthWaiting}
	case c.ObservedGeneration != 0 && c.ObservedGeneration < generation:
		return readiness{reason: reasonPending, health: healthWaiting,
			message: "spec generation " + strconv.FormatInt(generation, 10) + " not reconciled yet; last " + c.Reason + ": " + c.Message}
	case c.Status == metav1.ConditionTrue:
		return readiness{ready: true, reason: c.Reason, message: c.Message, health: healthSynced}
	case waitingReasons[c.Reason]:
		return readiness{reason: c.Reason, message: c.Message, health: healthWaiting}
	}
	return readiness{reason: c.Reason, message: c.Message, health: healthFailing}
}

// drift is what a Drifted condition says differs in the remote department.
type drift struct {
	// absent: the remote department does not exist.
	absent bool
	// fields that differ, as the provider names them (name, parentExternalKey, displayOrder...).
	fields []string
}

// driftOf is the drift a Drifted condition reports, with the fields the manager records in
// status.driftedFields: none means the remote department does not exist.
func driftOf(r readiness, fields []string) *drift {
	if r.reason != v1alpha1.ReasonDrifted {
		return nil
	}
	if len(fields) == 0 {
		return &drift{absent: true}
	}
	return &drift{fields: fields}
}

// remoteState is what the cluster's data says of a parent key that no Department holds.
type remoteState string

const (
	remoteExists  remoteState = "exists"  // a child is synced under it
	remoteMissing remoteState = "missing" // a child waits for it to exist remotely
	remoteUnknown remoteState = "unknown"
)

// node is one entry of the tree: a Department, or a parent key that no Department holds.
type node struct {
	// dept is nil for a parent key that no Department holds.
	dept *v1alpha1.Department
	key  string
	// parentKey is the Department's spec.parentExternalKey.
	parentKey string
	readiness readiness
	drift     *drift
	// duplicate: another Department holds the same key, and the key's children hang under it.
	duplicate bool
	// remote says, for a parent that is no Department, whether it exists remotely.
	remote   remoteState
	children []*node

	// parent is the Department node that holds parentKey, when one does.
	parent  *node
	inCycle bool
	order   provider.DisplayOrder
}

// cycle is a loop of Departments whose parentExternalKeys lead back to themselves.
type cycle struct {
	// members in the order parentExternalKey follows them, from the smallest key.
	members []*node
}

// keys is the loop as the manager's ParentCycle message writes it: a -> b -> a.
func (c cycle) keys() []string {
	keys := make([]string, 0, len(c.members)+1)
	for _, m := range c.members {
		keys = append(keys, m.key)
	}
	return append(keys, c.members[0].key)
}

// counts of an Organization's Departments.
type counts struct {
	total, ready int
	// notReady counts the Departments that are not Ready, by reason.
	notReady map[string]int
}

// chart is an Organization's department tree as the cluster's objects describe it.
type chart struct {
	org       *v1alpha1.Organization
	orgStatus readiness
	// roots are the top-level Departments, then the parent keys that no Department holds.
	roots  []*node
	cycles []cycle
	counts counts
	// remoteParents is how many of the parents that no Department holds exist remotely, and so
	// are among the Organization's unmanaged remote departments.
	remoteParents int
}

// buildChart builds org's tree from the Departments that refer to it (others in depts are
// ignored), in O(n log n): a map from key to holder, one pass to attach children, a walk from the
// roots, a pass over what the walk did not reach for cycles, and a sort of each child list.
func buildChart(org *v1alpha1.Organization, depts []v1alpha1.Department) *chart {
	c := &chart{org: org, orgStatus: readinessOf(org.Status.Conditions, org.Generation), counts: counts{notReady: map[string]int{}}}

	nodes := make([]node, 0, len(depts))
	for i := range depts {
		d := &depts[i]
		if d.Spec.OrganizationRef.Name != org.Name || d.Namespace != org.Namespace {
			continue
		}
		r := readinessOf(d.Status.Conditions, d.Generation)
		nodes = append(nodes, node{dept: d, key: d.Key(), parentKey: d.Spec.ParentExternalKey,
			readiness: r, drift: driftOf(r, d.Status.DriftedFields), order: provider.ParseDisplayOrder(displayOrder(d))})
		c.counts.total++
		if r.ready {
			c.counts.ready++
		} else {
			c.counts.notReady[r.reason]++
		}
	}

	// The holder of each key, as the manager picks it among the claimants.
	holders := make(map[string]*node, len(nodes))
	for i := range nodes {
		n := &nodes[i]
		if h, ok := holders[n.key]; !ok || holdsBefore(n.dept, h.dept) {
			holders[n.key] = n
		}
	}

	external := map[string]*node{}
	var topLevel, externalParents []*node
	for i := range nodes {
		n := &nodes[i]
		n.duplicate = holders[n.key] != n
		switch p := holders[n.parentKey]; {
		case n.parentKey == "":
			topLevel = append(topLevel, n)
		case p != nil:
			n.parent = p
			p.children = append(p.children, n)
		default:
			e := external[n.parentKey]
			if e == nil {
				e = &node{key: n.parentKey}
				external[n.parentKey] = e
				externalParents = append(externalParents, e)
			}
			e.children = append(e.children, n)
		}
	}
	for _, e := range externalParents {
		e.remote = remoteStateOf(e)
		if e.remote == remoteExists {
			c.remoteParents++
		}
	}
	sortNodes(topLevel)
	slices.SortFunc(externalParents, func(a, b *node) int { return strings.Compare(a.key, b.key) })
	c.roots = slices.Concat(topLevel, externalParents)

	// Everything the roots reach is in the tree; the rest is in a cycle or below one.
	reached := make(map[*node]bool, len(nodes))
	stack := slices.Clone(c.roots)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		reached[n] = true
		stack = append(stack, n.children...)
	}
	c.cycles = findCycles(nodes, reached)

	for i := range nodes {
		sortNodes(nodes[i].children)
	}
	for _, e := range externalParents {
		sortNodes(e.children)
	}
	return c
}

// findCycles finds the loops among the nodes the roots do not reach. Each of those has a parent
// node (no parent, or a parent key no Department holds, makes a root), so following parents from
// any of them ends in a loop; each node is walked once.
func findCycles(nodes []node, reached map[*node]bool) []cycle {
	var cycles []cycle
	walkOf := map[*node]int{}
	for i := range nodes {
		start := &nodes[i]
		if reached[start] || walkOf[start] != 0 {
			continue
		}
		walk := i + 1
		n := start
		for n != nil && walkOf[n] == 0 {
			walkOf[n] = walk
			n = n.parent
		}
		if n == nil || walkOf[n] != walk {
			continue // joined a walk already done: its loop is known
		}
		var members []*node
		for m := n; len(members) == 0 || m != n; m = m.parent {
			m.inCycle = true
			members = append(members, m)
		}
		// Start at the smallest key, keeping the direction parentExternalKey follows.
		first := 0
		for j, m := range members {
			if m.key < members[first].key {
				first = j
			}
		}
		members = append(members[first:], members[:first]...)
		cycles = append(cycles, cycle{members: members})
	}
	slices.SortFunc(cycles, func(a, b cycle) int { return strings.Compare(a.members[0].key, b.members[0].key) })
	return cycles
}

// remoteStateOf says what the children of a parent that no Department holds tell of it: one
// synced under it shows it exists remotely, one waiting for it shows it does not.
func remoteStateOf(parent *node) remoteState {
	state := remoteUnknown
	for _, child := range parent.children {
		d := child.dept
		switch {
		case child.readiness.ready && d.Status.ParentExternalKey == parent.key:
			return remoteExists
		case child.readiness.reason == v1alpha1.ReasonWaitingForParent:
			state = remoteMissing
		}
	}
	return state
}

// holdsBefore orders the claimants of one key as the manager does (keyHolder in
// internal/controller): live before deleting, then v1alpha1.ClaimsBefore.
func holdsBefore(a, b *v1alpha1.Department) bool {
	if aLive, bLive := a.DeletionTimestamp.IsZero(), b.DeletionTimestamp.IsZero(); aLive != bLive {
		return aLive
	}
	return v1alpha1.ClaimsBefore(a, b)
}

// displayOrder is the Department's spec.displayOrder, or, when it leaves it to the remote
// department, what a create sends to WORKPLACE.
func displayOrder(d *v1alpha1.Department) string {
	return cmp.Or(d.Spec.DisplayOrder, ncpprovider.DefaultDisplayOrder)
}

// sortNodes orders siblings as the remote chart does: by display order, as a number, then by
// name; the key and the object's name break the remaining ties.
func sortNodes(nodes []*node) {
	slices.SortFunc(nodes, func(a, b *node) int {
		if a.dept == nil || b.dept == nil {
			return strings.Compare(a.key, b.key)
		}
		return cmp.Or(
			a.order.Compare(b.order),
			strings.Compare(a.dept.Spec.Name, b.dept.Spec.Name),
			strings.Compare(a.key, b.key),
			strings.Compare(a.dept.Name, b.dept.Name),
		)
	})
}
