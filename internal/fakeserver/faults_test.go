package fakeserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

var testAnswers = Answers{
	Throttled:   func(w http.ResponseWriter) { w.WriteHeader(http.StatusTooManyRequests) },
	Unavailable: func(w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) },
}

// answer runs one request through the injector and returns the recorded answer and whether a
// fault was injected.
func answer(in *Injector) (*httptest.ResponseRecorder, bool) {
	w := httptest.NewRecorder()
	injected := in.Inject(w, in.Faults(), testAnswers)
	return w, injected
}

func TestInjectFractions(t *testing.T) {
	tests := []struct {
		name       string
		faults     Faults
		wantStatus int // 0: nothing injected
		wantRetry  string
	}{
		{"no faults", Faults{}, 0, ""},
		{"throttle 0", Faults{ThrottleFraction: 0}, 0, ""},
		{"throttle 1", Faults{ThrottleFraction: 1}, http.StatusTooManyRequests, ""},
		{"throttle 1 with Retry-After rounded up", Faults{ThrottleFraction: 1, RetryAfter: 1500 * time.Millisecond}, http.StatusTooManyRequests, "2"},
		{"Retry-After at least 1s", Faults{ThrottleFraction: 1, RetryAfter: time.Millisecond}, http.StatusTooManyRequests, "1"},
		{"unavailable 1", Faults{UnavailableFraction: 1}, http.StatusServiceUnavailable, ""},
		{"unavailable 0", Faults{UnavailableFraction: 0}, 0, ""},
		{"throttling wins over unavailability", Faults{ThrottleFraction: 1, UnavailableFraction: 1}, http.StatusTooManyRequests, ""},
		{"Retry-After only on throttling", Faults{UnavailableFraction: 1, RetryAfter: time.Second}, http.StatusServiceUnavailable, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in Injector
			in.SetFaults(tt.faults)
			for range 50 {
				w, injected := answer(&in)
				if injected != (tt.wantStatus != 0) || (injected && w.Code != tt.wantStatus) {
					t.Fatalf("injected %v with %d, want %d", injected, w.Code, tt.wantStatus)
				}
				if got := w.Header().Get("Retry-After"); got != tt.wantRetry {
					t.Fatalf("Retry-After %q, want %q", got, tt.wantRetry)
				}
			}
		})
	}
}

func TestInjectRateCap(t *testing.T) {
	var in Injector
	in.SetFaults(Faults{RateLimit: 3, RetryAfter: time.Second})
	for i := range 3 {
		if _, injected := answer(&in); injected {
			t.Fatalf("request %d within the burst of 3 was throttled", i+1)
		}
	}
	w, injected := answer(&in)
	if !injected || w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "1" {
		t.Fatalf("request beyond the cap: injected %v, status %d, Retry-After %q", injected, w.Code, w.Header().Get("Retry-After"))
	}

	// Setting the same cap keeps its state; a new cap starts with a full burst; no cap lets all pass.
	in.SetFaults(Faults{RateLimit: 3})
	if _, injected := answer(&in); !injected {
		t.Error("re-setting the same cap refilled the burst")
	}
	in.SetFaults(Faults{RateLimit: 2})
	if _, injected := answer(&in); injected {
		t.Error("a new cap did not start with a full burst")
	}
	in.SetFaults(Faults{})
	for range 10 {
		if _, injected := answer(&in); injected {
			t.Fatal("throttled without a cap")
		}
	}
}

func TestInjectConcurrently(_ *testing.T) {
	var in Injector
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				if i == 0 && j%10 == 0 {
					in.SetFaults(Faults{RateLimit: float64(1 + j), ThrottleFraction: 0.5})
				}
				answer(&in)
			}
		})
	}
	wg.Wait()
}

func TestChance(t *testing.T) {
	for range 1000 {
		if Chance(0) || !Chance(1) || Chance(-1) {
			t.Fatal("Chance(0) must never and Chance(1) always be true")
		}
	}
}

func TestDelay(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if !Delay(r, 0) || !Delay(r, time.Millisecond) {
		t.Error("a delay the client waited for did not elapse")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if Delay(r.WithContext(ctx), time.Hour) || time.Since(start) > time.Second {
		t.Error("a delay did not end when the client went away")
	}
}
