package httpretry

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
)

// Request is one attempt of a call, as both clients send it.
type Request struct {
	// Op names the call in errors, e.g. "ncp: GET /path".
	Op     string
	Method string
	URL    *url.URL
	// Body is sent with ContentType; nil sends no body.
	Body        []byte
	ContentType string
	UserAgent   string
	// Authorize adds the credentials (a signature, a token) once every other header is set.
	Authorize func(*http.Request) error
}

// Resolve appends an escaped path and an encoded query (without "?") to base, keeping Path and
// RawPath consistent, so that the request URI net/http writes on the request line, and a
// signature computes, is exactly base's escaped path followed by escapedPath.
func Resolve(base *url.URL, escapedPath, query string) (*url.URL, error) {
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

// Send sends one attempt of a call, made under attemptCtx: Accept application/json, the User-Agent,
// the body's Content-Type, then Authorize's headers. An attempt that got no answer is explained
// by NetworkFailure (timeout is the attempt's, for its message). The caller reads the answer's
// body (ReadAtMost) and closes it.
func Send(ctx, attemptCtx context.Context, client *http.Client, timeout time.Duration, r Request) (*http.Response, error) {
	body := io.Reader(http.NoBody)
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(attemptCtx, r.Method, r.URL.String(), body)
	if err != nil {
		return nil, fmt.Errorf("%s: building request: %w", r.Op, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", r.UserAgent)
	if r.Body != nil {
		req.Header.Set("Content-Type", r.ContentType)
	}
	if err := r.Authorize(req); err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, NetworkFailure(ctx, attemptCtx, r.Op, timeout, err)
	}
	return resp, nil
}

// ErrBodyTooLarge is ReadAtMost's error for a body longer than its limit.
var ErrBodyTooLarge = errors.New("body too large")

// ReadAtMost reads at most limit bytes of r; a longer body is ErrBodyTooLarge, with the first limit
// bytes, or with none when the announced size (-1 when unknown; it only sizes the buffer
// otherwise) is over the limit already.
func ReadAtMost(r io.Reader, size, limit int64) ([]byte, error) {
	if size > limit {
		return nil, ErrBodyTooLarge
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
		return data[:limit], ErrBodyTooLarge
	}
	return data, nil
}

// DecodeJSON decodes a successful answer's body into out; an empty body, or a nil out, leaves out
// as it is. A body that does not decode is a permanent error of op.
func DecodeJSON(op string, body []byte, out any) error {
	if out == nil || len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%s: decoding response: %w", op, err)
	}
	return nil
}
