// Command bench measures how the real manager (bin/manager) converges a large department chart
// and what it costs at rest, and prints the figures beside their targets. `make bench` runs it
// after `make build envtest`:
//
//	go run ./hack/bench                                  # N=2,000 and 10,000 at qps 1000, N=2,000 at the default qps
//	go run ./hack/bench -n 200 -default-qps-n '' -sync-period 10s   # a quick try
//
// Each configuration starts from scratch: an in-process fake NCP adding -latency to every call, a
// fresh control plane from bin/k8s with the CRDs of config/crd/bases, and bin/manager as a child
// process (--max-concurrent-reconciles from -workers, default 20, and the configuration's
// --ncp-qps/--ncp-burst). Then:
//
//   - baseline (a): a plain NCP client creates the same chart in another company of the fake, one
//     POST per department, parents first, as many workers as the manager, under the same rate limit;
//   - baseline (b0): before the manager starts, the N Department objects are created one after
//     another (as kubectl apply and the GitOps tools send them), deepest level first, in a
//     namespace of their own, watched as the measured run is; baseline (w0): one status write per
//     Department, top level first, as many at a time as the manager's workers; then they are
//     deleted again;
//   - the finalizer policy (config/admission, -admission) is installed, as the chart does on
//     Kubernetes 1.36 and later, and the manager started with the chart's default memory limit
//     (-memory-limit, as ORGSYNC_MEMORY_LIMIT: it sets its Go soft limit to 80% of it);
//   - baseline (b): the same creates while the manager runs; slowdown = b / b0;
//   - convergence: from the first create until every Department is Ready with its
//     observedGeneration current, followed through a watch; ratio = convergence / (b0 + a): the
//     root arrives last, so nothing can finish before the objects are in and the creates have
//     cascaded down after them; floor ratio = (b0 + max(w0, a)) / (b0 + a), the least any manager
//     could reach on this API server;
//   - Kubernetes writes per department while converging: the manager's (rest_client_requests_total,
//     Events apart), and those the watch saw, by Department status, metadata and the Organization;
//   - remote calls per department while converging, by method, from the fake's per-company counts;
//   - steady state: over the two sync periods after convergence, remote calls per department per
//     resync, remote writes, and the manager's Kubernetes writes (rest_client_requests_total, POST,
//     PUT, PATCH, DELETE, from its /metrics; Event creates are among them and shown apart);
//   - the manager's peak RSS (VmHWM).
//
// The chart is a roughly balanced tree of depth 5 with one root and keys d-<level>-<index>.
// Everything started is stopped at the end, on failure, on timeout (-timeout per configuration)
// and on Ctrl-C; a failed configuration keeps its manager log and prints where.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/orgsync/orgsync/internal/testenv"
)

func main() {
	sizes := flag.String("n", "2000,10000", "chart sizes to run at -qps, comma-separated")
	qps := flag.Float64("qps", 1000, "the manager's --ncp-qps for the -n sizes")
	burst := flag.Int("burst", 0, "the manager's --ncp-burst for the -n sizes; 0: the same as -qps")
	defaultSizes := flag.String("default-qps-n", "2000", "chart sizes to run at the manager's default --ncp-qps and --ncp-burst, comma-separated; empty: none")
	latency := flag.Duration("latency", 20*time.Millisecond, "latency the fake NCP adds to every call")
	syncPeriod := flag.Duration("sync-period", 30*time.Second, "the manager's --sync-period; the steady-state window is two of them")
	timeout := flag.Duration("timeout", 20*time.Minute, "time limit of one configuration")
	binDir := flag.String("bin", "bin", "folder holding manager and k8s/ (kube-apiserver, etcd)")
	crdDir := flag.String("crds", filepath.Join("config", "crd", "bases"), "folder of the CRDs")
	flag.IntVar(&workers, "workers", workers, "the manager's --max-concurrent-reconciles, and the remote baseline's workers (the same concurrency)")
	managerArgs := flag.String("manager-args", "", "more flags for the manager, space-separated, e.g. --pprof-bind-address=127.0.0.1:6060")
	admission := flag.String("admission", filepath.Join("config", "admission", "finalizer_policy.yaml"), "the finalizer policy to install before the manager starts, as the chart does on Kubernetes 1.36 and later; empty: none")
	memoryLimit := flag.String("memory-limit", "256Mi", "the manager's container memory limit (ORGSYNC_MEMORY_LIMIT, from which it sets its Go soft limit, as the chart passes it), the chart's default; empty: none")
	alone := flag.Bool("alone", true, "measure baseline (b0), the objects created with no manager running (false: skip it, for the longest runs; slowdown and ratio are then not shown)")
	flag.Parse()

	testenv.LogErrorsOnly()

	s := settings{binDir: *binDir, crdDir: *crdDir, latency: *latency, syncPeriod: *syncPeriod, timeout: *timeout,
		managerArgs: strings.Fields(*managerArgs), admission: *admission, memoryLimit: *memoryLimit, alone: *alone}
	if s.memoryLimit != "" {
		q, err := resource.ParseQuantity(s.memoryLimit)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: -memory-limit:", err)
			os.Exit(2)
		}
		s.memoryLimit = strconv.FormatInt(q.Value(), 10)
	}
	confs, err := configurations(*sizes, *qps, *burst, *defaultSizes, filepath.Join(*binDir, "manager"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}

	os.Exit(runAll(s, confs))
}

// runAll measures every configuration until done or interrupted, prints the table and returns
// the exit code: 1 when a configuration failed.
func runAll(s settings, confs []configuration) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var results []result
	for _, conf := range confs {
		res, err := runConfiguration(ctx, s, conf)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: N=%d, NCP rate limit %s: %v\n", conf.n, conf.limit, err)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		results = append(results, res)
	}
	if len(results) > 0 {
		printTable(results)
	}
	if len(results) < len(confs) {
		return 1
	}
	return 0
}

// configurations lists the runs: the sizes at the given rate limit, then the default-rate sizes
// at the manager's default rate limit, read from its -help.
func configurations(sizes string, qps float64, burst int, defaultSizes, managerBinary string) ([]configuration, error) {
	if burst == 0 {
		burst = int(qps)
	}
	if qps <= 0 || burst <= 0 {
		return nil, errors.New("-qps and -burst must be positive")
	}
	var confs []configuration
	ns, err := parseSizes(sizes)
	if err != nil {
		return nil, err
	}
	for _, n := range ns {
		confs = append(confs, configuration{n: n, limit: rateLimit{qps: qps, burst: burst}})
	}
	ns, err = parseSizes(defaultSizes)
	if err != nil || len(ns) == 0 {
		return confs, err
	}
	limit, err := managerDefaults(managerBinary)
	if err != nil {
		return nil, err
	}
	for _, n := range ns {
		confs = append(confs, configuration{n: n, limit: limit})
	}
	return confs, nil
}

// parseSizes reads a comma-separated list of chart sizes.
func parseSizes(list string) ([]int, error) {
	var out []int
	for field := range strings.SplitSeq(list, ",") {
		if field = strings.TrimSpace(field); field == "" {
			continue
		}
		n, err := strconv.Atoi(field)
		if err != nil || n < chartDepth {
			return nil, fmt.Errorf("chart size %q: want a number of at least %d", field, chartDepth)
		}
		out = append(out, n)
	}
	return out, nil
}

// step prints a progress line with the time since the benchmark started.
var started = time.Now()

func step(format string, args ...any) {
	fmt.Printf("[%6.1fs] %s\n", time.Since(started).Seconds(), fmt.Sprintf(format, args...))
}
