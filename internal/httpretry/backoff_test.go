package httpretry

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestBackoff(t *testing.T) {
	p, waits := testPolicy()
	for n := 1; n <= 4; n++ {
		if err := p.Backoff(context.Background(), "op", n); err != nil {
			t.Fatalf("Backoff(%d): %v", n, err)
		}
	}
	// The ceilings Do's retries use: BaseBackoff doubled per attempt, up to MaxBackoff.
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 250 * time.Millisecond, 250 * time.Millisecond}
	if diff := cmp.Diff(want, waits()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

func TestBackoffWaitsNoLongerThanTheCallerAllows(t *testing.T) {
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	canceled, cancelNow := context.WithCancel(context.Background())
	cancelNow()
	tests := []struct {
		name        string
		ctx         context.Context
		wantLimited bool
		wantErr     error
	}{
		{"a wait longer than WithMaxWait allows", WithMaxWait(context.Background(), 10*time.Millisecond), true, nil},
		{"a wait past the deadline", short, true, nil},
		{"a context that ended", canceled, false, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, waits := testPolicy()
			err := p.Backoff(tt.ctx, "op", 1)
			var limited *LimitedError
			if errors.As(err, &limited) != tt.wantLimited || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
				t.Fatalf("Backoff = %v; want a *LimitedError %v, %v", err, tt.wantLimited, tt.wantErr)
			}
			if tt.wantLimited && (len(waits()) != 0 || limited.Delay != 100*time.Millisecond || limited.Op != "op") {
				t.Errorf("waited %v, %+v; want no wait and the delay it would have been", waits(), limited)
			}
		})
	}
}
