package controller

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
	rules "github.com/orgsync/orgsync/internal/decision"
	"github.com/orgsync/orgsync/internal/inventory"
	"github.com/orgsync/orgsync/internal/provider"
)

// DepartmentReconciler makes one remote department match each Department object. Each reconcile
// gathers a snapshot (the Department, its Organization and the Departments around it from the
// cache, the remote chart from the Organization's inventory), decides once with the pure functions
// of package decision (decision.DecideSync, DecideDelete), and acts once (department_act.go); department_status.go records it.
type DepartmentReconciler struct {
	Shared
	Recorder events.EventRecorder
	// DeletionGrace is how long a Department deleted on its own waits before its remote delete,
	// under an Organization whose deletionPolicy is Orphan; DefaultDeletionGrace when zero.
	DeletionGrace time.Duration
	// WaitingStatusDelay and WaitingStatusMaxDelay hold back a new Department's first waiting
	// state (waiting.go); DefaultWaitingStatusDelay and DefaultWaitingStatusMaxDelay when zero.
	WaitingStatusDelay, WaitingStatusMaxDelay time.Duration

	// rejections remembers, by UID, the remote system's last refusal of a Department's values (decision.Rejection).
	rejections sync.Map
	// deletions and namespaces tell a Department deleted on its own from one deleted together
	// with its Organization or its namespace.
	deletions  *deletionRuns
	namespaces *namespaceReader
	// writes remembers, by UID, a Department's last successful update until a listing that
	// started after it shows whether the remote system applied it (*decision.WriteCheck).
	writes sync.Map
	// failedWrites remembers, by UID, a write whose answer left the remote state unknown, for the
	// next reconcile, which decides from the listing made since (*failedWrite).
	failedWrites sync.Map
	// remote wakes the Departments whose listing went on without their worker; share bounds the
	// workers one namespace holds (fair.go).
	remote remoteWaits
	share  *namespaceShare
	// holds are the new Departments whose first waiting state is held back (waiting.go).
	holds *waitingHolds
}

// +kubebuilder:rbac:groups=orgsync.dev,resources=departments,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=orgsync.dev,resources=departments/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=orgsync.dev,resources=departments/finalizers,verbs=update
// +kubebuilder:rbac:groups=orgsync.dev,resources=organizations,verbs=get;list;watch
// The one Secret an Organization names is read with a get; list and watch, for
// --watch-credentials-secrets, are granted by the chart or kustomize only where that is wanted.
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get
// A deleting Department reads its namespace (one get, uncached) to tell whether the namespace is
// being deleted, and so its Organization too.
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile gathers, decides and acts for one Department.
func (r *DepartmentReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return reconcileObject(ctx, r.Client, req, &v1alpha1.Department{}, r.reconcile)
}

// reconcile gathers once, decides once and acts once. A write whose answer leaves the remote
// state unknown ends it on a fresh look (see act); the next reconcile decides from that.
func (r *DepartmentReconciler) reconcile(ctx context.Context, dept *v1alpha1.Department) (o outcome, released bool) {
	sc, err := r.gather(ctx, dept)
	if err != nil {
		return retry(err), false
	}
	d := decideDepartment(sc)
	if wait, held := r.holdWaiting(ctx, sc, d); held {
		return outcome{keepCondition: true, result: ctrl.Result{RequeueAfter: wait}}, false
	}
	r.holds.release(dept)
	res := r.act(ctx, sc, d)
	if res.released {
		return res.outcome, true
	}
	r.recordStatus(dept, sc, res)
	return res.withResync(sc.syncPeriod), false
}

// departmentScope is what one Department reconcile gathered: the snapshot the decisions read; the
// connection and the inventory the act writes through (nil when the Organization cannot be
// reached: s.ListErr or s.Org say why); and what the last reconcile left unconcluded.
type departmentScope struct {
	s *rules.Snapshot
	// syncPeriod is the Organization's: its spec.syncPeriod or the manager's.
	syncPeriod time.Duration
	conn       *provider.Connection
	inv        *inventory.Inventory
	// failed is the last reconcile's write whose answer left the remote state unknown. The chart
	// was listed again since, and s rests on that listing.
	failed *failedWrite
	// nameHolder, gathered when failed is set, is the sibling under the desired parent that has
	// the desired name: what a refusal of the values names.
	nameHolder *heldName
}

// heldName is a remote sibling that holds a name, and the Department that claims it (nil: none).
type heldName struct {
	sibling provider.Department
	holder  *v1alpha1.Department
}

// gather reads, once, everything the decision and the act need.
func (r *DepartmentReconciler) gather(ctx context.Context, dept *v1alpha1.Department) (*departmentScope, error) {
	s := &rules.Snapshot{Dept: dept}
	org, err := r.gatherOrganization(ctx, s)
	if err != nil {
		return nil, err
	}
	if err := r.gatherClaims(ctx, s); err != nil {
		return nil, err
	}
	if v, ok := r.rejections.Load(dept.UID); ok {
		rej := v.(rules.Rejection)
		s.Rejected = &rej
	}
	if v, ok := r.writes.Load(dept.UID); ok {
		s.LastWrite = v.(*rules.WriteCheck)
	}
	if isDeleting(dept) && org != nil && !s.Org.Deleting && org.Spec.DeletionPolicy != v1alpha1.DeletionPolicyDelete {
		if err := r.awaitOrganization(ctx, s); err != nil {
			return nil, err
		}
	}
	sc := &departmentScope{s: s, syncPeriod: r.SyncPeriod}
	if org != nil {
		sc.syncPeriod = syncPeriodOf(org, r.SyncPeriod)
	}
	if v, ok := r.failedWrites.LoadAndDelete(dept.UID); ok {
		sc.failed = v.(*failedWrite)
	}
	if err := r.gatherRemote(ctx, sc, org); err != nil {
		return nil, err
	}
	return sc, nil
}

// gatherOrganization reads the Department's Organization into s.Org, and returns it (nil when it
// does not exist). The Organization is connected while its Connected condition says so and the
// manager's record names it as the holder of its chart: a status that someone else wrote does
// not connect an Organization that does not hold its chart. A deleting Department of an
// Organization whose chart another holds has nothing there to delete: it leaves the chart as it is.
func (r *DepartmentReconciler) gatherOrganization(ctx context.Context, s *rules.Snapshot) (*v1alpha1.Organization, error) {
	s.Org = rules.OrganizationOf(s.Dept.Spec.OrganizationRef.Name, nil)
	org := &v1alpha1.Organization{}
	err := r.Get(ctx, types.NamespacedName{Namespace: s.Dept.Namespace, Name: s.Org.Name}, org)
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, err
	}
	s.Organization = org
	s.Org = rules.OrganizationOf(s.Org.Name, org)
	rec, err := targetRecordOf(ctx, r.Client, org)
	if err != nil {
		return nil, err
	}
	r.Budgets.loadFor(org, rec)
	if !heldBy(rec, org) {
		s.Org.Connected = false
		s.Org.Orphans = s.Org.Orphans || (rec != nil && isDeleting(s.Dept))
	}
	return org, nil
}

// gatherClaims reads, from the cache, the Departments that claim the key, and the parent cycle of
// a live Department or the Departments under a deleting one.
func (r *DepartmentReconciler) gatherClaims(ctx context.Context, s *rules.Snapshot) error {
	dept, key := s.Dept, s.Dept.Key()
	claimants, err := r.departmentsWith(ctx, dept.Namespace, indexDepartmentKey, orgScopedKey(s.Org.Name, key))
	if err != nil {
		return err
	}
	s.Holder, s.Successor = rules.KeyHolder(claimants, dept)
	if !isDeleting(dept) {
		s.Cycle, err = r.parentCycle(ctx, dept)
		return err
	}
	children, err := r.departmentsWith(ctx, dept.Namespace, indexDepartmentParent, orgScopedKey(s.Org.Name, key))
	s.ObjectChildren = departmentNames(children, dept.UID)
	return err
}

// reachesRemote reports whether the reconcile needs the remote side: a live Department once its
// Organization is connected; a deleting one whenever its Organization exists (it may be on its
// way out too) and does not leave the chart in place; neither while paused.
func reachesRemote(s *rules.Snapshot) bool {
	switch {
	case !s.Org.Exists, s.Paused() != "":
		return false
	case isDeleting(s.Dept):
		return !s.Org.Orphans
	}
	return !s.Org.Deleting && s.Org.Connected
}

// gatherRemote connects to the Organization's remote chart and copies what s needs of its
// inventory: the department, its parent and, for a deleting one, its sub-departments by the names
// of the Departments that claim them.
func (r *DepartmentReconciler) gatherRemote(ctx context.Context, sc *departmentScope, org *v1alpha1.Organization) error {
	s := sc.s
	if !reachesRemote(s) {
		return nil
	}
	deleting := isDeleting(s.Dept)
	conn, err := r.Connections.Get(ctx, org, deleting)
	if err != nil {
		s.CredentialsGone = deleting && s.Org.Deleting && errors.Is(err, ErrSecretNotFound)
		s.ListErr = err
		return nil
	}
	s.Diff, s.Unsupported = conn.Departments.Diff, conn.Departments.Unsupported
	sc.conn, sc.inv = conn, r.Inventories.Of(org.UID, org.Namespace, org.Name)
	// The Organization lists the chart every sync period; a Department lists it only when that
	// has not happened for much longer (or never), as a fallback. After a write whose answer left
	// the remote state unknown, the act listed it again already, or started to: then this
	// reconcile decides from that listing, and keeps the failure until it has ended.
	since := sc.failed.listingSince(time.Now().Add(-2 * sc.syncPeriod))
	if err := r.remote.listed(ctx, sc.inv, since, conn, client.ObjectKeyFromObject(s.Dept)); err != nil {
		if sc.failed != nil {
			r.failedWrites.Store(s.Dept.UID, sc.failed) // still to be decided from a listing
		}
		s.ListErr = err
		return nil
	}
	s.Remote = sc.inv.View(s.Dept.Key(), s.Dept.Spec.ParentExternalKey, deleting)
	sc.failed.listed(s.Remote)
	switch {
	case deleting:
		s.RemoteChildren, err = r.holderNames(ctx, s.Dept, s.Remote.Children)
		return err
	case sc.failed != nil:
		return r.gatherNameHolder(ctx, sc)
	}
	return nil
}

// gatherNameHolder finds the sibling that holds, under the parent the spec asks for, the name it
// asks for, and the Department that claims that sibling: a refusal of the values names them (the
// remote system's answer for a taken name is not documented, so the chart, not the answer, tells).
func (r *DepartmentReconciler) gatherNameHolder(ctx context.Context, sc *departmentScope) error {
	dept := sc.s.Dept
	held, ok := sc.inv.SiblingNamed(dept.Spec.ParentExternalKey, dept.Spec.Name, dept.Key())
	if !ok {
		return nil
	}
	holders, err := r.departmentsWith(ctx, dept.Namespace, indexDepartmentKey, orgScopedKey(sc.s.Org.Name, held.Key))
	if err != nil {
		return err
	}
	sc.nameHolder = &heldName{sibling: held, holder: rules.LiveHolder(rules.Each(holders))}
	return nil
}

// awaitOrganization decides, for a deleting Department whose Organization is not being deleted
// and would leave the chart in place if it were (deletionPolicy Orphan), whether the Department
// goes with its Organization after all: its namespace is being deleted (the namespace controller
// deletes the objects in it in no fixed order), or its remote delete waits a grace period in
// which its Organization may still be seen deleting (kubectl delete -f and GitOps tools send the
// Departments and their Organization within moments, in any order).
func (r *DepartmentReconciler) awaitOrganization(ctx context.Context, s *rules.Snapshot) error {
	dept := s.Dept
	if s.Paused() != "" || s.Successor != nil || dept.Spec.DeletionPolicy == v1alpha1.DeletionPolicyOrphan || s.ObserveOnly() {
		return nil // nothing would be deleted remotely anyway
	}
	grace := cmp.Or(r.DeletionGrace, DefaultDeletionGrace)
	r.deletions.note(dept)
	at := deleteAfter(r.deletions.deletedAt(dept), r.deletions.lastOf(types.NamespacedName{Namespace: dept.Namespace, Name: s.Org.Name}), grace)
	now := time.Now()
	// Within the grace, any reading made since the Department's deletion will do (the rest waits
	// anyway); at its end, only one made after it.
	notBefore := at
	if now.Before(at) {
		notBefore = dept.DeletionTimestamp.Time
	}
	terminating, err := r.namespaces.terminating(ctx, dept, notBefore)
	if err != nil {
		return fmt.Errorf("reading namespace %s: %w", dept.Namespace, err)
	}
	if terminating {
		s.Org.Orphans = true
		return nil
	}
	if now.Before(at) {
		s.Grace = rules.DeletionWait{At: at, Left: at.Sub(now), Grace: grace}
	}
	return nil
}

// parentCycle follows parentExternalKey through the Organization's Departments and returns the
// keys of the cycle when the chain comes back to dept.
func (r *DepartmentReconciler) parentCycle(ctx context.Context, dept *v1alpha1.Department) ([]string, error) {
	org := dept.Spec.OrganizationRef.Name
	return rules.Cycle(dept, func(key string) (string, bool, error) {
		claimants, err := r.departmentsWith(ctx, dept.Namespace, indexDepartmentKey, orgScopedKey(org, key))
		if err != nil {
			return "", false, err
		}
		parent, found := rules.ParentOf(rules.Each(claimants))
		return parent, found, nil
	})
}

// holderNames names the remote departments keys for a message, as decision.Blame does.
func (r *DepartmentReconciler) holderNames(ctx context.Context, dept *v1alpha1.Department, keys []string) ([]string, error) {
	names := make([]string, 0, len(keys))
	for _, key := range keys {
		claimants, err := r.departmentsWith(ctx, dept.Namespace, indexDepartmentKey, orgScopedKey(dept.Spec.OrganizationRef.Name, key))
		if err != nil {
			return nil, err
		}
		names = append(names, rules.Blame(key, rules.Each(claimants)))
	}
	return names, nil
}

// departmentsWith lists, read-only and without copying, the Departments in namespace whose index
// field equals value. Callers must not modify what it returns.
func (r *DepartmentReconciler) departmentsWith(ctx context.Context, namespace, index, value string) ([]v1alpha1.Department, error) {
	return r.Departments.departmentsWith(ctx, namespace, index, value)
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
