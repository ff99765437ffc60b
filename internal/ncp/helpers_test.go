package ncp

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgsync/orgsync/internal/clienttest"
)

const (
	testAccessKey  = "AKTESTACCESSKEY00001"
	testSecretKey  = "sk-TOP-SECRET-value-9f8e7d"
	testGatewayKey = "gw-TOP-SECRET-gateway-1a2b"
)

// testConfig is a Config for a local test server: no rate limit, tiny
// backoffs, a short per-attempt timeout.
func testConfig(endpoint string) Config {
	return Config{
		Credentials:          Credentials{AccessKey: testAccessKey, SecretKey: testSecretKey},
		WorkplaceEndpoint:    endpoint,
		OrganizationEndpoint: endpoint,
		Options:              clienttest.FastRetry(),
	}
}

func newTestClient(t testing.TB, endpoint string, mutate ...func(*Config)) *Client {
	t.Helper()
	return clienttest.New(t, "New", New, testConfig(endpoint), mutate...)
}

// recordedRequest is what a scripted server saw.
type recordedRequest struct {
	Method     string
	RequestURI string // exactly as on the request line
	Header     http.Header
	Body       string
}

// scriptServer answers each request with the next response of a script (the
// last one repeats) and records what it received.
type scriptServer struct {
	*httptest.Server
	mu        sync.Mutex
	requests  []recordedRequest
	responses []scriptedResponse
	calls     atomic.Int64
}

type scriptedResponse struct {
	status int
	body   string
	header map[string]string
}

func newScriptServer(t testing.TB, responses ...scriptedResponse) *scriptServer {
	t.Helper()
	s := &scriptServer{responses: responses}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *scriptServer) serve(w http.ResponseWriter, r *http.Request) {
	body := make([]byte, r.ContentLength)
	if r.ContentLength > 0 {
		_, _ = r.Body.Read(body)
	}
	s.mu.Lock()
	s.requests = append(s.requests, recordedRequest{Method: r.Method, RequestURI: r.RequestURI, Header: r.Header.Clone(), Body: string(body)})
	n := len(s.requests)
	s.mu.Unlock()
	s.calls.Add(1)

	resp := s.responses[min(n, len(s.responses))-1]
	for k, v := range resp.header {
		w.Header().Set(k, v)
	}
	if resp.body != "" && w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(resp.status)
	_, _ = w.Write([]byte(resp.body))
}

func (s *scriptServer) recorded() []recordedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recordedRequest(nil), s.requests...)
}

// recordSleeps replaces the client's sleep with one that records the waits and returns at once.
func recordSleeps(c *Client) *[]time.Duration { return clienttest.RecordWaits(&c.retry.Sleep) }

func ok(body string) scriptedResponse { return scriptedResponse{status: http.StatusOK, body: body} }

func status(code int, body string) scriptedResponse {
	return scriptedResponse{status: code, body: body}
}
