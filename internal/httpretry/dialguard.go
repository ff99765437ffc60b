package httpretry

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"
)

// ErrForbiddenAddress is returned, wrapped, when a host resolves to an address the dialer does
// not connect to. Its message names the rule, never the address.
var ErrForbiddenAddress = errors.New("resolves to a loopback, link-local, private, unspecified or multicast address, " +
	"which the manager connects to only when --huaweicloud-allowed-domains names that address or with --allow-insecure-endpoints")

// cgnat is the shared address space (RFC 6598), which clusters use for pods and services too.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// Forbidden reports whether the dialer refuses addr unless the policy names it: an address inside
// the pod's own network or host (loopback, link-local, private, shared, unspecified, multicast),
// IPv4-mapped forms included.
func Forbidden(addr netip.Addr) bool {
	addr = addr.Unmap()
	return !addr.IsValid() || addr.IsLoopback() || addr.IsLinkLocalUnicast() || addr.IsLinkLocalMulticast() ||
		addr.IsInterfaceLocalMulticast() || addr.IsMulticast() || addr.IsPrivate() || addr.IsUnspecified() ||
		cgnat.Contains(addr) || (addr.Is4() && addr.As4()[0] == 0)
}

// NewGuardedHTTPClient returns NewHTTPClientWithCallTimeout's client with a dialer that checks every address a
// host resolves to, at connect time (so a name that resolves differently after Check is still
// caught), and refuses the connection when one is Forbidden and p neither names it nor allows
// insecure endpoints. The clients that send an Organization's credentials to hosts its spec
// names use it.
func NewGuardedHTTPClient(p EndpointPolicy, callTimeout time.Duration) *http.Client {
	client := NewHTTPClientWithCallTimeout(callTimeout)
	transport := client.Transport.(*http.Transport)
	dialer := &net.Dialer{Timeout: cmp.Or(callTimeout, DefaultCallTimeout), KeepAlive: 30 * time.Second}
	transport.DialContext = p.guardedDialer(dialer, net.DefaultResolver).DialContext
	return client
}

// guardedDialer resolves, checks, then dials the checked addresses themselves (never the name
// again, which could resolve elsewhere).
type guardedDialer struct {
	policy   EndpointPolicy
	dialer   *net.Dialer
	resolver *net.Resolver
}

func (p EndpointPolicy) guardedDialer(dialer *net.Dialer, resolver *net.Resolver) guardedDialer {
	return guardedDialer{policy: p, dialer: dialer, resolver: resolver}
}

// DialContext dials address ("host:port") as net.Dialer does, after checking what host resolves
// to. A refusal names the host as the endpoint gave it and the rule.
func (g guardedDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
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
	addrs, err := g.resolver.LookupNetIP(ctx, ipNetwork, host)
	if err != nil {
		return nil, err
	}
	for _, addr := range addrs {
		if Forbidden(addr) && !g.policy.AllowInsecure && !g.policy.allowsAddr(addr) {
			return nil, fmt.Errorf("host %q %w", host, ErrForbiddenAddress)
		}
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
