package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestProcessListensLogsAndStops(t *testing.T) {
	log := filepath.Join(t.TempDir(), "fake.log")
	p := &Process{Name: "fake", Binary: "/bin/sh", LogPath: log,
		Args: []string{"-c", "echo listening on http://127.0.0.1:1234; echo after the address; echo to stderr >&2; exec sleep 60"}}
	url, err := p.StartListening()
	if err != nil || url != "http://127.0.0.1:1234" {
		t.Fatalf("StartListening: %q, %v; want the printed URL", url, err)
	}
	if err := p.Alive(); err != nil || p.Pid() == 0 {
		t.Fatalf("a running process: Alive %v, pid %d", err, p.Pid())
	}
	// The lines after the address are the shell's next commands: stopping it before it ran them
	// would leave them out of the log for a reason that is not the log's.
	waitForLog(t, log, "after the address", "to stderr")
	p.Stop()
	if p.Pid() != 0 || p.Alive() != nil {
		t.Errorf("after Stop: pid %d, Alive %v; want neither", p.Pid(), p.Alive())
	}
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"=== testenv: start 1 of fake", "after the address", "to stderr"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("log lacks %q:\n%s", want, data)
		}
	}
}

// waitForLog waits, up to ten seconds, until the file at path holds every one of wants.
func waitForLog(t *testing.T, path string, wants ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := Poll(ctx, 10*time.Millisecond, func(context.Context) (bool, string, error) {
		data, _ := os.ReadFile(path)
		for _, want := range wants {
			if !strings.Contains(string(data), want) {
				return false, fmt.Sprintf("log lacks %q:\n%s", want, data), nil
			}
		}
		return true, "", nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestProcessThatExitsIsNotAlive(t *testing.T) {
	p := &Process{Name: "quitter", Binary: "/bin/sh", Args: []string{"-c", "exit 3"}, LogPath: filepath.Join(t.TempDir(), "log")}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	<-p.Exited()
	if err := p.Alive(); err == nil || !strings.Contains(err.Error(), "quitter exited") {
		t.Errorf("Alive after exit 3: %v, want an error naming the process", err)
	}
	if err := p.Start(); err != nil || p.Starts() != 2 {
		t.Errorf("restart: %v, %d starts; want a second start", err, p.Starts())
	}
	p.Kill()
}
