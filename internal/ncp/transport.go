package ncp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/orgsync/orgsync/internal/httpretry"
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
// Retries follow httpretry: throttling (429, 403 COMMON_104) is retried for
// every method; 5xx and network failures for GET, PUT and DELETE only: a POST
// that may have reached the server is not repeated, the caller observes and
// decides (a POST whose connection could not even be opened is retried).
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
	return c.retry.Do(ctx, httpretry.Call{
		Op:         "ncp: " + cl.method + " " + target.EscapedPath(),
		Idempotent: cl.method != http.MethodPost,
		Attempt: func(attemptCtx context.Context, n int) error {
			err := c.attempt(ctx, attemptCtx, cl.method, target, payload, out)
			recordAttempts(err, n)
			return err
		},
	})
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
func (c *Client) attempt(ctx, attemptCtx context.Context, method string, target *url.URL, payload []byte, out any) error {
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
		return httpretry.NetworkFailure(ctx, attemptCtx, "ncp: "+method+" "+path, c.retry.RequestTimeout, err)
	}
	defer func() { _ = resp.Body.Close() }()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// A truncated body simply fails to decode and yields the status text.
		data, _ := readLimited(resp.Body, resp.ContentLength, c.maxErrorBodyBytes)
		apiErr := decodeScrubbed(resp.StatusCode, data, c.creds.SecretKey, c.creds.APIGatewayKey)
		apiErr.Method = method
		apiErr.Path = path
		apiErr.RetryAfter = c.retry.RetryAfter(resp.Header.Get("Retry-After"), time.Now())
		return apiErr
	}

	data, err := readLimited(resp.Body, resp.ContentLength, c.maxResponseBytes)
	if err != nil {
		if errors.Is(err, errBodyTooLarge) {
			return fmt.Errorf("ncp: %s %s: response body larger than %d bytes", method, path, c.maxResponseBytes)
		}
		return httpretry.NetworkFailure(ctx, attemptCtx, "ncp: "+method+" "+path, c.retry.RequestTimeout, err)
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("ncp: %s %s: decoding response: %w", method, path, err)
	}
	return nil
}

func recordAttempts(err error, attempts int) {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		apiErr.Attempts = attempts
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
