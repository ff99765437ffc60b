// Package remoteflags defines, once, the flags that say how orgsync reaches the remote systems
// (endpoints, request rates, timeouts, and where credentials may go) and builds the provider
// connectors from them. The manager and kubectl orgsync both register these flags, with one set
// of names, defaults and help texts, so that the plugin sends an Organization's credentials only
// where the manager would, at the rates the manager would.
package remoteflags

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/httpretry"
	"github.com/orgsync/orgsync/internal/provider"
	hwprovider "github.com/orgsync/orgsync/internal/provider/huaweicloud"
	ncpprovider "github.com/orgsync/orgsync/internal/provider/ncp"
)

// Options are the values of the remote flags.
type Options struct {
	NCPWorkplaceEndpoint    string
	NCPOrganizationEndpoint string
	NCPQPS                  float64
	NCPBurst                int
	NCPRequestTimeout       time.Duration

	HuaweiOrganizationsEndpoint string
	HuaweiQPS                   float64
	HuaweiBurst                 int
	HuaweiRequestTimeout        time.Duration
	// HuaweiAllowedDomains is the comma-separated list of --huaweicloud-allowed-domains.
	HuaweiAllowedDomains string

	AllowInsecureEndpoints bool

	// MaxRetryAfter is --remote-max-retry-after, the longest Retry-After either client honours.
	MaxRetryAfter time.Duration
	// CallTimeout is --remote-call-timeout, the deadline of each request's connect, TLS
	// handshake and wait for the answer's headers.
	CallTimeout time.Duration
	// MaxListed is --max-remote-departments, the most departments one listing takes.
	MaxListed int
}

// Register adds the remote flags to fs, writing their values into o. The defaults are the
// clients' own (internal/httpretry).
func (o *Options) Register(fs *flag.FlagSet) {
	fs.StringVar(&o.NCPWorkplaceEndpoint, "ncp-workplace-endpoint", "", "Base URL replacing the site's WORKPLACE host, e.g. http://127.0.0.1:18080 for bin/fakencp.")
	fs.StringVar(&o.NCPOrganizationEndpoint, "ncp-organization-endpoint", "", "Base URL replacing the site's NCP Organization host.")
	fs.Float64Var(&o.NCPQPS, "ncp-qps", httpretry.DefaultQPS, "Requests per second to NCP for each Organization.")
	fs.IntVar(&o.NCPBurst, "ncp-burst", httpretry.DefaultBurst, "Burst of requests to NCP for each Organization.")
	fs.DurationVar(&o.NCPRequestTimeout, "ncp-request-timeout", httpretry.DefaultRequestTimeout, "Timeout of one HTTP request to NCP.")
	fs.StringVar(&o.HuaweiOrganizationsEndpoint, "huaweicloud-organizations-endpoint", "", "Base URL replacing the Huawei Cloud Organizations endpoint when an Organization sets none.")
	fs.Float64Var(&o.HuaweiQPS, "huaweicloud-qps", httpretry.DefaultQPS, "Requests per second to each Huawei Cloud service for each Organization.")
	fs.IntVar(&o.HuaweiBurst, "huaweicloud-burst", httpretry.DefaultBurst, "Burst of requests to each Huawei Cloud service for each Organization.")
	fs.DurationVar(&o.HuaweiRequestTimeout, "huaweicloud-request-timeout", httpretry.DefaultRequestTimeout, "Timeout of one HTTP request to Huawei Cloud (OneAccess, Organizations).")
	fs.StringVar(&o.HuaweiAllowedDomains, "huaweicloud-allowed-domains", hwprovider.DefaultAllowedDomains,
		"Comma-separated hosts (or *.domain wildcards), each with an optional :port (443 otherwise), an Organization's oneAccessDomain and organizationsEndpoint may name: they receive its credentials. IP addresses only as listed; loopback, link-local and private addresses only when listed as addresses. Empty allows nothing.")
	fs.DurationVar(&o.MaxRetryAfter, "remote-max-retry-after", httpretry.DefaultMaxRetryAfter,
		"Longest Retry-After (seconds or HTTP date) honoured from NCP or Huawei Cloud; a longer hold is cut to this.")
	fs.DurationVar(&o.CallTimeout, "remote-call-timeout", httpretry.DefaultCallTimeout,
		"Deadline of each request to NCP or Huawei Cloud (token requests included) for its connect, its TLS handshake and the answer's headers, each: a host that accepts connections and never answers fails within it (the request timeouts bound the whole answer).")
	fs.IntVar(&o.MaxListed, "max-remote-departments", httpretry.DefaultMaxListed,
		"The most departments one listing of an Organization's remote chart takes: a chart that reports or shows more fails to list (RemoteError) before it fills the memory; raise it with the memory limit (docs/operations.md#memory).")
	fs.BoolVar(&o.AllowInsecureEndpoints, "allow-insecure-endpoints", false, "Allow plain http:// endpoints (the fake clouds, local demos); credentials then cross the network in clear text.")
}

// Validate refuses, before any request, values with which every call would fail quietly (a
// burst below one admits no request) or credentials could go where they should not, naming each
// flag that is wrong.
func (o *Options) Validate() error {
	var errs []error
	check := func(ok bool, flag string, value any, want string) {
		if !ok {
			errs = append(errs, fmt.Errorf("--%s=%v: must be %s", flag, value, want))
		}
	}
	check(o.NCPQPS > 0, "ncp-qps", o.NCPQPS, "greater than 0")
	check(o.NCPBurst >= 1, "ncp-burst", o.NCPBurst, "at least 1")
	check(o.NCPRequestTimeout > 0, "ncp-request-timeout", o.NCPRequestTimeout, "greater than 0")
	check(o.HuaweiQPS > 0, "huaweicloud-qps", o.HuaweiQPS, "greater than 0")
	check(o.HuaweiBurst >= 1, "huaweicloud-burst", o.HuaweiBurst, "at least 1")
	check(o.HuaweiRequestTimeout > 0, "huaweicloud-request-timeout", o.HuaweiRequestTimeout, "greater than 0")
	check(o.MaxRetryAfter > 0, "remote-max-retry-after", o.MaxRetryAfter, "greater than 0")
	check(o.CallTimeout > 0, "remote-call-timeout", o.CallTimeout, "greater than 0")
	check(o.MaxListed >= 1, "max-remote-departments", o.MaxListed, "at least 1")
	for _, pattern := range o.allowedDomains() {
		check(httpretry.ValidDomainPattern(pattern), "huaweicloud-allowed-domains", pattern, "a host name, an IP address or *.domain, with an optional :port")
	}
	// The admin's own endpoints need no allowlist entry: only their form and scheme are checked.
	policy := httpretry.EndpointPolicy{AllowInsecure: o.AllowInsecureEndpoints}
	for _, flag := range []struct{ name, value string }{
		{"ncp-workplace-endpoint", o.NCPWorkplaceEndpoint},
		{"ncp-organization-endpoint", o.NCPOrganizationEndpoint},
		{"huaweicloud-organizations-endpoint", o.HuaweiOrganizationsEndpoint},
	} {
		if flag.value == "" {
			continue
		}
		if _, err := policy.Parse("--"+flag.name, flag.value); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// allowedDomains splits --huaweicloud-allowed-domains, dropping empty entries.
func (o *Options) allowedDomains() []string {
	var out []string
	for item := range strings.SplitSeq(o.HuaweiAllowedDomains, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// Connectors returns the connector of each provider, built from o. wrapTransport, when not nil,
// wraps the transport of the HTTP clients the connectors build (their dialers, and the guard of
// the Huawei Cloud one, stay).
func (o *Options) Connectors(wrapTransport func(http.RoundTripper) http.RoundTripper) provider.Mux {
	return provider.Mux{
		v1alpha1.ProviderNCP: ncpprovider.NewConnector(ncpprovider.Options{
			WorkplaceEndpoint:    o.NCPWorkplaceEndpoint,
			OrganizationEndpoint: o.NCPOrganizationEndpoint,
			ClientOptions: provider.ClientOptions{
				QPS: o.NCPQPS, Burst: o.NCPBurst, RequestTimeout: o.NCPRequestTimeout, CallTimeout: o.CallTimeout, MaxRetryAfter: o.MaxRetryAfter, MaxListed: o.MaxListed, WrapTransport: wrapTransport,
			},
		}),
		v1alpha1.ProviderHuaweiCloud: hwprovider.NewConnector(hwprovider.Options{
			OrganizationsEndpoint: o.HuaweiOrganizationsEndpoint,
			Endpoints:             httpretry.EndpointPolicy{AllowedDomains: o.allowedDomains(), AllowInsecure: o.AllowInsecureEndpoints},
			ClientOptions: provider.ClientOptions{
				QPS: o.HuaweiQPS, Burst: o.HuaweiBurst, RequestTimeout: o.HuaweiRequestTimeout, CallTimeout: o.CallTimeout, MaxRetryAfter: o.MaxRetryAfter, MaxListed: o.MaxListed, WrapTransport: wrapTransport,
			},
		}),
	}
}
