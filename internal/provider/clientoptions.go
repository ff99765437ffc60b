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
	// MaxListed is the most departments one listing of an Organization's chart takes (a larger
	// chart fails to list); zero takes httpretry.DefaultMaxListed.
	MaxListed int
	// HTTPClient is shared by every Organization's clients. It must not follow redirects; by
	// default the connector's own (httpretry.NewHTTPClient, or a guarded one where an
	// Organization chooses the hosts).
	HTTPClient *http.Client
	// WrapTransport, when set, wraps the transport of the client the connector builds when
	// HTTPClient is nil (kubectl orgsync counts the pages of a listing with it), keeping that
	// client's dialer and its guard.
	WrapTransport func(http.RoundTripper) http.RoundTripper
}

// WithDefaults returns o with QPS, Burst and HTTPClient set when they are zero, the client
// from httpretry.NewHTTPClientWithCallTimeout.
func (o ClientOptions) WithDefaults() ClientOptions {
	return o.WithDefaultClient(func() *http.Client { return httpretry.NewHTTPClientWithCallTimeout(o.CallTimeout) })
}

// WithDefaultClient returns o with QPS and Burst set when they are zero, and HTTPClient, when
// nil, built by newClient with its transport wrapped by WrapTransport.
func (o ClientOptions) WithDefaultClient(newClient func() *http.Client) ClientOptions {
	o.QPS = cmp.Or(o.QPS, httpretry.DefaultQPS)
	o.Burst = cmp.Or(o.Burst, httpretry.DefaultBurst)
	if o.HTTPClient == nil {
		o.HTTPClient = newClient()
		if o.WrapTransport != nil {
			o.HTTPClient.Transport = o.WrapTransport(o.HTTPClient.Transport)
		}
	}
	return o
}

// Retry returns the client options of one Organization's client of a service: o's HTTP client,
// timeouts, retry bounds and listing bound, with limiter, the Organization's for the service.
func (o ClientOptions) Retry(limiter *httpretry.Throttle) httpretry.Options {
	return httpretry.Options{
		HTTPClient:       o.HTTPClient,
		RequestTimeout:   o.RequestTimeout,
		MaxRetryDuration: o.MaxRetryDuration,
		MaxRetryAfter:    o.MaxRetryAfter,
		MaxListed:        o.MaxListed,
		Limiter:          limiter,
	}
}

// Limiters returns a limiter registry shaped by o's QPS and Burst.
func (o ClientOptions) Limiters() *Limiters {
	return &Limiters{QPS: o.QPS, Burst: o.Burst}
}
