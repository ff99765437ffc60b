package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/httpretry"
	"github.com/orgsync/orgsync/internal/provider"
	hwprovider "github.com/orgsync/orgsync/internal/provider/huaweicloud"
	ncpprovider "github.com/orgsync/orgsync/internal/provider/ncp"
)

// defaultHuaweiDomains is the default --huaweicloud-allowed-domains.
const defaultHuaweiDomains = hwprovider.DefaultAllowedDomains

// remoteOptions are the flags saying how the plugin reaches the remote systems (shared by export
// and plan). They carry the manager's flag names and defaults, so that the plugin sends an
// Organization's credentials only where the manager would.
type remoteOptions struct {
	ncpWorkplaceEndpoint    string
	ncpOrganizationEndpoint string
	ncpQPS                  float64
	ncpBurst                int
	ncpRequestTimeout       time.Duration
	hwOrganizationsEndpoint string
	hwQPS                   float64
	hwBurst                 int
	hwAllowedDomains        string
	allowInsecure           bool

	// httpClient, when set, replaces the HTTP client the connectors build (the progress
	// reporter wraps its transport). It must not follow redirects.
	httpClient *http.Client
}

// addFlags adds the remote flags to fs.
func (o *remoteOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.ncpWorkplaceEndpoint, "ncp-workplace-endpoint", "", "Base URL replacing the site's WORKPLACE host, as the manager's flag of that name (e.g. http://127.0.0.1:18080 for bin/fakencp)")
	fs.StringVar(&o.ncpOrganizationEndpoint, "ncp-organization-endpoint", "", "Base URL replacing the site's NCP Organization host")
	fs.Float64Var(&o.ncpQPS, "ncp-qps", 10, "Requests per second to NCP")
	fs.IntVar(&o.ncpBurst, "ncp-burst", 20, "Burst of requests to NCP")
	fs.DurationVar(&o.ncpRequestTimeout, "ncp-request-timeout", 30*time.Second, "Timeout of one HTTP request to NCP")
	fs.StringVar(&o.hwOrganizationsEndpoint, "huaweicloud-organizations-endpoint", "", "Base URL replacing the Huawei Cloud Organizations endpoint when an Organization sets none")
	fs.Float64Var(&o.hwQPS, "huaweicloud-qps", 10, "Requests per second to each Huawei Cloud service")
	fs.IntVar(&o.hwBurst, "huaweicloud-burst", 20, "Burst of requests to each Huawei Cloud service")
	fs.StringVar(&o.hwAllowedDomains, "huaweicloud-allowed-domains", defaultHuaweiDomains,
		"Comma-separated hosts (or *.domain wildcards) an Organization's oneAccessDomain and organizationsEndpoint may name: they receive its credentials")
	fs.BoolVar(&o.allowInsecure, "allow-insecure-endpoints", false, "Allow plain http:// endpoints (the fake clouds, local demos); credentials then cross the network in clear text")
}

// validate refuses, before any request, the flag values the manager refuses at start.
func (o *remoteOptions) validate() error {
	var errs []error
	check := func(ok bool, flag string, value any, want string) {
		if !ok {
			errs = append(errs, fmt.Errorf("--%s=%v: must be %s", flag, value, want))
		}
	}
	check(o.ncpQPS > 0, "ncp-qps", o.ncpQPS, "greater than 0")
	check(o.ncpBurst >= 1, "ncp-burst", o.ncpBurst, "at least 1")
	check(o.ncpRequestTimeout > 0, "ncp-request-timeout", o.ncpRequestTimeout, "greater than 0")
	check(o.hwQPS > 0, "huaweicloud-qps", o.hwQPS, "greater than 0")
	check(o.hwBurst >= 1, "huaweicloud-burst", o.hwBurst, "at least 1")
	for _, pattern := range o.allowedDomains() {
		check(httpretry.ValidDomainPattern(pattern), "huaweicloud-allowed-domains", pattern, "a host name, an IP address or *.domain")
	}
	policy := httpretry.EndpointPolicy{AllowInsecure: o.allowInsecure}
	for _, flag := range []struct{ name, value string }{
		{"ncp-workplace-endpoint", o.ncpWorkplaceEndpoint},
		{"ncp-organization-endpoint", o.ncpOrganizationEndpoint},
		{"huaweicloud-organizations-endpoint", o.hwOrganizationsEndpoint},
	} {
		if flag.value == "" {
			continue
		}
		if _, err := policy.Check("--"+flag.name, flag.value); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (o *remoteOptions) allowedDomains() []string {
	var out []string
	for item := range strings.SplitSeq(o.hwAllowedDomains, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// connectors returns the provider connectors the manager builds from the same flags.
func (o *remoteOptions) connectors() provider.Mux {
	return provider.Mux{
		v1alpha1.ProviderNCP: ncpprovider.NewConnector(ncpprovider.Options{
			WorkplaceEndpoint:    o.ncpWorkplaceEndpoint,
			OrganizationEndpoint: o.ncpOrganizationEndpoint,
			ClientOptions: provider.ClientOptions{
				QPS: o.ncpQPS, Burst: o.ncpBurst, RequestTimeout: o.ncpRequestTimeout, HTTPClient: o.httpClient,
			},
		}),
		v1alpha1.ProviderHuaweiCloud: hwprovider.NewConnector(hwprovider.Options{
			OrganizationsEndpoint: o.hwOrganizationsEndpoint,
			Endpoints:             httpretry.EndpointPolicy{AllowedDomains: o.allowedDomains(), AllowInsecure: o.allowInsecure},
			ClientOptions:         provider.ClientOptions{QPS: o.hwQPS, Burst: o.hwBurst, HTTPClient: o.httpClient},
		}),
	}
}

// connect reads org's credentials Secret with the user's own Kubernetes permissions (a get of
// the Secret named by org.Spec.CredentialsSecretRef in org's namespace) and connects to org's
// remote chart with the manager's provider connectors, validating endpoints as the manager does.
// No request reaches the remote system before the returned Departments are used; their errors
// say which Organization and Secret they concern (a refused credential: errors.Is
// provider.ErrCredentials). No error carries a value of the Secret.
func (o *remoteOptions) connect(ctx context.Context, c *cluster, org *v1alpha1.Organization) (provider.Departments, error) {
	if err := o.validate(); err != nil { // before the Secret is read
		return nil, err
	}
	secretName := org.Spec.CredentialsSecretRef.Name
	credentials, err := c.secretData(ctx, org.Namespace, secretName)
	if err != nil {
		return nil, err
	}
	source := fmt.Sprintf("Organization %s/%s (Secret %q)", org.Namespace, org.Name, secretName)
	return o.connectWith(ctx, org, credentials, source)
}

// connectWith connects to org's remote chart with credentials given by the caller (the data of a
// Secret, key by key). source names where the credentials come from in errors ("Organization
// orgs/acme (Secret "acme-credentials")", "credentials file creds.env").
func (o *remoteOptions) connectWith(ctx context.Context, org *v1alpha1.Organization, credentials map[string][]byte, source string) (provider.Departments, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	conn, err := o.connectors().Connect(ctx, org, credentials)
	if err != nil {
		return nil, fmt.Errorf("connecting to the remote chart of %s: %w", source, err)
	}
	return &explainedDepartments{Departments: conn.Departments, source: source}, nil
}

// explainedDepartments says, in the errors of its listings, whose chart they concern and, for
// refused credentials, what to check. The plugin only reads: writes go through unwrapped.
type explainedDepartments struct {
	provider.Departments
	source string
}

func (d *explainedDepartments) explain(what string, err error) error {
	if errors.Is(err, provider.ErrCredentials) {
		return fmt.Errorf("%s the remote chart of %s: the remote system refused the credentials: %w", what, d.source, err)
	}
	return fmt.Errorf("%s the remote chart of %s: %w", what, d.source, err)
}

func (d *explainedDepartments) List(ctx context.Context) ([]provider.Department, error) {
	all, err := d.Departments.List(ctx)
	if err != nil {
		return nil, d.explain("listing", err)
	}
	return all, nil
}
