package fakeserver

import (
	"net/http"
	"sync"
	"time"
)

// Request is one request a fake received, as recorded in its log.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is the unescaped request path.
	Path string
	// Query is the raw query string, without "?".
	Query string
	// Status is the HTTP status answered; 0 while the request is still being served.
	Status int
	// Time is the fake's clock when the request arrived.
	Time time.Time
	// AccessKey is the access key the fake attributes the request to; what that means is the
	// fake's to say.
	AccessKey string
}

// Log is the log of the requests a fake received, in arrival order. It is safe for concurrent
// use; create it with NewLog.
type Log struct {
	now       func() time.Time
	onRequest func(Request)

	mu       sync.Mutex
	requests []*Request
}

// NewLog returns an empty log that timestamps arrivals with now and reports each answered request
// to onRequest, when set, outside its lock.
func NewLog(now func() time.Time, onRequest func(Request)) *Log {
	return &Log{now: now, onRequest: onRequest}
}

// Requests returns every request logged since the start or the last Reset, in arrival order.
func (l *Log) Requests() []Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Request, len(l.requests))
	for i, r := range l.requests {
		out[i] = *r
	}
	return out
}

// Reset empties the log.
func (l *Log) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requests = nil
}

// Start logs r as it arrives, so that the log keeps arrival order even when concurrent requests
// complete in another order, and returns the writer to answer it through. Call Done on it once
// the request has been answered.
func (l *Log) Start(w http.ResponseWriter, r *http.Request, accessKey string) *Exchange {
	entry := &Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Time: l.now(), AccessKey: accessKey}
	l.mu.Lock()
	l.requests = append(l.requests, entry)
	l.mu.Unlock()
	return &Exchange{ResponseWriter: w, log: l, entry: entry}
}

// Exchange is a logged request being answered: the ResponseWriter handlers write through, which
// remembers the status.
type Exchange struct {
	http.ResponseWriter
	log    *Log
	entry  *Request
	status int
}

// SetAccessKey records the access key the request turned out to be from.
func (e *Exchange) SetAccessKey(accessKey string) {
	e.log.mu.Lock()
	defer e.log.mu.Unlock()
	e.entry.AccessKey = accessKey
}

// Done records the status answered (200 when the handler wrote nothing) and reports the request
// to the log's onRequest.
func (e *Exchange) Done() {
	e.log.mu.Lock()
	e.entry.Status = e.status
	if e.entry.Status == 0 {
		e.entry.Status = http.StatusOK
	}
	done := *e.entry
	e.log.mu.Unlock()
	if e.log.onRequest != nil {
		e.log.onRequest(done)
	}
}

// WriteHeader sends the status once; net/http ignores a second call too, apart from a log line.
func (e *Exchange) WriteHeader(status int) {
	if e.status != 0 {
		return
	}
	e.status = status
	e.ResponseWriter.WriteHeader(status)
}

func (e *Exchange) Write(p []byte) (int, error) {
	e.WriteHeader(http.StatusOK)
	return e.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (e *Exchange) Unwrap() http.ResponseWriter { return e.ResponseWriter }
