package main

import (
	"net/http"

	"github.com/orgsync/orgsync/internal/ncp/ncpfake"
)

// callCounts are remote calls by HTTP method.
type callCounts map[string]int

// companyCalls returns how many requests the fake has received so far for a WORKPLACE company,
// by method.
func companyCalls(fake *ncpfake.Server, companyID string) callCounts {
	return callCounts(fake.Counts(companyID))
}

// since returns the calls made after before was read.
func (c callCounts) since(before callCounts) callCounts {
	out := callCounts{}
	for method, n := range c {
		out[method] = n - before[method]
	}
	return out
}

func (c callCounts) total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// writes are the calls that are not GETs.
func (c callCounts) writes() int { return c.total() - c[http.MethodGet] }
