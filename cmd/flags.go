package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/orgsync/orgsync/internal/provider/remoteflags"
)

// minSyncPeriod is the shortest --sync-period accepted: each period lists every Organization's
// whole chart, and a shorter one would spend the remote API's budget on listings.
const minSyncPeriod = time.Second

// limits are the manager's numeric flags, which must be in range for it to work at all.
type limits struct {
	syncPeriod    time.Duration
	deletionGrace time.Duration
	// waitingDelay and waitingMax hold back a new Department's first waiting state.
	waitingDelay, waitingMax time.Duration
	maxConcurrent            int
	// maxPerNamespace is --max-concurrent-reconciles-per-namespace; 0 takes the default.
	maxPerNamespace int
	// leader election
	leaseDuration, renewDeadline, retryPeriod time.Duration
}

// splitList splits a comma-separated flag value, dropping empty entries.
func splitList(value string) []string {
	var out []string
	for item := range strings.SplitSeq(value, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// validateFlags refuses values with which the manager would start and then fail every call
// quietly (a burst below one admits no request; a sync period of zero resyncs in a loop), naming
// each flag that is out of range, the remote flags (remoteflags.Options.Validate) included.
func validateFlags(l limits, remote remoteflags.Options) error {
	var errs []error
	check := func(ok bool, flag string, value any, want string) {
		if !ok {
			errs = append(errs, fmt.Errorf("--%s=%v: must be %s", flag, value, want))
		}
	}
	check(l.syncPeriod >= minSyncPeriod, "sync-period", l.syncPeriod, "at least "+minSyncPeriod.String())
	// Below a second, deletionTimestamp's whole seconds would make it meaningless; above an hour a
	// Department deleted on its own would seem stuck.
	check(l.deletionGrace >= time.Second && l.deletionGrace <= time.Hour, "deletion-grace", l.deletionGrace, "between 1s and 1h")
	// Beyond a minute the hold would hide a Department that waits in earnest; the longest hold
	// must leave the quiet period room.
	check(l.waitingDelay > 0 && l.waitingDelay <= time.Minute, "waiting-status-delay", l.waitingDelay, "greater than 0 and at most 1m")
	check(l.waitingMax >= l.waitingDelay && l.waitingMax <= 10*time.Minute, "waiting-status-max-delay", l.waitingMax, "at least --waiting-status-delay and at most 10m")
	check(l.maxConcurrent >= 1, "max-concurrent-reconciles", l.maxConcurrent, "at least 1")
	check(l.maxPerNamespace >= 0 && l.maxPerNamespace <= max(1, l.maxConcurrent), "max-concurrent-reconciles-per-namespace", l.maxPerNamespace,
		"between 0 (all of --max-concurrent-reconciles but one) and --max-concurrent-reconciles")
	// client-go's leader election refuses these at start too, but with a panic.
	check(l.retryPeriod > 0, "leader-elect-retry-period", l.retryPeriod, "greater than 0")
	check(l.renewDeadline > l.retryPeriod, "leader-elect-renew-deadline", l.renewDeadline, "longer than --leader-elect-retry-period")
	check(l.leaseDuration > l.renewDeadline, "leader-elect-lease-duration", l.leaseDuration, "longer than --leader-elect-renew-deadline")
	errs = append(errs, remote.Validate())
	return errors.Join(errs...)
}
