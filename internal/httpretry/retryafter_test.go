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
		{now.Add(48 * time.Hour).Format(http.TimeFormat), 48 * time.Hour},
	}
	for _, tt := range tests {
		if got := ParseRetryAfter(tt.value, now); got != tt.want {
			t.Errorf("ParseRetryAfter(%q) = %v, want %v", tt.value, got, tt.want)
		}
	}
}
