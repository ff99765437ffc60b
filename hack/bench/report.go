package main

import (
	"fmt"
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
	// creating the Department objects in the API server.
	baselineRemote, baselineKube time.Duration
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
	targetRatio           = 1.5
	targetRSSMiB          = 100 // at N=10,000
)

func (r result) baseline() time.Duration { return max(r.baselineRemote, r.baselineKube) }

func (r result) ratio() float64 { return r.convergence.Seconds() / r.baseline().Seconds() }

func (r result) perDept(calls int) float64 { return float64(calls) / float64(r.conf.n) }

// callsPerResync are the remote calls per department per resync in the two-period window.
func (r result) callsPerResync() float64 { return r.perDept(r.steady.total()) / 2 }

func (r result) rssMiB() float64 { return float64(r.peakRSS) / (1 << 20) }

// printResult prints one configuration's figures as soon as it is measured.
func printResult(r result) {
	c := r.converging
	fmt.Printf(`
N=%d, NCP rate limit %s
  convergence            %7.1fs
  baseline (a) remote    %7.1fs   a plain client, one POST per department, %d workers, same rate limit
  baseline (b) kube      %7.1fs   creating the objects, %d creators
  ratio                  %7.2f    convergence / max(a, b)             target ≤ %.1f
  calls/dept converging  %7.2f    GET %.2f  POST %.2f  PUT %.2f  DELETE %.2f    target ≤ %.1f
  calls/dept/resync      %7.3f                                         target ≤ %.2f
  work queue at the end  %7d    the manager's backlog after the window (0: it kept up)
  remote writes, steady  %7d                                         target 0
  kube writes, steady    %7d    of which %d new Events                target 0
  peak RSS               %7.1f MiB                                    target ≤ %d MiB at N=10,000
`, r.conf.n, r.conf.limit, r.convergence.Seconds(),
		r.baselineRemote.Seconds(), workers, r.baselineKube.Seconds(), creators,
		r.ratio(), targetRatio,
		r.perDept(c.total()), r.perDept(c[http.MethodGet]), r.perDept(c[http.MethodPost]), r.perDept(c[http.MethodPut]), r.perDept(c[http.MethodDelete]), targetCallsConverging,
		r.callsPerResync(), targetCallsResync, r.queueDepth, r.steady.writes(), r.kubeWrites, r.newEvents, r.rssMiB(), targetRSSMiB)
}

// printTable prints one row per configuration, then the targets.
func printTable(results []result) {
	fmt.Println()
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := []string{"N", "NCP qps/burst", "converge s", "base a s", "base b s", "ratio",
		"calls/dept", "GET", "POST", "PUT", "calls/dept/resync", "remote writes", "kube writes (Events)", "RSS MiB"}
	fmt.Fprintln(w, strings.Join(header, "\t")+"\t")
	for _, r := range results {
		c := r.converging
		fmt.Fprintf(w, "%d\t%s\t%.1f\t%.1f\t%.1f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.3f\t%d\t%d (%d)\t%.0f\t\n",
			r.conf.n, r.conf.limit, r.convergence.Seconds(), r.baselineRemote.Seconds(), r.baselineKube.Seconds(), r.ratio(),
			r.perDept(c.total()), r.perDept(c[http.MethodGet]), r.perDept(c[http.MethodPost]), r.perDept(c[http.MethodPut]),
			r.callsPerResync(), r.steady.writes(), r.kubeWrites, r.newEvents, r.rssMiB())
	}
	fmt.Fprintf(w, "target\t\t\t\t\t≤ %.1f\t≤ %.1f\t\t\t\t≤ %.2f\t0\t0\t≤ %d at 10,000\t\n",
		targetRatio, targetCallsConverging, targetCallsResync, targetRSSMiB)
	_ = w.Flush()
	fmt.Println("\ncalls/dept: the manager's WORKPLACE calls for its company from the first create until every Department")
	fmt.Println("converged, per department. calls/dept/resync: those of the two sync periods after, per department")
	fmt.Println("per period. kube writes: POST/PUT/PATCH/DELETE in rest_client_requests_total over the same window,")
	fmt.Println("Event creates included.")
}
