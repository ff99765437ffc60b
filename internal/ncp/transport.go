package ncp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	target, err := httpretry.Resolve(cl.base, cl.path, cl.query)
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

// attempt sends one signed request and decodes its response.
func (c *Client) attempt(ctx, attemptCtx context.Context, method string, target *url.URL, payload []byte, out any) error {
	path := target.EscapedPath()
	resp, err := httpretry.Send(ctx, attemptCtx, c.httpClient, c.retry.RequestTimeout, httpretry.Request{
		Op:          "ncp: " + method + " " + path,
		Method:      method,
		URL:         target,
		Body:        payload,
		ContentType: "application/json; charset=utf-8",
		UserAgent:   c.userAgent,
		Authorize:   func(req *http.Request) error { c.signRequest(req); return nil },
	})
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// A truncated body simply fails to decode and yields the status text.
		data, _ := httpretry.ReadAtMost(resp.Body, resp.ContentLength, c.maxErrorBodyBytes)
		apiErr := decodeScrubbed(resp.StatusCode, data, c.creds.SecretKey, c.creds.APIGatewayKey)
		apiErr.Method = method
		apiErr.Path = path
		apiErr.RetryAfter = c.retry.RetryAfter(resp.Header.Get("Retry-After"), time.Now())
		return apiErr
	}

	data, err := httpretry.ReadAtMost(resp.Body, resp.ContentLength, c.maxResponseBytes)
	if err != nil {
		if errors.Is(err, httpretry.ErrBodyTooLarge) {
			return fmt.Errorf("ncp: %s %s: response body larger than %d bytes", method, path, c.maxResponseBytes)
		}
		return httpretry.NetworkFailure(ctx, attemptCtx, "ncp: "+method+" "+path, c.retry.RequestTimeout, err)
	}
	return httpretry.DecodeJSON("ncp: "+method+" "+path, data, out)
}

func recordAttempts(err error, attempts int) {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		apiErr.Attempts = attempts
	}
}
