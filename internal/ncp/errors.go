package ncp

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/orgsync/orgsync/internal/httpretry"
	"github.com/orgsync/orgsync/internal/scrub"
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
	// ErrNotFound: HTTP 404, except the API gateway's "no such route" (ErrNoRoute).
	ErrNotFound = errors.New("ncp: not found")
	// ErrNoRoute: the API gateway's HTTP 404 with errorCode 300: it has no route for the path, so
	// the endpoint (the site, or an endpoint override) or the path is wrong. It says nothing about
	// whether anything exists, and is never ErrNotFound.
	ErrNoRoute = errors.New("ncp: the API gateway has no route for this path: the endpoint or path is wrong")
	// ErrNoOrganization: GetOrganization's answer for an account in no organization: HTTP 404 from
	// the Organization API itself. Nothing documents that answer; this one is read so because GET
	// /open-api/v1/org has no path parameter (a 404 cannot be about a number or a name the caller
	// sent) and the body carries an error code that is the service's, not one of the gateway's
	// numeric codes (300: no route), and that names a missing organization (ORGANIZATION_NOT_FOUND,
	// ORG_NOT_EXIST, ...). A 404 without a code, with another code (a proxy's NOT_FOUND, another
	// service's MEMBER_NOT_FOUND behind a wrong endpoint), the gateway's, a 400, and a 200 that
	// holds no organization or cannot be read are not: orgsync creates an organization on this
	// answer only, a one-way step for an account.
	ErrNoOrganization = errors.New("ncp: the account belongs to no organization")
	// ErrAlreadyExists: HTTP 409. Messages are not read: a 400 saying that
	// something "already exists" may be about another field (an e-mail address).
	ErrAlreadyExists = errors.New("ncp: already exists")
	// ErrInvalidRequest: HTTP 400, 413 or 422; the request will fail the same way until it changes.
	ErrInvalidRequest = errors.New("ncp: invalid request")
	// ErrUnauthorized: HTTP 401, the gateway rejected the credentials or the signature.
	ErrUnauthorized = errors.New("ncp: unauthorized")
	// ErrForbidden: HTTP 403 other than throttling and the Organization API's temporary
	// COMMON_102 and COMMON_103 (for example COMMON_101, not the master account).
	ErrForbidden = errors.New("ncp: forbidden")
	// ErrThrottled: HTTP 429, the Organization API's 403 COMMON_104, or the
	// client's own rate limiter could not grant a request before the deadline.
	ErrThrottled = errors.New("ncp: throttled")
	// ErrUnavailable: HTTP 500, 502, 503 or 504, or the Organization API's 403 COMMON_102
	// ("failed to send the email, please try again later") and COMMON_103 ("an internal server
	// error has occurred"): temporary, retried like a 5xx, never a credentials problem.
	ErrUnavailable = errors.New("ncp: unavailable")

	// errNoOrganizationInAnswer: GetOrganization read a 200 answer that holds no organization
	// number. Not ErrNotFound nor ErrNoOrganization: no document says a 200 can mean that.
	errNoOrganizationInAnswer = errors.New("ncp: a 200 answer without an organization (no organizationNo): not read as \"no organization\"; look again")
)

// Organization API codes answered with HTTP 403 that are not about permissions:
// COMMON_104 means throttling, COMMON_102 and COMMON_103 a temporary failure.
const (
	codeOrganizationThrottled     = "COMMON_104"
	codeOrganizationMailFailed    = "COMMON_102"
	codeOrganizationInternalError = "COMMON_103"
)

// codeGatewayNoRoute is the API gateway's errorCode for a path it has no route for (HTTP 404).
const codeGatewayNoRoute = "300"

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

// Error formats the error as "ncp: METHOD PATH: HTTP status (code C): message", with a note on the
// API gateway's "no route" answer.
func (e *APIError) Error() string {
	text := httpretry.ErrorText{Client: "ncp", Call: e.Method + " " + e.Path, Status: e.StatusCode,
		Code: e.Code, Message: e.Message, Attempts: e.Attempts}
	if e.noRoute() {
		text.Note = "the API gateway has no route for this path: the endpoint or path is wrong"
	}
	return text.String()
}

// Answer names the answer for a message that must say what was read, such as "GET
// /open-api/v1/org answered HTTP 404 ORGANIZATION_NOT_FOUND": the method, path, status and code
// only, never the server's message, headers or body.
func (e *APIError) Answer() string { return httpretry.Answer(e.Method, e.Path, e.StatusCode, e.Code) }

// Is maps the status and code to the sentinel errors of this package.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound && !e.noRoute()
	case ErrNoRoute:
		return e.noRoute()
	case ErrAlreadyExists:
		return e.StatusCode == http.StatusConflict
	case ErrInvalidRequest:
		return e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusRequestEntityTooLarge ||
			e.StatusCode == http.StatusUnprocessableEntity
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden && !e.throttled() && !e.temporary()
	case ErrThrottled:
		return e.throttled()
	case ErrUnavailable:
		if e.temporary() {
			return true
		}
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

// temporary reports the Organization API's 403s that say "try again later".
func (e *APIError) temporary() bool {
	return e.StatusCode == http.StatusForbidden &&
		(strings.EqualFold(e.Code, codeOrganizationMailFailed) || strings.EqualFold(e.Code, codeOrganizationInternalError))
}

// noRoute reports the API gateway's answer for a path it has no route for.
func (e *APIError) noRoute() bool {
	return e.StatusCode == http.StatusNotFound && e.Code == codeGatewayNoRoute
}

// namesNoOrganization reports whether a 404 carries an error code of the service's own that names
// a missing organization: not a number, as every API gateway code (100 to 900) is, and spelling
// "organization" (or "org") and "not found" or "not exist". Such an answer was made by the
// Organization API behind the gateway, about an organization, and can mean nothing else.
func (e *APIError) namesNoOrganization() bool {
	if _, err := strconv.ParseInt(e.Code, 10, 64); e.Code == "" || err == nil {
		return false
	}
	code := strings.NewReplacer("_", "", "-", "", " ", "", ".", "").Replace(strings.ToUpper(e.Code))
	return strings.Contains(code, "ORG") && (strings.Contains(code, "NOTFOUND") || strings.Contains(code, "NOTEXIST"))
}

// classify tells httpretry what a failed attempt means for repeating it:
// throttling is repeated (and slows the client down), 5xx and the Organization API's COMMON_102
// and COMMON_103 transient (repeated for GET, PUT and DELETE; a POST may have been acted on),
// anything else permanent.
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
func decodeAPIError(status int, body []byte) *APIError { return decodeScrubbed(status, body) }

// decodeScrubbed is decodeAPIError removing secrets, in every form the server
// may echo them in, from the code and message before they are cut.
func decodeScrubbed(status int, body []byte, secrets ...string) *APIError {
	e := &APIError{StatusCode: status}
	code, message := decodeErrorBody(body)
	e.Code = scrub.Clean(code, 64, secrets...)
	e.Message = scrub.Clean(message, maxMessageRunes, secrets...)
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
			code := cmp.Or(string(n.ErrorCode), string(n.Code))
			message := string(n.Message)
			if n.Details != "" && n.Details != n.Message {
				message = joinNonEmpty(": ", message, string(n.Details))
			}
			return code, message
		}
	}
	code = cmp.Or(string(b.ErrorCode), string(b.Code))
	message = cmp.Or(string(b.Message), string(b.Msg))
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

func joinNonEmpty(sep string, values ...string) string {
	kept := values[:0:0]
	for _, v := range values {
		if v != "" {
			kept = append(kept, v)
		}
	}
	return strings.Join(kept, sep)
}
