package ncpfake

import (
	"net/http"
	"time"
)

// Request is one request the fake received, as recorded in its log.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is the unescaped request path.
	Path string
	// Query is the raw query string, without "?".
	Query string
	// Status is the HTTP status answered; 0 while the request is still being served.
	Status int
	// Time is the server clock (Options.Now) when the request arrived.
	Time time.Time
	// AccessKey is the x-ncp-iam-access-key header as sent, known to the fake or not.
	AccessKey string
}

// Requests returns every request received since the start or the last ResetRequests, in arrival
// order, including rejected ones (401, 404, 429, ...).
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Request, len(f.requests))
	for i, r := range f.requests {
		out[i] = *r
	}
	return out
}

// ResetRequests empties the request log.
func (f *Fake) ResetRequests() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = nil
}

// logArrival appends a request to the log as it arrives, so that the log keeps arrival order
// even when concurrent requests complete in another order.
func (f *Fake) logArrival(r *http.Request) *Request {
	entry := &Request{
		Method:    r.Method,
		Path:      r.URL.Path,
		Query:     r.URL.RawQuery,
		Time:      f.now(),
		AccessKey: r.Header.Get(headerAccessKey),
	}
	f.mu.Lock()
	f.requests = append(f.requests, entry)
	f.mu.Unlock()
	return entry
}

// logCompletion records the status a request was answered with and reports the request to
// Options.OnRequest.
func (f *Fake) logCompletion(entry *Request, rec *statusRecorder) {
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	f.mu.Lock()
	entry.Status = status
	done := *entry
	f.mu.Unlock()
	if f.onRequest != nil {
		f.onRequest(done)
	}
}

// statusRecorder remembers the status written through it.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(status int) {
	if s.status == 0 {
		s.status = status
	}
	s.ResponseWriter.WriteHeader(status)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
