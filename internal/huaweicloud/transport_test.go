package huaweicloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/orgsync/orgsync/internal/clienttest"
	"github.com/orgsync/orgsync/internal/httpretry"
	"github.com/orgsync/orgsync/internal/huaweicloud/huaweifake"
	"github.com/orgsync/orgsync/internal/scrub"
)

// scripted answers the n-th request with answers[min(n, len)-1] and counts requests; the token
// endpoint always succeeds and is not counted.
type scripted struct {
	*httptest.Server
	calls   atomic.Int64
	mu      sync.Mutex
	headers []http.Header
}

type answer struct {
	status int
	body   string
	header map[string]string
}

func newScripted(t *testing.T, answers ...answer) *scripted {
	t.Helper()
	s := &scripted{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v2/tenant/token" {
			_, _ = w.Write([]byte(`{"access_token":"tok-TOP-SECRET-1","token_type":"Bearer","expires_in":1800}`))
			return
		}
		n := int(s.calls.Add(1))
		s.mu.Lock()
		s.headers = append(s.headers, r.Header.Clone())
		s.mu.Unlock()
		a := answers[min(n, len(answers))-1]
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.body))
	}))
	t.Cleanup(s.Close)
	return s
}

// recordWaits replaces a transport's sleep with one that records the waits and returns at once.
func recordWaits(tr *transport) *[]time.Duration { return clienttest.RecordWaits(&tr.retry.Sleep) }

func TestRetries(t *testing.T) {
	throttled := answer{status: 429, body: `{"error_code":"APIGW.0308","error_msg":"throttled"}`}
	unavailable := answer{status: 503, body: `{"error_code":"APIGW.0503","error_msg":"busy"}`}
	conflict := answer{status: 409, body: `{"error_code":"Organizations.1003","error_msg":"concurrent modification"}`}
	created := answer{status: 201, body: `{"organizational_unit":{"id":"ou-1","name":"A"}}`}
	okList := answer{status: 200, body: `{"organizational_units":[],"page_info":{}}`}
	create := func(c *OrganizationsClient) error {
		_, err := c.CreateOrganizationalUnit(context.Background(), "A", "r-1")
		return err
	}
	get := func(c *OrganizationsClient) error { _, err := c.GetOrganization(context.Background()); return err }

	tests := []struct {
		name      string
		answers   []answer
		call      func(*OrganizationsClient) error
		wantCalls int64
		wantErr   error
	}{
		{"POST retried after throttling", []answer{throttled, throttled, created}, create, 3, nil},
		{"POST retried after 1003", []answer{conflict, created}, create, 2, nil},
		{"POST not retried after 503", []answer{unavailable, created}, create, 1, ErrUnavailable},
		{"GET retried after 503", []answer{unavailable, unavailable, okList},
			func(c *OrganizationsClient) error {
				_, err := c.ListOrganizationalUnits(context.Background(), "")
				return err
			}, 3, nil},
		{"PATCH rename retried after 503", []answer{unavailable, created},
			func(c *OrganizationsClient) error {
				_, err := c.RenameOrganizationalUnit(context.Background(), "ou-1", "A")
				return err
			}, 2, nil},
		{"bounded by MaxAttempts", []answer{throttled}, get, 4, ErrThrottled},
		{"400 not retried", []answer{{status: 400, body: `{"error_code":"Organizations.1105","error_msg":"bad"}`}}, get, 1, ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScripted(t, tt.answers...)
			c := newOrganizations(t, s.URL, func(cfg *OrganizationsConfig) { cfg.MaxAttempts = 4 })
			recordWaits(c.t)
			err := tt.call(c)
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if got := s.calls.Load(); got != tt.wantCalls {
				t.Errorf("%d calls, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestRetrySignsEachAttemptAfresh(t *testing.T) {
	s := newScripted(t, answer{status: 429, body: `{}`}, answer{status: 200, body: `{"roots":[]}`})
	var tick atomic.Int64
	c := newOrganizations(t, s.URL, func(cfg *OrganizationsConfig) {
		cfg.Now = func() time.Time { return time.Unix(1700000000+tick.Add(60), 0) }
	})
	recordWaits(c.t)
	if _, err := c.ListRoots(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.headers) != 2 || s.headers[0].Get(HeaderSdkDate) == s.headers[1].Get(HeaderSdkDate) ||
		s.headers[0].Get("Authorization") == s.headers[1].Get("Authorization") {
		t.Errorf("attempts were not signed afresh: %v", s.headers)
	}
}

func TestBackoffHonoursRetryAfterAndGrows(t *testing.T) {
	s := newScripted(t,
		answer{status: 429, body: `{}`, header: map[string]string{"Retry-After": "2"}},
		answer{status: 503, body: `{}`},
		answer{status: 503, body: `{}`},
		answer{status: 200, body: `{"roots":[]}`})
	c := newOrganizations(t, s.URL, func(cfg *OrganizationsConfig) {
		cfg.BaseBackoff, cfg.MaxBackoff = 100*time.Millisecond, 250*time.Millisecond
	})
	waits := recordWaits(c.t)
	var ceilings []time.Duration
	c.t.retry.Jitter = func(ceiling time.Duration) time.Duration { ceilings = append(ceilings, ceiling); return ceiling }
	if _, err := c.ListRoots(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{2 * time.Second, 200 * time.Millisecond, 250 * time.Millisecond}
	if fmt.Sprint(*waits) != fmt.Sprint(want) {
		t.Errorf("waits = %v, want %v", *waits, want)
	}
	if fmt.Sprint(ceilings) != fmt.Sprint([]time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 250 * time.Millisecond}) {
		t.Errorf("jitter ceilings = %v", ceilings)
	}
}

// A Retry-After a year ahead, in either form, is honoured only up to MaxRetryAfter: the call waits
// the cap, not a year, and then succeeds.
func TestRetryAfterAYearAheadWaitsTheCap(t *testing.T) {
	for name, value := range map[string]string{
		"seconds":   "31536000",
		"HTTP date": time.Now().AddDate(1, 0, 0).UTC().Format(http.TimeFormat),
	} {
		t.Run(name, func(t *testing.T) {
			s := newScripted(t,
				answer{status: 429, body: `{}`, header: map[string]string{"Retry-After": value}},
				answer{status: 200, body: `{"roots":[]}`})
			c := newOrganizations(t, s.URL, func(cfg *OrganizationsConfig) {
				cfg.MaxRetryAfter, cfg.MaxRetryDuration = 20*time.Second, time.Minute
			})
			waits := recordWaits(c.t)
			c.t.retry.Jitter = func(time.Duration) time.Duration { return 0 }
			if _, err := c.ListRoots(context.Background()); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(*waits) != fmt.Sprint([]time.Duration{20 * time.Second}) {
				t.Errorf("waits = %v, want one wait of the 20s cap", *waits)
			}
		})
	}
}

func TestRetryStopsAtContextDeadline(t *testing.T) {
	s := newScripted(t, answer{status: 429, body: `{}`, header: map[string]string{"Retry-After": "30"}})
	c := newOrganizations(t, s.URL)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.GetOrganization(ctx)
	if !errors.Is(err, ErrThrottled) || s.calls.Load() != 1 || time.Since(start) > 500*time.Millisecond {
		t.Errorf("err = %v after %d calls in %s; want an immediate ErrThrottled", err, s.calls.Load(), time.Since(start))
	}
}

func TestNetworkFailures(t *testing.T) {
	// A closed port: the dial fails, so even a POST is retried, and the error is retryable.
	s := httptest.NewServer(http.NotFoundHandler())
	url := s.URL
	s.Close()
	c := newOrganizations(t, url, func(cfg *OrganizationsConfig) { cfg.MaxAttempts = 3 })
	recordWaits(c.t)
	_, err := c.CreateOrganization(context.Background())
	if err == nil || !IsRetryable(err) || !strings.Contains(err.Error(), "after 3 attempts") {
		t.Errorf("err = %v, want a retryable network error after 3 attempts", err)
	}

	// A per-attempt timeout on GET is retried.
	var calls atomic.Int64
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			<-r.Context().Done()
			return
		}
		_, _ = w.Write([]byte(`{"roots":[{"id":"r-1"}]}`))
	}))
	defer slow.Close()
	c = newOrganizations(t, slow.URL, func(cfg *OrganizationsConfig) { cfg.RequestTimeout = 100 * time.Millisecond })
	recordWaits(c.t)
	roots, err := c.ListRoots(context.Background())
	if err != nil || len(roots) != 1 || calls.Load() != 2 {
		t.Errorf("ListRoots = %v, %v after %d calls", roots, err, calls.Load())
	}
}

func TestSharedLimiter(t *testing.T) {
	srv := newFake(t, huaweifake.Options{})
	limiter := httpretry.NewThrottle(rate.NewLimiter(rate.Every(50*time.Millisecond), 1))
	a := newOrganizations(t, srv.URL(), func(cfg *OrganizationsConfig) { cfg.Limiter = limiter })
	b := newOrganizations(t, srv.URL(), func(cfg *OrganizationsConfig) { cfg.Limiter = limiter })
	if a.Limiter() != limiter || b.Limiter() != limiter {
		t.Fatal("the limiter is not used as given")
	}
	start := time.Now()
	for _, c := range []*OrganizationsClient{a, b, a, b} {
		_, _ = c.GetOrganization(context.Background())
	}
	if elapsed := time.Since(start); elapsed < 140*time.Millisecond {
		t.Errorf("4 calls through a 20/s limiter took %s", elapsed)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	limiter.SetLimit(rate.Every(time.Hour))
	_ = limiter.Reserve()
	if _, err := a.GetOrganization(ctx); !errors.Is(err, ErrThrottled) {
		t.Errorf("limiter past the deadline: %v, want ErrThrottled", err)
	}
}

// TestEndpoints: the clients apply httpretry.ParseEndpoint (TestParseEndpoint holds the rule's
// cases), reading a bare host name as https.
func TestEndpoints(t *testing.T) {
	refused := map[string]bool{
		"https://tenant.huaweioneaccess.com": false,
		"tenant.huaweioneaccess.com":         false,
		"http://localhost:8090/":             false,
		"http://tenant.example.com":          true,
		"https://user:pw@tenant.example.com": true,
	}
	clienttest.CheckEndpoints(t, "NewOneAccess", refused, func(endpoint string) error {
		_, err := NewOneAccess(OneAccessConfig{Endpoint: endpoint, ClientID: "id", ClientSecret: "secret"})
		return err
	})
	if _, err := NewOrganizations(OrganizationsConfig{Credentials: Credentials{AccessKey: "ak"}}); err == nil {
		t.Error("NewOrganizations without a secret key succeeded")
	}
	if _, err := NewOneAccess(OneAccessConfig{Endpoint: "https://x", ClientID: "id"}); err == nil {
		t.Error("NewOneAccess without a client secret succeeded")
	}
}

// TestSecretsNeverShown checks formatted clients and credentials, and errors whose body echoes
// the secrets back.
func TestSecretsNeverShown(t *testing.T) {
	const token = "tok-TOP-SECRET-1"
	echo := `{"error_code":"X.1","error_msg":"bad sig from ` + testSecretKey + ` token session-TOP-SECRET ` + testClientSecret + ` ` + token + `"}`
	s := newScripted(t, answer{status: 400, body: echo})

	creds := Credentials{AccessKey: testAccessKey, SecretKey: testSecretKey, SecurityToken: "session-TOP-SECRET"}
	org := newOrganizations(t, s.URL, func(cfg *OrganizationsConfig) { cfg.Credentials = creds })
	one := newOneAccess(t, s.URL)
	_, orgErr := org.GetOrganization(context.Background())
	_, oneErr := one.GetOrgUnit(context.Background(), "x")
	credsJSON, _ := json.Marshal(creds)
	cfgJSON, _ := json.Marshal(OrganizationsConfig{Credentials: creds}) //nolint:staticcheck // SA1026: HTTPClient is nil here, so the config marshals (as null)

	shown := []string{
		fmt.Sprint(creds), fmt.Sprintf("%v %+v %#v %s %q %x", creds, creds, creds, creds, creds, creds),
		fmt.Sprintf("%v %+v %#v", org, org, org), fmt.Sprintf("%v %+v %#v", *org, *org, *org),
		fmt.Sprintf("%v %+v %#v", one, one, one), fmt.Sprintf("%v %+v %#v", *one, *one, *one),
		fmt.Sprintf("%+v", OrganizationsConfig{Credentials: creds}),
		string(credsJSON), string(cfgJSON),
	}
	check := func(text string, secrets ...string) {
		for _, secret := range secrets {
			if strings.Contains(text, secret) {
				t.Errorf("%q shows a secret", text)
			}
		}
	}
	for _, text := range shown {
		check(text, testSecretKey, "session-TOP-SECRET", testClientSecret, token)
	}
	// A client can only scrub the secrets it knows.
	check(fmt.Sprint(orgErr)+fmt.Sprintf("%#v", orgErr), testSecretKey, "session-TOP-SECRET")
	check(fmt.Sprint(oneErr)+fmt.Sprintf("%#v", oneErr), testClientSecret, token)
	if !strings.Contains(fmt.Sprint(creds), testAccessKey) || !strings.Contains(fmt.Sprint(orgErr), "REDACTED") {
		t.Errorf("redaction went too far: %v / %v", creds, orgErr)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if got := s.headers[0].Get("X-Security-Token"); got != "session-TOP-SECRET" {
		t.Errorf("X-Security-Token = %q", got)
	}
}

func TestAPIErrorDecoding(t *testing.T) {
	tests := []struct {
		status           int
		body             string
		code, message, r string
	}{
		{400, `{"error_code":"ORG.0012","error_msg":"code exists","request_id":"req-1"}`, "ORG.0012", "code exists", "req-1"},
		{401, `{"error":"invalid_client","error_description":"bad client"}`, "invalid_client", "bad client", ""},
		{403, `{"code":403,"message":"denied"}`, "403", "denied", ""},
		{502, `<html>Authorization: Bearer x</html>`, "", "Bad Gateway", ""},
		{400, `{"error_code":"A","error_msg":"line1\nline2\u0000"}`, "A", "line1 line2", ""},
	}
	for _, tt := range tests {
		e := newAPIError(tt.status, []byte(tt.body))
		if e.Code != tt.code || e.Message != tt.message || e.RequestID != tt.r {
			t.Errorf("newAPIError(%d, %s) = %+v", tt.status, tt.body, e)
		}
	}
	long := newAPIError(400, []byte(`{"error_msg":"`+strings.Repeat("é", 500)+`"}`))
	if n := len([]rune(long.Message)); n != maxMessageRunes+1 {
		t.Errorf("long message kept %d runes", n)
	}
	unknown5xx := &APIError{StatusCode: 504}
	if !errors.Is(unknown5xx, ErrUnavailable) || !IsRetryable(unknown5xx) || errors.Is(&APIError{StatusCode: 501}, ErrUnavailable) {
		t.Error("5xx classification")
	}
}

// TestSecretsScrubbedBeforeTheCut: a message that echoes a secret, raw or URL-encoded, where the
// message is cut shows no part of it.
func TestSecretsScrubbedBeforeTheCut(t *testing.T) {
	const secret = "sk/9f+8e=7d&q?z-w"
	for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
		for at := 285; at <= 310; at++ {
			message, _ := json.Marshal(strings.Repeat(".", at) + form + strings.Repeat(".", 200))
			s := newScripted(t, answer{status: 400, body: `{"error_code":"X.1","error_msg":` + string(message) + `}`})
			org := newOrganizations(t, s.URL, func(cfg *OrganizationsConfig) { cfg.Credentials.SecretKey = secret })
			_, err := org.GetOrganization(context.Background())
			if err == nil {
				t.Fatal("want an error")
			}
			if part := scrub.LeakedPart(err.Error(), secret, form); part != "" {
				t.Fatalf("secret as %q at %d: error %q shows %q", form, at, err, part)
			}
		}
	}
}
