package ncpfake

import (
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/time/rate"
)

// Faults are failures the fake injects into authenticated requests to known paths, and latency
// it adds to every request.
type Faults struct {
	// Latency is added to every request before it is answered.
	Latency time.Duration
	// ThrottleFraction is the fraction of requests answered as throttled: WORKPLACE answers 429
	// {"error":{"errorCode":"420",...}}, the Organization API 403 {"error":{"errorCode":"COMMON_104",...}}.
	ThrottleFraction float64
	// UnavailableFraction is the fraction of requests answered 503 {"error":{"errorCode":"500",...}}.
	UnavailableFraction float64
	// RateLimit caps requests per second across the server (burst max(1, RateLimit)); requests
	// beyond it are answered as throttled. Zero means no cap. The cap runs on the real clock, not
	// on Options.Now.
	RateLimit float64
	// RetryAfter, when positive, is sent as a Retry-After header (whole seconds, at least 1) on
	// throttled answers.
	RetryAfter time.Duration
}

// SetFaults replaces the injected faults. Requests already past the fault stage are not affected.
func (f *Fake) SetFaults(faults Faults) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if faults.RateLimit != f.faults.RateLimit {
		f.limiter = nil
		if faults.RateLimit > 0 {
			burst := max(1, int(faults.RateLimit))
			f.limiter = rate.NewLimiter(rate.Limit(faults.RateLimit), burst)
		}
	}
	f.faults = faults
}

// currentFaults returns the faults in force.
func (f *Fake) currentFaults() Faults {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.faults
}

// injectFault answers a request with an injected failure, if one applies, and reports whether it
// did. The rate cap comes first so that throttling by fraction does not hide it.
func (f *Fake) injectFault(w http.ResponseWriter, api apiKind, faults Faults) bool {
	f.mu.Lock()
	limiter := f.limiter
	f.mu.Unlock()
	switch {
	case limiter != nil && !limiter.Allow():
		writeThrottled(w, api, faults.RetryAfter)
		return true
	case faults.ThrottleFraction > 0 && rand.Float64() < faults.ThrottleFraction:
		writeThrottled(w, api, faults.RetryAfter)
		return true
	case faults.UnavailableFraction > 0 && rand.Float64() < faults.UnavailableFraction:
		writeGatewayError(w, http.StatusServiceUnavailable, "500", "endpoint error")
		return true
	}
	return false
}

// writeThrottled answers as the service throttles: WORKPLACE's gateway with 429, the
// Organization API with 403 COMMON_104.
func writeThrottled(w http.ResponseWriter, api apiKind, retryAfter time.Duration) {
	if retryAfter > 0 {
		seconds := max(1, int(math.Ceil(retryAfter.Seconds())))
		w.Header().Set("Retry-After", strconv.Itoa(seconds))
	}
	if api == apiOrganization {
		writeGatewayError(w, http.StatusForbidden, "COMMON_104", "requests too frequent")
		return
	}
	writeGatewayError(w, http.StatusTooManyRequests, "420", "rate limited")
}

// sleep waits d, or less if the client goes away, and reports whether the full wait elapsed.
func sleep(r *http.Request, d time.Duration) bool {
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
