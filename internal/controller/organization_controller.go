package controller

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/orgsync/orgsync/api/v1alpha1"
	rules "github.com/orgsync/orgsync/internal/decision"
	"github.com/orgsync/orgsync/internal/inventory"
	"github.com/orgsync/orgsync/internal/provider"
)

// OrganizationReconciler connects each Organization object to its remote chart and organization:
// it lists the chart into the Organization's inventory every sync period, observes the remote
// organization, counts its Departments, and propagates its deletion to them.
type OrganizationReconciler struct {
	client.Client
	Recorder    events.EventRecorder
	Connections *Connections
	Inventories *inventory.Inventories
	// Budgets holds the Organizations' deletion budgets.
	Budgets *Budgets
	// SyncPeriod is how often the remote chart is listed and the remote organization observed.
	SyncPeriod time.Duration
	// MaxConcurrentReconciles bounds the parallel reconciles: one Organization's listing, slowed
	// by its throttled share of the remote API, must not hold up the others.
	MaxConcurrentReconciles int
	// WatchCredentialSecrets wakes an Organization when its (labelled) credentials Secret changes.
	WatchCredentialSecrets bool

	// tally counts the Departments of every Organization from the watch events.
	tally departmentTally

	mu sync.Mutex
	// observedWith remembers the connection each Organization's remote organization was last
	// observed with, and when, so that status-only changes (Department counts) cost no remote call
	// while rotated credentials do.
	observedWith map[types.UID]observation
}

type observation struct {
	connection *provider.Connection
	generation int64
	at         time.Time
	// observed is what the remote organization API answered: a later reconcile may read an
	// Organization from the cache that does not show it in status yet.
	observed provider.OrganizationObservation
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
	if err := r.takeApproval(ctx, org); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	before := org.DeepCopy()

	org.Status.Departments = r.tally.counts(client.ObjectKeyFromObject(org))

	var o, connected outcome
	if !org.DeletionTimestamp.IsZero() {
		var done bool
		if o, done = r.finalize(ctx, org); done {
			return o.result, o.err
		}
		connected = outcome{keepCondition: true}
	} else {
		o, connected = r.sync(ctx, org)
	}
	o = r.withBudget(org, o).withResync(syncPeriodOf(org, r.SyncPeriod))

	recordOutcome(r.Recorder, org, o)
	setCondition(&org.Status.Conditions, v1alpha1.ConditionConnected, org.Generation, connected)
	if !equality.Semantic.DeepEqual(before.Status, org.Status) {
		if err := r.Status().Patch(ctx, org, client.MergeFrom(before)); err != nil {
			return ctrl.Result{}, client.IgnoreNotFound(err)
		}
	}
	return o.result, o.err
}

// sync connects org: its chart first (its Departments sync once it is listed: Connected), then
// the remote organization (a separate service, whose failure the Organization reports without
// stopping its Departments).
func (r *OrganizationReconciler) sync(ctx context.Context, org *v1alpha1.Organization) (ready, connected outcome) {
	if controllerutil.AddFinalizer(org, Finalizer) {
		// Held so that deleting the Organization first deletes its Departments.
		if err := r.Update(ctx, org); err != nil {
			return retry(err), retry(err)
		}
	}
	if v1alpha1.IsPaused(org) {
		o := notReady(v1alpha1.ReasonPaused, fmt.Sprintf("paused by the annotation %s: no remote call is made for it or its Departments; remove it to resume", v1alpha1.AnnotationPaused))
		return o, outcome{keepCondition: true}
	}
	claimants, err := r.claimantsOfTarget(ctx, org)
	if err != nil {
		return retry(err), retry(err)
	}
	if o, conflict := targetConflict(org, claimants); conflict {
		// Refused before its credentials go anywhere. It manages no chart, so it reports none,
		// and no longer holds one against others.
		org.Status.Inventory = nil
		return o, o
	}
	conn, err := r.Connections.Refresh(ctx, org, false)
	if err != nil {
		o := failure(err)
		return o, o
	}

	inv := r.Inventories.Of(org.UID, org.Namespace, org.Name)
	period := syncPeriodOf(org, r.SyncPeriod)
	since := time.Now().Add(-period)
	requested := org.Annotations[v1alpha1.AnnotationReconcileRequestedAt]
	reconcileNow := requested != "" && requested != org.Status.LastHandledReconcileAt
	if reconcileNow {
		since = time.Now() // a person asked for a fresh look
	}
	if err := inv.ListedSince(ctx, since, conn, conn.Departments.List); err != nil {
		o := failure(err)
		return o, o
	}
	r.recordInventory(org, inv)
	if reconcileNow {
		// Recorded in status, which wakes every Department of the Organization to check itself
		// against the listing just made.
		org.Status.LastHandledReconcileAt = requested
	}
	connected = synced("the remote department chart is listed")
	// Come back when the chart is due to be listed again.
	connected.result = ctrl.Result{RequeueAfter: jitter(max(time.Second, period-inv.Age(time.Now())))}

	if last, fresh := r.fresh(org, conn); fresh && !reconcileNow {
		o := outcome{keepCondition: true, result: connected.result}
		if !isReady(org.Status.Conditions, org.Generation) {
			// The status may come from a cache that has not seen the last observation yet.
			recordObservation(org, last.observed)
			o = synced(fmt.Sprintf("connected to %s organization %s", providerName(org), last.observed.ID))
			o.result = connected.result
		}
		return o, connected
	}
	observed, err := conn.Organizations.Observe(ctx)
	if err != nil {
		o := failure(err)
		if errors.Is(err, provider.ErrInvalid) {
			// A read refused with an answer the client does not recognise says nothing about
			// whether the organization exists: report it, retry, and create nothing.
			o = notReady(v1alpha1.ReasonRemoteError, "the answer does not tell whether the account belongs to an organization: "+err.Error())
			o.err = err
		}
		o.message = fmt.Sprintf("the %s organization API failed (its Departments keep syncing): %s", providerName(org), o.message)
		return o, connected
	}
	manage := org.Spec.ManagementPolicy != v1alpha1.ManagementPolicyObserve
	if !observed.Exists && !manage {
		return notReady(v1alpha1.ReasonDrifted, fmt.Sprintf("the %s account belongs to no organization (managementPolicy Observe: not creating one)", providerName(org))), connected
	}
	if !observed.Exists {
		// A one-way step for an account: the Event and the log name the answer it was taken on.
		evidence := cmp.Or(observed.Evidence, "the provider's answer for an account in no organization")
		observed, err = conn.Organizations.Create(ctx, org.Spec.Description)
		if err != nil {
			o := failure(err)
			o.message = fmt.Sprintf("creating the %s organization failed (its Departments keep syncing): %s", providerName(org), o.message)
			return o, connected
		}
		r.Recorder.Eventf(org, nil, corev1.EventTypeNormal, "Created", "Create",
			"Created %s organization %s: the account belonged to none (%s)", providerName(org), observed.ID, evidence)
		ctrl.LoggerFrom(ctx).Info("created the remote organization: the account belonged to none",
			"provider", providerName(org), "organization", observed.ID, "answer", evidence)
	}
	recordObservation(org, observed)
	if org.Status.LastSyncTime == nil || time.Since(org.Status.LastSyncTime.Time) > statusRefresh {
		now := metav1.Now()
		org.Status.LastSyncTime = &now
	}
	r.mu.Lock()
	if r.observedWith == nil {
		r.observedWith = map[types.UID]observation{}
	}
	r.observedWith[org.UID] = observation{connection: conn, generation: org.Generation, at: time.Now(), observed: observed}
	r.mu.Unlock()
	o := synced(fmt.Sprintf("connected to %s organization %s", providerName(org), observed.ID))
	o.result = connected.result
	return o, connected
}

// statusRefresh is how often timestamps that change on every sync are written at steady state:
// rarely, so that a converged Organization costs no Kubernetes write per sync period.
const statusRefresh = time.Hour

// recordInventory summarises org's chart in its status: how many departments it holds and how
// many of them no Department claims.
func (r *OrganizationReconciler) recordInventory(org *v1alpha1.Organization, inv *inventory.Inventory) {
	summary := &v1alpha1.InventoryStatus{}
	var listedAt time.Time
	r.tally.withClaims(client.ObjectKeyFromObject(org), func(claimed func(string) bool) {
		summary.RemoteDepartments, summary.Unmanaged, listedAt = inv.Summary(claimed)
	})
	old := org.Status.Inventory
	if old != nil && old.LastListTime != nil && old.RemoteDepartments == summary.RemoteDepartments &&
		old.Unmanaged == summary.Unmanaged && listedAt.Sub(old.LastListTime.Time) < statusRefresh {
		return
	}
	summary.LastListTime = &metav1.Time{Time: listedAt}
	org.Status.Inventory = summary
}

// claimantsOfTarget lists the Organizations, in every namespace, whose target is org's.
func (r *OrganizationReconciler) claimantsOfTarget(ctx context.Context, org *v1alpha1.Organization) ([]v1alpha1.Organization, error) {
	target := remoteTarget(org)
	if target == "" {
		return nil, nil
	}
	var orgs v1alpha1.OrganizationList
	if err := r.List(ctx, &orgs, client.MatchingFields{indexOrganizationTarget: target}); err != nil {
		return nil, err
	}
	return orgs.Items, nil
}

// fresh reports whether org's remote organization was observed with the same connection, for
// the same generation, within the sync period, and returns that observation.
func (r *OrganizationReconciler) fresh(org *v1alpha1.Organization, conn *provider.Connection) (observation, bool) {
	r.mu.Lock()
	last, ok := r.observedWith[org.UID]
	r.mu.Unlock()
	return last, ok && last.connection == conn && last.generation == org.Generation && time.Since(last.at) < syncPeriodOf(org, r.SyncPeriod)
}

// recordObservation copies what the remote organization API answered into org's status.
func recordObservation(org *v1alpha1.Organization, observed provider.OrganizationObservation) {
	org.Status.OrganizationNo = observed.ID
	org.Status.OrganizationName = observed.Name
	org.Status.MasterMemberName = observed.MasterMemberName
	org.Status.MemberStatusCode = observed.MemberStatusCode
}

// takeApproval counts the deletions orgsync.dev/approve-deletions lets through and removes the
// annotation, so that it is used once. A value that is not a positive number is removed with a
// Warning Event saying so.
func (r *OrganizationReconciler) takeApproval(ctx context.Context, org *v1alpha1.Organization) error {
	r.Budgets.load(org)
	n, present, valid := rules.Approval(org)
	switch {
	case !present:
		return nil
	case !valid:
		r.Recorder.Eventf(org, nil, corev1.EventTypeWarning, "ApprovalIgnored", "Approve",
			"%s=%q is not a positive number of deletions; it was removed", v1alpha1.AnnotationApproveDeletions, org.Annotations[v1alpha1.AnnotationApproveDeletions])
	default:
		r.Budgets.approve(org.UID, n)
		r.Recorder.Eventf(org, nil, corev1.EventTypeNormal, "DeletionsApproved", "Approve",
			"%d more remote deletions approved beyond the deletion budget", n)
	}
	delete(org.Annotations, v1alpha1.AnnotationApproveDeletions)
	return r.Update(ctx, org)
}

// withBudget records where org's deletion budget stands and reports held deletions on Ready:
// they wait for a person.
func (r *OrganizationReconciler) withBudget(org *v1alpha1.Organization, o outcome) outcome {
	status := r.Budgets.status(org.UID)
	org.Status.Deletions = status
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

// syncPeriodOf is org's spec.syncPeriod, or fallback (the manager's) when it sets none.
func syncPeriodOf(org *v1alpha1.Organization, fallback time.Duration) time.Duration {
	if org.Spec.SyncPeriod != nil && org.Spec.SyncPeriod.Duration > 0 {
		return org.Spec.SyncPeriod.Duration
	}
	return fallback
}

// finalize deletes the Organization's Departments, waits until they are gone, then deletes the
// remote organization when the deletion policy asks for it.
func (r *OrganizationReconciler) finalize(ctx context.Context, org *v1alpha1.Organization) (outcome, bool) {
	if !controllerutil.ContainsFinalizer(org, Finalizer) {
		return outcome{}, true
	}
	if v1alpha1.IsPaused(org) {
		return notReady(v1alpha1.ReasonPaused, fmt.Sprintf("the deletion waits: paused by the annotation %s; remove it to let the deletion finish", v1alpha1.AnnotationPaused)), false
	}
	// Read-only and uncopied: listed on each coalesced wake while the Departments go.
	depts, err := departmentsWith(ctx, r, org.Namespace, indexDepartmentOrganization, org.Name, client.UnsafeDisableDeepCopy)
	if err != nil {
		return retry(err), false
	}
	if len(depts) > 0 {
		names := make([]string, 0, len(depts))
		for i := range depts {
			names = append(names, depts[i].Name)
			if depts[i].DeletionTimestamp.IsZero() {
				// depts is the cache's own copy: delete through a new object, and only the one seen.
				target := &v1alpha1.Department{ObjectMeta: metav1.ObjectMeta{Namespace: depts[i].Namespace, Name: depts[i].Name}}
				if err := r.Delete(ctx, target, client.Preconditions{UID: &depts[i].UID}); client.IgnoreNotFound(err) != nil && !apierrors.IsConflict(err) {
					return retry(err), false
				}
			}
		}
		return notReady(v1alpha1.ReasonDeleting, fmt.Sprintf("waiting for %d Departments to be deleted: %s", len(depts), strings.Join(truncate(names, 10), ", "))), false
	}
	if org.Spec.DeletionPolicy == v1alpha1.DeletionPolicyDelete && org.Spec.ManagementPolicy != v1alpha1.ManagementPolicyObserve && org.Status.OrganizationNo != "" {
		conn, err := r.Connections.Refresh(ctx, org, true)
		switch {
		case errors.Is(err, ErrSecretNotFound):
			// The Secret went first (a GitOps prune): nothing can reach the remote system any more.
			r.Recorder.Eventf(org, nil, corev1.EventTypeWarning, "Orphaned", "Delete",
				"the credentials Secret is gone; %s organization %s was left in place", providerName(org), org.Status.OrganizationNo)
		case err != nil:
			return failure(err), false
		default:
			if err := conn.Organizations.Delete(ctx, org.Status.OrganizationNo); err != nil {
				o := failure(err)
				o.message = fmt.Sprintf("the %s organization %s could not be deleted (deletionPolicy Delete): %s; "+
					"fix what the remote system says, or set spec.deletionPolicy: Orphan to leave it in place and finish the deletion",
					providerName(org), org.Status.OrganizationNo, o.message)
				return o, false
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
	r.Inventories.Forget(org.UID)
	r.Budgets.drop(org.UID)
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

func truncate(names []string, n int) []string {
	if len(names) <= n {
		return names
	}
	return append(names[:n:n], fmt.Sprintf("and %d more", len(names)-n))
}

// countsDelay gathers the Department events of an Organization into one reconcile: a chart of
// 10,000 Departments converging or going is counted a few times a second, not 10,000 times.
const countsDelay = time.Second

// SetupWithManager registers the controller: Departments wake their Organization (counts,
// deletion progress), at most once per countsDelay, and Secrets wake the Organizations that use them.
func (r *OrganizationReconciler) SetupWithManager(mgr ctrl.Manager) error {
	// Every event is tallied; an Organization is woken only when its counts or its deletion's
	// progress change.
	wakeOrganization := func(before, after client.Object, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		beforeDept, _ := before.(*v1alpha1.Department)
		afterDept, _ := after.(*v1alpha1.Department)
		r.tally.observe(beforeDept, afterDept)
		dept := cmp.Or(afterDept, beforeDept)
		q.AddAfter(reconcile.Request{NamespacedName: organizationOf(dept)}, countsDelay)
	}
	b := ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.Organization{}, builder.WithPredicates(specOrDeletionChanged())).
		Watches(&v1alpha1.Department{}, handler.Funcs{
			CreateFunc: func(_ context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
				wakeOrganization(nil, e.Object, q)
			},
			UpdateFunc: func(_ context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
				wakeOrganization(e.ObjectOld, e.ObjectNew, q)
			},
			DeleteFunc: func(_ context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
				wakeOrganization(e.Object, nil, q)
			},
		}, builder.WithPredicates(countsChanged())).
		Watches(&v1alpha1.Organization{}, handler.EnqueueRequestsFromMapFunc(r.organizationsWithSameTarget)).
		WithOptions(controller.Options{MaxConcurrentReconciles: max(1, r.MaxConcurrentReconciles)}).
		Named("organization")
	b = b.WatchesRawSource(source.Channel(r.Budgets.events.Events(), &handler.EnqueueRequestForObject{}))
	if r.WatchCredentialSecrets {
		b = b.Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.organizationsUsingSecret), builder.OnlyMetadata)
	}
	return b.Complete(r)
}

// organizationsWithSameTarget wakes the other Organizations of a remote chart, so that one takes
// over when the holder goes.
func (r *OrganizationReconciler) organizationsWithSameTarget(ctx context.Context, obj client.Object) []reconcile.Request {
	org, ok := obj.(*v1alpha1.Organization)
	if !ok {
		return nil
	}
	claimants, err := r.claimantsOfTarget(ctx, org)
	if err != nil {
		return nil
	}
	var requests []reconcile.Request
	for i := range claimants {
		if claimants[i].UID != org.UID {
			requests = append(requests, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&claimants[i])})
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
