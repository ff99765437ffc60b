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
	// context is where the departments are, for -o mermaid and dot (not in the JSON).
	context planContext
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
	p := newOrganizationPlan(in)
	depts := afterApply(in)
	chart := controller.NewPlanChart(in.org, depts, in.remote, in.diff, in.unsupported)
	live, deleting := splitDeleting(depts)
	p.context = planContext{remote: in.remote, after: depts}

	syncs := newSyncPlanner(chart, in.remote, p.Provider, live)
	p.Changes = append(p.Changes, syncs.plan(live)...)
	for _, d := range live {
		if !syncs.wrote[d.Name] {
			syncs.report(&p, d)
		}
	}

	deletes := planDeletes(chart, in.org, deleting, in.now)
	p.Budget = deletes.budget
	p.Changes = append(p.Changes, deletes.changes...)
	p.Waiting = append(p.Waiting, deletes.waiting...)
	p.Unmanaged = countUnmanaged(chart, deletes.pending)
	return p
}

// newOrganizationPlan is the plan of in's Organization before anything is decided: what it is,
// and empty lists (printed as [] in JSON, not null).
func newOrganizationPlan(in planInput) organizationPlan {
	org := in.org
	state := decision.OrganizationOf(org.Name, org)
	return organizationPlan{
		Namespace: org.Namespace, Name: org.Name, Provider: string(provider.Of(org)),
		Paused: state.Paused, Observe: state.ObserveOnly,
		RemoteDepartments: len(in.remote), Changes: []planChange{}, Adopted: []string{}, Waiting: []planWait{},
		Unsupported: []planUnsupported{},
	}
}

// splitDeleting returns the live Departments of depts, by key, and the deleting ones.
func splitDeleting(depts []v1alpha1.Department) (live, deleting []*v1alpha1.Department) {
	for i := range depts {
		if depts[i].DeletionTimestamp.IsZero() {
			live = append(live, &depts[i])
		} else {
			deleting = append(deleting, &depts[i])
		}
	}
	slices.SortFunc(live, byKey)
	return live, deleting
}

// countUnmanaged counts the remote departments no Department would cover after the changes:
// held by no live Department, and claimed by no Department whose delete waits.
func countUnmanaged(chart *controller.PlanChart, pending map[string]bool) int {
	n := 0
	for _, key := range chart.RemoteKeys() {
		if _, held := chart.Holder(key); !held && !pending[key] {
			n++
		}
	}
	return n
}

// syncPlanner plans the creates and updates of the live Departments, round after round: a round
// writes what its decisions ask for; a Department that waited for its parent is decided again
// once the parent is created.
type syncPlanner struct {
	chart    *controller.PlanChart
	provider string
	// existed are the keys of the remote chart as listed, before any planned write.
	existed map[string]bool
	// children are the live Departments by parentExternalKey.
	children map[string][]*v1alpha1.Department
	// wrote are the Departments, by name, a change is planned for.
	wrote map[string]bool
	// moveWaits are Departments whose move waits for a department inside their own subtree
	// remotely to move out: any move a round makes may be that one.
	moveWaits map[string]*v1alpha1.Department
	changes   []planChange
}

func newSyncPlanner(chart *controller.PlanChart, remote []provider.Department, providerName string, live []*v1alpha1.Department) *syncPlanner {
	s := &syncPlanner{
		chart: chart, provider: providerName,
		existed: map[string]bool{}, children: map[string][]*v1alpha1.Department{},
		wrote: map[string]bool{}, moveWaits: map[string]*v1alpha1.Department{},
	}
	for _, r := range remote {
		s.existed[r.Key] = true
	}
	for _, d := range live {
		s.children[d.Spec.ParentExternalKey] = append(s.children[d.Spec.ParentExternalKey], d)
	}
	return s
}

// plan runs the rounds from every live Department until no round writes, and returns the changes:
// creates first, parents before children (the rounds' order), then updates and moves: a move
// under a department created here comes after its create.
func (s *syncPlanner) plan(live []*v1alpha1.Department) []planChange {
	for candidates := live; len(candidates) > 0; {
		candidates = s.next(s.round(candidates))
	}
	slices.SortStableFunc(s.changes, func(a, b planChange) int { return cmp.Compare(phase(a), phase(b)) })
	return s.changes
}

// round decides every candidate from the same chart, as the manager's workers do, plans the
// writes asked for and applies them to the chart after it (moves at once: see below). It
// returns the keys written.
func (s *syncPlanner) round(candidates []*v1alpha1.Department) map[string]bool {
	var puts []provider.Department
	written := map[string]bool{}
	for _, d := range candidates {
		if s.wrote[d.Name] {
			continue
		}
		dec, writes := s.decide(d)
		if !writes {
			continue
		}
		old, found := s.chart.Remote(dec.Desired.Key)
		s.changes = append(s.changes, syncChange(d, dec, old, decision.Adopts(d, dec.Synced, s.existed[d.Key()]), s.provider))
		s.wrote[d.Name] = true
		written[dec.Desired.Key] = true
		if found && old.ParentKey != dec.Desired.ParentKey {
			// The manager checks each move, as it starts, against the moves under way: a
			// move of the same round that this one would turn into a cycle waits for a
			// later round.
			s.chart.Put(dec.Desired)
			continue
		}
		puts = append(puts, dec.Desired)
	}
	for _, d := range puts {
		s.chart.Put(d)
	}
	return written
}

// decide asks the manager's decision for d, and reports whether the manager would send it: a
// create or an update. The decision holds back values the remote system refused for this spec, as
// the manager does (report lists them as waiting).
func (s *syncPlanner) decide(d *v1alpha1.Department) (controller.PlanDecision, bool) {
	dec := s.chart.DecideSync(d.Name)
	if !writes(dec) {
		if _, exists := s.chart.Remote(d.Key()); exists && dec.Reason == v1alpha1.ReasonWaitingForParent {
			s.moveWaits[d.Name] = d
		}
		return dec, false
	}
	delete(s.moveWaits, d.Name)
	return dec, true
}

// next returns the candidates of the round after one that wrote the keys written. A decision
// depends on the Department's own remote department, which only its own write changes, its
// parent's and, for a move, where the parent is: only the children of what a round wrote, and
// the moves that waited, can decide otherwise in the next one (a chain of n creates takes n
// rounds, not n passes over the whole chart each).
func (s *syncPlanner) next(written map[string]bool) []*v1alpha1.Department {
	var candidates []*v1alpha1.Department
	if len(written) > 0 {
		for _, d := range s.moveWaits {
			candidates = append(candidates, d)
		}
	}
	for key := range written {
		for _, d := range s.children[key] {
			if !s.wrote[d.Name] {
				candidates = append(candidates, d)
			}
		}
	}
	slices.SortFunc(candidates, byKey)
	return slices.Compact(candidates)
}

// report lists a live Department no change is planned for in p, with what the manager would
// report: waiting on a refusal or a reason, a change the remote system cannot make, or an
// adoption without a write.
func (s *syncPlanner) report(p *organizationPlan, d *v1alpha1.Department) {
	dec := s.chart.DecideSync(d.Name)
	switch refusal := dec.Refused; {
	case refusal != nil:
		p.Waiting = append(p.Waiting, planWait{Key: d.Key(), Department: d.Name, Reason: refusal.Reason,
			Message: "not sent again until " + refusal.Until + ": " + refusal.Message})
	case dec.Reason == v1alpha1.ReasonUnsupportedChange:
		old, _ := s.chart.Remote(d.Key())
		c := syncChange(d, dec, old, false, s.provider)
		p.Unsupported = append(p.Unsupported, planUnsupported{Action: c.Action, Key: c.Key, Department: c.Department,
			Fields: c.Fields, Reason: dec.Reason, Message: dec.Message})
	case decision.Adopts(d, dec.Synced, s.existed[d.Key()]):
		p.Adopted = append(p.Adopted, d.Key())
	case !dec.Synced && dec.Reason != "":
		p.Waiting = append(p.Waiting, planWait{Key: d.Key(), Department: d.Name, Reason: dec.Reason, Message: dec.Message})
	}
}

// writes reports whether a decision asks for a remote write of the Department's values.
func writes(dec controller.PlanDecision) bool {
	return dec.Action == controller.PlanCreate || dec.Action == controller.PlanUpdate
}

// plannedDeletes is what planDeletes found.
type plannedDeletes struct {
	budget  *planBudget
	changes []planChange
	waiting []planWait
	// pending are the keys still claimed by Departments whose delete waits.
	pending map[string]bool
}

// planDeletes decides for the Departments the apply would delete, children first: wave after
// wave, the Departments whose sub-departments are gone are deleted (or released). The deletion budget
// counts each delete as the manager does; one it holds keeps its remote department, and so its
// parent waits too (held as "subtree").
//
// A wave, as the manager's workers go, decides every Department that may go on from the same
// chart (the deletes whose sub-departments are gone reserve the budget together), and its deletes
// and releases take effect after it; only then do their parents decide again. Within a wave,
// deepest first, then by key.
func planDeletes(chart *controller.PlanChart, org *v1alpha1.Organization, deleting []*v1alpha1.Department, now time.Time) plannedDeletes {
	dp := newDeletePlanner(chart, org, now)
	depth := remoteDepth(chart, deleting)
	slices.SortFunc(deleting, func(a, b *v1alpha1.Department) int {
		return cmp.Or(cmp.Compare(depth[b.Key()], depth[a.Key()]), byKey(a, b))
	})
	for candidates := deleting; len(candidates) > 0; {
		wave := dp.wave(candidates)
		touched := dp.record(wave)
		dp.apply(wave)
		candidates = dp.next(deleting, touched)
	}
	return dp.result(deleting)
}

// deletePlanner holds planDeletes' state from wave to wave.
type deletePlanner struct {
	chart  *controller.PlanChart
	budget *controller.PlanBudget
	now    time.Time
	// summary counts the planned deletes and the held ones.
	summary *planBudget
	// done are the Departments, by name, whose delete or release a wave made.
	done map[string]bool
	// above marks the remote ancestors of held deletes: the manager would not reach their
	// deletes before the held ones are made.
	above   map[string]bool
	changes []planChange
}

func newDeletePlanner(chart *controller.PlanChart, org *v1alpha1.Organization, now time.Time) *deletePlanner {
	budget := controller.NewPlanBudget(org)
	maxDeletions, window := budget.Limit()
	return &deletePlanner{
		chart: chart, budget: budget, now: now,
		summary: &planBudget{MaxDeletions: maxDeletions, Window: window.String(), Made: budget.MadeAt(now), Approved: budget.Approved()},
		done:    map[string]bool{}, above: map[string]bool{},
	}
}

// deletion is a deleting Department whose delete or release the manager would make now.
type deletion struct {
	d      *v1alpha1.Department
	action controller.PlanAction
}

// wave decides every candidate not done yet from the same chart.
func (dp *deletePlanner) wave(candidates []*v1alpha1.Department) []deletion {
	var wave []deletion
	for _, d := range candidates {
		if dp.done[d.Name] {
			continue
		}
		switch dec := dp.chart.DecideDelete(d.Name); dec.Action {
		case controller.PlanRelease, controller.PlanDelete:
			wave = append(wave, deletion{d, dec.Action})
		}
	}
	return wave
}

// record plans the wave's deletes and releases, and returns the keys whose deleting Departments
// may decide otherwise once the wave is made.
func (dp *deletePlanner) record(wave []deletion) map[string]bool {
	touched := map[string]bool{}
	deleted := map[string]bool{} // keys this wave deletes
	for _, w := range wave {
		d := w.d
		if r, exists := dp.chart.Remote(d.Key()); exists {
			touched[r.ParentKey] = true
		}
		touched[d.Spec.ParentExternalKey], touched[d.Key()] = true, true
		switch {
		case deleted[d.Key()]:
			// Another deleting Department of the key deletes it in this wave: this one finds
			// it gone and lets go, as the manager's second reconcile does.
		case w.action == controller.PlanRelease:
			dp.release(d)
		default:
			deleted[d.Key()] = true
			dp.delete(d)
		}
	}
	return touched
}

// release plans d's release: a change only while its remote department exists and no live
// Department takes the key over.
func (dp *deletePlanner) release(d *v1alpha1.Department) {
	if _, exists := dp.chart.Remote(d.Key()); exists && !otherClaimant(dp.chart, d) {
		dp.changes = append(dp.changes, planChange{Action: actionRelease, Key: d.Key(), Department: d.Name})
	}
}

// delete plans d's remote delete, held when a sub-department's delete is held or the budget is
// spent.
func (dp *deletePlanner) delete(d *v1alpha1.Department) {
	c := planChange{Action: actionDelete, Key: d.Key(), Department: d.Name}
	switch {
	case dp.above[d.Key()]:
		c.Held = heldBySubtree
	case !dp.budget.Reserve(dp.now):
		c.Held = heldByBudget
	}
	if c.Held != "" {
		dp.summary.Held++
		markAncestors(dp.chart, d.Key(), dp.above)
	}
	dp.changes = append(dp.changes, c)
	dp.summary.Deletes++
}

// apply makes the wave's deletes and releases in the chart. It goes on as if the held deletes
// were approved: the plan shows them all, in order.
func (dp *deletePlanner) apply(wave []deletion) {
	for _, w := range wave {
		if w.action == controller.PlanDelete {
			dp.chart.Remove(w.d.Key())
		}
		dp.chart.Forget(w.d.Name)
		dp.done[w.d.Name] = true
	}
}

// next returns the deleting Departments, in their order, that a wave touched and are not done.
func (dp *deletePlanner) next(deleting []*v1alpha1.Department, touched map[string]bool) []*v1alpha1.Department {
	var candidates []*v1alpha1.Department
	for _, d := range deleting {
		if !dp.done[d.Name] && touched[d.Key()] {
			candidates = append(candidates, d)
		}
	}
	return candidates
}

// result lists the deletes that wait, with the reason the manager would report.
func (dp *deletePlanner) result(deleting []*v1alpha1.Department) plannedDeletes {
	out := plannedDeletes{budget: dp.summary, changes: dp.changes, pending: map[string]bool{}}
	for _, d := range deleting {
		if dp.done[d.Name] {
			continue
		}
		out.pending[d.Key()] = true
		dec := dp.chart.DecideDelete(d.Name)
		out.waiting = append(out.waiting, planWait{Key: d.Key(), Department: d.Name, Deleting: true, Reason: dec.Reason, Message: dec.Message})
	}
	return out
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
