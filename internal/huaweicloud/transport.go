package huaweicloud

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Defaults applied to zero TransportOptions fields.
const (
	DefaultMaxAttempts      = 5
	DefaultRequestTimeout   = 30 * time.Second
	DefaultBaseBackoff      = 200 * time.Millisecond
	DefaultMaxBackoff       = 10 * time.Second
	DefaultMaxRetryDuration = 2 * time.Minute
	DefaultQPS              = 10
	DefaultBurst            = 20
	DefaultUserAgent        = "orgsync-huaweicloud-client"
)

// TransportOptions are the transport settings both clients take. Zero fields take the defaults.
type TransportOptions struct {
	// HTTPClient is shared by all requests; one is built when nil. Its Timeout should be zero or
	// longer than RequestTimeout, and it should not follow redirects.
	HTTPClient *http.Client
	// RequestTimeout bounds each attempt; default 30s.
	RequestTimeout time.Duration
	// Limiter, when set, is used as-is and may be shared by every client that talks to the same
	// service with the same credentials. When nil, one is built from QPS and Burst.
	Limiter *rate.Limiter
	// QPS and Burst shape the limiter built when Limiter is nil; defaults 10 and 20.
	QPS   float64
	Burst int
	// MaxAttempts is the number of attempts per call, the first included; default 5.
	MaxAttempts int
	// MaxRetryDuration bounds the time a call spends retrying; default 2m. A retry whose wait
	// would end after this budget, or after the context's deadline, is not made.
	MaxRetryDuration time.Duration
	// BaseBackoff and MaxBackoff shape the exponential backoff with full jitter; defaults 200ms
	// and 10s. A longer Retry-After from the server wins.
	BaseBackoff, MaxBackoff time.Duration
	// UserAgent is sent with every request; default "orgsync-huaweicloud-client".
	UserAgent string
	// Now is the clock for X-Sdk-Date and token expiry; default time.Now.
	Now func() time.Time
}

// transport runs calls against one service: rate limiting, per-attempt timeouts, retries.
type transport struct {
	service          string
	base             *url.URL
	httpClient       *http.Client
	limiter          *rate.Limiter
	requestTimeout   time.Duration
	maxAttempts      int
	maxRetryDuration time.Duration
	baseBackoff      time.Duration
	maxBackoff       time.Duration
	userAgent        string
	now              func() time.Time
	sleep            func(ctx context.Context, d time.Duration) error // replaced in tests
	jitter           func(ceiling time.Duration) time.Duration        // replaced in tests
	secrets          func() []string                                  // scrubbed from error messages
	maxBodyBytes     int64
}

func newTransport(service, endpoint string, opts TransportOptions, secrets func() []string) (*transport, error) {
	base, err := parseEndpoint(endpoint)
	if err != nil {
		return nil, fmt.Errorf("huaweicloud: %s endpoint: %w", service, err)
	}
	if opts.RequestTimeout < 0 || opts.MaxRetryDuration < 0 || opts.BaseBackoff < 0 || opts.MaxBackoff < 0 ||
		opts.QPS < 0 || opts.Burst < 0 || opts.MaxAttempts < 0 {
		return nil, errors.New("huaweicloud: durations, rates and counts must not be negative")
	}
	t := &transport{
		service:          service,
		base:             base,
		httpClient:       opts.HTTPClient,
		limiter:          opts.Limiter,
		requestTimeout:   cmpOr(opts.RequestTimeout, DefaultRequestTimeout),
		maxAttempts:      cmpOr(opts.MaxAttempts, DefaultMaxAttempts),
		maxRetryDuration: cmpOr(opts.MaxRetryDuration, DefaultMaxRetryDuration),
		baseBackoff:      cmpOr(opts.BaseBackoff, DefaultBaseBackoff),
		userAgent:        cmpOr(opts.UserAgent, DefaultUserAgent),
		now:              opts.Now,
		sleep:            sleepCtx,
		jitter:           jitter,
		secrets:          secrets,
		maxBodyBytes:     4 << 20,
	}
	t.maxBackoff = max(cmpOr(opts.MaxBackoff, DefaultMaxBackoff), t.baseBackoff)
	if t.now == nil {
		t.now = time.Now
	}
	if t.httpClient == nil {
		t.httpClient = defaultHTTPClient()
	}
	if t.limiter == nil {
		t.limiter = rate.NewLimiter(rate.Limit(cmpOr(opts.QPS, DefaultQPS)), cmpOr(opts.Burst, DefaultBurst))
	}
	return t, nil
}

func cmpOr[T comparable](v, fallback T) T {
	var zero T
	if v == zero {
		return fallback
	}
	return v
}

// parseEndpoint accepts an https base URL, or http for a loopback host only: anything else would
// send tokens and signed requests in clear text. A bare host name means https.
func parseEndpoint(raw string) (*url.URL, error) {
	if raw != "" && !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, errors.New("not a valid URL")
	case u.Host == "" || u.Opaque != "":
		return nil, fmt.Errorf("%q has no host", raw)
	case u.User != nil:
		return nil, errors.New("must not carry user information")
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return nil, fmt.Errorf("%q must not have a query or fragment", raw)
	case u.Scheme == "http" && !loopbackHost(u.Hostname()):
		return nil, fmt.Errorf("%q: http is only allowed for loopback hosts; use https", raw)
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, fmt.Errorf("%q: scheme must be https", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// defaultHTTPClient has its own transport, no overall timeout (each attempt has one) and does not
// follow redirects, so credentials never go to a Location elsewhere.
func defaultHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 32
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
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
// Throttling and concurrent modification are retried for every method: the service refused the
// request before acting on it. 5xx answers and network failures are retried for idempotent calls
// only, and for others when the connection could not even be opened. Attempts are bounded by
// MaxAttempts and MaxRetryDuration; a wait that would end after the budget or the context's
// deadline is not started.
func (t *transport) do(ctx context.Context, c apiCall, out any) error {
	target := *t.base
	target.Path = t.base.Path + mustUnescape(c.path)
	target.RawPath = t.base.EscapedPath() + c.path
	target.RawQuery = c.query.Encode()
	path := target.EscapedPath()

	giveUpAt := time.Now().Add(t.maxRetryDuration)
	var last error
	for attempt := 1; ; attempt++ {
		if err := t.limiter.Wait(ctx); err != nil {
			return t.limiterFailure(ctx, c.method, path, err, last)
		}
		err := t.attempt(ctx, c, &target, out)
		if err == nil {
			return nil
		}
		setAttempts(err, attempt)
		last = err
		if attempt >= t.maxAttempts || ctx.Err() != nil || !retryable(c, err) {
			return err
		}
		wait := t.backoff(attempt, serverWait(err))
		wakeAt := time.Now().Add(wait)
		if deadline, ok := ctx.Deadline(); wakeAt.After(giveUpAt) || (ok && wakeAt.After(deadline)) {
			return err
		}
		if sleepErr := t.sleep(ctx, wait); sleepErr != nil {
			return fmt.Errorf("%w (retry abandoned: %w)", err, sleepErr)
		}
	}
}

func mustUnescape(escaped string) string {
	if p, err := url.PathUnescape(escaped); err == nil {
		return p
	}
	return escaped
}

// attempt sends one request and decodes its answer.
func (t *transport) attempt(ctx context.Context, c apiCall, target *url.URL, out any) error {
	attemptCtx, cancel := context.WithTimeout(ctx, t.requestTimeout)
	defer cancel()
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
		apiErr := newAPIError(resp.StatusCode, data)
		apiErr.Service, apiErr.Method, apiErr.Path = t.service, c.method, path
		apiErr.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
		t.scrub(apiErr)
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

// networkFailure classifies an attempt without a complete answer. The caller's context ending is
// returned as such; a per-attempt timeout or a connection failure is a retryable networkError.
func (t *transport) networkFailure(ctx, attemptCtx context.Context, method, path string, err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err // the URL would repeat the query; method and path say enough
	}
	if ctx.Err() != nil {
		return fmt.Errorf("huaweicloud: %s %s %s: %w", t.service, method, path, ctx.Err())
	}
	if errors.Is(attemptCtx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("attempt timed out after %s: %w", t.requestTimeout, err)
	}
	return &networkError{service: t.service, method: method, path: path, err: err}
}

// limiterFailure reports a call the rate limiter could not admit: the context ended, or its
// deadline comes before a token would (reported as ErrThrottled: the client throttles itself).
func (t *transport) limiterFailure(ctx context.Context, method, path string, err, last error) error {
	cause := fmt.Errorf("huaweicloud: %s %s %s: rate limiter: %w: %v", t.service, method, path, ErrThrottled, err)
	if ctx.Err() != nil {
		cause = fmt.Errorf("huaweicloud: %s %s %s: waiting for the rate limiter: %w", t.service, method, path, ctx.Err())
	}
	if last != nil {
		return fmt.Errorf("%w (retry abandoned: %w)", last, cause)
	}
	return cause
}

// scrub removes the client's secrets from what the server sent back.
func (t *transport) scrub(e *APIError) {
	for _, s := range t.secrets() {
		if s != "" {
			e.Message = strings.ReplaceAll(e.Message, s, redacted)
			e.Code = strings.ReplaceAll(e.Code, s, redacted)
			e.RequestID = strings.ReplaceAll(e.RequestID, s, redacted)
		}
	}
}

func retryable(c apiCall, err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		if errors.Is(apiErr, ErrThrottled) || errors.Is(apiErr, ErrConcurrentModification) {
			return true
		}
		return c.idempotent && errors.Is(apiErr, ErrUnavailable)
	}
	var netErr *networkError
	return errors.As(err, &netErr) && (c.idempotent || netErr.neverSent())
}

func setAttempts(err error, n int) {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		apiErr.Attempts = n
	}
	var netErr *networkError
	if errors.As(err, &netErr) {
		netErr.attempts = n
	}
}

func serverWait(err error) time.Duration {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.RetryAfter
	}
	return 0
}

// backoff is the wait before attempt+1: full jitter below BaseBackoff·2^(attempt-1), capped at
// MaxBackoff, but never shorter than the server's Retry-After.
func (t *transport) backoff(attempt int, serverAsked time.Duration) time.Duration {
	ceiling := t.maxBackoff
	if shift := attempt - 1; shift < 32 && t.baseBackoff<<shift > 0 && t.baseBackoff<<shift < t.maxBackoff {
		ceiling = t.baseBackoff << shift
	}
	return max(t.jitter(ceiling), serverAsked)
}

func jitter(ceiling time.Duration) time.Duration {
	if ceiling <= 0 {
		return 0
	}
	return rand.N(ceiling + 1)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-time.After(d): // collected once it fires or is unreachable (Go 1.23+)
		return nil
	case <-ctx.Done():
		return ctx.Err()
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
