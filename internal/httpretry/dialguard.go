package httpretry

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http/httpproxy"
)

// ErrForbiddenAddress is returned, wrapped in a *ForbiddenAddressError, when a host resolves to
// an address the dialer does not connect to. Its message names the rule, never the address.
var ErrForbiddenAddress = errors.New("resolves to a loopback, link-local, private, unspecified or multicast address, " +
	"which the manager connects to only when --huaweicloud-allowed-domains names that address or with --allow-insecure-endpoints")

// ForbiddenAddressError is a connection the guard refused: Host (as the endpoint names it)
// resolves to an address it does not connect to. The callers that know which setting named the
// host put that in front (errors.As finds it under the clients' wrapping).
type ForbiddenAddressError struct {
	Host string
}

func (e *ForbiddenAddressError) Error() string {
	return fmt.Sprintf("host %q %v", e.Host, ErrForbiddenAddress)
}

func (e *ForbiddenAddressError) Unwrap() error { return ErrForbiddenAddress }

// cgnat is the shared address space (RFC 6598), which clusters use for pods and services too.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// IPv6 prefixes whose addresses carry an IPv4 address a gateway or relay reaches: NAT64's
// well-known prefix (RFC 6052) in its last 32 bits, 6to4 (RFC 3056) in bits 16 to 47. NAT64's
// local-use prefix (RFC 8215) is a network's own, where its operator chooses how the address is
// carried: all of it is refused, as private addresses are.
var (
	nat64WellKnown = netip.MustParsePrefix("64:ff9b::/96")
	nat64LocalUse  = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour      = netip.MustParsePrefix("2002::/16")
)

// Forbidden reports whether the dialer refuses addr unless the policy names it: an address inside
// the pod's own network or host (loopback, link-local, private, shared, unspecified, multicast),
// IPv4-mapped forms included, and the IPv4 address a NAT64 or 6to4 address reaches.
func Forbidden(addr netip.Addr) bool {
	addr = addr.Unmap()
	if embedded, ok := embeddedIPv4(addr); ok && Forbidden(embedded) {
		return true
	}
	return !addr.IsValid() || addr.IsLoopback() || addr.IsLinkLocalUnicast() || addr.IsLinkLocalMulticast() ||
		addr.IsInterfaceLocalMulticast() || addr.IsMulticast() || addr.IsPrivate() || addr.IsUnspecified() ||
		cgnat.Contains(addr) || nat64LocalUse.Contains(addr) || (addr.Is4() && addr.As4()[0] == 0)
}

// embeddedIPv4 returns the IPv4 address a NAT64 or 6to4 address stands for.
func embeddedIPv4(addr netip.Addr) (netip.Addr, bool) {
	if !addr.Is6() {
		return netip.Addr{}, false
	}
	b := addr.As16()
	switch {
	case nat64WellKnown.Contains(addr):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(addr):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}

// NewGuardedHTTPClient returns NewHTTPClientWithCallTimeout's client with a dialer that checks every address a
// host resolves to, at connect time (so a name that resolves differently after Check is still
// caught), and refuses the connection when one is Forbidden and p neither names it nor allows
// insecure endpoints. The clients that send an Organization's credentials to hosts its spec
// names use it.
//
// A proxy the environment names (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) is the admin's choice: the
// dialer connects to it wherever it is, and checks instead, before each request sent through
// it, what the request's host resolves to here. The proxy resolves the host again itself, so
// with a proxy the last word on where a connection goes is the proxy's.
func NewGuardedHTTPClient(p EndpointPolicy, callTimeout time.Duration) *http.Client {
	client := NewHTTPClientWithCallTimeout(callTimeout)
	transport := client.Transport.(*http.Transport)
	proxies := httpproxy.FromEnvironment()
	dialer := &net.Dialer{Timeout: cmp.Or(callTimeout, DefaultCallTimeout), KeepAlive: 30 * time.Second}
	guard := p.guardedDialer(dialer, net.DefaultResolver)
	guard.proxies = proxyAddresses(proxies.HTTPProxy, proxies.HTTPSProxy)
	transport.DialContext = guard.DialContext
	transport.Proxy = guard.proxy(proxies.ProxyFunc())
	return client
}

// guardedDialer resolves, checks, then dials the checked addresses themselves (never the name
// again, which could resolve elsewhere).
type guardedDialer struct {
	policy   EndpointPolicy
	dialer   *net.Dialer
	resolver *net.Resolver
	// proxies are the "host:port" addresses of the environment's proxies, dialled unchecked.
	proxies map[string]bool
}

func (p EndpointPolicy) guardedDialer(dialer *net.Dialer, resolver *net.Resolver) guardedDialer {
	return guardedDialer{policy: p, dialer: dialer, resolver: resolver}
}

// DialContext dials address ("host:port") as net.Dialer does, after checking what host resolves
// to. A refusal names the host as the endpoint gave it and the rule.
func (g guardedDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if g.proxies[address] {
		return g.dialer.DialContext(ctx, network, address)
	}
	host, portText, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("host %q: invalid port %q", host, portText)
	}
	ipNetwork := map[string]string{"tcp4": "ip4", "tcp6": "ip6"}[network]
	if ipNetwork == "" {
		ipNetwork = "ip"
	}
	addrs, err := g.resolve(ctx, ipNetwork, host)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, addr := range addrs {
		conn, err := g.dialer.DialContext(ctx, network, netip.AddrPortFrom(addr.Unmap(), uint16(port)).String())
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

// resolve returns the addresses host resolves to, refusing them all when one is Forbidden and
// the policy neither names it nor allows insecure endpoints.
func (g guardedDialer) resolve(ctx context.Context, ipNetwork, host string) ([]netip.Addr, error) {
	addrs, err := g.resolver.LookupNetIP(ctx, ipNetwork, host)
	if err != nil {
		return nil, err
	}
	for _, addr := range addrs {
		if Forbidden(addr) && !g.policy.AllowInsecure && !g.policy.allowsAddr(addr) {
			return nil, &ForbiddenAddressError{Host: host}
		}
	}
	return addrs, nil
}

// proxy returns the transport's Proxy function: proxyOf's choice, after checking, for a request
// that goes through a proxy, the host it asks the proxy to reach.
func (g guardedDialer) proxy(proxyOf func(*url.URL) (*url.URL, error)) func(*http.Request) (*url.URL, error) {
	return func(req *http.Request) (*url.URL, error) {
		proxy, err := proxyOf(req.URL)
		if proxy == nil || err != nil {
			return proxy, err
		}
		if _, err := g.resolve(req.Context(), "ip", req.URL.Hostname()); err != nil {
			return nil, err
		}
		return proxy, nil
	}
}

// proxyAddresses returns the "host:port" the transport dials for each proxy URL (the forms
// HTTPS_PROXY accepts: a URL, or host[:port] meaning http).
func proxyAddresses(raws ...string) map[string]bool {
	defaultPorts := map[string]string{"http": "80", "https": "443", "socks5": "1080", "socks5h": "1080"}
	out := map[string]bool{}
	for _, raw := range raws {
		if raw == "" {
			continue
		}
		if !strings.Contains(raw, "://") {
			raw = "http://" + raw
		}
		u, err := url.Parse(raw)
		if err != nil || u.Hostname() == "" {
			continue
		}
		out[net.JoinHostPort(u.Hostname(), cmp.Or(u.Port(), defaultPorts[u.Scheme]))] = true
	}
	return out
}
