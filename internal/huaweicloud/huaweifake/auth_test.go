package huaweifake

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	testingclock "k8s.io/utils/clock/testing"

	"github.com/orgsync/orgsync/internal/fakeserver"
)

// Requests signed by Huawei's official SDK signer (huaweicloud-sdk-go-v3 v0.1.207, computed once
// in a throwaway module and confirmed with openssl; see internal/huaweicloud/signer_test.go).
// They test the fake's verifier without the client's signer, so a bug shared by both cannot hide.
const (
	sdkAK   = "AKEXAMPLE0000000001"
	sdkSK   = "SKEXAMPLEsecretKey0000000000000000000001"
	sdkDate = "20240315T101530Z"
)

type sdkSigned struct {
	name, method, url, host, body, securityToken, authorization string
}

var sdkRequests = []sdkSigned{
	{
		name: "get roots", method: http.MethodGet, url: "/v1/organizations/roots", host: "organizations.myhuaweicloud.com",
		authorization: "SDK-HMAC-SHA256 Access=AKEXAMPLE0000000001, SignedHeaders=host;x-sdk-date, " +
			"Signature=ca7fd88cebc3b1ad0d1361c2ded86e81993a4ce62a4a810bc8163b1c0fa123bd",
	},
	{
		name: "list with query", method: http.MethodGet, host: "organizations.myhuaweicloud.com",
		url: "/v1/organizations/organizational-units?parent_id=r-abc123&marker=ou-b%2Fc%20d&limit=2",
		authorization: "SDK-HMAC-SHA256 Access=AKEXAMPLE0000000001, SignedHeaders=host;x-sdk-date, " +
			"Signature=08c743e2769f1dfc2aacc0f525c5b4d77844b715afb4493f7b6f7339039a2277",
	},
	{
		name: "create with security token", method: http.MethodPost, host: "organizations.myhuaweicloud.com",
		url: "/v1/organizations/organizational-units", body: `{"name":"Sales & Ops","parent_id":"r-abc123"}`,
		securityToken: "  tmp-token-123  ",
		authorization: "SDK-HMAC-SHA256 Access=AKEXAMPLE0000000001, SignedHeaders=host;x-sdk-date;x-security-token, " +
			"Signature=0540415227c04f3082d86714af8d63ce2bbe85436de7353394f75c4d035231af",
	},
	{
		name: "escaped segment", method: http.MethodPatch, host: "127.0.0.1:8443",
		url: "/v1/organizations/organizational-units/ou-%C3%A9%20x~y?b=2&a=z&a=y", body: `{"name":"R&D"}`,
		authorization: "SDK-HMAC-SHA256 Access=AKEXAMPLE0000000001, SignedHeaders=host;x-sdk-date, " +
			"Signature=0fc0aab3ebbb788aa06cb3534c28910156e3ac6dcb76aa258d418bf3a57c191d",
	},
}

func serve(f *Fake, s sdkSigned, mutate func(*http.Request)) (int, errorBody) {
	req := httptest.NewRequest(s.method, s.url, strings.NewReader(s.body))
	req.Host = s.host
	req.Header.Set("X-Sdk-Date", sdkDate)
	req.Header.Set("Authorization", s.authorization)
	if s.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.securityToken != "" {
		req.Header.Set("X-Security-Token", s.securityToken)
	}
	if mutate != nil {
		mutate(req)
	}
	return serveError(f, req)
}

func TestSignatureVerification(t *testing.T) {
	signedAt, err := time.Parse("20060102T150405Z", sdkDate)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		serverTime time.Time
		mutate     func(*http.Request)
		want401    bool
	}{
		{name: "as signed", serverTime: signedAt},
		{name: "14m59s later", serverTime: signedAt.Add(15*time.Minute - time.Second)},
		{name: "14m59s earlier", serverTime: signedAt.Add(-15*time.Minute + time.Second)},
		{name: "15 minutes later", serverTime: signedAt.Add(15 * time.Minute), want401: true},
		{name: "15 minutes earlier", serverTime: signedAt.Add(-15 * time.Minute), want401: true},
		{name: "wrong signature", serverTime: signedAt, want401: true, mutate: func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:len(a)-1]+"0")
		}},
		{name: "other host", serverTime: signedAt, want401: true, mutate: func(r *http.Request) { r.Host = "evil.example" }},
		{name: "other query", serverTime: signedAt, want401: true, mutate: func(r *http.Request) { r.URL.RawQuery += "&x=1" }},
		{name: "unknown access key", serverTime: signedAt, want401: true, mutate: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), sdkAK, "AKOTHER", 1))
		}},
		{name: "date not signed", serverTime: signedAt, want401: true, mutate: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "x-sdk-date", "x-other", 1))
		}},
		{name: "no authorization", serverTime: signedAt, want401: true, mutate: func(r *http.Request) { r.Header.Del("Authorization") }},
		{name: "bearer instead of signature", serverTime: signedAt, want401: true, mutate: func(r *http.Request) {
			r.Header.Set("Authorization", "Bearer abc")
		}},
	}
	for _, s := range sdkRequests {
		for _, tt := range tests {
			t.Run(s.name+"/"+tt.name, func(t *testing.T) {
				clk := testingclock.NewFakeClock(tt.serverTime)
				f := New(Options{Options: fakeserver.Options{Now: clk.Now}})
				token := strings.TrimSpace(s.securityToken)
				f.AddAccount(sdkAK, sdkSK, token)
				status, body := serve(f, s, tt.mutate)
				if tt.want401 {
					if status != http.StatusUnauthorized || body.ErrorCode != "APIGW.0301" {
						t.Errorf("status %d code %q, want 401 APIGW.0301", status, body.ErrorCode)
					}
					return
				}
				// Accepted: the account has no organization, which only an authenticated request
				// learns, answered as Huawei does (401 Organizations.1015, not APIGW.0301).
				if status != http.StatusUnauthorized || body.ErrorCode != codeNoOrganization {
					t.Fatalf("a request signed by the SDK: %d %+v, want 401 %s", status, body, codeNoOrganization)
				}
				if got := f.Requests(); len(got) != 1 || got[0].AccessKey != sdkAK {
					t.Errorf("request log = %+v", got)
				}
			})
		}
	}
}

func TestSecurityTokenRequired(t *testing.T) {
	signedAt, _ := time.Parse("20060102T150405Z", sdkDate)
	f := New(Options{Options: fakeserver.Options{Now: func() time.Time { return signedAt }}})
	f.AddAccount(sdkAK, sdkSK, "another-token")
	if status, _ := serve(f, sdkRequests[2], nil); status != http.StatusUnauthorized {
		t.Errorf("status = %d with the wrong security token, want 401", status)
	}
	// The right token, sent but not signed: the token must be signed when present.
	f.AddAccount(sdkAK, sdkSK, "tmp-token-123")
	unsigned := func(r *http.Request) { r.Header.Set("X-Security-Token", "tmp-token-123") }
	if status, body := serve(f, sdkRequests[0], unsigned); status != http.StatusUnauthorized || body.ErrorCode != "APIGW.0301" {
		t.Errorf("status = %d %q with the security token sent but not signed, want 401 APIGW.0301", status, body.ErrorCode)
	}
}

func TestTokenIssuanceAndExpiry(t *testing.T) {
	clk := testingclock.NewFakeClock(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
	srv := NewServer(Options{ClientID: "app", ClientSecret: "s3cret", TokenTTL: time.Minute, Options: fakeserver.Options{Now: clk.Now}})
	defer srv.Close()

	token := func(id, secret, grant string) (int, map[string]any) {
		form := url.Values{"grant_type": {grant}, "client_id": {id}, "client_secret": {secret}}
		resp, err := http.PostForm(srv.URL()+"/api/v2/tenant/token", form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	list := func(tok string) int {
		req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/api/v2/tenant/organizations", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json;charset=utf8")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	// The token API reference documents one refusal: 400 {"error_code","error_msg"}.
	refusals := []struct {
		name, id, secret, grant, code string
	}{
		{"wrong secret", "app", "wrong", "client_credentials", codeCredentialsRefused},
		{"wrong client", "other", "s3cret", "client_credentials", codeCredentialsRefused},
		{"no client", "", "", "client_credentials", codeCredentialsRefused},
		{"secret of another case", "app", "S3CRET", "client_credentials", codeCredentialsRefused},
		{"wrong grant", "app", "s3cret", "password", codeTokenRequestBad},
	}
	for _, tt := range refusals {
		status, body := token(tt.id, tt.secret, tt.grant)
		msg, _ := body["error_msg"].(string)
		if status != http.StatusBadRequest || body["error_code"] != tt.code || msg == "" || body["access_token"] != nil {
			t.Errorf("%s: %d %v, want 400 with error_code %s and an error_msg", tt.name, status, body, tt.code)
		}
		if strings.Contains(msg, "s3cret") || tt.secret != "" && strings.Contains(msg, tt.secret) {
			t.Errorf("%s: the answer echoes the secret: %q", tt.name, msg)
		}
	}
	if n := srv.TokensIssued(); n != 0 {
		t.Fatalf("refused requests issued %d tokens", n)
	}
	status, body := token("app", "s3cret", "client_credentials")
	if status != 200 || body["token_type"] != "Bearer" || body["expires_in"] != float64(60) {
		t.Fatalf("token: %d %v", status, body)
	}
	tok, _ := body["access_token"].(string)

	if got := list(tok); got != 200 {
		t.Errorf("fresh token: %d", got)
	}
	if got := list("not-issued"); got != 401 {
		t.Errorf("unknown token: %d", got)
	}
	clk.Step(59 * time.Second)
	if got := list(tok); got != 200 {
		t.Errorf("token 59s old: %d", got)
	}
	clk.Step(time.Second)
	if got := list(tok); got != 401 {
		t.Errorf("expired token: %d, want 401", got)
	}
	if f := srv.TokensIssued(); f != 1 {
		t.Errorf("TokensIssued = %d", f)
	}
	_, body = token("app", "s3cret", "client_credentials")
	fresh, _ := body["access_token"].(string)
	srv.ExpireTokens()
	if got := list(fresh); got != 401 {
		t.Errorf("after ExpireTokens: %d", got)
	}
	for _, r := range srv.Requests() {
		if strings.Contains(r.Query, "s3cret") || strings.Contains(r.Path, tok) {
			t.Errorf("request log leaks a secret: %+v", r)
		}
	}
}
