package controller

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/orgsync/orgsync/api/v1alpha1"
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
	// diff compares as the Organization's provider does.
	diff func(desired, observed provider.Department) []string
	// created is set by the reconcile that created the remote department: it adopted nothing.
	created bool
	// organization is the Organization object, when it exists (for its deletion budget).
	organization *v1alpha1.Organization
}

// organizationState is what a Department needs to know of its Organization.
type organizationState struct {
	name      string
	exists    bool
	deleting  bool
	paused    bool
	connected bool
	// orphans: the Organization is being deleted with deletionPolicy Orphan, which leaves the
	// remote chart as it is.
	orphans bool
	// syncPeriod is the Organization's: its spec.syncPeriod or the manager's.
	syncPeriod time.Duration
	// observeOnly: the Organization's managementPolicy is Observe, so its Departments only read.
	observeOnly bool
}

// rejection is a refusal of a Department's values by the remote system, and what it depended on:
// the spec (generation) and the departments around it (siblingsVersion).
type rejection struct {
	generation      int64
	siblingsVersion uint64
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
	diff []string
	// orphaned, when set, is the message of a Warning event: the remote department is left behind.
	orphaned string
}

// decideSync decides what a live Department needs.
func decideSync(s *departmentSnapshot) decision {
	dept, key := s.dept, s.dept.Key()
	switch {
	case s.paused() != "":
		return report(notReady(v1alpha1.ReasonPaused, fmt.Sprintf("paused by the annotation %s on %s; remove it to resume", v1alpha1.AnnotationPaused, s.paused())))
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
	if s.rejected != nil && s.rejected.generation == dept.Generation && s.rejected.siblingsVersion == s.remote.siblingsVersion {
		// The remote system refused these values and nothing they depend on has changed since.
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
			return report(notReady(v1alpha1.ReasonDrifted, fmt.Sprintf("remote department %q differs in %s (managementPolicy Observe: not updating it)", key, strings.Join(diff, ", "))))
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
		// Releasing now would orphan the remote department without anyone having chosen to.
		return report(notReady(v1alpha1.ReasonPaused, fmt.Sprintf("the deletion waits: paused by the annotation %s on %s; remove it to let the deletion finish", v1alpha1.AnnotationPaused, s.paused())))
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
		if slices.ContainsFunc(s.remoteChildren, func(c string) bool { return strings.HasSuffix(c, unmanagedSuffix) }) {
			// No Department will ever delete those: say how the deletion can go on.
			message += "; the ones with no Department are not orgsync's to delete: delete or move them in the remote system, " +
				"or give each a Department and delete it, or set deletionPolicy: Orphan on this Department to leave it in place"
		}
		return report(notReady(v1alpha1.ReasonDeletionBlocked, message))
	}
	return decision{action: actDelete, desired: *s.remote.self}
}

func report(o outcome) decision { return decision{outcome: o} }

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
// create has nothing to keep: it gets display order "1" (WORKPLACE requires one; so does an update
// of a department listed without one) and the provider's defaults. Category stays empty when
// unset, which the providers read as "leave it" (OneAccess's update takes every field as
// optional). kubectl orgsync plan decides with this too.
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
		d.DisplayOrder = cmp.Or(d.DisplayOrder, "1")
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
	// WORKPLACE requires a display order: one the listing does not show is given the create's.
	d.DisplayOrder = cmp.Or(spec.DisplayOrder, observed.DisplayOrder, "1")
	return d
}

// unmanagedSuffix marks a remote sub-department that no Department claims.
const unmanagedSuffix = " (no Department)"

// mergeSorted returns the union of a and b, sorted.
func mergeSorted(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}
