package controller

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/orgsync/orgsync/api/v1alpha1"
	rules "github.com/orgsync/orgsync/internal/decision"
)

// This file is the lifecycle both reconcilers share around their own gather, decide and act: read
// the object, leave one that is released, hold and release the finalizer, the pause annotation,
// a request to reconcile now, and one status patch per reconcile.

// Finalizer holds Organizations and Departments until their remote side is cleaned up.
const Finalizer = "orgsync.dev/finalizer"

// reconciled is an object of either kind.
type reconciled interface {
	*v1alpha1.Department | *v1alpha1.Organization
	statusObject
}

// reconcileObject reads the object req names into obj and, unless it is gone or released (being
// deleted without the finalizer), runs the kind's reconcile on it and patches its status once
// with what changed: none when nothing did. run reports released when it removed the finalizer:
// the object may be gone, and no status remains to write.
func reconcileObject[T reconciled](ctx context.Context, c client.Client, req ctrl.Request, obj T,
	run func(context.Context, T) (o outcome, released bool)) (ctrl.Result, error) {
	if err := c.Get(ctx, req.NamespacedName, obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if isDeleting(obj) && !controllerutil.ContainsFinalizer(obj, Finalizer) {
		return ctrl.Result{}, nil
	}
	before := obj.DeepCopyObject().(T)
	o, released := run(ctx, obj)
	if released {
		return o.result, o.err
	}
	if !equality.Semantic.DeepEqual(statusOf(before), statusOf(obj)) {
		if err := c.Status().Patch(ctx, obj, client.MergeFrom(before)); err != nil {
			return ctrl.Result{}, client.IgnoreNotFound(err)
		}
	}
	return o.result, o.err
}

// statusOf is obj's status, for the comparison that saves a patch.
func statusOf(obj client.Object) any {
	switch o := obj.(type) {
	case *v1alpha1.Department:
		return o.Status
	case *v1alpha1.Organization:
		return o.Status
	}
	return nil
}

// isDeleting reports whether obj has a deletion timestamp.
func isDeleting(obj client.Object) bool {
	return !obj.GetDeletionTimestamp().IsZero()
}

// holdFinalizer puts the finalizer on obj, with a Kubernetes write only when it is not there yet.
func holdFinalizer(ctx context.Context, c client.Writer, obj client.Object) error {
	if !controllerutil.AddFinalizer(obj, Finalizer) {
		return nil
	}
	return c.Update(ctx, obj)
}

// releaseFinalizer removes the finalizer; removed reports whether the write did. A failed write
// is retried with backoff, the condition left as it is; an object already gone needs no retry.
func releaseFinalizer(ctx context.Context, c client.Writer, obj client.Object) (o outcome, removed bool) {
	controllerutil.RemoveFinalizer(obj, Finalizer)
	if err := c.Update(ctx, obj); err != nil {
		return retry(client.IgnoreNotFound(err)), false
	}
	return outcome{}, true
}

// pausedOutcome is the Ready condition of an object that the annotation orgsync.dev/paused stops
// (decision.PausedMessage).
func pausedOutcome(deleting bool, on, effect string) outcome {
	return notReady(v1alpha1.ReasonPaused, rules.PausedMessage(deleting, on, effect))
}

// reconcileRequest returns the value of orgsync.dev/reconcile-requested-at on obj, and whether it
// asks for a reconcile now: it is set and is not the value handled last (lastHandled, as status
// records it).
func reconcileRequest(obj client.Object, lastHandled string) (requested string, now bool) {
	requested = obj.GetAnnotations()[v1alpha1.AnnotationReconcileRequestedAt]
	return requested, requested != "" && requested != lastHandled
}

// lookAgainAfter is how soon a reconcile that ended on a fresh look (a listing made because a
// write's answer left the remote state unknown, or before a create) is followed by the one that
// decides from it.
const lookAgainAfter = time.Millisecond

// lookAgain is the outcome of a reconcile that ends on a fresh look: nothing is concluded yet, so
// the condition stays as it is, and the next reconcile comes at once.
func lookAgain() outcome {
	return outcome{keepCondition: true, result: ctrl.Result{RequeueAfter: lookAgainAfter}}
}
