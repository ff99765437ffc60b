package main

import (
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/internal/provider/remoteflags"
)

func TestValidateFlags(t *testing.T) {
	defaults := limits{syncPeriod: 10 * time.Minute, deletionGrace: 10 * time.Second, maxConcurrent: 4,
		waitingDelay: 5 * time.Second, waitingMax: 2 * time.Minute,
		leaseDuration: 15 * time.Second, renewDeadline: 10 * time.Second, retryPeriod: 2 * time.Second}
	remote := defaultRemote(t)
	if err := validateFlags(defaults, remote); err != nil {
		t.Fatalf("the defaults are refused: %v", err)
	}
	cases := map[string]struct {
		change func(*limits)
		flag   string
	}{
		"zero sync period":             {func(l *limits) { l.syncPeriod = 0 }, "--sync-period=0s"},
		"lease shorter than renewal":   {func(l *limits) { l.leaseDuration = 5 * time.Second }, "--leader-elect-lease-duration=5s"},
		"renewal shorter than retry":   {func(l *limits) { l.renewDeadline = time.Second }, "--leader-elect-renew-deadline=1s"},
		"no workers":                   {func(l *limits) { l.maxConcurrent = 0 }, "--max-concurrent-reconciles=0"},
		"a namespace share above all":  {func(l *limits) { l.maxPerNamespace = 5 }, "--max-concurrent-reconciles-per-namespace=5"},
		"sync period of a milli":       {func(l *limits) { l.syncPeriod = time.Millisecond }, "--sync-period=1ms"},
		"no deletion grace":            {func(l *limits) { l.deletionGrace = 0 }, "--deletion-grace=0s"},
		"a day of deletion grace":      {func(l *limits) { l.deletionGrace = 24 * time.Hour }, "--deletion-grace=24h0m0s"},
		"no waiting delay":             {func(l *limits) { l.waitingDelay = 0 }, "--waiting-status-delay=0s"},
		"an hour of waiting delay":     {func(l *limits) { l.waitingDelay, l.waitingMax = time.Hour, 2*time.Hour }, "--waiting-status-delay=1h0m0s"},
		"longest hold below the quiet": {func(l *limits) { l.waitingMax = time.Second }, "--waiting-status-max-delay=1s"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			l := defaults
			tc.change(&l)
			err := validateFlags(l, remote)
			if err == nil || !strings.Contains(err.Error(), tc.flag) {
				t.Fatalf("error %v, want one naming %s", err, tc.flag)
			}
		})
	}
	// Every flag out of range is named at once, the remote flags (remoteflags) included.
	if err := validateFlags(limits{}, remoteflags.Options{}); err == nil || strings.Count(err.Error(), "\n")+1 != 16 {
		t.Fatalf("all zero: %v, want sixteen flags named", err)
	}
}

// defaultRemote is the remote flags at their defaults.
func defaultRemote(t *testing.T) remoteflags.Options {
	t.Helper()
	var o remoteflags.Options
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	o.Register(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	return o
}
