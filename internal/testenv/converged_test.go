package testenv

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

func TestConverged(t *testing.T) {
	ready := func(gen int64) []metav1.Condition {
		return []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonSynced, ObservedGeneration: gen}}
	}
	cases := map[string]struct {
		generation, observed int64
		conditions           []metav1.Condition
		want                 bool
		readiness, reason    string
	}{
		"ready at the current generation":  {generation: 2, observed: 2, conditions: ready(2), want: true, readiness: "Ready=True", reason: v1alpha1.ReasonSynced},
		"ready condition of an older spec": {generation: 3, observed: 3, conditions: ready(2), readiness: "not 3", reason: "stale"},
		"status of an older spec":          {generation: 3, observed: 2, conditions: ready(3), readiness: "status of generation 2", reason: "stale"},
		"no condition yet":                 {generation: 1, readiness: "no Ready condition"},
		"not ready": {generation: 1, observed: 1, conditions: []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse, Reason: "Waiting", ObservedGeneration: 1}},
			readiness: "Ready=False Waiting", reason: "Waiting"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			d := &v1alpha1.Department{ObjectMeta: metav1.ObjectMeta{Generation: tc.generation}}
			d.Status.Conditions, d.Status.ObservedGeneration = tc.conditions, tc.observed
			if got := Converged(d); got != tc.want {
				t.Errorf("Converged: %t, want %t", got, tc.want)
			}
			if got := Readiness(d); !strings.Contains(got, tc.readiness) {
				t.Errorf("Readiness: %q, want it to contain %q", got, tc.readiness)
			}
			if got := Reason(d); got != tc.reason {
				t.Errorf("Reason: %q, want %q", got, tc.reason)
			}
			want := 0
			if tc.want {
				want = 1
			}
			if got := CountConverged([]v1alpha1.Department{*d}); got != want {
				t.Errorf("CountConverged: %d, want %d", got, want)
			}
		})
	}
}

func TestPoll(t *testing.T) {
	calls := 0
	err := Poll(context.Background(), time.Millisecond, func(context.Context) (bool, string, error) {
		calls++
		return calls == 3, "", nil
	})
	if err != nil || calls != 3 {
		t.Errorf("Poll: %v after %d calls, want nil after 3", err, calls)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err = Poll(ctx, time.Millisecond, func(context.Context) (bool, string, error) { return false, "still waiting", nil })
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "still waiting") {
		t.Errorf("Poll past the deadline: %v, want the last status and the deadline", err)
	}
}

func TestAssetsNamesMakeEnvtest(t *testing.T) {
	t.Setenv("KUBEBUILDER_ASSETS", t.TempDir())
	_, err := Assets()
	var missing *MissingAssetsError
	if !errors.As(err, &missing) || !strings.Contains(err.Error(), "make envtest") {
		t.Errorf("Assets in an empty folder: %v, want a *MissingAssetsError naming make envtest", err)
	}
}

func TestLogBufferTail(t *testing.T) {
	var b LogBuffer
	_, _ = b.Write([]byte("first line\nsecond line\n"))
	if got := b.Tail(12); got != "second line\n" {
		t.Errorf("Tail(12) = %q, want the last line", got)
	}
	if got := b.Tail(1000); got != b.String() {
		t.Errorf("Tail(1000) = %q, want everything", got)
	}
}
