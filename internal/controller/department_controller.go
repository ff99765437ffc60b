package controller

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/orgsync/orgsync/api/v1alpha1"
	rules "github.com/orgsync/orgsync/internal/decision"
	"github.com/orgsync/orgsync/internal/httpretry"
	"github.com/orgsync/orgsync/internal/inventory"
	"github.com/orgsync/orgsync/internal/provider"
)

// Finalizer holds Organizations and Departments until their remote side is cleaned up.
const Finalizer = "orgsync.dev/finalizer"

// DepartmentReconciler makes one remote department match each Department object. Each reconcile
// gathers a snapshot (the Department, its Organization and the Departments around it from the
// cache, the remote chart from the Organization's inventory), decides with the pure functions of
// department_decide.go, and acts in one place.
type DepartmentReconciler struct {
	client.Client
	Recorder    events.EventRecorder
	Connections *Connections
	Inventories *inventory.Inventories
	// Budgets holds the Organizations' deletion budgets.
	Budgets *Budgets
	// DeletionGrace is how long a Department deleted on its own waits before its remote delete,
	// under an Organization whose deletionPolicy is Orphan; DefaultDeletionGrace when zero.
	DeletionGrace time.Duration
	// SyncPeriod is how often a synced department is looked at again.
	SyncPeriod time.Duration
	// MaxConcurrentReconciles bounds the parallel reconciles.
	MaxConcurrentReconciles int

	// rejections remembers, by UID, the remote system's last refusal of a Department's values.
	rejections sync.Map
	// deletions and namespaces tell a Department deleted on its own from one deleted together
	// with its Organization or its namespace.
	deletions  *deletionRuns
	namespaces *namespaceReader
	// writes remembers, by UID, a Department's last successful update until a listing that
	// started after it shows whether the remote system applied it (*writeCheck).
	writes sync.Map
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
	dept := &v1alpha1.Department{}
	if err := r.Get(ctx, req.NamespacedName, dept); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	deleting := !dept.DeletionTimestamp.IsZero()
	if deleting && !controllerutil.ContainsFinalizer(dept, Finalizer) {
		return ctrl.Result{}, nil
	}
	s, conn, inv, err := r.gather(ctx, dept)
	if err != nil {
		return ctrl.Result{}, err
	}
	before := dept.DeepCopy()
	var o outcome
	if deleting {
		var released bool
		if o, released = r.finalize(ctx, s, conn, inv); released {
			return o.result, o.err
		}
	} else {
		o = r.sync(ctx, s, conn, inv)
		if o.synced && s.remote.self != nil && !s.created && TakesOver(dept) {
			dept.Status.Adopted = true
			r.Recorder.Eventf(dept, nil, corev1.EventTypeNormal, "Adopted", "Adopt", "Took over the existing remote department %q", dept.Key())
		}
		if o.synced && inv != nil {
			if self := inv.View(dept.Key(), "", false).Self; self != nil {
				dept.Status.RemoteID = self.RemoteID
			}
		}
	}
	o = o.withResync(cmp.Or(s.org.syncPeriod, r.SyncPeriod))
	return r.writeStatus(ctx, before, dept, o)
}

// TakesOver reports whether dept, finding its remote department existing, adopts it: it has never
// synced under its key, nor adopted a department, before. The manager records it in
// status.adopted; kubectl orgsync plan reports it as an adoption.
func TakesOver(dept *v1alpha1.Department) bool {
	return dept.Status.ExternalKey == "" && !dept.Status.Adopted
}

// writeStatus records o on dept's status, with one patch and none when nothing changed.
func (r *DepartmentReconciler) writeStatus(ctx context.Context, before, dept *v1alpha1.Department, o outcome) (ctrl.Result, error) {
	changed := recordOutcome(r.Recorder, dept, o)
	if !o.keepCondition {
		dept.Status.DriftedFields = o.drift.Strings()
	}
	if o.synced {
		dept.Status.ExternalKey = dept.Key()
		dept.Status.ParentExternalKey = cmp.Or(dept.Spec.ParentExternalKey, v1alpha1.TopLevelParentKey)
		if o.wrote || changed || dept.Status.LastSyncTime == nil {
			now := metav1.Now()
			dept.Status.LastSyncTime = &now
		}
	}
	if !equality.Semantic.DeepEqual(before.Status, dept.Status) {
		if err := r.Status().Patch(ctx, dept, client.MergeFrom(before)); err != nil {
			return ctrl.Result{}, client.IgnoreNotFound(err)
		}
	}
	return o.result, o.err
}

// gather reads everything the decisions need. The connection and the inventory are nil when the
// Organization cannot be reached; s.listErr or s.org then say why.
func (r *DepartmentReconciler) gather(ctx context.Context, dept *v1alpha1.Department) (*departmentSnapshot, *provider.Connection, *inventory.Inventory, error) {
	s := &departmentSnapshot{dept: dept, org: organizationState{name: dept.Spec.OrganizationRef.Name}}
	org := &v1alpha1.Organization{}
	err := r.Get(ctx, types.NamespacedName{Namespace: dept.Namespace, Name: s.org.name}, org)
	switch {
	case apierrors.IsNotFound(err):
		org = nil
	case err != nil:
		return nil, nil, nil, err
	default:
		s.organization = org
		s.org = organizationStateOf(rules.OrganizationOf(s.org.name, org), syncPeriodOf(org, r.SyncPeriod))
	}

	key := dept.Key()
	claimants, err := r.departmentsWith(ctx, dept.Namespace, indexDepartmentKey, orgScopedKey(s.org.name, key))
	if err != nil {
		return nil, nil, nil, err
	}
	s.holder, s.successor = rules.KeyHolder(claimants, dept)
	deleting := !dept.DeletionTimestamp.IsZero()
	if deleting {
		children, err := r.departmentsWith(ctx, dept.Namespace, indexDepartmentParent, orgScopedKey(s.org.name, key))
		if err != nil {
			return nil, nil, nil, err
		}
		s.objectChildren = departmentNames(children, dept.UID)
	} else if s.cycle, err = r.parentCycle(ctx, dept); err != nil {
		return nil, nil, nil, err
	}
	if v, ok := r.rejections.Load(dept.UID); ok {
		rej := v.(rejection)
		s.rejected = &rej
	}
	if deleting && org != nil && !s.org.deleting && org.Spec.DeletionPolicy != v1alpha1.DeletionPolicyDelete {
		if err := r.awaitOrganization(ctx, s); err != nil {
			return nil, nil, nil, err
		}
	}
	if v, ok := r.writes.Load(dept.UID); ok {
		s.lastWrite = v.(*writeCheck)
	}

	// The remote side: for a live Department only once its Organization is connected; for a
	// deleting one whenever its Organization exists (it may be on its way out too).
	if org == nil || (!deleting && (s.org.deleting || !s.org.connected)) || s.paused() != "" || (deleting && s.org.orphans) {
		return s, nil, nil, nil
	}
	conn, err := r.Connections.Get(ctx, org, deleting)
	if err != nil {
		if deleting && errors.Is(err, ErrSecretNotFound) && s.org.deleting {
			s.credentialsGone = true
		}
		s.listErr = err
		return s, nil, nil, nil
	}
	s.diff, s.unsupported = conn.Departments.Diff, conn.Departments.Unsupported
	inv := r.Inventories.Of(org.UID, org.Namespace, org.Name)
	// The Organization lists the chart every sync period; a Department lists it only when that
	// has not happened for much longer (or never), as a fallback.
	if err := inv.ListedSince(ctx, time.Now().Add(-2*s.org.syncPeriod), conn, conn.Departments.List); err != nil {
		s.listErr = err
		return s, conn, inv, nil
	}
	if err := r.viewRemote(ctx, s, inv); err != nil {
		return nil, nil, nil, err
	}
	return s, conn, inv, nil
}

// awaitOrganization decides, for a deleting Department whose Organization is not being deleted
// and would leave the chart in place if it were (deletionPolicy Orphan), whether the Department
// goes with its Organization after all: its namespace is being deleted (the namespace controller
// deletes the objects in it in no fixed order), or its remote delete waits a grace period in
// which its Organization may still be seen deleting (kubectl delete -f and GitOps tools send the
// Departments and their Organization within moments, in any order).
func (r *DepartmentReconciler) awaitOrganization(ctx context.Context, s *departmentSnapshot) error {
	dept := s.dept
	if s.paused() != "" || s.successor != nil || dept.Spec.DeletionPolicy == v1alpha1.DeletionPolicyOrphan || s.observeOnly() {
		return nil // nothing would be deleted remotely anyway
	}
	grace := cmp.Or(r.DeletionGrace, DefaultDeletionGrace)
	r.deletions.note(dept)
	at := deleteAfter(r.deletions.deletedAt(dept), r.deletions.lastOf(types.NamespacedName{Namespace: dept.Namespace, Name: s.org.name}), grace)
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
		s.org.orphans = true
		return nil
	}
	if now.Before(at) {
		s.grace = deletionWait{at: at, left: at.Sub(now), grace: grace}
	}
	return nil
}

// viewRemote copies what s needs of the inventory: the department, its parent and, for a deleting
// one, its sub-departments by the names of the Departments that claim them.
func (r *DepartmentReconciler) viewRemote(ctx context.Context, s *departmentSnapshot, inv *inventory.Inventory) error {
	deleting := !s.dept.DeletionTimestamp.IsZero()
	s.remote = remoteViewOf(inv.View(s.dept.Key(), s.dept.Spec.ParentExternalKey, deleting))
	if !deleting {
		return nil
	}
	names, err := r.holderNames(ctx, s.dept, s.remote.children)
	s.remoteChildren = names
	return err
}

// sync decides for a live Department and acts on the decision.
func (r *DepartmentReconciler) sync(ctx context.Context, s *departmentSnapshot, conn *provider.Connection, inv *inventory.Inventory) outcome {
	d := decideSync(s)
	if s.writeChecked() {
		// This decision has seen what became of the last update: a write made now is checked anew.
		r.writes.CompareAndDelete(s.dept.UID, s.lastWrite)
	}
	if d.action == actCreate {
		d = r.lookBeforeCreating(ctx, s, conn, inv, d)
	}
	// The finalizer goes on before the first remote write, so no remote department outlives its
	// object unnoticed; and as soon as the department is bound to be written (its Organization is
	// connected and lets it write), so that the write of a department that waited for its parent
	// is not held up by a Kubernetes write when the parent appears.
	if (d.action != actNone || (s.org.connected && !s.observeOnly())) && controllerutil.AddFinalizer(s.dept, Finalizer) {
		if err := r.Update(ctx, s.dept); err != nil {
			return retry(err)
		}
	}
	if d.action == actNone {
		r.noteWaits(s, inv, d.outcome)
		return d.outcome
	}
	o, act := r.write(ctx, s, conn, inv, d, decideSync)
	s.created = act == actCreate
	r.noteWaits(s, inv, o)
	return o
}

// lookBeforeCreating lists the chart again before a create that rests on a listing older than the
// Department, and decides again: a department made remotely since (by hand, or the one an export
// was read from) is then adopted, without a write when it matches, instead of created over.
// Only a create with no other create since the last listing looks again, so that a bulk apply
// does not list the whole chart before each create; a department it misses is still adopted when
// the create finds the key taken (write lists again and decides an update from that listing).
func (r *DepartmentReconciler) lookBeforeCreating(ctx context.Context, s *departmentSnapshot, conn *provider.Connection, inv *inventory.Inventory, d decision) decision {
	// creationTimestamp has whole seconds: the Department may be up to a second younger.
	born := s.dept.CreationTimestamp.Add(time.Second)
	if now := time.Now(); born.After(now) {
		born = now
	}
	if !inv.CreateNeedsListing(born) {
		return d
	}
	if err := inv.ListedSince(ctx, born, conn, conn.Departments.List); err != nil {
		return report(failure(err))
	}
	if err := r.viewRemote(ctx, s, inv); err != nil {
		return report(retry(err))
	}
	return decideSync(s)
}

// finalize decides for a deleting Department and acts. released is true when the finalizer is
// gone, so no status remains to write.
func (r *DepartmentReconciler) finalize(ctx context.Context, s *departmentSnapshot, conn *provider.Connection, inv *inventory.Inventory) (o outcome, released bool) {
	d := decideDelete(s)
	if s.organization != nil {
		if d.action == actDelete && !r.Budgets.reserve(s.organization, s.dept.Key(), time.Now()) {
			return heldByBudget(s.organization), false
		}
		if d.action != actDelete {
			r.Budgets.forget(s.organization, s.dept.Key())
		}
	}
	if d.action == actDelete {
		var done action
		if d.outcome, done = r.write(ctx, s, conn, inv, d, decideDelete); done == actNone {
			return d.outcome, false
		}
		d.action = actRelease
	}
	if d.action != actRelease {
		return d.outcome, false
	}
	if d.orphaned != "" {
		r.Recorder.Eventf(s.dept, nil, corev1.EventTypeWarning, "Orphaned", "Delete", "%s", d.orphaned)
	}
	r.rejections.Delete(s.dept.UID)
	r.writes.Delete(s.dept.UID)
	controllerutil.RemoveFinalizer(s.dept, Finalizer)
	if err := r.Update(ctx, s.dept); err != nil {
		return retry(client.IgnoreNotFound(err)), true
	}
	return outcome{}, true
}

// heldByBudget is the outcome of a delete that org's deletion budget holds.
func heldByBudget(org *v1alpha1.Organization) outcome {
	maxDeletions, window := org.Spec.EffectiveDeletionBudget()
	return notReady(v1alpha1.ReasonDeletionBudgetExceeded, fmt.Sprintf(
		"the remote delete waits: Organization %q allows %d deletions per %s (spec.deletionBudget) and they are spent; "+
			"let more through with kubectl annotate --overwrite organization %s %s=<n>, raise spec.deletionBudget.maxDeletions, or wait for the next window",
		org.Name, maxDeletions, window, org.Name, v1alpha1.AnnotationApproveDeletions))
}

// write makes the remote write d asks for, and returns what to report and the action that was
// finally carried out (actNone when none was). When the write fails with anything but a throttle
// or a credentials refusal, the chart is listed again and decide asked again before anything is
// concluded: the answer may not mean what it seems (a create refused because the key exists, a
// delete refused because it is already gone). If the fresh look asks for the same write, the
// failure is reported; if it asks for another (adopting an existing department), that is made once.
func (r *DepartmentReconciler) write(ctx context.Context, s *departmentSnapshot, conn *provider.Connection, inv *inventory.Inventory, d decision, decide func(*departmentSnapshot) decision) (outcome, action) {
	started := time.Now()
	err := r.apply(ctx, s.dept, conn, inv, d)
	if err == nil {
		d.wrote = true
		return d.outcome, d.action
	}
	if o, waits := moveWaited(s, err); waits {
		return o, actNone
	}
	if !needsFreshLook(err) {
		return failure(err), actNone
	}
	if lerr := inv.ListedSince(ctx, started, conn, conn.Departments.List); lerr != nil {
		return failure(fmt.Errorf("%w (and listing the chart again failed: %w)", err, lerr)), actNone
	}
	if err := r.viewRemote(ctx, s, inv); err != nil {
		return retry(err), actNone
	}
	again := decide(s)
	switch again.action {
	case d.action:
		return r.refusal(ctx, s, inv, d, err), actNone
	case actCreate, actUpdate, actDelete:
		if err := r.apply(ctx, s.dept, conn, inv, again); err != nil {
			if o, waits := moveWaited(s, err); waits {
				return o, actNone
			}
			return r.refusal(ctx, s, inv, again, err), actNone
		}
		again.wrote = true
	}
	return again.outcome, again.action
}

// refusal is the outcome of d's write failing with err. When the remote system refused the values
// and the chart shows a sibling under the desired parent with the desired name, the message says
// so and how to get out (two siblings swapping names): the remote system's answer for a taken
// name is not documented, so the chart, not the answer, tells.
func (r *DepartmentReconciler) refusal(ctx context.Context, s *departmentSnapshot, inv *inventory.Inventory, d decision, err error) outcome {
	o := failure(err)
	if o.reason != v1alpha1.ReasonInvalidSpec || d.action == actDelete {
		return o
	}
	held, ok := inv.SiblingNamed(d.desired.ParentKey, d.desired.Name, d.desired.Key)
	if !ok {
		return o
	}
	holders, lerr := r.departmentsWith(ctx, s.dept.Namespace, indexDepartmentKey, orgScopedKey(s.org.name, held.Key))
	if lerr != nil {
		return retry(lerr)
	}
	o.message += "; " + nameHeld(d.desired.Name, held, rules.LiveHolder(rules.Each(holders)), s.remote.self)
	return o
}

// moveWaited reports whether err is apply's refusal to start a move, and the outcome to report:
// waiting, woken (as a decision's wait is) by a change under the departments on the path.
func moveWaited(s *departmentSnapshot, err error) (outcome, bool) {
	var waits *inventory.MoveWaitsError
	if !errors.As(err, &waits) {
		return outcome{}, false
	}
	s.remote.parentBelow = waits.Below
	return moveWaits(waits.Below), true
}

// maxTurnWait is the longest a worker waits for its turn to write to a remote system.
const maxTurnWait = time.Second

// needsFreshLook reports whether a failed write's answer leaves the remote state unknown.
func needsFreshLook(err error) bool {
	var limited *httpretry.LimitedError
	return !errors.As(err, &limited) && !errors.Is(err, provider.ErrCredentials) && !errors.Is(err, provider.ErrThrottled) &&
		!errors.Is(err, provider.ErrUnsupported)
}

// apply makes one remote write and records it in the inventory and as an event.
func (r *DepartmentReconciler) apply(ctx context.Context, dept *v1alpha1.Department, conn *provider.Connection, inv *inventory.Inventory, d decision) error {
	key := dept.Key()
	// A write whose turn under the Organization's rate limit is far off is requeued for then,
	// rather than holding a worker that other Organizations' work may be waiting for.
	ctx = httpretry.WithMaxWait(ctx, maxTurnWait)
	if d.action != actNone && d.action != actRelease {
		finished, err := inv.WriteStarted(ctx, maxTurnWait)
		if err != nil {
			return err
		}
		defer finished()
	}
	switch d.action {
	case actCreate:
		created, err := conn.Departments.Create(ctx, d.desired)
		if err != nil {
			return err
		}
		// No event: the Ready condition says it, and a first import of thousands of departments
		// would write as many Events. Updates and deletes, which change what exists, have one.
		inv.Created(created)
	case actUpdate:
		// A move is decided from the chart, and another decided at the same moment may put the
		// new parent inside this department's subtree: the inventory checks each move, as it
		// starts, against the moves under way (*inventory.MoveWaitsError).
		if _, err := inv.Update(d.desired, func() (provider.Department, error) { return conn.Departments.Update(ctx, d.desired) }); err != nil {
			return err
		}
		// The chart shows the write until a listing replaces it with what the remote system
		// holds: one that starts after now tells whether it was applied.
		r.writes.Store(dept.UID, &writeCheck{generation: dept.Generation, fields: d.diff, answered: time.Now()})
		r.Recorder.Eventf(dept, nil, corev1.EventTypeNormal, "Updated", "Update", "Updated remote department %q: %s", key, cmp.Or(d.diff.String(), "adopted"))
	case actDelete:
		if err := conn.Departments.Delete(ctx, d.desired); err != nil {
			return err
		}
		inv.Remove(key)
		r.Recorder.Eventf(dept, nil, corev1.EventTypeNormal, "Deleted", "Delete", "Deleted remote department %q", key)
	}
	return nil
}

// noteWaits asks the inventory to wake a Department whose move waits for its new parent to leave
// its subtree at the next change under any department between them. It also remembers an
// InvalidSpec, and what it depended on, so that the same values are not sent again until the spec
// or the departments around it change, and asks the inventory to wake the Department at the next
// change under its parent; and a NotApplied, so that the update is not sent again until the spec
// or the remote department changes.
func (r *DepartmentReconciler) noteWaits(s *departmentSnapshot, inv *inventory.Inventory, o outcome) {
	if o.keepCondition {
		return
	}
	if below := s.remote.parentBelow; inv != nil && o.reason == v1alpha1.ReasonWaitingForParent && below != nil {
		for _, key := range below[:len(below)-1] {
			inv.Watch(key, client.ObjectKeyFromObject(s.dept))
		}
	}
	if o.reason == v1alpha1.ReasonNotApplied && s.remote.self != nil {
		// Woken by a change of the remote department (a listing that shows it changed wakes the
		// Department that holds its key) or of the spec.
		listed := *s.remote.self
		r.rejections.Store(s.dept.UID, rejection{generation: s.dept.Generation, remote: &listed})
		return
	}
	if o.reason != v1alpha1.ReasonInvalidSpec || inv == nil {
		r.rejections.Delete(s.dept.UID)
		return
	}
	r.rejections.Store(s.dept.UID, rejection{generation: s.dept.Generation, siblingsVersion: s.remote.siblingsVersion})
	nn := client.ObjectKeyFromObject(s.dept)
	inv.Watch(s.dept.Spec.ParentExternalKey, nn)
	if s.remote.self != nil {
		inv.Watch(s.remote.self.ParentKey, nn)
	}
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
	return departmentsWith(ctx, r, namespace, index, value, client.UnsafeDisableDeepCopy)
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
