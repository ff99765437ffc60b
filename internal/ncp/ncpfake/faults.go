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

// ListFailure makes list requests (GET .../department) fail, so that tests can break a listing
// off on a given page, or have it come back with pages that do not add up to its totalCount. It
// counts the list requests that pass authentication and the injected Faults, across companies
// unless CompanyID names one, from the moment it is set.
type ListFailure struct {
	// CompanyID, when set, limits the failure to the list requests of that company: the others
	// are neither counted nor failed.
	CompanyID string
	// After, Count, Every and Answer say which list requests fail and how, as in
	// fakeserver.ListFailure: After are answered normally first, then Count fail (0: every later
	// one), or every Every-th one when Every is above 1; Answer is ListUnavailable by default.
	After, Count, Every int
	Answer              ListAnswer
}

// ListAnswer is how a list request that a ListFailure fails is answered.
type ListAnswer = fakeserver.ListAnswer

const (
	// ListUnavailable answers as an unavailable endpoint does: 503 {"error":{"errorCode":"500",...}}.
	ListUnavailable = fakeserver.ListUnavailable
	// ListEmptyPage answers 200 with no elements and the company's true totalCount: a page that
	// comes back empty before the total is reached.
	ListEmptyPage = fakeserver.ListEmptyPage
	// ListShortPage answers 200 with the page less its last element (a page of one comes back
	// empty) and the company's true totalCount: a page short of the page size before the total.
	ListShortPage = fakeserver.ListShortPage
)

// SetListFailure sets the list failure in force and restarts its count; nil removes it.
// ListFailure{After: 1, Count: 1} fails exactly the second list request, so a client's retry of
// that page succeeds; ListFailure{After: 1} fails every page after the first;
// ListFailure{Every: 20, Answer: ListEmptyPage} answers one list page in twenty empty.
func (f *Fake) SetListFailure(lf *ListFailure) {
	if lf == nil {
		f.listFailures.Set(nil, "")
		return
	}
	f.listFailures.Set(&fakeserver.ListFailure{After: lf.After, Count: lf.Count, Every: lf.Every, Answer: lf.Answer}, lf.CompanyID)
}
