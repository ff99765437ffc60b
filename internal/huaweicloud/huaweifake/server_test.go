package huaweifake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"
)

// tokenFor fetches a OneAccess token from the server.
func tokenFor(t *testing.T, srv *Server) string {
	t.Helper()
	resp, err := http.PostForm(srv.URL()+tokenPath, url.Values{
		"grant_type": {"client_credentials"}, "client_id": {"app"}, "client_secret": {"secret"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer tokenAnswer
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || answer.AccessToken == "" {
		t.Fatalf("token: %v %+v", err, answer)
	}
	return answer.AccessToken
}

// newOneAccessServer serves a fake with the OneAccess application "app"/"secret", closed when the
// test ends, and returns it with a bearer token issued to that application.
func newOneAccessServer(t *testing.T) (*Server, string) {
	t.Helper()
	srv := NewServer(Options{ClientID: "app", ClientSecret: "secret"})
	t.Cleanup(srv.Close)
	return srv, tokenFor(t, srv)
}

// roundTrip makes a OneAccess request with the bearer token and returns the status, the headers and
// the body.
func roundTrip(t *testing.T, srv *Server, token, method, pathAndQuery, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL()+pathAndQuery, bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json;charset=utf8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err) // not Fatal: called from goroutines
		return 0, nil, nil
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, data
}

func TestFaultsAndRequestLog(t *testing.T) {
	srv, token := newOneAccessServer(t)

	tests := []struct {
		name       string
		faults     Faults
		wantStatus int
	}{
		{"throttled", Faults{ThrottleFraction: 1, RetryAfter: 1500 * time.Millisecond}, 429},
		{"unavailable", Faults{UnavailableFraction: 1}, 503},
		{"no faults", Faults{}, 200},
		{"latency", Faults{Latency: 30 * time.Millisecond}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.SetFaults(tt.faults)
			start := time.Now()
			status, header, _ := roundTrip(t, srv, token, http.MethodGet, orgUnitsPath, "")
			if status != tt.wantStatus {
				t.Errorf("status %d, want %d", status, tt.wantStatus)
			}
			if tt.faults.RetryAfter > 0 && header.Get("Retry-After") != "2" {
				t.Errorf("Retry-After = %q, want 2", header.Get("Retry-After"))
			}
			if time.Since(start) < tt.faults.Latency {
				t.Errorf("answered before the injected latency")
			}
		})
	}

	srv.SetFaults(Faults{RateLimit: 1})
	first, _ := send(t, srv, token, http.MethodGet, orgUnitsPath, "")
	second, _ := send(t, srv, token, http.MethodGet, orgUnitsPath, "")
	if first != 200 || second != 429 {
		t.Errorf("rate cap: %d then %d, want 200 then 429", first, second)
	}
	srv.SetFaults(Faults{})

	srv.ResetRequests()
	send(t, srv, token, http.MethodPost, orgUnitsPath, `{"code":"a","name":"A"}`)
	send(t, srv, "expired", http.MethodGet, orgUnitsPath, "")
	send(t, srv, token, http.MethodGet, "/nope", "")
	var got []string
	for _, r := range srv.Requests() {
		got = append(got, fmt.Sprintf("%s %s %d", r.Method, r.Path, r.Status))
	}
	want := []string{"POST /api/v2/tenant/organizations 201", "GET /api/v2/tenant/organizations 401", "GET /nope 404"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("log = %v, want %v", got, want)
	}
}

func TestDriftAndConcurrency(t *testing.T) {
	srv, token := newOneAccessServer(t)

	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			// Every goroutine races for the same code: exactly one may win.
			send(t, srv, token, http.MethodPost, orgUnitsPath, `{"code":"same","name":"Same"}`)
			send(t, srv, token, http.MethodPost, orgUnitsPath, fmt.Sprintf(`{"code":"u%d","name":"U %d"}`, i, i))
			_ = srv.OrgUnits()
			_ = srv.Requests()
		})
	}
	wg.Wait()
	if n := len(srv.OrgUnits()); n != 21 {
		t.Errorf("%d units, want 21", n)
	}

	u, ok := srv.OrgUnitByCode("same")
	if !ok {
		t.Fatal("unit missing")
	}
	u.Name = "Drifted"
	srv.PutOrgUnit(u)
	if got, _ := srv.OrgUnitByCode("same"); got.Name != "Drifted" {
		t.Errorf("PutOrgUnit did not replace: %+v", got)
	}
	id := srv.PutOrgUnit(OrgUnit{Code: "out-of-band", Name: "Out of band"})
	if status, _ := send(t, srv, token, http.MethodGet, orgUnitsPath+"/"+id, ""); status != 200 {
		t.Errorf("get a unit added with PutOrgUnit: %d", status)
	}
}

func TestFaultsForSelectedRequests(t *testing.T) {
	srv, token := newOneAccessServer(t)
	secondPage := func(r *http.Request) bool { return r.URL.Query().Get("offset") == "1" }

	tests := []struct {
		name        string
		faults      Faults
		query       string
		wantStatus  int
		wantLatency time.Duration
	}{
		{"unavailable: selected page", Faults{UnavailableFraction: 1, Select: secondPage}, "offset=1&limit=10", 503, 0},
		{"unavailable: other page", Faults{UnavailableFraction: 1, Select: secondPage}, "offset=0&limit=10", 200, 0},
		{"throttled: selected page", Faults{ThrottleFraction: 1, Select: secondPage}, "offset=1&limit=10", 429, 0},
		{"latency: selected page", Faults{Latency: 50 * time.Millisecond, Select: secondPage}, "offset=1&limit=10", 200, 50 * time.Millisecond},
		{"latency: other page", Faults{Latency: time.Hour, Select: secondPage}, "offset=0&limit=10", 200, 0},
		{"rate cap spares other pages", Faults{RateLimit: 0.001, Select: secondPage}, "offset=0&limit=10", 200, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.SetFaults(tt.faults)
			for range 3 {
				start := time.Now()
				status, _ := send(t, srv, token, http.MethodGet, orgUnitsPath+"?"+tt.query, "")
				if status != tt.wantStatus {
					t.Errorf("status %d, want %d", status, tt.wantStatus)
				}
				if elapsed := time.Since(start); elapsed < tt.wantLatency || (tt.wantLatency == 0 && elapsed > 10*time.Second) {
					t.Errorf("answered after %s, want at least %s", elapsed, tt.wantLatency)
				}
			}
		})
	}
	srv.SetFaults(Faults{})
	srv.ResetRequests()
	srv.SetFaults(Faults{UnavailableFraction: 1, Select: secondPage})
	send(t, srv, token, http.MethodGet, orgUnitsPath+"?offset=0&limit=10", "")
	send(t, srv, token, http.MethodGet, orgUnitsPath+"?offset=1&limit=10", "")
	var got []string
	for _, r := range srv.Requests() {
		got = append(got, fmt.Sprintf("%s %s?%s %d", r.Method, r.Path, r.Query, r.Status))
	}
	want := []string{"GET /api/v2/tenant/organizations?offset=0&limit=10 200", "GET /api/v2/tenant/organizations?offset=1&limit=10 503"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("log = %v, want %v", got, want)
	}
}

// Every OneAccess call documents Content-Type application/json;charset=utf8 as mandatory, those
// without a body included: the fake refuses one without it, and nothing changes.
func TestOneAccessRequiresTheDocumentedContentType(t *testing.T) {
	srv, token := newOneAccessServer(t)
	for method, path := range map[string]string{
		http.MethodGet: "/api/v2/tenant/organizations?offset=0&limit=10", http.MethodDelete: "/api/v2/tenant/organizations/any-unit",
	} {
		req, err := http.NewRequest(method, srv.URL()+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s without Content-Type: %d, want 400", method, resp.StatusCode)
		}
	}
	if status, _, body := roundTrip(t, srv, token, http.MethodGet, "/api/v2/tenant/organizations?offset=0&limit=10", ""); status != http.StatusOK {
		t.Errorf("GET with the documented Content-Type: %d %s, want 200", status, body)
	}
}
