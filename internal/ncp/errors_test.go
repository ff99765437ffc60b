package ncp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestDecodeAPIErrorShapes(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		body        string
		wantCode    string
		wantMessage string
	}{
		{name: "responseError", status: 400,
			body:     `{"responseError":{"returnCode":"1000","returnMessage":"invalid parameter"}}`,
			wantCode: "1000", wantMessage: "invalid parameter"},
		{name: "responseError numeric code", status: 400,
			body:     `{"responseError":{"returnCode":1000,"returnMessage":"invalid parameter"}}`,
			wantCode: "1000", wantMessage: "invalid parameter"},
		{name: "gateway error, string errorCode", status: 401,
			body:     `{"error":{"errorCode":"200","message":"Authentication Failed"}}`,
			wantCode: "200", wantMessage: "Authentication Failed"},
		{name: "gateway error, numeric errorCode and details", status: 401,
			body:     `{"error":{"errorCode":210,"message":"Permission Denied","details":"no access to this API"}}`,
			wantCode: "210", wantMessage: "Permission Denied: no access to this API"},
		{name: "nested error with code", status: 403,
			body:     `{"error":{"code":"COMMON_101","message":"not the master account"}}`,
			wantCode: "COMMON_101", wantMessage: "not the master account"},
		{name: "top-level errorCode", status: 404,
			body:     `{"errorCode":"ORGANIZATION_NOT_FOUND","message":"no organization"}`,
			wantCode: "ORGANIZATION_NOT_FOUND", wantMessage: "no organization"},
		{name: "code and msg", status: 500,
			body:     `{"code":"E500","msg":"internal failure"}`,
			wantCode: "E500", wantMessage: "internal failure"},
		{name: "Spring", status: 400,
			body:     `{"timestamp":"2024-01-01T00:00:00.000+00:00","status":400,"error":"Bad Request","message":"dispOrd must be a number","path":"/x"}`,
			wantCode: "", wantMessage: "dispOrd must be a number"},
		{name: "Spring without message", status: 500,
			body:     `{"timestamp":1700000000000,"status":500,"error":"Internal Server Error","path":"/x"}`,
			wantCode: "", wantMessage: "Internal Server Error"},
		{name: "WORKPLACE validation", status: 400,
			body:     `{"status":400,"code":-4020,"errors":[],"message":"parentDeptExternalKey is null"}`,
			wantCode: "-4020", wantMessage: "parentDeptExternalKey is null"},
		{name: "WORKPLACE field errors only", status: 400,
			body:     `{"status":400,"code":-4020,"errors":[{"field":"name","message":"must not be null"},{"field":"dispOrd","message":"too long"}]}`,
			wantCode: "-4020", wantMessage: "name: must not be null; dispOrd: too long"},
		{name: "WORKPLACE not found", status: 404,
			body:     `{"status":404,"code":-4040,"errors":[],"message":"department not found: d1"}`,
			wantCode: "-4040", wantMessage: "department not found: d1"},
		{name: "HTML page", status: 502,
			body:     "<html><body><h1>502 Bad Gateway</h1>x-ncp-iam-access-key: AK</body></html>",
			wantCode: "", wantMessage: "Bad Gateway"},
		{name: "plain text echoing headers", status: 400,
			body:     "x-ncp-apigw-api-key: " + testGatewayKey + "\nsomething failed",
			wantCode: "", wantMessage: "Bad Request"},
		{name: "empty body", status: 503, body: "", wantCode: "", wantMessage: "Service Unavailable"},
		{name: "truncated JSON", status: 503, body: `{"error":{"errorCode":"500","mess`, wantCode: "", wantMessage: "Service Unavailable"},
		{name: "JSON string", status: 409, body: `"conflict"`, wantCode: "", wantMessage: "Conflict"},
		{name: "odd field types", status: 400,
			body:     `{"code":{"nested":true},"message":["a"],"msg":"fallback"}`,
			wantCode: "", wantMessage: "fallback"},
		{name: "control characters", status: 400,
			body:     `{"errorCode":"100","message":"line one\nline two\u0000"}`,
			wantCode: "100", wantMessage: "line one line two"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := decodeAPIError(tt.status, []byte(tt.body))
			if e.StatusCode != tt.status || e.Code != tt.wantCode || e.Message != tt.wantMessage {
				t.Fatalf("decodeAPIError = {status %d, code %q, message %q}, want {%d, %q, %q}",
					e.StatusCode, e.Code, e.Message, tt.status, tt.wantCode, tt.wantMessage)
			}
		})
	}
}

func TestDecodeAPIErrorTruncatesLongMessages(t *testing.T) {
	long := strings.Repeat("가", 1000)
	e := decodeAPIError(400, []byte(`{"errorCode":"100","message":"`+long+`"}`))
	if got := len([]rune(e.Message)); got != maxMessageRunes+1 || !strings.HasSuffix(e.Message, "…") {
		t.Fatalf("message has %d runes (%q...), want %d and an ellipsis", got, e.Message[:20], maxMessageRunes+1)
	}
}

func TestAPIErrorIs(t *testing.T) {
	all := []error{ErrNotFound, ErrAlreadyExists, ErrInvalidRequest, ErrUnauthorized, ErrForbidden, ErrThrottled, ErrUnavailable, ErrNoRoute, ErrNoOrganization}
	tests := []struct {
		name      string
		err       *APIError
		want      []error
		retryable bool
	}{
		{"400", &APIError{StatusCode: 400, Code: "-4020"}, []error{ErrInvalidRequest}, false},
		{"400 saying already exists", &APIError{StatusCode: 400, Message: "deptEmailAddress already exists"}, []error{ErrInvalidRequest}, false},
		{"400 unknown code", &APIError{StatusCode: 400, Code: "-9999", Message: "알 수 없는 오류가 발생했습니다"}, []error{ErrInvalidRequest}, false},
		{"401", &APIError{StatusCode: 401, Code: "200"}, []error{ErrUnauthorized}, false},
		{"403 COMMON_101", &APIError{StatusCode: 403, Code: "COMMON_101"}, []error{ErrForbidden}, false},
		{"403 COMMON_104", &APIError{StatusCode: 403, Code: "COMMON_104"}, []error{ErrThrottled}, true},
		{"403 COMMON_102: try again later", &APIError{StatusCode: 403, Code: "COMMON_102"}, []error{ErrUnavailable}, true},
		{"403 COMMON_103: internal server error", &APIError{StatusCode: 403, Code: "COMMON_103"}, []error{ErrUnavailable}, true},
		{"404", &APIError{StatusCode: 404, Code: "-4040"}, []error{ErrNotFound}, false},
		{"404 of the gateway: no route", &APIError{StatusCode: 404, Code: "300"}, []error{ErrNoRoute}, false},
		{"400 with the gateway's no-route code", &APIError{StatusCode: 400, Code: "300"}, []error{ErrInvalidRequest}, false},
		{"409", &APIError{StatusCode: 409, Code: "-4090"}, []error{ErrAlreadyExists}, false},
		{"413", &APIError{StatusCode: 413, Code: "430"}, []error{ErrInvalidRequest}, false},
		{"422", &APIError{StatusCode: 422}, []error{ErrInvalidRequest}, false},
		{"429", &APIError{StatusCode: 429, Code: "420"}, []error{ErrThrottled}, true},
		{"500", &APIError{StatusCode: 500, Code: "900"}, []error{ErrUnavailable}, true},
		{"501", &APIError{StatusCode: 501}, nil, false},
		{"502", &APIError{StatusCode: 502}, []error{ErrUnavailable}, true},
		{"503", &APIError{StatusCode: 503, Code: "500"}, []error{ErrUnavailable}, true},
		{"504", &APIError{StatusCode: 504, Code: "510"}, []error{ErrUnavailable}, true},
		{"302", &APIError{StatusCode: 302}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wrapped := fmt.Errorf("reconcile: %w", tt.err)
			for _, sentinel := range all {
				want := false
				for _, w := range tt.want {
					want = want || w == sentinel
				}
				if got := errors.Is(wrapped, sentinel); got != want {
					t.Errorf("errors.Is(%v, %v) = %v, want %v", tt.err, sentinel, got, want)
				}
			}
			if got := IsRetryable(wrapped); got != tt.retryable {
				t.Errorf("IsRetryable = %v, want %v", got, tt.retryable)
			}
			var apiErr *APIError
			if !errors.As(wrapped, &apiErr) || apiErr != tt.err {
				t.Errorf("errors.As did not find the *APIError")
			}
		})
	}
}

func TestAPIErrorMessage(t *testing.T) {
	e := &APIError{StatusCode: 404, Code: "-4040", Message: "department not found: d1",
		Method: "GET", Path: "/organization/apigw/v2/company/c1/department/d1", Attempts: 1}
	const want = "ncp: GET /organization/apigw/v2/company/c1/department/d1: HTTP 404 (code -4040): department not found: d1"
	if e.Error() != want {
		t.Fatalf("Error() = %q, want %q", e.Error(), want)
	}
	e.Attempts = 3
	if !strings.HasSuffix(e.Error(), "(after 3 attempts)") {
		t.Fatalf("Error() = %q, want the attempt count", e.Error())
	}
	noRoute := &APIError{StatusCode: 404, Code: "300", Message: "Not Found", Method: "GET", Path: "/organization/apigw/v2/nope"}
	const wantNoRoute = "ncp: GET /organization/apigw/v2/nope: HTTP 404 (code 300): Not Found" +
		" (the API gateway has no route for this path: the endpoint or path is wrong)"
	if noRoute.Error() != wantNoRoute {
		t.Fatalf("Error() = %q, want %q", noRoute.Error(), wantNoRoute)
	}
}

// TestErrorsFromServer runs every shape through a real HTTP round trip and
// checks the sentinel the caller sees.
func TestErrorsFromServer(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   error
	}{
		{"gateway auth", 401, `{"error":{"errorCode":"200","message":"Authentication Failed"}}`, ErrUnauthorized},
		{"validation", 400, `{"status":400,"code":-4020,"errors":[],"message":"name is null"}`, ErrInvalidRequest},
		{"missing parent", 400, `{"status":400,"code":-4030,"errors":[],"message":"parent department not found: p"}`, ErrInvalidRequest},
		{"not found", 404, `{"status":404,"code":-4040,"errors":[],"message":"department not found: d"}`, ErrNotFound},
		{"exists", 409, `{"status":409,"code":-4090,"errors":[],"message":"department already exists: d"}`, ErrAlreadyExists},
		{"org not master", 403, `{"error":{"errorCode":"COMMON_101","message":"not master"}}`, ErrForbidden},
		{"spring", 422, `{"timestamp":1,"status":422,"error":"Unprocessable Entity","message":"bad"}`, ErrInvalidRequest},
		{"html", 400, `<html>bad</html>`, ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newScriptServer(t, status(tt.status, tt.body))
			c := newTestClient(t, srv.URL)
			_, err := c.GetDepartment(context.Background(), "c1", "d")
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.Method != "GET" || apiErr.Path != "/organization/apigw/v2/company/c1/department/d" {
				t.Fatalf("err = %#v, want an *APIError naming the call", err)
			}
			if srv.calls.Load() != 1 {
				t.Fatalf("%d attempts, want 1 for a permanent error", srv.calls.Load())
			}
		})
	}
}

// unknownWorkplaceError is an answer no document defines: WORKPLACE's
// validation-error shape with a code and message the client has never seen.
const unknownWorkplaceError = `{"status":400,"code":-9999,"errors":[],"message":"알 수 없는 오류가 발생했습니다"}`

// checkUnknownError asserts that err is the unknown answer, kept as it came:
// an *APIError with its status, code and message, of the invalid-request class
// only, and never read as absent, duplicate, missing parent or has children.
func checkUnknownError(t *testing.T, err error) {
	t.Helper()
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want an *APIError", err)
	}
	if apiErr.StatusCode != 400 || apiErr.Code != "-9999" || apiErr.Message != "알 수 없는 오류가 발생했습니다" {
		t.Errorf("APIError = {status %d, code %q, message %q}, want {400, \"-9999\", the Korean message}",
			apiErr.StatusCode, apiErr.Code, apiErr.Message)
	}
	if !strings.Contains(err.Error(), "HTTP 400 (code -9999): 알 수 없는 오류가 발생했습니다") {
		t.Errorf("Error() = %q, want status, code and the Korean message intact", err.Error())
	}
	if !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("errors.Is(%v, ErrInvalidRequest) = false", err)
	}
	for _, sentinel := range []error{ErrNotFound, ErrAlreadyExists, ErrUnauthorized, ErrForbidden, ErrThrottled, ErrUnavailable} {
		if errors.Is(err, sentinel) {
			t.Errorf("errors.Is(%v, %v) = true for an answer the client does not know", err, sentinel)
		}
	}
	// The codes the provider reads as "parent not found" and "has children".
	if apiErr.Code == "-4030" || apiErr.Code == "-4050" {
		t.Errorf("code %q was rewritten to a known one", apiErr.Code)
	}
	if IsRetryable(err) {
		t.Errorf("%v reported as retryable", err)
	}
}

func TestUnknownWorkplaceError(t *testing.T) {
	t.Run("decoded", func(t *testing.T) {
		checkUnknownError(t, decodeAPIError(400, []byte(unknownWorkplaceError)))
	})
	t.Run("decoded from escaped JSON", func(t *testing.T) {
		escaped := `{"status":400,"code":-9999,"errors":[],"message":"\uc54c \uc218 \uc5c6\ub294 \uc624\ub958\uac00 \ubc1c\uc0dd\ud588\uc2b5\ub2c8\ub2e4"}`
		checkUnknownError(t, decodeAPIError(400, []byte(escaped)))
	})
	for name, call := range map[string]func(*Client) error{
		"get": func(c *Client) error { _, err := c.GetDepartment(context.Background(), "c1", "d"); return err },
		"create": func(c *Client) error {
			_, err := c.CreateDepartment(context.Background(), "c1", Department{ExternalKey: "d"})
			return err
		},
		"update": func(c *Client) error {
			_, err := c.UpdateDepartment(context.Background(), "c1", Department{ExternalKey: "d"})
			return err
		},
		"delete": func(c *Client) error { return c.DeleteDepartment(context.Background(), "c1", "d") },
		"organization": func(c *Client) error {
			_, err := c.GetOrganization(context.Background())
			return err
		},
	} {
		t.Run("over HTTP: "+name, func(t *testing.T) {
			srv := newScriptServer(t, scriptedResponse{status: 400, body: unknownWorkplaceError,
				header: map[string]string{"Content-Type": "application/json;charset=UTF-8"}})
			err := call(newTestClient(t, srv.URL))
			checkUnknownError(t, err)
			if srv.calls.Load() != 1 {
				t.Errorf("%d attempts, want 1", srv.calls.Load())
			}
		})
	}
}
