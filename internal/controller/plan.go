package controller

import (
	"context"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/orgsync/orgsync/api/v1alpha1"
	rules "github.com/orgsync/orgsync/internal/decision"
	"github.com/orgsync/orgsync/internal/inventory"
	"github.com/orgsync/orgsync/internal/provider"
)

// This file exposes the Department reconciler's decisions to `kubectl orgsync plan`, which asks
// them of a chart the manager has not seen yet (the cluster as it would be after an apply, and a
// fresh listing of the remote chart). The decisions are decision.DecideSync and DecideDelete themselves;
// only the gathering differs: from the plan's in-memory objects instead of the cache's indexes.

// PlanAction is the remote change a plan decision asks for.
type PlanAction string

// The actions of a PlanDecision.
const (
	PlanNone    PlanAction = ""
	PlanCreate  PlanAction = "create"
	PlanUpdate  PlanAction = "update"
	PlanDelete  PlanAction = "delete"
	PlanRelease PlanAction = "release"
)

// PlanDecision is what the Department reconciler would decide for one Department.
type PlanDecision struct {
	Action PlanAction
	// Desired is what a create or an update sends; for a delete, the remote department.
	Desired provider.Department
	// Diff names the fields an update changes, as the provider's Diff names them.
	Diff provider.Fields
	// Reason and Message are the Ready condition the reconcile reports (when no write is made,
	// they say why: Paused, WaitingForParent, Conflict, DeletionBlocked...). For
	// UnsupportedChange, Desired and Diff are the update that cannot be made.
	Reason, Message string
	// Synced is true when the remote department matches the spec (after the write, if any).
	Synced bool
	// Refused is the remote system's refusal of these values, as the Ready condition records it,
	// when it stands: nothing is sent, as the manager sends nothing, until Refused.Until.
	Refused *rules.Refusal
}

// PlanChart is one Organization's chart as the manager would see it: its Departments (live, and
// deleting ones with a DeletionTimestamp) and its remote departments. A plan changes it as the
// manager's writes would (Put, Remove) and drops Departments whose finalizer would go (Forget).
type PlanChart struct {
	org         *v1alpha1.Organization
	diff        func(desired, observed provider.Department) provider.Fields
	unsupported func(desired, observed provider.Department) error

	depts    map[string]*v1alpha1.Department // by name
	byKey    map[string][]*v1alpha1.Department
	byParent map[string][]*v1alpha1.Department
	// remote is an inventory as the manager keeps one, resting on the plan's listing.
	remote *inventory.Inventory
}

// NewPlanChart indexes org's Departments and its remote chart. org must exist; the plan assumes
// it is (or will be) connected, as the plan itself could list its chart. diff and unsupported are
// the provider's (Departments.Diff and Unsupported; a nil unsupported allows every change).
func NewPlanChart(org *v1alpha1.Organization, depts []v1alpha1.Department, remote []provider.Department,
	diff func(desired, observed provider.Department) provider.Fields, unsupported func(desired, observed provider.Department) error) *PlanChart {
	c := &PlanChart{
		org: org, diff: diff, unsupported: unsupported,
		depts: map[string]*v1alpha1.Department{}, byKey: map[string][]*v1alpha1.Department{},
		byParent: map[string][]*v1alpha1.Department{},
		remote:   inventory.New(org.Namespace, org.Name, nil),
	}
	for i := range depts {
		d := depts[i].DeepCopy()
		if d.UID == "" {
			// A Department not created yet: the decisions tell Departments apart by UID.
			d.UID = types.UID("plan/" + d.Name)
		}
		c.depts[d.Name] = d
		c.byKey[d.Key()] = append(c.byKey[d.Key()], d)
		if p := d.Spec.ParentExternalKey; p != "" {
			c.byParent[p] = append(c.byParent[p], d)
		}
	}
	// The listing was made by the plan: the inventory takes it as the manager takes its own.
	_ = c.remote.ListedSince(context.Background(), time.Time{}, nil, func(context.Context) ([]provider.Department, error) {
		return remote, nil
	})
	return c
}

// Remote returns the remote department key, if the chart holds it.
func (c *PlanChart) Remote(key string) (provider.Department, bool) {
	if d := c.remote.View(key, "", false).Self; d != nil {
		return *d, true
	}
	return provider.Department{}, false
}

// RemoteKeys lists the remote chart's keys, sorted.
func (c *PlanChart) RemoteKeys() []string {
	return c.remote.Keys()
}

// Put records a remote department as a create or an update leaves it.
func (c *PlanChart) Put(d provider.Department) { c.remote.Put(d) }

// Remove records a remote delete.
func (c *PlanChart) Remove(key string) { c.remote.Remove(key) }

// Forget drops a Department whose finalizer is gone: the object no longer exists.
func (c *PlanChart) Forget(name string) {
	d := c.depts[name]
	if d == nil {
		return
	}
	delete(c.depts, name)
	c.byKey[d.Key()] = slices.DeleteFunc(c.byKey[d.Key()], func(o *v1alpha1.Department) bool { return o == d })
	if p := d.Spec.ParentExternalKey; p != "" {
		c.byParent[p] = slices.DeleteFunc(c.byParent[p], func(o *v1alpha1.Department) bool { return o == d })
	}
}

// Holder returns the name of the live Department that holds key (decision.LiveHolder).
func (c *PlanChart) Holder(key string) (string, bool) {
	if h := rules.LiveHolder(slices.Values(c.byKey[key])); h != nil {
		return h.Name, true
	}
	return "", false
}

// DecideSync decides, as the Department reconciler would, for the live Department called name.
func (c *PlanChart) DecideSync(name string) PlanDecision {
	dept := c.depts[name]
	s := c.snapshot(dept)
	s.Cycle = c.cycle(dept)
	return planDecision(rules.DecideSync(s))
}

// DecideDelete decides, as the Department reconciler would, for the deleting Department called
// name.
func (c *PlanChart) DecideDelete(name string) PlanDecision {
	dept := c.depts[name]
	s := c.snapshot(dept)
	for _, child := range c.byParent[dept.Key()] {
		if child.Name != dept.Name {
			s.ObjectChildren = append(s.ObjectChildren, child.Name)
		}
	}
	slices.Sort(s.ObjectChildren)
	for _, key := range s.Remote.Children {
		s.RemoteChildren = append(s.RemoteChildren, rules.Blame(key, slices.Values(c.byKey[key])))
	}
	return planDecision(rules.DecideDelete(s))
}

// snapshot gathers what the reconciler's gather would for dept.
func (c *PlanChart) snapshot(dept *v1alpha1.Department) *rules.Snapshot {
	s := &rules.Snapshot{
		Dept:         dept,
		Organization: c.org,
		Diff:         c.diff,
		Unsupported:  c.unsupported,
		Org:          rules.OrganizationOf(c.org.Name, c.org),
	}
	// The plan could list the chart: the Organization is (or will be) connected, unless another
	// Organization holds the chart (Connected False, Conflict, for the current generation): then
	// its Departments wait, and a deleting one leaves the chart as it is, as the manager's record
	// of the holder decides.
	if rules.HeldByAnother(c.org) {
		s.Org.Connected = false
		s.Org.Orphans = s.Org.Orphans || !dept.DeletionTimestamp.IsZero()
	} else {
		s.Org.Connected = true
	}
	var claimants []v1alpha1.Department
	for _, d := range c.byKey[dept.Key()] {
		claimants = append(claimants, *d)
	}
	s.Holder, s.Successor = rules.KeyHolder(claimants, dept)
	s.Remote = c.remote.View(dept.Key(), dept.Spec.ParentExternalKey, !dept.DeletionTimestamp.IsZero())
	// The plan has no memory of the manager's refusals: the Ready condition records them.
	s.Rejected = rules.RejectionOf(dept)
	return s
}

// cycle is the parentExternalKey cycle dept is part of, as the reconciler's parentCycle finds it.
func (c *PlanChart) cycle(dept *v1alpha1.Department) []string {
	path, _ := rules.Cycle(dept, func(key string) (string, bool, error) {
		parent, found := rules.ParentOf(slices.Values(c.byKey[key]))
		return parent, found, nil
	})
	return path
}

func planDecision(d rules.Decision) PlanDecision {
	out := PlanDecision{Desired: d.Desired, Diff: d.Diff, Reason: d.Reason, Message: d.Message, Synced: d.Synced(), Refused: d.Refused}
	switch d.Action {
	case rules.Create:
		out.Action = PlanCreate
	case rules.Update:
		out.Action = PlanUpdate
	case rules.Delete:
		out.Action = PlanDelete
	case rules.Release:
		out.Action = PlanRelease
	}
	return out
}

// PlanBudget is an Organization's deletion budget as the manager would count it from now
// (decision.Budget): loaded from its status and the approvals its annotation gives. The manager
// counts from its own record (v1alpha1.RemoteTarget), which the status shows; a person running
// the plan may not read that record, so the plan reads the status, a display input, and its
// prediction is only as true as the status.
type PlanBudget struct {
	budget rules.Budget
	org    *v1alpha1.Organization
}

// NewPlanBudget loads org's deletion budget, with the approvals its annotation gives.
func NewPlanBudget(org *v1alpha1.Organization) *PlanBudget {
	b := &PlanBudget{budget: rules.BudgetOf(org), org: org}
	if n, _, valid := rules.Approval(org); valid {
		b.budget.Approved += n
	}
	return b
}

// Limit is the Organization's deletion budget: its own or the default.
func (b *PlanBudget) Limit() (maxDeletions int32, window time.Duration) {
	return b.org.Spec.EffectiveDeletionBudget()
}

// Reserve counts one remote delete, as the manager does before it, and reports whether it may go
// ahead now.
func (b *PlanBudget) Reserve(now time.Time) bool {
	return b.budget.Reserve(b.org, now)
}

// MadeAt is how many deletions count against the current window at now.
func (b *PlanBudget) MadeAt(now time.Time) int32 {
	return b.budget.MadeAt(b.org, now)
}

// Approved is how many deletions are approved beyond the budget.
func (b *PlanBudget) Approved() int32 {
	return b.budget.Approved
}
