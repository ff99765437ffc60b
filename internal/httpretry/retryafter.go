package httpretry

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRetryAfter caps a parsed Retry-After, in either form, so that no value overflows a Duration;
// Policy.RetryAfter then clamps it to the wait a client honours (Options.MaxRetryAfter).
const maxRetryAfter = 24 * time.Hour

// ParseRetryAfter reads a Retry-After header value: delay seconds or an HTTP date, at most a day
// either way. An empty, malformed, non-positive or past value is 0.
func ParseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	if seconds, err := strconv.ParseInt(value, 10, 64); err == nil {
		if seconds <= 0 {
			return 0
		}
		return time.Duration(min(seconds, int64(maxRetryAfter/time.Second))) * time.Second
	}
	if at, err := http.ParseTime(value); err == nil {
		if d := at.Sub(now); d > 0 {
			return min(d, maxRetryAfter)
		}
	}
	return 0
}

// RetryAfter reads a Retry-After header value as the wait the client honours: ParseRetryAfter's,
// clamped to MaxRetryAfter. A server asking for longer is not obeyed beyond the cap: one answer
// must not hold a tenant's calls (and the workers waiting on them) for hours.
func (p Policy) RetryAfter(value string, now time.Time) time.Duration {
	return p.clampRetryAfter(ParseRetryAfter(value, now))
}

// clampRetryAfter limits a server's requested wait to MaxRetryAfter (no limit when it is zero).
func (p Policy) clampRetryAfter(d time.Duration) time.Duration {
	if p.MaxRetryAfter > 0 {
		return min(d, p.MaxRetryAfter)
	}
	return d
}
