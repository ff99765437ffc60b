package fakeserver

import (
	"net/http"
	"net/http/httptest"
)

// Listener serves a fake on a free port of 127.0.0.1, for tests; each fake's Server embeds it
// beside the fake itself.
type Listener struct{ srv *httptest.Server }

// Listen starts serving handler on a free port of 127.0.0.1. Close it when done.
func Listen(handler http.Handler) *Listener {
	return &Listener{srv: httptest.NewServer(handler)}
}

// URL returns the base URL, e.g. "http://127.0.0.1:41234", of every API the fake serves.
func (l *Listener) URL() string { return l.srv.URL }

// Client returns an HTTP client configured for the listener.
func (l *Listener) Client() *http.Client { return l.srv.Client() }

// Close shuts the listener down, waiting for outstanding requests.
func (l *Listener) Close() { l.srv.Close() }
