package httpretry

// Native fuzz targets for reading Retry-After and bounded bodies. Their seed corpora run with every
// plain `go test`; hack/fuzz.sh fuzzes them with the others.

import (
	"bytes"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzParseRetryAfter: a Retry-After value gives a wait that is never negative: the delay seconds
// (capped at a day), or the time until an HTTP date, and 0 for anything else, whatever the clock.
func FuzzParseRetryAfter(f *testing.F) {
	now := time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC).Unix()
	for _, seed := range []string{
		"", "0", "1", "120", " 30 ", "-5", "+7", "86400", "86401", "9223372036854775807", "99999999999999999999",
		"1.5", "1e3", "0x10", "Mon, 03 Feb 2025 04:06:06 GMT", "Mon, 03 Feb 2025 04:05:00 GMT",
		"Monday, 03-Feb-25 04:06:06 GMT", "Mon Feb  3 04:06:06 2025", "Fri, 31 Dec 9999 23:59:59 GMT",
		"Thu, 01 Jan 1970 00:00:00 GMT", "Mon, 03 Feb 2025 04:06:06 +0900", "soon", "\x00", "\xff",
	} {
		f.Add(seed, now)
	}
	f.Add("Fri, 31 Dec 9999 23:59:59 GMT", int64(math.MinInt64))
	f.Add("Mon, 01 Jan 0001 00:00:00 GMT", int64(math.MaxInt64))
	f.Fuzz(func(t *testing.T, value string, unix int64) {
		clock := time.Unix(unix, 0)
		d := ParseRetryAfter(value, clock)
		if d != ParseRetryAfter(value, clock) {
			t.Fatalf("ParseRetryAfter(%q) is not deterministic", value)
		}
		if d < 0 {
			t.Fatalf("ParseRetryAfter(%q, %v) = %v, negative", value, clock, d)
		}
		trimmed := strings.TrimSpace(value)
		if seconds, err := strconv.ParseInt(trimmed, 10, 64); err == nil {
			want := time.Duration(min(max(seconds, 0), 86400)) * time.Second
			if d != want {
				t.Errorf("ParseRetryAfter(%q) = %v, want %v", value, d, want)
			}
			return
		}
		if at, err := http.ParseTime(trimmed); err == nil {
			if want := min(max(at.Sub(clock), 0), 24*time.Hour); d != want {
				t.Errorf("ParseRetryAfter(%q, %v) = %v, want %v", value, clock, d, want)
			}
			return
		}
		if d != 0 {
			t.Errorf("ParseRetryAfter(%q) = %v, want 0 for a value that is neither seconds nor a date", value, d)
		}
	})
}

// FuzzReadAtMost: ReadAtMost returns the whole body when it fits the limit, the first limit bytes
// and ErrBodyTooLarge when it does not, and ErrBodyTooLarge at once when the announced length is
// over the limit, whatever length is announced (unknown, short, long, negative).
func FuzzReadAtMost(f *testing.F) {
	f.Add([]byte(`{"elements":[]}`), int64(15), uint16(1024))
	f.Add([]byte(`{"elements":[]}`), int64(-1), uint16(15))
	f.Add([]byte(`{"elements":[]}`), int64(-1), uint16(14))
	f.Add([]byte(`{"elements":[]}`), int64(3), uint16(1024))
	f.Add([]byte(`{"elements":[]}`), int64(1000), uint16(100))
	f.Add([]byte(``), int64(0), uint16(0))
	f.Add([]byte(`x`), int64(0), uint16(0))
	f.Add([]byte(`xyz`), int64(math.MinInt64), uint16(2))
	f.Add(bytes.Repeat([]byte("a"), 5000), int64(5000), uint16(4096))
	f.Fuzz(func(t *testing.T, body []byte, size int64, limit uint16) {
		l := int64(limit)
		got, err := ReadAtMost(bytes.NewReader(body), size, l)
		switch {
		case size > l:
			if !errors.Is(err, ErrBodyTooLarge) || got != nil {
				t.Errorf("announced %d over limit %d: %q, %v; want nil, ErrBodyTooLarge", size, l, got, err)
			}
		case int64(len(body)) > l:
			if !errors.Is(err, ErrBodyTooLarge) || !bytes.Equal(got, body[:l]) {
				t.Errorf("%d bytes over limit %d: %d bytes, %v; want the first %d, ErrBodyTooLarge", len(body), l, len(got), err, l)
			}
		default:
			if err != nil || !bytes.Equal(got, body) {
				t.Errorf("%d bytes within limit %d: %q, %v; want the body, nil", len(body), l, got, err)
			}
		}
	})
}
