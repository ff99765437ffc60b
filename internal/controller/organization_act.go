package controller

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/provider"
)

// organizationActed is what the Organization's act did: the conditions to report, and what the
// status records of it.
type organizationActed struct {
	ready, connected outcome
	// observed is the remote organization as this reconcile observed or created it.
	observed *provider.OrganizationObservation
	// released: the finalizer is gone, so no status remains to write.
	released bool
}

// act carries out d: at most one remote write (creating or deleting the remote organization),
// the Departments' deletion, and the finalizer's release.
func (r *OrganizationReconciler) act(ctx context.Context, s *organizationSnapshot, d organizationDecision) organizationActed {
	res := organizationActed{ready: d.ready, connected: d.connected}
	switch d.action {
	case orgActCreateRemote:
		res.ready, res.observed = r.createRemote(ctx, s, d.connected.result)
	case orgActDeleteDepartments:
		if err := r.deleteDepartments(ctx, s.departments); err != nil {
			res.ready = retry(err)
		}
		return res
	case orgActDeleteRemote:
		if o, deleted := r.deleteRemote(ctx, s.org, s.conn); !deleted {
			res.ready = o
			return res
		}
		return r.release(ctx, s.org)
	case orgActRelease:
		if d.orphaned != "" {
			r.Recorder.Eventf(s.org, nil, corev1.EventTypeWarning, "Orphaned", "Delete", "%s", d.orphaned)
		}
		return r.release(ctx, s.org)
	default:
		switch {
		case s.observed.Exists:
			res.observed = &s.observed
		case s.observeErr == nil && s.observed.Evidence != "":
			// A look that showed no organization (the answer that says so is its Evidence): what
			// this manager saw before no longer holds (sharedRemote must not count an
			// organization the account has left).
			r.mu.Lock()
			delete(r.observedWith, s.org.UID)
			r.mu.Unlock()
		}
	}
	if res.observed != nil {
		r.remember(s.org, s.conn, *res.observed)
	}
	return res
}

// createRemote creates the remote organization of an account that belongs to none, and returns
// the outcome (looked at again when the chart is listed, listed) and the organization created.
func (r *OrganizationReconciler) createRemote(ctx context.Context, s *organizationSnapshot, listed ctrl.Result) (outcome, *provider.OrganizationObservation) {
	org := s.org
	// A one-way step for an account: the Event and the log name the answer it was taken on.
	evidence := cmp.Or(s.observed.Evidence, "the provider's answer for an account in no organization")
	created, err := s.conn.Organizations.Create(ctx, org.Spec.Description)
	if errors.Is(err, provider.ErrNotYetVisible) {
		// Created: the next looks may still answer "none" for a while.
		r.remoteCreated.Store(org.UID, time.Now())
	}
	if err != nil {
		o := failure(err)
		o.message = fmt.Sprintf("creating the %s organization failed (its Departments keep syncing): %s", providerName(org), o.message)
		return o, nil
	}
	r.Recorder.Eventf(org, nil, corev1.EventTypeNormal, "Created", "Create",
		"Created %s organization %s: the account belonged to none (%s)", providerName(org), created.ID, evidence)
	ctrl.LoggerFrom(ctx).Info("created the remote organization: the account belonged to none",
		"provider", providerName(org), "organization", created.ID, "answer", evidence)
	return connectedTo(org, created.ID, listed), &created
}

// remember records the connection org's remote organization was observed with, and when, so that
// status-only changes (Department counts) cost no remote call while rotated credentials do.
func (r *OrganizationReconciler) remember(org *v1alpha1.Organization, conn *provider.Connection, observed provider.OrganizationObservation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.observedWith == nil {
		r.observedWith = map[types.UID]observation{}
	}
	r.observedWith[org.UID] = observation{of: client.ObjectKeyFromObject(org), provider: providerName(org),
		connection: conn, generation: org.Generation, at: time.Now(), observed: observed}
}

// sharedRemote reports whether another Organization, live in the cache, was last observed by this
// manager with org's remote organization: an account's organization serves every Organization
// whose credentials belong to the account (two WORKPLACE companies, two OneAccess tenants), and
// deleting it for one would take it from the others (which would then create another). Only this
// manager's own observations count, never a status someone else may have written.
func (r *OrganizationReconciler) sharedRemote(ctx context.Context, org *v1alpha1.Organization) (bool, error) {
	type other struct {
		key types.NamespacedName
		uid types.UID
	}
	var others []other
	r.mu.Lock()
	for uid, o := range r.observedWith {
		if uid != org.UID && o.provider == providerName(org) && o.observed.Exists && o.observed.ID == org.Status.OrganizationNo {
			others = append(others, other{key: o.of, uid: uid})
		}
	}
	r.mu.Unlock()
	for _, o := range others {
		live := &v1alpha1.Organization{}
		err := r.Get(ctx, o.key, live)
		switch {
		case apierrors.IsNotFound(err):
			continue
		case err != nil:
			return false, err
		case live.UID == o.uid && !isDeleting(live):
			return true, nil
		}
	}
	return false, nil
}

// deleteDepartments deletes the live ones of depts, the cache's own copies.
func (r *OrganizationReconciler) deleteDepartments(ctx context.Context, depts []v1alpha1.Department) error {
	for i := range depts {
		if !depts[i].DeletionTimestamp.IsZero() {
			continue
		}
		// Deleted through a new object, and only the one seen.
		target := &v1alpha1.Department{ObjectMeta: metav1.ObjectMeta{Namespace: depts[i].Namespace, Name: depts[i].Name}}
		if err := r.Delete(ctx, target, client.Preconditions{UID: &depts[i].UID}); client.IgnoreNotFound(err) != nil && !apierrors.IsConflict(err) {
			return err
		}
	}
	return nil
}

// deleteRemote deletes org's remote organization (deletionPolicy Delete), and reports whether it
// did; otherwise the outcome says why not and how to finish the deletion. A delete already made
// for org is not sent again when the release after it failed (a conflict on the finalizer's
// removal): what the remote system answers a delete of an organization already gone is not
// documented, and the deletion would wait on that answer for good. An organization another live
// Organization uses (sharedRemote) is not deleted: DeletionBlocked says how to finish.
func (r *OrganizationReconciler) deleteRemote(ctx context.Context, org *v1alpha1.Organization, conn *provider.Connection) (outcome, bool) {
	if _, done := r.remoteDeleted.Load(deletedKey(org)); done {
		return outcome{}, true
	}
	switch shared, err := r.sharedRemote(ctx, org); {
	case err != nil:
		return retry(err), false
	case shared:
		return notReady(v1alpha1.ReasonDeletionBlocked, fmt.Sprintf(
			"the %s organization %s (deletionPolicy Delete) is also the remote organization of another Organization, whose credentials belong to the same account: "+
				"it is not deleted while that Organization exists; delete that one first, or set spec.deletionPolicy: Orphan to leave the organization in place and finish the deletion",
			providerName(org), org.Status.OrganizationNo)), false
	}
	if err := conn.Organizations.Delete(ctx, org.Status.OrganizationNo); err != nil {
		o := failure(err)
		o.message = fmt.Sprintf("the %s organization %s could not be deleted (deletionPolicy Delete): %s; "+
			"fix what the remote system says, or set spec.deletionPolicy: Orphan to leave it in place and finish the deletion",
			providerName(org), org.Status.OrganizationNo, o.message)
		return o, false
	}
	r.remoteDeleted.Store(deletedKey(org), struct{}{})
	r.Recorder.Eventf(org, nil, corev1.EventTypeNormal, "Deleted", "Delete", "Deleted %s organization %s", providerName(org), org.Status.OrganizationNo)
	r.recordRemoteDeleted(ctx, org)
	return outcome{}, true
}

// deletedKey names org's remote organization among those of every provider.
func deletedKey(org *v1alpha1.Organization) string {
	return providerName(org) + " organization " + org.Status.OrganizationNo
}

// recordRemoteDeleted clears the remote organization from org's status once it is deleted, so that
// a manager started again before the finalizer's removal does not delete it again: an Organization
// whose status names no remote organization deletes none. Should the write fail, this manager's
// memory (remoteDeleted) still keeps it from sending the delete again, and the release goes on.
func (r *OrganizationReconciler) recordRemoteDeleted(ctx context.Context, org *v1alpha1.Organization) {
	before := org.DeepCopy()
	recordObservation(org, provider.OrganizationObservation{})
	if err := r.Status().Patch(ctx, org, client.MergeFrom(before)); err != nil {
		ctrl.LoggerFrom(ctx).Info("the remote organization's deletion could not be recorded in the status; this manager will not delete it again",
			"organization", before.Status.OrganizationNo, "error", err.Error())
		org.Status = before.Status
	}
}

// release removes the finalizer and, once it is gone, what is kept for org. When the write fails,
// the connection stays cached: the retry still needs it if the Secret is gone.
func (r *OrganizationReconciler) release(ctx context.Context, org *v1alpha1.Organization) organizationActed {
	// The chart is let go first: should the finalizer's removal fail, the next reconcile
	// finds the record gone and releases again.
	if err := releaseTarget(ctx, r.Client, org); err != nil {
		return organizationActed{ready: retry(err), released: true}
	}
	o, removed := releaseFinalizer(ctx, r.Client, org)
	if removed {
		r.remoteCreated.Delete(org.UID)
		r.Connections.Forget(org)
		r.Inventories.Forget(org.UID)
		r.observations.forget(org.UID)
		r.Budgets.drop(org.UID)
		r.mu.Lock()
		delete(r.observedWith, org.UID)
		delete(r.requests, org.UID)
		r.mu.Unlock()
	}
	return organizationActed{ready: o, released: true}
}
