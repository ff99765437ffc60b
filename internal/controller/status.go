package controller

import (
	"errors"
	"math/rand/v2"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
	rules "github.com/orgsync/orgsync/internal/decision"
	"github.com/orgsync/orgsync/internal/httpretry"
	"github.com/orgsync/orgsync/internal/provider"
)

// outcome is what one reconcile concluded: the Ready condition to report and when to look again.
type outcome struct {
	ready   metav1.ConditionStatus
	reason  string
	message string
	// keepCondition leaves the current Ready condition, and the generation it describes, as they
	// are: this reconcile decided nothing new about the spec (throttled, or a Kubernetes write
	// failed), so kstatus must not read the new generation as applied.
	keepCondition bool
	// synced is true when the remote object was observed to match the spec.
	synced bool
	// drift names, for a Drifted outcome, the fields the remote department holds differently
	// (status.driftedFields).
	drift provider.Fields
	// wrote is true when this reconcile wrote to the remote system.
	wrote  bool
	result ctrl.Result
	err    error
}

// resyncDelay stands, in an outcome's RequeueAfter, for the sync period (withResync).
const resyncDelay = -1

// throttledRetry is when a throttled reconcile looks again: no watch event announces the end of
// a throttle.
const throttledRetry = 15 * time.Second

// notReady reports Ready=False for reason, woken as the reason's wake-up (decision.Reasons) says.
func notReady(reason, message string) outcome {
	o := outcome{ready: metav1.ConditionFalse, reason: reason, message: message}
	r, _ := rules.Lookup(reason)
	switch {
	case r.Delay > 0:
		o.result = ctrl.Result{RequeueAfter: jitter(r.Delay)}
	case r.Resync:
		o.result = ctrl.Result{RequeueAfter: resyncDelay}
	}
	return o
}

// synced reports Ready=True.
func synced(message string) outcome {
	return outcome{ready: metav1.ConditionTrue, reason: v1alpha1.ReasonSynced, message: message, synced: true,
		result: ctrl.Result{RequeueAfter: resyncDelay}}
}

// withDrift records the fields a Drifted outcome reports.
func (o outcome) withDrift(fields provider.Fields) outcome {
	o.drift = fields
	return o
}

// withResync replaces the resyncDelay marker by the jittered sync period.
func (o outcome) withResync(syncPeriod time.Duration) outcome {
	if o.result.RequeueAfter == resyncDelay {
		o.result.RequeueAfter = jitter(syncPeriod)
	}
	return o
}

// retry returns err for the workqueue to retry with backoff, leaving the Ready condition as it
// is: a failed Kubernetes write says nothing about the remote object.
func retry(err error) outcome {
	return outcome{keepCondition: true, err: err}
}

// failure maps a provider error to the condition a user reads and to a retry decision.
func failure(err error) outcome {
	var limited *httpretry.LimitedError
	switch {
	case remoteUnderWay(err):
		// The remote work goes on without the worker, and wakes the object when it ends.
		return outcome{keepCondition: true}
	case errors.As(err, &limited):
		// This Organization's share of the remote API is used up for now: come back when it is
		// not, without holding a worker.
		return outcome{keepCondition: true, result: ctrl.Result{RequeueAfter: limited.Delay}}
	case errors.Is(err, provider.ErrCredentials):
		return notReady(v1alpha1.ReasonCredentialsInvalid, err.Error())
	case errors.Is(err, provider.ErrInvalid):
		// Permanent: the same request fails again. A spec change (a new generation) retries.
		return notReady(v1alpha1.ReasonInvalidSpec, err.Error())
	case errors.Is(err, provider.ErrUnsupported):
		return notReady(v1alpha1.ReasonUnsupportedChange, err.Error())
	case errors.Is(err, provider.ErrThrottled):
		return outcome{keepCondition: true, result: ctrl.Result{RequeueAfter: jitter(throttledRetry)}}
	case errors.Is(err, provider.ErrHasChildren):
		return notReady(v1alpha1.ReasonDeletionBlocked, "the remote system refused the delete: "+err.Error())
	}
	o := notReady(v1alpha1.ReasonRemoteError, err.Error()+"; retrying with backoff")
	o.err = err
	return o
}

// jitter spreads d by ±10% so that objects created together do not resync together.
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.9 + 0.2*rand.Float64())) //nolint:gosec // G404: requeue jitter, not a secret
}

// statusObject is an orgsync object whose status has a Ready condition and an observedGeneration.
type statusObject interface {
	client.Object
	ReadyStatus() (conditions *[]metav1.Condition, observedGeneration *int64)
}

// recordOutcome puts o on obj's status, as both controllers do: an Event for a new not-Ready state,
// the Ready condition, and the generation it describes, all left as they are when o keeps the
// condition. It reports whether the condition changed.
func recordOutcome(recorder events.EventRecorder, obj statusObject, o outcome) bool {
	conditions, observedGeneration := obj.ReadyStatus()
	recordTransition(recorder, obj, *conditions, o)
	changed := setReady(conditions, obj.GetGeneration(), o)
	if !o.keepCondition {
		*observedGeneration = obj.GetGeneration()
	}
	return changed
}

// setReady records o's Ready condition on conditions, for generation.
// It returns false, and records nothing, when o keeps the condition.
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

// setCondition records o as the condition of type conditionType, unless o keeps it.
func setCondition(conditions *[]metav1.Condition, conditionType string, generation int64, o outcome) {
	if o.keepCondition {
		return
	}
	meta.SetStatusCondition(conditions, metav1.Condition{
		Type: conditionType, Status: o.ready, Reason: o.reason, Message: o.message, ObservedGeneration: generation,
	})
}

// isReady reports whether conditions hold Ready=True for generation (decision.Ready).
func isReady(conditions []metav1.Condition, generation int64) bool {
	return rules.Ready(conditions, generation)
}

// isTrue reports whether conditions hold conditionType=True for generation (decision.Holds).
func isTrue(conditions []metav1.Condition, conditionType string, generation int64) bool {
	return rules.Holds(conditions, conditionType, generation)
}

// recordTransition emits an event when o puts obj into a not-Ready state that conditions do not
// already report, once per transition, of the type decision.EventType gives (none for the
// reasons that only begin normal progress).
func recordTransition(recorder events.EventRecorder, obj runtime.Object, conditions []metav1.Condition, o outcome) {
	eventType := rules.EventType(o.reason)
	if o.keepCondition || o.ready != metav1.ConditionFalse || eventType == "" {
		return
	}
	if o.reason == v1alpha1.ReasonDeletionBudgetExceeded {
		// One Warning Event, on the Organization, when deletions start to be held: not one per
		// held Department, nor one each time the count moves.
		if _, isOrg := obj.(*v1alpha1.Organization); !isOrg {
			return
		}
		if c := meta.FindStatusCondition(conditions, v1alpha1.ConditionReady); c != nil && c.Reason == o.reason {
			return
		}
	}
	if c := meta.FindStatusCondition(conditions, v1alpha1.ConditionReady); c != nil && c.Reason == o.reason && c.Message == o.message {
		return
	}
	recorder.Eventf(obj, nil, eventType, o.reason, "Sync", "%s", o.message)
}
