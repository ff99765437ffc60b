package chaos

import "time"

// The managers of a run are testenv.Process: bin/manager as a child process, restartable under
// one name (the client name its remote calls are recorded under).

// managerFlags are a run's manager flags but those of its cloud (cloud.managerFlags: where, how
// fast, with what timeout): a short sync period so that faults show within seconds, and, with
// leaderElection, the lease of a failover run.
func managerFlags(kubeconfig string, leaderElection bool) []string {
	args := []string{
		"--kubeconfig", kubeconfig,
		"--allow-insecure-endpoints",
		"--max-concurrent-reconciles", "10",
		"--sync-period", "15s",
		"--metrics-bind-address", "0",
		"--health-probe-bind-address", "0",
		"--zap-log-level", "info",
	}
	if leaderElection {
		args = append(args, "--leader-elect",
			"--leader-elect-resource-namespace", leaseNamespace,
			"--leader-elect-lease-duration", leaseDuration.String(),
			"--leader-elect-renew-deadline", renewDeadline.String(),
			"--leader-elect-retry-period", retryPeriod.String())
	}
	return args
}

// The failover runs' lease timings: shorter than the defaults so that a run takes seconds.
const (
	leaseDuration = 6 * time.Second
	renewDeadline = 4 * time.Second
	retryPeriod   = 500 * time.Millisecond
	// takeoverLimit bounds a takeover, counted from the leader's kill. client-go's standby polls
	// the Lease every retry period stretched by a jitter of up to 2.2×; it counts the lease
	// duration from when it last saw the Lease change (at most one poll after the leader's last
	// renewal) and acquires it at its first poll after that.
	takeoverLimit = leaseDuration + 2*(retryPeriod*22/10)
)
