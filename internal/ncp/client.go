// Package ncp is the HTTP client orgsync uses to talk to NAVER Cloud Platform:
// the WORKPLACE Organization v2 API (departments of a company) and the
// Organization API (the multi-account organization the caller belongs to).
//
// Every request is signed with API Gateway signature v2, passes through a
// shared rate limiter and is retried with exponential backoff and full jitter
// when the failure is transient and retrying cannot duplicate a write. Errors
// are *APIError values that match the sentinel errors of this package with
// errors.Is. Secrets never appear in errors or in formatted values.
package ncp

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/orgsync/orgsync/internal/httpretry"
)

// Site is an NCP site; each site has its own API hosts.
type Site string

// The NCP sites.
const (
	SitePublic Site = "public" // *.apigw.ntruss.com
	SiteFin    Site = "fin"    // *.apigw.fin-ntruss.com
	SiteGov    Site = "gov"    // *.apigw.gov-ntruss.com
)

// Defaults applied by New to zero Config fields; the retry and rate settings' are httpretry's.
const (
	DefaultListPageSize = 100
	DefaultUserAgent    = "orgsync-ncp-client"

	// MaxListPageSize is the largest limit WORKPLACE accepts on a list call.
	MaxListPageSize = 100
)

// siteDomains maps a site to the domain its API gateway hosts live under.
var siteDomains = map[Site]string{
	SitePublic: "apigw.ntruss.com",
	SiteFin:    "apigw.fin-ntruss.com",
	SiteGov:    "apigw.gov-ntruss.com",
}

// Credentials are an NCP API key pair and, optionally, an API Gateway key.
// Formatting a Credentials value (fmt, %v, %+v, %#v, JSON) shows the access
// key only; the secret key and gateway key are redacted.
type Credentials struct {
	// AccessKey is the access key ID; it is not secret and is sent with every request.
	AccessKey string
	// SecretKey signs requests. It never leaves the process.
	SecretKey string
	// APIGatewayKey is sent as x-ncp-apigw-api-key when set (older WORKPLACE v1 setups).
	APIGatewayKey string
}

const redacted = "REDACTED"

func redact(secret string) string {
	if secret == "" {
		return ""
	}
	return redacted
}

// String shows the access key and redacts the secrets.
func (c Credentials) String() string {
	return fmt.Sprintf("{AccessKey:%s SecretKey:%s APIGatewayKey:%s}",
		c.AccessKey, redact(c.SecretKey), redact(c.APIGatewayKey))
}

// GoString shows the access key and redacts the secrets.
func (c Credentials) GoString() string {
	return fmt.Sprintf("ncp.Credentials{AccessKey:%q, SecretKey:%q, APIGatewayKey:%q}",
		c.AccessKey, redact(c.SecretKey), redact(c.APIGatewayKey))
}

// Format implements fmt.Formatter so that every verb, including %x and %#v
// of a struct that embeds Credentials, goes through the redacting methods.
func (c Credentials) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = fmt.Fprint(f, c.GoString())
		return
	}
	_, _ = fmt.Fprint(f, c.String())
}

// MarshalJSON redacts the secrets, for structured loggers that encode values as JSON.
func (c Credentials) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, `{"accessKey":%q,"secretKey":%q,"apiGatewayKey":%q}`,
		c.AccessKey, redact(c.SecretKey), redact(c.APIGatewayKey)), nil
}

// Config configures a Client. Zero fields take the documented defaults.
type Config struct {
	// Credentials sign every request. AccessKey and SecretKey are required.
	Credentials Credentials
	// Site selects the API hosts; default SitePublic.
	Site Site
	// WorkplaceEndpoint overrides the WORKPLACE base URL (for example a fake
	// server at http://127.0.0.1:18080); API paths are appended to it. Only
	// https is accepted, except http for loopback hosts.
	WorkplaceEndpoint string
	// OrganizationEndpoint overrides the Organization API base URL, with the
	// same rules as WorkplaceEndpoint.
	OrganizationEndpoint string
	// Options are the HTTP client, retry and rate settings. Every client that talks to NCP with the same
	// credentials should share one Limiter.
	httpretry.Options
	// ListPageSize is the page size of list calls; default and maximum 100.
	ListPageSize int
	// Now is the clock used for request timestamps; default time.Now.
	Now func() time.Time
	// UserAgent is sent with every request; default "orgsync-ncp-client".
	UserAgent string
}

// Client calls the NCP WORKPLACE and Organization APIs. It is safe for
// concurrent use. Formatting a Client never shows its secrets.
type Client struct {
	// creds is a pointer so that even formatting a copied Client value
	// through reflection prints an address, not the keys.
	creds             *Credentials
	site              Site
	workplaceBase     *url.URL
	organizationBase  *url.URL
	httpClient        *http.Client
	retry             httpretry.Policy // its Sleep and Jitter are replaced in tests
	listPageSize      int
	maxListed         int
	now               func() time.Time
	userAgent         string
	maxResponseBytes  int64
	maxErrorBodyBytes int64
}

// New validates cfg, applies defaults and returns a Client.
func New(cfg Config) (*Client, error) {
	if cfg.Credentials.AccessKey == "" || cfg.Credentials.SecretKey == "" {
		return nil, errors.New("ncp: access key and secret key are required")
	}
	site := cfg.Site
	if site == "" {
		site = SitePublic
	}
	domain, ok := siteDomains[site]
	if !ok {
		return nil, fmt.Errorf("ncp: unknown site %q (want %q, %q or %q)", site, SitePublic, SiteFin, SiteGov)
	}
	workplace, err := baseURL(cfg.WorkplaceEndpoint, "https://workplace."+domain)
	if err != nil {
		return nil, fmt.Errorf("ncp: workplace endpoint: %w", err)
	}
	organization, err := baseURL(cfg.OrganizationEndpoint, "https://organization."+domain)
	if err != nil {
		return nil, fmt.Errorf("ncp: organization endpoint: %w", err)
	}

	if cfg.HasNegative() || cfg.ListPageSize < 0 {
		return nil, errors.New("ncp: durations, rates and counts in Config must not be negative")
	}
	if cfg.ListPageSize > MaxListPageSize {
		return nil, fmt.Errorf("ncp: ListPageSize %d exceeds the API maximum %d", cfg.ListPageSize, MaxListPageSize)
	}
	retry := cfg.WithDefaults()

	creds := cfg.Credentials
	c := &Client{
		creds:             &creds,
		site:              site,
		workplaceBase:     workplace,
		organizationBase:  organization,
		httpClient:        retry.HTTPClient,
		retry:             retry.Policy(classify, ErrThrottled),
		listPageSize:      cmp.Or(cfg.ListPageSize, DefaultListPageSize),
		maxListed:         retry.MaxListed,
		now:               cfg.Now,
		userAgent:         cmp.Or(cfg.UserAgent, DefaultUserAgent),
		maxResponseBytes:  4 << 20,
		maxErrorBodyBytes: 1 << 20,
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// Limiter returns the rate limiter the client waits on before every attempt.
func (c *Client) Limiter() *httpretry.Throttle { return c.retry.Limiter }

// String describes the client without its secrets.
func (c Client) String() string {
	return fmt.Sprintf("ncp.Client{site:%s workplace:%s organization:%s accessKey:%s}",
		c.site, c.workplaceBase, c.organizationBase, c.accessKey())
}

// GoString describes the client without its secrets.
func (c Client) GoString() string { return c.String() }

// Format implements fmt.Formatter so that no verb prints the unexported
// fields. Value receivers cover both Client and *Client.
func (c Client) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, c.String()) }

func (c *Client) accessKey() string {
	if c.creds == nil {
		return ""
	}
	return c.creds.AccessKey
}

// baseURL parses an endpoint override, or the site default when raw is empty.
func baseURL(raw, def string) (*url.URL, error) {
	if raw == "" {
		raw = def
	}
	u, err := httpretry.ParseEndpoint(raw)
	if err != nil {
		return nil, err
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = strings.TrimSuffix(u.RawPath, "/")
	return u, nil
}
