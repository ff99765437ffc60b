package ncp

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/orgsync/orgsync/internal/httpretry"
)

// Sentinel errors; an *APIError matches the ones its status and code imply
// (errors.Is), and IsRetryable tells transient failures from permanent ones.
//
// The NCP documents do not say how WORKPLACE answers a missing department, a
// duplicate key, a missing parent or a department that still has
// sub-departments, nor how the Organization API answers an account in no
// organization. Only a status that says so by itself (404, 409) matches
// ErrNotFound or ErrAlreadyExists; any other answer, such as a 400 with a code
// and message the client does not know, matches by its status class only
// (ErrInvalidRequest for a 400) and keeps its status, code and message. Such an
// error proves nothing about whether the resource exists: observe again.
var (
	// ErrNotFound: HTTP 404, or GetOrganization when a 200 answer holds no organization.
	ErrNotFound = errors.New("ncp: not found")
	// ErrAlreadyExists: HTTP 409. Messages are not read: a 400 saying that
	// something "already exists" may be about another field (an e-mail address).
	ErrAlreadyExists = errors.New("ncp: already exists")
	// ErrInvalidRequest: HTTP 400, 413 or 422; the request will fail the same way until it changes.
	ErrInvalidRequest = errors.New("ncp: invalid request")
	// ErrUnauthorized: HTTP 401, the gateway rejected the credentials or the signature.
	ErrUnauthorized = errors.New("ncp: unauthorized")
	// ErrForbidden: HTTP 403 other than throttling (for example COMMON_101, not the master account).
	ErrForbidden = errors.New("ncp: forbidden")
	// ErrThrottled: HTTP 429, the Organization API's 403 COMMON_104, or the
	// client's own rate limiter could not grant a request before the deadline.
	ErrThrottled = errors.New("ncp: throttled")
	// ErrUnavailable: HTTP 500, 502, 503 or 504.
	ErrUnavailable = errors.New("ncp: unavailable")
)

// codeOrganizationThrottled is the Organization API's "requests too frequent"
// code, answered with HTTP 403 but meaning throttling.
const codeOrganizationThrottled = "COMMON_104"

// APIError is an error response from NCP. Its Error text holds the method,
// path, status, service code and decoded message only: never headers, query
// strings or raw bodies.
type APIError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Code is the service's error code ("-4040", "COMMON_104", "420"), when the body had one.
	Code string
	// Message is the service's message, sanitised and truncated, or the status text.
	Message string
	// Method and Path identify the call; Path is the escaped path without the query.
	Method, Path string
	// RetryAfter is the wait the server asked for with Retry-After, or 0.
	RetryAfter time.Duration
	// Attempts is how many attempts the call made before giving up.
	Attempts int
}

// Error formats the error as "ncp: METHOD PATH: HTTP status (code C): message".
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("ncp: ")
	if e.Method != "" || e.Path != "" {
		b.WriteString(strings.TrimSpace(e.Method + " " + e.Path))
		b.WriteString(": ")
	}
	b.WriteString("HTTP ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if e.Code != "" {
		b.WriteString(" (code ")
		b.WriteString(e.Code)
		b.WriteString(")")
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Attempts > 1 {
		b.WriteString(" (after ")
		b.WriteString(strconv.Itoa(e.Attempts))
		b.WriteString(" attempts)")
	}
	return b.String()
}

// Is maps the status and code to the sentinel errors of this package.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrAlreadyExists:
		return e.StatusCode == http.StatusConflict
	case ErrInvalidRequest:
		return e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusRequestEntityTooLarge ||
			e.StatusCode == http.StatusUnprocessableEntity
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden && !e.throttled()
	case ErrThrottled:
		return e.throttled()
	case ErrUnavailable:
		switch e.StatusCode {
		case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
	}
	return false
}

func (e *APIError) throttled() bool {
	return e.StatusCode == http.StatusTooManyRequests ||
		(e.StatusCode == http.StatusForbidden && strings.EqualFold(e.Code, codeOrganizationThrottled))
}

// classify tells httpretry what a failed attempt means for repeating it:
// throttling is repeated (and slows the client down), 5xx transient, anything else permanent.
func classify(err error) (httpretry.Failure, time.Duration) {
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return httpretry.Permanent, 0
	}
	switch {
	case apiErr.throttled():
		return httpretry.Throttled, apiErr.RetryAfter
	case errors.Is(apiErr, ErrUnavailable):
		return httpretry.Transient, apiErr.RetryAfter
	}
	return httpretry.Permanent, apiErr.RetryAfter
}

// IsRetryable reports whether err is transient: throttling, an unavailable
// service, a network failure or a listing whose pages did not add up. Retrying
// a POST after such an error may find that the first attempt succeeded; observe
// before creating again.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrThrottled) || errors.Is(err, ErrUnavailable) || errors.Is(err, ErrIncompleteListing) {
		return true
	}
	var ne *httpretry.NetworkError
	return errors.As(err, &ne)
}

// maxMessageRunes bounds the message kept from an error body.
const maxMessageRunes = 300

// errorBody is the union of the error shapes NCP services answer with:
//
//	{"responseError":{"returnCode":"..","returnMessage":".."}}
//	{"error":{"errorCode":"210"|210,"message":"..","details":".."}} (or "code" instead of "errorCode")
//	{"errorCode":"..","message":".."}
//	{"code":"..","msg":".."}
//	{"timestamp":..,"status":400,"error":"Bad Request","message":".."} (Spring)
//	{"status":400,"code":-4020,"errors":[{"field":"name","message":".."}],"message":".."} (WORKPLACE)
type errorBody struct {
	ResponseError *struct {
		ReturnCode    flexString `json:"returnCode"`
		ReturnMessage flexString `json:"returnMessage"`
	} `json:"responseError"`
	Error     json.RawMessage `json:"error"`
	ErrorCode flexString      `json:"errorCode"`
	Code      flexString      `json:"code"`
	Message   flexString      `json:"message"`
	Msg       flexString      `json:"msg"`
	Errors    json.RawMessage `json:"errors"`
}

type nestedError struct {
	ErrorCode flexString `json:"errorCode"`
	Code      flexString `json:"code"`
	Message   flexString `json:"message"`
	Details   flexString `json:"details"`
}

type fieldError struct {
	Field   flexString `json:"field"`
	Message flexString `json:"message"`
}

// decodeAPIError builds an APIError from a status and a (possibly truncated,
// possibly non-JSON) body. Only decoded code and message fields are kept: a
// body that is not one of the known JSON shapes is replaced by the status
// text, because it might echo request headers.
func decodeAPIError(status int, body []byte) *APIError {
	e := &APIError{StatusCode: status}
	code, message := decodeErrorBody(body)
	e.Code = sanitize(code, 64)
	e.Message = sanitize(message, maxMessageRunes)
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

func decodeErrorBody(body []byte) (code, message string) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return "", ""
	}
	var b errorBody
	if json.Unmarshal(body, &b) != nil {
		return "", ""
	}
	if r := b.ResponseError; r != nil && (r.ReturnCode != "" || r.ReturnMessage != "") {
		return string(r.ReturnCode), string(r.ReturnMessage)
	}
	if nested := bytes.TrimSpace(b.Error); len(nested) > 0 && nested[0] == '{' {
		var n nestedError
		if json.Unmarshal(nested, &n) == nil {
			code := firstNonEmpty(string(n.ErrorCode), string(n.Code))
			message := string(n.Message)
			if n.Details != "" && n.Details != n.Message {
				message = joinNonEmpty(": ", message, string(n.Details))
			}
			return code, message
		}
	}
	code = firstNonEmpty(string(b.ErrorCode), string(b.Code))
	message = firstNonEmpty(string(b.Message), string(b.Msg))
	if message == "" {
		message = fieldErrors(b.Errors)
	}
	if message == "" {
		// Spring puts the status text in "error" when "message" is empty.
		var springError string
		if json.Unmarshal(b.Error, &springError) == nil {
			message = springError
		}
	}
	return code, message
}

// fieldErrors joins WORKPLACE's per-field validation errors.
func fieldErrors(raw json.RawMessage) string {
	var errs []fieldError
	if len(raw) == 0 || json.Unmarshal(raw, &errs) != nil {
		return ""
	}
	parts := make([]string, 0, len(errs))
	for _, fe := range errs {
		parts = append(parts, joinNonEmpty(": ", string(fe.Field), string(fe.Message)))
	}
	return strings.Join(parts, "; ")
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

func joinNonEmpty(sep string, values ...string) string {
	kept := values[:0:0]
	for _, v := range values {
		if v != "" {
			kept = append(kept, v)
		}
	}
	return strings.Join(kept, sep)
}

// sanitize makes a server-provided string safe to put in an error, a log
// line or a condition: control characters become spaces, invalid UTF-8 is
// dropped and the result is truncated to maxRunes.
func sanitize(s string, maxRunes int) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if r == utf8.RuneError {
			continue
		}
		if unicode.IsControl(r) {
			r = ' '
		}
		if n == maxRunes {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimSpace(b.String())
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
func parseRetryAfter(value string, now time.Time) time.Duration {
	return httpretry.ParseRetryAfter(value, now)
}
