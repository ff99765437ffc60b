package controller

import (
	"context"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/orgsync/orgsync/api/v1alpha1"
	rules "github.com/orgsync/orgsync/internal/decision"
)

// This file holds back a new Department's first waiting state while it is likely to end a moment
// later, so that a chart applied in any order (kubectl apply and the GitOps tools send a large
// chart one object after another, children before their parents as often as not) costs each
// Department one status write, its final one, and not a WaitingForParent written first.
//
// A Department that has published no Ready condition yet and whose decision is to wait for its
// parent or its Organization publishes nothing, and takes no finalizer, while
//   - Departments of its Organization are still arriving (one was created within the quiet
//     period, --waiting-status-delay): the parent may be among those still to come; or
//   - what it waits for is on its way: a Department of the Organization claims its parent key and
//     has published no Ready condition yet, or is Ready; its Organization exists and has
//     published no Ready condition yet;
// and never beyond the longest hold (--waiting-status-max-delay) from its creation. Then, or when
// what it waited for publishes a state that is not Ready, it says WaitingFor... as before. While
// held, its status is the CRD's default (observedGeneration 0 against a generation of at least
// 1), which kstatus, and so Flux, reads as in progress; the Argo CD health check reads a
// Department without a Ready condition as progressing. Nothing is hidden that is known: the
// Department has not been decided on yet in any way a person could act on.

// Default hold limits of a new Department's first waiting state.
const (
	DefaultWaitingStatusDelay    = 5 * time.Second
	DefaultWaitingStatusMaxDelay = 2 * time.Minute
)

// waitingHolds is the set of held Departments, by Organization, and when each Organization's
// Departments last arrived. Safe for concurrent use.
type waitingHolds struct {
	// quiet is how long after the last arrival a held Department publishes; longest is the
	// longest any Department is held from its creation.
	quiet, longest time.Duration

	// stillOnItsWay tells, when the quiet period ends, whether what a Department held only for the
	// arrivals waits for (its Organization's parent key, "" for the Organization) is on its way
	// now; nil: nothing is.
	stillOnItsWay func(org types.NamespacedName, parent string) bool

	mu    sync.Mutex
	queue workqueue.TypedRateLimitingInterface[reconcile.Request]
	orgs  map[types.NamespacedName]*heldOrganization
}

// heldFor is what a held Department waits for: its parent key ("" for its Organization), and
// whether that was on its way when it was held.
type heldFor struct {
	parent   string
	onItsWay bool
}

// heldOrganization is one Organization's held Departments and its last arrival.
type heldOrganization struct {
	lastArrival time.Time
	// held are the held Departments, each with what it waits for.
	held map[types.NamespacedName]heldFor
	// timer wakes the held Departments when the arrivals have been quiet for the quiet period.
	timer *time.Timer
}

func newWaitingHolds(quiet, longest time.Duration) *waitingHolds {
	if quiet <= 0 {
		quiet = DefaultWaitingStatusDelay
	}
	if longest <= 0 {
		longest = DefaultWaitingStatusMaxDelay
	}
	return &waitingHolds{quiet: quiet, longest: longest, orgs: map[types.NamespacedName]*heldOrganization{}}
}

// source is the controller's source of the wake-ups of held Departments.
func (h *waitingHolds) source() source.Source {
	return queueSource(func(q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.queue = q
	})
}

// orgLocked returns the Organization's entry, made when missing.
func (h *waitingHolds) orgLocked(org types.NamespacedName) *heldOrganization {
	o := h.orgs[org]
	if o == nil {
		o = &heldOrganization{held: map[types.NamespacedName]heldFor{}}
		h.orgs[org] = o
	}
	return o
}

// arrived records that a Department of org was created.
func (h *waitingHolds) arrived(org types.NamespacedName, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.orgLocked(org).lastArrival = now
}

// hold reports whether dept's first waiting state is held back now, and if so registers it and
// returns when its hold ends at the latest. onItsWay says whether what it waits for is on its way
// (see the file comment); parent is the key it waits for, "" when it waits for its Organization.
func (h *waitingHolds) hold(dept *v1alpha1.Department, parent string, onItsWay bool, now time.Time) (time.Duration, bool) {
	if h == nil || meta.FindStatusCondition(dept.Status.Conditions, v1alpha1.ConditionReady) != nil {
		return 0, false // it has said something already: a change is published as it is decided
	}
	left := dept.CreationTimestamp.Add(h.longest).Sub(now)
	if left <= 0 {
		return 0, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	o := h.orgLocked(organizationOf(dept))
	// The Department is itself an arrival, whether or not the watch event that records
	// arrivals (departmentEvents) has been handled yet: the informer hands each handler its
	// events apart, so the reconcile of a new Department may come first.
	if created := dept.CreationTimestamp.Time; created.After(o.lastArrival) && !created.After(now) {
		o.lastArrival = created
	}
	arriving := now.Before(o.lastArrival.Add(h.quiet))
	if !arriving && !onItsWay {
		return 0, false
	}
	o.held[client.ObjectKeyFromObject(dept)] = heldFor{parent: parent, onItsWay: onItsWay}
	if arriving && o.timer == nil {
		org := organizationOf(dept)
		o.timer = time.AfterFunc(o.lastArrival.Add(h.quiet).Sub(now), func() { h.quietEnded(org) })
	}
	return left, true
}

// quietEnded wakes org's held Departments once no Department has arrived for the quiet period,
// or waits for the rest of it. What was held only because the chart was arriving is woken, unless
// what it waits for has arrived since and is on its way (stillOnItsWay): the end of a large apply
// then does not wake every Department whose parent is being created. What was held because it was
// on its way stays held until that publishes (wake) or the longest hold ends.
func (h *waitingHolds) quietEnded(org types.NamespacedName) {
	h.mu.Lock()
	o := h.orgs[org]
	if o == nil {
		h.mu.Unlock()
		return
	}
	if left := time.Until(o.lastArrival.Add(h.quiet)); left > 0 {
		o.timer.Reset(left)
		h.mu.Unlock()
		return
	}
	o.timer = nil
	candidates := map[types.NamespacedName]string{}
	for nn, f := range o.held {
		if !f.onItsWay {
			candidates[nn] = f.parent
		}
	}
	check := h.stillOnItsWay
	h.mu.Unlock()
	var still []types.NamespacedName // asked outside the lock: it reads the manager's cache
	for nn, parent := range candidates {
		if check != nil && check(org, parent) {
			still = append(still, nn)
		}
	}
	h.mu.Lock()
	for _, nn := range still {
		if f, ok := o.held[nn]; ok {
			f.onItsWay = true
			o.held[nn] = f
		}
	}
	h.wakeLocked(o, func(nn types.NamespacedName, f heldFor) bool {
		_, candidate := candidates[nn]
		return candidate && !f.onItsWay
	})
}

// wake wakes org's held Departments that wait for parent ("" for all of them): what they waited
// for published a state that is not Ready.
func (h *waitingHolds) wake(org types.NamespacedName, parent string) {
	h.mu.Lock()
	o := h.orgs[org]
	if o == nil || len(o.held) == 0 {
		h.mu.Unlock()
		return
	}
	h.wakeLocked(o, func(_ types.NamespacedName, f heldFor) bool { return parent == "" || f.parent == parent })
}

// wakeLocked takes the held Departments that match out of o and adds them to the queue; it
// unlocks h.
func (h *waitingHolds) wakeLocked(o *heldOrganization, match func(types.NamespacedName, heldFor) bool) {
	var woken []types.NamespacedName
	for nn, f := range o.held {
		if match(nn, f) {
			woken = append(woken, nn)
			delete(o.held, nn)
		}
	}
	q := h.queue
	h.mu.Unlock()
	for _, nn := range woken {
		if q != nil {
			q.Add(reconcile.Request{NamespacedName: nn})
		}
	}
}

// release forgets dept as held: it published, or it is gone.
func (h *waitingHolds) release(dept *v1alpha1.Department) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if o := h.orgs[organizationOf(dept)]; o != nil && len(o.held) > 0 {
		delete(o.held, client.ObjectKeyFromObject(dept))
		if len(o.held) == 0 {
			o.held = map[types.NamespacedName]heldFor{} // a map keeps its largest size: let a large chart's go
		}
	}
}

// forgetOrganization drops an Organization's entry once it is gone.
func (h *waitingHolds) forgetOrganization(org types.NamespacedName) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if o := h.orgs[org]; o != nil {
		if o.timer != nil {
			o.timer.Stop()
		}
		delete(h.orgs, org)
	}
}

// firstNotReady reports whether an update published obj's first Ready condition, and it is not
// True: what waits for obj waits in earnest now.
func firstNotReady(before, after []metav1.Condition) bool {
	return meta.FindStatusCondition(before, v1alpha1.ConditionReady) == nil &&
		!meta.IsStatusConditionTrue(after, v1alpha1.ConditionReady) &&
		meta.FindStatusCondition(after, v1alpha1.ConditionReady) != nil
}

// departmentEvents records the Departments' arrivals, and wakes the held Departments waiting for
// one that published a first state that is not Ready.
func (h *waitingHolds) departmentEvents() handler.TypedEventHandler[client.Object, reconcile.Request] {
	return handler.Funcs{
		CreateFunc: func(_ context.Context, e event.CreateEvent, _ workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			if d, ok := e.Object.(*v1alpha1.Department); ok {
				h.arrived(organizationOf(d), time.Now())
			}
		},
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, _ workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			if before, after, ok := departmentUpdate(e); ok && firstNotReady(before.Status.Conditions, after.Status.Conditions) {
				h.wake(organizationOf(after), after.Key())
			}
		},
		DeleteFunc: func(_ context.Context, e event.DeleteEvent, _ workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			if d, ok := e.Object.(*v1alpha1.Department); ok {
				h.release(d)
			}
		},
	}
}

// organizationEvents wakes an Organization's held Departments when it publishes a first state
// that is not Ready, and forgets it when it is gone.
func (h *waitingHolds) organizationEvents() handler.TypedEventHandler[client.Object, reconcile.Request] {
	return handler.Funcs{
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, _ workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			before, okOld := e.ObjectOld.(*v1alpha1.Organization)
			after, okNew := e.ObjectNew.(*v1alpha1.Organization)
			if okOld && okNew && firstNotReady(before.Status.Conditions, after.Status.Conditions) {
				h.wake(client.ObjectKeyFromObject(after), "")
			}
		},
		DeleteFunc: func(_ context.Context, e event.DeleteEvent, _ workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			h.forgetOrganization(client.ObjectKeyFromObject(e.Object))
		},
	}
}

// holdWaiting holds back the first waiting state d reports for a new Department (see the file
// comment): it returns when to look again at the latest, and whether it held.
func (r *DepartmentReconciler) holdWaiting(ctx context.Context, sc *departmentScope, d decision) (time.Duration, bool) {
	parent, ok := holdable(sc.s, d)
	if !ok {
		return 0, false
	}
	return r.holds.hold(sc.s.Dept, parent, r.onItsWay(ctx, organizationOf(sc.s.Dept), parent), time.Now())
}

// holdable reports whether d, decided for s, is a waiting state that may be held back, and what
// it waits for: its parent key, or "" for its Organization. A move that waits for its new parent
// to leave its subtree is not: that parent exists, and what it waits for is another move, which
// the act's wake-up registration follows (noteWaits), not an arrival.
func holdable(s *rules.Snapshot, d decision) (parent string, ok bool) {
	if isDeleting(s.Dept) || d.Action != rules.NoAction || d.keepCondition {
		return "", false
	}
	switch {
	case d.reason == v1alpha1.ReasonWaitingForParent && s.Remote.ParentBelow == nil:
		return s.Dept.Spec.ParentExternalKey, true
	case d.reason == v1alpha1.ReasonWaitingForOrganization:
		return "", true
	}
	return "", false
}

// onItsWay reports whether what a new Department of org waits for is on its way: for a parent
// key, a live Department of the Organization claims it and has published no Ready condition yet
// or is Ready (the remote chart shows it in a moment); for the Organization (parent ""), it
// exists, is not being deleted and has published no Ready condition yet. It reads the cache.
func (r *DepartmentReconciler) onItsWay(ctx context.Context, org types.NamespacedName, parent string) bool {
	if parent == "" {
		o := &v1alpha1.Organization{}
		if err := r.Get(ctx, org, o); err != nil {
			return false
		}
		return !isDeleting(o) && meta.FindStatusCondition(o.Status.Conditions, v1alpha1.ConditionReady) == nil
	}
	claimants, err := r.departmentsWith(ctx, org.Namespace, indexDepartmentKey, orgScopedKey(org.Name, parent))
	if err != nil {
		return false
	}
	holder := rules.LiveHolder(rules.Each(claimants))
	if holder == nil {
		return false
	}
	ready := meta.FindStatusCondition(holder.Status.Conditions, v1alpha1.ConditionReady)
	return ready == nil || ready.Status == metav1.ConditionTrue
}
