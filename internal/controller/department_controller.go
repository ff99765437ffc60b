package controller

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/cache"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/provider"
)

// Finalizer holds Organizations and Departments until their remote side is cleaned up.
const Finalizer = "orgsync.dev/finalizer"

// DepartmentReconciler makes one remote department match each Department object.
type DepartmentReconciler struct {
	client.Client
	Recorder    events.EventRecorder
	Connections *Connections
	// SyncPeriod is how often a synced department is observed again to correct drift.
	SyncPeriod time.Duration
	// MaxConcurrentReconciles bounds the parallel reconciles.
	MaxConcurrentReconciles int

	// remoteDeleted remembers, by UID, Departments whose remote department this process deleted:
	// a reconcile that still reads the object from a cache that has not seen the finalizer's
	// removal must not delete it remotely a second time.
	remoteDeleted *cache.LRUExpireCache
}

// remoteDeletedMemory is how long a remote delete is remembered; far longer than cache lag.
const remoteDeletedMemory = 10 * time.Minute

// +kubebuilder:rbac:groups=orgsync.dev,resources=departments,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=orgsync.dev,resources=departments/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=orgsync.dev,resources=departments/finalizers,verbs=update
// +kubebuilder:rbac:groups=orgsync.dev,resources=organizations,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile observes one Department and acts on the difference.
func (r *DepartmentReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	dept := &v1alpha1.Department{}
	if err := r.Get(ctx, req.NamespacedName, dept); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	org, err := r.organization(ctx, dept)
	if err != nil {
		return ctrl.Result{}, err
	}

	before := dept.DeepCopy()
	var o outcome
	if !dept.DeletionTimestamp.IsZero() {
		var done bool
		if o, done = r.finalize(ctx, dept, org); done {
			return o.result, o.err
		}
	} else {
		o = r.sync(ctx, dept, org)
	}

	recordTransition(r.Recorder, dept, dept.Status.Conditions, o)
	setReady(&dept.Status.Conditions, dept.Generation, o)
	dept.Status.ObservedGeneration = dept.Generation
	if o.synced {
		now := metav1.Now()
		dept.Status.LastSyncTime = &now
		dept.Status.ExternalKey = dept.Key()
		dept.Status.ParentExternalKey = cmp.Or(dept.Spec.ParentExternalKey, v1alpha1.TopLevelParentKey)
	}
	if !equality.Semantic.DeepEqual(before.Status, dept.Status) {
		if err := r.Status().Patch(ctx, dept, client.MergeFrom(before)); err != nil {
			return ctrl.Result{}, client.IgnoreNotFound(err)
		}
	}
	return o.result, o.err
}

// organization returns the Department's Organization, or nil when it does not exist.
func (r *DepartmentReconciler) organization(ctx context.Context, dept *v1alpha1.Department) (*v1alpha1.Organization, error) {
	org := &v1alpha1.Organization{}
	err := r.Get(ctx, types.NamespacedName{Namespace: dept.Namespace, Name: dept.Spec.OrganizationRef.Name}, org)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return org, err
}

// sync brings the remote department to the spec.
func (r *DepartmentReconciler) sync(ctx context.Context, dept *v1alpha1.Department, org *v1alpha1.Organization) outcome {
	orgName := dept.Spec.OrganizationRef.Name
	switch {
	case org == nil:
		return waiting(v1alpha1.ReasonWaitingForOrganization, fmt.Sprintf("Organization %q does not exist in namespace %q", orgName, dept.Namespace))
	case !org.DeletionTimestamp.IsZero():
		return waiting(v1alpha1.ReasonWaitingForOrganization, fmt.Sprintf("Organization %q is being deleted", orgName))
	case !isReady(org.Status.Conditions, org.Generation):
		return waiting(v1alpha1.ReasonWaitingForOrganization, fmt.Sprintf("Organization %q is not Ready yet", orgName))
	}

	key := dept.Key()
	if winner, err := r.keyHolder(ctx, dept); err != nil {
		return retry(err)
	} else if winner != nil && winner.UID != dept.UID {
		return waiting(v1alpha1.ReasonConflict, fmt.Sprintf("Department %q of Organization %q already claims external key %q; rename one of them", winner.Name, orgName, key))
	}
	if cycle, err := r.parentCycle(ctx, dept); err != nil {
		return retry(err)
	} else if cycle != nil {
		return waiting(v1alpha1.ReasonParentCycle, fmt.Sprintf("parentExternalKey forms a cycle: %s", strings.Join(cycle, " -> ")))
	}
	if c := readyCondition(dept); c != nil && c.Reason == v1alpha1.ReasonInvalidSpec && c.ObservedGeneration == dept.Generation {
		// The remote API rejected this generation; asking again with the same values cannot help.
		return outcome{keepCondition: true}
	}

	conn, err := r.Connections.Get(ctx, org, false)
	if err != nil {
		return failure(err)
	}
	manage := dept.Spec.ManagementPolicy != v1alpha1.ManagementPolicyObserve
	if manage && controllerutil.AddFinalizer(dept, Finalizer) {
		// The finalizer goes on before the first remote write, so no remote department outlives
		// its object unnoticed.
		if err := r.Update(ctx, dept); err != nil {
			return retry(err)
		}
	}

	desired := desiredDepartment(dept)
	if desired.ParentKey != "" {
		present, parentRemoteID, err := r.parentPresent(ctx, conn, dept)
		desired.ParentRemoteID = parentRemoteID
		if err != nil {
			return failure(err)
		}
		if !present {
			return r.waitForParent(ctx, dept)
		}
	}

	observed, err := conn.Departments.Observe(ctx, desired)
	if err != nil {
		return failure(err)
	}
	if !manage {
		return observeOnly(key, observed, jitter(r.SyncPeriod))
	}
	switch {
	case !observed.Exists:
		var created provider.Department
		created, err = conn.Departments.Create(ctx, desired)
		observed.Remote.RemoteID = created.RemoteID
		if err == nil {
			r.Recorder.Eventf(dept, nil, corev1.EventTypeNormal, "Created", "Create", "Created remote department %q", key)
		}
	case !observed.UpToDate:
		err = conn.Departments.Update(ctx, desired)
		if err == nil {
			r.Recorder.Eventf(dept, nil, corev1.EventTypeNormal, "Updated", "Update", "Updated remote department %q: %s", key, strings.Join(observed.Diff, ", "))
		}
	}
	if errors.Is(err, provider.ErrParentNotFound) {
		return r.waitForParent(ctx, dept)
	}
	if err != nil {
		return failure(err)
	}
	dept.Status.RemoteID = cmp.Or(observed.Remote.RemoteID, dept.Status.RemoteID)
	return readyOutcome(fmt.Sprintf("remote department %q matches the spec", key), jitter(r.SyncPeriod))
}

// waitForParent reports WaitingForParent. When a Department object holds the parent key, its
// becoming Ready wakes dept; otherwise the parent can only appear remotely, by hand, and dept
// looks again after parentRetry.
func (r *DepartmentReconciler) waitForParent(ctx context.Context, dept *v1alpha1.Department) outcome {
	parentKey := dept.Spec.ParentExternalKey
	o := waiting(v1alpha1.ReasonWaitingForParent, fmt.Sprintf("parent department %q does not exist remotely yet", parentKey))
	holders, err := departmentsWith(ctx, r, dept.Namespace, indexDepartmentKey, orgScopedKey(dept.Spec.OrganizationRef.Name, parentKey))
	if err != nil || len(holders) == 0 {
		o.result = ctrl.Result{RequeueAfter: jitter(parentRetry)}
	}
	return o
}

func observeOnly(key string, observed provider.DepartmentObservation, resync time.Duration) outcome {
	var o outcome
	switch {
	case !observed.Exists:
		o = waiting(v1alpha1.ReasonDrifted, fmt.Sprintf("remote department %q does not exist (managementPolicy Observe: not creating it)", key))
	case !observed.UpToDate:
		o = waiting(v1alpha1.ReasonDrifted, fmt.Sprintf("remote department %q differs in %s (managementPolicy Observe: not updating it)", key, strings.Join(observed.Diff, ", ")))
	default:
		return readyOutcome(fmt.Sprintf("remote department %q matches the spec (observed only)", key), resync)
	}
	o.result = ctrl.Result{RequeueAfter: resync}
	return o
}

// desiredDepartment is the remote state a Department's spec asks for.
func desiredDepartment(dept *v1alpha1.Department) provider.Department {
	return provider.Department{
		Key:                  dept.Key(),
		ParentKey:            dept.Spec.ParentExternalKey,
		Name:                 dept.Spec.Name,
		I18nNames:            maps.Clone(dept.Spec.I18nNames),
		EmailAddress:         dept.Spec.EmailAddress,
		ExternalEmailReceive: dept.Spec.ExternalEmailReceive,
		DisplayOrder:         cmp.Or(dept.Spec.DisplayOrder, "1"),
		Category:             dept.Spec.Category,
		RemoteID:             dept.Status.RemoteID,
	}
}

// keyHolder returns the Department that owns dept's external key in its Organization: the oldest
// live claimant (by creation time, then name), so the outcome does not depend on reconcile order.
func (r *DepartmentReconciler) keyHolder(ctx context.Context, dept *v1alpha1.Department) (*v1alpha1.Department, error) {
	claimants, err := departmentsWith(ctx, r, dept.Namespace, indexDepartmentKey, orgScopedKey(dept.Spec.OrganizationRef.Name, dept.Key()))
	if err != nil {
		return nil, err
	}
	var holder *v1alpha1.Department
	for i := range claimants {
		c := &claimants[i]
		if !c.DeletionTimestamp.IsZero() && c.UID != dept.UID {
			continue
		}
		if holder == nil || olderThan(c, holder) {
			holder = c
		}
	}
	return holder, nil
}

// successor returns a live Department, other than the deleting dept, that claims dept's key.
func (r *DepartmentReconciler) successor(ctx context.Context, dept *v1alpha1.Department) (*v1alpha1.Department, error) {
	claimants, err := departmentsWith(ctx, r, dept.Namespace, indexDepartmentKey, orgScopedKey(dept.Spec.OrganizationRef.Name, dept.Key()))
	if err != nil {
		return nil, err
	}
	for i := range claimants {
		if claimants[i].UID != dept.UID && claimants[i].DeletionTimestamp.IsZero() {
			return &claimants[i], nil
		}
	}
	return nil, nil
}

// olderThan orders the claimants of a key: the one already holding it (synced under it) first,
// so that a newcomer created within the same second never displaces it; then by age.
func olderThan(a, b *v1alpha1.Department) bool {
	if aHolds, bHolds := holdsKey(a), holdsKey(b); aHolds != bHolds {
		return aHolds
	}
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	}
	return a.Name < b.Name
}

// holdsKey reports whether dept has been synced under its key.
func holdsKey(dept *v1alpha1.Department) bool {
	return dept.Status.ExternalKey == dept.Key() && dept.Status.LastSyncTime != nil
}

// parentCycle follows parentExternalKey through the Organization's Departments and returns the
// keys of the cycle when the chain comes back to dept.
func (r *DepartmentReconciler) parentCycle(ctx context.Context, dept *v1alpha1.Department) ([]string, error) {
	org := dept.Spec.OrganizationRef.Name
	path := []string{dept.Key()}
	seen := map[string]bool{dept.Key(): true}
	parent := dept.Spec.ParentExternalKey
	for parent != "" {
		path = append(path, parent)
		if parent == dept.Key() {
			return path, nil
		}
		if seen[parent] {
			return nil, nil // a cycle further up that dept is not part of; that Department reports it.
		}
		seen[parent] = true
		holders, err := departmentsWith(ctx, r, dept.Namespace, indexDepartmentKey, orgScopedKey(org, parent))
		if err != nil {
			return nil, err
		}
		if len(holders) == 0 {
			return nil, nil
		}
		parent = holders[0].Spec.ParentExternalKey
	}
	return nil, nil
}

// parentPresent reports whether dept's parent exists in the remote system. A Ready parent
// Department is trusted without a remote call; anything else is asked remotely, since the parent
// may be a department that exists remotely without an object.
// The parent's RemoteID is returned as a hint when its Department object knows it.
func (r *DepartmentReconciler) parentPresent(ctx context.Context, conn *provider.Connection, dept *v1alpha1.Department) (bool, string, error) {
	parentKey := dept.Spec.ParentExternalKey
	holders, err := departmentsWith(ctx, r, dept.Namespace, indexDepartmentKey, orgScopedKey(dept.Spec.OrganizationRef.Name, parentKey))
	if err != nil {
		return false, "", err
	}
	progressing := false
	for i := range holders {
		p := &holders[i]
		if !p.DeletionTimestamp.IsZero() {
			continue
		}
		if p.Status.ExternalKey == parentKey && isReady(p.Status.Conditions, p.Generation) {
			return true, p.Status.RemoteID, nil
		}
		progressing = progressing || isProgressing(p)
	}
	if progressing {
		// The parent's own Department is on its way; its becoming Ready wakes this one, so a
		// remote read now would only confirm that the parent is not there yet.
		return false, "", nil
	}
	present, err := conn.Departments.Exists(ctx, parentKey)
	return present, "", err
}

// finalize runs the delete path. done is true when the finalizer is gone and no status remains to write.
func (r *DepartmentReconciler) finalize(ctx context.Context, dept *v1alpha1.Department, org *v1alpha1.Organization) (o outcome, done bool) {
	if !controllerutil.ContainsFinalizer(dept, Finalizer) {
		return outcome{}, true
	}
	key := dept.Key()
	successor, err := r.successor(ctx, dept)
	if err != nil {
		return retry(err), false
	}
	// Another live Department claims the key (a rename in Git, or a lost conflict): the remote
	// department and its sub-departments are its business now.
	handedOver := successor != nil
	if !handedOver {
		children, err := r.children(ctx, dept)
		if err != nil {
			return retry(err), false
		}
		if names := departmentNames(children, dept.UID); len(names) > 0 {
			return waiting(v1alpha1.ReasonDeletionBlocked, fmt.Sprintf("waiting for sub-departments to be deleted first: %s", strings.Join(names, ", "))), false
		}
	}

	deleteRemote := !handedOver && dept.Spec.DeletionPolicy != v1alpha1.DeletionPolicyOrphan &&
		dept.Spec.ManagementPolicy != v1alpha1.ManagementPolicyObserve
	switch {
	case deleteRemote && org == nil:
		r.Recorder.Eventf(dept, nil, corev1.EventTypeWarning, "Orphaned", "Delete",
			"Organization %q is gone; remote department %q was left in place", dept.Spec.OrganizationRef.Name, key)
	case deleteRemote && r.wasDeleted(dept.UID):
		// Deleted remotely by an earlier reconcile; only the finalizer is left to remove.
	case deleteRemote:
		if o, blocked := r.deleteRemote(ctx, dept, org); blocked {
			return o, false
		}
	}

	controllerutil.RemoveFinalizer(dept, Finalizer)
	if err := r.Update(ctx, dept); err != nil {
		return retry(client.IgnoreNotFound(err)), true
	}
	return outcome{}, true
}

// deleteRemote deletes dept's remote department. blocked is true, with the outcome to report,
// while the delete cannot be done yet.
func (r *DepartmentReconciler) deleteRemote(ctx context.Context, dept *v1alpha1.Department, org *v1alpha1.Organization) (o outcome, blocked bool) {
	key := dept.Key()
	conn, err := r.Connections.Get(ctx, org, true)
	if errors.Is(err, ErrSecretNotFound) && !org.DeletionTimestamp.IsZero() {
		// The Organization is going and took its Secret with it (a GitOps prune): nothing can
		// reach the remote system any more. Leave the department rather than hang forever.
		r.Recorder.Eventf(dept, nil, corev1.EventTypeWarning, "Orphaned", "Delete",
			"the credentials of Organization %q are gone; remote department %q was left in place", org.Name, key)
		return outcome{}, false
	}
	if err != nil {
		return failure(err), true
	}
	err = conn.Departments.Delete(ctx, provider.Department{Key: key, RemoteID: dept.Status.RemoteID})
	switch {
	case errors.Is(err, provider.ErrHasChildren):
		o := waiting(v1alpha1.ReasonDeletionBlocked, fmt.Sprintf("the remote system still holds sub-departments of %q that no Department object manages: %v", key, err))
		o.result = ctrl.Result{RequeueAfter: jitter(blockedRetry)}
		return o, true
	case errors.Is(err, provider.ErrInvalid):
		// The remote system refuses the key itself, so no department can exist under it.
		r.Recorder.Eventf(dept, nil, corev1.EventTypeWarning, "DeleteSkipped", "Delete",
			"the remote system refuses the key %q (%v); nothing to delete", key, err)
		return outcome{}, false
	case err != nil:
		return failure(err), true
	}
	r.remoteDeleted.Add(dept.UID, true, remoteDeletedMemory)
	r.Recorder.Eventf(dept, nil, corev1.EventTypeNormal, "Deleted", "Delete", "Deleted remote department %q", key)
	return outcome{}, false
}

// children lists the Departments of dept's Organization that name dept as their parent, or that
// were last synced under it and have not moved away remotely yet.
func (r *DepartmentReconciler) children(ctx context.Context, dept *v1alpha1.Department) ([]v1alpha1.Department, error) {
	all, err := departmentsWith(ctx, r, dept.Namespace, indexDepartmentOrganization, dept.Spec.OrganizationRef.Name)
	if err != nil {
		return nil, err
	}
	key := dept.Key()
	return slices.DeleteFunc(all, func(d v1alpha1.Department) bool {
		return d.Spec.ParentExternalKey != key && d.Status.ParentExternalKey != key
	}), nil
}

func (r *DepartmentReconciler) wasDeleted(uid types.UID) bool {
	_, ok := r.remoteDeleted.Get(uid)
	return ok
}

// departmentNames lists the names of depts other than the one with UID self, sorted.
func departmentNames(depts []v1alpha1.Department, self types.UID) []string {
	var names []string
	for _, d := range depts {
		if d.UID != self {
			names = append(names, d.Name)
		}
	}
	slices.Sort(names)
	return names
}

// isProgressing reports whether dept is on its way to Ready by itself: not yet reconciled at its
// generation, or waiting for something whose change will wake it, or retrying a transient error.
func isProgressing(dept *v1alpha1.Department) bool {
	c := readyCondition(dept)
	if c == nil || c.ObservedGeneration != dept.Generation {
		return true
	}
	switch c.Reason {
	case v1alpha1.ReasonWaitingForOrganization, v1alpha1.ReasonWaitingForParent, v1alpha1.ReasonRemoteError:
		return true
	}
	return false
}

func readyCondition(dept *v1alpha1.Department) *metav1.Condition {
	return meta.FindStatusCondition(dept.Status.Conditions, v1alpha1.ConditionReady)
}

// SetupWithManager registers the controller and the watches that make a tree converge quickly:
// a Department's change wakes its children (the parent became Ready), its deleting parent (the
// child is gone) and other claimants of its key; an Organization's readiness wakes its
// Departments; a Secret's change wakes the Departments of the Organizations that use it.
func (r *DepartmentReconciler) SetupWithManager(mgr ctrl.Manager) error {
	r.remoteDeleted = cache.NewLRUExpireCache(4096)
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.Department{}, builder.WithPredicates(specOrDeletionChanged())).
		Watches(&v1alpha1.Department{}, handler.EnqueueRequestsFromMapFunc(r.relatedDepartments),
			builder.WithPredicates(relationChanged())).
		Watches(&v1alpha1.Organization{}, handler.EnqueueRequestsFromMapFunc(r.departmentsOfOrganization),
			builder.WithPredicates(organizationStateChanged())).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.departmentsUsingSecret), builder.OnlyMetadata).
		WithOptions(controller.Options{MaxConcurrentReconciles: max(1, r.MaxConcurrentReconciles)}).
		Named("department").
		Complete(r)
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
	if children, err := departmentsWith(ctx, r, dept.Namespace, indexDepartmentParent, orgScopedKey(org, dept.Key())); err == nil {
		add(children, all)
	}
	if claimants, err := departmentsWith(ctx, r, dept.Namespace, indexDepartmentKey, orgScopedKey(org, dept.Key())); err == nil {
		add(claimants, all)
	}
	// A deleting parent waits for this department: under its spec parent, or under the parent it
	// was last synced under until the move is done remotely.
	for _, parent := range []string{dept.Spec.ParentExternalKey, dept.Status.ParentExternalKey} {
		if parent == "" || parent == v1alpha1.TopLevelParentKey {
			continue
		}
		if parents, err := departmentsWith(ctx, r, dept.Namespace, indexDepartmentKey, orgScopedKey(org, parent)); err == nil {
			add(parents, func(p *v1alpha1.Department) bool { return !p.DeletionTimestamp.IsZero() })
		}
	}
	return requests
}

func (r *DepartmentReconciler) departmentsOfOrganization(ctx context.Context, obj client.Object) []reconcile.Request {
	depts, err := departmentsWith(ctx, r, obj.GetNamespace(), indexDepartmentOrganization, obj.GetName())
	if err != nil {
		return nil
	}
	requests := make([]reconcile.Request, 0, len(depts))
	for i := range depts {
		requests = append(requests, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&depts[i])})
	}
	return requests
}

func (r *DepartmentReconciler) departmentsUsingSecret(ctx context.Context, obj client.Object) []reconcile.Request {
	var orgs v1alpha1.OrganizationList
	if err := r.List(ctx, &orgs, client.InNamespace(obj.GetNamespace()), client.MatchingFields{indexOrganizationSecret: obj.GetName()}); err != nil {
		return nil
	}
	var requests []reconcile.Request
	for i := range orgs.Items {
		requests = append(requests, r.departmentsOfOrganization(ctx, &orgs.Items[i])...)
	}
	return requests
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

// relationChanged passes the Department changes its relatives care about: a new spec (parent or
// key), deletion, readiness, or where it was synced. A resync that only refreshes lastSyncTime
// wakes no one, so a converged tree is observed once per node per sync period, not once per
// ancestor.
func relationChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		oldDept, okOld := e.ObjectOld.(*v1alpha1.Department)
		newDept, okNew := e.ObjectNew.(*v1alpha1.Department)
		if !okOld || !okNew {
			return true
		}
		oldReady, newReady := readyCondition(oldDept), readyCondition(newDept)
		readyChanged := (oldReady == nil) != (newReady == nil) ||
			(oldReady != nil && (oldReady.Status != newReady.Status || oldReady.Reason != newReady.Reason || oldReady.ObservedGeneration != newReady.ObservedGeneration))
		return oldDept.Generation != newDept.Generation ||
			!oldDept.DeletionTimestamp.Equal(newDept.DeletionTimestamp) ||
			readyChanged ||
			oldDept.Status.ExternalKey != newDept.Status.ExternalKey ||
			oldDept.Status.ParentExternalKey != newDept.Status.ParentExternalKey ||
			oldDept.Status.RemoteID != newDept.Status.RemoteID
	}}
}

// organizationStateChanged passes Organization events that can change what its Departments do:
// creation, deletion, a spec change, the deletion timestamp, or a change of readiness.
func organizationStateChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		oldOrg, okOld := e.ObjectOld.(*v1alpha1.Organization)
		newOrg, okNew := e.ObjectNew.(*v1alpha1.Organization)
		if !okOld || !okNew {
			return true
		}
		return oldOrg.Generation != newOrg.Generation ||
			!oldOrg.DeletionTimestamp.Equal(newOrg.DeletionTimestamp) ||
			isReady(oldOrg.Status.Conditions, oldOrg.Generation) != isReady(newOrg.Status.Conditions, newOrg.Generation)
	}}
}
