package controller

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/provider"
)

// planClaimant is a Department called name claiming key under parent, created age minutes
// after a fixed time.
func planClaimant(name, key, parent string, age int, mutate ...func(*v1alpha1.Department)) v1alpha1.Department {
	d := testDepartment(name, parent, func(d *v1alpha1.Department) {
		d.Spec.ExternalKey = key
		d.CreationTimestamp = metav1.NewTime(time.Date(2026, 12, 1, 9, age, 0, 0, time.UTC))
	})
	for _, m := range mutate {
		m(d)
	}
	return *d
}

func planDeleting(d *v1alpha1.Department) {
	d.DeletionTimestamp = &metav1.Time{Time: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	d.Finalizers = []string{Finalizer}
}

// The plan blames a blocking remote sub-department on the Department that holds its key, as the
// manager's DeletionBlocked does, not on whichever claimant is listed first.
func TestPlanChartBlamesTheHolderOfABlockingChild(t *testing.T) {
	org := &v1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "acme"}}
	depts := []v1alpha1.Department{
		planClaimant("div", "div", "", 0, planDeleting),
		planClaimant("a-newer", "team", "elsewhere", 9), // claims team, not as div's child
		planClaimant("b-older", "team", "div", 1),
	}
	remote := []provider.Department{{Key: "div", Name: "Div"}, {Key: "team", Name: "Team", ParentKey: "div"}}
	chart := NewPlanChart(org, depts, remote, nameDiff, nil)
	d := chart.DecideDelete("div")
	if d.Reason != v1alpha1.ReasonDeletionBlocked || !strings.Contains(d.Message, "b-older") || strings.Contains(d.Message, "a-newer") {
		t.Errorf("%s: %q, want DeletionBlocked naming b-older (the holder of team) alone", d.Reason, d.Message)
	}
	if holder, ok := chart.Holder("team"); !ok || holder != "b-older" {
		t.Errorf("Holder(team) = %q %t, want b-older", holder, ok)
	}
}

// The cycle walk follows the Department that holds each key, not whichever claimant is listed
// first: a newer claimant of b pointing elsewhere does not hide the cycle a -> b -> a.
func TestPlanChartCycleFollowsTheHolder(t *testing.T) {
	org := &v1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "acme"}}
	depts := []v1alpha1.Department{
		planClaimant("a", "a", "b", 0),
		planClaimant("b-newer", "b", "", 9),
		planClaimant("b", "b", "a", 1),
	}
	chart := NewPlanChart(org, depts, nil, nameDiff, nil)
	if d := chart.DecideSync("a"); d.Reason != v1alpha1.ReasonParentCycle || !strings.Contains(d.Message, "a -> b -> a") {
		t.Errorf("%s: %q, want ParentCycle a -> b -> a", d.Reason, d.Message)
	}
}

// The plan has no memory of the manager's refusals: PlanChart reads the refusal the Ready
// condition records for the current generation into the snapshot, so that the decision sends
// nothing, as the manager sends nothing, and says why; one about an older generation is no refusal.
func TestPlanChartHoldsBackRefusedValues(t *testing.T) {
	org := &v1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "acme"}}
	refusedAt := func(generation int64) func(*v1alpha1.Department) {
		return func(d *v1alpha1.Department) {
			d.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse,
				Reason: v1alpha1.ReasonInvalidSpec, Message: "name taken", ObservedGeneration: generation}}
		}
	}
	depts := []v1alpha1.Department{planClaimant("refused", "refused", "", 0, refusedAt(1)), planClaimant("older", "older", "", 0, refusedAt(0))}
	chart := NewPlanChart(org, depts, nil, nameDiff, nil)
	if d := chart.DecideSync("refused"); d.Action != PlanNone || d.Refused == nil || d.Refused.Reason != v1alpha1.ReasonInvalidSpec {
		t.Errorf("refused: %+v, want no write and the refusal", d)
	}
	if d := chart.DecideSync("older"); d.Action != PlanCreate || d.Refused != nil {
		t.Errorf("refused for an older generation: %+v, want a create", d)
	}
}
