package httpretry

import (
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestOptionsWithDefaults(t *testing.T) {
	o := Options{}.WithDefaults()
	if o.RequestTimeout != DefaultRequestTimeout || o.MaxAttempts != DefaultMaxAttempts ||
		o.MaxRetryDuration != DefaultMaxRetryDuration || o.BaseBackoff != DefaultBaseBackoff ||
		o.MaxBackoff != DefaultMaxBackoff || o.Limiter.Limit() != DefaultQPS || o.Burst != DefaultBurst {
		t.Errorf("defaults = %+v", o)
	}
	shared := NewThrottle(rate.NewLimiter(1, 1))
	o = Options{Limiter: shared, BaseBackoff: time.Minute, MaxBackoff: time.Second}.WithDefaults()
	if o.Limiter != shared || o.MaxBackoff != time.Minute {
		t.Errorf("got %+v; want the given limiter and MaxBackoff raised to BaseBackoff", o)
	}
}

func TestOptionsHasNegative(t *testing.T) {
	for _, o := range []Options{{RequestTimeout: -1}, {QPS: -1}, {Burst: -1}, {MaxAttempts: -1},
		{MaxRetryDuration: -1}, {BaseBackoff: -1}, {MaxBackoff: -1}} {
		if !o.HasNegative() {
			t.Errorf("%+v.HasNegative() = false", o)
		}
	}
	if (Options{}).HasNegative() {
		t.Error("zero Options reported negative")
	}
}
