package controller

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
	rules "github.com/orgsync/orgsync/internal/decision"
	"github.com/orgsync/orgsync/internal/httpretry"
	"github.com/orgsync/orgsync/internal/inventory"
	"github.com/orgsync/orgsync/internal/provider"
)

// This file is the Department reconciler's act layer: the one place that writes, to the remote
// system (through the provider seam and the Organization's inventory) and to the Department's
// finalizer, what a decision asks for. It reads nothing to decide again: a write whose answer
// leaves the remote state unknown ends the reconcile on a fresh look, and the next reconcile
// decides from it.

// failedWrite is a write whose answer left the remote state unknown (a create refused because the
// key exists, a delete refused because the department is already gone, a timeout that may have
// applied): the reconcile that made it listed the chart again, and the next one decides from
// that listing (decideDepartment).
type failedWrite struct {
	generation int64
	action     rules.Action
	err        error
	// seen is what the listing made after the failure showed of the department, its parent and
	// its children.
	seen inventory.View
	// listedAfter, when set, is when the write failed, and the listing after it was still under
	// way when the reconcile ended: the next reconcile decides from a listing since then, and
	// takes seen from it.
	listedAfter time.Time
}

// listingSince is when the listing a reconcile after f decides from must have started: when the
// write failed, while the listing after it was under way when that reconcile ended; otherwise
// since (f nil included).
func (f *failedWrite) listingSince(since time.Time) time.Time {
	if f == nil || f.listedAfter.IsZero() {
		return since
	}
	return f.listedAfter
}

// listed takes, once the listing after the failure has ended, what it shows (view) as seen.
func (f *failedWrite) listed(view inventory.View) {
	if f != nil && !f.listedAfter.IsZero() {
		f.seen, f.listedAfter = view, time.Time{}
	}
}

// stands reports whether the failure answers d, decided for s: the same write for the same spec,
// on the chart as the listing after the failure showed it. When the chart changed since (a parent
// that was missing put back, say), the failure says nothing about d.
func (f *failedWrite) stands(s *rules.Snapshot, d rules.Decision) bool {
	return f != nil && f.action == d.Action && f.generation == s.Dept.Generation &&
		sameListed(f.seen.Self, s.Remote.Self) && sameListed(f.seen.Parent, s.Remote.Parent) && slices.Equal(f.seen.Children, s.Remote.Children)
}

// sameListed reports whether a and b are the same listing of a department, or both absent.
func sameListed(a, b *provider.Department) bool {
	if a == nil || b == nil {
		return a == b
	}
	return inventory.SameRemote(*a, *b)
}

// decideDepartment is the reconcile's one decision: decision.DecideSync or DecideDelete from the
// snapshot. After a failed write, the snapshot rests on a listing made since: when it asks for the same
// write again for the same spec on the chart that listing showed, the answer meant what it said
// and the failure is reported instead of the write being sent again; when it asks for another
// (adopting the department a create found existing, releasing one a delete found gone) or none,
// that goes ahead.
func decideDepartment(sc *departmentScope) decision {
	s := sc.s
	d := rules.DecideSync(s)
	if isDeleting(s.Dept) {
		d = rules.DecideDelete(s)
	}
	if !sc.failed.stands(s, d) {
		return decided(d)
	}
	return decision{outcome: refusal(sc, d, sc.failed.err)}
}

// refusal is the outcome of d's write failing with err. When the remote system refused the values
// and the chart shows a sibling under the desired parent with the desired name, the message says
// so and how to get out (two siblings swapping names).
func refusal(sc *departmentScope, d rules.Decision, err error) outcome {
	o := failure(err)
	if o.reason == v1alpha1.ReasonInvalidSpec && d.Action == rules.Delete {
		// Nothing in the Department's spec makes a delete: what the remote system refuses is
		// fixed there (members left in the department...), which no listing shows. Tried again.
		return notReady(v1alpha1.ReasonDeletionBlocked, "the remote system refused the delete: "+err.Error()+
			"; fix what it says there, or set spec.deletionPolicy: Orphan to leave the remote department in place")
	}
	if o.reason != v1alpha1.ReasonInvalidSpec || d.Action == rules.Delete || sc.nameHolder == nil {
		return o
	}
	o.message += "; " + rules.NameHeld(d.Desired.Name, sc.nameHolder.sibling, sc.nameHolder.holder, sc.s.Remote.Self)
	return o
}

// acted is what the act did: the outcome to report, and what the status records of it.
type acted struct {
	outcome
	// action is the remote write made, rules.NoAction when none was.
	action rules.Action
	// written is the department as a create or an update left it.
	written *provider.Department
	// below is, for a move that waits, the path from the department down to its new parent, and
	// belowSeq when the inventory was looked at to decide so (inventory.Watch).
	below    []string
	belowSeq uint64
	// released: the finalizer is gone, so no status remains to write.
	released bool
}

// act carries out d: the finalizer, at most one remote write, and what is remembered for the
// next reconcile.
func (r *DepartmentReconciler) act(ctx context.Context, sc *departmentScope, d decision) acted {
	if isDeleting(sc.s.Dept) {
		return r.actDeleting(ctx, sc, d)
	}
	return r.actLive(ctx, sc, d)
}

// actLive acts for a live Department.
func (r *DepartmentReconciler) actLive(ctx context.Context, sc *departmentScope, d decision) acted {
	s := sc.s
	if s.WriteChecked() {
		// This decision has seen what became of the last update: a write made now is checked anew.
		r.writes.CompareAndDelete(s.Dept.UID, s.LastWrite)
	}
	// The finalizer goes on before the first remote write, so no remote department outlives its
	// object unnoticed; and as soon as the department is bound to be written (its Organization is
	// connected and lets it write), so that the write of a department that waited for its parent
	// is not held up by a Kubernetes write when the parent appears.
	if d.Action != rules.NoAction || (s.Org.Connected && !s.ObserveOnly()) {
		if err := holdFinalizer(ctx, r.Client, s.Dept); err != nil {
			return acted{outcome: retry(err)}
		}
	}
	res := acted{outcome: d.outcome, below: s.Remote.ParentBelow, belowSeq: s.Remote.Seq}
	if d.Action != rules.NoAction {
		var looked bool
		if res, looked = r.lookBeforeCreating(ctx, sc, d); !looked {
			res = r.write(ctx, sc, d)
		}
	}
	r.noteWaits(sc, res)
	return res
}

// lookBeforeCreating lists the chart again before a create that rests on a listing older than the
// Department, and ends the reconcile there: the next one decides from that listing, so that a
// department made remotely since (by hand, or the one an export was read from) is adopted,
// without a write when it matches, instead of created over. Only a create with no other create
// since the last listing looks again, so that a bulk apply does not list the whole chart before
// each create; a department it misses is still adopted when the create finds the key taken.
// looked is false when no look is needed.
func (r *DepartmentReconciler) lookBeforeCreating(ctx context.Context, sc *departmentScope, d decision) (res acted, looked bool) {
	if d.Action != rules.Create {
		return acted{}, false
	}
	// creationTimestamp has whole seconds: the Department may be up to a second younger.
	born := sc.s.Dept.CreationTimestamp.Add(time.Second)
	if now := time.Now(); born.After(now) {
		born = now
	}
	if !sc.inv.CreateNeedsListing(born) {
		return acted{}, false
	}
	if err := r.remote.listed(ctx, sc.inv, born, sc.conn, client.ObjectKeyFromObject(sc.s.Dept)); err != nil {
		return acted{outcome: failure(err)}, true
	}
	return acted{outcome: lookAgain()}, true
}

// actDeleting acts for a deleting Department: a remote delete, within the Organization's deletion
// budget, then the finalizer's release.
func (r *DepartmentReconciler) actDeleting(ctx context.Context, sc *departmentScope, d decision) acted {
	s := sc.s
	if org := s.Organization; org != nil {
		if d.Action == rules.Delete && !r.Budgets.reserve(org, s.Dept.Key(), time.Now()) {
			return acted{outcome: heldByBudget(org)}
		}
		if d.Action != rules.Delete {
			r.Budgets.forget(org, s.Dept.Key())
		}
	}
	switch d.Action {
	case rules.Delete:
		if res := r.write(ctx, sc, d); res.action != rules.Delete {
			return res
		}
	case rules.Release:
	default:
		return acted{outcome: d.outcome}
	}
	if d.Orphaned != "" {
		r.Recorder.Eventf(s.Dept, nil, corev1.EventTypeWarning, "Orphaned", "Delete", "%s", d.Orphaned)
	}
	if org := s.Organization; org != nil {
		r.Budgets.done(org, s.Dept.Key()) // deleted, or released: a later delete of the key counts anew
	}
	r.forget(s.Dept.UID)
	o, _ := releaseFinalizer(ctx, r.Client, s.Dept)
	return acted{outcome: o, released: true}
}

// forget drops what the reconciler remembers of the Department with uid.
func (r *DepartmentReconciler) forget(uid types.UID) {
	r.rejections.Delete(uid)
	r.writes.Delete(uid)
	r.failedWrites.Delete(uid)
}

// heldByBudget is the outcome of a delete that org's deletion budget holds.
func heldByBudget(org *v1alpha1.Organization) outcome {
	maxDeletions, window := org.Spec.EffectiveDeletionBudget()
	return notReady(v1alpha1.ReasonDeletionBudgetExceeded, fmt.Sprintf(
		"the remote delete waits: Organization %q allows %d deletions per %s (spec.deletionBudget) and they are spent; "+
			"let more through with kubectl annotate --overwrite organization %s %s=<n>, raise spec.deletionBudget.maxDeletions, or wait for the next window",
		org.Name, maxDeletions, window, org.Name, v1alpha1.AnnotationApproveDeletions))
}

// write makes the remote write d asks for. When it fails with an answer that leaves the remote
// state unknown (needsFreshLook), nothing is concluded from the answer: the chart is listed
// again, the failure is remembered, and the reconcile ends there; the next one decides from that
// listing. A write decided from such a listing concludes from its own failure: one fresh look per
// failed write.
func (r *DepartmentReconciler) write(ctx context.Context, sc *departmentScope, d decision) acted {
	started := time.Now()
	written, err := r.apply(ctx, sc, d)
	var waits *inventory.MoveWaitsError
	switch {
	case err == nil:
		o := d.outcome
		o.wrote = true
		return acted{outcome: o, action: d.Action, written: written}
	case errors.As(err, &waits):
		// Woken, as a decision's wait is, by a change under the departments on the path.
		return acted{outcome: outcomeOf(rules.MoveWaits(waits.Below)), below: waits.Below, belowSeq: waits.Seq}
	case !needsFreshLook(err):
		return acted{outcome: failure(err)}
	case sc.failed != nil:
		return acted{outcome: refusal(sc, d.Decision, err)}
	}
	dept := sc.s.Dept
	failed := &failedWrite{generation: dept.Generation, action: d.Action, err: err}
	// The worker waits for the listing a moment at most: a chart that takes minutes to list must
	// not hold it (nor, failure after failure, its namespace's share of the workers).
	lerr := r.remote.listed(ctx, sc.inv, started, sc.conn, client.ObjectKeyFromObject(dept))
	switch {
	case remoteUnderWay(lerr):
		// The listing wakes the Department when it ends; that reconcile decides from it.
		failed.listedAfter = started
		r.failedWrites.Store(dept.UID, failed)
		return acted{outcome: failure(lerr)}
	case lerr != nil:
		return acted{outcome: failure(fmt.Errorf("%w (and listing the chart again failed: %w)", err, lerr))}
	}
	failed.seen = sc.inv.View(dept.Key(), dept.Spec.ParentExternalKey, isDeleting(dept))
	r.failedWrites.Store(dept.UID, failed)
	return acted{outcome: lookAgain()}
}

// maxTurnWait is the longest a worker waits for its turn to write to a remote system.
const maxTurnWait = time.Second

// needsFreshLook reports whether a failed write's answer leaves the remote state unknown.
func needsFreshLook(err error) bool {
	var limited *httpretry.LimitedError
	return !errors.As(err, &limited) && !errors.Is(err, provider.ErrCredentials) && !errors.Is(err, provider.ErrThrottled) &&
		!errors.Is(err, provider.ErrUnsupported)
}

// apply makes one remote write and records it in the inventory and, for an update or a delete,
// as an event. It returns the department as a create or an update left it.
func (r *DepartmentReconciler) apply(ctx context.Context, sc *departmentScope, d decision) (*provider.Department, error) {
	// A write whose turn under the Organization's rate limit is far off is requeued for then,
	// rather than holding a worker that other Organizations' work may be waiting for.
	ctx = httpretry.WithMaxWait(ctx, maxTurnWait)
	finished, err := sc.inv.WriteStarted(ctx, maxTurnWait)
	if err != nil {
		return nil, err
	}
	defer finished()
	switch d.Action {
	case rules.Create:
		created, err := sc.conn.Departments.Create(ctx, d.Desired)
		if err != nil {
			return nil, err
		}
		// No event: the Ready condition says it, and a first import of thousands of departments
		// would write as many Events. Updates and deletes, which change what exists, have one.
		sc.inv.Created(created)
		return &created, nil
	case rules.Update:
		return r.applyUpdate(ctx, sc, d)
	case rules.Delete:
		if err := sc.conn.Departments.Delete(ctx, d.Desired); err != nil {
			return nil, err
		}
		sc.inv.Remove(d.Desired.Key)
		r.Recorder.Eventf(sc.s.Dept, nil, corev1.EventTypeNormal, "Deleted", "Delete", "Deleted remote department %q", d.Desired.Key)
	}
	return nil, nil
}

// applyUpdate makes an update, which may move the department.
func (r *DepartmentReconciler) applyUpdate(ctx context.Context, sc *departmentScope, d decision) (*provider.Department, error) {
	dept, inv, key := sc.s.Dept, sc.inv, d.Desired.Key
	// A move is decided from the chart, and another decided at the same moment may put the new
	// parent inside this department's subtree: the inventory checks each move, as it starts,
	// against the moves under way (*inventory.MoveWaitsError).
	updated, err := inv.Update(d.Desired, func() (provider.Department, error) { return sc.conn.Departments.Update(ctx, d.Desired) })
	if err != nil {
		return nil, err
	}
	// The chart shows the write until a listing replaces it with what the remote system holds:
	// one that starts after now tells whether it was applied.
	r.writes.Store(dept.UID, &rules.WriteCheck{Generation: dept.Generation, Fields: d.Diff, Answered: time.Now()})
	r.Recorder.Eventf(dept, nil, corev1.EventTypeNormal, "Updated", "Update", "Updated remote department %q: %s", key, cmp.Or(d.Diff.String(), "adopted"))
	return &updated, nil
}

// noteWaits asks the inventory to wake a Department whose move waits for its new parent to leave
// its subtree at the next change under any department between them. It also remembers an
// InvalidSpec, and what it depended on, so that the same values are not sent again until the spec
// or the departments around it change, and asks the inventory to wake the Department at the next
// change under its parent; and a NotApplied, so that the update is not sent again until the spec
// or the remote department changes.
func (r *DepartmentReconciler) noteWaits(sc *departmentScope, res acted) {
	s, inv, o := sc.s, sc.inv, res.outcome
	nn := client.ObjectKeyFromObject(s.Dept)
	if o.keepCondition {
		// A refused name that still stands on the chart this reconcile read (it was woken by a
		// wake-up that changed nothing it depends on) watches on: its watch was spent waking it.
		// Not on a chart that could not be read (a listing failed, or is under way): that outcome
		// says when to look again.
		if r := s.Rejected; inv != nil && r != nil && r.Remote == nil && r.Condition == nil &&
			s.ListErr == nil && s.Remote.Complete && r.Holds(s.Dept.Generation, s.Remote) {
			watchSiblings(inv, s, nn)
		}
		return
	}
	if inv != nil && o.reason == v1alpha1.ReasonWaitingForParent && res.below != nil {
		inv.Watch(nn, res.belowSeq, inventory.WaitBelow(res.below)...)
	}
	switch {
	case o.reason == v1alpha1.ReasonNotApplied && s.Remote.Self != nil:
		// Woken by a change of the remote department (a listing that shows it changed wakes the
		// Department that holds its key) or of the spec.
		listed := *s.Remote.Self
		r.rejections.Store(s.Dept.UID, rules.Rejection{Generation: s.Dept.Generation, Remote: &listed})
	case o.reason != v1alpha1.ReasonInvalidSpec || inv == nil:
		r.rejections.Delete(s.Dept.UID)
	default:
		r.rejections.Store(s.Dept.UID, rules.Rejection{Generation: s.Dept.Generation, SiblingsVersion: s.Remote.SiblingsVersion})
		watchSiblings(inv, s, nn)
	}
}

// watchSiblings wakes the Department of s, whose values were refused, at the next change under
// its desired parent or its remote one.
func watchSiblings(inv *inventory.Inventory, s *rules.Snapshot, nn types.NamespacedName) {
	parents := []string{s.Dept.Spec.ParentExternalKey}
	if s.Remote.Self != nil {
		parents = append(parents, s.Remote.Self.ParentKey)
	}
	inv.Watch(nn, s.Remote.Seq, parents...)
}
