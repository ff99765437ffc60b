package httpretry

import (
	"cmp"
	"time"

	"golang.org/x/time/rate"
)

// Defaults applied to zero Options fields.
const (
	DefaultRequestTimeout   = 30 * time.Second
	DefaultQPS              = 10
	DefaultBurst            = 20
	DefaultMaxAttempts      = 5
	DefaultMaxRetryDuration = 2 * time.Minute
	DefaultBaseBackoff      = 200 * time.Millisecond
	DefaultMaxBackoff       = 10 * time.Second
)

// Options are the retry and rate settings a client exposes in its configuration. Zero fields take
// the defaults.
type Options struct {
	// RequestTimeout bounds each attempt.
	RequestTimeout time.Duration
	// Limiter, when set, is used as-is and may be shared; when nil one is built from QPS and Burst.
	Limiter *Throttle
	QPS     float64
	Burst   int
	// MaxAttempts is the number of attempts per call, the first included.
	MaxAttempts int
	// MaxRetryDuration bounds the time a call spends retrying.
	MaxRetryDuration time.Duration
	// BaseBackoff and MaxBackoff shape the exponential backoff; MaxBackoff is raised to
	// BaseBackoff when smaller.
	BaseBackoff, MaxBackoff time.Duration
}

// HasNegative reports whether a duration, rate or count is negative, which no client accepts.
func (o Options) HasNegative() bool {
	return o.RequestTimeout < 0 || o.MaxRetryDuration < 0 || o.BaseBackoff < 0 || o.MaxBackoff < 0 ||
		o.QPS < 0 || o.Burst < 0 || o.MaxAttempts < 0
}

// WithDefaults returns o with every zero field set to its default and a Limiter built from QPS
// and Burst when none was given.
func (o Options) WithDefaults() Options {
	o.RequestTimeout = cmp.Or(o.RequestTimeout, DefaultRequestTimeout)
	o.QPS = cmp.Or(o.QPS, DefaultQPS)
	o.Burst = cmp.Or(o.Burst, DefaultBurst)
	o.MaxAttempts = cmp.Or(o.MaxAttempts, DefaultMaxAttempts)
	o.MaxRetryDuration = cmp.Or(o.MaxRetryDuration, DefaultMaxRetryDuration)
	o.BaseBackoff = cmp.Or(o.BaseBackoff, DefaultBaseBackoff)
	o.MaxBackoff = max(cmp.Or(o.MaxBackoff, DefaultMaxBackoff), o.BaseBackoff)
	if o.Limiter == nil {
		o.Limiter = NewThrottle(rate.NewLimiter(rate.Limit(o.QPS), o.Burst))
	}
	return o
}

// Policy returns the Policy a client runs its calls with: o's settings, defaulted, with the
// client's error classification and throttling sentinel.
func (o Options) Policy(classify func(err error) (Failure, time.Duration), errThrottled error) Policy {
	o = o.WithDefaults()
	return Policy{
		Limiter:          o.Limiter,
		RequestTimeout:   o.RequestTimeout,
		MaxAttempts:      o.MaxAttempts,
		MaxRetryDuration: o.MaxRetryDuration,
		BaseBackoff:      o.BaseBackoff,
		MaxBackoff:       o.MaxBackoff,
		Classify:         classify,
		ErrThrottled:     errThrottled,
		Sleep:            SleepContext,
		Jitter:           FullJitter,
	}
}
