package httpretry

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestParseEndpoint holds the cases of the endpoint rule both clouds' clients apply to every
// endpoint they are given (their own tests check only that they apply it).
func TestParseEndpoint(t *testing.T) {
	tests := []struct {
		raw     string
		wantErr bool
	}{
		{"https://api.example.com", false},
		{"https://api.example.com/base/", false},
		{"https://10.0.0.1:8443", false},
		{"http://127.0.0.1:8080", false},
		{"http://127.10.20.30:1", false},
		{"http://127.0.0.1:8080/prefix/", false},
		{"http://[::1]:8080", false},
		{"http://localhost:8080", false},
		{"http://LOCALHOST", false},
		{"http://api.example.com", true},
		{"http://10.0.0.1", true},
		{"http://0.0.0.0:8080", true},
		{"http://localhost.example.com", true},
		{"http://127.0.0.1.nip.io", true},
		{"http://[::ffff:10.0.0.1]", true},
		{"ftp://api.example.com", true},
		{"https://", true},
		{"api.example.com", true},
		{"127.0.0.1:8080", true},
		{"https://user:pw@api.example.com", true},
		{"https://api.example.com?x=1", true},
		{"https://api.example.com#f", true},
		{"https://api.example.com?", true},
		{"https://exa mple.com", true},
		{"://bad", true},
	}
	for _, tt := range tests {
		u, err := ParseEndpoint(tt.raw)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseEndpoint(%q) = %v, %v; want error %v", tt.raw, u, err, tt.wantErr)
		}
	}
}

func TestNewHTTPClientDoesNotFollowRedirects(t *testing.T) {
	c := NewHTTPClient()
	if c.Timeout != 0 || c.CheckRedirect(nil, nil) != http.ErrUseLastResponse {
		t.Errorf("client = %+v, want no overall timeout and no redirects", c)
	}
	if c.Transport == http.DefaultTransport {
		t.Error("the client shares http.DefaultTransport")
	}
}

// A host that accepts the connection and never answers fails the request within the call
// timeout, long before the request's own deadline.
func TestCallTimeoutEndsAWaitForHeaders(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	held := make(chan net.Conn, 8) // held open, never answered
	defer func() {
		_ = l.Close()
		for len(held) > 0 {
			_ = (<-held).Close()
		}
	}()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			held <- conn
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+l.Addr().String()+"/", nil)
	resp, err := NewHTTPClientWithCallTimeout(100 * time.Millisecond).Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatal("a host that never answers answered")
	}
	if ctx.Err() != nil || !strings.Contains(err.Error(), "timeout awaiting response headers") {
		t.Errorf("error %v (request context: %v), want the wait for headers timed out", err, ctx.Err())
	}
}
