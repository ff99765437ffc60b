package controller

import (
	"cmp"
	"context"
	"errors"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
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
// organization, counts its Departments, and propagates its deletion to them. Each reconcile
// gathers an organizationSnapshot, decides from it alone (organization_decide.go), and acts once
// (organization_act.go); organization_status.go records it, and lifecycle.go holds what it shares
// with the Department reconciler.
type OrganizationReconciler struct {
	Shared
	Recorder events.EventRecorder
	// WatchCredentialSecrets wakes an Organization when its (labelled) credentials Secret changes.
	WatchCredentialSecrets bool

	// tally counts the Departments of every Organization from the watch events.
	tally departmentTally
	// apiReader reads, uncached, the holder a record names when the cache does not have it.
	apiReader client.Reader
	// remote wakes the Organizations whose listing or observation went on without their worker;
	// observations runs the latter; share bounds the workers one namespace holds (fair.go).
	remote       remoteWaits
	observations observations
	share        *namespaceShare
	// remoteDeleted remembers the remote organizations this manager has deleted, by provider and
	// number (deletedKey): neither the Organization whose finalizer's removal failed nor another
	// that reported the same organization (the same account's) deletes it again.
	remoteDeleted sync.Map
	// remoteCreated remembers, by UID, when each Organization's remote organization was created
	// and answered, but not shown by the look after it (the remote reads lag), until a look shows
	// it or its sync period has passed: the account belongs to an organization now, and an answer
	// of "none" in between is not taken for one.
	remoteCreated sync.Map

	mu sync.Mutex
	// requests remembers when each Organization's reconcile-now request was first seen: the
	// listing and the read it asks for may end in a later reconcile than the one that saw it.
	requests map[types.UID]seenRequest
	// observedWith remembers the connection each Organization's remote organization was last
	// observed with, and when, so that status-only changes (Department counts) cost no remote call
	// while rotated credentials do.
	observedWith map[types.UID]observation
}

type observation struct {
	// of is the Organization observed, and provider its provider's name: the other Organizations
	// whose remote organization is the same (deleteRemote).
	of         types.NamespacedName
	provider   string
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

// Reconcile gathers, decides and acts for one Organization.
func (r *OrganizationReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return reconcileObject(ctx, r.Client, req, &v1alpha1.Organization{}, r.reconcile)
}

// reconcile gathers once (organizationSnapshot), decides once (organization_decide.go) and acts
// once (organization_act.go); organization_status.go records it.
func (r *OrganizationReconciler) reconcile(ctx context.Context, org *v1alpha1.Organization) (o outcome, released bool) {
	rec, err := targetRecordOf(ctx, r.Client, org)
	if err != nil {
		return retry(err), false
	}
	if err := r.takeApproval(ctx, org, rec); err != nil {
		return retry(client.IgnoreNotFound(err)), false
	}
	if !isDeleting(org) {
		// Held so that deleting the Organization first deletes its Departments.
		if err := holdFinalizer(ctx, r.Client, org); err != nil {
			return retry(err), false
		}
	}
	s := r.gather(ctx, org, rec)
	res := r.act(ctx, s, decideOrganization(s))
	if res.released {
		return res.ready, true
	}
	if heldBy(s.record, org) {
		if err := saveBudget(ctx, r.Client, s.record, r.Budgets.spent(org.UID)); err != nil {
			res.ready = retry(err)
		}
	}
	// Held deletions wait for a person, whatever else this reconcile concluded.
	res.ready = withHeldDeletions(org, s.deletions, res.ready)
	r.recordStatus(org, s, res)
	return res.ready.withResync(s.period), false
}

// organizationSnapshot is everything one Organization reconcile decides from, gathered once. The
// gathering stops at the first step that leaves nothing further to read (paused, a conflict, a
// failure), so that, for instance, credentials go nowhere for a chart another Organization holds.
type organizationSnapshot struct {
	org      *v1alpha1.Organization
	deleting bool
	paused   bool
	// period is the Organization's sync period.
	period time.Duration
	// counts and deletions are its Departments' counts and its deletion budget, for its status.
	counts    v1alpha1.DepartmentCounts
	deletions *v1alpha1.DeletionStatus
	// readErr is a failed Kubernetes read.
	readErr error
	// record is the manager's record of who holds the remote chart (nil: no one yet); the
	// reconcile claims it for org once its credentials have listed the chart.
	record *v1alpha1.RemoteTarget

	// conflict is the Conflict outcome when another Organization keeps the remote chart.
	conflict *outcome
	conn     *provider.Connection
	connErr  error
	listErr  error
	// chart summarises the listing, once the chart is listed; nextListing is when it is due again.
	chart       *chartSummary
	nextListing time.Duration
	// requested is orgsync.dev/reconcile-requested-at; reconcileNow, that it asks for a fresh look.
	requested    string
	reconcileNow bool
	// last is a fresh observation of the remote organization, when one is reused; otherwise
	// observed (or observeErr) is what the remote organization API answered now.
	last       *observation
	observed   provider.OrganizationObservation
	observeErr error
	// createdAt is when this manager created the remote organization that the look does not show
	// yet (zero: none awaited).
	createdAt time.Time

	// departments are the Organization's Departments, while it is being deleted.
	departments []v1alpha1.Department
	// secretGone: the credentials Secret went before the Organization.
	secretGone bool
}

// chartSummary is what the status tells of the listed chart.
type chartSummary struct {
	remoteDepartments, unmanaged int32
	listedAt                     time.Time
}

// gather reads what the decision needs, in the order the reconcile depends on it.
func (r *OrganizationReconciler) gather(ctx context.Context, org *v1alpha1.Organization, rec *v1alpha1.RemoteTarget) *organizationSnapshot {
	s := &organizationSnapshot{
		org:       org,
		record:    rec,
		deleting:  isDeleting(org),
		paused:    v1alpha1.IsPaused(org),
		period:    syncPeriodOf(org, r.SyncPeriod),
		counts:    r.tally.counts(client.ObjectKeyFromObject(org)),
		deletions: r.Budgets.status(org.UID),
	}
	switch {
	case s.paused:
	case s.deleting:
		r.gatherDeletion(ctx, s)
	default:
		r.gatherConnection(ctx, s)
	}
	return s
}

// gatherConnection connects a live Organization: its chart first (its Departments sync once it
// is listed), then the remote organization (a separate service).
func (r *OrganizationReconciler) gatherConnection(ctx context.Context, s *organizationSnapshot) {
	org := s.org
	claimants, err := r.claimantsOfTarget(ctx, org)
	if err != nil {
		s.readErr = err
		return
	}
	gone := false
	if s.record != nil && !heldBy(s.record, org) {
		if gone, s.readErr = holderGone(ctx, r.apiReader, s.record, claimants); s.readErr != nil {
			return
		}
	}
	if o, conflict := targetConflict(org, s.record, gone, claimants); conflict {
		s.conflict = &o // refused before its credentials go anywhere
		return
	}
	if s.conn, s.connErr = r.Connections.Refresh(ctx, org, false); s.connErr != nil {
		return
	}
	inv := r.Inventories.Of(org.UID, org.Namespace, org.Name)
	since := time.Now().Add(-s.period)
	if s.requested, s.reconcileNow = reconcileRequest(org, org.Status.LastHandledReconcileAt); s.reconcileNow {
		since = r.requestSeen(org.UID, s.requested) // a person asked for a fresh look
	}
	if s.listErr = r.remote.listed(ctx, inv, since, s.conn, client.ObjectKeyFromObject(org)); s.listErr != nil {
		return
	}
	if !r.claim(ctx, s, gone) {
		return
	}
	s.chart = r.summarise(org, inv)
	s.nextListing = max(time.Second, s.period-inv.Age(time.Now()))
	if last, fresh := r.fresh(org, s.conn); fresh && !s.reconcileNow {
		s.last = &last
		return
	}
	s.observed, s.observeErr = r.observations.observe(ctx, org, s.conn, since, &r.remote)
	s.createdAt = r.createdNotSeen(org.UID, s.observed, s.period)
}

// createdNotSeen is when this manager created the remote organization of the Organization with
// uid that observed does not show, within the last period; zero when none is awaited: none was
// created, observed shows one, or the period has passed (the create may have been undone).
func (r *OrganizationReconciler) createdNotSeen(uid types.UID, observed provider.OrganizationObservation, period time.Duration) time.Time {
	v, ok := r.remoteCreated.Load(uid)
	if !ok {
		return time.Time{}
	}
	at := v.(time.Time)
	if observed.Exists || time.Since(at) >= period {
		r.remoteCreated.Delete(uid)
		return time.Time{}
	}
	return at
}

// gatherDeletion reads the Departments of a deleting Organization and, once they are gone and
// the remote organization is to be deleted, its connection (the last one made when its Secret
// went first: a GitOps prune).
func (r *OrganizationReconciler) gatherDeletion(ctx context.Context, s *organizationSnapshot) {
	// Read-only and uncopied: listed on each coalesced wake while the Departments go.
	s.departments, s.readErr = r.Departments.departmentsWith(ctx, s.org.Namespace, indexDepartmentOrganization, s.org.Name)
	if s.readErr != nil || len(s.departments) > 0 || !deletesRemoteOrganization(s.org) {
		return
	}
	s.conn, s.connErr = r.Connections.Refresh(ctx, s.org, true)
	s.secretGone = errors.Is(s.connErr, ErrSecretNotFound)
}

// claim records org as the holder of its chart, listed with its credentials, unless it holds it
// already; gone says the record names a holder that is gone. It reports whether org holds the
// chart; otherwise s says why not: another Organization claimed it first (the chart's listing is
// forgotten), or the write failed.
func (r *OrganizationReconciler) claim(ctx context.Context, s *organizationSnapshot, gone bool) bool {
	if heldBy(s.record, s.org) {
		return true
	}
	var stale *v1alpha1.RemoteTarget
	if gone {
		stale = s.record
	}
	rec, lost, err := claimTarget(ctx, r.Client, s.org, stale, r.Budgets.spent(s.org.UID))
	switch {
	case err != nil:
		s.readErr = err
	case lost:
		r.Inventories.Forget(s.org.UID)
		o := targetUnavailable(s.org)
		s.conflict = &o
	default:
		s.record = rec
		return true
	}
	return false
}

// summarise counts the departments of org's chart and those no Department claims.
func (r *OrganizationReconciler) summarise(org *v1alpha1.Organization, inv *inventory.Inventory) *chartSummary {
	c := &chartSummary{}
	r.tally.withClaims(client.ObjectKeyFromObject(org), func(claimed func(string) bool) {
		c.remoteDepartments, c.unmanaged, c.listedAt = inv.Summary(claimed)
	})
	return c
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

// seenRequest is a reconcile-now request's value and when it was first seen.
type seenRequest struct {
	value string
	at    time.Time
}

// requestSeen returns when org's reconcile-now request requested was first seen, now when it is
// new.
func (r *OrganizationReconciler) requestSeen(uid types.UID, requested string) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	if seen, ok := r.requests[uid]; ok && seen.value == requested {
		return seen.at
	}
	if r.requests == nil {
		r.requests = map[types.UID]seenRequest{}
	}
	r.requests[uid] = seenRequest{value: requested, at: time.Now()}
	return r.requests[uid].at
}

// fresh reports whether org's remote organization was observed with the same connection, for
// the same generation, within the sync period, and returns that observation.
func (r *OrganizationReconciler) fresh(org *v1alpha1.Organization, conn *provider.Connection) (observation, bool) {
	r.mu.Lock()
	last, ok := r.observedWith[org.UID]
	r.mu.Unlock()
	return last, ok && last.connection == conn && last.generation == org.Generation && time.Since(last.at) < syncPeriodOf(org, r.SyncPeriod)
}

// takeApproval loads org's deletion budget from the manager's record of its chart the first time
// it is seen (after a restart), then counts the deletions orgsync.dev/approve-deletions lets through and removes the
// annotation, so that it is used once. A value that is not a positive number is removed with a
// Warning Event saying so.
func (r *OrganizationReconciler) takeApproval(ctx context.Context, org *v1alpha1.Organization, rec *v1alpha1.RemoteTarget) error {
	r.Budgets.loadFor(org, rec)
	n, present, valid := rules.Approval(org)
	if !present {
		return nil
	}
	value := org.Annotations[v1alpha1.AnnotationApproveDeletions]
	delete(org.Annotations, v1alpha1.AnnotationApproveDeletions)
	if err := r.Update(ctx, org); err != nil {
		return err
	}
	// Counted only once the annotation is gone: a removal that failed (a conflict) leaves it for
	// the next reconcile to count, once; a manager stopped in between loses it, never doubles it.
	if !valid {
		r.Recorder.Eventf(org, nil, corev1.EventTypeWarning, "ApprovalIgnored", "Approve",
			"%s=%q is not a positive number of deletions; it was removed", v1alpha1.AnnotationApproveDeletions, value)
		return nil
	}
	r.Budgets.approve(org.UID, n)
	r.Recorder.Eventf(org, nil, corev1.EventTypeNormal, "DeletionsApproved", "Approve",
		"%d more remote deletions approved beyond the deletion budget", n)
	return nil
}

// syncPeriodOf is org's spec.syncPeriod, or fallback (the manager's) when it sets none.
func syncPeriodOf(org *v1alpha1.Organization, fallback time.Duration) time.Duration {
	if org.Spec.SyncPeriod != nil && org.Spec.SyncPeriod.Duration > 0 {
		return org.Spec.SyncPeriod.Duration
	}
	return fallback
}

// providerName names org's provider for messages.
func providerName(org *v1alpha1.Organization) string {
	if org.Spec.Provider == v1alpha1.ProviderHuaweiCloud {
		return "Huawei Cloud"
	}
	return "NCP"
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
	r.apiReader = mgr.GetAPIReader()
	workers, share := workerShares(r.MaxConcurrentReconciles, r.NamespaceShare)
	r.share = share
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
		Watches(&v1alpha1.RemoteTarget{}, handler.EnqueueRequestsFromMapFunc(r.organizationsOfRecord)).
		WithOptions(controller.Options{MaxConcurrentReconciles: workers}).
		Named("organization")
	b = b.WatchesRawSource(source.Channel(r.Budgets.events.Events(), &handler.EnqueueRequestForObject{})).
		WatchesRawSource(r.remote.source()).
		WatchesRawSource(r.share.source())
	if r.WatchCredentialSecrets {
		b = b.Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.organizationsUsingSecret), builder.OnlyMetadata)
	}
	return b.Complete(r.share.wrap(r))
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
	return requestsFor(claimants, org.UID)
}

// organizationsOfRecord wakes the Organizations of the remote chart a record is about: one takes
// the chart over when the record goes, the holder claims it again should it go while it holds it.
func (r *OrganizationReconciler) organizationsOfRecord(ctx context.Context, obj client.Object) []reconcile.Request {
	rec, ok := obj.(*v1alpha1.RemoteTarget)
	if !ok {
		return nil
	}
	var orgs v1alpha1.OrganizationList
	if err := r.List(ctx, &orgs, client.MatchingFields{indexOrganizationTarget: rec.Spec.Target}); err != nil {
		return nil
	}
	return requestsFor(orgs.Items, "")
}

func (r *OrganizationReconciler) organizationsUsingSecret(ctx context.Context, obj client.Object) []reconcile.Request {
	var orgs v1alpha1.OrganizationList
	if err := r.List(ctx, &orgs, client.InNamespace(obj.GetNamespace()), client.MatchingFields{indexOrganizationSecret: obj.GetName()}); err != nil {
		return nil
	}
	return requestsFor(orgs.Items, "")
}
