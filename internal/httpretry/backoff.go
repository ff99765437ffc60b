package httpretry

import (
	"context"
	"fmt"
	"time"
)

// Backoff waits before the (n+1)-th attempt of an operation made of several calls, each retried by
// Do on its own: a paged listing read again because its pages did not add up. The wait is drawn
// like Do's, with full jitter under BaseBackoff doubled per attempt up to MaxBackoff. It returns the
// context's error if the context ends first, and, without waiting, a *LimitedError when the wait is
// longer than a WithMaxWait context allows or would end after the context's deadline: the caller
// then reports its last failure rather than hold its worker.
func (p Policy) Backoff(ctx context.Context, op string, n int) error {
	sleep, jitter := p.Sleep, p.Jitter
	if sleep == nil {
		sleep = SleepContext
	}
	if jitter == nil {
		jitter = FullJitter
	}
	ceiling := p.BaseBackoff
	for i := 1; i < n && ceiling < p.MaxBackoff; i++ {
		ceiling *= 2
	}
	d := jitter(min(ceiling, p.MaxBackoff))
	maxWait, bounded := maxWaitFrom(ctx)
	if deadline, ok := ctx.Deadline(); (bounded && d > maxWait) || (ok && time.Now().Add(d).After(deadline)) {
		return &LimitedError{Op: op, Delay: d}
	}
	if err := sleep(ctx, d); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}
