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

	mu    sync.Mutex
	queue workqueue.TypedRateLimitingInterface[reconcile.Request]
	orgs  map[types.NamespacedName]*heldOrganization
}

// heldOrganization is one Organization's held Departments and its last arrival.
type heldOrganization struct {
	lastArrival time.Time
	// held are the held Departments, each with the parent key it waits for ("" for one that waits
	// for its Organization).
	held map[types.NamespacedName]string
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
		o = &heldOrganization{held: map[types.NamespacedName]string{}}
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
	arriving := now.Before(o.lastArrival.Add(h.quiet))
	if !arriving && !onItsWay {
		return 0, false
	}
	o.held[client.ObjectKeyFromObject(dept)] = parent
	if arriving && o.timer == nil {
		org := organizationOf(dept)
		o.timer = time.AfterFunc(o.lastArrival.Add(h.quiet).Sub(now), func() { h.quietEnded(org) })
	}
	return left, true
}

// quietEnded wakes org's held Departments once no Department has arrived for the quiet period,
// or waits for the rest of it.
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
	h.wakeLocked(o, func(string) bool { return true })
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
	h.wakeLocked(o, func(p string) bool { return parent == "" || p == parent })
}

// wakeLocked takes the held Departments that match out of o and adds them to the queue; it
// unlocks h.
func (h *waitingHolds) wakeLocked(o *heldOrganization, match func(parent string) bool) {
	var woken []types.NamespacedName
	for nn, p := range o.held {
		if match(p) {
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
	if o := h.orgs[organizationOf(dept)]; o != nil {
		delete(o.held, client.ObjectKeyFromObject(dept))
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
	s := sc.s
	if isDeleting(s.Dept) || d.Action != rules.NoAction || d.keepCondition {
		return 0, false
	}
	switch d.reason {
	case v1alpha1.ReasonWaitingForParent:
		parent := s.Dept.Spec.ParentExternalKey
		return r.holds.hold(s.Dept, parent, r.parentOnItsWay(ctx, s, parent), time.Now())
	case v1alpha1.ReasonWaitingForOrganization:
		org := s.Organization
		onItsWay := org != nil && !isDeleting(org) && meta.FindStatusCondition(org.Status.Conditions, v1alpha1.ConditionReady) == nil
		return r.holds.hold(s.Dept, "", onItsWay, time.Now())
	}
	return 0, false
}

// parentOnItsWay reports whether a live Department of the Organization claims the parent key and
// either has published no Ready condition yet (it is on its way) or is Ready (the remote chart
// shows it in a moment).
func (r *DepartmentReconciler) parentOnItsWay(ctx context.Context, s *rules.Snapshot, parent string) bool {
	if parent == "" {
		return false
	}
	claimants, err := r.departmentsWith(ctx, s.Dept.Namespace, indexDepartmentKey, orgScopedKey(s.Org.Name, parent))
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
