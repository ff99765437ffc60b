// Package huaweicloud implements orgsync's provider seam for Huawei Cloud: OneAccess organization
// units hold the departments and Huawei Cloud Organizations the organization, on top of the HTTP
// clients in internal/huaweicloud.
//
// A Department's external key is its unit's OneAccess code; the unit's org_id, by which OneAccess
// addresses units and parents, is the Department's RemoteID. OneAccess units have a name, a parent
// and a category only: i18nNames, emailAddress, externalEmailReceive and displayOrder have no
// OneAccess equivalent and are neither sent nor compared.
package huaweicloud

import (
	"cmp"
	"context"
	"fmt"
	"net/http"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/httpretry"
	hwapi "github.com/orgsync/orgsync/internal/huaweicloud"
	"github.com/orgsync/orgsync/internal/provider"
)

// Options configure how the connector reaches Huawei Cloud.
type Options struct {
	// OrganizationsEndpoint replaces the global Organizations endpoint for every Organization
	// whose spec.huaweicloud.organizationsEndpoint is empty.
	OrganizationsEndpoint string
	// Endpoints is where an Organization may point its OneAccess domain and Organizations
	// endpoint: both receive its credentials. Connect refuses anything else before any request.
	Endpoints httpretry.EndpointPolicy
	// ClientOptions shape the clients; OneAccess and Organizations have a limiter each per
	// Organization.
	provider.ClientOptions
}

// Connector builds Huawei Cloud connections for Organization objects. It is safe for concurrent use.
type Connector struct {
	opts Options
	// limiters holds, per Organization, the limiters of its OneAccess and Organizations calls.
	limiters *provider.Limiters
}

var _ provider.Connector = (*Connector)(nil)

// DefaultAllowedDomains are the hosts Huawei documents for OneAccess tenants (each tenant's user
// access domain, such as example.huaweioneaccess.com) and for the Organizations API: the default
// of the manager's and the kubectl plugin's --huaweicloud-allowed-domains.
const DefaultAllowedDomains = "*.huaweioneaccess.com,organizations.myhuaweicloud.com"

// The spec fields naming the hosts an Organization's credentials go to, as refusals name them.
const (
	fieldOneAccessDomain       = "spec.huaweicloud.oneAccessDomain"
	fieldOrganizationsEndpoint = "spec.huaweicloud.organizationsEndpoint"
)

// Services named in the limiters.
const (
	serviceOneAccess     = "oneaccess"
	serviceOrganizations = "organizations"
)

// NewConnector returns a Connector with the given options. Without an HTTPClient, its clients
// share one whose dialer refuses the pod's own network unless opts.Endpoints allows it
// (httpretry.NewGuardedHTTPClient): the hosts are the Organizations' to choose.
func NewConnector(opts Options) *Connector {
	opts.ClientOptions = opts.WithDefaultClient(func() *http.Client {
		return httpretry.NewGuardedHTTPClient(opts.Endpoints, opts.CallTimeout)
	})
	return &Connector{opts: opts, limiters: opts.Limiters()}
}

// Forget drops the state kept for org.
func (c *Connector) Forget(org *v1alpha1.Organization) {
	c.limiters.Forget(org.UID)
}

// Secret keys a Huawei Cloud connection needs: the OneAccess application's client credentials and
// the Organizations access key pair. securityToken is optional.
var requiredKeys = []string{
	v1alpha1.SecretKeyClientID, v1alpha1.SecretKeyClientSecret,
	v1alpha1.SecretKeyAccessKey, v1alpha1.SecretKeySecretKey,
}

// Connect returns a connection to the OneAccess tenant and the Organizations account of org.
func (c *Connector) Connect(_ context.Context, org *v1alpha1.Organization, credentials map[string][]byte) (*provider.Connection, error) {
	spec := org.Spec.HuaweiCloud
	if spec == nil || spec.OneAccessDomain == "" {
		return nil, fmt.Errorf("%w: spec.huaweicloud.oneAccessDomain is required with provider huaweicloud", provider.ErrInvalid)
	}
	if _, err := c.opts.Endpoints.Check(fieldOneAccessDomain, spec.OneAccessDomain); err != nil {
		return nil, provider.EndpointRefused(err)
	}
	organizationsField := fieldOrganizationsEndpoint
	switch {
	case spec.OrganizationsEndpoint != "":
		if _, err := c.opts.Endpoints.Check(fieldOrganizationsEndpoint, spec.OrganizationsEndpoint); err != nil {
			return nil, provider.EndpointRefused(err)
		}
	case c.opts.OrganizationsEndpoint != "":
		organizationsField = "--huaweicloud-organizations-endpoint"
	default:
		organizationsField = "the Huawei Cloud Organizations endpoint"
	}
	for _, key := range requiredKeys {
		if len(credentials[key]) == 0 {
			return nil, fmt.Errorf("%w: secret %q has no key %q", provider.ErrCredentials, org.Spec.CredentialsSecretRef.Name, key)
		}
	}
	oneAccess, err := hwapi.NewOneAccess(hwapi.OneAccessConfig{
		Endpoint:         spec.OneAccessDomain,
		ClientID:         string(credentials[v1alpha1.SecretKeyClientID]),
		ClientSecret:     string(credentials[v1alpha1.SecretKeyClientSecret]),
		TransportOptions: c.transport(c.limiters.For(org.UID, serviceOneAccess)),
	})
	if err != nil {
		return nil, fmt.Errorf("%w: spec.huaweicloud.oneAccessDomain: %w", provider.ErrInvalid, err)
	}
	organizations, err := hwapi.NewOrganizations(hwapi.OrganizationsConfig{
		Credentials: hwapi.Credentials{
			AccessKey:     string(credentials[v1alpha1.SecretKeyAccessKey]),
			SecretKey:     string(credentials[v1alpha1.SecretKeySecretKey]),
			SecurityToken: string(credentials[v1alpha1.SecretKeySecurityToken]),
		},
		Endpoint:         cmp.Or(spec.OrganizationsEndpoint, c.opts.OrganizationsEndpoint),
		TransportOptions: c.transport(c.limiters.For(org.UID, serviceOrganizations)),
	})
	if err != nil {
		return nil, fmt.Errorf("%w: spec.huaweicloud.organizationsEndpoint: %w", provider.ErrInvalid, err)
	}
	return &provider.Connection{
		Departments:   newDepartments(oneAccess),
		Organizations: &organizationsAPI{client: organizations, classify: classifier(organizationsField)},
	}, nil
}

func (c *Connector) transport(limiter *httpretry.Throttle) hwapi.TransportOptions {
	return hwapi.TransportOptions{
		Options:   c.opts.Retry(limiter),
		UserAgent: "orgsync",
	}
}
