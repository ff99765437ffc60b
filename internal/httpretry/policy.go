package httpretry

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// EndpointPolicy is the manager's say over where credentials may be sent: which hosts and ports,
// and whether over plain http. Its zero value allows nothing.
type EndpointPolicy struct {
	// AllowedDomains are host names ("organizations.myhuaweicloud.com"), IP addresses, or
	// wildcards ("*.huaweioneaccess.com": any name under huaweioneaccess.com, not the name
	// itself), each with an optional port ("orgs.example.com:8443", "[2001:db8::1]:8443"; 443
	// when none is named). Case and a trailing dot do not matter. An IP address endpoint is
	// allowed only when an entry names that address. Empty allows nothing.
	AllowedDomains []string
	// AllowInsecure lets plain http through, to any port of an allowed host, and lets the
	// dialer connect to loopback and private addresses (the fakes, the demo, tests).
	AllowInsecure bool
}

// Parse parses raw (a base URL, or a bare host meaning https) and refuses it, naming field, when
// its form or scheme is not allowed; it does not look at the allowlist (the admin's own flags
// need only this).
func (p EndpointPolicy) Parse(field, raw string) (*url.URL, error) {
	if raw != "" && !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || u.Opaque != "":
		return nil, fmt.Errorf("%s: %q is not a base URL or host name", field, raw)
	case u.User != nil:
		return nil, fmt.Errorf("%s: must not carry user information", field)
	case strings.Contains(u.Hostname(), "%"):
		return nil, fmt.Errorf("%s: %q: an IPv6 zone is refused", field, raw)
	case u.Scheme == "http" && !p.AllowInsecure:
		return nil, fmt.Errorf("%s: %q: plain http is refused; use https (the manager allows http only with --allow-insecure-endpoints)", field, raw)
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, fmt.Errorf("%s: %q: scheme must be https", field, raw)
	case !ascii(u.Hostname()):
		// One name must have one spelling: a host in other scripts or with invisible characters
		// may reach the same server under another name. Internationalised names go as punycode.
		return nil, fmt.Errorf("%s: %q: the host must be ASCII (write an internationalised name in its xn-- form)", field, raw)
	case u.Port() != "" && !canonicalPort(u.Port()):
		return nil, fmt.Errorf("%s: %q: the port must be a number from 1 to 65535 without leading zeros", field, raw)
	}
	return u, nil
}

func ascii(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// canonicalPort reports whether port is a port number written the one way strconv writes it.
func canonicalPort(port string) bool {
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535 && strconv.Itoa(n) == port
}

// Check parses raw as Parse does and refuses it, naming field, when its host and port are not
// ones the allowlist names. The error never carries more than the value and the policy.
func (p EndpointPolicy) Check(field, raw string) (*url.URL, error) {
	u, err := p.Parse(field, raw)
	if err != nil {
		return nil, err
	}
	target := endpointOf(u)
	switch {
	case len(p.AllowedDomains) == 0:
		return nil, fmt.Errorf("%s: the manager's --huaweicloud-allowed-domains is empty and allows no host", field)
	case p.allows(target):
		return u, nil
	case p.allowsHost(target.host):
		return nil, fmt.Errorf("%s: port %d of host %q is not one the manager may send credentials to (allowed: %s; port 443 unless an entry names another; set by the cluster admin with --huaweicloud-allowed-domains)",
			field, target.port, target.host, strings.Join(p.AllowedDomains, ", "))
	}
	return nil, fmt.Errorf("%s: host %q is not one the manager may send credentials to (allowed: %s; set by the cluster admin with --huaweicloud-allowed-domains)",
		field, target.host, strings.Join(p.AllowedDomains, ", "))
}

// endpoint is a host as the allowlist compares it: a lower-case name without a trailing dot, or
// an IP address (addr valid, IPv4-mapped forms unmapped), and a port. A zero port in an entry
// matches any port.
type endpoint struct {
	host string
	addr netip.Addr
	port int
}

// endpointOf returns the host and port u connects to; a URL without a port uses its scheme's.
func endpointOf(u *url.URL) endpoint {
	e := hostOf(u.Hostname())
	e.port = 443
	if u.Scheme == "http" {
		e.port = 80
	}
	if port, err := strconv.Atoi(u.Port()); err == nil {
		e.port = port
	}
	return e
}

func hostOf(host string) endpoint {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if addr, err := netip.ParseAddr(host); err == nil {
		return endpoint{host: host, addr: addr.Unmap()}
	}
	return endpoint{host: host}
}

// parseEntry parses an AllowedDomains entry; ok is false when it is not one.
func parseEntry(entry string) (e endpoint, ok bool) {
	entry = strings.TrimSpace(entry)
	host, port := entry, "443"
	if strings.HasPrefix(entry, "[") || strings.Count(entry, ":") == 1 {
		var err error
		if host, port, err = net.SplitHostPort(entry); err != nil {
			return endpoint{}, false
		}
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return endpoint{}, false
	}
	e = hostOf(host)
	e.port = n
	name := strings.TrimPrefix(e.host, "*.")
	switch {
	case e.addr.IsValid():
		return e, e.addr.Zone() == ""
	case name == "" || strings.ContainsAny(name, "*/:@?#%[] "):
		return endpoint{}, false
	case name != e.host && net.ParseIP(name) != nil:
		return endpoint{}, false // a wildcard over an address names nothing
	}
	return e, true
}

// matches reports whether the entry e names the host of target, whatever its port.
func (e endpoint) matches(target endpoint) bool {
	if e.addr.IsValid() || target.addr.IsValid() {
		return e.addr.IsValid() && e.addr == target.addr
	}
	if suffix, ok := strings.CutPrefix(e.host, "*."); ok {
		return strings.HasSuffix(target.host, "."+suffix)
	}
	return e.host == target.host
}

// allows reports whether an entry names target's host and port (any port with AllowInsecure).
func (p EndpointPolicy) allows(target endpoint) bool {
	for _, raw := range p.AllowedDomains {
		if e, ok := parseEntry(raw); ok && e.matches(target) && (e.port == target.port || p.AllowInsecure) {
			return true
		}
	}
	return false
}

// allowsHost reports whether an entry names target's host, on some port.
func (p EndpointPolicy) allowsHost(host string) bool {
	target := hostOf(host)
	for _, raw := range p.AllowedDomains {
		if e, ok := parseEntry(raw); ok && e.matches(target) {
			return true
		}
	}
	return false
}

// allowsAddr reports whether an entry names addr (IPv4-mapped forms unmapped), on any port:
// the dialer lets such an address through even when it is loopback or private.
func (p EndpointPolicy) allowsAddr(addr netip.Addr) bool {
	return p.allowsHost(addr.Unmap().String())
}

// ValidDomainPattern reports whether pattern can be an entry of AllowedDomains: a host name or IP
// address, optionally under a leading "*." wildcard (names only), with an optional port and no
// scheme, user information or path.
func ValidDomainPattern(pattern string) bool {
	_, ok := parseEntry(pattern)
	return ok
}
