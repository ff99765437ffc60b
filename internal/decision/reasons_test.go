package decision

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// The table has every reason the API declares, in its order, and each reads completely.
func TestReasonsTableIsComplete(t *testing.T) {
	if len(Reasons) != len(v1alpha1.Reasons) {
		t.Fatalf("%d reasons in the table, %d in v1alpha1.Reasons", len(Reasons), len(v1alpha1.Reasons))
	}
	for i, r := range Reasons {
		if r.Reason != v1alpha1.Reasons[i] {
			t.Errorf("row %d is %s, v1alpha1.Reasons has %s", i, r.Reason, v1alpha1.Reasons[i])
		}
		if r.Action == "" {
			t.Errorf("%s says nothing of what a person does", r.Reason)
		}
		if r.Reason == v1alpha1.ReasonSynced {
			continue
		}
		if r.Watch == "" && r.Delay == 0 && !r.Resync && !r.Backoff {
			t.Errorf("%s: nothing wakes the object again", r.Reason)
		}
		if r.Class == ClassFailing && r.Event != corev1.EventTypeWarning {
			t.Errorf("%s fails, but its Event is %q", r.Reason, r.Event)
		}
	}
}

func TestClassOf(t *testing.T) {
	for name, tc := range map[string]struct {
		status metav1.ConditionStatus
		reason string
		want   Class
	}{
		"Ready":                {metav1.ConditionTrue, v1alpha1.ReasonSynced, ClassReady},
		"not decided yet":      {metav1.ConditionUnknown, "Reconciling", ClassProgressing},
		"waiting for a parent": {metav1.ConditionFalse, v1alpha1.ReasonWaitingForParent, ClassProgressing},
		"retrying":             {metav1.ConditionFalse, v1alpha1.ReasonRemoteError, ClassProgressing},
		"paused":               {metav1.ConditionFalse, v1alpha1.ReasonPaused, ClassSuspended},
		"refused":              {metav1.ConditionFalse, v1alpha1.ReasonInvalidSpec, ClassFailing},
		"a reason not known":   {metav1.ConditionFalse, "Novel", ClassFailing},
		"Synced with False":    {metav1.ConditionFalse, v1alpha1.ReasonSynced, ClassFailing},
	} {
		if got := ClassOf(tc.status, tc.reason); got != tc.want {
			t.Errorf("%s: %s, want %s", name, got, tc.want)
		}
	}
}

func TestEventTypeAndActionable(t *testing.T) {
	for reason, want := range map[string]struct {
		event      string
		actionable bool
	}{
		v1alpha1.ReasonWaitingForParent:       {"", false},
		v1alpha1.ReasonDeletionBlocked:        {corev1.EventTypeNormal, false},
		v1alpha1.ReasonRemoteError:            {corev1.EventTypeWarning, false},
		v1alpha1.ReasonConflict:               {corev1.EventTypeWarning, true},
		v1alpha1.ReasonDeletionBudgetExceeded: {corev1.EventTypeWarning, false},
		"Novel":                               {corev1.EventTypeWarning, false},
	} {
		if got := EventType(reason); got != want.event {
			t.Errorf("EventType(%s) = %q, want %q", reason, got, want.event)
		}
		if got := Actionable(reason); got != want.actionable {
			t.Errorf("Actionable(%s) = %t, want %t", reason, got, want.actionable)
		}
	}
}
