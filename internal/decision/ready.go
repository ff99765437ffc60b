// Package decision holds the chart's rules as pure functions: the one place that decides what
// the manager, `kubectl orgsync` and the tests each need to agree on. Nothing here reads the
// cluster or the remote system; callers gather what they know and ask.
//
// The rules, by file: ready.go (Ready for the current generation, converged, and how a Ready
// condition reads for its generation); reasons.go (every reason of the Ready condition with its
// class, wake-up, Event type and what a person does: the Argo CD health script is generated
// from it); holder.go (who holds a key, which Department a remote department is blamed on,
// parentExternalKey cycles); budget.go (the deletion budget and its approvals); organization.go
// (what a Department knows of its Organization, and a refusal as its condition records it).
package decision

import (
	"strconv"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// Ready reports whether conditions hold Ready=True observed at generation: the spec of that
// generation is applied. A Ready condition left from an older generation says nothing about the
// current spec.
func Ready(conditions []metav1.Condition, generation int64) bool {
	return Holds(conditions, v1alpha1.ConditionReady, generation)
}

// Converged reports whether an object's whole status describes its current spec and says Ready:
// what kstatus, Flux and Argo CD wait for, and the one meaning of "converged" every test, the
// bench, the chaos suite and the demo use.
func Converged(conditions []metav1.Condition, observedGeneration, generation int64) bool {
	return observedGeneration == generation && Ready(conditions, generation)
}

// Holds reports whether conditions hold conditionType=True observed at generation (Ready is
// Holds for the Ready condition; an Organization's Connected is another).
func Holds(conditions []metav1.Condition, conditionType string, generation int64) bool {
	c := meta.FindStatusCondition(conditions, conditionType)
	return c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == generation
}

// ReasonPending is the reason a reader reports for an object the manager has not reported on
// since its spec last changed (no Ready condition yet, or one about an older generation). It is
// not one of the manager's reasons: the condition, if any, is older than the spec.
const ReasonPending = "Pending"

// Readiness is what an object's Ready condition says of its current generation.
type Readiness struct {
	Class   Class
	Reason  string
	Message string
}

// ReadinessOf reads the Ready condition of an object at generation, as kstatus would: a
// condition about another generation of the spec says nothing about the current one (Pending,
// Progressing).
func ReadinessOf(conditions []metav1.Condition, generation int64) Readiness {
	c := meta.FindStatusCondition(conditions, v1alpha1.ConditionReady)
	switch {
	case c == nil:
		return Readiness{Class: ClassProgressing, Reason: ReasonPending, Message: "not reconciled yet"}
	case c.ObservedGeneration != generation:
		return Readiness{Class: ClassProgressing, Reason: ReasonPending,
			Message: "spec generation " + strconv.FormatInt(generation, 10) + " not reconciled yet; last " + c.Reason + ": " + c.Message}
	}
	return Readiness{Class: ClassOf(c.Status, c.Reason), Reason: c.Reason, Message: c.Message}
}
