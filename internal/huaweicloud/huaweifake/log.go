package huaweifake

import "github.com/orgsync/orgsync/internal/fakeserver"

// Request is one request the fake received, as recorded in its log. It never holds credentials:
// its AccessKey is the access key of a correctly signed Organizations request, empty otherwise.
type Request = fakeserver.Request

// Requests returns the requests received since the start or the last ResetRequests, in arrival
// order, rejected ones included.
func (f *Fake) Requests() []Request { return f.log.Requests() }

// ResetRequests empties the request log.
func (f *Fake) ResetRequests() { f.log.Reset() }
