package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/orgsync/orgsync/internal/ncp/ncpfake"
)

// The fake's account and companies, and the benchmark's objects.
const (
	accessKey       = "bench-access-key"
	secretKey       = "bench-secret-key"
	managerCompany  = "bench-company"
	baselineCompany = "baseline-company"
	namespace       = "bench"
	orgName         = "bench"
	// aloneNamespace holds the chart created once before the manager starts, for baseline (b0).
	aloneNamespace = "bench-alone"
)

// rateLimit is the NCP client-side rate limit of a configuration.
type rateLimit struct {
	qps       float64
	burst     int
	isDefault bool // the manager's default
}

func (l rateLimit) String() string {
	s := fmt.Sprintf("%g/%d", l.qps, l.burst)
	if l.isDefault {
		s += " (default)"
	}
	return s
}

// configuration is one benchmark run: a chart size under a rate limit.
type configuration struct {
	n     int
	limit rateLimit
}

// settings are what all configurations share.
type settings struct {
	binDir, crdDir string
	latency        time.Duration
	syncPeriod     time.Duration
	timeout        time.Duration
	managerArgs    []string
	// admission is the finalizer policy's manifest, installed before the manager starts as the
	// chart installs it; empty: none (the manager adds the finalizer itself, as on clusters
	// before Kubernetes 1.36).
	admission string
	// memoryLimit is the manager's container memory limit in bytes (ORGSYNC_MEMORY_LIMIT), as the
	// chart passes it; empty: none.
	memoryLimit string
	// alone measures baseline (b0).
	alone bool
}

// kubeWrites are the methods of rest_client_requests_total counted as Kubernetes writes.
var kubeWrites = []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// runConfiguration measures one configuration from scratch: a fresh fake NCP and control plane,
// the remote baseline, then the manager converging the chart and idling for two sync periods.
func runConfiguration(ctx context.Context, s settings, conf configuration) (res result, err error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	res.conf = conf
	work, err := os.MkdirTemp("", "orgsync-bench-")
	if err != nil {
		return res, err
	}
	defer func() {
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: N=%d failed; the manager's log and kubeconfig are in %s\n", conf.n, work)
			return
		}
		_ = os.RemoveAll(work)
	}()
	c, err := newChart(conf.n)
	if err != nil {
		return res, err
	}

	fake := ncpfake.NewServer(ncpfake.Options{
		AccessKey: accessKey, SecretKey: secretKey,
		CompanyIDs: []string{managerCompany, baselineCompany},
		Faults:     ncpfake.Faults{Latency: s.latency},
	})
	defer fake.Close()

	step("N=%d, NCP rate limit %s: remote baseline (a), %d workers, one POST per department", conf.n, conf.limit, workers)
	if res.baselineRemote, err = remoteBaseline(ctx, c, fake.URL(), baselineCompany, conf.limit); err != nil {
		return res, err
	}
	step("  (a) %.1fs", res.baselineRemote.Seconds())

	step("starting a control plane from %s/k8s", s.binDir)
	cp, err := startControlPlane(s.binDir, s.crdDir, work)
	if err != nil {
		return res, err
	}
	defer cp.stop()
	if s.alone {
		step("baseline (b0): applying %d Departments, deepest level first, %d creators, no manager running", conf.n, creators)
		if res.baselineKubeAlone, res.baselineStatusAlone, err = applyAlone(ctx, cp, c); err != nil {
			return res, err
		}
		step("  (b0) %.1fs; (w0) one status write per Department, top level first, %d workers: %.1fs", res.baselineKubeAlone.Seconds(), workers, res.baselineStatusAlone.Seconds())
	}
	if s.admission != "" {
		if err := cp.applyManifest(ctx, s.admission); err != nil {
			return res, err
		}
		step("installed the finalizer policy %s", s.admission)
	}
	mgr, err := startManager(ctx, managerSettings{
		binary: filepath.Join(s.binDir, "manager"), kubeconfig: cp.kubeconfig, fakeURL: fake.URL(),
		limit: conf.limit, syncPeriod: s.syncPeriod, logPath: filepath.Join(work, "manager.log"), extraArgs: s.managerArgs,
		memoryLimit: s.memoryLimit,
	})
	if err != nil {
		return res, err
	}
	defer mgr.Stop()
	step("manager started (pid %d, log %s)", mgr.Pid(), mgr.LogPath)
	if err := cp.createOrganization(ctx, namespace, orgName, managerCompany); err != nil {
		return res, err
	}
	if err := cp.waitOrganizationReady(ctx, namespace, orgName, mgr.Alive); err != nil {
		return res, err
	}
	// The watch ends before the control plane stops (deferred calls run last to first).
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	watch, err := watchConvergence(watchCtx, cp.Config, cp.Scheme, namespace, conf.n)
	if err != nil {
		return res, err
	}

	step("applying %d Departments, deepest level first, %d creators", conf.n, creators)
	callsBefore := companyCalls(fake, managerCompany)
	restBefore, err := mgr.restRequests(ctx)
	if err != nil {
		return res, err
	}
	eventsBefore, err := cp.events(ctx, namespace)
	if err != nil {
		return res, err
	}
	watch.startCounting()
	start := time.Now()
	if res.baselineKube, err = applyChart(ctx, cp.Client, c, namespace, orgName); err != nil {
		return res, err
	}
	step("  (b) %.1fs", res.baselineKube.Seconds())
	convergedAt, err := watch.wait(ctx, 10*time.Second)
	if err != nil {
		return res, errors.Join(err, mgr.Alive())
	}
	res.convergence = convergedAt.Sub(start)
	for l, span := range watch.cascade(c, start.Add(res.baselineKube)) {
		step("  level %d (%d departments) converged from %.2fs to %.2fs after the last create", l+1, len(c.levels[l]), span[0].Seconds(), span[1].Seconds())
	}
	res.converging = companyCalls(fake, managerCompany).since(callsBefore)
	res.convergingWrites = watch.counted()
	if res.convergingRequests, res.convergingEvents, err = kubeWritesSince(ctx, cp, mgr, restBefore, eventsBefore); err != nil {
		return res, err
	}
	step("  converged in %.1fs, %d remote calls, %d Kubernetes writes", res.convergence.Seconds(), res.converging.total(), res.convergingRequests)

	if err := steadyState(ctx, s, cp, mgr, fake, &res); err != nil {
		return res, err
	}
	if res.peakRSS, err = mgr.peakRSS(); err != nil {
		return res, err
	}
	printResult(res)
	return res, nil
}

// settle is how long after convergence the steady-state window starts.
const settle = 5 * time.Second

// steadyState lets two sync periods pass after convergence and records the remote calls and the
// Kubernetes writes the manager made meanwhile.
func steadyState(ctx context.Context, s settings, cp *controlPlane, mgr *manager, fake *ncpfake.Server, res *result) error {
	// The last Department turning Ready is written a moment before the Organization's count of
	// Ready Departments, which gathers Department events for a second: let that land first.
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(settle):
	}
	window := 2 * s.syncPeriod
	step("steady state: waiting two sync periods (%s)", window)
	eventsBefore, err := cp.events(ctx, namespace)
	if err != nil {
		return err
	}
	restBefore, err := mgr.restRequests(ctx)
	if err != nil {
		return err
	}
	callsBefore := companyCalls(fake, managerCompany)
	select {
	case <-ctx.Done():
		return fmt.Errorf("waiting through the steady-state window: %w", ctx.Err())
	case <-time.After(window):
	}
	if err := mgr.Alive(); err != nil {
		return err
	}
	res.steady = companyCalls(fake, managerCompany).since(callsBefore)
	if res.queueDepth, err = mgr.queueDepth(ctx); err != nil {
		return err
	}
	res.kubeWrites, res.newEvents, err = kubeWritesSince(ctx, cp, mgr, restBefore, eventsBefore)
	return err
}

// kubeWritesSince returns the manager's Kubernetes writes (POST, PUT, PATCH and DELETE in its
// rest_client_requests_total, Event creates included) since restBefore, and the Events of the
// benchmark's namespace created since eventsBefore.
func kubeWritesSince(ctx context.Context, cp *controlPlane, mgr *manager, restBefore map[string]float64, eventsBefore map[string]bool) (writes, events int, err error) {
	restAfter, err := mgr.restRequests(ctx)
	if err != nil {
		return 0, 0, err
	}
	eventsAfter, err := cp.events(ctx, namespace)
	if err != nil {
		return 0, 0, err
	}
	for _, method := range kubeWrites {
		writes += int(restAfter[method] - restBefore[method])
	}
	for name := range eventsAfter {
		if !eventsBefore[name] {
			events++
		}
	}
	return writes, events, nil
}
