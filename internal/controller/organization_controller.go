package controller

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/provider"
)

// OrganizationReconciler connects each Organization object to its remote organization, counts its
// Departments, and propagates its deletion to them.
type OrganizationReconciler struct {
	client.Client
	Recorder    events.EventRecorder
	Connections *Connections
	// SyncPeriod is how often the remote organization is observed again.
	SyncPeriod time.Duration

	mu sync.Mutex
	// observedWith remembers the connection each Organization was last observed with, so that
	// status-only changes (Department counts) cost no remote call while rotated credentials do.
	observedWith map[types.UID]*provider.Connection
}

// +kubebuilder:rbac:groups=orgsync.dev,resources=organizations,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=orgsync.dev,resources=organizations/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=orgsync.dev,resources=organizations/finalizers,verbs=update
// +kubebuilder:rbac:groups=orgsync.dev,resources=departments,verbs=get;list;watch;delete

// Reconcile observes one Organization and acts on the difference.
func (r *OrganizationReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	org := &v1alpha1.Organization{}
	if err := r.Get(ctx, req.NamespacedName, org); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	before := org.DeepCopy()

	depts, err := departmentsWith(ctx, r, org.Namespace, indexDepartmentOrganization, org.Name)
	if err != nil {
		return ctrl.Result{}, err
	}
	org.Status.Departments = countDepartments(depts)

	var o outcome
	if !org.DeletionTimestamp.IsZero() {
		var done bool
		if o, done = r.finalize(ctx, org, depts); done {
			return o.result, o.err
		}
	} else {
		o = r.sync(ctx, org)
	}

	recordTransition(r.Recorder, org, org.Status.Conditions, o)
	setReady(&org.Status.Conditions, org.Generation, o)
	org.Status.ObservedGeneration = org.Generation
	if !equality.Semantic.DeepEqual(before.Status, org.Status) {
		if err := r.Status().Patch(ctx, org, client.MergeFrom(before)); err != nil {
			return ctrl.Result{}, client.IgnoreNotFound(err)
		}
	}
	return o.result, o.err
}

func (r *OrganizationReconciler) sync(ctx context.Context, org *v1alpha1.Organization) outcome {
	if controllerutil.AddFinalizer(org, Finalizer) {
		// Held so that deleting the Organization first deletes its Departments.
		if err := r.Update(ctx, org); err != nil {
			return retry(err)
		}
	}
	if holder, err := r.targetHolder(ctx, org); err != nil {
		return retry(err)
	} else if holder != nil && holder.UID != org.UID {
		return waiting(v1alpha1.ReasonConflict, fmt.Sprintf("Organization %s/%s already manages %s; one remote chart can have only one Organization",
			holder.Namespace, holder.Name, remoteTarget(org)))
	}
	conn, err := r.Connections.Get(ctx, org, false)
	if err != nil {
		return failure(err)
	}
	if r.fresh(org, conn) {
		return outcome{keepCondition: true, result: ctrl.Result{RequeueAfter: r.untilResync(org)}}
	}

	observed, err := conn.Organizations.Observe(ctx)
	if err != nil {
		return failure(err)
	}
	manage := org.Spec.ManagementPolicy != v1alpha1.ManagementPolicyObserve
	if !observed.Exists && !manage {
		o := waiting(v1alpha1.ReasonDrifted, fmt.Sprintf("the %s account belongs to no organization (managementPolicy Observe: not creating one)", providerName(org)))
		o.result = ctrl.Result{RequeueAfter: jitter(r.SyncPeriod)}
		return o
	}
	if !observed.Exists {
		observed, err = conn.Organizations.Create(ctx, org.Spec.Description)
		if err != nil {
			return failure(err)
		}
		r.Recorder.Eventf(org, nil, corev1.EventTypeNormal, "Created", "Create", "Created %s organization %s", providerName(org), observed.ID)
	}
	org.Status.OrganizationNo = observed.ID
	org.Status.OrganizationName = observed.Name
	org.Status.MasterMemberName = observed.MasterMemberName
	org.Status.MemberStatusCode = observed.MemberStatusCode
	now := metav1.Now()
	org.Status.LastSyncTime = &now
	r.mu.Lock()
	if r.observedWith == nil {
		r.observedWith = map[types.UID]*provider.Connection{}
	}
	r.observedWith[org.UID] = conn
	r.mu.Unlock()
	return readyOutcome(fmt.Sprintf("connected to %s organization %s", providerName(org), observed.ID), jitter(r.SyncPeriod))
}

// targetHolder returns the Organization, in any namespace, that manages org's remote chart: the
// oldest live one (by creation time, then namespace and name).
func (r *OrganizationReconciler) targetHolder(ctx context.Context, org *v1alpha1.Organization) (*v1alpha1.Organization, error) {
	target := remoteTarget(org)
	if target == "" {
		return nil, nil
	}
	var orgs v1alpha1.OrganizationList
	if err := r.List(ctx, &orgs, client.MatchingFields{indexOrganizationTarget: target}); err != nil {
		return nil, err
	}
	var holder *v1alpha1.Organization
	for i := range orgs.Items {
		o := &orgs.Items[i]
		if !o.DeletionTimestamp.IsZero() && o.UID != org.UID {
			continue
		}
		if holder == nil || organizationOlder(o, holder) {
			holder = o
		}
	}
	return holder, nil
}

// organizationOlder orders the claimants of a remote chart: the one already holding it (Ready)
// first, so that a newcomer created within the same second never displaces it; then by age.
func organizationOlder(a, b *v1alpha1.Organization) bool {
	if aReady, bReady := isReady(a.Status.Conditions, a.Status.ObservedGeneration), isReady(b.Status.Conditions, b.Status.ObservedGeneration); aReady != bReady {
		return aReady
	}
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	}
	return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
}

// fresh reports whether org's Ready status still describes the remote organization: same
// generation, same credentials, observed within the sync period.
func (r *OrganizationReconciler) fresh(org *v1alpha1.Organization, conn *provider.Connection) bool {
	r.mu.Lock()
	same := r.observedWith[org.UID] == conn
	r.mu.Unlock()
	return same && isReady(org.Status.Conditions, org.Generation) && r.untilResync(org) > 0
}

func (r *OrganizationReconciler) untilResync(org *v1alpha1.Organization) time.Duration {
	if org.Status.LastSyncTime == nil {
		return 0
	}
	return time.Until(org.Status.LastSyncTime.Add(r.SyncPeriod))
}

// finalize deletes the Organization's Departments, waits until they are gone, then deletes the
// remote organization when the deletion policy asks for it.
func (r *OrganizationReconciler) finalize(ctx context.Context, org *v1alpha1.Organization, depts []v1alpha1.Department) (outcome, bool) {
	if !controllerutil.ContainsFinalizer(org, Finalizer) {
		return outcome{}, true
	}
	if len(depts) > 0 {
		names := make([]string, 0, len(depts))
		for i := range depts {
			names = append(names, depts[i].Name)
			if depts[i].DeletionTimestamp.IsZero() {
				if err := r.Delete(ctx, &depts[i]); client.IgnoreNotFound(err) != nil {
					return retry(err), false
				}
			}
		}
		return waiting(v1alpha1.ReasonDeleting, fmt.Sprintf("waiting for %d Departments to be deleted: %s", len(depts), strings.Join(truncate(names, 10), ", "))), false
	}
	if org.Spec.DeletionPolicy == v1alpha1.DeletionPolicyDelete && org.Spec.ManagementPolicy != v1alpha1.ManagementPolicyObserve && org.Status.OrganizationNo != "" {
		conn, err := r.Connections.Get(ctx, org, true)
		switch {
		case errors.Is(err, ErrSecretNotFound):
			// The Secret went first (a GitOps prune): nothing can reach the remote system any more.
			r.Recorder.Eventf(org, nil, corev1.EventTypeWarning, "Orphaned", "Delete",
				"the credentials Secret is gone; %s organization %s was left in place", providerName(org), org.Status.OrganizationNo)
		case err != nil:
			return failure(err), false
		default:
			if err := conn.Organizations.Delete(ctx, org.Status.OrganizationNo); err != nil {
				return failure(err), false
			}
			r.Recorder.Eventf(org, nil, corev1.EventTypeNormal, "Deleted", "Delete", "Deleted %s organization %s", providerName(org), org.Status.OrganizationNo)
		}
	}
	controllerutil.RemoveFinalizer(org, Finalizer)
	if err := r.Update(ctx, org); err != nil {
		// The connection stays cached: the retry still needs it if the Secret is gone.
		return retry(client.IgnoreNotFound(err)), true
	}
	r.Connections.Forget(org)
	r.mu.Lock()
	delete(r.observedWith, org.UID)
	r.mu.Unlock()
	return outcome{}, true
}

// providerName names org's provider for messages.
func providerName(org *v1alpha1.Organization) string {
	if org.Spec.Provider == v1alpha1.ProviderHuaweiCloud {
		return "Huawei Cloud"
	}
	return "NCP"
}

func countDepartments(depts []v1alpha1.Department) v1alpha1.DepartmentCounts {
	counts := v1alpha1.DepartmentCounts{Total: int32(len(depts))}
	for i := range depts {
		if isReady(depts[i].Status.Conditions, depts[i].Generation) {
			counts.Ready++
		}
	}
	return counts
}

func truncate(names []string, n int) []string {
	if len(names) <= n {
		return names
	}
	return append(names[:n:n], fmt.Sprintf("and %d more", len(names)-n))
}

// SetupWithManager registers the controller: Departments wake their Organization (counts,
// deletion progress) and Secrets wake the Organizations that use them.
func (r *OrganizationReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.Organization{}, builder.WithPredicates(specOrDeletionChanged())).
		Watches(&v1alpha1.Department{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, obj client.Object) []reconcile.Request {
			dept := obj.(*v1alpha1.Department)
			return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: dept.Namespace, Name: dept.Spec.OrganizationRef.Name}}}
		})).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.organizationsUsingSecret), builder.OnlyMetadata).
		Watches(&v1alpha1.Organization{}, handler.EnqueueRequestsFromMapFunc(r.organizationsWithSameTarget)).
		Named("organization").
		Complete(r)
}

// organizationsWithSameTarget wakes the other Organizations of a remote chart, so that one takes
// over when the holder goes.
func (r *OrganizationReconciler) organizationsWithSameTarget(ctx context.Context, obj client.Object) []reconcile.Request {
	org, ok := obj.(*v1alpha1.Organization)
	if !ok || remoteTarget(org) == "" {
		return nil
	}
	var orgs v1alpha1.OrganizationList
	if err := r.List(ctx, &orgs, client.MatchingFields{indexOrganizationTarget: remoteTarget(org)}); err != nil {
		return nil
	}
	var requests []reconcile.Request
	for i := range orgs.Items {
		if orgs.Items[i].UID != org.UID {
			requests = append(requests, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&orgs.Items[i])})
		}
	}
	return requests
}

func (r *OrganizationReconciler) organizationsUsingSecret(ctx context.Context, obj client.Object) []reconcile.Request {
	var orgs v1alpha1.OrganizationList
	if err := r.List(ctx, &orgs, client.InNamespace(obj.GetNamespace()), client.MatchingFields{indexOrganizationSecret: obj.GetName()}); err != nil {
		return nil
	}
	requests := make([]reconcile.Request, 0, len(orgs.Items))
	for i := range orgs.Items {
		requests = append(requests, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&orgs.Items[i])})
	}
	return requests
}
