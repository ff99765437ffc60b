package main

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/controller"
	"github.com/orgsync/orgsync/internal/decision"
	"github.com/orgsync/orgsync/internal/provider"
	"github.com/orgsync/orgsync/internal/provider/vendors"
)

// The plan engine: from the Departments an apply would leave in the cluster and a listing of the
// remote chart, the remote writes the manager would make, in its order. It asks the manager's own
// decisions (internal/controller, PlanChart) of each Department, applies each decided write to an
// in-memory copy of the chart, and asks again until nothing more would be written: a child is
// created once its parent is, a parent deleted once its sub-departments are gone.

// Actions of a planned change.
const (
	actionCreate  = "create"
	actionUpdate  = "update"
	actionMove    = "move"
	actionDelete  = "delete"
	actionRelease = "release"
)

// Why a planned delete waits.
const (
	heldByBudget  = "budget"
	heldBySubtree = "subtree"
)

// planChange is one remote change, or one Department released from orgsync's care.
type planChange struct {
	// Action is create, update, move (an update that changes the parent), delete or release (the
	// Department goes and its remote department stays: deletionPolicy Orphan, managementPolicy
	// Observe, or the Organization going with deletionPolicy Orphan).
	Action string `json:"action"`
	// Key is the department's external key.
	Key string `json:"key"`
	// Department is the name of the Department object that causes the change.
	Department string `json:"department"`
	// Adopt: the remote department exists and the Department has not synced under its key
	// before: it takes the department over (status.adopted), as the manager reports it.
	Adopt bool `json:"adopt,omitempty"`
	// Fields are the fields written, with their old (update, move) and new values. A create
	// lists every field it sets.
	Fields []fieldChange `json:"fields,omitempty"`
	// Held, for a delete, says why it waits: "budget" (the deletion budget is spent) or
	// "subtree" (a sub-department's delete is held). Empty: made at once.
	Held string `json:"held,omitempty"`
}

// fieldChange is one field of a remote department.
type fieldChange struct {
	Field string `json:"field"`
	// Old is null for a create.
	Old any `json:"old"`
	New any `json:"new"`
}

// planWait is a Department the manager would make no write for, and why (its Ready condition).
type planWait struct {
	Key        string `json:"key"`
	Department string `json:"department"`
	// Deleting: the Department would be deleted (its delete waits).
	Deleting bool   `json:"deleting,omitempty"`
	Reason   string `json:"reason"`
	Message  string `json:"message"`
}

// planBudget is the Organization's deletion budget as the plan counts it.
type planBudget struct {
	MaxDeletions int32  `json:"maxDeletions"`
	Window       string `json:"window"`
	// Made and Approved are the deletions made in the current window and those approved beyond
	// the budget (status.deletions and the orgsync.dev/approve-deletions annotation).
	Made     int32 `json:"made"`
	Approved int32 `json:"approved"`
	// Deletes are the planned deletes; Held how many of them wait.
	Deletes int `json:"deletes"`
	Held    int `json:"held"`
}

// organizationPlan is the plan of one Organization.
type organizationPlan struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Provider  string `json:"provider"`
	// Paused: the Organization carries orgsync.dev/paused; the manager makes no remote call.
	Paused bool `json:"paused,omitempty"`
	// Observe: its managementPolicy is Observe; the manager makes no remote write.
	Observe bool `json:"observe,omitempty"`
	// RemoteDepartments is the size of the remote chart now; Unmanaged how many remote
	// departments no Department would cover after the changes (left alone).
	RemoteDepartments int `json:"remoteDepartments"`
	Unmanaged         int `json:"unmanaged"`
	// Changes, in the order the manager would make them.
	Changes []planChange `json:"changes"`
	// Adopted lists the keys of existing remote departments that Departments would take over
	// as they are (no write).
	Adopted []string `json:"adopted"`
	// Waiting lists the Departments the manager would write nothing for, and why.
	Waiting []planWait `json:"waiting"`
	// Unsupported lists the changes the manifests ask for that the remote system offers no way
	// to make (a OneAccess unit moved to the top level): the manager sends nothing for them and
	// reports UnsupportedChange. plan exits 1 when there are any.
	Unsupported []planUnsupported `json:"unsupported"`
	Budget      *planBudget       `json:"deletionBudget"`
}

// planUnsupported is a change the remote system cannot make: what was asked, and what to do.
type planUnsupported struct {
	// Action is update or move, as the change would be named if it could be made.
	Action     string        `json:"action"`
	Key        string        `json:"key"`
	Department string        `json:"department"`
	Fields     []fieldChange `json:"fields"`
	Reason     string        `json:"reason"`
	Message    string        `json:"message"`
}

// planInput is what one Organization's plan is computed from.
type planInput struct {
	org *v1alpha1.Organization
	// desired are the manifests' Departments of org, as the apply would leave them.
	desired []v1alpha1.Department
	// cluster are org's Departments in the cluster now.
	cluster []v1alpha1.Department
	// prune: the cluster's Departments of org that the manifests lack would be deleted.
	prune  bool
	remote []provider.Department
	diff   func(desired, observed provider.Department) provider.Fields
	// unsupported is the provider's Departments.Unsupported; nil allows every change.
	unsupported func(desired, observed provider.Department) error
	now         time.Time
}

// planOrganization computes the plan of one Organization. The input must have passed
// checkManifests (no key claimed twice, no cycle).
func planOrganization(in planInput) organizationPlan {
	org := in.org
	state := decision.OrganizationOf(org.Name, org)
	p := organizationPlan{
		Namespace: org.Namespace, Name: org.Name, Provider: string(provider.Of(org)),
		Paused: state.Paused, Observe: state.ObserveOnly,
		RemoteDepartments: len(in.remote), Changes: []planChange{}, Adopted: []string{}, Waiting: []planWait{},
		Unsupported: []planUnsupported{},
	}
	depts := afterApply(in)
	chart := controller.NewPlanChart(org, depts, in.remote, in.diff, in.unsupported)
	existed := map[string]bool{}
	for _, r := range in.remote {
		existed[r.Key] = true
	}
	var live, deleting []*v1alpha1.Department
	for i := range depts {
		if depts[i].DeletionTimestamp.IsZero() {
			live = append(live, &depts[i])
		} else {
			deleting = append(deleting, &depts[i])
		}
	}
	slices.SortFunc(live, byKey)

	// Creates and updates, round after round: a round writes what its decisions ask for; a
	// Department that waited for its parent is decided again once the parent is created.
	liveChildren := map[string][]*v1alpha1.Department{}
	for _, d := range live {
		liveChildren[d.Spec.ParentExternalKey] = append(liveChildren[d.Spec.ParentExternalKey], d)
	}
	wrote := map[string]bool{}
	// moveWaits are Departments whose move waits for a department inside their own subtree
	// remotely to move out: any move a round makes may be that one.
	moveWaits := map[string]*v1alpha1.Department{}
	for candidates := live; len(candidates) > 0; {
		// One round decides every candidate from the same chart, as the manager's workers do;
		// its writes are applied after it.
		var round []controller.PlanDecision
		written := map[string]bool{}
		for _, d := range candidates {
			if wrote[d.Name] {
				continue
			}
			dec := chart.DecideSync(d.Name)
			if dec.Action != controller.PlanCreate && dec.Action != controller.PlanUpdate {
				if _, exists := chart.Remote(d.Key()); exists && dec.Reason == v1alpha1.ReasonWaitingForParent {
					moveWaits[d.Name] = d
				}
				continue
			}
			delete(moveWaits, d.Name)
			if _, refused := decision.RefusalOf(d.Status.Conditions, d.Generation); refused {
				continue // listed as waiting below
			}
			old, found := chart.Remote(dec.Desired.Key)
			p.Changes = append(p.Changes, syncChange(d, dec, old, existed[d.Key()] && controller.TakesOver(d), p.Provider))
			wrote[d.Name] = true
			written[dec.Desired.Key] = true
			if found && old.ParentKey != dec.Desired.ParentKey {
				// The manager checks each move, as it starts, against the moves under way: a
				// move of the same round that this one would turn into a cycle waits for a
				// later round.
				chart.Put(dec.Desired)
				continue
			}
			round = append(round, dec)
		}
		for _, dec := range round {
			chart.Put(dec.Desired)
		}
		// A decision depends on the Department's own remote department, which only its own
		// write changes, its parent's and, for a move, where the parent is: only the children
		// of what this round wrote, and the moves that waited, can decide otherwise in the next
		// one (a chain of n creates takes n rounds, not n passes over the whole chart each).
		candidates = nil
		if len(written) > 0 {
			for _, d := range moveWaits {
				candidates = append(candidates, d)
			}
		}
		for key := range written {
			for _, d := range liveChildren[key] {
				if !wrote[d.Name] {
					candidates = append(candidates, d)
				}
			}
		}
		slices.SortFunc(candidates, byKey)
		candidates = slices.Compact(candidates)
	}
	// Creates first, parents before children (the rounds' order), then updates and moves: a move
	// under a department created here comes after its create.
	slices.SortStableFunc(p.Changes, func(a, b planChange) int { return cmp.Compare(phase(a), phase(b)) })
	for _, d := range live {
		if wrote[d.Name] {
			continue
		}
		dec := chart.DecideSync(d.Name)
		refusal, refused := decision.RefusalOf(d.Status.Conditions, d.Generation)
		switch {
		case (dec.Action == controller.PlanCreate || dec.Action == controller.PlanUpdate) && refused:
			p.Waiting = append(p.Waiting, planWait{Key: d.Key(), Department: d.Name, Reason: refusal.Reason,
				Message: "not sent again until " + refusal.Until + ": " + refusal.Message})
		case dec.Reason == v1alpha1.ReasonUnsupportedChange:
			old, _ := chart.Remote(d.Key())
			c := syncChange(d, dec, old, false, p.Provider)
			p.Unsupported = append(p.Unsupported, planUnsupported{Action: c.Action, Key: c.Key, Department: c.Department,
				Fields: c.Fields, Reason: dec.Reason, Message: dec.Message})
		case dec.Synced && existed[d.Key()] && controller.TakesOver(d):
			p.Adopted = append(p.Adopted, d.Key())
		case !dec.Synced && dec.Reason != "":
			p.Waiting = append(p.Waiting, planWait{Key: d.Key(), Department: d.Name, Reason: dec.Reason, Message: dec.Message})
		}
	}

	var pending map[string]bool
	p.Budget, p.Changes, p.Waiting, pending = planDeletes(chart, org, deleting, p.Changes, p.Waiting, in.now)

	for _, key := range chart.RemoteKeys() {
		if _, held := chart.Holder(key); !held && !pending[key] {
			p.Unmanaged++
		}
	}
	return p
}

// planDeletes decides for the Departments the apply would delete, children first: wave after
// wave, the Departments whose sub-departments are gone are deleted (or released). The deletion budget
// counts each delete as the manager does; one it holds keeps its remote department, and so its
// parent waits too (held as "subtree").
func planDeletes(chart *controller.PlanChart, org *v1alpha1.Organization, deleting []*v1alpha1.Department,
	changes []planChange, waiting []planWait, now time.Time) (*planBudget, []planChange, []planWait, map[string]bool) {
	budget := controller.NewPlanBudget(org)
	maxDeletions, window := budget.Limit()
	pb := &planBudget{MaxDeletions: maxDeletions, Window: window.String(), Made: budget.MadeAt(now), Approved: budget.Approved()}
	depth := remoteDepth(chart, deleting)
	slices.SortFunc(deleting, func(a, b *v1alpha1.Department) int {
		return cmp.Or(cmp.Compare(depth[b.Key()], depth[a.Key()]), byKey(a, b))
	})
	done := map[string]bool{}
	held := 0
	// above marks the remote ancestors of held deletes: the manager would not reach their
	// deletes before the held ones are made.
	above := map[string]bool{}
	// Wave after wave, as the manager's workers go: a wave decides every Department that may
	// go on from the same chart (the deletes whose sub-departments are gone reserve the
	// budget together), and its deletes and releases take effect after it; only then do their
	// parents decide again. Within a wave, deepest first, then by key.
	for candidates := deleting; len(candidates) > 0; {
		type decided struct {
			d      *v1alpha1.Department
			action controller.PlanAction
		}
		var wave []decided
		for _, d := range candidates {
			if done[d.Name] {
				continue
			}
			switch dec := chart.DecideDelete(d.Name); dec.Action {
			case controller.PlanRelease, controller.PlanDelete:
				wave = append(wave, decided{d, dec.Action})
			}
		}
		touched := map[string]bool{} // keys whose deleting Departments may decide otherwise now
		deleted := map[string]bool{} // keys this wave deletes
		for _, w := range wave {
			d := w.d
			if r, exists := chart.Remote(d.Key()); exists {
				touched[r.ParentKey] = true
			}
			touched[d.Spec.ParentExternalKey], touched[d.Key()] = true, true
			if deleted[d.Key()] {
				// Another deleting Department of the key deletes it in this wave: this one
				// finds it gone and lets go, as the manager's second reconcile does.
				continue
			}
			if w.action == controller.PlanRelease {
				if _, exists := chart.Remote(d.Key()); exists && !otherClaimant(chart, d) {
					changes = append(changes, planChange{Action: actionRelease, Key: d.Key(), Department: d.Name})
				}
				continue
			}
			deleted[d.Key()] = true
			c := planChange{Action: actionDelete, Key: d.Key(), Department: d.Name}
			switch {
			case above[d.Key()]:
				c.Held = heldBySubtree
			case !budget.Reserve(now):
				c.Held = heldByBudget
			}
			if c.Held != "" {
				held++
				markAncestors(chart, d.Key(), above)
			}
			changes = append(changes, c)
			pb.Deletes++
		}
		for _, w := range wave {
			if w.action == controller.PlanDelete {
				// Go on as if the held deletes were approved: the plan shows them all, in order.
				chart.Remove(w.d.Key())
			}
			chart.Forget(w.d.Name)
			done[w.d.Name] = true
		}
		candidates = nil
		for _, d := range deleting {
			if !done[d.Name] && touched[d.Key()] {
				candidates = append(candidates, d)
			}
		}
	}
	pending := map[string]bool{} // keys still claimed by Departments whose delete waits
	for _, d := range deleting {
		if done[d.Name] {
			continue
		}
		pending[d.Key()] = true
		dec := chart.DecideDelete(d.Name)
		waiting = append(waiting, planWait{Key: d.Key(), Department: d.Name, Deleting: true, Reason: dec.Reason, Message: dec.Message})
	}
	pb.Held = held
	return pb, changes, waiting, pending
}

// markAncestors adds the remote ancestors of key to set.
func markAncestors(chart *controller.PlanChart, key string, set map[string]bool) {
	for {
		r, ok := chart.Remote(key)
		if !ok || r.ParentKey == "" || set[r.ParentKey] {
			return
		}
		set[r.ParentKey] = true
		key = r.ParentKey
	}
}

// afterApply is org's Departments as the apply would leave them: the manifests' (as applied),
// the cluster's others unchanged, or deleting when pruned. Departments already being deleted
// stay so.
func afterApply(in planInput) []v1alpha1.Department {
	current := map[string]*v1alpha1.Department{}
	for i := range in.cluster {
		current[in.cluster[i].Name] = &in.cluster[i]
	}
	desired := map[string]bool{}
	var out []v1alpha1.Department
	for _, d := range in.desired {
		desired[d.Name] = true
		d := *d.DeepCopy()
		if c := current[d.Name]; c != nil {
			// An apply changes neither the status nor the object's identity and life.
			d.Status, d.UID, d.CreationTimestamp = *c.Status.DeepCopy(), c.UID, c.CreationTimestamp
			d.Finalizers, d.DeletionTimestamp = c.Finalizers, c.DeletionTimestamp
		}
		out = append(out, d)
	}
	deletedAt := metav1.NewTime(in.now)
	for _, d := range in.cluster {
		if desired[d.Name] {
			continue
		}
		d := *d.DeepCopy()
		if in.prune && d.DeletionTimestamp.IsZero() {
			if !slices.Contains(d.Finalizers, controller.Finalizer) {
				continue // deleted at once: the manager never wrote for it
			}
			d.DeletionTimestamp = &deletedAt
		}
		out = append(out, d)
	}
	return out
}

// syncChange describes a create or an update the manager would send, with the values as the
// remote system reads them: a create's with the defaults it writes for what the Department leaves
// empty, an update's with what an empty value means (OneAccess's units without a category are
// departments).
func syncChange(d *v1alpha1.Department, dec controller.PlanDecision, old provider.Department, adopt bool, providerName string) planChange {
	c := planChange{Key: d.Key(), Department: d.Name, Adopt: adopt}
	conventions := vendors.For(v1alpha1.Provider(providerName))
	if dec.Action == controller.PlanCreate {
		c.Action = actionCreate
		created := conventions.WithDefaults(dec.Desired)
		for _, f := range departmentFields {
			if v := f.value(created); conventions.Holds(f.name) && !isZero(v) {
				c.Fields = append(c.Fields, fieldChange{Field: string(f.name), New: v})
			}
		}
		return c
	}
	c.Action = actionUpdate
	if slices.Contains(dec.Diff, provider.FieldParent) {
		c.Action = actionMove
	}
	before, after := conventions.WithDefaults(old), conventions.WithDefaults(dec.Desired)
	for _, name := range dec.Diff {
		f := fieldNamed(name)
		c.Fields = append(c.Fields, fieldChange{Field: string(name), Old: f.value(before), New: f.value(after)})
	}
	return c
}

// departmentField reads one field of a remote department, named as the providers' Diff names it.
type departmentField struct {
	name  provider.Field
	value func(provider.Department) any
}

var departmentFields = []departmentField{
	{provider.FieldName, func(d provider.Department) any { return d.Name }},
	{provider.FieldParent, func(d provider.Department) any { return d.ParentKey }},
	{provider.FieldI18nNames, func(d provider.Department) any {
		if len(d.I18nNames) == 0 {
			return nil
		}
		return maps.Clone(d.I18nNames)
	}},
	{provider.FieldEmailAddress, func(d provider.Department) any { return d.EmailAddress }},
	{provider.FieldExternalEmailReceive, func(d provider.Department) any { return d.ExternalEmailReceive != nil && *d.ExternalEmailReceive }},
	{provider.FieldDisplayOrder, func(d provider.Department) any { return d.DisplayOrder }},
	{provider.FieldCategory, func(d provider.Department) any { return d.Category }},
}

func fieldNamed(name provider.Field) departmentField {
	for _, f := range departmentFields {
		if f.name == name {
			return f
		}
	}
	return departmentField{name: name, value: func(provider.Department) any { return nil }}
}

func isZero(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case bool:
		return !v
	}
	return false
}

// otherClaimant reports whether a live Department takes d's key over (a rename in Git): the remote
// department stays managed, so releasing d is no change.
func otherClaimant(chart *controller.PlanChart, d *v1alpha1.Department) bool {
	holder, ok := chart.Holder(d.Key())
	return ok && holder != d.Name
}

// remoteDepth is each deleting Department's depth in the remote chart (0 at the top), so deletes
// are listed deepest first.
func remoteDepth(chart *controller.PlanChart, deleting []*v1alpha1.Department) map[string]int {
	depth := map[string]int{}
	for _, d := range deleting {
		n := 0
		seen := map[string]bool{}
		for key := d.Key(); !seen[key]; n++ {
			seen[key] = true
			r, ok := chart.Remote(key)
			if !ok || r.ParentKey == "" {
				break
			}
			key = r.ParentKey
		}
		depth[d.Key()] = n
	}
	return depth
}

// phase orders creates before updates and moves.
func phase(c planChange) int {
	if c.Action == actionCreate {
		return 0
	}
	return 1
}

func byKey(a, b *v1alpha1.Department) int {
	return cmp.Or(strings.Compare(a.Key(), b.Key()), strings.Compare(a.Name, b.Name))
}

// unsupportedChanges counts the changes no Organization's remote system can make.
func unsupportedChanges(plans []organizationPlan) []string {
	var out []string
	for _, p := range plans {
		for _, u := range p.Unsupported {
			out = append(out, fmt.Sprintf("%s/%s %s: %s", p.Namespace, p.Name, u.Key, u.Message))
		}
	}
	return out
}

// hasChanges reports whether any Organization's plan changes anything.
func hasChanges(plans []organizationPlan) bool {
	for _, p := range plans {
		if len(p.Changes) > 0 {
			return true
		}
	}
	return false
}
