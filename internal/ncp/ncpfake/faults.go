package ncpfake

import (
	"net/http"

	"github.com/orgsync/orgsync/internal/fakeserver"
)

// Faults are failures the fake injects into authenticated requests to known paths, and latency
// it adds to every request. Throttled requests are answered as each service throttles: WORKPLACE
// with 429 {"error":{"errorCode":"420",...}}, the Organization API with 403
// {"error":{"errorCode":"COMMON_104",...}}; unavailable ones with 503 {"error":{"errorCode":"500",...}}.
type Faults = fakeserver.Faults

// SetFaults replaces the injected faults. Requests already past the fault stage are not affected.
func (f *Fake) SetFaults(faults Faults) { f.faults.SetFaults(faults) }

// injectFault answers a request with an injected failure, if one applies, and reports whether it
// did.
func (f *Fake) injectFault(w http.ResponseWriter, api apiKind, faults Faults) bool {
	return f.faults.Inject(w, faults, fakeserver.Answers{
		Throttled:   func(w http.ResponseWriter) { writeThrottled(w, api) },
		Unavailable: writeUnavailable,
	})
}

// writeThrottled answers as the service throttles: WORKPLACE's gateway with 429, the
// Organization API with 403 COMMON_104.
func writeThrottled(w http.ResponseWriter, api apiKind) {
	if api == apiOrganization {
		writeGatewayError(w, http.StatusForbidden, "COMMON_104", "requests too frequent")
		return
	}
	writeGatewayError(w, http.StatusTooManyRequests, "420", "rate limited")
}

func writeUnavailable(w http.ResponseWriter) {
	writeGatewayError(w, http.StatusServiceUnavailable, "500", "endpoint error")
}
