package huaweifake

import (
	"net/http"
	"time"
)

// Request is one request the fake received, as recorded in its log. It never holds credentials.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is the unescaped request path.
	Path string
	// Status is the HTTP status answered; 0 while the request is being served.
	Status int
	// Query is the raw query string, without "?".
	Query string
	// Time is the server clock when the request arrived.
	Time time.Time
	// AccessKey is the access key of a correctly signed Organizations request; empty otherwise.
	AccessKey string
}

// Requests returns the requests received since the start or the last ResetRequests, in arrival
// order, rejected ones included.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	log := make([]Request, 0, len(f.requests))
	for _, entry := range f.requests {
		log = append(log, *entry)
	}
	return log
}

// ResetRequests empties the request log.
func (f *Fake) ResetRequests() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = nil
}

// logArrival appends the request as it arrives, so that the log keeps arrival order.
func (f *Fake) logArrival(r *http.Request) *Request {
	entry := &Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Time: f.now()}
	f.mu.Lock()
	f.requests = append(f.requests, entry)
	f.mu.Unlock()
	return entry
}

func (r *Request) setAccessKey(f *Fake, accessKey string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r.AccessKey = accessKey
}

// logCompletion records the answered status and reports the request to Options.OnRequest.
func (f *Fake) logCompletion(entry *Request, rec *statusRecorder) {
	f.mu.Lock()
	entry.Status = cmpOr(rec.status, http.StatusOK)
	done := *entry
	f.mu.Unlock()
	if f.onRequest != nil {
		f.onRequest(done)
	}
}

func cmpOr(v, fallback int) int {
	if v == 0 {
		return fallback
	}
	return v
}

// statusRecorder remembers the status a handler answered with.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status != 0 {
		return // net/http ignores a second WriteHeader too, apart from a log line
	}
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(p []byte) (int, error) {
	s.WriteHeader(http.StatusOK)
	return s.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
