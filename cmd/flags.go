package main

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/orgsync/orgsync/internal/httpretry"
	hwprovider "github.com/orgsync/orgsync/internal/provider/huaweicloud"
)

// minSyncPeriod is the shortest --sync-period accepted: each period lists every Organization's
// whole chart, and a shorter one would spend the remote API's budget on listings.
const minSyncPeriod = time.Second

// limits are the manager's numeric flags, which must be in range for it to work at all.
type limits struct {
	syncPeriod    time.Duration
	deletionGrace time.Duration
	maxConcurrent int
	ncpQPS        float64
	ncpBurst      int
	ncpTimeout    time.Duration
	hwQPS         float64
	hwBurst       int
	hwTimeout     time.Duration
	// leader election
	leaseDuration, renewDeadline, retryPeriod time.Duration
}

// defaultHuaweiDomains is the default --huaweicloud-allowed-domains.
const defaultHuaweiDomains = hwprovider.DefaultAllowedDomains

// endpoints are the flags that say where credentials may go.
type endpoints struct {
	allowInsecure    bool
	hwAllowedDomains string
	// urls are the endpoint flags by name; empty ones are not set.
	urls map[string]string
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
// each flag that is out of range.
func validateFlags(l limits, e endpoints) error {
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
	check(l.maxConcurrent >= 1, "max-concurrent-reconciles", l.maxConcurrent, "at least 1")
	check(l.ncpQPS > 0, "ncp-qps", l.ncpQPS, "greater than 0")
	check(l.ncpBurst >= 1, "ncp-burst", l.ncpBurst, "at least 1")
	check(l.ncpTimeout > 0, "ncp-request-timeout", l.ncpTimeout, "greater than 0")
	check(l.hwQPS > 0, "huaweicloud-qps", l.hwQPS, "greater than 0")
	check(l.hwBurst >= 1, "huaweicloud-burst", l.hwBurst, "at least 1")
	check(l.hwTimeout > 0, "huaweicloud-request-timeout", l.hwTimeout, "greater than 0")
	// client-go's leader election refuses these at start too, but with a panic.
	check(l.retryPeriod > 0, "leader-elect-retry-period", l.retryPeriod, "greater than 0")
	check(l.renewDeadline > l.retryPeriod, "leader-elect-renew-deadline", l.renewDeadline, "longer than --leader-elect-retry-period")
	check(l.leaseDuration > l.renewDeadline, "leader-elect-lease-duration", l.leaseDuration, "longer than --leader-elect-renew-deadline")
	for _, pattern := range splitList(e.hwAllowedDomains) {
		check(httpretry.ValidDomainPattern(pattern), "huaweicloud-allowed-domains", pattern, "a host name, an IP address or *.domain")
	}
	policy := httpretry.EndpointPolicy{AllowInsecure: e.allowInsecure}
	for _, name := range slices.Sorted(maps.Keys(e.urls)) {
		if raw := e.urls[name]; raw != "" {
			if _, err := policy.Check("--"+name, raw); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
