package huaweicloud

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/orgsync/orgsync/internal/httpretry"
)

// DefaultUserAgent is sent when TransportOptions.UserAgent is empty; the retry and rate settings'
// defaults are httpretry's.
const DefaultUserAgent = "orgsync-huaweicloud-client"

// TransportOptions are the transport settings both clients take. Zero fields take the defaults.
type TransportOptions struct {
	// Options are the HTTP client, retry and rate settings.
	httpretry.Options
	// UserAgent is sent with every request; default "orgsync-huaweicloud-client".
	UserAgent string
	// Now is the clock for X-Sdk-Date and token expiry; default time.Now.
	Now func() time.Time
}

// transport runs calls against one service: rate limiting, per-attempt timeouts, retries.
type transport struct {
	service      string
	base         *url.URL
	httpClient   *http.Client
	retry        httpretry.Policy // its Sleep and Jitter are replaced in tests
	userAgent    string
	now          func() time.Time
	secrets      func() []string // scrubbed from error messages
	maxBodyBytes int64
}

func newTransport(service, endpoint string, opts TransportOptions, secrets func() []string) (*transport, error) {
	base, err := parseEndpoint(endpoint)
	if err != nil {
		return nil, fmt.Errorf("huaweicloud: %s endpoint: %w", service, err)
	}
	if opts.HasNegative() {
		return nil, errors.New("huaweicloud: durations, rates and counts must not be negative")
	}
	retry := opts.WithDefaults()
	t := &transport{
		service:      service,
		base:         base,
		httpClient:   retry.HTTPClient,
		retry:        retry.Policy(classify, ErrThrottled),
		userAgent:    cmp.Or(opts.UserAgent, DefaultUserAgent),
		now:          opts.Now,
		secrets:      secrets,
		maxBodyBytes: 4 << 20,
	}
	if t.now == nil {
		t.now = time.Now
	}
	return t, nil
}

// parseEndpoint accepts an https base URL, or http for a loopback host only (see
// httpretry.ParseEndpoint). A bare host name means https.
func parseEndpoint(raw string) (*url.URL, error) {
	if raw != "" && !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := httpretry.ParseEndpoint(raw)
	if err != nil {
		return nil, err
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// apiCall is one logical call; transport.do turns it into one or more attempts.
type apiCall struct {
	method string
	// path is appended to the base URL's path; its segments must already be escaped.
	path  string
	query url.Values
	// body is sent as-is on every attempt with contentType; nil for none.
	body        []byte
	contentType string
	// idempotent calls are retried after 5xx answers and network failures.
	idempotent bool
	// authorize adds the credentials to each attempt's request, after every other header is set.
	authorize func(req *http.Request, body []byte) error
}

// do runs the call with rate limiting and retries, and decodes a successful JSON answer into out
// (when out is non-nil and the body is not empty).
//
// Retries follow httpretry. Throttling and concurrent modification are retried for every method:
// the service refused the request before acting on it. 5xx answers and network failures are
// retried for idempotent calls only, and for others when the connection could not even be opened.
func (t *transport) do(ctx context.Context, c apiCall, out any) error {
	target, err := httpretry.Resolve(t.base, c.path, c.query.Encode())
	if err != nil {
		return fmt.Errorf("huaweicloud: %s %s %s: %w", t.service, c.method, c.path, err)
	}
	return t.retry.Do(ctx, httpretry.Call{
		Op:         "huaweicloud: " + t.service + " " + c.method + " " + target.EscapedPath(),
		Idempotent: c.idempotent,
		Attempt: func(attemptCtx context.Context, n int) error {
			err := t.attempt(ctx, attemptCtx, c, target, out)
			setAttempts(err, n)
			return err
		},
	})
}

// attempt sends one request and decodes its answer.
func (t *transport) attempt(ctx, attemptCtx context.Context, c apiCall, target *url.URL, out any) error {
	path := target.EscapedPath()
	op := "huaweicloud: " + t.service + " " + c.method + " " + path
	resp, err := httpretry.Send(ctx, attemptCtx, t.httpClient, t.retry.RequestTimeout, httpretry.Request{
		Op:          op,
		Method:      c.method,
		URL:         target,
		Body:        c.body,
		ContentType: c.contentType,
		UserAgent:   t.userAgent,
		Authorize:   func(req *http.Request) error { return c.authorize(req, c.body) },
	})
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	data, readErr := httpretry.ReadAtMost(resp.Body, -1, t.maxBodyBytes)

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		apiErr := newScrubbedAPIError(resp.StatusCode, data, t.secrets()...)
		apiErr.Service, apiErr.Method, apiErr.Path = t.service, c.method, path
		apiErr.RetryAfter = t.retry.RetryAfter(resp.Header.Get("Retry-After"), time.Now())
		return apiErr
	}
	if readErr != nil {
		return httpretry.NetworkFailure(ctx, attemptCtx, op, t.retry.RequestTimeout, readErr)
	}
	return httpretry.DecodeJSON(op, data, out)
}

func setAttempts(err error, n int) {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		apiErr.Attempts = n
	}
}

// redacted replaces secrets wherever they would otherwise be shown.
const redacted = "REDACTED"

func redact(secret string) string {
	if secret == "" {
		return ""
	}
	return redacted
}
