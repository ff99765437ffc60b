package controller

import (
	"errors"
	"math/rand/v2"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/provider"
)

// outcome is what one reconcile concluded: the Ready condition to report and when to look again.
type outcome struct {
	ready   metav1.ConditionStatus
	reason  string
	message string
	// keepCondition leaves the current Ready condition as it is (throttling is not a failure).
	keepCondition bool
	// synced is true when the remote object was observed to match the spec.
	synced bool
	result ctrl.Result
	err    error
}

func readyOutcome(message string, requeueAfter time.Duration) outcome {
	return outcome{ready: metav1.ConditionTrue, reason: v1alpha1.ReasonSynced, message: message, synced: true,
		result: ctrl.Result{RequeueAfter: requeueAfter}}
}

// waiting reports a state that a watch event ends (the parent appears, the Organization becomes Ready).
func waiting(reason, message string) outcome {
	return outcome{ready: metav1.ConditionFalse, reason: reason, message: message}
}

// Backoffs used where no watch event announces a change.
const (
	credentialsRetry = 2 * time.Minute
	parentRetry      = time.Minute
	throttledRetry   = 15 * time.Second
	blockedRetry     = time.Minute
)

// retry returns err for the workqueue to retry with backoff, leaving the Ready condition as it
// is: a failed Kubernetes write says nothing about the remote object.
func retry(err error) outcome {
	return outcome{keepCondition: true, err: err}
}

// failure maps a provider error to the condition a user reads and to a retry decision.
func failure(err error) outcome {
	switch {
	case errors.Is(err, provider.ErrCredentials):
		return outcome{ready: metav1.ConditionFalse, reason: v1alpha1.ReasonCredentialsInvalid, message: err.Error(),
			result: ctrl.Result{RequeueAfter: jitter(credentialsRetry)}}
	case errors.Is(err, provider.ErrInvalid):
		// Permanent: the same request fails again. A spec change (a new generation) retries.
		return outcome{ready: metav1.ConditionFalse, reason: v1alpha1.ReasonInvalidSpec, message: err.Error()}
	case errors.Is(err, provider.ErrThrottled):
		return outcome{keepCondition: true, reason: v1alpha1.ReasonRemoteError,
			message: "throttled by the remote API; backing off", result: ctrl.Result{RequeueAfter: jitter(throttledRetry)}}
	}
	return outcome{ready: metav1.ConditionFalse, reason: v1alpha1.ReasonRemoteError,
		message: err.Error() + "; retrying with backoff", err: err}
}

// jitter spreads d by ±10% so that objects created together do not resync together.
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.9 + 0.2*rand.Float64()))
}

// setReady records o's Ready condition on conditions, for generation.
func setReady(conditions *[]metav1.Condition, generation int64, o outcome) bool {
	if o.keepCondition {
		return false
	}
	return meta.SetStatusCondition(conditions, metav1.Condition{
		Type:               v1alpha1.ConditionReady,
		Status:             o.ready,
		Reason:             o.reason,
		Message:            o.message,
		ObservedGeneration: generation,
	})
}

// isReady reports whether conditions hold Ready=True for generation.
func isReady(conditions []metav1.Condition, generation int64) bool {
	c := meta.FindStatusCondition(conditions, v1alpha1.ConditionReady)
	return c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == generation
}

// recordTransition emits an event when o puts obj into a not-Ready state that conditions do not
// already report, once per transition.
func recordTransition(recorder events.EventRecorder, obj runtime.Object, conditions []metav1.Condition, o outcome) {
	if o.keepCondition || o.ready != metav1.ConditionFalse {
		return
	}
	if c := meta.FindStatusCondition(conditions, v1alpha1.ConditionReady); c != nil && c.Reason == o.reason && c.Message == o.message {
		return
	}
	recorder.Eventf(obj, nil, eventType(o.reason), o.reason, "Sync", "%s", o.message)
}

// eventType is Normal for the reasons that are steps of normal progress, Warning for failures.
func eventType(reason string) string {
	switch reason {
	case v1alpha1.ReasonWaitingForParent, v1alpha1.ReasonWaitingForOrganization, v1alpha1.ReasonDeletionBlocked, v1alpha1.ReasonDeleting:
		return corev1.EventTypeNormal
	}
	return corev1.EventTypeWarning
}
