package controller

import (
	"errors"
	"fmt"
	"strings"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/orgsync/orgsync/api/v1alpha1"
	rules "github.com/orgsync/orgsync/internal/decision"
	"github.com/orgsync/orgsync/internal/provider"
)

// organizationAction is the one change an Organization decision asks for.
type organizationAction int

const (
	// orgActNone: no change, only a condition to report.
	_ organizationAction = iota
	// orgActCreateRemote creates the remote organization: the account belongs to none.
	orgActCreateRemote
	// orgActDeleteDepartments deletes the Organization's live Departments.
	orgActDeleteDepartments
	// orgActDeleteRemote deletes the remote organization, then releases the finalizer.
	orgActDeleteRemote
	// orgActRelease releases the finalizer, leaving the remote organization as it is.
	orgActRelease
)

// organizationDecision is what to do and what to report on the Ready and Connected conditions.
type organizationDecision struct {
	ready, connected outcome
	action           organizationAction
	// orphaned, when set, is the message of a Warning event: the remote organization is left behind.
	orphaned string
}

// decideOrganization decides from the snapshot alone.
func decideOrganization(s *organizationSnapshot) organizationDecision {
	if s.deleting {
		return decideOrganizationDeletion(s)
	}
	ready, connected, ok := decideConnection(s)
	if !ok {
		return organizationDecision{ready: ready, connected: connected}
	}
	d := decideRemoteOrganization(s, connected.result)
	d.connected = connected
	return d
}

// decideConnection decides the Connected condition: the chart is listed, so the Organization's
// Departments may sync. ok is false when it is not, and ready says why.
func decideConnection(s *organizationSnapshot) (ready, connected outcome, ok bool) {
	switch {
	case s.paused:
		return pausedOutcome(false, "", ": no remote call is made for it or its Departments"), outcome{keepCondition: true}, false
	case s.readErr != nil:
		return retry(s.readErr), retry(s.readErr), false
	case s.conflict != nil:
		// It manages no chart, so it reports none, and no longer holds one against others.
		return *s.conflict, *s.conflict, false
	}
	if err := s.connErr; err != nil || s.listErr != nil {
		if err == nil {
			err = s.listErr
		}
		o := failure(err)
		return o, o, false
	}
	connected = synced("the remote department chart is listed")
	// Come back when the chart is due to be listed again.
	connected.result = ctrl.Result{RequeueAfter: jitter(s.nextListing)}
	return outcome{}, connected, true
}

// decideRemoteOrganization decides the Ready condition of a connected Organization from its
// remote organization (a separate service, whose failure the Organization reports without
// stopping its Departments). listed is when the chart is due to be listed again.
func decideRemoteOrganization(s *organizationSnapshot, listed ctrl.Result) organizationDecision {
	org := s.org
	var ready outcome
	switch {
	case s.last != nil && isReady(org.Status.Conditions, org.Generation):
		ready = outcome{keepCondition: true, result: listed}
	case s.last != nil:
		// The status may come from a cache that has not seen the last observation yet.
		ready = connectedTo(org, s.last.observed.ID, listed)
	case s.observeErr != nil:
		ready = observeFailed(org, s.observeErr)
	case !s.observed.Exists && org.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserve:
		ready = notReady(v1alpha1.ReasonDrifted, fmt.Sprintf("the %s account belongs to no organization (managementPolicy Observe: not creating one)", providerName(org)))
	case !s.observed.Exists && !s.createdAt.IsZero():
		ready = failure(fmt.Errorf("%w: created at %s; looking again, not creating another", provider.ErrNotYetVisible, s.createdAt.UTC().Format(time.RFC3339)))
		ready.message = fmt.Sprintf("the %s organization API: %s", providerName(org), ready.message)
	case !s.observed.Exists:
		// The act reports what came of the create.
		return organizationDecision{action: orgActCreateRemote}
	default:
		ready = connectedTo(org, s.observed.ID, listed)
	}
	return organizationDecision{ready: ready}
}

// connectedTo is Ready for the remote organization id, looked at again when the chart is listed.
func connectedTo(org *v1alpha1.Organization, id string, listed ctrl.Result) outcome {
	o := synced(fmt.Sprintf("connected to %s organization %s", providerName(org), id))
	o.result = listed
	return o
}

// observeFailed is the outcome of a failed read of the remote organization.
func observeFailed(org *v1alpha1.Organization, err error) outcome {
	o := failure(err)
	if errors.Is(err, provider.ErrInvalid) && !errors.Is(err, provider.ErrEndpointRefused) {
		// A read refused with an answer the client does not recognise says nothing about
		// whether the organization exists: report it, retry, and create nothing.
		o = notReady(v1alpha1.ReasonRemoteError, "the answer does not tell whether the account belongs to an organization: "+err.Error())
		o.err = err
	}
	o.message = fmt.Sprintf("the %s organization API failed (its Departments keep syncing): %s", providerName(org), o.message)
	return o
}

// deletesRemoteOrganization reports whether org's deletion deletes its remote organization.
func deletesRemoteOrganization(org *v1alpha1.Organization) bool {
	return org.Spec.DeletionPolicy == v1alpha1.DeletionPolicyDelete && org.Spec.ManagementPolicy != v1alpha1.ManagementPolicyObserve &&
		org.Status.OrganizationNo != ""
}

// decideOrganizationDeletion decides for a deleting Organization: its Departments go first, then
// the remote organization when the deletion policy asks for it, then the finalizer.
func decideOrganizationDeletion(s *organizationSnapshot) organizationDecision {
	org, keep := s.org, outcome{keepCondition: true}
	switch {
	case s.paused:
		return organizationDecision{ready: pausedOutcome(true, "", ""), connected: keep}
	case s.readErr != nil:
		return organizationDecision{ready: retry(s.readErr), connected: keep}
	case len(s.departments) > 0:
		names := make([]string, 0, len(s.departments))
		for i := range s.departments {
			names = append(names, s.departments[i].Name)
		}
		return organizationDecision{action: orgActDeleteDepartments, connected: keep, ready: notReady(v1alpha1.ReasonDeleting,
			fmt.Sprintf("waiting for %d Departments to be deleted: %s", len(names), strings.Join(rules.Truncate(names, 10), ", ")))}
	case !deletesRemoteOrganization(org), s.secretGone:
		d := organizationDecision{action: orgActRelease}
		if s.secretGone {
			// The Secret went first (a GitOps prune): nothing can reach the remote system any more.
			d.orphaned = fmt.Sprintf("the credentials Secret is gone; %s organization %s was left in place", providerName(org), org.Status.OrganizationNo)
		}
		return d
	case s.connErr != nil:
		return organizationDecision{ready: failure(s.connErr), connected: keep}
	}
	return organizationDecision{action: orgActDeleteRemote, connected: keep}
}

// withHeldDeletions reports deletions that org's deletion budget (status) holds on Ready, unless
// the Organization is paused: they wait for a person.
func withHeldDeletions(org *v1alpha1.Organization, status *v1alpha1.DeletionStatus, o outcome) outcome {
	if status.Held == 0 || o.reason == v1alpha1.ReasonPaused {
		return o
	}
	maxDeletions, window := org.Spec.EffectiveDeletionBudget()
	held := notReady(v1alpha1.ReasonDeletionBudgetExceeded, fmt.Sprintf(
		"%d remote deletions are held: the deletion budget allows %d per %s and %d were made since %s; "+
			"let them through with kubectl annotate --overwrite organization %s %s=%d, or raise spec.deletionBudget.maxDeletions",
		status.Held, maxDeletions, window, status.Made,
		windowStartOf(status), org.Name, v1alpha1.AnnotationApproveDeletions, status.Held))
	held.result = ctrl.Result{RequeueAfter: time.Minute}
	return held
}

func windowStartOf(s *v1alpha1.DeletionStatus) string {
	if s.WindowStart == nil {
		return "the window's start"
	}
	return s.WindowStart.UTC().Format(time.RFC3339)
}
