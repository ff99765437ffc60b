package chaos

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// managerProcess is bin/manager running as a child process, restartable under one name.
type managerProcess struct {
	name    string   // the client name its remote calls are recorded under
	args    []string // every flag
	binary  string
	logPath string

	cmd    *exec.Cmd
	exited chan struct{}
	err    error // why it exited; read after exited is closed
	starts int
}

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

// start starts the process; its output is appended to the log.
func (m *managerProcess) start() error {
	logFile, err := os.OpenFile(m.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logFile.Close() // the child holds its own descriptor
	m.starts++
	fmt.Fprintf(logFile, "=== chaos: start %d of %s at %s\n", m.starts, m.name, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(m.binary, m.args...) //nolint:gosec // G204: the manager binary under test
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// The manager must not outlive the run, even when the run is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", m.binary, err)
	}
	m.cmd, m.exited = cmd, make(chan struct{})
	go func(exited chan struct{}) { m.err = cmd.Wait(); close(exited) }(m.exited)
	return nil
}

// kill ends the process with SIGKILL, as a node failure or an OOM kill would.
func (m *managerProcess) kill() {
	if m.cmd == nil {
		return
	}
	_ = m.cmd.Process.Kill()
	<-m.exited
	m.cmd = nil
}

// stop ends the process with SIGTERM, then SIGKILL after a grace period.
func (m *managerProcess) stop() {
	if m.cmd == nil {
		return
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.exited:
	case <-time.After(10 * time.Second):
		_ = m.cmd.Process.Kill()
		<-m.exited
	}
	m.cmd = nil
}

// alive returns an error when the process has exited on its own.
func (m *managerProcess) alive() error {
	if m.cmd == nil {
		return nil
	}
	select {
	case <-m.exited:
		return fmt.Errorf("manager %s exited: %v (log: %s)", m.name, m.err, m.logPath)
	default:
		return nil
	}
}
