package ncpfake

import "github.com/orgsync/orgsync/internal/fakeserver"

// Request is one request the fake received, as recorded in its log. Its AccessKey is the
// x-ncp-iam-access-key header as sent, known to the fake or not; Time is Options.Now when the
// request arrived.
type Request = fakeserver.Request

// Requests returns every request received since the start or the last ResetRequests, in arrival
// order, including rejected ones (401, 404, 429, ...).
func (f *Fake) Requests() []Request { return f.log.Requests() }

// ResetRequests empties the request log.
func (f *Fake) ResetRequests() { f.log.Reset() }
