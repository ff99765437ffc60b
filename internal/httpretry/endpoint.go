package httpretry

import (
	"cmp"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ParseEndpoint parses a service's base URL. Only https is accepted, and http for loopback hosts:
// anything else would send credentials and signed requests in clear text. The URL must have a
// host and no user information, query or fragment; its path is returned as given.
func ParseEndpoint(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, errors.New("not a valid URL")
	case u.Host == "" || u.Opaque != "":
		return nil, fmt.Errorf("%q has no host", raw)
	case u.User != nil:
		return nil, errors.New("must not carry user information")
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return nil, fmt.Errorf("%q must not have a query or fragment", raw)
	case u.Scheme == "http" && !IsLoopback(u.Hostname()):
		return nil, fmt.Errorf("%q: http is only allowed for loopback hosts; use https", raw)
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, fmt.Errorf("%q: scheme must be https", raw)
	}
	return u, nil
}

// IsLoopback reports whether host is "localhost" or a loopback IP address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// NewHTTPClient returns NewHTTPClientWithCallTimeout's client with DefaultCallTimeout.
func NewHTTPClient() *http.Client { return NewHTTPClientWithCallTimeout(DefaultCallTimeout) }

// NewHTTPClientWithCallTimeout returns the HTTP client a client uses when it is given none: its
// own transport (no state shared with http.DefaultTransport), TLS 1.2 or later, no redirects, so
// credentials and signed headers never follow a Location elsewhere, and short deadlines on each
// request's connection and on the wait for its answer's headers: callTimeout (DefaultCallTimeout
// when zero) for the connect, the TLS handshake and the headers each. There is no overall
// timeout: each attempt has one (RequestTimeout), which bounds reading a large answer's body.
func NewHTTPClientWithCallTimeout(callTimeout time.Duration) *http.Client {
	callTimeout = cmp.Or(callTimeout, DefaultCallTimeout)
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.DialContext = (&net.Dialer{Timeout: callTimeout, KeepAlive: 30 * time.Second}).DialContext
	transport.MaxIdleConns = 100
	transport.MaxIdleConnsPerHost = 32
	transport.IdleConnTimeout = 90 * time.Second
	transport.TLSHandshakeTimeout = callTimeout
	transport.ResponseHeaderTimeout = callTimeout
	transport.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	return &http.Client{
		Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
