// Package decision holds the chart's rules as pure functions: the one place that decides what
// the manager, `kubectl orgsync` and the tests each need to agree on. Nothing here reads the
// cluster or the remote system; callers gather what they know and ask.
package decision

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// Ready reports whether conditions hold Ready=True observed at generation: the spec of that
// generation is applied. A Ready condition left from an older generation says nothing about the
// current spec.
func Ready(conditions []metav1.Condition, generation int64) bool {
	c := meta.FindStatusCondition(conditions, v1alpha1.ConditionReady)
	return c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == generation
}

// Converged reports whether an object's whole status describes its current spec and says Ready:
// what kstatus, Flux and Argo CD wait for, and the one meaning of "converged" every test, the
// bench, the chaos suite and the demo use.
func Converged(conditions []metav1.Condition, observedGeneration, generation int64) bool {
	return observedGeneration == generation && Ready(conditions, generation)
}
