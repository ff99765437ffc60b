package httpretry

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestNetworkFailure(t *testing.T) {
	reset := &url.Error{Op: "Get", URL: "http://127.0.0.1/x?secret=1", Err: errors.New("connection reset")}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	timedOut, cancelTimeout := context.WithTimeout(context.Background(), -time.Second)
	defer cancelTimeout()
	live := context.Background()

	tests := []struct {
		name           string
		ctx, attemptCx context.Context
		wantNetwork    bool
		wantText       string
	}{
		{"caller gone", canceled, canceled, false, "test: GET /x: context canceled"},
		{"attempt timed out", live, timedOut, true, "test: GET /x: attempt timed out after 5s: connection reset"},
		{"connection reset", live, live, true, "test: GET /x: connection reset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := NetworkFailure(tt.ctx, tt.attemptCx, "test: GET /x", 5*time.Second, reset)
			var netErr *NetworkError
			if errors.As(err, &netErr) != tt.wantNetwork || err.Error() != tt.wantText {
				t.Errorf("err = %q (network error: %v), want %q (network error: %v)", err, netErr != nil, tt.wantText, tt.wantNetwork)
			}
		})
	}
}

func TestDoRetriesNetworkErrors(t *testing.T) {
	dial := &NetworkError{Op: "test: POST /x", Err: &net.OpError{Op: "dial", Err: errors.New("refused")}}
	reset := &NetworkError{Op: "test: POST /x", Err: &net.OpError{Op: "read", Err: errors.New("reset")}}
	tests := []struct {
		name       string
		idempotent bool
		err        *NetworkError
		wantCalls  int
	}{
		{"POST after a dial failure", false, dial, 4},
		{"POST after a reset", false, reset, 1},
		{"GET after a reset", true, reset, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls int
			p, _ := testPolicy()
			err := p.Do(context.Background(), Call{Op: "test: POST /x", Idempotent: tt.idempotent,
				Attempt: func(context.Context, int) error { calls++; e := *tt.err; return &e }})
			if calls != tt.wantCalls {
				t.Errorf("%d attempts, want %d", calls, tt.wantCalls)
			}
			if tt.wantCalls > 1 && !strings.HasSuffix(err.Error(), "(after 4 attempts)") {
				t.Errorf("err = %q, want the attempt count", err)
			}
		})
	}
}
