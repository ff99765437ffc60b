package ncpfake

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/internal/fakeserver"
)

const (
	testAccessKey = "AKTEST0001"
	testSecretKey = "s3cr3t"
	testCompany   = "c1798784-9a47-4751-ab9f-b9629825ab93"
	deptBase      = "/organization/apigw/v2/company/" + testCompany + "/department"
)

// testEpoch is the fixed server clock of test servers.
var testEpoch = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// newTestServer starts a fake with the test account and company and a fixed clock.
func newTestServer(t *testing.T) *Server {
	t.Helper()
	s := NewServer(Options{
		AccessKey:  testAccessKey,
		SecretKey:  testSecretKey,
		CompanyIDs: []string{testCompany},
		Options:    fakeserver.Options{Now: func() time.Time { return testEpoch }},
	})
	t.Cleanup(s.Close)
	return s
}

// sign computes signature v2 independently of the fake's own implementation.
func sign(secretKey, method, requestURI, timestamp, accessKey string) string {
	mac := hmac.New(sha256.New, []byte(secretKey))
	_, _ = io.WriteString(mac, method+" "+requestURI+"\n"+timestamp+"\n"+accessKey) // a hash never fails to write
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// caller sends signed requests to a server as one account.
type caller struct {
	t         *testing.T
	baseURL   string
	accessKey string
	secretKey string
	at        time.Time // the timestamp to sign with
}

func newCaller(t *testing.T, s *Server) caller {
	return caller{t: t, baseURL: s.URL(), accessKey: testAccessKey, secretKey: testSecretKey, at: testEpoch}
}

// newTestCaller starts a test server (newTestServer) and returns it with a caller of its account.
func newTestCaller(t *testing.T) (*Server, caller) {
	t.Helper()
	s := newTestServer(t)
	return s, newCaller(t, s)
}

// response is an answer read in full.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body as generic JSON.
func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decoding body %q: %v", r.body, err)
	}
	return v
}

// externalKeys returns the externalKey of each element of a listing answer's body, in order.
func externalKeys(body map[string]any) []any {
	var keys []any
	for _, e := range body["elements"].([]any) {
		keys = append(keys, e.(map[string]any)["externalKey"])
	}
	return keys
}

// do sends a signed request; body is marshalled unless it is a string or []byte (sent as is).
func (c caller) do(method, requestURI string, body any) response {
	c.t.Helper()
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		reader = bytes.NewReader([]byte(b))
	case []byte:
		reader = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.baseURL+requestURI, reader)
	if err != nil {
		c.t.Fatal(err)
	}
	if reader != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	c.sign(req)
	return send(c.t, req)
}

// sign adds the signature v2 headers to a request.
func (c caller) sign(req *http.Request) {
	timestamp := strconv.FormatInt(c.at.UnixMilli(), 10)
	req.Header.Set("x-ncp-apigw-timestamp", timestamp)
	req.Header.Set("x-ncp-iam-access-key", c.accessKey)
	req.Header.Set("x-ncp-apigw-signature-v2", sign(c.secretKey, req.Method, req.URL.RequestURI(), timestamp, c.accessKey))
}

func send(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: body}
}

// expect checks a response's status and, when want is not nil, its JSON body.
func expect(t *testing.T, got response, status int, want map[string]any) {
	t.Helper()
	if got.status != status {
		t.Fatalf("status = %d, want %d; body %s", got.status, status, got.body)
	}
	if want == nil {
		return
	}
	if diff := cmp.Diff(want, got.json(t)); diff != "" {
		t.Errorf("body mismatch (-want +got):\n%s", diff)
	}
}

// dept builds an add/edit body.
func dept(key, parent, name, dispOrd string) map[string]any {
	return map[string]any{
		"name":                  name,
		"deptExternalKey":       key,
		"parentDeptExternalKey": parent,
		"dispOrd":               dispOrd,
	}
}

// with returns a copy of a body with one field changed; a nil value removes it.
func with(body map[string]any, field string, value any) map[string]any {
	out := make(map[string]any, len(body))
	for k, v := range body {
		out[k] = v
	}
	if value == nil {
		delete(out, field)
	} else {
		out[field] = value
	}
	return out
}

// mustCreate adds a department over HTTP.
func (c caller) mustCreate(key, parent string) {
	c.t.Helper()
	expect(c.t, c.do(http.MethodPost, deptBase+"/"+key, dept(key, parent, "Dept "+key, "1")), http.StatusCreated, nil)
}

func workplaceErr(status, code int, message string) map[string]any {
	return map[string]any{"status": float64(status), "code": float64(code), "errors": []any{}, "message": message}
}

func gatewayErr(code, message string) map[string]any {
	return map[string]any{"error": map[string]any{"errorCode": code, "message": message}}
}

// expectWorkplaceError checks a WORKPLACE error body's shape, status, code and message.
func expectWorkplaceError(t *testing.T, got response, status, code int, message string) {
	t.Helper()
	if got.status != status {
		t.Fatalf("status = %d, want %d; body %s", got.status, status, got.body)
	}
	body := got.json(t)
	if _, ok := body["errors"].([]any); !ok {
		t.Errorf("errors = %#v, want an array; body %s", body["errors"], got.body)
	}
	if body["status"] != float64(status) || body["code"] != float64(code) || body["message"] != message {
		t.Errorf("body = %s, want status %d, code %d, message %q", got.body, status, code, message)
	}
}

// expectWorkplaceAnswer checks an answer that is to be a 200 when status is 200, and reports true
// for the caller to check what changed; otherwise it checks the WORKPLACE error status, code and
// message and reports false.
func expectWorkplaceAnswer(t *testing.T, got response, status, code int, message string) bool {
	t.Helper()
	if status != http.StatusOK {
		expectWorkplaceError(t, got, status, code, message)
		return false
	}
	expect(t, got, http.StatusOK, nil)
	return true
}
