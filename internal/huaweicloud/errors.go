package huaweicloud

import (
	"cmp"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/orgsync/orgsync/internal/httpretry"
	"github.com/orgsync/orgsync/internal/scrub"
)

// Sentinel errors. An *APIError matches the ones its service code implies or, for codes this
// package does not know, the few its HTTP status implies (errors.Is). An answer this package does
// not recognise never matches ErrNotFound (unless it is a 404), ErrAlreadyExists, ErrHasChildren
// or ErrParentNotFound: Huawei documents few failure answers, and a real service may answer 400
// with a code and message of its own for anything.
var (
	// ErrNotFound: HTTP 404, except the API gateway's "no such API" (APIGW.0101, APIG.0101), which
	// says the endpoint is wrong, not that a resource is gone; Organizations.1015 (no
	// organization, see ErrNoOrganization) and Organizations.1102 (no such organizational unit), or
	// FindByCode read the whole tenant and found no unit with the code. A 400, whatever its code or
	// message, is never ErrNotFound.
	ErrNotFound = errors.New("huaweicloud: not found")
	// ErrNoOrganization: Organizations.1015, "The organization is not found", which Huawei answers
	// with HTTP 401 on GET /v1/organizations and the calls under it for an account in no
	// organization (Huawei's own Terraform provider reads it so: organizationNotFoundErrCodes in
	// huaweicloud/services/organizations). It is also ErrNotFound, and never ErrUnauthorized. It is
	// the only answer this package reads as "no organization": a bare 404 may come from anything
	// between the client and the service.
	ErrNoOrganization = errors.New("huaweicloud: the account belongs to no organization")
	// ErrAlreadyExists: OneAccess ORG.0012 (code exists in the tenant); Organizations.1101 (the
	// account already has an organization) and Organizations.1103 (an organizational unit of that
	// name exists under the parent). A 409 with another code is not: Huawei answers 409 for other
	// conflicts too, such as a quota exceeded.
	ErrAlreadyExists = errors.New("huaweicloud: already exists")
	// ErrNameTaken: a sibling already has the name (OneAccess ORG.0013, Organizations.1103). For
	// OneAccess it is also ErrInvalidRequest: the unit's identity is its code, so another unit
	// holds the name. For Organizations, whose units are identified by name under a parent, it is
	// also ErrAlreadyExists.
	ErrNameTaken = errors.New("huaweicloud: name already used by a sibling")
	// ErrParentNotFound: the parent named by parent_id does not exist (OneAccess ORG.0016,
	// Organizations.1106). It may appear later, so it is not ErrInvalidRequest.
	ErrParentNotFound = errors.New("huaweicloud: parent not found")
	// ErrHasChildren: delete refused while the unit has children (OneAccess ORG.0017,
	// Organizations.1104) or while the organization has organizational units (Organizations.1107).
	ErrHasChildren = errors.New("huaweicloud: has children")
	// ErrInvalidRequest: the request will fail the same way until it changes: OneAccess ORG.0011
	// (name required), ORG.0014 (invalid code), ORG.0015 (invalid name), ORG.0013, ORG.0018 (move
	// under its own subtree), ORG.0019 (invalid parameter), the gateway's APIGW.0101/APIG.0101 (no
	// such API: a wrong endpoint); any other 400, 413 or 422, recognised or not (see
	// ErrUnrecognized).
	ErrInvalidRequest = errors.New("huaweicloud: invalid request")
	// ErrUnrecognized: a 4xx answer other than 401, 403, 404 and 429 whose code this package does
	// not know. Huawei documents few failure answers; such an answer says the call failed and
	// nothing else, so a caller that must know whether something exists, is a duplicate or has
	// children should observe again (GET, list) rather than conclude from it. A 400 is also
	// ErrInvalidRequest.
	ErrUnrecognized = errors.New("huaweicloud: unrecognised answer")
	// ErrUnauthorized: HTTP 401 other than Organizations.1015 (no organization, which is not a
	// credentials problem): signature verification failed (APIGW.0301), a stale X-Sdk-Date,
	// or an access token that is still refused after a refresh; or a refused OneAccess token
	// request (documented as 400 {"error_code","error_msg"}: the client ID or secret is wrong),
	// which is ErrUnauthorized only, never ErrInvalidRequest.
	ErrUnauthorized = errors.New("huaweicloud: unauthorized")
	// ErrForbidden: HTTP 403 other than throttling.
	ErrForbidden = errors.New("huaweicloud: forbidden")
	// ErrThrottled: HTTP 429 or APIGW.0308, or the client's own rate limiter could not grant a
	// request before the deadline.
	ErrThrottled = errors.New("huaweicloud: throttled")
	// ErrConcurrentModification: Organizations.1003 (409); the request changed nothing. Retried.
	ErrConcurrentModification = errors.New("huaweicloud: concurrent modification")
	// ErrUnavailable: HTTP 500, 502, 503 or 504, or Organizations.1004, 1005 and 1006 (HTTP 400:
	// Organizations failed to get its internal token, to reach CBC or to assume its role, "try
	// again later"): retried like a 5xx, never ErrInvalidRequest.
	ErrUnavailable = errors.New("huaweicloud: unavailable")
)

// Service error codes this package interprets. Only ORG.0011/0012/0014/0015, APIGW.0301/0308/0101,
// APIG.0101 and Organizations.1003, 1004-1006 and 1015 are documented by Huawei (1015 by its own
// Terraform provider); the others are the codes huaweifake answers with (Huawei documents no code
// for these conditions), listed so that the client and the fake agree. CodeOrgUnitNotFound is the
// fake's, and is not interpreted: a unit is not found only when the answer is a 404.
const (
	CodeNameRequired           = "ORG.0011"
	CodeCodeExists             = "ORG.0012"
	CodeNameTaken              = "ORG.0013"
	CodeInvalidCode            = "ORG.0014"
	CodeInvalidName            = "ORG.0015"
	CodeParentNotFound         = "ORG.0016"
	CodeHasChildren            = "ORG.0017"
	CodeCycle                  = "ORG.0018"
	CodeInvalidParameter       = "ORG.0019"
	CodeOrgUnitNotFound        = "ORG.0010"
	CodeSignatureFailed        = "APIGW.0301"
	CodeGatewayThrottled       = "APIGW.0308"
	CodeGatewayNoSuchAPI       = "APIGW.0101"
	CodeDedicatedNoSuchAPI     = "APIG.0101"
	CodeConcurrentModification = "Organizations.1003"
	CodeInternalTokenFailed    = "Organizations.1004"
	CodeCBCFailed              = "Organizations.1005"
	CodeAssumeRoleFailed       = "Organizations.1006"
	CodeNoOrganization         = "Organizations.1015"
	CodeOrganizationExists     = "Organizations.1101"
	CodeOUNotFound             = "Organizations.1102"
	CodeOUNameTaken            = "Organizations.1103"
	CodeOUHasChildren          = "Organizations.1104"
	CodeOUInvalidParameter     = "Organizations.1105"
	CodeOUParentNotFound       = "Organizations.1106"
	CodeOrganizationNotEmpty   = "Organizations.1107"
)

// codeKinds maps a service code to the sentinels it means; a code listed here is matched by its
// sentinels only, whatever the status.
var codeKinds = map[string][]error{
	CodeNameRequired:           {ErrInvalidRequest},
	CodeCodeExists:             {ErrAlreadyExists},
	CodeNameTaken:              {ErrNameTaken, ErrInvalidRequest},
	CodeInvalidCode:            {ErrInvalidRequest},
	CodeInvalidName:            {ErrInvalidRequest},
	CodeParentNotFound:         {ErrParentNotFound},
	CodeHasChildren:            {ErrHasChildren},
	CodeCycle:                  {ErrInvalidRequest},
	CodeInvalidParameter:       {ErrInvalidRequest},
	CodeSignatureFailed:        {ErrUnauthorized},
	CodeGatewayThrottled:       {ErrThrottled},
	CodeGatewayNoSuchAPI:       {ErrInvalidRequest},
	CodeDedicatedNoSuchAPI:     {ErrInvalidRequest},
	CodeConcurrentModification: {ErrConcurrentModification},
	CodeInternalTokenFailed:    {ErrUnavailable},
	CodeCBCFailed:              {ErrUnavailable},
	CodeAssumeRoleFailed:       {ErrUnavailable},
	CodeNoOrganization:         {ErrNoOrganization, ErrNotFound},
	CodeOrganizationExists:     {ErrAlreadyExists},
	CodeOUNotFound:             {ErrNotFound},
	CodeOUNameTaken:            {ErrNameTaken, ErrAlreadyExists},
	CodeOUHasChildren:          {ErrHasChildren},
	CodeOUInvalidParameter:     {ErrInvalidRequest},
	CodeOUParentNotFound:       {ErrParentNotFound},
	CodeOrganizationNotEmpty:   {ErrHasChildren},
}

// codeStatuses are the codes whose meaning holds only with the status they are documented with:
// Organizations.1015 says "no organization" as a 401 (Huawei's Terraform provider turns that 401,
// and only it, into "not found"); with any other status it is read by its status alone, as a code
// this package does not know would be, since creating an organization is a one-way step.
var codeStatuses = map[string]int{CodeNoOrganization: http.StatusUnauthorized}

// APIError is an error answer from OneAccess, Organizations or the API gateway in front of them.
// Its Error text holds the service, method, path, status, code and decoded message only: never
// headers, query strings or raw bodies.
type APIError struct {
	// Service is "oneaccess" or "organizations".
	Service string
	// StatusCode is the HTTP status.
	StatusCode int
	// Code is the service's error code (error_code, or the OAuth "error"), when the body had one.
	Code string
	// Message is the service's message, sanitised and truncated, or the status text.
	Message string
	// RequestID is the request_id Huawei returns, for support tickets.
	RequestID string
	// Method and Path identify the call; Path is the escaped path without the query.
	Method, Path string
	// RetryAfter is the wait the server asked for with Retry-After, or 0.
	RetryAfter time.Duration
	// Attempts is how many attempts the call made.
	Attempts int

	// kinds, when set, are the only sentinels the error matches, whatever its code and status.
	kinds []error
}

// Error formats the error as "huaweicloud: SERVICE METHOD PATH: HTTP status (code C): message".
func (e *APIError) Error() string {
	return httpretry.ErrorText{Client: "huaweicloud", Call: e.Service + " " + e.Method + " " + e.Path,
		Status: e.StatusCode, Code: e.Code, Message: e.Message, Attempts: e.Attempts}.String()
}

// Answer names the answer for a message that must say what was read, such as "GET
// /v1/organizations answered HTTP 401 Organizations.1015": the method, path, status and code only,
// never the server's message, headers or body.
func (e *APIError) Answer() string { return httpretry.Answer(e.Method, e.Path, e.StatusCode, e.Code) }

// Is maps the code, or failing that the status, to the sentinel errors of this package.
func (e *APIError) Is(target error) bool {
	kinds, known := codeKinds[e.Code]
	if status, ok := codeStatuses[e.Code]; ok && e.StatusCode != status {
		known = false
	}
	if e.kinds != nil {
		kinds, known = e.kinds, true
	}
	if known {
		return slices.Contains(kinds, target)
	}
	switch target {
	case ErrInvalidRequest:
		switch e.StatusCode {
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
			return true
		}
	case ErrUnrecognized:
		switch e.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusTooManyRequests:
			return false
		}
		return e.StatusCode >= 400 && e.StatusCode <= 499
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrThrottled:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrUnavailable:
		return e.StatusCode >= 500 && e.StatusCode <= 504 && e.StatusCode != http.StatusNotImplemented
	}
	return false
}

// classify tells httpretry what a failed attempt means for repeating it. Throttling is repeated
// and slows the client down; Organizations.1003 is a refusal: the service did not act on it.
// Organizations.1004-1006 are repeated like a 5xx, for idempotent calls only: nothing says the
// service had not acted on a POST when its dependency failed.
func classify(err error) (httpretry.Failure, time.Duration) {
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return httpretry.Permanent, 0
	}
	switch {
	case errors.Is(apiErr, ErrThrottled):
		return httpretry.Throttled, apiErr.RetryAfter
	case errors.Is(apiErr, ErrConcurrentModification):
		return httpretry.Refused, apiErr.RetryAfter
	case errors.Is(apiErr, ErrUnavailable):
		return httpretry.Transient, apiErr.RetryAfter
	}
	return httpretry.Permanent, apiErr.RetryAfter
}

// IsRetryable reports whether err is transient: throttling, a concurrent modification, an
// unavailable service, a network failure or a listing whose pages did not add up. After such an
// error on a create, observe before creating again: the first attempt may have succeeded.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	var ne *httpretry.NetworkError
	return errors.Is(err, ErrThrottled) || errors.Is(err, ErrConcurrentModification) ||
		errors.Is(err, ErrUnavailable) || errors.Is(err, ErrIncompleteListing) || errors.As(err, &ne)
}

// errorEnvelope is the union of the error bodies Huawei answers with:
//
//	{"error_code":"ORG.0012","error_msg":"..","request_id":".."}  (services and API gateway)
//	{"error":"invalid_client","error_description":".."}            (OAuth token endpoint)
//	{"code":"..","message":".."}                                    (some gateways)
type errorEnvelope struct {
	ErrorCode        string          `json:"error_code"`
	ErrorMsg         string          `json:"error_msg"`
	RequestID        string          `json:"request_id"`
	Error            json.RawMessage `json:"error"`
	ErrorDescription string          `json:"error_description"`
	Code             json.RawMessage `json:"code"`
	Message          string          `json:"message"`
}

const (
	maxCodeRunes    = 64
	maxMessageRunes = 300
)

// newAPIError builds an APIError from a status and a possibly truncated, possibly non-JSON body.
// Only decoded fields are kept: a body of any other shape is replaced by the status text, since it
// might echo what was sent.
func newAPIError(status int, body []byte) *APIError { return newScrubbedAPIError(status, body) }

// newScrubbedAPIError is newAPIError removing secrets, in every form the server may echo them in,
// from the code, message and request ID before they are cut.
func newScrubbedAPIError(status int, body []byte, secrets ...string) *APIError {
	e := &APIError{StatusCode: status}
	var env errorEnvelope
	if json.Unmarshal(body, &env) == nil {
		oauthError := rawText(env.Error)
		e.Code = scrub.Clean(cmp.Or(env.ErrorCode, oauthError, rawText(env.Code)), maxCodeRunes, secrets...)
		e.Message = scrub.Clean(cmp.Or(env.ErrorMsg, env.ErrorDescription, env.Message), maxMessageRunes, secrets...)
		e.RequestID = scrub.Clean(env.RequestID, maxCodeRunes, secrets...)
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

// rawText returns a JSON string's content or a number's text; anything else is "".
func rawText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}
