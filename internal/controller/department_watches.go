package controller

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/inventory"
)

// SetupWithManager registers the controller and the watches that make a tree converge quickly:
// a Department's change wakes its children, its deleting parent and the other claimants of its
// key; the manager's record of who holds a chart wakes the holder's Departments; a change in an Organization's inventory wakes the Departments it concerns (the holder of a
// key that changed, the children waiting for a key that appeared, a deleting parent whose child
// went); an Organization's connection wakes its Departments (a rotated Secret reaches them through
// the Organization, which reads it).
//
// A further watch records when each Organization's Departments were last deleted, for the grace
// period of a Department deleted on its own; namespaces are read, uncached, only by deleting
// Departments.
func (r *DepartmentReconciler) SetupWithManager(mgr ctrl.Manager) error {
	r.deletions = newDeletionRuns()
	r.namespaces = newNamespaceReader(mgr.GetAPIReader())
	workers, share := workerShares(r.MaxConcurrentReconciles, r.NamespaceShare)
	r.share = share
	r.holds = newWaitingHolds(r.WaitingStatusDelay, r.WaitingStatusMaxDelay)
	r.holds.stillOnItsWay = func(org types.NamespacedName, parent string) bool {
		return r.onItsWay(context.Background(), org, parent)
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.Department{}, builder.WithPredicates(specOrDeletionChanged())).
		Watches(&v1alpha1.Department{}, r.deletions.handler()).
		Watches(&v1alpha1.Department{}, r.forgetGone()).
		Watches(&v1alpha1.Department{}, r.holds.departmentEvents()).
		Watches(&v1alpha1.Organization{}, r.holds.organizationEvents()).
		Watches(&v1alpha1.Department{}, handler.EnqueueRequestsFromMapFunc(r.relatedDepartments),
			builder.WithPredicates(relationChanged())).
		Watches(&v1alpha1.Organization{}, handler.EnqueueRequestsFromMapFunc(r.departmentsOfOrganization),
			builder.WithPredicates(organizationStateChanged())).
		Watches(&v1alpha1.RemoteTarget{}, handler.EnqueueRequestsFromMapFunc(r.departmentsOfHolder)).
		WatchesRawSource(source.Channel(r.Inventories.Changes(), handler.TypedEnqueueRequestsFromMapFunc(r.inventoryChanged))).
		WatchesRawSource(r.remote.source()).
		WatchesRawSource(r.share.source()).
		WatchesRawSource(r.holds.source()).
		WithOptions(controller.Options{MaxConcurrentReconciles: workers}).
		Named("department").
		Complete(r.share.wrap(r))
}

// inventoryChanged maps a change of an Organization's remote chart to the Departments it concerns.
func (r *DepartmentReconciler) inventoryChanged(ctx context.Context, change inventory.Change) []reconcile.Request {
	set := &requestSet{seen: map[types.NamespacedName]bool{}}
	if !change.Written {
		// Changed by someone else (found by a listing): the holders of the keys correct it.
		for _, key := range change.Keys {
			r.addClaimants(ctx, set, change, indexDepartmentKey, key, false)
		}
	}
	for _, key := range change.Appeared {
		r.addClaimants(ctx, set, change, indexDepartmentParent, key, false)
	}
	for _, parent := range change.Parents {
		if parent != "" {
			r.addClaimants(ctx, set, change, indexDepartmentKey, parent, true)
		}
	}
	for _, nn := range change.Watchers {
		set.add(nn)
	}
	return set.requests
}

// addClaimants adds to set the Departments of change's Organization whose index field is key, or
// only the deleting ones.
func (r *DepartmentReconciler) addClaimants(ctx context.Context, set *requestSet, change inventory.Change, index, key string, deletingOnly bool) {
	depts, err := r.departmentsWith(ctx, change.Namespace, index, orgScopedKey(change.Organization, key))
	if err != nil {
		return
	}
	for i := range depts {
		if !deletingOnly || isDeleting(&depts[i]) {
			set.add(client.ObjectKeyFromObject(&depts[i]))
		}
	}
}

// requestSet collects reconcile requests, each once.
type requestSet struct {
	seen     map[types.NamespacedName]bool
	requests []reconcile.Request
}

func (s *requestSet) add(nn types.NamespacedName) {
	if !s.seen[nn] {
		s.seen[nn] = true
		s.requests = append(s.requests, reconcile.Request{NamespacedName: nn})
	}
}

// requestsFor names the objects of items as reconcile requests, all but the one with UID except.
func requestsFor[T any, P interface {
	*T
	client.Object
}](items []T, except types.UID) []reconcile.Request {
	requests := make([]reconcile.Request, 0, len(items))
	for i := range items {
		if obj := P(&items[i]); obj.GetUID() != except || except == "" {
			requests = append(requests, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(obj)})
		}
	}
	return requests
}

func (r *DepartmentReconciler) relatedDepartments(ctx context.Context, obj client.Object) []reconcile.Request {
	dept, ok := obj.(*v1alpha1.Department)
	if !ok {
		return nil
	}
	org := dept.Spec.OrganizationRef.Name
	var requests []reconcile.Request
	add := func(depts []v1alpha1.Department, keep func(*v1alpha1.Department) bool) {
		for i := range depts {
			if depts[i].UID != dept.UID && keep(&depts[i]) {
				requests = append(requests, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&depts[i])})
			}
		}
	}
	all := func(*v1alpha1.Department) bool { return true }
	if children, err := r.departmentsWith(ctx, dept.Namespace, indexDepartmentParent, orgScopedKey(org, dept.Key())); err == nil {
		add(children, all)
	}
	if claimants, err := r.departmentsWith(ctx, dept.Namespace, indexDepartmentKey, orgScopedKey(org, dept.Key())); err == nil {
		add(claimants, all)
	}
	// A deleting parent waits for this department's object, under its spec parent.
	if parent := dept.Spec.ParentExternalKey; parent != "" {
		if parents, err := r.departmentsWith(ctx, dept.Namespace, indexDepartmentKey, orgScopedKey(org, parent)); err == nil {
			add(parents, func(p *v1alpha1.Department) bool { return !p.DeletionTimestamp.IsZero() })
		}
	}
	// The other Departments of a cycle this one was in (the old object of an update, or one that
	// goes) report ParentCycle until a change of one of them: this one, which may end the cycle.
	if cycle, err := r.parentCycle(ctx, dept); err == nil && len(cycle) > 2 {
		for _, key := range cycle[1 : len(cycle)-1] {
			if members, err := r.departmentsWith(ctx, dept.Namespace, indexDepartmentKey, orgScopedKey(org, key)); err == nil {
				add(members, all)
			}
		}
	}
	return requests
}

// departmentsOfHolder wakes the Departments of the Organization a record of a chart names (an
// update wakes those of the holder before and after): they sync only under the holder.
func (r *DepartmentReconciler) departmentsOfHolder(ctx context.Context, obj client.Object) []reconcile.Request {
	rec, ok := obj.(*v1alpha1.RemoteTarget)
	if !ok {
		return nil
	}
	h := rec.Spec.Holder
	return r.departmentsOfOrganization(ctx, &v1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Namespace: h.Namespace, Name: h.Name}})
}

func (r *DepartmentReconciler) departmentsOfOrganization(ctx context.Context, obj client.Object) []reconcile.Request {
	depts, err := r.departmentsWith(ctx, obj.GetNamespace(), indexDepartmentOrganization, obj.GetName())
	if err != nil {
		return nil
	}
	return requestsFor(depts, "")
}

// specOrDeletionChanged passes creates, deletes and updates that change the spec, labels,
// annotations or the deletion timestamp; it drops the controller's own status and finalizer
// writes, which would otherwise cost a remote read each.
func specOrDeletionChanged() predicate.Predicate {
	return predicate.Or(
		predicate.GenerationChangedPredicate{},
		predicate.LabelChangedPredicate{},
		predicate.AnnotationChangedPredicate{},
		predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
			return !e.ObjectOld.GetDeletionTimestamp().Equal(e.ObjectNew.GetDeletionTimestamp())
		}},
	)
}

// relationChanged passes the Department changes its relatives care about: creation, deletion and
// a new spec (parent or key). Remote changes, a parent being created among them, reach them
// through the inventory, so a Department turning Ready wakes no one.
func relationChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		return e.ObjectOld.GetGeneration() != e.ObjectNew.GetGeneration() ||
			!e.ObjectOld.GetDeletionTimestamp().Equal(e.ObjectNew.GetDeletionTimestamp())
	}}
}

// countsChanged passes the Department changes its Organization counts or waits for: creation,
// deletion, and a change of readiness.
func countsChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		oldDept, newDept, ok := departmentUpdate(e)
		if !ok {
			return true
		}
		return !oldDept.DeletionTimestamp.Equal(newDept.DeletionTimestamp) ||
			isReady(oldDept.Status.Conditions, oldDept.Generation) != isReady(newDept.Status.Conditions, newDept.Generation)
	}}
}

// departmentUpdate returns the two Departments of an update event; ok is false for other kinds.
func departmentUpdate(e event.UpdateEvent) (oldDept, newDept *v1alpha1.Department, ok bool) {
	oldDept, okOld := e.ObjectOld.(*v1alpha1.Department)
	newDept, okNew := e.ObjectNew.(*v1alpha1.Department)
	return oldDept, newDept, okOld && okNew
}

// approvedDeletions is how many deletions beyond its budget org has approved and not used yet.
func approvedDeletions(org *v1alpha1.Organization) int32 {
	if org.Status.Deletions == nil {
		return 0
	}
	return org.Status.Deletions.Approved
}

// organizationStateChanged passes Organization events that can change what its Departments do:
// creation, deletion, a spec change, the deletion timestamp, a change of connection, of pause,
// a handled reconcile request, or deletions newly approved.
func organizationStateChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		oldOrg, okOld := e.ObjectOld.(*v1alpha1.Organization)
		newOrg, okNew := e.ObjectNew.(*v1alpha1.Organization)
		if !okOld || !okNew {
			return true
		}
		return oldOrg.Generation != newOrg.Generation ||
			!oldOrg.DeletionTimestamp.Equal(newOrg.DeletionTimestamp) ||
			v1alpha1.IsPaused(oldOrg) != v1alpha1.IsPaused(newOrg) ||
			oldOrg.Status.LastHandledReconcileAt != newOrg.Status.LastHandledReconcileAt ||
			approvedDeletions(oldOrg) < approvedDeletions(newOrg) ||
			isTrue(oldOrg.Status.Conditions, v1alpha1.ConditionConnected, oldOrg.Generation) !=
				isTrue(newOrg.Status.Conditions, v1alpha1.ConditionConnected, newOrg.Generation)
	}}
}

// forgetGone drops what the reconciler remembers of a Department, by UID, once the object is gone:
// a Department whose finalizer someone removed by hand is never reconciled again, so its
// reconcile cannot do it.
func (r *DepartmentReconciler) forgetGone() handler.TypedEventHandler[client.Object, reconcile.Request] {
	return handler.Funcs{
		DeleteFunc: func(_ context.Context, e event.DeleteEvent, _ workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			uid := e.Object.GetUID()
			r.forget(uid)
			r.deletions.forget(uid)
		},
	}
}
