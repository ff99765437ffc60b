package httpretry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

var errThrottled = errors.New("test: throttled")

// failure is an attempt's error carrying its classification and Retry-After.
type failure struct {
	kind       Failure
	retryAfter time.Duration
}

func (f *failure) Error() string { return fmt.Sprintf("failure %d", f.kind) }

func classifyFailure(err error) (Failure, time.Duration) {
	var f *failure
	if errors.As(err, &f) {
		return f.kind, f.retryAfter
	}
	return Permanent, 0
}

// testPolicy records the waits instead of sleeping (waits returns them) and uses the top of each
// jitter range.
func testPolicy() (p Policy, waits func() []time.Duration) {
	var slept []time.Duration
	return Policy{
		Limiter:          NewThrottle(rate.NewLimiter(rate.Inf, 1)),
		RequestTimeout:   time.Second,
		MaxAttempts:      4,
		MaxRetryDuration: time.Minute,
		BaseBackoff:      100 * time.Millisecond,
		MaxBackoff:       250 * time.Millisecond,
		Classify:         classifyFailure,
		ErrThrottled:     errThrottled,
		Sleep: func(ctx context.Context, d time.Duration) error {
			slept = append(slept, d)
			return ctx.Err()
		},
		Jitter: func(ceiling time.Duration) time.Duration { return ceiling },
	}, func() []time.Duration { return slept }
}

// script answers attempt n with answers[min(n, len)-1].
func script(calls *int, answers ...error) func(context.Context, int) error {
	return func(_ context.Context, n int) error {
		*calls = n
		return answers[min(n, len(answers))-1]
	}
}

func TestDo(t *testing.T) {
	throttled := &failure{kind: Refused}
	throttledWait := &failure{kind: Refused, retryAfter: 2 * time.Second}
	unavailable := &failure{kind: Transient}
	notSent := &failure{kind: NotSent}
	permanent := &failure{kind: Permanent}

	tests := []struct {
		name       string
		idempotent bool
		answers    []error
		wantCalls  int
		wantErr    error
		wantWaits  []time.Duration
	}{
		{"success at once", false, []error{nil}, 1, nil, nil},
		{"POST retried after throttling", false, []error{throttled, throttled, nil}, 3, nil,
			[]time.Duration{100 * time.Millisecond, 200 * time.Millisecond}},
		{"POST not retried after 5xx", false, []error{unavailable, nil}, 1, unavailable, nil},
		{"GET retried after 5xx", true, []error{unavailable, unavailable, nil}, 3, nil,
			[]time.Duration{100 * time.Millisecond, 200 * time.Millisecond}},
		{"POST retried when never sent", false, []error{notSent, nil}, 2, nil, []time.Duration{100 * time.Millisecond}},
		{"permanent not retried", true, []error{permanent}, 1, permanent, nil},
		{"bounded by MaxAttempts; ceilings capped at MaxBackoff", true, []error{unavailable}, 4, unavailable,
			[]time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 250 * time.Millisecond}},
		{"Retry-After longer than the backoff wins", true, []error{throttledWait, nil}, 2, nil,
			[]time.Duration{2 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, waits := testPolicy()
			var calls int
			err := p.Do(context.Background(), Call{Op: "test: GET /x", Idempotent: tt.idempotent,
				Attempt: script(&calls, tt.answers...)})
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if calls != tt.wantCalls {
				t.Errorf("%d attempts, want %d", calls, tt.wantCalls)
			}
			if fmt.Sprint(waits()) != fmt.Sprint(tt.wantWaits) {
				t.Errorf("waits = %v, want %v", waits(), tt.wantWaits)
			}
		})
	}
}

func TestDoStopsBeforeAWaitBeyondTheBudget(t *testing.T) {
	tests := []struct {
		name   string
		budget time.Duration
		ctx    func() (context.Context, context.CancelFunc)
	}{
		{"retry budget", time.Second, func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) }},
		{"context deadline", time.Hour, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), time.Second)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, waits := testPolicy()
			p.MaxRetryDuration = tt.budget
			ctx, cancel := tt.ctx()
			defer cancel()
			var calls int
			throttled := &failure{kind: Refused, retryAfter: 30 * time.Second}
			err := p.Do(ctx, Call{Op: "test: GET /x", Idempotent: true, Attempt: script(&calls, throttled)})
			if err != throttled || calls != 1 || len(waits()) != 0 {
				t.Errorf("err = %v after %d attempts and waits %v; want the throttled answer at once", err, calls, waits())
			}
		})
	}
}

// A retry whose turn under the rate limiter comes after the retry budget is not made, as one
// whose backoff would end after it is not.
func TestDoStopsBeforeALimiterTurnBeyondTheBudget(t *testing.T) {
	p, waits := testPolicy()
	p.MaxRetryDuration = 100 * time.Millisecond
	p.Limiter = NewThrottle(rate.NewLimiter(rate.Every(500*time.Millisecond), 1))
	p.Jitter = func(time.Duration) time.Duration { return 0 }
	unavailable := &failure{kind: Transient}
	var calls int
	err := p.Do(context.Background(), Call{Op: "test: GET /x", Idempotent: true, Attempt: script(&calls, unavailable, nil)})
	if err != unavailable || calls != 1 {
		t.Errorf("err = %v after %d attempts and waits %v; want the failure at once, no retry past the %s budget",
			err, calls, waits(), p.MaxRetryDuration)
	}
}

func TestDoAbandonsWhenTheWaitIsCut(t *testing.T) {
	p, _ := testPolicy()
	ctx, cancel := context.WithCancel(context.Background())
	p.Sleep = func(context.Context, time.Duration) error { cancel(); return ctx.Err() }
	unavailable := &failure{kind: Transient}
	var calls int
	err := p.Do(ctx, Call{Op: "test: GET /x", Idempotent: true, Attempt: script(&calls, unavailable)})
	if !errors.Is(err, unavailable) || !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "retry abandoned") {
		t.Errorf("err = %v, want the last failure and the cancellation", err)
	}
}

func TestDoLimiterFailure(t *testing.T) {
	p, _ := testPolicy()
	p.Limiter = NewThrottle(rate.NewLimiter(rate.Every(time.Hour), 1))
	p.Limiter.Allow() // the only token is gone; the next one comes after the deadline
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var calls int
	err := p.Do(ctx, Call{Op: "test: GET /x", Attempt: script(&calls, nil)})
	if !errors.Is(err, errThrottled) || calls != 0 || !strings.HasPrefix(err.Error(), "test: GET /x: rate limiter: ") {
		t.Errorf("err = %v after %d attempts, want the client's ErrThrottled without an attempt", err, calls)
	}
}

func TestDoAttemptTimeout(t *testing.T) {
	p, _ := testPolicy()
	p.RequestTimeout = 10 * time.Millisecond
	p.MaxAttempts = 1
	err := p.Do(context.Background(), Call{Op: "test: GET /x", Attempt: func(attemptCtx context.Context, _ int) error {
		<-attemptCtx.Done()
		return attemptCtx.Err()
	}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the attempt's own deadline", err)
	}
}

func TestFailureRetryable(t *testing.T) {
	tests := []struct {
		failure         Failure
		idempotent, non bool
	}{
		{Permanent, false, false},
		{Refused, true, true},
		{Transient, true, false},
		{NotSent, true, true},
	}
	for _, tt := range tests {
		if got := tt.failure.Retryable(true); got != tt.idempotent {
			t.Errorf("Failure(%d).Retryable(idempotent) = %v", tt.failure, got)
		}
		if got := tt.failure.Retryable(false); got != tt.non {
			t.Errorf("Failure(%d).Retryable(not idempotent) = %v", tt.failure, got)
		}
	}
}

func TestNeverSent(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"dial", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, true},
		{"dns", fmt.Errorf("wrapped: %w", &net.DNSError{Name: "x.invalid"}), true},
		{"read", &net.OpError{Op: "read", Err: errors.New("connection reset")}, false},
		{"timeout", context.DeadlineExceeded, false},
	}
	for _, tt := range tests {
		if got := NeverSent(tt.err); got != tt.want {
			t.Errorf("%s: NeverSent = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestFullJitter(t *testing.T) {
	for _, ceiling := range []time.Duration{0, 1, time.Millisecond, time.Second} {
		for range 100 {
			if d := FullJitter(ceiling); d < 0 || d > ceiling {
				t.Fatalf("FullJitter(%v) = %v", ceiling, d)
			}
		}
	}
	distinct := map[time.Duration]bool{}
	for range 1000 {
		distinct[FullJitter(10*time.Millisecond)] = true
	}
	if len(distinct) < 100 {
		t.Fatalf("only %d distinct waits in 1000 draws: not jittered", len(distinct))
	}
}
