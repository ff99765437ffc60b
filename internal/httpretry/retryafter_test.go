package httpretry

import (
	"net/http"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Duration
	}{
		{"", 0},
		{"  ", 0},
		{"5", 5 * time.Second},
		{" 7 ", 7 * time.Second},
		{"0", 0},
		{"-3", 0},
		{"999999999", 24 * time.Hour},
		{"99999999999999999999", 0},
		{"1.5", 0},
		{"soon", 0},
		{"3", 3 * time.Second},
		{" 120 ", 2 * time.Minute},
		{"-5", 0},
		{"99999999999", 24 * time.Hour},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{now.Add(48 * time.Hour).Format(http.TimeFormat), 24 * time.Hour},
		{now.AddDate(1, 0, 0).Format(http.TimeFormat), 24 * time.Hour},
		{now.AddDate(500, 0, 0).Format(http.TimeFormat), 24 * time.Hour},
		{"Mon, 32 Foo 2026 99:00:00 GMT", 0},
	}
	for _, tt := range tests {
		if got := ParseRetryAfter(tt.value, now); got != tt.want {
			t.Errorf("ParseRetryAfter(%q) = %v, want %v", tt.value, got, tt.want)
		}
	}
}

// The wait a client honours is the server's, clamped to MaxRetryAfter, whichever form it takes.
func TestPolicyRetryAfterClampsBothForms(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p := Options{}.Policy(nil, nil)
	tests := map[string]struct {
		value string
		want  time.Duration
	}{
		"seconds below the cap":  {"30", 30 * time.Second},
		"seconds past the cap":   {"3600", DefaultMaxRetryAfter},
		"seconds a year ahead":   {"31536000", DefaultMaxRetryAfter},
		"date below the cap":     {now.Add(20 * time.Second).Format(http.TimeFormat), 20 * time.Second},
		"date a year ahead":      {now.AddDate(1, 0, 0).Format(http.TimeFormat), DefaultMaxRetryAfter},
		"date in the past":       {now.Add(-time.Hour).Format(http.TimeFormat), 0},
		"garbage":                {"in a while", 0},
		"negative seconds":       {"-30", 0},
		"date in another format": {now.Add(time.Hour).Format(time.RFC3339), 0},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := p.RetryAfter(tt.value, now); got != tt.want {
				t.Errorf("RetryAfter(%q) = %v, want %v", tt.value, got, tt.want)
			}
		})
	}
}
