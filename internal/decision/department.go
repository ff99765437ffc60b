package decision

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/inventory"
	"github.com/orgsync/orgsync/internal/provider"
)

// Snapshot is everything one Department's decision reads, gathered once: the object, its
// Organization and the Departments around it, and the remote chart as the Organization's
// inventory shows it. The manager gathers it from its cache and inventory; `kubectl orgsync plan`
// from the chart it plans (controller.PlanChart). DecideSync and DecideDelete read nothing else.
type Snapshot struct {
	Dept *v1alpha1.Department
	Org  Organization
	// Holder is the Department that owns Dept's key (Dept itself when it does).
	Holder *v1alpha1.Department
	// Successor is, for a deleting Dept, a live Department that claims the same key.
	Successor *v1alpha1.Department
	// Cycle lists the keys of a parentExternalKey cycle Dept is part of.
	Cycle []string
	// ObjectChildren names the Departments whose spec names Dept's key as their parent.
	ObjectChildren []string
	// RemoteChildren names the remote sub-departments of Dept: by the name of the Department
	// that claims each, or as "key (no Department)" (Blame).
	RemoteChildren []string
	// Remote is the inventory's view; ListErr says why there is none.
	Remote  inventory.View
	ListErr error
	// CredentialsGone: the Organization is being deleted and its Secret went first.
	CredentialsGone bool
	// Rejected is the remote system's last refusal of Dept's values, if any.
	Rejected *Rejection
	// LastWrite is Dept's last successful update whose effect no listing has shown yet, if any.
	LastWrite *WriteCheck
	// Diff compares as the Organization's provider does.
	Diff func(desired, observed provider.Department) provider.Fields
	// Unsupported says, as the Organization's provider does, whether the remote system offers no
	// way to make a change; nil when it can make every change.
	Unsupported func(desired, observed provider.Department) error
	// Organization is the Organization object, when it exists (for its deletion budget).
	Organization *v1alpha1.Organization
	// Grace, for a deleting Department whose Organization's deletionPolicy Orphan may still come
	// into force, is how long its remote delete waits.
	Grace DeletionWait
}

// DeletionWait is the grace period of a Department deleted on its own: its remote delete waits
// until At (Left from now), so that an Organization deleted together with it is seen first.
type DeletionWait struct {
	At    time.Time
	Left  time.Duration
	Grace time.Duration
}

// Rejection is a refusal of a Department's values by the remote system, and what it depended on:
// the spec (Generation) and the departments around it (SiblingsVersion), or, for an update the
// remote system accepted and did not apply, the remote department as listed then (Remote). A
// Rejection read from the Ready condition (RejectionOf) has only the generation: it stands for
// it whatever the chart shows.
type Rejection struct {
	Generation      int64
	SiblingsVersion uint64
	Remote          *provider.Department
	// Condition is the refusal as the Ready condition records it, for one read from there.
	Condition *Refusal
}

// RejectionOf is the refusal the Ready condition records for generation, if any (RefusalOf): what
// `kubectl orgsync plan`, which has no memory of the manager's, decides from.
func RejectionOf(dept *v1alpha1.Department) *Rejection {
	r, ok := RefusalOf(dept.Status.Conditions, dept.Generation)
	if !ok {
		return nil
	}
	return &Rejection{Generation: dept.Generation, Condition: &r}
}

// Holds reports whether the refusal still stands for generation and the chart as v shows it:
// nothing it depended on has changed.
func (r *Rejection) Holds(generation int64, v inventory.View) bool {
	switch {
	case r == nil || r.Generation != generation:
		return false
	case r.Condition != nil:
		return true
	case r.Remote != nil:
		return v.Self != nil && inventory.SameRemote(*r.Remote, *v.Self)
	}
	return r.SiblingsVersion == v.SiblingsVersion
}

// WriteCheck is a successful update waiting for a listing to show its effect: the fields it
// wrote, for which generation, and when the remote system answered it.
type WriteCheck struct {
	Generation int64
	Fields     provider.Fields
	Answered   time.Time
}

// Action is the one remote or finalizer change a decision asks for.
type Action int

// The actions of a Decision.
const (
	NoAction Action = iota
	Create
	Update
	Delete
	// Release removes the finalizer, leaving the remote department as it is (or gone).
	Release
)

// Decision is what to do and what to report. The manager turns the report into its Ready
// condition and its requeue (controller's outcomeOf); `kubectl orgsync plan` shows it.
type Decision struct {
	Action Action
	// Desired is what a create or an update sends; for a delete, the remote department.
	Desired provider.Department
	// Diff names the fields an update changes.
	Diff provider.Fields
	// Orphaned, when set, is the message of a Warning event: the remote department is left behind.
	Orphaned string
	Report
}

// Report is the Ready condition a decision reports. An empty Reason reports nothing (a delete or
// a release: what the act does tells).
type Report struct {
	// Reason and Message are the Ready condition: ReasonSynced is Ready=True, any other
	// Ready=False, woken as Reasons says.
	Reason, Message string
	// Drift names, for Drifted, the fields the remote department holds differently.
	Drift provider.Fields
	// Keep leaves the Ready condition as it is: nothing new is decided about the spec.
	Keep bool
	// Refused, with Keep, is the refusal that stands (read from the condition).
	Refused *Refusal
	// Err is a failure to reach the remote chart, which the manager reports as it reports a
	// failed write.
	Err error
	// Wait, when positive, is when to look again instead of the reason's wake-up.
	Wait time.Duration
}

// Synced reports whether the remote department matches the spec.
func (r Report) Synced() bool { return r.Reason == v1alpha1.ReasonSynced }

func report(reason, message string) Decision {
	return Decision{Report: Report{Reason: reason, Message: message}}
}

func inSync(message string) Report {
	return Report{Reason: v1alpha1.ReasonSynced, Message: message}
}

// DecideSync decides what a live Department needs.
func DecideSync(s *Snapshot) Decision {
	if d, decided := waitsBeforeTheChart(s); decided {
		return d
	}
	desired := Desired(s.Dept, s.Remote)
	switch {
	case desired.ParentKey != "" && s.Remote.Parent == nil:
		return report(v1alpha1.ReasonWaitingForParent, fmt.Sprintf("parent department %q does not exist remotely yet", desired.ParentKey))
	case s.Rejected.Holds(s.Dept.Generation, s.Remote):
		// The remote system refused these values, or accepted them without applying them, and
		// nothing they depend on has changed since.
		return Decision{Report: Report{Keep: true, Refused: s.Rejected.Condition}}
	case s.Remote.Self == nil:
		return decideCreate(s, desired)
	}
	return decideUpdate(s, desired)
}

// waitsBeforeTheChart decides what does not depend on the remote chart: a pause, the
// Organization, the key's holder, a cycle, or a chart that could not be listed.
func waitsBeforeTheChart(s *Snapshot) (Decision, bool) {
	dept, key, org := s.Dept, s.Dept.Key(), s.Org.Name
	switch {
	case s.Paused() != "":
		return report(v1alpha1.ReasonPaused, PausedMessage(false, " on "+s.Paused(), "")), true
	case !s.Org.Exists:
		return report(v1alpha1.ReasonWaitingForOrganization, fmt.Sprintf("Organization %q does not exist in namespace %q", org, dept.Namespace)), true
	case s.Org.Deleting:
		return report(v1alpha1.ReasonWaitingForOrganization, fmt.Sprintf("Organization %q is being deleted", org)), true
	case !s.Org.Connected:
		return report(v1alpha1.ReasonWaitingForOrganization, fmt.Sprintf("Organization %q is not connected to its remote chart yet", org)), true
	case s.Holder != nil && s.Holder.UID != dept.UID:
		return report(v1alpha1.ReasonConflict, fmt.Sprintf("Department %q of Organization %q already claims external key %q; rename one of them", s.Holder.Name, org, key)), true
	case s.Cycle != nil:
		return report(v1alpha1.ReasonParentCycle, fmt.Sprintf("parentExternalKey forms a cycle: %s", strings.Join(s.Cycle, " -> "))), true
	case s.ListErr != nil:
		return Decision{Report: Report{Err: s.ListErr}}, true
	}
	return Decision{}, false
}

// decideCreate decides for a Department whose remote department does not exist.
func decideCreate(s *Snapshot, desired provider.Department) Decision {
	key := s.Dept.Key()
	if s.ObserveOnly() {
		return report(v1alpha1.ReasonDrifted, fmt.Sprintf("remote department %q does not exist (managementPolicy Observe: not creating it)", key))
	}
	return Decision{Action: Create, Desired: desired, Report: inSync(fmt.Sprintf("remote department %q matches the spec", key))}
}

// decideUpdate decides for a Department whose remote department exists.
func decideUpdate(s *Snapshot, desired provider.Department) Decision {
	key, observeOnly := s.Dept.Key(), s.ObserveOnly()
	diff := s.Diff(desired, *s.Remote.Self)
	switch {
	case len(diff) == 0 && observeOnly:
		return Decision{Report: inSync(fmt.Sprintf("remote department %q matches the spec (observed only)", key))}
	case len(diff) == 0:
		return Decision{Report: inSync(fmt.Sprintf("remote department %q matches the spec", key))}
	case observeOnly:
		d := report(v1alpha1.ReasonDrifted, fmt.Sprintf("remote department %q differs in %s (managementPolicy Observe: not updating it)", key, diff))
		d.Drift = diff
		return d
	}
	if s.Unsupported != nil {
		if err := s.Unsupported(desired, *s.Remote.Self); err != nil {
			// Nothing is sent; the plan shows what was asked (Desired, Diff).
			return Decision{Desired: desired, Diff: diff, Report: Report{Reason: v1alpha1.ReasonUnsupportedChange,
				Message: err.Error() + "; nothing is sent until the spec or the remote department changes"}}
		}
	}
	if fields := s.NotApplied(diff); len(fields) > 0 {
		return report(v1alpha1.ReasonNotApplied, fmt.Sprintf(
			"the remote system accepted the update of %s but did not apply it: the listing made after the write still shows %s as before. "+
				"It is not sent again until the spec or the remote department changes: look at the department in the remote system "+
				"(a rule or a permission there may keep the old value), make the change there, or change the spec",
			fields, pronoun(fields)))
	}
	if below := s.Remote.ParentBelow; below != nil {
		return Decision{Report: MoveWaits(below)}
	}
	return Decision{Action: Update, Desired: desired, Diff: diff, Report: inSync(fmt.Sprintf("remote department %q matches the spec", key))}
}

// DecideDelete decides what a deleting Department needs before its finalizer can go.
func DecideDelete(s *Snapshot) Decision {
	if d, decided := releases(s); decided {
		return d
	}
	if blockers := mergeSorted(s.RemoteChildren, s.ObjectChildren); len(blockers) > 0 {
		message := fmt.Sprintf("waiting for sub-departments to be deleted first: %s", strings.Join(Truncate(blockers, 10), ", "))
		if Unmanaged(s.RemoteChildren) {
			// No Department will ever delete those: say how the deletion can go on.
			message += "; the ones with no Department are not orgsync's to delete: delete or move them in the remote system, " +
				"or give each a Department and delete it, or set deletionPolicy: Orphan on this Department to leave it in place"
		}
		return report(v1alpha1.ReasonDeletionBlocked, message)
	}
	if s.Grace.Left > 0 {
		return Decision{Report: deletionPending(s)}
	}
	return Decision{Action: Delete, Desired: *s.Remote.Self}
}

// releases decides for a deleting Department whatever comes before its sub-departments: a pause,
// a successor, a policy or an Organization that leaves the remote department in place, one that
// cannot be reached, or a remote department already gone.
func releases(s *Snapshot) (Decision, bool) {
	key, org := s.Dept.Key(), s.Org.Name
	switch {
	case s.Paused() != "":
		return report(v1alpha1.ReasonPaused, PausedMessage(true, " on "+s.Paused(), "")), true
	case s.Successor != nil:
		// Another live Department claims the key (a rename in Git, or a lost conflict): the remote
		// department and its sub-departments are its business now.
		return Decision{Action: Release}, true
	case s.Dept.Spec.DeletionPolicy == v1alpha1.DeletionPolicyOrphan, s.ObserveOnly():
		return Decision{Action: Release}, true
	case s.Org.Orphans:
		// The Organization goes with deletionPolicy Orphan: the whole remote chart stays, the
		// departments orgsync only adopted included.
		return Decision{Action: Release}, true
	case !s.Org.Exists:
		return Decision{Action: Release, Orphaned: fmt.Sprintf("Organization %q is gone; remote department %q was left in place", org, key)}, true
	case s.CredentialsGone:
		return Decision{Action: Release, Orphaned: fmt.Sprintf("the credentials of Organization %q are gone; remote department %q was left in place", org, key)}, true
	case s.ListErr != nil:
		return Decision{Report: Report{Err: s.ListErr}}, true
	case s.Remote.Self == nil:
		return Decision{Action: Release}, true // gone remotely: nothing left to delete
	}
	return Decision{}, false
}

// deletionPending is the report of a remote delete that waits for its grace period to end,
// woken at its end or by the Organization's deletion. The message names the time, not what is
// left of it, so that the condition is written once.
func deletionPending(s *Snapshot) Report {
	return Report{Reason: v1alpha1.ReasonDeletionPending, Message: fmt.Sprintf(
		"remote department %q is deleted at %s, once no Department of Organization %q has been deleted for %s, "+
			"unless the Organization is deleted by then: deleted together, its deletionPolicy Orphan leaves the remote departments in place",
		s.Dept.Key(), s.Grace.At.UTC().Format(time.RFC3339), s.Org.Name, s.Grace.Grace), Wait: s.Grace.Left}
}

// NotApplied names the fields of diff that the Department's last update wrote, for its current
// spec, and that the first listing started after the remote system answered still shows
// different: the write was accepted and not applied. Empty when no listing has followed the write
// yet, and when one before this listing already did (a difference now is a change made since).
func (s *Snapshot) NotApplied(diff provider.Fields) provider.Fields {
	w := s.LastWrite
	if w == nil || w.Generation != s.Dept.Generation || !s.Remote.ListStarted.After(w.Answered) || s.Remote.PrevListStarted.After(w.Answered) {
		return nil
	}
	var fields provider.Fields
	for _, f := range diff {
		if slices.Contains(w.Fields, f) {
			fields = append(fields, f)
		}
	}
	return fields
}

// WriteChecked reports whether a listing has shown the effect of the Department's last update,
// or the spec it wrote is no longer the current one: either way the check is done.
func (s *Snapshot) WriteChecked() bool {
	w := s.LastWrite
	return w != nil && (w.Generation != s.Dept.Generation || s.Remote.ListStarted.After(w.Answered))
}

func pronoun(fields provider.Fields) string {
	if len(fields) == 1 {
		return "it"
	}
	return "them"
}

// NameHeld says, for a write refused while the sibling held (under the desired parent) has the
// desired name, that the name is taken and the way out. holderDept is the Department that claims
// held's key (nil: none), current the department as listed (nil: it does not exist yet). Names are
// unique among siblings in OneAccess: two siblings swapping names are each refused because of the
// other until one of them takes an intermediate name.
func NameHeld(name string, held provider.Department, holderDept *v1alpha1.Department, current *provider.Department) string {
	switch {
	case holderDept == nil:
		return fmt.Sprintf("name %q is held by sibling department %q%s: rename or move that one in the remote system, or choose another name",
			name, held.Key, UnmanagedSuffix)
	case current != nil && holderDept.Spec.Name == current.Name && current.Name != name:
		return fmt.Sprintf("name %q is held by sibling department %q (Department %q), which asks for this department's name %q: "+
			"names are unique among siblings, so two siblings cannot swap names directly; rename one of them to an intermediate name first "+
			"(apply it, wait for it to be Ready), then both to their final names",
			name, held.Key, holderDept.Name, current.Name)
	}
	return fmt.Sprintf("name %q is held by sibling department %q (Department %q): names are unique among siblings; "+
		"this department is tried again when that one changes, or choose another name", name, held.Key, holderDept.Name)
}

// MoveWaits is the report of a move under a new parent that is inside the department's own
// subtree remotely (below is the path from the department down to it): the remote system refuses
// it as a cycle, so the departments between move out first (by their own Departments, when the
// chart asks for it).
func MoveWaits(below []string) Report {
	return Report{Reason: v1alpha1.ReasonWaitingForParent, Message: fmt.Sprintf(
		"parent department %q is inside this department's subtree remotely (%s): the update waits until it has moved out",
		below[len(below)-1], strings.Join(Truncate(below, 10), " > "))}
}

// PausedMessage is the Ready message of an object that the annotation orgsync.dev/paused stops:
// on says where the annotation is when it is on another object (" on Organization \"acme\""),
// effect what the pause stops, for a live object.
func PausedMessage(deleting bool, on, effect string) string {
	if deleting {
		// Releasing now would orphan the remote side without anyone having chosen to.
		return fmt.Sprintf("the deletion waits: paused by the annotation %s%s; remove it to let the deletion finish", v1alpha1.AnnotationPaused, on)
	}
	return fmt.Sprintf("paused by the annotation %s%s%s; remove it to resume", v1alpha1.AnnotationPaused, on, effect)
}

// Paused names what pauses the Department (itself or its Organization), or is empty.
func (s *Snapshot) Paused() string {
	switch {
	case v1alpha1.IsPaused(s.Dept):
		return fmt.Sprintf("Department %q", s.Dept.Name)
	case s.Org.Paused:
		return fmt.Sprintf("Organization %q", s.Org.Name)
	}
	return ""
}

// ObserveOnly reports whether the Department only reads: its own managementPolicy, or its
// Organization's, is Observe.
func (s *Snapshot) ObserveOnly() bool {
	return s.Dept.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserve || s.Org.ObserveOnly
}

// Adopts reports whether dept, whose decision found its remote department in sync (synced) and
// existing before it wrote anything (existed), takes that department over: it has never synced
// under its key, nor adopted a department, before. The manager records it in status.adopted (with
// an Event); `kubectl orgsync plan` reports it as an adoption.
func Adopts(dept *v1alpha1.Department, synced, existed bool) bool {
	return synced && existed && dept.Status.ExternalKey == "" && !dept.Status.Adopted
}

// Truncate keeps the first n of names, and says how many more there are.
func Truncate(names []string, n int) []string {
	if len(names) <= n {
		return names
	}
	return append(names[:n:n], fmt.Sprintf("and %d more", len(names)-n))
}

// mergeSorted returns the union of a and b, sorted.
func mergeSorted(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}
