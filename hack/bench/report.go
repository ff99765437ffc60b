package main

import (
	"fmt"
	"math"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// result is what one configuration measured.
type result struct {
	conf configuration
	// convergence is from the first create until every Department converged.
	convergence time.Duration
	// baselineRemote (a) is a plain client creating the chart remotely; baselineKube (b) is
	// creating the Department objects in the API server while the manager runs, and
	// baselineKubeAlone (b0) the same before it runs; baselineStatusAlone (w0) one status write per
	// Department, top level first, before it runs.
	baselineRemote, baselineKube, baselineKubeAlone, baselineStatusAlone time.Duration
	// convergingWrites are the writes to the Departments and the Organization the watch saw while
	// converging; convergingRequests all of the manager's Kubernetes writes meanwhile (as
	// kubeWrites counts them) and convergingEvents the Events among them.
	convergingWrites                     kubeWriteCounts
	convergingRequests, convergingEvents int
	// converging are the manager's remote calls while converging; steady those of the two sync
	// periods after.
	converging, steady callCounts
	// kubeWrites are the manager's non-GET requests to the API server in the steady-state window;
	// newEvents the Event objects created in it (counted among kubeWrites).
	kubeWrites, newEvents int
	// queueDepth is the manager's work queue length at the end of the steady-state window: when
	// not near zero, the manager did not get through every resync and the steady-state figures
	// show its throughput rather than the cost of a resync.
	queueDepth int
	// peakRSS is the manager's VmHWM, in bytes.
	peakRSS int64
}

// Targets printed beside the figures.
const (
	targetCallsConverging = 1.1
	targetCallsResync     = 0.02
	targetRatio           = 1.25 // convergence / (b0 + a)
	targetSlowdown        = 1.3  // b / b0
	targetWritesPerDept   = 2.2  // Kubernetes writes while converging, Events apart
	targetRSSMiB          = 100  // at N=10,000
	limitRSSMiB           = 256  // the chart's default memory limit, at any N
)

// ratio is convergence over the least it could take: the objects created (b0), then the remote
// creates cascading down from the root, which arrives last (a).
func (r result) ratio() float64 {
	if r.baselineKubeAlone == 0 {
		return math.NaN() // not measured
	}
	return r.convergence.Seconds() / (r.baselineKubeAlone + r.baselineRemote).Seconds()
}

// floorRatio is the least ratio any manager could reach on this API server: the objects created
// (b0), then one status write per Department (w0), which can start only once the root has
// arrived, over the ratio's denominator (b0 + a).
func (r result) floorRatio() float64 {
	if r.baselineKubeAlone == 0 {
		return math.NaN() // not measured
	}
	return (r.baselineKubeAlone + max(r.baselineStatusAlone, r.baselineRemote)).Seconds() / (r.baselineKubeAlone + r.baselineRemote).Seconds()
}

// slowdown is how much longer creating the objects took while the manager ran.
func (r result) slowdown() float64 {
	if r.baselineKubeAlone == 0 {
		return math.NaN() // not measured
	}
	return r.baselineKube.Seconds() / r.baselineKubeAlone.Seconds()
}

// writesPerDept are the manager's Kubernetes writes while converging, Events apart, per department.
func (r result) writesPerDept() float64 {
	return r.perDept(r.convergingRequests - r.convergingEvents)
}

func (r result) perDept(calls int) float64 { return float64(calls) / float64(r.conf.n) }

// callsPerResync are the remote calls per department per resync in the two-period window.
func (r result) callsPerResync() float64 { return r.perDept(r.steady.total()) / 2 }

func (r result) rssMiB() float64 { return float64(r.peakRSS) / (1 << 20) }

// printResult prints one configuration's figures as soon as it is measured.
func printResult(r result) {
	c, w := r.converging, r.convergingWrites
	fmt.Printf(`
N=%d, NCP rate limit %s
  convergence            %7.1fs
  baseline (a) remote    %7.1fs   a plain client, one POST per department, %d workers, same rate limit
  baseline (b0) kube     %7.1fs   creating the objects, %d creators, no manager running
  baseline (b) kube      %7.1fs   the same while the manager runs
  slowdown               %7.2f    b / b0                               target ≤ %.1f
  baseline (w0) status   %7.1fs   one status write per Department, top level first, %d workers, no manager
  ratio                  %7.2f    convergence / (b0 + a)               target ≤ %.2f
  floor ratio            %7.2f    (b0 + max(w0, a)) / (b0 + a): the least any manager could reach here
  kube writes/dept       %7.2f    converging, Events apart: Department status %.2f  metadata %.2f  spec %.2f,
                                  Organization %.2f, other %.2f; Events %.2f    target ≤ %.1f
  calls/dept converging  %7.2f    GET %.2f  POST %.2f  PUT %.2f  DELETE %.2f    target ≤ %.1f
  calls/dept/resync      %7.3f                                         target ≤ %.2f
  work queue at the end  %7d    the manager's backlog after the window (0: it kept up)
  remote writes, steady  %7d                                         target 0
  kube writes, steady    %7d    of which %d new Events                target 0
  peak RSS               %7.1f MiB                                    target ≤ %d MiB at N=10,000, < %d at any N
`, r.conf.n, r.conf.limit, r.convergence.Seconds(),
		r.baselineRemote.Seconds(), workers, r.baselineKubeAlone.Seconds(), creators, r.baselineKube.Seconds(),
		r.slowdown(), targetSlowdown, r.baselineStatusAlone.Seconds(), workers, r.ratio(), targetRatio, r.floorRatio(),
		r.writesPerDept(), r.perDept(w.departmentStatus), r.perDept(w.departmentMetadata), r.perDept(w.departmentSpec),
		r.perDept(w.organization), r.perDept(r.otherWrites()), r.perDept(r.convergingEvents), targetWritesPerDept,
		r.perDept(c.total()), r.perDept(c[http.MethodGet]), r.perDept(c[http.MethodPost]), r.perDept(c[http.MethodPut]), r.perDept(c[http.MethodDelete]), targetCallsConverging,
		r.callsPerResync(), targetCallsResync, r.queueDepth, r.steady.writes(), r.kubeWrites, r.newEvents, r.rssMiB(), targetRSSMiB, limitRSSMiB)
}

// otherWrites are the manager's writes while converging to neither the Departments nor the
// Organization, Events apart (its RemoteTarget record, say).
func (r result) otherWrites() int {
	return max(0, r.convergingRequests-r.convergingEvents-r.convergingWrites.departments()-r.convergingWrites.organization)
}

// printTable prints one row per configuration, then the targets.
func printTable(results []result) {
	fmt.Println()
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := []string{"N", "NCP qps/burst", "converge s", "base a s", "base b0 s", "base b s", "slowdown b/b0", "ratio", "floor ratio",
		"kube writes/dept", "calls/dept", "GET", "POST", "PUT", "calls/dept/resync", "remote writes", "kube writes (Events)", "RSS MiB"}
	fmt.Fprintln(w, strings.Join(header, "\t")+"\t")
	for _, r := range results {
		c := r.converging
		fmt.Fprintf(w, "%d\t%s\t%.1f\t%.1f\t%.1f\t%.1f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.3f\t%d\t%d (%d)\t%.0f\t\n",
			r.conf.n, r.conf.limit, r.convergence.Seconds(), r.baselineRemote.Seconds(), r.baselineKubeAlone.Seconds(), r.baselineKube.Seconds(),
			r.slowdown(), r.ratio(), r.floorRatio(), r.writesPerDept(),
			r.perDept(c.total()), r.perDept(c[http.MethodGet]), r.perDept(c[http.MethodPost]), r.perDept(c[http.MethodPut]),
			r.callsPerResync(), r.steady.writes(), r.kubeWrites, r.newEvents, r.rssMiB())
	}
	fmt.Fprintf(w, "target\t\t\t\t\t\t≤ %.1f\t≤ %.2f\t\t≤ %.1f\t≤ %.1f\t\t\t\t≤ %.2f\t0\t0\t≤ %d at 10,000\t\n",
		targetSlowdown, targetRatio, targetWritesPerDept, targetCallsConverging, targetCallsResync, targetRSSMiB)
	_ = w.Flush()
	fmt.Println("\nslowdown: creating the objects while the manager runs (b) over the same before it runs (b0). ratio:")
	fmt.Println("convergence over (b0 + a). floor ratio: (b0 + max(w0, a)) / (b0 + a), w0 one status write per Department")
	fmt.Println("with no manager running: the least ratio any manager could reach on this API server. kube writes/dept: the manager's Kubernetes writes while converging, Events apart.")
	fmt.Println("calls/dept: the manager's WORKPLACE calls for its company from the first create until every Department")
	fmt.Println("converged, per department. calls/dept/resync: those of the two sync periods after, per department")
	fmt.Println("per period. kube writes: POST/PUT/PATCH/DELETE in rest_client_requests_total over the same window,")
	fmt.Println("Event creates included.")
}
