package httpretry

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRetryAfterSeconds caps a delay-seconds Retry-After, so that no value overflows a Duration.
const maxRetryAfterSeconds = int64(24 * time.Hour / time.Second)

// ParseRetryAfter reads a Retry-After header value: delay seconds (at most a day) or an HTTP
// date. An empty, malformed, non-positive or past value is 0.
func ParseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	if seconds, err := strconv.ParseInt(value, 10, 64); err == nil {
		if seconds <= 0 {
			return 0
		}
		return time.Duration(min(seconds, maxRetryAfterSeconds)) * time.Second
	}
	if at, err := http.ParseTime(value); err == nil {
		if d := at.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
