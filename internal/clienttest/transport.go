package clienttest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
)

// ValidHeader reports whether net/http's Transport would send the header: a token name and values
// without control characters other than tab.
func ValidHeader(name string, values []string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	for _, v := range values {
		for i := 0; i < len(v); i++ {
			if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
				return false
			}
		}
	}
	return true
}

// checkHeaders refuses, as net/http's Transport does, a request with a header it would not send,
// closing the request's body as a RoundTripper must.
func checkHeaders(req *http.Request) error {
	for name, values := range req.Header {
		if !ValidHeader(name, values) {
			if req.Body != nil {
				_ = req.Body.Close()
			}
			return fmt.Errorf("fuzz transport: invalid header field %q", name)
		}
	}
	return nil
}

// Wire is an http.RoundTripper that sends a request through its wire form: written as net/http's
// Transport writes it, read back as net/http's server reads it, and served by Handler in process.
// A request net/http's Transport would refuse (an invalid header) is refused.
type Wire struct{ Handler http.Handler }

// RoundTrip serves req through its wire form.
func (w Wire) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := checkHeaders(req); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := req.Write(&buf); err != nil {
		return nil, err
	}
	served, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		return nil, fmt.Errorf("fuzz wire: the server cannot read the request: %w", err)
	}
	served.RemoteAddr = "127.0.0.1:40000"
	rec := httptest.NewRecorder()
	w.Handler.ServeHTTP(rec, served.WithContext(req.Context()))
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// Answers is an http.RoundTripper answering the nth request (n counting from 1) with
// Answer(n, request) and recording the requests. A request net/http's Transport would refuse (an
// invalid header) is refused and not recorded.
type Answers struct {
	Answer func(n int, req *http.Request) (status int, header http.Header, body []byte)

	mu       sync.Mutex
	requests []*http.Request
}

// RoundTrip records req and answers it.
func (a *Answers) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := checkHeaders(req); err != nil {
		return nil, err
	}
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	a.mu.Lock()
	a.requests = append(a.requests, req)
	n := len(a.requests)
	a.mu.Unlock()
	status, header, body := a.Answer(n, req)
	if header == nil {
		header = http.Header{}
	}
	return &http.Response{
		StatusCode:    status,
		Status:        strconv.Itoa(status) + " " + http.StatusText(status),
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        header,
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}, nil
}

// Requests returns the requests answered so far, in order.
func (a *Answers) Requests() []*http.Request {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]*http.Request(nil), a.requests...)
}

// Count returns how many of the requests answered so far went to path.
func (a *Answers) Count(path string) int {
	n := 0
	for _, r := range a.Requests() {
		if r.URL.Path == path {
			n++
		}
	}
	return n
}
