package httpretry

import "testing"

func TestAnswer(t *testing.T) {
	tests := map[string]struct {
		method, path, code string
		status             int
	}{
		"GET /open-api/v1/org answered HTTP 404 ORGANIZATION_NOT_FOUND": {"GET", "/open-api/v1/org", "ORGANIZATION_NOT_FOUND", 404},
		"POST /v1/organizations answered HTTP 503":                      {"POST", "/v1/organizations", "", 503},
	}
	for want, tt := range tests {
		if got := Answer(tt.method, tt.path, tt.status, tt.code); got != want {
			t.Errorf("Answer(%q, %q, %d, %q) = %q, want %q", tt.method, tt.path, tt.status, tt.code, got, want)
		}
	}
}

func TestErrorText(t *testing.T) {
	tests := map[string]ErrorText{
		"ncp: GET /v2/company/c1/department/d1: HTTP 404 (code -4040): department not found: d1": {
			Client: "ncp", Call: "GET /v2/company/c1/department/d1", Status: 404, Code: "-4040", Message: "department not found: d1", Attempts: 1,
		},
		"huaweicloud: oneaccess POST /api/v2/tenant/organizations: HTTP 503: Service Unavailable (after 3 attempts)": {
			Client: "huaweicloud", Call: "oneaccess POST /api/v2/tenant/organizations", Status: 503, Message: "Service Unavailable", Attempts: 3,
		},
		"ncp: GET /nope: HTTP 404 (code 300): Not Found (no route)": {
			Client: "ncp", Call: "GET /nope", Status: 404, Code: "300", Message: "Not Found", Note: "no route",
		},
		"ncp: HTTP 500": {Client: "ncp", Call: " ", Status: 500},
	}
	for want, text := range tests {
		if got := text.String(); got != want {
			t.Errorf("%+v.String() = %q, want %q", text, got, want)
		}
	}
}
