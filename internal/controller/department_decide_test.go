package controller

import (
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
	rules "github.com/orgsync/orgsync/internal/decision"
	"github.com/orgsync/orgsync/internal/decision/decisiontest"
	"github.com/orgsync/orgsync/internal/provider"
)

// testDepartment is a Department of Organization "acme" (decisiontest.Department).
var testDepartment = decisiontest.Department

func nameDiff(desired, observed provider.Department) provider.Fields {
	if desired.Name != observed.Name || desired.ParentKey != observed.ParentKey {
		return provider.Fields{provider.FieldName}
	}
	return nil
}

var connectedOrg = rules.Organization{Name: "acme", Exists: true, Connected: true}

func TestDeleteAfter(t *testing.T) {
	deleted := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	dept := testDepartment("team", "div", func(d *v1alpha1.Department) { d.DeletionTimestamp = &metav1.Time{Time: deleted} })
	for name, tc := range map[string]struct {
		last time.Time
		want time.Time
	}{
		// deletionTimestamp has whole seconds: the deletion may have come up to a second later.
		"deleted on its own: grace after the second of its deletion": {want: deleted.Add(11 * time.Second)},
		"others deleted before it":                                   {last: deleted.Add(-5 * time.Second), want: deleted.Add(11 * time.Second)},
		"others still being deleted after it (kubectl, one by one)":  {last: deleted.Add(30 * time.Second), want: deleted.Add(41 * time.Second)},
	} {
		t.Run(name, func(t *testing.T) {
			if got := deleteAfter(dept.DeletionTimestamp.Time, tc.last, 10*time.Second); !got.Equal(tc.want) {
				t.Fatalf("deleteAfter = %v, want %v", got, tc.want)
			}
		})
	}
}

// assertWoken fails when a not-Ready outcome has nothing that would reconcile the object again.
func assertWoken(t *testing.T, o outcome) {
	t.Helper()
	if o.ready != metav1.ConditionFalse {
		return
	}
	if w, _ := rules.Lookup(o.reason); o.result.RequeueAfter == 0 && o.err == nil && w.Watch == "" {
		t.Fatalf("%s: no watch, delay or backoff wakes the object again", o.reason)
	}
}

// Every reason an object can be not Ready names how it is woken again, and notReady and failure
// honour it: a delay requeues, a backoff returns the error.
func TestEveryNotReadyReasonHasAWakeUp(t *testing.T) {
	for _, reason := range v1alpha1.Reasons {
		if reason == v1alpha1.ReasonSynced {
			continue
		}
		w, ok := rules.Lookup(reason)
		if !ok || (w.Watch == "" && w.Delay == 0 && !w.Resync && !w.Backoff) {
			t.Errorf("reason %s has no wake-up", reason)
			continue
		}
		o := notReady(reason, "message").withResync(time.Minute)
		if (w.Delay != 0 || w.Resync) && o.result.RequeueAfter <= 0 {
			t.Errorf("reason %s: its delay is not requeued: %+v", reason, o.result)
		}
	}
	for _, err := range []error{provider.ErrTransient, provider.ErrInvalid, provider.ErrCredentials, provider.ErrHasChildren, provider.ErrAlreadyExists, provider.ErrUnsupported} {
		o := failure(err)
		assertWoken(t, o)
		if w, _ := rules.Lookup(o.reason); w.Backoff && o.err == nil {
			t.Errorf("%v gives %s without an error to back off on", err, o.reason)
		}
	}
	if !slices.Contains(v1alpha1.Reasons, v1alpha1.ReasonDeleting) {
		t.Fatal("v1alpha1.Reasons is incomplete")
	}
}

// outcomeOf turns what a decision reports into the condition and the requeue, as the decision's
// reason says (decision.Reasons), and a failure to reach the chart as a failed write.
func TestOutcomeOf(t *testing.T) {
	cases := map[string]struct {
		report rules.Report
		check  func(o outcome) bool
	}{
		"a failure to list: RemoteError, backed off": {
			report: rules.Report{Err: provider.ErrTransient},
			check:  func(o outcome) bool { return o.reason == v1alpha1.ReasonRemoteError && o.err != nil },
		},
		"kept": {
			report: rules.Report{Keep: true, Reason: v1alpha1.ReasonSynced},
			check:  func(o outcome) bool { return o.keepCondition && o.reason == "" },
		},
		"nothing to report (a delete, a release)": {
			check: func(o outcome) bool {
				return o.reason == "" && !o.keepCondition && o.result.RequeueAfter == 0 && o.err == nil
			},
		},
		"synced: Ready, resynced": {
			report: rules.Report{Reason: v1alpha1.ReasonSynced, Message: "m"},
			check: func(o outcome) bool {
				return o.synced && o.ready == metav1.ConditionTrue && o.message == "m" && o.result.RequeueAfter == resyncDelay
			},
		},
		"drifted, with its fields": {
			report: rules.Report{Reason: v1alpha1.ReasonDrifted, Drift: provider.Fields{provider.FieldName}},
			check: func(o outcome) bool {
				return o.ready == metav1.ConditionFalse && slices.Equal(o.drift, provider.Fields{provider.FieldName})
			},
		},
		"its own wait": {
			report: rules.Report{Reason: v1alpha1.ReasonDeletionPending, Wait: 4 * time.Second},
			check:  func(o outcome) bool { return o.result.RequeueAfter == 4*time.Second },
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if o := outcomeOf(tc.report); !tc.check(o) {
				t.Fatalf("outcomeOf(%+v) = %+v", tc.report, o)
			}
		})
	}
}
