package httpretry

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Throttle is the client-side rate limit of one remote service for one tenant, adapted to the
// server's answers: a throttled answer halves its rate (down to a sixty-fourth of the configured
// one) and holds every call until the server's Retry-After has passed; each success gives back a
// twentieth of the configured rate, so it recovers gradually. The embedded limiter keeps its
// methods (Limit, Burst, ...). Safe for concurrent use and meant to be shared by every client of
// the tenant.
type Throttle struct {
	*rate.Limiter

	mu sync.Mutex
	// ceiling is the configured rate, which recovery never exceeds.
	ceiling rate.Limit
	// holdUntil is when the server's last Retry-After ends.
	holdUntil time.Time
}

// NewThrottle wraps limiter; its current rate is the ceiling recovery returns to.
func NewThrottle(limiter *rate.Limiter) *Throttle {
	return &Throttle{Limiter: limiter, ceiling: limiter.Limit()}
}

// reserve takes the next token and returns it with how long until it may be used: the limiter's
// delay, or the end of the server's hold, whichever is later. A caller that has itself waited out
// a hold (its own Retry-After) passes its end as waitedOut, and is not held for it again.
func (t *Throttle) reserve(now, waitedOut time.Time) (*rate.Reservation, time.Duration) {
	res := t.ReserveN(now, 1)
	d := res.DelayFrom(now)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.holdUntil.After(waitedOut) {
		d = max(d, t.holdUntil.Sub(now))
	}
	return res, d
}

// throttled slows down after the server throttled a call, holds calls for retryAfter, and
// returns when the hold ends.
func (t *Throttle) throttled(now time.Time, retryAfter time.Duration) time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	if until := now.Add(retryAfter); until.After(t.holdUntil) {
		t.holdUntil = until
	}
	if t.ceiling != rate.Inf {
		t.SetLimitAt(now, max(t.Limit()/2, t.ceiling/64))
	}
	return t.holdUntil
}

// succeeded speeds up again after a call went through.
func (t *Throttle) succeeded(now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if limit := t.Limit(); limit < t.ceiling {
		t.SetLimitAt(now, min(t.ceiling, limit+t.ceiling/20))
	}
}
