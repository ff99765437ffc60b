package huaweicloud

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/orgsync/orgsync/internal/httpretry"
	"github.com/orgsync/orgsync/internal/scrub"
)

// OneAccess defaults.
const (
	// DefaultOneAccessPageSize is the limit (page size) of list calls.
	DefaultOneAccessPageSize = 100
	// MinOneAccessPageSize and MaxOneAccessPageSize bound the limit OneAccess accepts.
	MinOneAccessPageSize = 10
	MaxOneAccessPageSize = 100
	// DefaultTokenRefreshMargin is how long before its expiry a cached token is replaced.
	DefaultTokenRefreshMargin = time.Minute
	// DefaultCategory is the category OneAccess gives a unit created without one.
	DefaultCategory = "department"
)

// OneAccess API paths.
const (
	oneAccessTokenPath = "/api/v2/tenant/token" //nolint:gosec // G101: a URL path, not a credential
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
	// PageSize is the limit (page size) of list calls, 10 to 100: a smaller one is raised to 10, a
	// larger one lowered to 100. Default 100.
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
	maxListed     int // the most units one listing takes
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

// OrgUnitUpdate holds the fields an update changes; nil fields are left as they are, and so are
// empty ones: UpdateOrganization's reference says code and name "if left empty, are not changed",
// and the other fields are optional. So no update moves a unit to the top level.
type OrgUnitUpdate struct {
	Code, Name, ParentID, Category *string
}

// ListOrgUnitsOptions select what a listing holds, as Huawei's ListOrganizations reference
// defines it:
//
//	OrgID  AllChildren  the listing holds
//	""     false        the root units only (no parent)
//	""     true         every unit except the roots
//	X      false        X itself and its direct children
//	X      true         X itself and all its descendants
//
// So no single listing holds the whole tenant; ListAllOrgUnits reads it as two.
type ListOrgUnitsOptions struct {
	// OrgID is org_id on the wire.
	OrgID string
	// AllChildren is all_child on the wire.
	AllChildren bool
}

// OrgUnitPage is one page of a listing.
type OrgUnitPage struct {
	Units []OrgUnit
	// Total is the number of units the listing holds, on all its pages.
	Total int
	// Limit is the page size asked for.
	Limit int
}

// NewOneAccess validates cfg, applies defaults and returns a client.
func NewOneAccess(cfg OneAccessConfig) (*OneAccessClient, error) {
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("huaweicloud: OneAccess client ID and client secret are required")
	}
	if cfg.Endpoint == "" {
		return nil, errors.New("huaweicloud: OneAccess endpoint (the tenant domain) is required")
	}
	if cfg.PageSize < 0 || cfg.TokenRefreshMargin < 0 {
		return nil, errors.New("huaweicloud: OneAccess PageSize and TokenRefreshMargin must not be negative")
	}
	secret := cfg.ClientSecret
	c := &OneAccessClient{
		clientID:      cfg.ClientID,
		clientSecret:  &secret,
		pageSize:      clampPageSize(cmp.Or(cfg.PageSize, DefaultOneAccessPageSize)),
		maxListed:     cmp.Or(cfg.MaxListed, httpretry.DefaultMaxListed),
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
func (c *OneAccessClient) Limiter() *httpretry.Throttle { return c.t.retry.Limiter }

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
	return OrgUnit{ID: w.OrgID, Code: cmp.Or(w.OrgCode, w.Code), Name: w.Name, ParentID: w.ParentID, Category: w.Category}
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

// GetOrgUnit returns the unit with the org_id. ErrNotFound only for a 404: a tenant may answer a
// unit that does not exist with a 400 of its own (ErrUnrecognized), which proves nothing.
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

// DeleteOrgUnit deletes the unit. While it has children OneAccess refuses; Huawei documents no
// code for that, so the refusal is ErrHasChildren only with the code huaweifake uses (ORG.0017),
// and otherwise an error matching ErrUnrecognized, never success. A retried DELETE whose first
// attempt succeeded reports ErrNotFound (a 404): callers treat it as deleted.
func (c *OneAccessClient) DeleteOrgUnit(ctx context.Context, id string) error {
	return c.do(ctx, apiCall{method: http.MethodDelete, path: unitPath(id), idempotent: true}, nil)
}

// ListOrgUnitsPage returns page number page (0 is the first) of the listing opts select, in pages
// of limit units. A limit of 0 means the configured page size; any other is brought into 10..100,
// the range OneAccess accepts.
func (c *OneAccessClient) ListOrgUnitsPage(ctx context.Context, opts ListOrgUnitsOptions, page, limit int) (OrgUnitPage, error) {
	if page < 0 {
		return OrgUnitPage{}, fmt.Errorf("huaweicloud: oneaccess: page number %d is negative", page)
	}
	limit = clampPageSize(cmp.Or(limit, c.pageSize))
	q := url.Values{
		"offset":    {strconv.Itoa(page)},
		"limit":     {strconv.Itoa(limit)},
		"all_child": {strconv.FormatBool(opts.AllChildren)},
	}
	if opts.OrgID != "" {
		q.Set("org_id", opts.OrgID)
	}
	var answer listOrgUnitsAnswer
	if err := c.do(ctx, apiCall{method: http.MethodGet, path: oneAccessOrgsPath, query: q, idempotent: true}, &answer); err != nil {
		return OrgUnitPage{}, err
	}
	result := OrgUnitPage{Total: answer.Total, Limit: limit, Units: make([]OrgUnit, 0, len(answer.Organizations))}
	for _, w := range answer.Organizations {
		result.Units = append(result.Units, w.unit())
	}
	return result, nil
}

// ListOrgUnitsMatching returns every unit of the listing opts select (see ListOrgUnitsOptions:
// without OrgID that is not the whole tenant), read page by page in pages of the configured size
// until its pages add up (see readListing). A unit seen twice (the listing shifted while it was
// read) is returned once, as last seen. Any failed page, and a listing that does not add up after
// listAttempts readings, fails the call: it never returns part of a listing.
func (c *OneAccessClient) ListOrgUnitsMatching(ctx context.Context, opts ListOrgUnitsOptions) ([]OrgUnit, error) {
	var units unitSet
	if err := c.readListing(ctx, opts, &units); err != nil {
		return nil, err
	}
	return units.list, nil
}

// ListAllOrgUnits returns every unit of the tenant, each once: the roots, then the listing of
// every other unit, each read page by page until it adds up (see ListOrgUnitsMatching). A unit
// moved between the two listings while they were read is returned once, as last seen; a unit
// created, moved or deleted meanwhile may be missing or stale, as with any paged read. Any failed
// page fails the call: it never returns part of the tenant.
func (c *OneAccessClient) ListAllOrgUnits(ctx context.Context) ([]OrgUnit, error) {
	var units unitSet
	for _, opts := range []ListOrgUnitsOptions{{}, {AllChildren: true}} {
		if err := c.readListing(ctx, opts, &units); err != nil {
			var incomplete *ListingError
			if errors.As(err, &incomplete) {
				for _, u := range incomplete.Read {
					units.add(u)
				}
				incomplete.Read = units.list
			}
			return nil, err
		}
	}
	return units.list, nil
}

// listAttempts is how many times a listing whose pages do not add up is read before it is
// reported.
const listAttempts = 3

// ErrIncompleteListing matches a *ListingError.
var ErrIncompleteListing = errors.New("huaweicloud: OneAccess listing incomplete")

// ListingError says how a OneAccess listing's pages did not add up, in its last reading. It is
// retryable: the listing may add up when read again (a tenant whose page numbering defeats the
// client will not).
type ListingError struct {
	// Listing is what the listing selects.
	Listing ListOrgUnitsOptions
	// Distinct is how many distinct units (by org_id) were read; Total the total the first page
	// reported.
	Distinct, Total int
	// Pages is how many pages were read.
	Pages int
	// PagesFromOne is set when page 1 repeated page 0 exactly: the tenant numbers pages from 1
	// and reads 0 as 1, so the pages after it were asked for as 2, 3, ...
	PagesFromOne bool
	// Reason says what did not add up.
	Reason string
	// Attempts is how many times the listing was read.
	Attempts int
	// Read holds the distinct units read before the listing was found not to add up (with
	// ListAllOrgUnits, those of the listings before it too): they exist (or did while it ran),
	// but a unit missing from them may exist too.
	Read []OrgUnit
}

func (e *ListingError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "huaweicloud: OneAccess listing incomplete: %d distinct units of %d after %d pages", e.Distinct, e.Total, e.Pages)
	if e.PagesFromOne {
		b.WriteString(" (page 1 repeated page 0: read as pages numbered from 1)")
	}
	fmt.Fprintf(&b, ": %s (listing of %s", e.Reason, describeListing(e.Listing))
	if e.Attempts > 1 {
		fmt.Fprintf(&b, ", read %d times", e.Attempts)
	}
	b.WriteString(")")
	return b.String()
}

// Is makes a ListingError match ErrIncompleteListing.
func (e *ListingError) Is(target error) bool { return target == ErrIncompleteListing }

func describeListing(opts ListOrgUnitsOptions) string {
	switch {
	case opts.OrgID == "" && !opts.AllChildren:
		return "the root units"
	case opts.OrgID == "":
		return "every unit except the roots"
	case !opts.AllChildren:
		return fmt.Sprintf("org_id %s and its children", opts.OrgID)
	}
	return fmt.Sprintf("org_id %s and its descendants", opts.OrgID)
}

// readListing adds every unit of one listing to units once its pages add up (see
// readListingOnce). A listing that does not is read again after a backoff, up to listAttempts
// times, and then reported as a *ListingError; units then holds nothing of it.
func (c *OneAccessClient) readListing(ctx context.Context, opts ListOrgUnitsOptions, units *unitSet) error {
	for attempt := 1; ; attempt++ {
		// The units read before (the roots, for the listing of the others) count against the bound
		// of the whole chart.
		read, err := c.readListingOnce(ctx, opts, c.maxListed-len(units.list))
		if err == nil {
			for _, u := range read.list {
				units.add(u)
			}
			return nil
		}
		var incomplete *ListingError
		if !errors.As(err, &incomplete) {
			return err
		}
		incomplete.Attempts = attempt
		if attempt == listAttempts {
			return err
		}
		if waitErr := c.t.retry.Backoff(ctx, "huaweicloud: oneaccess: listing", attempt); waitErr != nil {
			return fmt.Errorf("%w (not listed again: %v)", err, waitErr)
		}
	}
}

// readListingOnce reads one listing page by page number and returns it when it adds up: as many
// distinct units as the total it reported. Rows are never counted: a unit a concurrent change
// shifted onto the next page is read twice and counted once. Paging goes on until every distinct
// unit is read; a page that comes back empty or short, or that adds no unit, before that, a total
// that changes while paging (the tenant changed under the listing) and more distinct units than
// the total are a *ListingError.
//
// Huawei's reference makes offset a page number from 0. A tenant that numbers pages from 1 and
// reads 0 as 1 answers page 1 with page 0 again: when page 1 repeats page 0 exactly, paging goes on
// from page 2, which such a tenant answers with the second page.
func (c *OneAccessClient) readListingOnce(ctx context.Context, opts ListOrgUnitsOptions, allowance int) (unitSet, error) {
	var (
		read         unitSet
		total        int
		pages        int
		firstPage    []string // org_ids of page 0, in order
		pagesFromOne bool
	)
	incomplete := func(reason string, args ...any) error {
		return &ListingError{Listing: opts, Distinct: len(read.list), Total: total, Pages: pages, PagesFromOne: pagesFromOne,
			Reason: fmt.Sprintf(reason, args...), Read: read.list}
	}
	for page := 0; ; page++ {
		p, err := c.ListOrgUnitsPage(ctx, opts, page, c.pageSize)
		if err != nil {
			return unitSet{}, fmt.Errorf("huaweicloud: oneaccess: listing page %d (org_id %q, all_child %t): %w", page, opts.OrgID, opts.AllChildren, err)
		}
		pages++
		switch {
		case page == 0:
			total = p.Total
			firstPage = unitIDs(p.Units)
		case p.Total != total:
			return unitSet{}, incomplete("the total changed to %d on page %d: the tenant changed while it was listed", p.Total, page)
		case page == 1 && len(firstPage) > 0 && slices.Equal(unitIDs(p.Units), firstPage):
			pagesFromOne = true
			continue
		}
		switch {
		case len(p.Units) > p.Limit:
			// More than asked for: nothing but the page's size bounds what one answer may hold.
			return unitSet{}, incomplete("page %d held %d units, more than the %d asked for", page, len(p.Units), p.Limit)
		case total > allowance:
			return unitSet{}, incomplete("the tenant holds more than the %d units a listing takes (--max-remote-departments)", c.maxListed)
		}
		before := len(read.list)
		for _, u := range p.Units {
			read.add(u)
		}
		switch {
		case len(read.list) == total:
			return read, nil
		case len(read.list) > total:
			return unitSet{}, incomplete("more distinct units than the total")
		case len(p.Units) == 0:
			return unitSet{}, incomplete("page %d came back empty", page)
		case len(p.Units) < p.Limit:
			return unitSet{}, incomplete("page %d came back short (%d of %d)", page, len(p.Units), p.Limit)
		case len(read.list) == before:
			return unitSet{}, incomplete("page %d held no unit not already read", page)
		}
	}
}

func unitIDs(units []OrgUnit) []string {
	ids := make([]string, len(units))
	for i, u := range units {
		ids[i] = u.ID
	}
	return ids
}

// unitSet holds units in the order first seen, each org_id once.
type unitSet struct {
	list  []OrgUnit
	index map[string]int // org_id → position in list
}

func (s *unitSet) add(u OrgUnit) {
	if i, seen := s.index[u.ID]; seen {
		s.list[i] = u
		return
	}
	if s.index == nil {
		s.index = make(map[string]int)
	}
	if u.ID != "" {
		s.index[u.ID] = len(s.list)
	}
	s.list = append(s.list, u)
}

// FindByCode returns the unit with the code. The API addresses units by org_id only, so this reads
// the whole tenant (ListAllOrgUnits); callers remember the org_id once found. ErrNotFound means
// the tenant was read completely and no unit has the code.
func (c *OneAccessClient) FindByCode(ctx context.Context, code string) (OrgUnit, error) {
	units, err := c.ListAllOrgUnits(ctx)
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

func clampPageSize(n int) int { return min(max(n, MinOneAccessPageSize), MaxOneAccessPageSize) }

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
			// Documented as mandatory on every call, those without a body included.
			req.Header.Set("Content-Type", oneAccessJSON)
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
		return "", credentialsRefused(err)
	}
	if answer.AccessToken == "" {
		return "", errors.New("huaweicloud: oneaccess: token answer has no access_token")
	}
	if answer.TokenType != "" && !strings.EqualFold(answer.TokenType, "bearer") {
		return "", fmt.Errorf("huaweicloud: oneaccess: unsupported token type %q", scrub.Clean(answer.TokenType, 20))
	}
	lifetime := time.Duration(parseSeconds(answer.ExpiresIn, 1800)) * time.Second
	margin := min(c.refreshMargin, lifetime/2)
	c.tokens.store(answer.AccessToken, c.t.now().Add(lifetime-margin))
	return answer.AccessToken, nil
}

// credentialsRefused makes a refused token request ErrUnauthorized and only that. The token API
// reference documents one refusal, 400 {"error_code","error_msg"}, and it means the client ID or
// secret is wrong; a 401 is read the same way. Other failures (throttling, 5xx, network) are
// returned as they are.
func credentialsRefused(err error) error {
	var apiErr *APIError
	if !errors.As(err, &apiErr) || (apiErr.StatusCode != http.StatusBadRequest && apiErr.StatusCode != http.StatusUnauthorized) {
		return err
	}
	apiErr.kinds = []error{ErrUnauthorized}
	return fmt.Errorf("huaweicloud: oneaccess: the client ID or client secret was refused: %w", err)
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
