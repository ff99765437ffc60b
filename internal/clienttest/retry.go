package clienttest

import (
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
