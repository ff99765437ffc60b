package httpretry

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// Failure says what a failed attempt means for repeating it.
type Failure int

const (
	// Permanent failures are not repeated: the request will fail the same way.
	Permanent Failure = iota
	// Refused means the server refused the request before acting on it (throttling, or a
	// conflict it did not apply). Repeated for every method.
	Refused
	// Transient means a 5xx answer or a network failure after the request may have reached the
	// server. Repeated for idempotent calls only: a POST may have been applied.
	Transient
	// NotSent means the request provably never left (the connection could not be opened).
	// Repeated for every method.
	NotSent
	// Throttled means the server asked the client to slow down. Repeated for every method, and
	// the client's Throttle slows down.
	Throttled
)

// Retryable reports whether a call that failed this way may be repeated.
func (f Failure) Retryable(idempotent bool) bool {
	switch f {
	case Refused, NotSent, Throttled:
		return true
	case Transient:
		return idempotent
	}
	return false
}

// NeverSent reports whether err shows that a request never reached the server: the name did not
// resolve or the connection could not be opened. Repeating even a POST then cannot apply it twice.
func NeverSent(err error) bool {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	return errors.As(err, &dnsErr) || (errors.As(err, &opErr) && opErr.Op == "dial")
}

// Policy is how a client runs its calls. A zero Sleep or Jitter takes SleepContext or FullJitter.
type Policy struct {
	// Limiter is waited on before every attempt, and adapts to throttled answers.
	Limiter *Throttle
	// RequestTimeout bounds each attempt.
	RequestTimeout time.Duration
	// MaxAttempts bounds the attempts of a call, the first included.
	MaxAttempts int
	// MaxRetryDuration bounds the time from a call's start to the end of its last wait.
	MaxRetryDuration time.Duration
	// BaseBackoff is the ceiling of the first wait; it doubles per attempt up to MaxBackoff.
	BaseBackoff, MaxBackoff time.Duration
	// MaxRetryAfter is the longest server hold (Retry-After) honoured; a longer one is clamped to
	// it. Zero leaves the hold as the server asked (at most a day).
	MaxRetryAfter time.Duration
	// Classify tells what a failed attempt's error other than a *NetworkError means for repeating
	// it, and how long the server asked to wait (Retry-After), or 0.
	Classify func(err error) (Failure, time.Duration)
	// ErrThrottled is the client's throttling sentinel, wrapped into the error returned when the
	// limiter cannot admit an attempt before the context's deadline.
	ErrThrottled error
	// Sleep waits between attempts and returns early with the context's error.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter picks a wait in [0, ceiling].
	Jitter func(ceiling time.Duration) time.Duration
}

// Call is one logical call.
type Call struct {
	// Op names the call at the start of the errors Do makes itself, e.g. "ncp: GET /path".
	Op string
	// Idempotent calls are repeated after Transient failures.
	Idempotent bool
	// Attempt makes attempt n (from 1) under attemptCtx, which ends after RequestTimeout.
	Attempt func(attemptCtx context.Context, n int) error
}

// Do runs call until an attempt succeeds, the policy says a failure is not to be repeated, or
// MaxAttempts is reached, and returns the last attempt's error. A wait that would end after
// MaxRetryDuration or after the context's deadline is not started. When the limiter or a wait is
// cut short, the last attempt's error is returned with the reason appended ("retry abandoned").
func (p Policy) Do(ctx context.Context, call Call) error {
	sleep, jitter := p.Sleep, p.Jitter
	if sleep == nil {
		sleep = SleepContext
	}
	if jitter == nil {
		jitter = FullJitter
	}
	// wait.Backoff gives the exponential ceilings; its own jitter is additive, not full, so it is
	// left off and the wait is drawn below the ceiling instead.
	ceilings := wait.Backoff{Duration: p.BaseBackoff, Factor: 2, Cap: p.MaxBackoff, Steps: math.MaxInt32}
	giveUpAt := time.Now().Add(p.MaxRetryDuration)
	var last error
	maxWait, bounded := maxWaitFrom(ctx)
	// hold is the end of the server's Retry-After this call has itself waited out.
	var hold, waitedOut time.Time
	for n := 1; ; n++ {
		var budgetEnds time.Time // a first attempt waits for its turn whatever the retry budget
		if n > 1 {
			budgetEnds = giveUpAt
		}
		if err := p.wait(ctx, call.Op, sleep, waitedOut, budgetEnds, maxWait, bounded); err != nil {
			if errors.Is(err, errPastRetryBudget) {
				return last
			}
			return p.limiterFailure(ctx, call.Op, err, last)
		}
		err := p.attempt(ctx, call, n)
		if err == nil {
			p.Limiter.succeeded(time.Now())
			return nil
		}
		last = err
		failure, serverWait := p.classify(err, n)
		if failure == Throttled {
			hold = p.Limiter.throttled(time.Now(), serverWait)
		}
		if n >= p.MaxAttempts || ctx.Err() != nil || !failure.Retryable(call.Idempotent) {
			return err
		}
		d := max(jitter(min(ceilings.Step(), p.MaxBackoff)), serverWait)
		if bounded && d > maxWait {
			// The caller would rather come back later than hold its worker for the wait.
			return fmt.Errorf("%w (retry abandoned: %w)", err, &LimitedError{Op: call.Op, Delay: d})
		}
		wakeAt := time.Now().Add(d)
		if deadline, ok := ctx.Deadline(); wakeAt.After(giveUpAt) || (ok && wakeAt.After(deadline)) {
			return err
		}
		if sleepErr := sleep(ctx, d); sleepErr != nil {
			return fmt.Errorf("%w (retry abandoned: %w)", err, sleepErr)
		}
		waitedOut = hold
	}
}

// classify explains a failed attempt n; a *NetworkError records n.
func (p Policy) classify(err error, n int) (Failure, time.Duration) {
	var netErr *NetworkError
	if !errors.As(err, &netErr) {
		failure, serverWait := p.Classify(err)
		return failure, p.clampRetryAfter(serverWait)
	}
	netErr.Attempts = n
	if NeverSent(netErr.Err) {
		return NotSent, 0
	}
	return Transient, 0
}

func (p Policy) attempt(ctx context.Context, call Call, n int) error {
	attemptCtx, cancel := context.WithTimeout(ctx, p.RequestTimeout)
	defer cancel()
	return call.Attempt(attemptCtx, n)
}

// errPastRetryBudget is wait's error for a retry whose turn under the limiter comes after the
// call's retry budget (MaxRetryDuration) ends: the retry is not made.
var errPastRetryBudget = errors.New("the limiter's turn comes after the retry budget")

// wait takes a token of the limiter, waiting for it unless the context ends first or its
// deadline, or budgetEnds (a retry's; zero: none), comes before the token would. Under a context
// made by WithMaxWait, a token further away than the caller will wait is not waited for: the
// reservation is given back and a *LimitedError says when to come back. waitedOut is the end of a
// server hold this call has itself waited out.
func (p Policy) wait(ctx context.Context, op string, sleep func(context.Context, time.Duration) error, waitedOut, budgetEnds time.Time,
	maxWait time.Duration, bounded bool) error {
	res, d := p.Limiter.reserve(time.Now(), waitedOut)
	if !res.OK() {
		return errors.New("rate limiter admits no request")
	}
	if !budgetEnds.IsZero() && time.Now().Add(d).After(budgetEnds) {
		res.Cancel()
		return errPastRetryBudget
	}
	if deadline, ok := ctx.Deadline(); ok && time.Now().Add(d).After(deadline) {
		res.Cancel()
		return fmt.Errorf("would wait %s, past the context's deadline", d.Round(time.Millisecond))
	}
	if bounded && d > maxWait {
		res.Cancel()
		return &LimitedError{Op: op, Delay: d}
	}
	if d <= 0 {
		return nil
	}
	if err := sleep(ctx, d); err != nil {
		res.Cancel()
		return err
	}
	return nil
}

// LimitedError says that a call was not made because its turn under the rate limiter, or its next
// attempt after a throttled answer, is further away than the caller would wait (WithMaxWait).
type LimitedError struct {
	Op    string
	Delay time.Duration
}

func (e *LimitedError) Error() string {
	return fmt.Sprintf("%s: not sent: the next turn is in %s", e.Op, e.Delay.Round(time.Millisecond))
}

type maxWaitKey struct{}

// WithMaxWait returns a context under which calls wait at most d for the rate limiter or between
// attempts; beyond that they fail at once with a *LimitedError, so that a controller's worker can
// requeue the work instead of sleeping while other work waits.
func WithMaxWait(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, maxWaitKey{}, d)
}

func maxWaitFrom(ctx context.Context) (time.Duration, bool) {
	d, ok := ctx.Value(maxWaitKey{}).(time.Duration)
	return d, ok
}

// limiterFailure reports a call the limiter could not admit: the context ended, or its deadline
// comes before a token would (reported as ErrThrottled: the client throttles itself), or the
// caller would not wait that long (a *LimitedError, kept in the chain).
func (p Policy) limiterFailure(ctx context.Context, op string, err, last error) error {
	cause := fmt.Errorf("%s: rate limiter: %w: %v", op, p.ErrThrottled, err)
	var limited *LimitedError
	if errors.As(err, &limited) {
		cause = fmt.Errorf("%w: %w", p.ErrThrottled, err)
	}
	if ctx.Err() != nil {
		cause = fmt.Errorf("%s: waiting for the rate limiter: %w", op, ctx.Err())
	}
	if last != nil {
		return fmt.Errorf("%w (retry abandoned: %w)", last, cause)
	}
	return cause
}

// FullJitter returns a uniformly random duration in [0, ceiling].
func FullJitter(ceiling time.Duration) time.Duration {
	if ceiling <= 0 {
		return 0
	}
	return rand.N(ceiling + 1) //nolint:gosec // G404: backoff jitter, not a secret
}

// SleepContext waits d, or returns the context's error if it ends first.
func SleepContext(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
