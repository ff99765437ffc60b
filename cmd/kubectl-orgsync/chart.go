package main

import (
	"cmp"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/decision"
	"github.com/orgsync/orgsync/internal/provider"
	ncpprovider "github.com/orgsync/orgsync/internal/provider/ncp"
)

// reasonPending is the reason tree reports for a Department the manager has not reported on
// since its spec last changed (decision.ReasonPending).
const reasonPending = decision.ReasonPending

// health is how a department fares, for colour and counts.
type health int

const (
	healthSynced  health = iota // Ready
	healthWaiting               // not Ready, and waiting for something that should come, or for a person's decision
	healthFailing               // not Ready, and needs a person or a fix
)

// healthOf is how a class of decision.Reasons reads in the tree: Progressing and Suspended both
// wait (yellow), Failing is red.
func healthOf(c decision.Class) health {
	switch c {
	case decision.ClassReady:
		return healthSynced
	case decision.ClassFailing:
		return healthFailing
	}
	return healthWaiting
}

// notReadyHealth is how a reason of Ready=False reads in the counts; Pending waits.
func notReadyHealth(reason string) health {
	if reason == reasonPending {
		return healthWaiting
	}
	return healthOf(decision.ClassOf(metav1.ConditionFalse, reason))
}

// readiness is what a Ready condition says, read as kstatus would: a condition about an older
// generation of the spec says nothing about the current one.
type readiness struct {
	ready   bool
	reason  string
	message string
	health  health
}

// readinessOf reads the Ready condition of an object at generation (decision.ReadinessOf).
func readinessOf(conditions []metav1.Condition, generation int64) readiness {
	r := decision.ReadinessOf(conditions, generation)
	return readiness{ready: r.Class == decision.ClassReady, reason: r.Reason, message: r.Message, health: healthOf(r.Class)}
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
	// inCycle: the node is in a parentExternalKey cycle (decision.Cycles).
	inCycle bool
	order   provider.DisplayOrder
	// folded counts the departments below the node that tree --depth leaves out.
	folded int
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
		if h, ok := holders[n.key]; !ok || decision.ClaimsFirst(n.dept, h.dept) {
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

	// What the roots do not reach is in a cycle or below one.
	c.cycles = findCycles(nodes, holders)

	for i := range nodes {
		sortNodes(nodes[i].children)
	}
	for _, e := range externalParents {
		sortNodes(e.children)
	}
	return c
}

// findCycles finds the loops as the manager does (decision.Cycles), as the nodes of their
// holders, and marks them.
func findCycles(nodes []node, holders map[string]*node) []cycle {
	var cycles []cycle
	for _, loop := range decision.Cycles(func(yield func(*v1alpha1.Department) bool) {
		for i := range nodes {
			if !yield(nodes[i].dept) {
				return
			}
		}
	}) {
		members := make([]*node, 0, len(loop))
		for _, d := range loop {
			n := holders[d.Key()]
			n.inCycle = true
			members = append(members, n)
		}
		cycles = append(cycles, cycle{members: members})
	}
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
