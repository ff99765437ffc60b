package httpretry

import (
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

// NewHTTPClient returns the HTTP client a client uses when it is given none: its own transport (no
// state shared with http.DefaultTransport), TLS 1.2 or later, no overall timeout (each attempt has
// one) and no redirects, so credentials and signed headers never follow a Location elsewhere.
func NewHTTPClient() *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConns = 100
	transport.MaxIdleConnsPerHost = 32
	transport.IdleConnTimeout = 90 * time.Second
	transport.TLSHandshakeTimeout = 10 * time.Second
	transport.ResponseHeaderTimeout = 0
	transport.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	return &http.Client{
		Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// EndpointPolicy is the manager's say over where credentials may be sent: which hosts, and
// whether over plain http. Its zero value allows every host, over https only.
type EndpointPolicy struct {
	// AllowedDomains are host names ("organizations.myhuaweicloud.com"), IP addresses, or
	// wildcards ("*.huaweioneaccess.com": any name under huaweioneaccess.com, not the name
	// itself); case does not matter. Empty allows every host.
	AllowedDomains []string
	// AllowInsecure lets plain http through, to any allowed host (the fakes, the demo, tests).
	AllowInsecure bool
}

// Check parses raw (a base URL, or a bare host meaning https) and refuses it, naming field, when
// its scheme or host is not allowed. The error never carries more than the value and the policy.
func (p EndpointPolicy) Check(field, raw string) (*url.URL, error) {
	if raw != "" && !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || u.Opaque != "":
		return nil, fmt.Errorf("%s: %q is not a base URL or host name", field, raw)
	case u.Scheme == "http" && !p.AllowInsecure:
		return nil, fmt.Errorf("%s: %q: plain http is refused; use https (the manager allows http only with --allow-insecure-endpoints)", field, raw)
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, fmt.Errorf("%s: %q: scheme must be https", field, raw)
	case !p.allows(u.Hostname()):
		return nil, fmt.Errorf("%s: host %q is not one the manager may send credentials to (allowed: %s; set by the cluster admin with --huaweicloud-allowed-domains)",
			field, u.Hostname(), strings.Join(p.AllowedDomains, ", "))
	}
	return u, nil
}

func (p EndpointPolicy) allows(host string) bool {
	if len(p.AllowedDomains) == 0 {
		return true
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, pattern := range p.AllowedDomains {
		pattern = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(pattern)), ".")
		if suffix, ok := strings.CutPrefix(pattern, "*."); ok {
			if strings.HasSuffix(host, "."+suffix) {
				return true
			}
		} else if host == pattern {
			return true
		}
	}
	return false
}

// ValidDomainPattern reports whether pattern can be an entry of AllowedDomains: a host name or IP
// address, optionally under a leading "*." wildcard, with no scheme, port or path.
func ValidDomainPattern(pattern string) bool {
	name := strings.TrimPrefix(pattern, "*.")
	if name == "" || strings.ContainsAny(name, "*/:@?# ") {
		return net.ParseIP(name) != nil && !strings.HasPrefix(pattern, "*.")
	}
	return true
}
