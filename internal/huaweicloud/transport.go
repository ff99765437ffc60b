package huaweicloud

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	target := *t.base
	target.Path = t.base.Path + mustUnescape(c.path)
	target.RawPath = t.base.EscapedPath() + c.path
	target.RawQuery = c.query.Encode()
	return t.retry.Do(ctx, httpretry.Call{
		Op:         "huaweicloud: " + t.service + " " + c.method + " " + target.EscapedPath(),
		Idempotent: c.idempotent,
		Attempt: func(attemptCtx context.Context, n int) error {
			err := t.attempt(ctx, attemptCtx, c, &target, out)
			setAttempts(err, n)
			return err
		},
	})
}

func mustUnescape(escaped string) string {
	if p, err := url.PathUnescape(escaped); err == nil {
		return p
	}
	return escaped
}

// attempt sends one request and decodes its answer.
func (t *transport) attempt(ctx, attemptCtx context.Context, c apiCall, target *url.URL, out any) error {
	path := target.EscapedPath()

	var body io.Reader = http.NoBody
	if c.body != nil {
		body = bytes.NewReader(c.body)
	}
	req, err := http.NewRequestWithContext(attemptCtx, c.method, target.String(), body)
	if err != nil {
		return fmt.Errorf("huaweicloud: %s %s %s: building request: %w", t.service, c.method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", t.userAgent)
	if c.body != nil {
		req.Header.Set("Content-Type", c.contentType)
	}
	if err := c.authorize(req, c.body); err != nil {
		return err
	}

	resp, err := t.httpClient.Do(req)
	if err != nil {
		return t.networkFailure(ctx, attemptCtx, c.method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, readErr := readAtMost(resp.Body, t.maxBodyBytes)

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		apiErr := newScrubbedAPIError(resp.StatusCode, data, t.secrets()...)
		apiErr.Service, apiErr.Method, apiErr.Path = t.service, c.method, path
		apiErr.RetryAfter = t.retry.RetryAfter(resp.Header.Get("Retry-After"), time.Now())
		return apiErr
	}
	if readErr != nil {
		return t.networkFailure(ctx, attemptCtx, c.method, path, readErr)
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("huaweicloud: %s %s %s: decoding response: %w", t.service, c.method, path, err)
	}
	return nil
}

var errBodyTooLarge = errors.New("response body too large")

// readAtMost reads the body, failing when it is longer than limit.
func readAtMost(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if int64(len(data)) > limit {
		return data[:limit], errBodyTooLarge
	}
	return data, err
}

// networkFailure explains an attempt without a complete answer (see httpretry.NetworkFailure).
func (t *transport) networkFailure(ctx, attemptCtx context.Context, method, path string, err error) error {
	return httpretry.NetworkFailure(ctx, attemptCtx, "huaweicloud: "+t.service+" "+method+" "+path, t.retry.RequestTimeout, err)
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
