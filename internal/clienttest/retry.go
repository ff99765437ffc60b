package clienttest

import (
	"net/http"
	"time"

	"golang.org/x/time/rate"

	"github.com/orgsync/orgsync/internal/httpretry"
)

// FastRetry is the retry settings of both clouds' client tests against a local server: no rate
// limit, tiny backoffs, a short per-attempt timeout, and a retry budget long enough that a test
// never runs into it by accident.
func FastRetry() httpretry.Options {
	return httpretry.Options{
		Limiter:          httpretry.NewThrottle(rate.NewLimiter(rate.Inf, 1)),
		RequestTimeout:   2 * time.Second,
		BaseBackoff:      time.Millisecond,
		MaxBackoff:       5 * time.Millisecond,
		MaxRetryDuration: 10 * time.Second,
	}
}

// OneAttempt is the settings of both clouds' fuzz targets: one attempt per call, no rate limit,
// every request to rt, and redirects answered as they are, not followed.
func OneAttempt(rt http.RoundTripper) httpretry.Options {
	return httpretry.Options{
		HTTPClient: &http.Client{
			Transport:     rt,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		Limiter:     httpretry.NewThrottle(rate.NewLimiter(rate.Inf, 1)),
		MaxAttempts: 1,
	}
}
