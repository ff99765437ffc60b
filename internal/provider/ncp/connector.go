// Package ncp implements orgsync's provider seam for NAVER Cloud Platform: WORKPLACE departments
// and the NCP Organization, on top of the HTTP client in internal/ncp.
package ncp

import (
	"context"
	"fmt"

	"github.com/orgsync/orgsync/api/v1alpha1"
	ncpapi "github.com/orgsync/orgsync/internal/ncp"
	"github.com/orgsync/orgsync/internal/provider"
)

// Options configure how the connector reaches NCP.
type Options struct {
	// WorkplaceEndpoint and OrganizationEndpoint replace the site's API hosts when set
	// (for example http://127.0.0.1:18080 to use bin/fakencp).
	WorkplaceEndpoint    string
	OrganizationEndpoint string
	// ClientOptions shape the clients; an Organization's WORKPLACE and Organization calls share
	// one limiter.
	provider.ClientOptions
}

// Connector builds NCP connections for Organization objects. It is safe for concurrent use.
type Connector struct {
	opts     Options
	limiters *provider.Limiters
}

// serviceNCP names the one limiter an Organization's WORKPLACE and Organization calls share.
const serviceNCP = "ncp"

// NewConnector returns a Connector with the given options.
func NewConnector(opts Options) *Connector {
	opts.ClientOptions = opts.WithDefaults()
	return &Connector{opts: opts, limiters: opts.Limiters()}
}

// Forget drops the state kept for org.
func (c *Connector) Forget(org *v1alpha1.Organization) {
	c.limiters.Forget(org.UID)
}

// Connect returns a connection using the accessKey, secretKey and optional apiGatewayKey of credentials.
func (c *Connector) Connect(_ context.Context, org *v1alpha1.Organization, credentials map[string][]byte) (*provider.Connection, error) {
	for _, key := range []string{v1alpha1.SecretKeyAccessKey, v1alpha1.SecretKeySecretKey} {
		if len(credentials[key]) == 0 {
			return nil, fmt.Errorf("%w: secret %q has no key %q", provider.ErrCredentials, org.Spec.CredentialsSecretRef.Name, key)
		}
	}
	client, err := ncpapi.New(ncpapi.Config{
		Credentials: ncpapi.Credentials{
			AccessKey:     string(credentials[v1alpha1.SecretKeyAccessKey]),
			SecretKey:     string(credentials[v1alpha1.SecretKeySecretKey]),
			APIGatewayKey: string(credentials[v1alpha1.SecretKeyAPIGatewayKey]),
		},
		Site:                 ncpapi.Site(org.Spec.Site),
		WorkplaceEndpoint:    c.opts.WorkplaceEndpoint,
		OrganizationEndpoint: c.opts.OrganizationEndpoint,
		Options:              c.opts.Retry(c.limiters.For(org.UID, serviceNCP)),
		UserAgent:            "orgsync",
	})
	if err != nil {
		return nil, fmt.Errorf("configuring the NCP client: %w", err)
	}
	return &provider.Connection{
		Departments:   &departments{client: client, companyID: org.Spec.Workplace.CompanyID},
		Organizations: &organizations{client: client},
	}, nil
}
