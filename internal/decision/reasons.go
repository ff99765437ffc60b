package decision

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// Class is how a Ready condition reads to a person, to Argo CD (health.lua is generated from
// Reasons), to `kubectl orgsync tree` (its colours) and to the chaos suite (what may last once a
// run has settled). There are four, one per Argo CD health status, because that is the finest
// distinction any reader makes:
//
//   - Ready: the remote system matches the spec (Argo CD Healthy, green).
//   - Progressing: not yet, and it comes on its own: orgsync is creating, deleting or retrying,
//     or waits for something orgsync itself makes (Argo CD Progressing, yellow). A person acts
//     only when it lasts.
//   - Suspended: nothing moves until a person decides, and nothing has failed: a pause, or
//     deletions held by the deletion budget (Argo CD Suspended, yellow).
//   - Failing: the spec, the credentials or the remote system must change first (Argo CD
//     Degraded, red); the chaos suite accepts these once a run has settled, the others not.
type Class int

// The classes of a Ready condition.
const (
	ClassReady Class = iota
	ClassProgressing
	ClassSuspended
	ClassFailing
)

func (c Class) String() string {
	return [...]string{"Ready", "Progressing", "Suspended", "Failing"}[c]
}

// WakeUp is how an object that is not Ready is looked at again: a watch that names it, a delay,
// or the workqueue's backoff. Every reason but Synced has at least one.
type WakeUp struct {
	// Watch says which change wakes the object, when one does.
	Watch string
	// Delay is the longest the object waits without a watch event, when it is not the sync
	// period (Resync) and not a delay the decision sets itself.
	Delay time.Duration
	// Resync: the object is looked at again after its sync period.
	Resync bool
	// Backoff: the reconcile returns its error and the workqueue retries with backoff.
	Backoff bool
}

// Reason is how one reason of the Ready condition reads.
type Reason struct {
	Reason string
	// Class applies to Ready=False with the reason (Synced comes only with Ready=True).
	Class Class
	// Event is the type of the Event that marks a transition into the reason: Normal or
	// Warning; empty for the reasons that only begin normal progress (every Department of a
	// chart applied at once waits for its parent), where an Event each would only double the
	// Kubernetes writes of a first import.
	Event string
	WakeUp
	// Action is what a person does about it.
	Action string
}

// Backoffs used where no watch event announces a change.
const (
	// BlockedRetry is how often a deletion blocked by sub-departments looks again.
	BlockedRetry = time.Minute
	// BudgetRetry is how often a delete held by the deletion budget looks again.
	BudgetRetry = time.Minute
)

// Reasons is every reason of the Ready condition (v1alpha1.Reasons), in that order: the one table
// the manager (wake-ups, Events), `kubectl orgsync tree`, the chaos invariants and the Argo CD
// health script (generated from it) read.
var Reasons = []Reason{
	{Reason: v1alpha1.ReasonSynced, Class: ClassReady, WakeUp: WakeUp{Resync: true}, Action: "nothing"},
	{Reason: v1alpha1.ReasonWaitingForOrganization, Class: ClassProgressing, WakeUp: WakeUp{Watch: "the Organization's creation, connection or spec change"}, Action: "nothing, unless it lasts: read the Organization's Ready condition"},
	{Reason: v1alpha1.ReasonWaitingForParent, Class: ClassProgressing, WakeUp: WakeUp{Watch: "the parent key appearing in the Organization's inventory (a create or a listing), or, for a move under a department still inside its own subtree, a change under any department between them", Resync: true}, Action: "nothing, unless it lasts: give the parent key a Department, or make the parent in the remote system"},
	{Reason: v1alpha1.ReasonParentCycle, Class: ClassFailing, Event: corev1.EventTypeWarning, WakeUp: WakeUp{Watch: "a change of a Department whose key is in the cycle", Resync: true}, Action: "change the parentExternalKey of one Department in the cycle"},
	{Reason: v1alpha1.ReasonConflict, Class: ClassFailing, Event: corev1.EventTypeWarning, WakeUp: WakeUp{Watch: "a change or deletion of another Department or Organization claiming the same key or chart", Resync: true}, Action: "give one of the Departments (or Organizations) that claim the key or chart another one, or delete it"},
	{Reason: v1alpha1.ReasonCredentialsInvalid, Class: ClassFailing, Event: corev1.EventTypeWarning, WakeUp: WakeUp{Watch: "a change of the credentials Secret, when it is labelled and watched (--watch-credentials-secrets); it is read again at each resync either way", Resync: true}, Action: "fix the credentials Secret the Organization names, or the key's permissions in the remote system"},
	{Reason: v1alpha1.ReasonInvalidSpec, Class: ClassFailing, Event: corev1.EventTypeWarning, WakeUp: WakeUp{Watch: "a spec change, or a change in the remote chart under the parent"}, Action: "change the spec as the message says, or the remote departments it collides with"},
	{Reason: v1alpha1.ReasonUnsupportedChange, Class: ClassFailing, Event: corev1.EventTypeWarning, WakeUp: WakeUp{Watch: "a spec change, or a change of the remote department in the inventory"}, Action: "make the change another way, as the message says, or change the spec back"},
	{Reason: v1alpha1.ReasonNotApplied, Class: ClassFailing, Event: corev1.EventTypeWarning, WakeUp: WakeUp{Watch: "a spec change, or a change of the remote department in the inventory"}, Action: "look at the department in the remote system (a rule or a permission may keep the old value): make the change there, or change the spec"},
	// RemoteError is Progressing, not Failing: it is a transient failure the manager retries
	// with backoff, nothing a person must change for it to end. Degraded in Argo CD would fail a
	// sync wave for a blip of the remote API; a Warning Event still tells whoever watches.
	{Reason: v1alpha1.ReasonRemoteError, Class: ClassProgressing, Event: corev1.EventTypeWarning, WakeUp: WakeUp{Backoff: true}, Action: "nothing, unless it lasts: check the remote system's status and the manager's way to it"},
	{Reason: v1alpha1.ReasonDeletionBlocked, Class: ClassProgressing, Event: corev1.EventTypeNormal, WakeUp: WakeUp{Watch: "a sub-department leaving the inventory, or its Department going", Delay: BlockedRetry}, Action: "nothing while the sub-departments' Departments are deleted; delete or move the ones with no Department, or set deletionPolicy: Orphan"},
	{Reason: v1alpha1.ReasonDrifted, Class: ClassFailing, Event: corev1.EventTypeWarning, WakeUp: WakeUp{Watch: "a change of the remote department in the inventory", Resync: true}, Action: "change the remote department or the spec until they match, or set managementPolicy: Manage to let orgsync write"},
	{Reason: v1alpha1.ReasonDeleting, Class: ClassProgressing, Event: corev1.EventTypeNormal, WakeUp: WakeUp{Watch: "a Department of the Organization changing or going"}, Action: "nothing: the Organization goes once its Departments have"},
	{Reason: v1alpha1.ReasonDeletionPending, Class: ClassProgressing, WakeUp: WakeUp{Watch: "the Organization's deletion; otherwise requeued for the end of the grace period"}, Action: "nothing: the remote delete follows at the end of the grace period"},
	{Reason: v1alpha1.ReasonPaused, Class: ClassSuspended, Event: corev1.EventTypeWarning, WakeUp: WakeUp{Watch: "the annotation orgsync.dev/paused leaving the object or its Organization"}, Action: "remove the annotation orgsync.dev/paused to resume"},
	{Reason: v1alpha1.ReasonDeletionBudgetExceeded, Class: ClassSuspended, Event: corev1.EventTypeWarning, WakeUp: WakeUp{Watch: "approved deletions or a raised budget on the Organization", Delay: BudgetRetry}, Action: "let the deletions through with orgsync.dev/approve-deletions, raise spec.deletionBudget, or wait for the next window"},
}

var reasonsByName = func() map[string]Reason {
	m := make(map[string]Reason, len(Reasons))
	for _, r := range Reasons {
		m[r.Reason] = r
	}
	return m
}()

// Lookup returns how reason reads; false for a reason this version does not know.
func Lookup(reason string) (Reason, bool) {
	r, ok := reasonsByName[reason]
	return r, ok
}

// ClassOf classifies a Ready condition with status and reason. Ready=Unknown is "not decided
// yet"; Ready=False with a reason this version does not know, or with Synced, is a failure all
// the same.
func ClassOf(status metav1.ConditionStatus, reason string) Class {
	switch status {
	case metav1.ConditionTrue:
		return ClassReady
	case metav1.ConditionFalse:
		if r, ok := Lookup(reason); ok && r.Class != ClassReady {
			return r.Class
		}
		return ClassFailing
	}
	return ClassProgressing
}

// Actionable reports whether Ready=False with reason tells a person what to change: a known
// reason of class Failing. Every other not-Ready reason says "wait", which must not last once
// the chart has settled.
func Actionable(reason string) bool {
	r, ok := Lookup(reason)
	return ok && r.Class == ClassFailing
}

// EventType is the type of the Event that marks a transition into Ready=False with reason:
// empty when none is recorded, Warning for a reason this version does not know.
func EventType(reason string) string {
	if r, ok := Lookup(reason); ok {
		return r.Event
	}
	return corev1.EventTypeWarning
}
