package main

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/config/argocd"
	"github.com/orgsync/orgsync/internal/decision"
)

// treeHealthOf is the colour `tree` must give what Argo CD shows: green Healthy, red Degraded,
// yellow for the rest.
var treeHealthOf = map[string]health{
	argocd.StatusHealthy:     healthSynced,
	argocd.StatusProgressing: healthWaiting,
	argocd.StatusSuspended:   healthWaiting,
	argocd.StatusDegraded:    healthFailing,
}

// The Argo CD health script, `tree` and the manager classify every reason alike: for each
// reason the API declares (and one it does not), with each status of the Ready condition, for
// the current generation and for an older one, the script's health, tree's colour and the
// manager's class (decision.ClassOf, which its Events and the chaos invariants follow) agree.
func TestEveryReasonReadsAlikeInArgoCDTreeAndTheManager(t *testing.T) {
	reasons := append([]string{"NotAReasonOfThisVersion"}, v1alpha1.Reasons...)
	for _, reason := range reasons {
		for _, status := range []metav1.ConditionStatus{metav1.ConditionTrue, metav1.ConditionFalse, metav1.ConditionUnknown} {
			for _, stale := range []bool{false, true} {
				d := reasonedDepartment(reason, status, stale)
				name := reason + "/" + string(status)
				if stale {
					name += "/older generation"
				}
				t.Run(name, func(t *testing.T) { assertReadsAlike(t, d, stale) })
			}
		}
	}
}

func assertReadsAlike(t *testing.T, d *v1alpha1.Department, stale bool) {
	t.Helper()
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(d)
	if err != nil {
		t.Fatal(err)
	}
	argo, _, err := argocd.Health(u)
	if err != nil {
		t.Fatal(err)
	}
	tree := readinessOf(d.Status.Conditions, d.Generation)
	if want := treeHealthOf[argo]; tree.health != want {
		t.Errorf("Argo CD shows %s, tree colours it %d, want %d", argo, tree.health, want)
	}
	if stale {
		if argo != argocd.StatusProgressing || tree.reason != reasonPending {
			t.Errorf("a condition about an older generation: Argo CD %s, tree %s; want Progressing, Pending", argo, tree.reason)
		}
		return
	}
	c := d.Status.Conditions[0]
	class := decision.ClassOf(c.Status, c.Reason)
	if got := argocd.StatusOf(class); got != argo {
		t.Errorf("the manager's class %s reads as %s in Argo CD, the script shows %s", class, got, argo)
	}
	if r, known := decision.Lookup(c.Reason); c.Status != metav1.ConditionFalse || (known && r.Class == decision.ClassReady) {
		return // Synced only ever comes with Ready=True
	}
	if failing := argo == argocd.StatusDegraded; failing && decision.EventType(c.Reason) != corev1.EventTypeWarning {
		t.Errorf("Degraded in Argo CD, but the manager's Event is %q, not Warning", decision.EventType(c.Reason))
	}
	if _, known := decision.Lookup(c.Reason); known && decision.Actionable(c.Reason) != (argo == argocd.StatusDegraded) {
		t.Errorf("the chaos invariants read it as actionable=%t, Argo CD shows %s", decision.Actionable(c.Reason), argo)
	}
}

// reasonedDepartment is a Department as the manager leaves it with a Ready condition of reason
// and status, about its current generation or (stale) the one before.
func reasonedDepartment(reason string, status metav1.ConditionStatus, stale bool) *v1alpha1.Department {
	observed := int64(2)
	if stale {
		observed = 1
	}
	return &v1alpha1.Department{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: "Department"},
		ObjectMeta: metav1.ObjectMeta{Name: "sales", Namespace: "orgs", Generation: 2},
		Spec:       v1alpha1.DepartmentSpec{OrganizationRef: v1alpha1.LocalObjectReference{Name: "acme"}, Name: "Sales"},
		Status: v1alpha1.DepartmentStatus{ObservedGeneration: observed, Conditions: []metav1.Condition{{
			Type: v1alpha1.ConditionReady, Status: status, Reason: reason, Message: "the manager's message",
			ObservedGeneration: observed, LastTransitionTime: metav1.Now(),
		}}},
	}
}
