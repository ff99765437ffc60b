package ncp

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSignDocumentedVector(t *testing.T) {
	// The worked example of docs/remote-apis.md, checked independently with:
	//
	//	s=$'GET /organization/apigw/v2/company/c1798784-9a47-4751-ab9f-b9629825ab93/department?offset=0&limit=10\n1505290625682\nD78BB444D6D3C84CA38A'
	//	printf '%s' "$s" | openssl dgst -sha256 -hmac secret -binary | base64 | od -An -c
	//
	// which gives q1ssXunkD1Qol1OjmPB04JQh7Hl897aTrneXbe7g67w= (HMAC hex
	// ab5b2c5e..., and 0xab encodes to 'q'). The document prints the first
	// character as an upper-case 'Q': a typo there, not a different scheme;
	// every other character matches.
	got := Sign(http.MethodGet,
		"/organization/apigw/v2/company/c1798784-9a47-4751-ab9f-b9629825ab93/department?offset=0&limit=10",
		"1505290625682", "D78BB444D6D3C84CA38A", "secret")
	const want = "q1ssXunkD1Qol1OjmPB04JQh7Hl897aTrneXbe7g67w="
	if got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	const documented = "Q1ssXunkD1Qol1OjmPB04JQh7Hl897aTrneXbe7g67w="
	if got[1:] != documented[1:] || !strings.EqualFold(got[:1], documented[:1]) {
		t.Fatalf("Sign = %s, differs from the documented %s beyond the first letter's case", got, documented)
	}
}

func TestSignCoversEveryPart(t *testing.T) {
	const uri = "/organization/apigw/v2/company/c1/department?offset=0&limit=10"
	base := Sign("GET", uri, "1505290625682", "AK", "secret")
	variants := []struct {
		name                                 string
		method, uri, timestamp, access, secr string
	}{
		{"method", "POST", uri, "1505290625682", "AK", "secret"},
		{"query dropped", "GET", "/organization/apigw/v2/company/c1/department", "1505290625682", "AK", "secret"},
		{"query reordered", "GET", "/organization/apigw/v2/company/c1/department?limit=10&offset=0", "1505290625682", "AK", "secret"},
		{"timestamp", "GET", uri, "1505290625683", "AK", "secret"},
		{"access key", "GET", uri, "1505290625682", "AK2", "secret"},
		{"secret key", "GET", uri, "1505290625682", "AK", "secret2"},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			if Sign(v.method, v.uri, v.timestamp, v.access, v.secr) == base {
				t.Fatalf("changing the %s did not change the signature", v.name)
			}
		})
	}
}

// TestSignedRequestURIMatchesWire checks, server side, that the signature
// covers exactly the request URI that arrived on the request line: escaped
// path segments (non-ASCII, slashes, spaces), base path prefixes and queries.
func TestSignedRequestURIMatchesWire(t *testing.T) {
	tests := []struct {
		name      string
		prefix    string
		company   string
		key       string
		list      bool
		wantURI   string
		wantQuery bool
	}{
		{name: "plain", company: "c1", key: "dept1",
			wantURI: "/organization/apigw/v2/company/c1/department/dept1"},
		{name: "non-ASCII key", company: "c1", key: "영업부",
			wantURI: "/organization/apigw/v2/company/c1/department/%EC%98%81%EC%97%85%EB%B6%80"},
		{name: "slash and space in key", company: "c1", key: "a/b c",
			wantURI: "/organization/apigw/v2/company/c1/department/a%2Fb%20c"},
		{name: "reserved characters", company: "c 1", key: "a?b#c%d",
			wantURI: "/organization/apigw/v2/company/c%201/department/a%3Fb%23c%25d"},
		{name: "endpoint with path prefix", prefix: "/gw/", company: "c1", key: "부서",
			wantURI: "/gw/organization/apigw/v2/company/c1/department/%EB%B6%80%EC%84%9C"},
		{name: "list with query", company: "c1798784-9a47-4751-ab9f-b9629825ab93", list: true,
			wantURI: "/organization/apigw/v2/company/c1798784-9a47-4751-ab9f-b9629825ab93/department?offset=0&limit=100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newScriptServer(t, ok(`{"elements":[],"totalCount":0}`))
			now := time.UnixMilli(1505290625682)
			c := newTestClient(t, srv.URL+tt.prefix, func(cfg *Config) {
				cfg.Now = func() time.Time { return now }
				cfg.Credentials.APIGatewayKey = testGatewayKey
			})
			var err error
			if tt.list {
				_, err = c.ListDepartments(context.Background(), tt.company)
			} else {
				_, err = c.GetDepartment(context.Background(), tt.company, tt.key)
			}
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			got := srv.recorded()[0]
			if got.RequestURI != tt.wantURI {
				t.Fatalf("request URI on the wire = %q, want %q", got.RequestURI, tt.wantURI)
			}
			ts := got.Header.Get(HeaderTimestamp)
			if ts != strconv.FormatInt(now.UnixMilli(), 10) {
				t.Errorf("timestamp header = %q, want %d", ts, now.UnixMilli())
			}
			if ak := got.Header.Get(HeaderAccessKey); ak != testAccessKey {
				t.Errorf("access key header = %q", ak)
			}
			if gw := got.Header.Get(HeaderAPIKey); gw != testGatewayKey {
				t.Errorf("gateway key header = %q", gw)
			}
			want := Sign(http.MethodGet, got.RequestURI, ts, testAccessKey, testSecretKey)
			if sig := got.Header.Get(HeaderSignature); sig != want {
				t.Errorf("signature = %q, want %q (over %q)", sig, want, got.RequestURI)
			}
		})
	}
}

func TestGatewayKeyHeaderOnlyWhenConfigured(t *testing.T) {
	srv := newScriptServer(t, ok(`{"externalKey":"d"}`))
	c := newTestClient(t, srv.URL)
	if _, err := c.GetDepartment(context.Background(), "c1", "d"); err != nil {
		t.Fatal(err)
	}
	if _, present := srv.recorded()[0].Header[http.CanonicalHeaderKey(HeaderAPIKey)]; present {
		t.Fatal("x-ncp-apigw-api-key sent although no gateway key is configured")
	}
}
