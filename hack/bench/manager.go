package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/orgsync/orgsync/internal/testenv"
)

// manager is bin/manager running as a child process (testenv.Process), with its metrics endpoint.
type manager struct {
	*testenv.Process
	metricsURL string
}

// managerSettings are the flags of one benchmark's manager.
type managerSettings struct {
	binary, kubeconfig, fakeURL string
	limit                       rateLimit
	syncPeriod                  time.Duration
	logPath                     string
	// extraArgs are more flags, such as --pprof-bind-address to profile it.
	extraArgs []string
	// memoryLimit is its container memory limit in bytes (ORGSYNC_MEMORY_LIMIT); empty: none.
	memoryLimit string
}

// startManager starts the manager and waits until its metrics endpoint answers.
func startManager(ctx context.Context, s managerSettings) (*manager, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	metricsAddr := fmt.Sprintf("127.0.0.1:%d", port)
	args := []string{
		"--kubeconfig", s.kubeconfig,
		"--allow-insecure-endpoints",
		"--ncp-workplace-endpoint", s.fakeURL,
		"--ncp-organization-endpoint", s.fakeURL,
		"--ncp-qps", strconv.FormatFloat(s.limit.qps, 'f', -1, 64),
		"--ncp-burst", strconv.Itoa(s.limit.burst),
		"--max-concurrent-reconciles", strconv.Itoa(workers),
		"--sync-period", s.syncPeriod.String(),
		"--metrics-bind-address", metricsAddr,
		"--metrics-secure=false", // the benchmark scrapes plain HTTP on loopback
		"--health-probe-bind-address", "0",
	}
	var env []string
	if s.memoryLimit != "" {
		env = append(env, "ORGSYNC_MEMORY_LIMIT="+s.memoryLimit)
	}
	m := &manager{
		Process:    &testenv.Process{Name: "the manager", Binary: s.binary, Args: append(args, s.extraArgs...), LogPath: s.logPath, Env: env},
		metricsURL: "http://" + metricsAddr + "/metrics",
	}
	if err := m.Start(); err != nil {
		return nil, err
	}
	for {
		if _, err := m.scrape(ctx); err == nil {
			return m, nil
		}
		select {
		case <-m.Exited():
			return nil, fmt.Errorf("at start: %w", m.Alive())
		case <-ctx.Done():
			m.Stop()
			return nil, fmt.Errorf("waiting for the manager's metrics endpoint: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// peakRSS returns the manager's peak resident set size (VmHWM), in bytes.
func (m *manager) peakRSS() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", m.Pid()))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		if rest, ok := strings.CutPrefix(lines.Text(), "VmHWM:"); ok {
			kB, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kB << 10, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", m.Pid())
}

// restRequests reads the manager's /metrics and returns client-go's rest_client_requests_total
// summed by HTTP method: the manager's requests to the Kubernetes API server.
func (m *manager) restRequests(ctx context.Context) (map[string]float64, error) {
	text, err := m.scrape(ctx)
	if err != nil {
		return nil, err
	}
	return sumByLabel(text, "rest_client_requests_total", "method"), nil
}

// queueDepth reads the manager's /metrics and returns workqueue_depth summed over its
// controllers: work it has not got through yet.
func (m *manager) queueDepth(ctx context.Context) (int, error) {
	text, err := m.scrape(ctx)
	if err != nil {
		return 0, err
	}
	depth := 0.0
	for _, d := range sumByLabel(text, "workqueue_depth", "name") {
		depth += d
	}
	return int(depth), nil
}

func (m *manager) scrape(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.metricsURL, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", m.metricsURL, resp.Status)
	}
	return string(body), nil
}

// sumByLabel sums the samples of a counter in Prometheus text format by the value of one label.
func sumByLabel(text, metric, label string) map[string]float64 {
	labelValue := regexp.MustCompile(label + `="([^"]*)"`)
	sums := map[string]float64{}
	for line := range strings.Lines(text) {
		rest, ok := strings.CutPrefix(line, metric+"{")
		if !ok {
			continue
		}
		labels, value, ok := strings.Cut(rest, "} ")
		if !ok {
			continue
		}
		match := labelValue.FindStringSubmatch(labels)
		v, err := strconv.ParseFloat(strings.Fields(value)[0], 64)
		if match == nil || err != nil {
			continue
		}
		sums[match[1]] += v
	}
	return sums
}

// managerDefaults reads the manager's default NCP rate limit from its -help output, so that a
// "default" configuration measures whatever the binary ships with.
func managerDefaults(binary string) (rateLimit, error) {
	// -help prints the usage and exits with status 0 (flag.ExitOnError); the status is not needed.
	out, _ := exec.Command(binary, "-help").CombinedOutput()
	usage := string(out)
	qps, err := flagDefault(usage, "ncp-qps")
	if err != nil {
		return rateLimit{}, err
	}
	burst, err := flagDefault(usage, "ncp-burst")
	if err != nil {
		return rateLimit{}, err
	}
	b, err := strconv.Atoi(burst)
	if err != nil {
		return rateLimit{}, fmt.Errorf("%s: --ncp-burst default %q: %w", binary, burst, err)
	}
	q, err := strconv.ParseFloat(qps, 64)
	if err != nil {
		return rateLimit{}, fmt.Errorf("%s: --ncp-qps default %q: %w", binary, qps, err)
	}
	return rateLimit{qps: q, burst: b, isDefault: true}, nil
}

// flagDefault finds "(default X)" in the usage text of a flag as the flag package prints it:
// "  -name type\n    \tusage (default X)".
func flagDefault(usage, name string) (string, error) {
	m := regexp.MustCompile(`(?m)^\s+-` + regexp.QuoteMeta(name) + ` .*\n.*\(default ([^)]+)\)`).FindStringSubmatch(usage)
	if m == nil {
		return "", fmt.Errorf("no default for --%s in the manager's -help output", name)
	}
	return m[1], nil
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
