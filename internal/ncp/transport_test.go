package ncp

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/orgsync/orgsync/internal/httpretry"
	"github.com/orgsync/orgsync/internal/scrub"
)

const (
	body503     = `{"error":{"errorCode":"500","message":"endpoint error"}}`
	body429     = `{"error":{"errorCode":"420","message":"rate limited"}}`
	body403Busy = `{"error":{"errorCode":"COMMON_104","message":"requests too frequent"}}`
	deptBody    = `{"externalKey":"d1","name":"D","parentDeptExternalKey":"#","dispOrd":"1.0"}`
)

// callMethod issues one client call with the given HTTP method.
func callMethod(ctx context.Context, c *Client, method string) error {
	d := Department{ExternalKey: "d1", Name: "D", ParentExternalKey: "#", DisplayOrder: "1"}
	var err error
	switch method {
	case http.MethodGet:
		_, err = c.GetDepartment(ctx, "c1", "d1")
	case http.MethodPost:
		_, err = c.CreateDepartment(ctx, "c1", d)
	case http.MethodPut:
		_, err = c.UpdateDepartment(ctx, "c1", d)
	case http.MethodDelete:
		err = c.DeleteDepartment(ctx, "c1", "d1")
	}
	return err
}

func TestRetryPolicy(t *testing.T) {
	tests := []struct {
		name         string
		method       string
		responses    []scriptedResponse
		wantAttempts int64
		wantErr      error // nil for success
	}{
		{"GET retries 503 until success", http.MethodGet,
			[]scriptedResponse{status(503, body503), status(503, body503), ok(deptBody)}, 3, nil},
		{"GET retries 500 until success", http.MethodGet,
			[]scriptedResponse{status(500, `{"code":"E","msg":"boom"}`), ok(deptBody)}, 2, nil},
		{"PUT retries 502", http.MethodPut,
			[]scriptedResponse{status(502, "<html>bad gateway</html>"), ok(deptBody)}, 2, nil},
		{"DELETE retries 504", http.MethodDelete,
			[]scriptedResponse{status(504, `{"error":{"errorCode":"510","message":"timeout"}}`), ok(`{}`)}, 2, nil},
		{"POST is not retried on 503", http.MethodPost,
			[]scriptedResponse{status(503, body503), status(201, deptBody)}, 1, ErrUnavailable},
		{"POST is not retried on 500", http.MethodPost,
			[]scriptedResponse{status(500, body503), status(201, deptBody)}, 1, ErrUnavailable},
		{"POST is retried on 429", http.MethodPost,
			[]scriptedResponse{status(429, body429), status(429, body429), status(201, deptBody)}, 3, nil},
		{"POST is retried on 403 COMMON_104", http.MethodPost,
			[]scriptedResponse{status(403, body403Busy), status(201, deptBody)}, 2, nil},
		{"throttling stops after MaxAttempts", http.MethodGet,
			[]scriptedResponse{status(429, body429)}, 5, ErrThrottled},
		{"unavailable stops after MaxAttempts", http.MethodDelete,
			[]scriptedResponse{status(503, body503)}, 5, ErrUnavailable},
		{"404 is permanent", http.MethodGet,
			[]scriptedResponse{status(404, `{"status":404,"code":-4040,"errors":[],"message":"department not found: d1"}`)}, 1, ErrNotFound},
		{"400 is permanent", http.MethodPut,
			[]scriptedResponse{status(400, `{"status":400,"code":-4020,"errors":[],"message":"name is null"}`)}, 1, ErrInvalidRequest},
		{"403 other than COMMON_104 is permanent", http.MethodGet,
			[]scriptedResponse{status(403, `{"error":{"errorCode":"230","message":"forbidden"}}`)}, 1, ErrForbidden},
		{"501 is permanent", http.MethodGet,
			[]scriptedResponse{status(501, "")}, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newScriptServer(t, tt.responses...)
			c := newTestClient(t, srv.URL)
			err := callMethod(context.Background(), c, tt.method)
			if got := srv.calls.Load(); got != tt.wantAttempts {
				t.Errorf("%d attempts, want %d", got, tt.wantAttempts)
			}
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			case tt.wantErr == nil && tt.responses[len(tt.responses)-1].status < 300 && err != nil:
				t.Errorf("err = %v, want success", err)
			}
			var apiErr *APIError
			if errors.As(err, &apiErr) && int64(apiErr.Attempts) != tt.wantAttempts {
				t.Errorf("APIError.Attempts = %d, want %d", apiErr.Attempts, tt.wantAttempts)
			}
		})
	}
}

// TestRetryResignsAndResendsBody checks that each attempt carries a fresh
// timestamp, a signature valid for it, and the same body.
func TestRetryResignsAndResendsBody(t *testing.T) {
	srv := newScriptServer(t, status(503, body503), status(429, body429), ok(deptBody))
	var clock atomic.Int64
	clock.Store(1_700_000_000_000)
	c := newTestClient(t, srv.URL, func(cfg *Config) {
		cfg.Now = func() time.Time { return time.UnixMilli(clock.Add(1000)) }
	})
	d := Department{ExternalKey: "d1", Name: "영업", ParentExternalKey: "#", DisplayOrder: "1"}
	if _, err := c.UpdateDepartment(context.Background(), "c1", d); err != nil {
		t.Fatal(err)
	}
	reqs := srv.recorded()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	seen := map[string]bool{}
	for i, r := range reqs {
		ts := r.Header.Get(HeaderTimestamp)
		if seen[ts] {
			t.Errorf("attempt %d reused timestamp %s", i+1, ts)
		}
		seen[ts] = true
		if want := Sign(r.Method, r.RequestURI, ts, testAccessKey, testSecretKey); r.Header.Get(HeaderSignature) != want {
			t.Errorf("attempt %d: signature does not match its timestamp", i+1)
		}
		if r.Body == "" || r.Body != reqs[0].Body {
			t.Errorf("attempt %d body = %q, want the first attempt's %q", i+1, r.Body, reqs[0].Body)
		}
	}
}

func TestBackoffIsExponentialAndCapped(t *testing.T) {
	srv := newScriptServer(t, status(503, body503))
	c := newTestClient(t, srv.URL, func(cfg *Config) {
		cfg.MaxAttempts = 6
		cfg.BaseBackoff = 100 * time.Millisecond
		cfg.MaxBackoff = 500 * time.Millisecond
	})
	c.retry.Jitter = func(ceiling time.Duration) time.Duration { return ceiling } // the top of each jitter range
	waits := recordSleeps(c)
	_ = callMethod(context.Background(), c, http.MethodGet)
	want := []time.Duration{100, 200, 400, 500, 500}
	for i := range want {
		want[i] *= time.Millisecond
	}
	if len(*waits) != len(want) {
		t.Fatalf("waits = %v, want %v", *waits, want)
	}
	for i := range want {
		if (*waits)[i] != want[i] {
			t.Fatalf("waits = %v, want %v", *waits, want)
		}
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	tests := []struct {
		name  string
		value func() string
		min   time.Duration
	}{
		{"seconds", func() string { return "2" }, 2 * time.Second},
		{"HTTP date", func() string { return time.Now().Add(5 * time.Second).UTC().Format(http.TimeFormat) }, 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newScriptServer(t,
				scriptedResponse{status: 429, body: body429, header: map[string]string{"Retry-After": tt.value()}},
				status(201, deptBody))
			c := newTestClient(t, srv.URL)
			waits := recordSleeps(c)
			if err := callMethod(context.Background(), c, http.MethodPost); err != nil {
				t.Fatal(err)
			}
			if len(*waits) != 1 || (*waits)[0] < tt.min {
				t.Fatalf("waits = %v, want one wait of at least %v", *waits, tt.min)
			}
		})
	}
}

func TestRetryAfterBeyondBudgetReturnsAtOnce(t *testing.T) {
	srv := newScriptServer(t, scriptedResponse{status: 429, body: body429, header: map[string]string{"Retry-After": "3600"}})
	c := newTestClient(t, srv.URL, func(cfg *Config) { cfg.MaxRetryDuration = time.Second })
	waits := recordSleeps(c)
	err := callMethod(context.Background(), c, http.MethodGet)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.RetryAfter != httpretry.DefaultMaxRetryAfter || !errors.Is(err, ErrThrottled) {
		t.Fatalf("err = %v, want a throttled *APIError with RetryAfter clamped to 1m", err)
	}
	if srv.calls.Load() != 1 || len(*waits) != 0 {
		t.Fatalf("%d attempts and waits %v, want 1 attempt and no wait", srv.calls.Load(), *waits)
	}
}

// A server asking, in either form, for a hold of a year is obeyed only up to MaxRetryAfter: the
// call waits the cap (not a year) and the next call is not held beyond it either.
func TestRetryAfterAYearAheadIsClamped(t *testing.T) {
	tests := map[string]func() string{
		"seconds":   func() string { return "31536000" },
		"HTTP date": func() string { return time.Now().AddDate(1, 0, 0).UTC().Format(http.TimeFormat) },
	}
	for name, value := range tests {
		t.Run(name, func(t *testing.T) {
			srv := newScriptServer(t,
				scriptedResponse{status: 429, body: body429, header: map[string]string{"Retry-After": value()}},
				status(201, deptBody), status(201, deptBody))
			c := newTestClient(t, srv.URL, func(cfg *Config) { cfg.MaxRetryAfter = 300 * time.Millisecond })
			c.retry.Sleep = httpretry.SleepContext
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			start := time.Now()
			if err := callMethod(ctx, c, http.MethodPost); err != nil {
				t.Fatalf("first call: %v", err)
			}
			if err := callMethod(ctx, c, http.MethodPost); err != nil {
				t.Fatalf("second call: %v", err)
			}
			if elapsed := time.Since(start); elapsed > 2*time.Second {
				t.Fatalf("two calls took %v under a year-ahead Retry-After, want about the 300ms cap", elapsed)
			}
		})
	}
}

func TestRetryBudgetBoundsTheCall(t *testing.T) {
	srv := newScriptServer(t, status(503, body503))
	c := newTestClient(t, srv.URL, func(cfg *Config) {
		cfg.MaxAttempts = 1000
		cfg.MaxRetryDuration = 150 * time.Millisecond
		cfg.BaseBackoff = 20 * time.Millisecond
		cfg.MaxBackoff = 40 * time.Millisecond
	})
	start := time.Now()
	err := callMethod(context.Background(), c, http.MethodGet)
	elapsed := time.Since(start)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if elapsed > 2*time.Second {
		t.Fatalf("call took %v with a 150ms retry budget", elapsed)
	}
	if n := srv.calls.Load(); n < 2 || n >= 1000 {
		t.Fatalf("%d attempts, want several but far fewer than MaxAttempts", n)
	}
}

func TestRetryStopsAtContextDeadline(t *testing.T) {
	srv := newScriptServer(t, status(503, body503))
	c := newTestClient(t, srv.URL, func(cfg *Config) {
		cfg.BaseBackoff = 5 * time.Second
		cfg.MaxBackoff = 5 * time.Second
	})
	c.retry.Jitter = func(ceiling time.Duration) time.Duration { return ceiling }
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := callMethod(ctx, c, http.MethodGet)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want the last error (ErrUnavailable)", err)
	}
	if elapsed := time.Since(start); elapsed > 400*time.Millisecond {
		t.Fatalf("returned after %v: slept towards a wait that ends past the deadline", elapsed)
	}
	if srv.calls.Load() != 1 {
		t.Fatalf("%d attempts, want 1", srv.calls.Load())
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	srv := newScriptServer(t, status(503, body503))
	c := newTestClient(t, srv.URL, func(cfg *Config) {
		cfg.BaseBackoff = time.Minute
		cfg.MaxBackoff = time.Minute
		cfg.MaxRetryDuration = time.Hour
	})
	c.retry.Jitter = func(ceiling time.Duration) time.Duration { return ceiling }
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	err := callMethod(ctx, c, http.MethodGet)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want both context.Canceled and the last error", err)
	}
}

// countingTransport counts round trips, including those that never reach a server.
type countingTransport struct {
	next  http.RoundTripper
	count atomic.Int64
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.count.Add(1)
	return t.next.RoundTrip(r)
}

func TestNetworkErrors(t *testing.T) {
	// A server that accepts the request and drops the connection: the
	// request may have been processed.
	dropping := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	}))
	defer dropping.Close()
	// An address nobody listens on: the request is never sent.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String()
	_ = l.Close()

	tests := []struct {
		name         string
		endpoint     string
		method       string
		wantAttempts int64
	}{
		{"GET after a dropped connection is retried", dropping.URL, http.MethodGet, 5},
		{"PUT after a dropped connection is retried", dropping.URL, http.MethodPut, 5},
		{"POST after a dropped connection is not", dropping.URL, http.MethodPost, 1},
		{"POST whose connection was refused is retried", refused, http.MethodPost, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			transport := &countingTransport{next: &http.Transport{DisableKeepAlives: true}}
			c := newTestClient(t, tt.endpoint, func(cfg *Config) {
				cfg.HTTPClient = &http.Client{Transport: transport}
			})
			err := callMethod(context.Background(), c, tt.method)
			if err == nil || !IsRetryable(err) {
				t.Fatalf("err = %v, want a retryable network error", err)
			}
			if got := transport.count.Load(); got != tt.wantAttempts {
				t.Fatalf("%d attempts, want %d", got, tt.wantAttempts)
			}
			if strings.Contains(err.Error(), testSecretKey) {
				t.Fatal("error leaks the secret key")
			}
		})
	}
}

func TestPerAttemptTimeout(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Reading the body lets the server notice the client hanging up.
		_, _ = io.Copy(io.Discard, r.Body)
		if calls.Add(1) == 1 {
			select { // hang until the client gives up on the attempt
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(deptBody))
	}))
	defer srv.Close()

	c := newTestClient(t, srv.URL, func(cfg *Config) { cfg.RequestTimeout = 100 * time.Millisecond })
	if _, err := c.GetDepartment(context.Background(), "c1", "d1"); err != nil {
		t.Fatalf("GET after one timed-out attempt: %v", err)
	}
	if calls.Load() < 2 {
		t.Fatalf("%d attempts, want a retry after the timed-out one", calls.Load())
	}

	calls.Store(0)
	err := callMethod(context.Background(), c, http.MethodPost)
	if err == nil || !IsRetryable(err) || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("POST err = %v, want a retryable timeout", err)
	}
	if calls.Load() != 1 {
		t.Fatalf("POST made %d attempts, want 1", calls.Load())
	}
}

func TestLimiterSharedAcrossClients(t *testing.T) {
	srv := newScriptServer(t, ok(deptBody))
	// Three tokens and practically no refill: the fourth request must wait
	// for an hour, which a short deadline does not allow.
	shared := httpretry.NewThrottle(rate.NewLimiter(rate.Every(time.Hour), 3))
	first := newTestClient(t, srv.URL, func(cfg *Config) { cfg.Limiter = shared })
	second := newTestClient(t, srv.URL, func(cfg *Config) { cfg.Limiter = shared })
	ctx := context.Background()
	for i, c := range []*Client{first, second, first} {
		if _, err := c.GetDepartment(ctx, "c1", "d1"); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	short, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	start := time.Now()
	_, err := second.GetDepartment(short, "c1", "d1")
	if !errors.Is(err, ErrThrottled) || !IsRetryable(err) {
		t.Fatalf("err = %v, want ErrThrottled from the client's own limiter", err)
	}
	if time.Since(start) > 500*time.Millisecond {
		t.Fatal("the limiter waited although the wait could not fit in the deadline")
	}
	if srv.calls.Load() != 3 {
		t.Fatalf("server saw %d requests, want 3", srv.calls.Load())
	}
}

func TestLimiterIsWaitedForEveryAttempt(t *testing.T) {
	srv := newScriptServer(t, status(503, body503), status(503, body503), ok(deptBody))
	limiter := httpretry.NewThrottle(rate.NewLimiter(rate.Every(time.Hour), 3))
	c := newTestClient(t, srv.URL, func(cfg *Config) { cfg.Limiter = limiter })
	if _, err := c.GetDepartment(context.Background(), "c1", "d1"); err != nil {
		t.Fatal(err)
	}
	if tokens := limiter.Tokens(); tokens > 0.01 {
		t.Fatalf("%.2f tokens left after 3 attempts from a burst of 3, want 0", tokens)
	}
}

func TestLimiterRate(t *testing.T) {
	srv := newScriptServer(t, ok(deptBody))
	c := newTestClient(t, srv.URL, func(cfg *Config) {
		cfg.Limiter = nil
		cfg.QPS = 50 // one token every 20ms
		cfg.Burst = 2
	})
	if got := c.Limiter(); got.Limit() != 50 || got.Burst() != 2 {
		t.Fatalf("limiter = %v/%d, want 50/2", got.Limit(), got.Burst())
	}
	start := time.Now()
	for range 7 {
		if _, err := c.GetDepartment(context.Background(), "c1", "d1"); err != nil {
			t.Fatal(err)
		}
	}
	// Two requests ride the burst, the next five wait 20ms each. The lower
	// bound is guaranteed by the limiter; no upper bound, CI may be slow.
	if elapsed := time.Since(start); elapsed < 90*time.Millisecond {
		t.Fatalf("7 requests at 50 QPS with burst 2 took %v, want at least ~100ms", elapsed)
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	var followed atomic.Bool
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { followed.Store(true) }))
	defer target.Close()
	srv := newScriptServer(t, scriptedResponse{status: http.StatusFound, header: map[string]string{"Location": target.URL + "/steal"}})
	c := newTestClient(t, srv.URL)
	_, err := c.GetDepartment(context.Background(), "c1", "d1")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusFound {
		t.Fatalf("err = %v, want a 302 *APIError", err)
	}
	if followed.Load() {
		t.Fatal("the client followed a redirect with signed headers")
	}
}

func TestResponseBodyLimit(t *testing.T) {
	srv := newScriptServer(t, ok(`{"externalKey":"`+strings.Repeat("x", 2048)+`"}`))
	c := newTestClient(t, srv.URL)
	c.maxResponseBytes = 1024
	_, err := c.GetDepartment(context.Background(), "c1", "d1")
	if err == nil || !strings.Contains(err.Error(), "larger than 1024 bytes") {
		t.Fatalf("err = %v, want a body-too-large error", err)
	}
}

func TestSecretsScrubbedFromServerMessages(t *testing.T) {
	srv := newScriptServer(t, status(400, `{"errorCode":"`+testSecretKey+`","message":"bad key `+testSecretKey+` / `+testGatewayKey+`"}`))
	c := newTestClient(t, srv.URL, func(cfg *Config) { cfg.Credentials.APIGatewayKey = testGatewayKey })
	_, err := c.GetDepartment(context.Background(), "c1", "d1")
	if err == nil {
		t.Fatal("want an error")
	}
	for _, secret := range []string{testSecretKey, testGatewayKey} {
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("error %q leaks a secret", err)
		}
	}
}

func TestRequestHeaders(t *testing.T) {
	srv := newScriptServer(t, status(201, deptBody))
	c := newTestClient(t, srv.URL, func(cfg *Config) { cfg.UserAgent = "orgsync/test" })
	if err := callMethod(context.Background(), c, http.MethodPost); err != nil {
		t.Fatal(err)
	}
	h := srv.recorded()[0].Header
	for name, want := range map[string]string{
		"Accept":       "application/json",
		"Content-Type": "application/json; charset=utf-8",
		"User-Agent":   "orgsync/test",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if _, err := strconv.ParseInt(h.Get(HeaderTimestamp), 10, 64); err != nil {
		t.Errorf("timestamp %q is not epoch milliseconds", h.Get(HeaderTimestamp))
	}
}

// TestSecretsScrubbedBeforeTheCut: a message that echoes a secret, raw or URL-encoded, where the
// message is cut shows no part of it.
func TestSecretsScrubbedBeforeTheCut(t *testing.T) {
	const secret = "sk/9f+8e=7d&q?z-w"
	for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
		for at := 285; at <= 310; at++ {
			message, _ := json.Marshal(strings.Repeat(".", at) + form + strings.Repeat(".", 200))
			srv := newScriptServer(t, status(400, `{"errorCode":"100","message":`+string(message)+`}`))
			c := newTestClient(t, srv.URL, func(cfg *Config) { cfg.Credentials.SecretKey = secret })
			_, err := c.GetDepartment(context.Background(), "c1", "d1")
			if err == nil {
				t.Fatal("want an error")
			}
			if part := scrub.LeakedPart(err.Error(), secret, form); part != "" {
				t.Fatalf("secret as %q at %d: error %q shows %q", form, at, err, part)
			}
		}
	}
}
