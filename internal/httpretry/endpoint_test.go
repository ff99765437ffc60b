package httpretry

import (
	"net/http"
	"testing"
)

func TestParseEndpoint(t *testing.T) {
	tests := []struct {
		raw     string
		wantErr bool
	}{
		{"https://api.example.com", false},
		{"https://api.example.com/base/", false},
		{"http://127.0.0.1:8080", false},
		{"http://[::1]:8080", false},
		{"http://localhost:8080", false},
		{"http://LOCALHOST", false},
		{"http://api.example.com", true},
		{"http://10.0.0.1", true},
		{"ftp://api.example.com", true},
		{"https://", true},
		{"api.example.com", true},
		{"https://user:pw@api.example.com", true},
		{"https://api.example.com?x=1", true},
		{"https://api.example.com#f", true},
		{"https://api.example.com?", true},
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
