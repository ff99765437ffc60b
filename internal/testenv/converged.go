package testenv

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/decision"
)

// Object is an Organization or a Department: an object with a Ready condition and an observed
// generation.
type Object interface {
	client.Object
	ReadyStatus() (conditions *[]metav1.Condition, observedGeneration *int64)
}

// Converged reports whether obj's status describes its current spec and says Ready: the one
// meaning of "converged" (decision.Converged) every wait of the tests, the bench, the chaos suite
// and the demo uses.
func Converged(obj Object) bool {
	conditions, observed := obj.ReadyStatus()
	return decision.Converged(*conditions, *observed, obj.GetGeneration())
}

// Readiness says in a few words where obj stands, for messages of a wait that did not end.
func Readiness(obj Object) string {
	c, observed, st := readyState(obj)
	if st == noCondition {
		return "no Ready condition"
	}
	if st == stale {
		return fmt.Sprintf("status of generation %d (Ready of %d), not %d: Ready=%s %s", observed, c.ObservedGeneration, obj.GetGeneration(), c.Status, c.Reason)
	}
	return fmt.Sprintf("Ready=%s %s: %s", c.Status, c.Reason, c.Message)
}

// state is how an object's Ready condition stands against its spec.
type state int

const (
	noCondition state = iota
	// stale: the Ready condition or status.observedGeneration describes an older generation.
	stale
	// current: both describe the current generation, as decision.Converged requires.
	current
)

// readyState returns obj's Ready condition (nil when none), its status.observedGeneration, and how
// they stand.
func readyState(obj Object) (*metav1.Condition, int64, state) {
	conditions, observed := obj.ReadyStatus()
	c := meta.FindStatusCondition(*conditions, v1alpha1.ConditionReady)
	switch {
	case c == nil:
		return nil, *observed, noCondition
	case c.ObservedGeneration != obj.GetGeneration() || *observed != obj.GetGeneration():
		return c, *observed, stale
	default:
		return c, *observed, current
	}
}

// CountConverged counts the converged Departments of depts.
func CountConverged(depts []v1alpha1.Department) int {
	n := 0
	for i := range depts {
		if Converged(&depts[i]) {
			n++
		}
	}
	return n
}

// Poll calls done every interval until it reports true or returns an error, or ctx ends; the
// error then says what done last said (status) and why it stopped.
func Poll(ctx context.Context, interval time.Duration, done func(context.Context) (ok bool, status string, err error)) error {
	last := ""
	for {
		ok, status, err := done(ctx)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if status != "" {
			last = status
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", last, ctx.Err())
		case <-time.After(interval):
		}
	}
}

// WaitConverged polls obj (by its namespace and name, read into obj) until it has converged or
// ctx ends; alive, when not nil, stops the wait early with its error (a manager process that
// exited).
func WaitConverged(ctx context.Context, c client.Reader, obj Object, alive func() error) error {
	key := client.ObjectKeyFromObject(obj)
	err := Poll(ctx, 200*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		if err := client.IgnoreNotFound(c.Get(ctx, key, obj)); err != nil {
			return false, "", err
		}
		if alive != nil {
			if err := alive(); err != nil {
				return false, "", err
			}
		}
		return Converged(obj), Readiness(obj), nil
	})
	if err != nil {
		return fmt.Errorf("waiting for %T %s to converge: %w", obj, key, err)
	}
	return nil
}

// Reason is obj's Ready reason when its status describes the current spec (the condition and
// status.observedGeneration both of the current generation), "stale" when it describes an older
// one, and "" when obj has no Ready condition yet: what the scenarios wait for when they expect a
// reason other than Synced, with the same notion of "current" as Converged.
func Reason(obj Object) string {
	c, _, st := readyState(obj)
	if st == current {
		return c.Reason
	}
	return map[state]string{noCondition: "", stale: "stale"}[st]
}
