package controller

import (
	"errors"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/provider"
)

// statusRefresh is how often timestamps that change on every sync are written at steady state:
// rarely, so that a converged Organization costs no Kubernetes write per sync period.
const statusRefresh = time.Hour

// recordStatus puts on org's status what one reconcile gathered and concluded: its Departments'
// counts, its deletion budget, its chart, the request to reconcile now it handled, its remote
// organization, and the Ready and Connected conditions. It is the one place that sets an
// Organization's status; reconcileObject patches it.
func (r *OrganizationReconciler) recordStatus(org *v1alpha1.Organization, s *organizationSnapshot, res organizationActed) {
	org.Status.Departments = s.counts
	org.Status.Deletions = s.deletions
	if s.conflict != nil {
		// It manages no chart, so it reports none, and no longer holds one against others.
		org.Status.Inventory = nil
	}
	if s.chart != nil {
		recordInventory(org, *s.chart)
		if s.reconcileNow && !errors.Is(s.observeErr, errObservationUnderWay) {
			// Recorded in status, which wakes every Department of the Organization to check
			// itself against the listing just made.
			org.Status.LastHandledReconcileAt = s.requested
		}
	}
	if s.last != nil && !isReady(org.Status.Conditions, org.Generation) {
		// The status may come from a cache that has not seen the last observation yet.
		recordObservation(org, s.last.observed)
	}
	if res.observed != nil {
		recordObservation(org, *res.observed)
		if org.Status.LastSyncTime == nil || time.Since(org.Status.LastSyncTime.Time) > statusRefresh {
			now := metav1.Now()
			org.Status.LastSyncTime = &now
		}
	}
	recordOutcome(r.Recorder, org, res.ready)
	setCondition(&org.Status.Conditions, v1alpha1.ConditionConnected, org.Generation, res.connected)
}

// recordInventory summarises org's chart in its status: how many departments it holds and how
// many of them no Department claims; unchanged counts are written again only after statusRefresh.
func recordInventory(org *v1alpha1.Organization, chart chartSummary) {
	old := org.Status.Inventory
	if old != nil && old.LastListTime != nil && old.RemoteDepartments == chart.remoteDepartments &&
		old.Unmanaged == chart.unmanaged && chart.listedAt.Sub(old.LastListTime.Time) < statusRefresh {
		return
	}
	org.Status.Inventory = &v1alpha1.InventoryStatus{
		RemoteDepartments: chart.remoteDepartments, Unmanaged: chart.unmanaged, LastListTime: &metav1.Time{Time: chart.listedAt},
	}
}

// recordObservation copies what the remote organization API answered into org's status.
func recordObservation(org *v1alpha1.Organization, observed provider.OrganizationObservation) {
	org.Status.OrganizationNo = observed.ID
	org.Status.OrganizationName = observed.Name
	org.Status.MasterMemberName = observed.MasterMemberName
	org.Status.MemberStatusCode = observed.MemberStatusCode
}
