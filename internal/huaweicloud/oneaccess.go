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
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// OneAccess defaults.
const (
	// DefaultOneAccessPageSize is the limit of list calls; also the largest one accepted.
	DefaultOneAccessPageSize = 100
	// DefaultTokenRefreshMargin is how long before its expiry a cached token is replaced.
	DefaultTokenRefreshMargin = time.Minute
	// DefaultCategory is the category OneAccess gives a unit created without one.
	DefaultCategory = "department"
)

// OneAccess API paths.
const (
	oneAccessTokenPath = "/api/v2/tenant/token"
	oneAccessOrgsPath  = "/api/v2/tenant/organizations"
	oneAccessJSON      = "application/json;charset=utf8"
)

// OneAccessConfig configures a OneAccessClient.
type OneAccessConfig struct {
	// Endpoint is the tenant's base URL, https://{domain_name}; a bare domain name means https.
	// Plain http is accepted for loopback hosts only. Required.
	Endpoint string
	// ClientID and ClientSecret are the API credentials of the application registered in
	// OneAccess (client-credentials grant). Both required; the secret never leaves the process
	// other than in the token request.
	ClientID, ClientSecret string
	// PageSize is the limit of list calls; default and maximum 100.
	PageSize int
	// TokenRefreshMargin is how long before expiry a cached token is replaced; default 1m, and at
	// most half the token's lifetime.
	TokenRefreshMargin time.Duration
	TransportOptions
}

// OneAccessClient manages the organization units of one OneAccess tenant. It is safe for
// concurrent use; formatting it never shows the client secret or a token.
type OneAccessClient struct {
	t             *transport
	clientID      string
	clientSecret  *string // a pointer: even reflection-based printing of a copy shows an address
	pageSize      int
	refreshMargin time.Duration
	tokens        *tokenCache
}

// OrgUnit is a OneAccess organization unit.
type OrgUnit struct {
	// ID is OneAccess's org_id, by which the API addresses the unit.
	ID string
	// Code is the unit's code, unique in the tenant (orgsync's external key).
	Code string
	// Name is the display name, unique among siblings.
	Name string
	// ParentID is the parent's org_id; empty for a top-level unit.
	ParentID string
	// Category is the unit's type, "department" by default.
	Category string
}

// OrgUnitUpdate holds the fields an update changes; nil fields are left as they are. A ParentID
// pointing to "" moves the unit to the top level.
type OrgUnitUpdate struct {
	Code, Name, ParentID, Category *string
}

// ListOrgUnitsOptions filter a list call.
type ListOrgUnitsOptions struct {
	// ParentID, when set, lists the children of that unit only (org_id on the wire).
	ParentID string
	// AllChildren, with ParentID, lists all descendants instead of the direct children.
	AllChildren bool
}

// OrgUnitPage is one page of a list call.
type OrgUnitPage struct {
	Units []OrgUnit
	// Total is the number of units matching the filter, on every page.
	Total int
}

// NewOneAccess validates cfg, applies defaults and returns a client.
func NewOneAccess(cfg OneAccessConfig) (*OneAccessClient, error) {
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("huaweicloud: OneAccess client ID and client secret are required")
	}
	if cfg.Endpoint == "" {
		return nil, errors.New("huaweicloud: OneAccess endpoint (the tenant domain) is required")
	}
	if cfg.PageSize < 0 || cfg.PageSize > DefaultOneAccessPageSize || cfg.TokenRefreshMargin < 0 {
		return nil, fmt.Errorf("huaweicloud: PageSize must be between 0 and %d, TokenRefreshMargin not negative", DefaultOneAccessPageSize)
	}
	secret := cfg.ClientSecret
	c := &OneAccessClient{
		clientID:      cfg.ClientID,
		clientSecret:  &secret,
		pageSize:      cmp.Or(cfg.PageSize, DefaultOneAccessPageSize),
		refreshMargin: cmp.Or(cfg.TokenRefreshMargin, DefaultTokenRefreshMargin),
		tokens:        newTokenCache(),
	}
	t, err := newTransport("oneaccess", cfg.Endpoint, cfg.TransportOptions, c.secrets)
	if err != nil {
		return nil, err
	}
	c.t = t
	return c, nil
}

func (c *OneAccessClient) secrets() []string {
	return append([]string{*c.clientSecret}, c.tokens.all()...)
}

// Limiter returns the rate limiter every attempt waits on, token requests included.
func (c *OneAccessClient) Limiter() *rate.Limiter { return c.t.retry.Limiter }

// String describes the client without its secrets.
func (c OneAccessClient) String() string {
	endpoint := ""
	if c.t != nil {
		endpoint = c.t.base.String()
	}
	return fmt.Sprintf("huaweicloud.OneAccessClient{endpoint:%s clientID:%s clientSecret:%s}", endpoint, c.clientID, redacted)
}

// GoString describes the client without its secrets.
func (c OneAccessClient) GoString() string { return c.String() }

// Format makes every verb, %#v and %+v included, print String.
func (c OneAccessClient) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, c.String()) }

// orgUnitWire is a unit as OneAccess encodes it in get and list answers.
type orgUnitWire struct {
	OrgID    string `json:"org_id"`
	OrgCode  string `json:"org_code"`
	Code     string `json:"code"` // tolerated alternative spelling
	Name     string `json:"name"`
	ParentID string `json:"parent_id"`
	Category string `json:"category"`
}

func (w orgUnitWire) unit() OrgUnit {
	return OrgUnit{ID: w.OrgID, Code: firstOf(w.OrgCode, w.Code), Name: w.Name, ParentID: w.ParentID, Category: w.Category}
}

type createOrgUnitBody struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	ParentID string `json:"parent_id,omitempty"`
	Category string `json:"category,omitempty"`
}

type updateOrgUnitBody struct {
	Code     *string `json:"code,omitempty"`
	Name     *string `json:"name,omitempty"`
	ParentID *string `json:"parent_id,omitempty"`
	Category *string `json:"category,omitempty"`
}

type orgIDAnswer struct {
	OrgID string `json:"org_id"`
}

type listOrgUnitsAnswer struct {
	Total         int           `json:"total"`
	Organizations []orgUnitWire `json:"organizations"`
}

// CreateOrgUnit creates a unit from u's Code, Name, ParentID and Category (u.ID is ignored) and
// returns its org_id. An existing code answers ErrAlreadyExists (ORG.0012); a POST is not retried
// after a 5xx or a network failure, so look the code up before creating again.
func (c *OneAccessClient) CreateOrgUnit(ctx context.Context, u OrgUnit) (string, error) {
	body, err := json.Marshal(createOrgUnitBody{Code: u.Code, Name: u.Name, ParentID: u.ParentID, Category: u.Category})
	if err != nil {
		return "", err
	}
	var answer orgIDAnswer
	if err := c.do(ctx, apiCall{method: http.MethodPost, path: oneAccessOrgsPath, body: body}, &answer); err != nil {
		return "", err
	}
	if answer.OrgID == "" {
		return "", errors.New("huaweicloud: oneaccess POST " + oneAccessOrgsPath + ": answer has no org_id")
	}
	return answer.OrgID, nil
}

// GetOrgUnit returns the unit with the org_id; ErrNotFound when there is none.
func (c *OneAccessClient) GetOrgUnit(ctx context.Context, id string) (OrgUnit, error) {
	var w orgUnitWire
	if err := c.do(ctx, apiCall{method: http.MethodGet, path: unitPath(id), idempotent: true}, &w); err != nil {
		return OrgUnit{}, err
	}
	u := w.unit()
	u.ID = cmp.Or(u.ID, id)
	return u, nil
}

// UpdateOrgUnit changes the fields set in upd. PUT is idempotent and retried like GET.
func (c *OneAccessClient) UpdateOrgUnit(ctx context.Context, id string, upd OrgUnitUpdate) error {
	body, err := json.Marshal(updateOrgUnitBody(upd))
	if err != nil {
		return err
	}
	return c.do(ctx, apiCall{method: http.MethodPut, path: unitPath(id), body: body, idempotent: true}, nil)
}

// DeleteOrgUnit deletes the unit. While it has children OneAccess refuses with ErrHasChildren. A
// retried DELETE whose first attempt succeeded reports ErrNotFound: callers treat it as deleted.
func (c *OneAccessClient) DeleteOrgUnit(ctx context.Context, id string) error {
	return c.do(ctx, apiCall{method: http.MethodDelete, path: unitPath(id), idempotent: true}, nil)
}

// ListOrgUnitsPage returns one page of units, starting at offset, at most limit of them (0: the
// configured page size).
func (c *OneAccessClient) ListOrgUnitsPage(ctx context.Context, opts ListOrgUnitsOptions, offset, limit int) (OrgUnitPage, error) {
	if limit <= 0 {
		limit = c.pageSize
	}
	q := url.Values{"offset": {strconv.Itoa(offset)}, "limit": {strconv.Itoa(limit)}}
	if opts.ParentID != "" {
		q.Set("org_id", opts.ParentID)
		q.Set("all_child", strconv.FormatBool(opts.AllChildren))
	}
	var answer listOrgUnitsAnswer
	if err := c.do(ctx, apiCall{method: http.MethodGet, path: oneAccessOrgsPath, query: q, idempotent: true}, &answer); err != nil {
		return OrgUnitPage{}, err
	}
	page := OrgUnitPage{Total: answer.Total, Units: make([]OrgUnit, 0, len(answer.Organizations))}
	for _, w := range answer.Organizations {
		page.Units = append(page.Units, w.unit())
	}
	return page, nil
}

// ListOrgUnits returns every unit matching opts, following the offset/limit paging until total
// units have been read or a page comes back short.
func (c *OneAccessClient) ListOrgUnits(ctx context.Context, opts ListOrgUnitsOptions) ([]OrgUnit, error) {
	var all []OrgUnit
	for {
		page, err := c.ListOrgUnitsPage(ctx, opts, len(all), c.pageSize)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Units...)
		if len(page.Units) < c.pageSize || len(all) >= page.Total {
			return all, nil
		}
	}
}

// FindByCode returns the unit with the code, or ErrNotFound. The API addresses units by org_id
// only, so this lists the tenant's units; callers remember the org_id once found.
func (c *OneAccessClient) FindByCode(ctx context.Context, code string) (OrgUnit, error) {
	units, err := c.ListOrgUnits(ctx, ListOrgUnitsOptions{})
	if err != nil {
		return OrgUnit{}, err
	}
	for _, u := range units {
		if u.Code == code {
			return u, nil
		}
	}
	return OrgUnit{}, fmt.Errorf("huaweicloud: oneaccess: no organization unit with code %q: %w", code, ErrNotFound)
}

func unitPath(id string) string { return oneAccessOrgsPath + "/" + url.PathEscape(id) }

// do runs an API call with a bearer token. A 401 means the token was refused (expired early,
// revoked): the token is dropped, a new one fetched and the call repeated once.
func (c *OneAccessClient) do(ctx context.Context, call apiCall, out any) error {
	call.contentType = oneAccessJSON
	for retried := false; ; retried = true {
		token, err := c.token(ctx)
		if err != nil {
			return err
		}
		call.authorize = func(req *http.Request, _ []byte) error {
			req.Header.Set("Authorization", "Bearer "+token)
			return nil
		}
		err = c.t.do(ctx, call, out)
		if retried || !errors.Is(err, ErrUnauthorized) {
			return err
		}
		c.tokens.drop(token)
	}
}

// tokenAnswer is the token endpoint's answer.
type tokenAnswer struct {
	AccessToken string          `json:"access_token"`
	TokenType   string          `json:"token_type"`
	ExpiresIn   json.RawMessage `json:"expires_in"`
}

// token returns the cached token or fetches a new one. One fetch runs at a time; callers that
// arrive meanwhile wait for it (or for their context) and use its result.
func (c *OneAccessClient) token(ctx context.Context) (string, error) {
	if tok, ok := c.tokens.valid(c.t.now()); ok {
		return tok, nil
	}
	select {
	case c.tokens.fetching <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("huaweicloud: oneaccess: waiting for an access token: %w", ctx.Err())
	}
	defer func() { <-c.tokens.fetching }()
	if tok, ok := c.tokens.valid(c.t.now()); ok {
		return tok, nil
	}

	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.clientID}, "client_secret": {*c.clientSecret}}
	var answer tokenAnswer
	err := c.t.do(ctx, apiCall{
		method:      http.MethodPost,
		path:        oneAccessTokenPath,
		body:        []byte(form.Encode()),
		contentType: "application/x-www-form-urlencoded",
		idempotent:  true, // a second token is harmless: a new token does not revoke the old one
		authorize:   func(*http.Request, []byte) error { return nil },
	}, &answer)
	if err != nil {
		return "", err
	}
	if answer.AccessToken == "" {
		return "", errors.New("huaweicloud: oneaccess: token answer has no access_token")
	}
	if answer.TokenType != "" && !strings.EqualFold(answer.TokenType, "bearer") {
		return "", fmt.Errorf("huaweicloud: oneaccess: unsupported token type %q", clean(answer.TokenType, 20))
	}
	lifetime := time.Duration(parseSeconds(answer.ExpiresIn, 1800)) * time.Second
	margin := min(c.refreshMargin, lifetime/2)
	c.tokens.store(answer.AccessToken, c.t.now().Add(lifetime-margin))
	return answer.AccessToken, nil
}

// parseSeconds reads expires_in, a number or a numeric string; fallback when absent or invalid.
func parseSeconds(raw json.RawMessage, fallback int64) int64 {
	n, err := strconv.ParseInt(rawText(raw), 10, 64)
	if err != nil || n <= 0 {
		return fallback
	}
	return min(n, 366*24*3600)
}

// tokenCache holds the current access token and, for scrubbing, every token this client used.
type tokenCache struct {
	fetching chan struct{} // one slot: held by the goroutine fetching a token

	mu       sync.Mutex
	token    string
	renewAt  time.Time
	everUsed []string
}

func newTokenCache() *tokenCache { return &tokenCache{fetching: make(chan struct{}, 1)} }

func (t *tokenCache) valid(now time.Time) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.token, t.token != "" && now.Before(t.renewAt)
}

func (t *tokenCache) store(token string, renewAt time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.token, t.renewAt = token, renewAt
	const keep = 8 // enough for errors in flight; older tokens are long expired
	t.everUsed = append(t.everUsed, token)
	if len(t.everUsed) > keep {
		t.everUsed = t.everUsed[len(t.everUsed)-keep:]
	}
}

// drop forgets token if it is still the current one (another caller may have replaced it).
func (t *tokenCache) drop(token string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token == token {
		t.token = ""
	}
}

func (t *tokenCache) all() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.everUsed...)
}
