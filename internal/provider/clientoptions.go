package provider

import (
	"cmp"
	"net/http"
	"time"

	"github.com/orgsync/orgsync/internal/httpretry"
)

// ClientOptions are the HTTP settings every provider's connector gives the clients it builds.
type ClientOptions struct {
	// QPS and Burst bound the calls of one Organization to one remote service; every client of
	// the Organization shares the limiter. Defaults 10 and 20.
	QPS   float64
	Burst int
	// RequestTimeout bounds one HTTP attempt; zero takes the client's default.
	RequestTimeout time.Duration
	// CallTimeout bounds an attempt's connect, TLS handshake and wait for the answer's headers,
	// each, in the HTTPClient built when none is given; zero takes httpretry.DefaultCallTimeout.
	CallTimeout time.Duration
	// MaxRetryDuration bounds a client's retries of one call; zero takes the client's default.
	MaxRetryDuration time.Duration
	// MaxRetryAfter is the longest server hold (Retry-After) a client honours; zero takes the
	// client's default.
	MaxRetryAfter time.Duration
	// HTTPClient is shared by every Organization's clients. It must not follow redirects; by
	// default one from httpretry.NewHTTPClient.
	HTTPClient *http.Client
}

// WithDefaults returns o with QPS, Burst and HTTPClient set when they are zero.
func (o ClientOptions) WithDefaults() ClientOptions {
	o.QPS = cmp.Or(o.QPS, httpretry.DefaultQPS)
	o.Burst = cmp.Or(o.Burst, httpretry.DefaultBurst)
	if o.HTTPClient == nil {
		o.HTTPClient = httpretry.NewHTTPClientWithCallTimeout(o.CallTimeout)
	}
	return o
}

// Limiters returns a limiter registry shaped by o's QPS and Burst.
func (o ClientOptions) Limiters() *Limiters {
	return &Limiters{QPS: o.QPS, Burst: o.Burst}
}
