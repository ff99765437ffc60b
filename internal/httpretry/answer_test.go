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
