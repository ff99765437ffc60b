package httpretry

import (
	"context"
	"errors"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// A throttled answer halves the rate; successes give it back a twentieth at a time, never beyond
// the configured rate.
func TestThrottleSlowsDownAndRecoversGradually(t *testing.T) {
	p, _ := testPolicy()
	p.Limiter = NewThrottle(rate.NewLimiter(100, 1000))
	calls := 0
	err := p.Do(context.Background(), Call{Op: "GET /x", Attempt: script(&calls, &failure{kind: Throttled}, &failure{kind: Throttled}, nil)})
	if err != nil || calls != 3 {
		t.Fatalf("Do: %v after %d attempts", err, calls)
	}
	// Two throttles (100 -> 50 -> 25), then one success (+5).
	if got := p.Limiter.Limit(); got != 30 {
		t.Fatalf("rate after two throttles and a success = %v, want 30", got)
	}
	for range 40 {
		if err := p.Do(context.Background(), Call{Op: "GET /x", Attempt: func(context.Context, int) error { return nil }}); err != nil {
			t.Fatal(err)
		}
	}
	if got := p.Limiter.Limit(); got != 100 {
		t.Fatalf("rate after recovering = %v, want the configured 100", got)
	}
	for range 20 {
		p.Limiter.throttled(time.Now(), 0)
	}
	if got := p.Limiter.Limit(); got != 100.0/64 {
		t.Fatalf("rate after many throttles = %v, want the floor %v", got, 100.0/64)
	}
}

// A Retry-After holds every caller of the Throttle, not only the one that was answered; a caller
// that would rather not wait that long is told when to come back, and sleeps not at all.
func TestRetryAfterHoldsOtherCallersWhoCanComeBackLater(t *testing.T) {
	p, waits := testPolicy()
	p.Limiter = NewThrottle(rate.NewLimiter(rate.Inf, 1))
	p.MaxAttempts = 1
	calls := 0
	_ = p.Do(context.Background(), Call{Op: "GET /x", Attempt: script(&calls, &failure{kind: Throttled, retryAfter: 3 * time.Second})})

	other := 0
	err := p.Do(WithMaxWait(context.Background(), time.Second), Call{Op: "GET /y", Attempt: script(&other, nil)})
	var limited *LimitedError
	if !errors.As(err, &limited) || !errors.Is(err, errThrottled) || limited.Delay < 2*time.Second || other != 0 {
		t.Fatalf("another caller during the hold: %v (%d attempts), want a LimitedError of about 3s and no attempt", err, other)
	}
	if len(waits()) != 0 {
		t.Fatalf("slept %v inside the limiter", waits())
	}
	// Without a bound, the caller waits the hold out.
	if err := p.Do(context.Background(), Call{Op: "GET /z", Attempt: script(&other, nil)}); err != nil || len(waits()) != 1 || waits()[0] < 2*time.Second {
		t.Fatalf("an unbounded caller: %v, waits %v", err, waits())
	}
}

// Under WithMaxWait, a token further away than the bound is given back, not waited for.
func TestMaxWaitGivesTheTokenBack(t *testing.T) {
	p, waits := testPolicy()
	p.Limiter = NewThrottle(rate.NewLimiter(rate.Every(time.Hour), 1))
	calls := 0
	ctx := WithMaxWait(context.Background(), time.Second)
	if err := p.Do(ctx, Call{Op: "GET /x", Attempt: script(&calls, nil)}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		err := p.Do(ctx, Call{Op: "GET /x", Attempt: script(&calls, nil)})
		var limited *LimitedError
		if !errors.As(err, &limited) || limited.Delay < 59*time.Minute {
			t.Fatalf("second call: %v, want a LimitedError of about an hour", err)
		}
	}
	if tokens := p.Limiter.Tokens(); tokens < -0.01 {
		t.Fatalf("refused calls kept their tokens: %v left", tokens)
	}
	if len(waits()) != 0 || calls != 1 {
		t.Fatalf("waits %v, attempts %d", waits(), calls)
	}
	// A throttled answer whose backoff is beyond the bound is returned at once, with when to retry.
	p.Limiter = NewThrottle(rate.NewLimiter(rate.Inf, 1))
	err := p.Do(ctx, Call{Op: "GET /x", Attempt: script(&calls, &failure{kind: Throttled, retryAfter: 5 * time.Second}, nil)})
	var limited *LimitedError
	if !errors.As(err, &limited) || limited.Delay != 5*time.Second || len(waits()) != 0 {
		t.Fatalf("throttled under a bound: %v, waits %v", err, waits())
	}
}
