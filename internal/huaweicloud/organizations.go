package huaweicloud

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/orgsync/orgsync/internal/httpretry"
)

// Organizations defaults.
const (
	// DefaultOrganizationsEndpoint is the global Organizations endpoint.
	DefaultOrganizationsEndpoint = "https://organizations.myhuaweicloud.com"
	// DefaultOUPageSize is the limit of organizational unit list calls.
	DefaultOUPageSize = 200
	// MaxOUPageSize is the largest limit Organizations accepts.
	MaxOUPageSize = 2000
)

const (
	organizationsPath = "/v1/organizations"
	rootsPath         = organizationsPath + "/roots"
	ousPath           = organizationsPath + "/organizational-units"
	organizationsJSON = "application/json;charset=UTF-8"
)

// Credentials are a Huawei Cloud access key pair and, for temporary credentials, the security
// token. Formatting a Credentials value (any verb, JSON) shows the access key only.
type Credentials struct {
	// AccessKey (AK) identifies the key pair; it is sent with every request.
	AccessKey string
	// SecretKey (SK) signs requests and never leaves the process.
	SecretKey string
	// SecurityToken is sent as X-Security-Token with temporary credentials.
	SecurityToken string
}

// String shows the access key and redacts the secrets.
func (c Credentials) String() string {
	return fmt.Sprintf("{AccessKey:%s SecretKey:%s SecurityToken:%s}", c.AccessKey, redact(c.SecretKey), redact(c.SecurityToken))
}

// GoString shows the access key and redacts the secrets.
func (c Credentials) GoString() string {
	return fmt.Sprintf("huaweicloud.Credentials{AccessKey:%q, SecretKey:%q, SecurityToken:%q}",
		c.AccessKey, redact(c.SecretKey), redact(c.SecurityToken))
}

// Format sends every verb through String or, for %#v, GoString.
func (c Credentials) Format(f fmt.State, verb rune) {
	text := c.String()
	if verb == 'v' && f.Flag('#') {
		text = c.GoString()
	}
	_, _ = fmt.Fprint(f, text)
}

// MarshalJSON redacts the secrets, for loggers that encode values as JSON.
func (c Credentials) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]string{
		"accessKey": c.AccessKey, "secretKey": redact(c.SecretKey), "securityToken": redact(c.SecurityToken),
	})
}

// OrganizationsConfig configures an OrganizationsClient.
type OrganizationsConfig struct {
	// Credentials sign every request; AccessKey and SecretKey are required.
	Credentials Credentials
	// Endpoint overrides DefaultOrganizationsEndpoint (https, or http for loopback hosts).
	Endpoint string
	// PageSize is the limit of list calls; default 200, at most 2000.
	PageSize int
	TransportOptions
}

// OrganizationsClient calls Huawei Cloud Organizations with AK/SK-signed requests. It is safe for
// concurrent use; formatting it never shows its secrets.
type OrganizationsClient struct {
	t        *transport
	creds    *Credentials // a pointer: reflection-based printing of a copy shows an address
	pageSize int
}

// Organization is the organization the credentials' account manages.
type Organization struct {
	ID                    string `json:"id"`
	URN                   string `json:"urn"`
	ManagementAccountID   string `json:"management_account_id"`
	ManagementAccountName string `json:"management_account_name"`
	CreatedAt             string `json:"created_at"`
}

// Root is the root of an organization's tree of organizational units.
type Root struct {
	ID   string `json:"id"`
	URN  string `json:"urn"`
	Name string `json:"name"`
}

// OrganizationalUnit is a node of the organization's tree below the root.
type OrganizationalUnit struct {
	ID        string `json:"id"`
	URN       string `json:"urn"`
	Name      string `json:"name"`
	CreatedAt string `json:"created_at"`
}

// NewOrganizations validates cfg, applies defaults and returns a client.
func NewOrganizations(cfg OrganizationsConfig) (*OrganizationsClient, error) {
	if cfg.Credentials.AccessKey == "" || cfg.Credentials.SecretKey == "" {
		return nil, errors.New("huaweicloud: Organizations access key and secret key are required")
	}
	if cfg.PageSize < 0 || cfg.PageSize > MaxOUPageSize {
		return nil, fmt.Errorf("huaweicloud: PageSize must be between 0 and %d", MaxOUPageSize)
	}
	creds := cfg.Credentials
	c := &OrganizationsClient{creds: &creds, pageSize: cmp.Or(cfg.PageSize, DefaultOUPageSize)}
	t, err := newTransport("organizations", cmp.Or(cfg.Endpoint, DefaultOrganizationsEndpoint), cfg.TransportOptions,
		func() []string { return []string{creds.SecretKey, creds.SecurityToken} })
	if err != nil {
		return nil, err
	}
	c.t = t
	return c, nil
}

// Limiter returns the rate limiter every attempt waits on.
func (c *OrganizationsClient) Limiter() *httpretry.Throttle { return c.t.retry.Limiter }

// String describes the client without its secrets.
func (c OrganizationsClient) String() string {
	endpoint, ak := "", ""
	if c.t != nil {
		endpoint = c.t.base.String()
	}
	if c.creds != nil {
		ak = c.creds.AccessKey
	}
	return fmt.Sprintf("huaweicloud.OrganizationsClient{endpoint:%s accessKey:%s}", endpoint, ak)
}

// GoString describes the client without its secrets.
func (c OrganizationsClient) GoString() string { return c.String() }

// Format makes every verb print String.
func (c OrganizationsClient) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, c.String()) }

type organizationAnswer struct {
	Organization Organization `json:"organization"`
}

type rootsAnswer struct {
	Roots []Root `json:"roots"`
}

type ouAnswer struct {
	OU OrganizationalUnit `json:"organizational_unit"`
}

type ousAnswer struct {
	OUs      []OrganizationalUnit `json:"organizational_units"`
	PageInfo struct {
		NextMarker string `json:"next_marker"`
	} `json:"page_info"`
}

type ouBody struct {
	Name     string `json:"name"`
	ParentID string `json:"parent_id,omitempty"`
}

// CreateOrganization creates an organization with the caller's account as its management account.
// ErrAlreadyExists when the account already has one.
func (c *OrganizationsClient) CreateOrganization(ctx context.Context) (Organization, error) {
	var answer organizationAnswer
	err := c.do(ctx, apiCall{method: http.MethodPost, path: organizationsPath}, &answer)
	return answer.Organization, err
}

// GetOrganization returns the caller's organization; ErrNoOrganization (and ErrNotFound) when it
// has none, answered 401 Organizations.1015.
func (c *OrganizationsClient) GetOrganization(ctx context.Context) (Organization, error) {
	var answer organizationAnswer
	err := c.do(ctx, apiCall{method: http.MethodGet, path: organizationsPath, idempotent: true}, &answer)
	return answer.Organization, err
}

// DeleteOrganization deletes the caller's organization; ErrHasChildren while organizational units
// remain, ErrNoOrganization (and ErrNotFound) when there is none.
func (c *OrganizationsClient) DeleteOrganization(ctx context.Context) error {
	return c.do(ctx, apiCall{method: http.MethodDelete, path: organizationsPath, idempotent: true}, nil)
}

// ListRoots returns the organization's roots (one in practice).
func (c *OrganizationsClient) ListRoots(ctx context.Context) ([]Root, error) {
	var answer rootsAnswer
	err := c.do(ctx, apiCall{method: http.MethodGet, path: rootsPath, idempotent: true}, &answer)
	return answer.Roots, err
}

// ListOrganizationalUnits returns the direct children of parentID (a root or an organizational
// unit; "" for every unit of the organization), following page_info.next_marker.
func (c *OrganizationsClient) ListOrganizationalUnits(ctx context.Context, parentID string) ([]OrganizationalUnit, error) {
	var all []OrganizationalUnit
	marker := ""
	for {
		q := url.Values{"limit": {strconv.Itoa(c.pageSize)}}
		if parentID != "" {
			q.Set("parent_id", parentID)
		}
		if marker != "" {
			q.Set("marker", marker)
		}
		var answer ousAnswer
		if err := c.do(ctx, apiCall{method: http.MethodGet, path: ousPath, query: q, idempotent: true}, &answer); err != nil {
			return nil, err
		}
		all = append(all, answer.OUs...)
		next := answer.PageInfo.NextMarker
		if next == "" || next == marker || len(answer.OUs) == 0 {
			return all, nil
		}
		marker = next
	}
}

// GetOrganizationalUnit returns one organizational unit; ErrNotFound when there is none.
func (c *OrganizationsClient) GetOrganizationalUnit(ctx context.Context, id string) (OrganizationalUnit, error) {
	var answer ouAnswer
	err := c.do(ctx, apiCall{method: http.MethodGet, path: ousPath + "/" + url.PathEscape(id), idempotent: true}, &answer)
	return answer.OU, err
}

// CreateOrganizationalUnit creates a unit named name under parentID (a root or a unit).
// ErrAlreadyExists (and ErrNameTaken) when the parent already has a unit of that name,
// ErrParentNotFound when the parent does not exist.
func (c *OrganizationsClient) CreateOrganizationalUnit(ctx context.Context, name, parentID string) (OrganizationalUnit, error) {
	body, err := json.Marshal(ouBody{Name: name, ParentID: parentID})
	if err != nil {
		return OrganizationalUnit{}, err
	}
	var answer ouAnswer
	err = c.do(ctx, apiCall{method: http.MethodPost, path: ousPath, body: body}, &answer)
	return answer.OU, err
}

// RenameOrganizationalUnit sets the unit's name. Setting an absolute value is idempotent, so the
// PATCH is retried like a PUT.
func (c *OrganizationsClient) RenameOrganizationalUnit(ctx context.Context, id, name string) (OrganizationalUnit, error) {
	body, err := json.Marshal(ouBody{Name: name})
	if err != nil {
		return OrganizationalUnit{}, err
	}
	var answer ouAnswer
	err = c.do(ctx, apiCall{method: http.MethodPatch, path: ousPath + "/" + url.PathEscape(id), body: body, idempotent: true}, &answer)
	return answer.OU, err
}

// DeleteOrganizationalUnit deletes a unit; ErrHasChildren while it has child units. A retried
// DELETE whose first attempt succeeded reports ErrNotFound: callers treat it as deleted.
func (c *OrganizationsClient) DeleteOrganizationalUnit(ctx context.Context, id string) error {
	return c.do(ctx, apiCall{method: http.MethodDelete, path: ousPath + "/" + url.PathEscape(id), idempotent: true}, nil)
}

// do signs every attempt afresh, so a retry after a long backoff carries a current X-Sdk-Date.
func (c *OrganizationsClient) do(ctx context.Context, call apiCall, out any) error {
	call.contentType = organizationsJSON
	call.authorize = func(req *http.Request, body []byte) error {
		if c.creds.SecurityToken != "" {
			req.Header.Set(HeaderSecurityToken, c.creds.SecurityToken)
		}
		Sign(req, body, c.creds.AccessKey, c.creds.SecretKey, c.t.now())
		return nil
	}
	return c.t.do(ctx, call, out)
}
