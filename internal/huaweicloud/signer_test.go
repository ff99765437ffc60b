package huaweicloud

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The vectors below were computed twice, independently of this package:
//
//  1. With Huawei's official SDK (github.com/huaweicloud/huaweicloud-sdk-go-v3 v0.1.207,
//     core/auth/signer.Sign) in a throwaway module outside this repository, building each request
//     with request.NewHttpRequestBuilder (endpoint https://organizations.myhuaweicloud.com, the
//     headers listed, Host added as a header parameter so that it is signed).
//
//  2. With openssl, from the canonical request written out by hand:
//
//     SK=SKEXAMPLEsecretKey0000000000000000000001
//     EMPTY=$(printf ” | openssl dgst -sha256 -hex | awk '{print $NF}')
//     CR=$(printf 'GET\n/v1/organizations/organizational-units/\nlimit=2&marker=ou-b%%2Fc%%20d&parent_id=r-abc123\nhost:organizations.myhuaweicloud.com\nx-sdk-date:20240315T101530Z\n\nhost;x-sdk-date\n%s' "$EMPTY")
//     H=$(printf '%s' "$CR" | openssl dgst -sha256 -hex | awk '{print $NF}')
//     printf 'SDK-HMAC-SHA256\n20240315T101530Z\n%s' "$H" | openssl dgst -sha256 -hmac "$SK" -hex
//     # 08c743e2769f1dfc2aacc0f525c5b4d77844b715afb4493f7b6f7339039a2277
//
//     The other cases change only the canonical request:
//     roots:  'GET\n/v1/organizations/roots/\n\nhost:...\nx-sdk-date:...\n\nhost;x-sdk-date\n'$EMPTY
//     create: 'POST\n/v1/organizations/organizational-units/\n\nhost:...\nx-sdk-date:...\n
//     x-security-token:tmp-token-123\n\nhost;x-sdk-date;x-security-token\n'$(sha256 of body)
//     rename: 'PATCH\n/v1/organizations/organizational-units/ou-%C3%A9%20x~y/\na=y&a=z&b=2\n
//     host:127.0.0.1:8443\nx-sdk-date:...\n\nhost;x-sdk-date\n'$(sha256 of body)
//
// Both derivations gave the same signatures.
const (
	vectorAK   = "AKEXAMPLE0000000001"
	vectorSK   = "SKEXAMPLEsecretKey0000000000000000000001"
	vectorDate = "20240315T101530Z"
)

func TestSignVectors(t *testing.T) {
	at, err := time.Parse(SdkDateFormat, vectorDate)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		method  string
		rawURL  string
		body    string
		headers map[string]string
		want    string
	}{
		{
			name:   "get roots",
			method: http.MethodGet, rawURL: "https://organizations.myhuaweicloud.com/v1/organizations/roots",
			want: "SDK-HMAC-SHA256 Access=AKEXAMPLE0000000001, SignedHeaders=host;x-sdk-date, " +
				"Signature=ca7fd88cebc3b1ad0d1361c2ded86e81993a4ce62a4a810bc8163b1c0fa123bd",
		},
		{
			// Only X-Sdk-Date must be signed: signing a header a proxy may rewrite would fail
			// every call behind it. The signature is the one without them.
			name:   "Accept and User-Agent, which a proxy may rewrite, unsigned",
			method: http.MethodGet, rawURL: "https://organizations.myhuaweicloud.com/v1/organizations/roots",
			headers: map[string]string{"Accept": "application/json", "User-Agent": "orgsync/v1"},
			want: "SDK-HMAC-SHA256 Access=AKEXAMPLE0000000001, SignedHeaders=host;x-sdk-date, " +
				"Signature=ca7fd88cebc3b1ad0d1361c2ded86e81993a4ce62a4a810bc8163b1c0fa123bd",
		},
		{
			name:   "list with escaped query, keys sorted",
			method: http.MethodGet,
			rawURL: "https://organizations.myhuaweicloud.com/v1/organizations/organizational-units?parent_id=r-abc123&marker=ou-b%2Fc%20d&limit=2",
			want: "SDK-HMAC-SHA256 Access=AKEXAMPLE0000000001, SignedHeaders=host;x-sdk-date, " +
				"Signature=08c743e2769f1dfc2aacc0f525c5b4d77844b715afb4493f7b6f7339039a2277",
		},
		{
			name:   "post body, security token trimmed, content-type and underscore names unsigned",
			method: http.MethodPost, rawURL: "https://organizations.myhuaweicloud.com/v1/organizations/organizational-units",
			body: `{"name":"Sales & Ops","parent_id":"r-abc123"}`,
			headers: map[string]string{
				"Content-Type": "application/json;charset=UTF-8", "X-Security-Token": "  tmp-token-123  ", "X_Custom": "skipped",
			},
			want: "SDK-HMAC-SHA256 Access=AKEXAMPLE0000000001, SignedHeaders=host;x-sdk-date;x-security-token, " +
				"Signature=0540415227c04f3082d86714af8d63ce2bbe85436de7353394f75c4d035231af",
		},
		{
			name:   "escaped path segment, repeated query key with sorted values, host with port",
			method: http.MethodPatch, rawURL: "http://127.0.0.1:8443/v1/organizations/organizational-units/ou-%C3%A9%20x~y?b=2&a=z&a=y",
			body:    `{"name":"R&D"}`,
			headers: map[string]string{"Content-Type": "application/json"},
			want: "SDK-HMAC-SHA256 Access=AKEXAMPLE0000000001, SignedHeaders=host;x-sdk-date, " +
				"Signature=0fc0aab3ebbb788aa06cb3534c28910156e3ac6dcb76aa258d418bf3a57c191d",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, tt.rawURL, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.headers {
				req.Header[k] = []string{v} // as sent, without canonicalising "X_Custom"
			}
			var body []byte
			if tt.body != "" {
				body = []byte(tt.body)
			}
			Sign(req, body, vectorAK, vectorSK, at)
			if got := req.Header.Get("Authorization"); got != tt.want {
				t.Errorf("Authorization =\n  %s\nwant\n  %s", got, tt.want)
			}
			if got := req.Header.Get(HeaderSdkDate); got != vectorDate {
				t.Errorf("X-Sdk-Date = %q", got)
			}
		})
	}
}

// TestCanonicalRequestSDKVector checks the vector published in the SDK's own signer_test.go
// (core/auth/signer, v0.1.207: GET https://example.huaweicloud.com/path?limit=1 with headers
// X-Sdk-Date: 20060102T150405Z and TEST_UNDERSCORE: TEST_VALUE, AK "AccessKey", SK "SecretKey";
// the SDK does not sign the host there because it was not given as a header).
func TestCanonicalRequestSDKVector(t *testing.T) {
	headers := map[string][]string{"x-sdk-date": {"20060102T150405Z"}, "test_underscore": {"TEST_VALUE"}}
	emptyHash := "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	canonical, signed := canonicalRequest("GET", "/path", url.Values{"limit": {"1"}}, headers, emptyHash)
	wantCanonical := "GET\n/path/\nlimit=1\nx-sdk-date:20060102T150405Z\n\nx-sdk-date\n" + emptyHash
	if canonical != wantCanonical {
		t.Errorf("canonical request =\n%q\nwant\n%q", canonical, wantCanonical)
	}
	if strings.Join(signed, ";") != "x-sdk-date" {
		t.Errorf("signed headers = %v", signed)
	}
	got := signString("SecretKey", stringToSign("20060102T150405Z", canonical))
	if want := "5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624"; got != want {
		t.Errorf("signature = %s, want %s", got, want)
	}
}

func TestCanonicalURIAndQuery(t *testing.T) {
	uris := []struct{ path, want string }{
		{"", "/"},
		{"/", "/"},
		{"/v1/organizations", "/v1/organizations/"},
		{"/v1/organizations/", "/v1/organizations/"},
		{"/a b/c+d/é/~x.y_z-", "/a%20b/c%2Bd/%C3%A9/~x.y_z-/"},
	}
	for _, tt := range uris {
		if got := canonicalURI(tt.path); got != tt.want {
			t.Errorf("canonicalURI(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
	query := url.Values{"b": {"2"}, "a": {"z", "y"}, "k&=": {"v/ w"}}
	if got, want := canonicalQuery(query), "a=y&a=z&b=2&k%26%3D=v%2F%20w"; got != want {
		t.Errorf("canonicalQuery = %q, want %q", got, want)
	}
}
