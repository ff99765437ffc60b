package main

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// progress reports a long read of the remote chart on a terminal: one line, rewritten in place,
// once the listing has taken more than a few pages. It writes nothing when off (standard error is
// not a terminal), so scripts and logs see only the result.
type progress struct {
	w  io.Writer
	on bool
	// now is the clock that paces the updates.
	now func() time.Time

	mu      sync.Mutex
	pages   int
	shown   bool // a line is on the terminal
	lastOut time.Time
}

// Pacing of the progress line.
const (
	// progressAfterPages is how many pages a listing takes before progress shows: a small chart
	// lists without a flicker.
	progressAfterPages = 3
	progressInterval   = 100 * time.Millisecond
)

// newProgress returns a progress reporter on w, on when w is a terminal.
func newProgress(w io.Writer) *progress {
	return &progress{w: w, on: isTerminal(w), now: time.Now}
}

// transport wraps base so that each page of a listing (a GET answered 2xx) counts.
func (p *progress) transport(base http.RoundTripper) http.RoundTripper {
	return progressRoundTripper(func(r *http.Request) (*http.Response, error) {
		resp, err := base.RoundTrip(r)
		if err == nil && r.Method == http.MethodGet && resp.StatusCode/100 == 2 {
			p.page()
		}
		return resp, err
	})
}

type progressRoundTripper func(*http.Request) (*http.Response, error)

func (f progressRoundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// page counts one page read and redraws the line, at most every progressInterval.
func (p *progress) page() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pages++
	if !p.on || p.pages <= progressAfterPages {
		return
	}
	if now := p.now(); !p.shown || now.Sub(p.lastOut) >= progressInterval {
		p.lastOut = now
		p.shown = true
		fmt.Fprintf(p.w, "\r\x1b[Klisting the remote chart: %s pages read…", thousands(p.pages))
	}
}

// done replaces the line, if one is shown, with the result of the listing.
func (p *progress) done(departments int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprintf(p.w, "\r\x1b[Klisted the remote chart: %s departments in %s pages\n", thousands(departments), thousands(p.pages))
		p.shown = false
	}
}

// clear removes the line, if one is shown (before an error is printed).
func (p *progress) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}

// thousands writes n with commas between groups of three digits: 1,200.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
