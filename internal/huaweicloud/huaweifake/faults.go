package huaweifake

import (
	"net/http"
	"time"

	"github.com/orgsync/orgsync/internal/fakeserver"
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
	// IgnoredUpdateFraction of OneAccess updates (PUT) that pass every check are answered 200
	// {"org_id"} as usual and change nothing: a service that accepts a write and does not apply it
	// (a rule of the tenant, a field it does not take), which only the next listing shows.
	IgnoredUpdateFraction float64
	// RateLimit caps requests per second across the server (burst max(1, RateLimit)); requests
	// beyond it are throttled. Zero: no cap. It runs on the real clock.
	RateLimit float64
	// RetryAfter, when positive, is sent as Retry-After (whole seconds, at least 1) on throttled
	// answers.
	RetryAfter time.Duration
	// Select, when set, limits every fault above, latency and the rate cap included, to the
	// requests it returns true for; others are served as if no fault were set. It is called
	// concurrently, before authentication, and must not read the body. Tests use it to fail one
	// page of a listing, or to slow down one call.
	Select func(r *http.Request) bool
}

// selects reports whether the faults apply to r.
func (faults Faults) selects(r *http.Request) bool { return faults.Select == nil || faults.Select(r) }

// SetFaults replaces the injected faults. Requests already past the fault stage are unaffected.
func (f *Fake) SetFaults(faults Faults) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = faults
	f.injector.SetFaults(faults.shared())
}

// shared returns the faults every fake injects, without the Organizations-only ones.
func (faults Faults) shared() fakeserver.Faults {
	return fakeserver.Faults{
		Latency:             faults.Latency,
		ThrottleFraction:    faults.ThrottleFraction,
		UnavailableFraction: faults.UnavailableFraction,
		RateLimit:           faults.RateLimit,
		RetryAfter:          faults.RetryAfter,
	}
}

func (f *Fake) currentFaults() Faults {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.faults
}

// injectFault answers with an injected failure, if one applies, and reports whether it did.
// Concurrent modification is drawn last, for Organizations writes only.
func (f *Fake) injectFault(w http.ResponseWriter, a api, method string, faults Faults) bool {
	if f.injector.Inject(w, faults.shared(), faultAnswers) {
		return true
	}
	if a == apiOrganizations && method != http.MethodGet && fakeserver.Chance(faults.ConcurrentModificationFraction) {
		writeError(w, http.StatusConflict, codeConcurrent, "concurrent modification")
		return true
	}
	return false
}

var faultAnswers = fakeserver.Answers{
	Throttled: func(w http.ResponseWriter) {
		writeError(w, http.StatusTooManyRequests, codeThrottled, "the request is throttled")
	},
	Unavailable: writeUnavailable,
}

func writeUnavailable(w http.ResponseWriter) {
	writeError(w, http.StatusServiceUnavailable, codeUnavailable, "service unavailable")
}
