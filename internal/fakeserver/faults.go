package fakeserver

import (
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Faults are failures a fake injects into authenticated requests to known paths, and latency it
// adds to every request.
type Faults struct {
	// Latency is added to every request before it is answered.
	Latency time.Duration
	// ThrottleFraction is the fraction of requests answered as throttled.
	ThrottleFraction float64
	// UnavailableFraction is the fraction of requests answered as unavailable (503).
	UnavailableFraction float64
	// RateLimit caps requests per second across the server (burst max(1, RateLimit)); requests
	// beyond it are answered as throttled. Zero means no cap. The cap runs on the real clock, not
	// on the fake's clock.
	RateLimit float64
	// RetryAfter, when positive, is sent as a Retry-After header (whole seconds, at least 1) on
	// throttled answers.
	RetryAfter time.Duration
}

// Answers write a fake's own error bodies for the faults it injects.
type Answers struct {
	// Throttled answers a throttled request; the Retry-After header is already set.
	Throttled func(w http.ResponseWriter)
	// Unavailable answers a request as unavailable.
	Unavailable func(w http.ResponseWriter)
}

// Injector holds the faults in force and the rate cap they imply. Its zero value injects nothing;
// it is safe for concurrent use.
type Injector struct {
	mu      sync.Mutex
	faults  Faults
	limiter *rate.Limiter // nil when faults.RateLimit is 0
}

// SetFaults replaces the faults in force. A changed RateLimit starts a new cap with a full burst.
func (in *Injector) SetFaults(faults Faults) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if faults.RateLimit != in.faults.RateLimit || in.limiter == nil {
		in.limiter = nil
		if faults.RateLimit > 0 {
			in.limiter = rate.NewLimiter(rate.Limit(faults.RateLimit), max(1, int(faults.RateLimit)))
		}
	}
	in.faults = faults
}

// Faults returns the faults in force.
func (in *Injector) Faults() Faults {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.faults
}

// Inject answers w with an injected failure, if one applies under faults, and reports whether it
// did. The rate cap comes first so that throttling by fraction does not hide it; then throttling,
// then unavailability, each drawn independently.
func (in *Injector) Inject(w http.ResponseWriter, faults Faults, answers Answers) bool {
	in.mu.Lock()
	limiter := in.limiter
	in.mu.Unlock()
	switch {
	case limiter != nil && !limiter.Allow(), Chance(faults.ThrottleFraction):
		if faults.RetryAfter > 0 {
			seconds := max(1, int(math.Ceil(faults.RetryAfter.Seconds())))
			w.Header().Set("Retry-After", strconv.Itoa(seconds))
		}
		answers.Throttled(w)
	case Chance(faults.UnavailableFraction):
		answers.Unavailable(w)
	default:
		return false
	}
	return true
}

// Chance reports true with probability fraction: never for 0, always for 1.
func Chance(fraction float64) bool { return fraction > 0 && rand.Float64() < fraction } //nolint:gosec // G404: fault injection, not a secret

// Delay waits d, or less if the client goes away, and reports whether the full wait elapsed.
func Delay(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}
