package chaos

import (
	"bytes"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// NetworkFaults are the failures the Recorder adds in front of the fake, beyond the throttling
// and unavailability the fake injects itself.
type NetworkFaults struct {
	// StallFraction of remote writes (POST, PUT, DELETE) are applied by the fake, and then the
	// answer is held back for Stall, longer than the manager's request timeout: the manager
	// cannot tell whether its write happened.
	StallFraction float64
	Stall         time.Duration
	// ResetFraction of requests have their connection reset before the fake sees them.
	ResetFraction float64
	// OrganizationAPIDown answers every Organization API request 503.
	OrganizationAPIDown bool
}

// Write is one remote write the fake received.
type Write struct {
	Client  string // which manager sent it (the listener it came through)
	Method  string
	Key     string // the department's external key
	Arrived time.Time
	Status  int
	Code    string // the provider's error code, when the answer carried one
	Stalled bool   // applied, answer held back past the client's timeout
}

// Applied reports whether the fake carried the write out.
func (w Write) Applied() bool { return w.Status >= 200 && w.Status < 300 }

// Tally counts the faults injected and the answers of interest.
type Tally struct {
	Requests    int
	Throttled   int // 429, from the fake
	Unavailable int // 503, from the fake or an Organization API outage
	// OrganizationAPIRefused are the Organization API calls refused by an outage (also counted
	// in Unavailable).
	OrganizationAPIRefused int
	Stalls                 int
	Resets                 int
}

// Injected is the number of faults of every kind.
func (t Tally) Injected() int { return t.Throttled + t.Unavailable + t.Stalls + t.Resets }

// Recorder serves a cloud's fake to the managers, one listener per manager so that every write is
// attributed to the manager that sent it, injects NetworkFaults and records the writes.
type Recorder struct {
	fake cloud

	mu      sync.Mutex
	faults  NetworkFaults
	writes  []Write
	tally   Tally
	servers []*httptest.Server
}

// newRecorder wraps the fake.
func newRecorder(fake cloud) *Recorder { return &Recorder{fake: fake} }

// Listen starts a listener for one client and returns its base URL.
func (r *Recorder) Listen(client string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { r.serve(client, w, req) }))
	r.mu.Lock()
	r.servers = append(r.servers, srv)
	r.mu.Unlock()
	return srv.URL
}

// Close stops every listener.
func (r *Recorder) Close() {
	r.mu.Lock()
	servers := r.servers
	r.servers = nil
	r.mu.Unlock()
	for _, s := range servers {
		s.CloseClientConnections()
		s.Close()
	}
}

// SetFaults replaces the network faults in force.
func (r *Recorder) SetFaults(f NetworkFaults) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.faults = f
}

// Writes returns the writes recorded so far.
func (r *Recorder) Writes() []Write {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Write(nil), r.writes...)
}

// Tally returns the counts so far.
func (r *Recorder) Tally() Tally {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tally
}

// Reset forgets the writes and the counts.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes, r.tally = nil, Tally{}
}

func (r *Recorder) serve(client string, w http.ResponseWriter, req *http.Request) {
	arrived := time.Now()
	r.mu.Lock()
	faults := r.faults
	r.tally.Requests++
	reset := chance(faults.ResetFraction)
	orgDown := faults.OrganizationAPIDown && r.fake.organizationAPI(req.URL.Path)
	switch {
	case reset:
		r.tally.Resets++
	case orgDown:
		r.tally.Unavailable++
		r.tally.OrganizationAPIRefused++
	}
	r.mu.Unlock()

	if reset {
		resetConnection(w)
		return
	}
	if orgDown {
		r.fake.organizationAPIDown(w)
		return
	}

	key, isWrite := r.fake.write(req)
	answer := &bufferedAnswer{header: http.Header{}}
	r.fake.ServeHTTP(answer, req)
	stall := isWrite && answer.status < 300 && chance(faults.StallFraction)

	r.mu.Lock()
	switch answer.status {
	case http.StatusTooManyRequests:
		r.tally.Throttled++
	case http.StatusServiceUnavailable:
		r.tally.Unavailable++
	}
	if stall {
		r.tally.Stalls++
	}
	if isWrite {
		r.writes = append(r.writes, Write{
			Client: client, Method: req.Method, Key: key, Arrived: arrived,
			Status: answer.status, Code: r.fake.errorCode(answer.body.Bytes()), Stalled: stall,
		})
	}
	r.mu.Unlock()

	if stall {
		t := time.NewTimer(faults.Stall)
		defer t.Stop()
		select {
		case <-req.Context().Done():
			return // the client gave up: it never learns the write was applied
		case <-t.C:
		}
	}
	answer.copyTo(w)
}

// resetConnection closes the client's connection with a TCP reset.
func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("chaos: the recorder's server cannot hijack connections")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0) // close sends RST instead of FIN
	}
	_ = conn.Close()
}

func chance(fraction float64) bool { return fraction > 0 && rand.Float64() < fraction } //nolint:gosec // G404: fault injection, not a secret

// bufferedAnswer holds the fake's answer so that it can be held back or inspected.
type bufferedAnswer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (a *bufferedAnswer) Header() http.Header { return a.header }

func (a *bufferedAnswer) WriteHeader(status int) {
	if a.status == 0 {
		a.status = status
	}
}

func (a *bufferedAnswer) Write(p []byte) (int, error) {
	a.WriteHeader(http.StatusOK)
	return a.body.Write(p)
}

func (a *bufferedAnswer) copyTo(w http.ResponseWriter) {
	for k, v := range a.header {
		w.Header()[k] = v
	}
	w.WriteHeader(max(a.status, http.StatusOK))
	_, _ = w.Write(a.body.Bytes())
}
