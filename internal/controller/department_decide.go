package controller

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/orgsync/orgsync/api/v1alpha1"
	rules "github.com/orgsync/orgsync/internal/decision"
	"github.com/orgsync/orgsync/internal/inventory"
	"github.com/orgsync/orgsync/internal/provider"
)

// departmentSnapshot is everything one Department reconcile decides from, gathered once: the
// object, its Organization and the Departments around it from the cache, and the remote chart
// from the Organization's inventory.
type departmentSnapshot struct {
	dept *v1alpha1.Department
	org  organizationState
	// holder is the Department that owns dept's key (dept itself when it does).
	holder *v1alpha1.Department
	// successor is, for a deleting dept, a live Department that claims the same key.
	successor *v1alpha1.Department
	// cycle lists the keys of a parentExternalKey cycle dept is part of.
	cycle []string
	// objectChildren names the Departments whose spec names dept's key as their parent.
	objectChildren []string
	// remoteChildren names the remote sub-departments of dept: by the name of the Department
	// that claims each, or as "key (no Department)".
	remoteChildren []string
	// remote is the inventory's view; listErr says why there is none.
	remote  remoteView
	listErr error
	// credentialsGone: the Organization is being deleted and its Secret went first.
	credentialsGone bool
	// rejected is the remote system's last refusal of this Department's values, if any.
	rejected *rejection
	// lastWrite is this Department's last successful update whose effect no listing has shown
	// yet, if any.
	lastWrite *writeCheck
	// diff compares as the Organization's provider does.
	diff func(desired, observed provider.Department) provider.Fields
	// unsupported says, as the Organization's provider does, whether the remote system offers no
	// way to make a change; nil when it can make every change.
	unsupported func(desired, observed provider.Department) error
	// organization is the Organization object, when it exists (for its deletion budget).
	organization *v1alpha1.Organization
	// grace, for a deleting Department whose Organization's deletionPolicy Orphan may still come
	// into force, is how long its remote delete waits.
	grace deletionWait
}

// deletionWait is the grace period of a Department deleted on its own: its remote delete waits
// until at (left from now), so that an Organization deleted together with it is seen first.
type deletionWait struct {
	at    time.Time
	left  time.Duration
	grace time.Duration
}

// organizationStateOf is what a Department needs to know of its Organization, as
// decision.OrganizationOf reads it, with the Organization's sync period.
func organizationStateOf(o rules.Organization, syncPeriod time.Duration) organizationState {
	return organizationState{name: o.Name, exists: o.Exists, deleting: o.Deleting, paused: o.Paused, connected: o.Connected,
		orphans: o.Orphans, observeOnly: o.ObserveOnly, syncPeriod: syncPeriod}
}

// organizationState is what a Department needs to know of its Organization.
type organizationState struct {
	name      string
	exists    bool
	deleting  bool
	paused    bool
	connected bool
	// orphans: the Organization is being deleted with deletionPolicy Orphan, which leaves the
	// remote chart as it is; or its namespace is being deleted, which deletes it too.
	orphans bool
	// syncPeriod is the Organization's: its spec.syncPeriod or the manager's.
	syncPeriod time.Duration
	// observeOnly: the Organization's managementPolicy is Observe, so its Departments only read.
	observeOnly bool
}

// rejection is a refusal of a Department's values by the remote system, and what it depended on:
// the spec (generation) and the departments around it (siblingsVersion), or, for an update the
// remote system accepted and did not apply, the remote department as listed then (remote).
type rejection struct {
	generation      int64
	siblingsVersion uint64
	remote          *provider.Department
}

// holds reports whether the refusal still stands for generation and the chart as v shows it:
// nothing it depended on has changed.
func (r *rejection) holds(generation int64, v remoteView) bool {
	switch {
	case r == nil || r.generation != generation:
		return false
	case r.remote != nil:
		return v.self != nil && inventory.SameRemote(*r.remote, *v.self)
	}
	return r.siblingsVersion == v.siblingsVersion
}

// writeCheck is a successful update waiting for a listing to show its effect: the fields it
// wrote, for which generation, and when the remote system answered it.
type writeCheck struct {
	generation int64
	fields     provider.Fields
	answered   time.Time
}

// action is the one remote or finalizer change a decision asks for.
type action int

const (
	actNone action = iota
	actCreate
	actUpdate
	actDelete
	// actRelease removes the finalizer, leaving the remote department as it is (or gone).
	actRelease
)

// decision is what to do and what to report.
type decision struct {
	outcome
	action  action
	desired provider.Department
	// diff names the fields an update changes.
	diff provider.Fields
	// orphaned, when set, is the message of a Warning event: the remote department is left behind.
	orphaned string
}

// decideSync decides what a live Department needs.
func decideSync(s *departmentSnapshot) decision {
	dept, key := s.dept, s.dept.Key()
	switch {
	case s.paused() != "":
		return report(pausedOutcome(false, " on "+s.paused(), ""))
	case !s.org.exists:
		return report(notReady(v1alpha1.ReasonWaitingForOrganization, fmt.Sprintf("Organization %q does not exist in namespace %q", s.org.name, dept.Namespace)))
	case s.org.deleting:
		return report(notReady(v1alpha1.ReasonWaitingForOrganization, fmt.Sprintf("Organization %q is being deleted", s.org.name)))
	case !s.org.connected:
		return report(notReady(v1alpha1.ReasonWaitingForOrganization, fmt.Sprintf("Organization %q is not connected to its remote chart yet", s.org.name)))
	case s.holder != nil && s.holder.UID != dept.UID:
		return report(notReady(v1alpha1.ReasonConflict, fmt.Sprintf("Department %q of Organization %q already claims external key %q; rename one of them", s.holder.Name, s.org.name, key)))
	case s.cycle != nil:
		return report(notReady(v1alpha1.ReasonParentCycle, fmt.Sprintf("parentExternalKey forms a cycle: %s", strings.Join(s.cycle, " -> "))))
	case s.listErr != nil:
		return report(failure(s.listErr))
	}

	desired := desiredDepartment(dept, s.remote)
	if desired.ParentKey != "" && s.remote.parent == nil {
		return report(notReady(v1alpha1.ReasonWaitingForParent, fmt.Sprintf("parent department %q does not exist remotely yet", desired.ParentKey)))
	}
	if s.rejected.holds(dept.Generation, s.remote) {
		// The remote system refused these values, or accepted them without applying them, and
		// nothing they depend on has changed since.
		return report(outcome{keepCondition: true})
	}
	observeOnly := s.observeOnly()
	if s.remote.self == nil {
		if observeOnly {
			return report(notReady(v1alpha1.ReasonDrifted, fmt.Sprintf("remote department %q does not exist (managementPolicy Observe: not creating it)", key)))
		}
		return decision{action: actCreate, desired: desired, outcome: synced(fmt.Sprintf("remote department %q matches the spec", key))}
	}
	if diff := s.diff(desired, *s.remote.self); len(diff) > 0 {
		if observeOnly {
			return report(notReady(v1alpha1.ReasonDrifted, fmt.Sprintf("remote department %q differs in %s (managementPolicy Observe: not updating it)", key, diff)).withDrift(diff))
		}
		if s.unsupported != nil {
			if err := s.unsupported(desired, *s.remote.self); err != nil {
				// Nothing is sent; the plan shows what was asked (desired, diff).
				return decision{desired: desired, diff: diff, outcome: notReady(v1alpha1.ReasonUnsupportedChange,
					err.Error()+"; nothing is sent until the spec or the remote department changes")}
			}
		}
		if fields := s.notApplied(diff); len(fields) > 0 {
			return report(notReady(v1alpha1.ReasonNotApplied, fmt.Sprintf(
				"the remote system accepted the update of %s but did not apply it: the listing made after the write still shows %s as before. "+
					"It is not sent again until the spec or the remote department changes: look at the department in the remote system "+
					"(a rule or a permission there may keep the old value), make the change there, or change the spec",
				fields, pronoun(fields))))
		}
		if below := s.remote.parentBelow; below != nil {
			return report(moveWaits(below))
		}
		return decision{action: actUpdate, desired: desired, diff: diff, outcome: synced(fmt.Sprintf("remote department %q matches the spec", key))}
	}
	if observeOnly {
		return report(synced(fmt.Sprintf("remote department %q matches the spec (observed only)", key)))
	}
	return report(synced(fmt.Sprintf("remote department %q matches the spec", key)))
}

// decideDelete decides what a deleting Department needs before its finalizer can go.
func decideDelete(s *departmentSnapshot) decision {
	dept, key := s.dept, s.dept.Key()
	switch {
	case s.paused() != "":
		return report(pausedOutcome(true, " on "+s.paused(), ""))
	case s.successor != nil:
		// Another live Department claims the key (a rename in Git, or a lost conflict): the remote
		// department and its sub-departments are its business now.
		return decision{action: actRelease}
	case dept.Spec.DeletionPolicy == v1alpha1.DeletionPolicyOrphan, s.observeOnly():
		return decision{action: actRelease}
	case s.org.orphans:
		// The Organization goes with deletionPolicy Orphan: the whole remote chart stays, the
		// departments orgsync only adopted included.
		return decision{action: actRelease}
	case !s.org.exists:
		return decision{action: actRelease, orphaned: fmt.Sprintf("Organization %q is gone; remote department %q was left in place", s.org.name, key)}
	case s.credentialsGone:
		return decision{action: actRelease, orphaned: fmt.Sprintf("the credentials of Organization %q are gone; remote department %q was left in place", s.org.name, key)}
	case s.listErr != nil:
		return report(failure(s.listErr))
	case s.remote.self == nil:
		return decision{action: actRelease} // gone remotely: nothing left to delete
	}
	if blockers := mergeSorted(s.remoteChildren, s.objectChildren); len(blockers) > 0 {
		message := fmt.Sprintf("waiting for sub-departments to be deleted first: %s", strings.Join(truncate(blockers, 10), ", "))
		if rules.Unmanaged(s.remoteChildren) {
			// No Department will ever delete those: say how the deletion can go on.
			message += "; the ones with no Department are not orgsync's to delete: delete or move them in the remote system, " +
				"or give each a Department and delete it, or set deletionPolicy: Orphan on this Department to leave it in place"
		}
		return report(notReady(v1alpha1.ReasonDeletionBlocked, message))
	}
	if s.grace.left > 0 {
		return report(deletionPending(s))
	}
	return decision{action: actDelete, desired: *s.remote.self}
}

// deletionPending is the outcome of a remote delete that waits for its grace period to end,
// woken at its end or by the Organization's deletion. The message names the time, not what is
// left of it, so that the condition is written once.
func deletionPending(s *departmentSnapshot) outcome {
	o := notReady(v1alpha1.ReasonDeletionPending, fmt.Sprintf(
		"remote department %q is deleted at %s, once no Department of Organization %q has been deleted for %s, "+
			"unless the Organization is deleted by then: deleted together, its deletionPolicy Orphan leaves the remote departments in place",
		s.dept.Key(), s.grace.at.UTC().Format(time.RFC3339), s.org.name, s.grace.grace))
	o.result.RequeueAfter = s.grace.left
	return o
}

func report(o outcome) decision { return decision{outcome: o} }

// notApplied names the fields of diff that the Department's last update wrote, for its current
// spec, and that the first listing started after the remote system answered still shows
// different: the write was accepted and not applied. Empty when no listing has followed the write
// yet, and when one before this listing already did (a difference now is a change made since).
func (s *departmentSnapshot) notApplied(diff provider.Fields) provider.Fields {
	w := s.lastWrite
	if w == nil || w.generation != s.dept.Generation || !s.remote.listStarted.After(w.answered) || s.remote.prevListStarted.After(w.answered) {
		return nil
	}
	var fields provider.Fields
	for _, f := range diff {
		if slices.Contains(w.fields, f) {
			fields = append(fields, f)
		}
	}
	return fields
}

// writeChecked reports whether a listing has shown the effect of the Department's last update,
// or the spec it wrote is no longer the current one: either way the check is done.
func (s *departmentSnapshot) writeChecked() bool {
	w := s.lastWrite
	return w != nil && (w.generation != s.dept.Generation || s.remote.listStarted.After(w.answered))
}

func pronoun(fields provider.Fields) string {
	if len(fields) == 1 {
		return "it"
	}
	return "them"
}

// nameHeld says, for a write refused while the sibling held (under the desired parent) has the
// desired name, that the name is taken and the way out. holderDept is the Department that claims
// held's key (nil: none), current the department as listed (nil: it does not exist yet). Names are
// unique among siblings in OneAccess: two siblings swapping names are each refused because of the
// other until one of them takes an intermediate name.
func nameHeld(name string, held provider.Department, holderDept *v1alpha1.Department, current *provider.Department) string {
	switch {
	case holderDept == nil:
		return fmt.Sprintf("name %q is held by sibling department %q%s: rename or move that one in the remote system, or choose another name",
			name, held.Key, rules.UnmanagedSuffix)
	case current != nil && holderDept.Spec.Name == current.Name && current.Name != name:
		return fmt.Sprintf("name %q is held by sibling department %q (Department %q), which asks for this department's name %q: "+
			"names are unique among siblings, so two siblings cannot swap names directly; rename one of them to an intermediate name first "+
			"(apply it, wait for it to be Ready), then both to their final names",
			name, held.Key, holderDept.Name, current.Name)
	}
	return fmt.Sprintf("name %q is held by sibling department %q (Department %q): names are unique among siblings; "+
		"this department is tried again when that one changes, or choose another name", name, held.Key, holderDept.Name)
}

// moveWaits is the outcome of a move under a new parent that is inside the department's own
// subtree remotely (below is the path from the department down to it): the remote system refuses
// it as a cycle, so the departments between move out first (by their own Departments, when the
// chart asks for it).
func moveWaits(below []string) outcome {
	return notReady(v1alpha1.ReasonWaitingForParent, fmt.Sprintf(
		"parent department %q is inside this department's subtree remotely (%s): the update waits until it has moved out",
		below[len(below)-1], strings.Join(truncate(below, 10), " > ")))
}

// paused names what pauses the Department (itself or its Organization), or is empty.
func (s *departmentSnapshot) paused() string {
	switch {
	case v1alpha1.IsPaused(s.dept):
		return fmt.Sprintf("Department %q", s.dept.Name)
	case s.org.paused:
		return fmt.Sprintf("Organization %q", s.org.name)
	}
	return ""
}

// observeOnly reports whether the Department only reads: its own managementPolicy, or its
// Organization's, is Observe.
func (s *departmentSnapshot) observeOnly() bool {
	return s.dept.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserve || s.org.observeOnly
}

// desiredDepartment is the remote state dept's spec asks for (DesiredDepartment), with the remote
// ids the inventory knows for it and its parent.
func desiredDepartment(dept *v1alpha1.Department, remote remoteView) provider.Department {
	d := DesiredDepartment(dept, remote.self)
	if remote.self != nil {
		d.RemoteID = remote.self.RemoteID
	}
	if remote.parent != nil {
		d.ParentRemoteID = remote.parent.RemoteID
	}
	return d
}

// DesiredDepartment is the remote state dept's spec asks for, given the remote department as
// last listed (nil when it does not exist). A field the spec leaves unset is not orgsync's: it is
// taken from observed, so that it is no difference and an update, which may replace the whole
// department (WORKPLACE's edit), sends it back as listed; so is the leader, which no spec sets. A
// create has nothing to keep: what it leaves empty, the provider fills in with the remote system's
// defaults (provider.Conventions.WithDefaults) when it writes, so that an unset field is never a
// difference. kubectl orgsync plan decides with this too.
func DesiredDepartment(dept *v1alpha1.Department, observed *provider.Department) provider.Department {
	spec := &dept.Spec
	d := provider.Department{
		Key:          dept.Key(),
		ParentKey:    spec.ParentExternalKey,
		Name:         spec.Name,
		I18nNames:    spec.PlainI18nNames(),
		DisplayOrder: spec.DisplayOrder,
		Category:     spec.Category,
	}
	if spec.EmailAddress != nil {
		d.EmailAddress = *spec.EmailAddress
	}
	if spec.ExternalEmailReceive != nil {
		d.ExternalEmailReceive = new(*spec.ExternalEmailReceive)
	}
	if observed == nil {
		return d
	}
	d.LeaderKey = observed.LeaderKey
	if spec.I18nNames == nil {
		d.I18nNames = maps.Clone(observed.I18nNames)
	}
	if spec.EmailAddress == nil {
		d.EmailAddress = observed.EmailAddress
	}
	if spec.ExternalEmailReceive == nil && observed.ExternalEmailReceive != nil {
		d.ExternalEmailReceive = new(*observed.ExternalEmailReceive)
	}
	d.DisplayOrder = cmp.Or(spec.DisplayOrder, observed.DisplayOrder)
	return d
}

// mergeSorted returns the union of a and b, sorted.
func mergeSorted(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}
