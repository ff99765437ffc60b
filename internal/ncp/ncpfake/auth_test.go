package ncpfake

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

// The worked example of remote-apis.md, checked against both the test's signer and the fake's.
// remote-apis.md prints the signature with a capital "Q"; the HMAC is ab5b2c5e... in hex, whose
// standard base64 starts with a lower-case "q" (openssl ... | base64 agrees).
func TestSignatureWorkedExample(t *testing.T) {
	const want = "q1ssXunkD1Qol1OjmPB04JQh7Hl897aTrneXbe7g67w="
	uri := "/organization/apigw/v2/company/c1798784-9a47-4751-ab9f-b9629825ab93/department?offset=0&limit=10"
	args := []string{"GET", uri, "1505290625682", "D78BB444D6D3C84CA38A"}
	if got := sign("secret", args[0], args[1], args[2], args[3]); got != want {
		t.Errorf("test signer = %s, want %s", got, want)
	}
	if got := signature2("secret", args[0], args[1], args[2], args[3]); got != want {
		t.Errorf("fake signer = %s, want %s", got, want)
	}
}

func TestAuthentication(t *testing.T) {
	s := newTestServer(t)
	s.AddAccount("AKSECOND", "other-secret")
	authFailed := gatewayErr("200", "Authentication Failed")

	tests := []struct {
		name   string
		modify func(*caller)
		uri    string
		status int
	}{
		{name: "right secret", modify: func(*caller) {}, status: http.StatusOK},
		{name: "second account", modify: func(c *caller) { c.accessKey, c.secretKey = "AKSECOND", "other-secret" }, status: http.StatusOK},
		{name: "wrong secret", modify: func(c *caller) { c.secretKey = "wrong" }, status: http.StatusUnauthorized},
		{name: "unknown access key", modify: func(c *caller) { c.accessKey = "AKUNKNOWN" }, status: http.StatusUnauthorized},
		{name: "another account's secret", modify: func(c *caller) { c.secretKey = "other-secret" }, status: http.StatusUnauthorized},
		{name: "6 minutes old", modify: func(c *caller) { c.at = testEpoch.Add(-6 * time.Minute) }, status: http.StatusUnauthorized},
		{name: "6 minutes ahead", modify: func(c *caller) { c.at = testEpoch.Add(6 * time.Minute) }, status: http.StatusUnauthorized},
		{name: "exactly 5 minutes old", modify: func(c *caller) { c.at = testEpoch.Add(-5 * time.Minute) }, status: http.StatusUnauthorized},
		{name: "4m59s old", modify: func(c *caller) { c.at = testEpoch.Add(-4*time.Minute - 59*time.Second) }, status: http.StatusOK},
		{name: "4m59s ahead", modify: func(c *caller) { c.at = testEpoch.Add(4*time.Minute + 59*time.Second) }, status: http.StatusOK},
		{name: "query signed", modify: func(*caller) {}, uri: deptBase + "?offset=0&limit=10", status: http.StatusOK},
		{name: "organization API", modify: func(c *caller) { c.secretKey = "wrong" }, uri: "/open-api/v1/org", status: http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCaller(t, s)
			tt.modify(&c)
			uri := tt.uri
			if uri == "" {
				uri = deptBase
			}
			got := c.do(http.MethodGet, uri, nil)
			if tt.status == http.StatusUnauthorized {
				expect(t, got, tt.status, authFailed)
				return
			}
			expect(t, got, tt.status, nil)
		})
	}
}

// Requests whose headers are missing, malformed, or signed over something other than what was
// sent are rejected too.
func TestAuthenticationMalformed(t *testing.T) {
	s := newTestServer(t)
	timestamp := strconv.FormatInt(testEpoch.UnixMilli(), 10)
	good := func(method, uri string) map[string]string {
		return map[string]string{
			"x-ncp-apigw-timestamp":    timestamp,
			"x-ncp-iam-access-key":     testAccessKey,
			"x-ncp-apigw-signature-v2": sign(testSecretKey, method, uri, timestamp, testAccessKey),
		}
	}
	tests := []struct {
		name    string
		uri     string
		headers func() map[string]string
	}{
		{"no headers", deptBase, func() map[string]string { return nil }},
		{"no signature", deptBase, func() map[string]string {
			h := good("GET", deptBase)
			delete(h, "x-ncp-apigw-signature-v2")
			return h
		}},
		{"no timestamp", deptBase, func() map[string]string {
			h := good("GET", deptBase)
			delete(h, "x-ncp-apigw-timestamp")
			return h
		}},
		{"timestamp in seconds", deptBase, func() map[string]string {
			h := good("GET", deptBase)
			h["x-ncp-apigw-timestamp"] = strconv.FormatInt(testEpoch.Unix(), 10)
			return h
		}},
		{"timestamp not a number", deptBase, func() map[string]string {
			h := good("GET", deptBase)
			h["x-ncp-apigw-timestamp"] = "yesterday"
			return h
		}},
		{"signed without the query", deptBase + "?offset=0&limit=10", func() map[string]string { return good("GET", deptBase) }},
		{"signed with another method", deptBase, func() map[string]string { return good("POST", deptBase) }},
		{"signature of another timestamp", deptBase, func() map[string]string {
			h := good("GET", deptBase)
			h["x-ncp-apigw-timestamp"] = strconv.FormatInt(testEpoch.UnixMilli()+1, 10)
			return h
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, s.URL()+tt.uri, nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.headers() {
				req.Header.Set(k, v)
			}
			expect(t, send(t, req), http.StatusUnauthorized, gatewayErr("200", "Authentication Failed"))
		})
	}
}
