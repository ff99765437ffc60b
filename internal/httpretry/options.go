package httpretry

import (
	"cmp"
	"net/http"
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
	DefaultMaxRetryAfter    = time.Minute
	// DefaultMaxListed is the most departments one listing of a remote chart takes: twice the
	// largest chart measured within the manager's default memory limit (docs/operations.md#memory).
	DefaultMaxListed = 100_000
	// DefaultCallTimeout bounds a request's connect, TLS handshake and wait for the answer's
	// headers, each: a host that accepts connections and never answers fails within it.
	DefaultCallTimeout = 10 * time.Second
)

// Options are the transport, retry and rate settings a client exposes in its configuration (both
// clouds' clients embed them). Zero fields take the defaults.
type Options struct {
	// HTTPClient is shared by all requests; one is built (NewHTTPClient) when nil. Its Timeout
	// should be zero or longer than RequestTimeout, and it should not follow redirects.
	HTTPClient *http.Client
	// RequestTimeout bounds each attempt; default 30s.
	RequestTimeout time.Duration
	// Limiter, when set, is used as-is and may be shared: every client that talks to the same
	// service with the same credentials should share one. When nil, one is built from QPS and Burst.
	Limiter *Throttle
	// QPS and Burst shape the limiter built when Limiter is nil; defaults 10 and 20.
	QPS   float64
	Burst int
	// MaxAttempts is the number of attempts per call, the first included; default 5.
	MaxAttempts int
	// MaxRetryDuration bounds the time a call spends retrying; default 2m. A retry whose wait
	// would end after this budget, or after the context's deadline, is not made: the last error
	// is returned instead.
	MaxRetryDuration time.Duration
	// BaseBackoff and MaxBackoff shape the exponential backoff with full jitter between attempts;
	// defaults 200ms and 10s (MaxBackoff is raised to BaseBackoff when smaller). A longer
	// Retry-After from the server (seconds or HTTP date) wins.
	BaseBackoff, MaxBackoff time.Duration
	// MaxRetryAfter is the longest Retry-After (either form) honoured; a longer one is clamped to
	// it; default 1m.
	MaxRetryAfter time.Duration
	// MaxListed is the most departments one listing of a remote chart takes: a chart that reports
	// or shows more fails to list, before it fills the manager's memory; default
	// DefaultMaxListed.
	MaxListed int
}

// HasNegative reports whether a duration, rate or count is negative, which no client accepts.
func (o Options) HasNegative() bool {
	return o.RequestTimeout < 0 || o.MaxRetryDuration < 0 || o.BaseBackoff < 0 || o.MaxBackoff < 0 || o.MaxRetryAfter < 0 ||
		o.QPS < 0 || o.Burst < 0 || o.MaxAttempts < 0 || o.MaxListed < 0
}

// WithDefaults returns o with every zero field set to its default, a Limiter built from QPS and
// Burst when none was given and an HTTPClient built when none was given.
func (o Options) WithDefaults() Options {
	o.RequestTimeout = cmp.Or(o.RequestTimeout, DefaultRequestTimeout)
	o.QPS = cmp.Or(o.QPS, DefaultQPS)
	o.Burst = cmp.Or(o.Burst, DefaultBurst)
	o.MaxAttempts = cmp.Or(o.MaxAttempts, DefaultMaxAttempts)
	o.MaxRetryDuration = cmp.Or(o.MaxRetryDuration, DefaultMaxRetryDuration)
	o.BaseBackoff = cmp.Or(o.BaseBackoff, DefaultBaseBackoff)
	o.MaxBackoff = max(cmp.Or(o.MaxBackoff, DefaultMaxBackoff), o.BaseBackoff)
	o.MaxRetryAfter = cmp.Or(o.MaxRetryAfter, DefaultMaxRetryAfter)
	o.MaxListed = cmp.Or(o.MaxListed, DefaultMaxListed)
	if o.Limiter == nil {
		o.Limiter = NewThrottle(rate.NewLimiter(rate.Limit(o.QPS), o.Burst))
	}
	if o.HTTPClient == nil {
		o.HTTPClient = NewHTTPClient()
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
		MaxRetryAfter:    o.MaxRetryAfter,
		Classify:         classify,
		ErrThrottled:     errThrottled,
		Sleep:            SleepContext,
		Jitter:           FullJitter,
	}
}
