package ncpfake

import (
	"maps"
	"sync"

	"github.com/orgsync/orgsync/internal/fakeserver"
)

// Request is one request the fake received, as recorded in its log. Its AccessKey is the
// x-ncp-iam-access-key header as sent, known to the fake or not; Time is Options.Now when the
// request arrived.
type Request = fakeserver.Request

// Requests returns every request received since the start or the last ResetRequests, in arrival
// order, including rejected ones (401, 404, 429, ...).
func (f *Fake) Requests() []Request { return f.log.Requests() }

// ResetRequests empties the request log. The counts of Counts are kept.
func (f *Fake) ResetRequests() { f.log.Reset() }

// Counts returns, by HTTP method, how many requests to a WORKPLACE route of a company
// (.../company/{companyId}/department[/...]) arrived since the start or the last ResetCounts,
// whatever their answer: rejected ones (401, 405, 429, 503, the company unknown) count too. It is
// nil when there were none. Unlike Requests it copies one small map, so a benchmark can read it
// for one company at any rate. Organization API requests and unknown paths are not counted.
func (f *Fake) Counts(companyID string) map[string]int { return f.counts.get(companyID) }

// ResetCounts sets every count of Counts to zero. The request log is kept.
func (f *Fake) ResetCounts() { f.counts.reset() }

// requestCounts counts requests by company and method. Its zero value is ready to use.
type requestCounts struct {
	mu        sync.Mutex
	byCompany map[string]map[string]int
}

func (c *requestCounts) add(companyID, method string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byCompany == nil {
		c.byCompany = make(map[string]map[string]int)
	}
	byMethod, ok := c.byCompany[companyID]
	if !ok {
		byMethod = make(map[string]int, 4)
		c.byCompany[companyID] = byMethod
	}
	byMethod[method]++
}

func (c *requestCounts) get(companyID string) map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.byCompany[companyID])
}

func (c *requestCounts) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byCompany = nil
}
