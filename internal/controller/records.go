package controller

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
	rules "github.com/orgsync/orgsync/internal/decision"
)

// The manager's own records (v1alpha1.RemoteTarget, cluster-scoped, no verb for tenants) say
// which Organization holds each remote chart and how much of its deletion budget it spent. They,
// not an Organization's status, which anyone allowed to write the status subresource could set,
// are what the manager decides ownership and the budget from, also after a restart. The status
// keeps showing the same for people to read.

// +kubebuilder:rbac:groups=orgsync.dev,resources=remotetargets,verbs=get;list;watch;create;update;delete

// targetRecordOf reads, from the cache, the record of org's remote chart; nil when there is none
// (or org names no chart).
func targetRecordOf(ctx context.Context, c client.Reader, org *v1alpha1.Organization) (*v1alpha1.RemoteTarget, error) {
	target := remoteTarget(org)
	if target == "" {
		return nil, nil
	}
	rec := &v1alpha1.RemoteTarget{}
	err := c.Get(ctx, types.NamespacedName{Name: v1alpha1.RemoteTargetName(target)}, rec)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// heldBy reports whether rec records org, this very object (its UID), as the holder of its chart.
func heldBy(rec *v1alpha1.RemoteTarget, org *v1alpha1.Organization) bool {
	return rec != nil && rec.Spec.Holder.UID == org.UID
}

// holderGone reports whether the Organization rec names as the holder no longer exists: it is
// among none of claimants (the cache's Organizations with the same target) and the API server,
// read uncached because that Organization may be outside this manager's namespaces or shard,
// does not have it either. A read that fails, Forbidden included, proves nothing: it still holds.
func holderGone(ctx context.Context, reader client.Reader, rec *v1alpha1.RemoteTarget, claimants []v1alpha1.Organization) (bool, error) {
	h := rec.Spec.Holder
	for i := range claimants {
		if claimants[i].UID == h.UID {
			return false, nil
		}
	}
	org := &v1alpha1.Organization{}
	err := reader.Get(ctx, types.NamespacedName{Namespace: h.Namespace, Name: h.Name}, org)
	switch {
	case apierrors.IsNotFound(err):
		return true, nil
	case err != nil:
		return false, err
	}
	return org.UID != h.UID, nil
}

// claimTarget records org as the holder of its chart once its credentials have listed it: it
// creates the record, or takes over stale (whose holder is gone) at the version read. The first
// writer wins; a lost race (AlreadyExists, or a Conflict on the stale one) reports lost, and the
// next reconcile reads who won.
func claimTarget(ctx context.Context, c client.Client, org *v1alpha1.Organization, stale *v1alpha1.RemoteTarget, budget rules.Budget) (rec *v1alpha1.RemoteTarget, lost bool, err error) {
	spec := v1alpha1.RemoteTargetSpec{
		Target:    remoteTarget(org),
		Holder:    v1alpha1.TargetHolder{Namespace: org.Namespace, Name: org.Name, UID: org.UID},
		Deletions: budget.Record(),
	}
	if stale != nil {
		rec = stale.DeepCopy()
		rec.Spec = spec
		err = c.Update(ctx, rec)
	} else {
		rec = &v1alpha1.RemoteTarget{ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.RemoteTargetName(spec.Target)}, Spec: spec}
		err = c.Create(ctx, rec)
	}
	switch {
	case apierrors.IsAlreadyExists(err), apierrors.IsConflict(err), apierrors.IsNotFound(err):
		return nil, true, nil
	case err != nil:
		return nil, false, err
	}
	return rec, false, nil
}

// releaseTarget deletes the record of org's chart when org holds it, at the version read, so
// that another Organization may take the chart.
func releaseTarget(ctx context.Context, c client.Client, org *v1alpha1.Organization) error {
	rec, err := targetRecordOf(ctx, c, org)
	if err != nil || !heldBy(rec, org) {
		return err
	}
	rv := rec.ResourceVersion
	return client.IgnoreNotFound(c.Delete(ctx, rec, client.Preconditions{UID: &rec.UID, ResourceVersion: &rv}))
}

// saveBudget writes budget into rec, held by org, when it records something else.
func saveBudget(ctx context.Context, c client.Client, rec *v1alpha1.RemoteTarget, budget rules.Budget) error {
	if budget.Recorded(rec.Spec.Deletions) {
		return nil
	}
	rec = rec.DeepCopy()
	rec.Spec.Deletions = budget.Record()
	return c.Update(ctx, rec)
}
