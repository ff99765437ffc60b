package main

import (
	"bytes"
	"testing"
	"time"
)

func TestProgress(t *testing.T) {
	var out bytes.Buffer
	p := &progress{w: &out, on: true, now: func() time.Time { return time.Unix(0, 0) }}
	for range 12 {
		p.page()
	}
	p.done(1200)
	want := "\r\x1b[Klisting the remote chart: 4 pages read…\r\x1b[Klisted the remote chart: 1,200 departments in 12 pages\n"
	if out.String() != want {
		t.Errorf("progress on a terminal:\n%q\nwant\n%q", out.String(), want)
	}
	out.Reset()
	p = newProgress(&out) // a buffer is no terminal
	for range 12 {
		p.page()
	}
	p.done(1200)
	if out.Len() != 0 {
		t.Errorf("progress off a terminal: %q", out.String())
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q", n, got)
		}
	}
}
