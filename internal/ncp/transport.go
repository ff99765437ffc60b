package ncp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// call is one logical API call; do turns it into one or more attempts.
type call struct {
	method string
	base   *url.URL
	// path is the escaped path appended to the base URL's path; segments
	// from user input must already be escaped with url.PathEscape.
	path string
	// query is the encoded query string, without "?".
	query string
	// body is encoded as JSON once and re-sent on every attempt.
	body any
}

// do runs c with rate limiting, signing and retries, and decodes a
// successful response body into out (when out is non-nil and a body came).
//
// Retries: throttling (429, 403 COMMON_104) is retried for every method.
// 5xx and network failures are retried for GET, PUT and DELETE only: a POST
// that may have reached the server is not repeated, the caller observes and
// decides (a POST whose connection could not even be opened is retried).
// Attempts are bounded by MaxAttempts and MaxRetryDuration; a wait that would
// end after the budget or the context's deadline is not started.
func (c *Client) do(ctx context.Context, cl call, out any) error {
	var payload []byte
	if cl.body != nil {
		var err error
		if payload, err = json.Marshal(cl.body); err != nil {
			return fmt.Errorf("ncp: %s %s: encoding request: %w", cl.method, cl.path, err)
		}
	}
	target, err := resolve(cl.base, cl.path, cl.query)
	if err != nil {
		return fmt.Errorf("ncp: %s %s: %w", cl.method, cl.path, err)
	}

	deadline := time.Now().Add(c.maxRetryDuration)
	var lastErr error
	for attempt := 1; ; attempt++ {
		if err := c.limiter.Wait(ctx); err != nil {
			return c.limiterError(ctx, cl.method, target.EscapedPath(), err, lastErr)
		}
		err := c.attempt(ctx, cl.method, target, payload, out)
		if err == nil {
			return nil
		}
		recordAttempts(err, attempt)
		lastErr = err
		if attempt >= c.maxAttempts || !shouldRetry(cl.method, err) || ctx.Err() != nil {
			return err
		}
		wait := c.backoff(attempt, retryAfterOf(err))
		wakeUp := time.Now().Add(wait)
		if wakeUp.After(deadline) {
			return err
		}
		if ctxDeadline, ok := ctx.Deadline(); ok && wakeUp.After(ctxDeadline) {
			return err
		}
		if sleepErr := c.sleep(ctx, wait); sleepErr != nil {
			return fmt.Errorf("%w (retry abandoned: %w)", err, sleepErr)
		}
	}
}

// resolve appends an escaped path and a query to base, keeping Path and
// RawPath consistent so that RequestURI() (what is signed) is exactly what
// net/http puts on the request line.
func resolve(base *url.URL, escapedPath, query string) (*url.URL, error) {
	u := *base
	u.RawPath = base.EscapedPath() + escapedPath
	path, err := url.PathUnescape(u.RawPath)
	if err != nil {
		return nil, fmt.Errorf("invalid path: %w", err)
	}
	u.Path = path
	u.RawQuery = query
	return &u, nil
}

// attempt sends one signed request and decodes its response.
func (c *Client) attempt(ctx context.Context, method string, target *url.URL, payload []byte, out any) error {
	attemptCtx, cancel := context.WithTimeout(ctx, c.requestTimeout)
	defer cancel()

	body := io.Reader(http.NoBody)
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(attemptCtx, method, target.String(), body)
	if err != nil {
		return fmt.Errorf("ncp: %s %s: building request: %w", method, target.EscapedPath(), err)
	}
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	req.Header.Set("User-Agent", c.userAgent)
	c.signRequest(req)

	path := req.URL.EscapedPath()
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return c.transportError(ctx, attemptCtx, method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// A truncated body simply fails to decode and yields the status text.
		data, _ := readLimited(resp.Body, resp.ContentLength, c.maxErrorBodyBytes)
		apiErr := decodeAPIError(resp.StatusCode, data)
		apiErr.Method = method
		apiErr.Path = path
		apiErr.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		c.scrub(apiErr)
		return apiErr
	}

	data, err := readLimited(resp.Body, resp.ContentLength, c.maxResponseBytes)
	if err != nil {
		if errors.Is(err, errBodyTooLarge) {
			return fmt.Errorf("ncp: %s %s: response body larger than %d bytes", method, path, c.maxResponseBytes)
		}
		return c.transportError(ctx, attemptCtx, method, path, err)
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("ncp: %s %s: decoding response: %w", method, path, err)
	}
	return nil
}

// transportError classifies an attempt that got no (complete) response. The
// caller's context ending is returned as such and is not retried; a
// per-attempt timeout or a connection failure is a retryable networkError.
func (c *Client) transportError(ctx, attemptCtx context.Context, method, path string, err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err // the URL is already in the message as method and path
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("ncp: %s %s: %w", method, path, ctxErr)
	}
	if errors.Is(attemptCtx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("attempt timed out after %s: %w", c.requestTimeout, err)
	}
	return &networkError{method: method, path: path, err: err}
}

// limiterError reports a call that could not get a token from the rate
// limiter: the context ended, or the wait would outlast its deadline
// (reported as ErrThrottled: the client is throttling itself).
func (c *Client) limiterError(ctx context.Context, method, path string, err, lastErr error) error {
	var cause error
	if ctxErr := ctx.Err(); ctxErr != nil {
		cause = fmt.Errorf("ncp: %s %s: waiting for the rate limiter: %w", method, path, ctxErr)
	} else {
		cause = fmt.Errorf("ncp: %s %s: rate limiter: %w: %v", method, path, ErrThrottled, err)
	}
	if lastErr != nil {
		return fmt.Errorf("%w (retry abandoned: %w)", lastErr, cause)
	}
	return cause
}

// scrub removes the client's secrets from anything the server sent back.
func (c *Client) scrub(e *APIError) {
	for _, secret := range []string{c.creds.SecretKey, c.creds.APIGatewayKey} {
		if secret == "" {
			continue
		}
		e.Message = strings.ReplaceAll(e.Message, secret, redacted)
		e.Code = strings.ReplaceAll(e.Code, secret, redacted)
	}
}

func shouldRetry(method string, err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		if apiErr.throttled() {
			return true
		}
		return method != http.MethodPost && errors.Is(apiErr, ErrUnavailable)
	}
	var netErr *networkError
	if errors.As(err, &netErr) {
		return method != http.MethodPost || netErr.notSent()
	}
	return false
}

func recordAttempts(err error, attempts int) {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		apiErr.Attempts = attempts
	}
	var netErr *networkError
	if errors.As(err, &netErr) {
		netErr.attempts = attempts
	}
}

func retryAfterOf(err error) time.Duration {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.RetryAfter
	}
	return 0
}

// backoff returns the wait before attempt+1: full jitter over an exponential
// ceiling (BaseBackoff doubled per attempt, at most MaxBackoff), but never
// less than the server's Retry-After.
func (c *Client) backoff(attempt int, retryAfter time.Duration) time.Duration {
	ceiling := c.baseBackoff
	for i := 1; i < attempt && ceiling < c.maxBackoff; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, c.maxBackoff)
	wait := c.jitter(ceiling)
	if retryAfter > wait {
		wait = retryAfter
	}
	return wait
}

// fullJitter returns a uniformly random duration in [0, ceiling].
func fullJitter(ceiling time.Duration) time.Duration {
	if ceiling <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(ceiling) + 1))
}

func sleepContext(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

var errBodyTooLarge = errors.New("body too large")

// readLimited reads at most limit bytes of r; a longer body is an error.
// size is the announced length (-1 when unknown), used only to size the buffer.
func readLimited(r io.Reader, size, limit int64) ([]byte, error) {
	if size > limit {
		return nil, errBodyTooLarge
	}
	var buf bytes.Buffer
	if size > 0 {
		buf.Grow(int(size) + 1) // +1: ReadFrom needs room to see EOF without growing
	}
	_, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	data := buf.Bytes()
	if err != nil {
		return data, err
	}
	if int64(len(data)) > limit {
		return data[:limit], errBodyTooLarge
	}
	return data, nil
}
