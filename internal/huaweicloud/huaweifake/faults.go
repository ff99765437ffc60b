package huaweifake

import (
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/time/rate"
)

// Codes of injected faults.
const (
	codeThrottled   = "APIGW.0308"
	codeUnavailable = "APIGW.0503"
	codeConcurrent  = "Organizations.1003"
)

// Faults are failures injected into authenticated requests to known paths, and latency added to
// every request.
type Faults struct {
	// Latency is added to every request before it is answered.
	Latency time.Duration
	// ThrottleFraction of requests are answered 429 {"error_code":"APIGW.0308"}.
	ThrottleFraction float64
	// UnavailableFraction of requests are answered 503 {"error_code":"APIGW.0503"}.
	UnavailableFraction float64
	// ConcurrentModificationFraction of Organizations writes (POST, PATCH, DELETE) are answered
	// 409 {"error_code":"Organizations.1003"}, changing nothing.
	ConcurrentModificationFraction float64
	// RateLimit caps requests per second across the server (burst max(1, RateLimit)); requests
	// beyond it are throttled. Zero: no cap. It runs on the real clock.
	RateLimit float64
	// RetryAfter, when positive, is sent as Retry-After (whole seconds, at least 1) on throttled
	// answers.
	RetryAfter time.Duration
}

// SetFaults replaces the injected faults. Requests already past the fault stage are unaffected.
func (f *Fake) SetFaults(faults Faults) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if faults.RateLimit != f.faults.RateLimit || f.limiter == nil {
		f.limiter = nil
		if faults.RateLimit > 0 {
			f.limiter = rate.NewLimiter(rate.Limit(faults.RateLimit), max(1, int(faults.RateLimit)))
		}
	}
	f.faults = faults
}

func (f *Fake) currentFaults() Faults {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.faults
}

// injectFault answers with an injected failure, if one applies, and reports whether it did.
func (f *Fake) injectFault(w http.ResponseWriter, a api, method string, faults Faults) bool {
	f.mu.Lock()
	limiter := f.limiter
	f.mu.Unlock()
	isWrite := method != http.MethodGet
	switch {
	case limiter != nil && !limiter.Allow(), chance(faults.ThrottleFraction):
		if faults.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(faults.RetryAfter.Seconds())))))
		}
		writeError(w, http.StatusTooManyRequests, codeThrottled, "the request is throttled")
	case chance(faults.UnavailableFraction):
		writeError(w, http.StatusServiceUnavailable, codeUnavailable, "service unavailable")
	case a == apiOrganizations && isWrite && chance(faults.ConcurrentModificationFraction):
		writeError(w, http.StatusConflict, codeConcurrent, "concurrent modification")
	default:
		return false
	}
	return true
}

func chance(fraction float64) bool { return fraction > 0 && rand.Float64() < fraction }

// wait sleeps d, or less if the client goes away, and reports whether the full wait elapsed.
func wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	select {
	case <-time.After(d):
		return true
	case <-r.Context().Done():
		return false
	}
}
