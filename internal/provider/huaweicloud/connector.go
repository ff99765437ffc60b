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
	"crypto/tls"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
	"k8s.io/apimachinery/pkg/types"

	"github.com/orgsync/orgsync/api/v1alpha1"
	hwapi "github.com/orgsync/orgsync/internal/huaweicloud"
	"github.com/orgsync/orgsync/internal/provider"
)

// Options configure how the connector reaches Huawei Cloud.
type Options struct {
	// OrganizationsEndpoint replaces the global Organizations endpoint for every Organization
	// whose spec.huaweicloud.organizationsEndpoint is empty.
	OrganizationsEndpoint string
	// QPS and Burst bound the calls of one Organization to each service (OneAccess and
	// Organizations have a limiter each); every client of the Organization shares them.
	QPS   float64
	Burst int
	// RequestTimeout bounds one HTTP attempt.
	RequestTimeout time.Duration
	// MaxRetryDuration bounds the client's retries of one call.
	MaxRetryDuration time.Duration
	// HTTPClient is shared by every Organization's clients. It must not follow redirects.
	HTTPClient *http.Client
}

// Connector builds Huawei Cloud connections for Organization objects. It is safe for concurrent use.
type Connector struct {
	opts Options

	mu sync.Mutex
	// limits holds, per Organization, the limiters of its OneAccess and Organizations calls,
	// kept across credential rotations so that a new client does not get a fresh burst.
	limits map[types.UID]serviceLimits
}

type serviceLimits struct {
	oneAccess, organizations *rate.Limiter
}

var _ provider.Connector = (*Connector)(nil)

// NewConnector returns a Connector with the given options.
func NewConnector(opts Options) *Connector {
	opts.QPS = cmp.Or(opts.QPS, hwapi.DefaultQPS)
	opts.Burst = cmp.Or(opts.Burst, hwapi.DefaultBurst)
	if opts.HTTPClient == nil {
		transport := http.DefaultTransport.(*http.Transport).Clone()
		transport.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		opts.HTTPClient = &http.Client{
			Transport:     transport,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return &Connector{opts: opts, limits: map[types.UID]serviceLimits{}}
}

func (c *Connector) limitsOf(org *v1alpha1.Organization) serviceLimits {
	c.mu.Lock()
	defer c.mu.Unlock()
	if l, ok := c.limits[org.UID]; ok {
		return l
	}
	newLimiter := func() *rate.Limiter { return rate.NewLimiter(rate.Limit(c.opts.QPS), c.opts.Burst) }
	l := serviceLimits{oneAccess: newLimiter(), organizations: newLimiter()}
	c.limits[org.UID] = l
	return l
}

// Forget drops the state kept for org.
func (c *Connector) Forget(org *v1alpha1.Organization) {
	c.mu.Lock()
	delete(c.limits, org.UID)
	c.mu.Unlock()
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
	for _, key := range requiredKeys {
		if len(credentials[key]) == 0 {
			return nil, fmt.Errorf("%w: secret %q has no key %q", provider.ErrCredentials, org.Spec.CredentialsSecretRef.Name, key)
		}
	}
	limits := c.limitsOf(org)
	oneAccess, err := hwapi.NewOneAccess(hwapi.OneAccessConfig{
		Endpoint:         spec.OneAccessDomain,
		ClientID:         string(credentials[v1alpha1.SecretKeyClientID]),
		ClientSecret:     string(credentials[v1alpha1.SecretKeyClientSecret]),
		TransportOptions: c.transport(limits.oneAccess),
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
		TransportOptions: c.transport(limits.organizations),
	})
	if err != nil {
		return nil, fmt.Errorf("%w: spec.huaweicloud.organizationsEndpoint: %w", provider.ErrInvalid, err)
	}
	return &provider.Connection{
		Departments:   newDepartments(oneAccess),
		Organizations: &organizationsAPI{client: organizations},
	}, nil
}

func (c *Connector) transport(limiter *rate.Limiter) hwapi.TransportOptions {
	return hwapi.TransportOptions{
		HTTPClient:       c.opts.HTTPClient,
		RequestTimeout:   c.opts.RequestTimeout,
		MaxRetryDuration: c.opts.MaxRetryDuration,
		Limiter:          limiter,
		UserAgent:        "orgsync",
	}
}
