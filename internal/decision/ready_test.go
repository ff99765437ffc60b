package decision

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

func readyCondition(status metav1.ConditionStatus, reason string, generation int64) []metav1.Condition {
	return []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: status, Reason: reason, Message: "m", ObservedGeneration: generation}}
}

func TestReadyAndConverged(t *testing.T) {
	for name, tc := range map[string]struct {
		conditions           []metav1.Condition
		observed, generation int64
		ready, converged     bool
	}{
		"no condition":                   {nil, 1, 1, false, false},
		"Ready for this generation":      {readyCondition(metav1.ConditionTrue, v1alpha1.ReasonSynced, 2), 2, 2, true, true},
		"Ready for the one before":       {readyCondition(metav1.ConditionTrue, v1alpha1.ReasonSynced, 1), 1, 2, false, false},
		"status for an older generation": {readyCondition(metav1.ConditionTrue, v1alpha1.ReasonSynced, 2), 1, 2, true, false},
		"not Ready":                      {readyCondition(metav1.ConditionFalse, v1alpha1.ReasonWaitingForParent, 2), 2, 2, false, false},
	} {
		if got := Ready(tc.conditions, tc.generation); got != tc.ready {
			t.Errorf("%s: Ready %t, want %t", name, got, tc.ready)
		}
		if got := Converged(tc.conditions, tc.observed, tc.generation); got != tc.converged {
			t.Errorf("%s: Converged %t, want %t", name, got, tc.converged)
		}
	}
}

func TestReadinessOf(t *testing.T) {
	for name, tc := range map[string]struct {
		conditions []metav1.Condition
		want       Readiness
	}{
		"no condition": {nil, Readiness{ClassProgressing, ReasonPending, "not reconciled yet"}},
		"older":        {readyCondition(metav1.ConditionTrue, v1alpha1.ReasonSynced, 1), Readiness{ClassProgressing, ReasonPending, "spec generation 2 not reconciled yet; last Synced: m"}},
		"Ready":        {readyCondition(metav1.ConditionTrue, v1alpha1.ReasonSynced, 2), Readiness{ClassReady, v1alpha1.ReasonSynced, "m"}},
		"paused":       {readyCondition(metav1.ConditionFalse, v1alpha1.ReasonPaused, 2), Readiness{ClassSuspended, v1alpha1.ReasonPaused, "m"}},
	} {
		if got := ReadinessOf(tc.conditions, 2); got != tc.want {
			t.Errorf("%s: %+v, want %+v", name, got, tc.want)
		}
	}
}

func TestOrganizationOfAndRefusalOf(t *testing.T) {
	if got := OrganizationOf("acme", nil); got != (Organization{Name: "acme"}) {
		t.Errorf("a missing Organization: %+v", got)
	}
	org := &v1alpha1.Organization{
		ObjectMeta: metav1.ObjectMeta{Name: "acme", Generation: 3, DeletionTimestamp: &metav1.Time{Time: created}},
		Spec:       v1alpha1.OrganizationSpec{DeletionPolicy: v1alpha1.DeletionPolicyOrphan, ManagementPolicy: v1alpha1.ManagementPolicyObserve},
		Status: v1alpha1.OrganizationStatus{Conditions: []metav1.Condition{
			{Type: v1alpha1.ConditionConnected, Status: metav1.ConditionTrue, ObservedGeneration: 3}}},
	}
	want := Organization{Name: "acme", Exists: true, Deleting: true, Connected: true, Orphans: true, ObserveOnly: true}
	if got := OrganizationOf("acme", org); got != want {
		t.Errorf("OrganizationOf = %+v, want %+v", got, want)
	}

	for name, tc := range map[string]struct {
		conditions []metav1.Condition
		refused    bool
		until      string
	}{
		"refused":             {readyCondition(metav1.ConditionFalse, v1alpha1.ReasonInvalidSpec, 2), true, "the spec or the departments around it change"},
		"not applied":         {readyCondition(metav1.ConditionFalse, v1alpha1.ReasonNotApplied, 2), true, "the spec or the remote department changes"},
		"refused an old spec": {readyCondition(metav1.ConditionFalse, v1alpha1.ReasonInvalidSpec, 1), false, ""},
		"another reason":      {readyCondition(metav1.ConditionFalse, v1alpha1.ReasonRemoteError, 2), false, ""},
	} {
		r, refused := RefusalOf(tc.conditions, 2)
		if refused != tc.refused || r.Until != tc.until {
			t.Errorf("%s: %+v %t, want %t until %q", name, r, refused, tc.refused, tc.until)
		}
	}
}
