package chaos

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/testenv"
)

// Config says where the parts are and how hard to push.
type Config struct {
	// Manager is the manager binary (bin/manager); Assets the folder of kube-apiserver and etcd
	// (bin/k8s; "" looks it up with testenv.Assets); CRDs the folder of the CRDs (""
	// config/crd/bases).
	Manager, Assets, CRDs string
	// Size is the chart's number of departments; Kills how many times the crash run kills the
	// manager (spread over its three phases); Subtree the size of the subtree it deletes.
	Size, Kills, Subtree int
	// OrganizationOutage is how long the faults run keeps the Organization API down.
	OrganizationOutage time.Duration
	// Settle is the longest wait for a run to converge after each step.
	Settle time.Duration
	// Reorganise makes the crash run rename and move every department of the chart at once,
	// instead of renaming a third and moving half of those: moves that depend on each other's
	// order (a department going under one that must first leave its subtree) in numbers.
	Reorganise bool
	// Providers are the clouds the runs are made against, each in turn; none means every one.
	Providers []v1alpha1.Provider
	// Runs names the runs to make (crash, failover, faults, churn); none means every one.
	Runs []string
	// Seed makes the runs' choices repeatable; 0 picks one.
	Seed uint64
	// Log receives progress lines.
	Log io.Writer
	// StrictTakeover fails a failover run whose standby took longer than the lease duration and
	// two retry periods to take over (timing depends on the machine: only the long runs check it).
	StrictTakeover bool
}

// Result is what one run did and found.
type Result struct {
	Run      string
	Provider v1alpha1.Provider
	Seed     uint64
	Duration time.Duration
	Kills    int
	// KillsMidWork are the kills that came while remote changes were still to be made.
	KillsMidWork int
	Failovers    int
	Takeovers    []time.Duration // from the leader's kill until the standby held the lease
	Tally        Tally
	Writes       int
	Report       Report
	Err          error
	WorkDir      string // kept when the run failed: the managers' logs
}

// Failed reports whether the run failed: an error, or an invariant broken.
func (r Result) Failed() bool { return r.Err != nil || !r.Report.Clean() }

var orgKey = client.ObjectKey{Namespace: namespace, Name: orgName}

// env is one run's world: a control plane, a cloud's fake behind a recorder, the managers, and
// the chart the objects describe.
type env struct {
	cfg      Config
	name     string
	work     string
	cluster  *cluster
	fake     cloud
	rec      *Recorder
	chart    *chart
	handMade map[string]remoteDepartment
	managers map[string]*testenv.Process
	// firstURL is the listener of the first manager: the Organization's spec points there the
	// providers that take an endpoint from it rather than from a manager flag.
	firstURL string
	leaders  []leadership
	result   *Result
	started  time.Time
}

// handMadeKeys are departments someone made by hand before the run: no Department claims them, and
// nothing may touch them.
var handMadeKeys = []string{"hand-made-1", "hand-made-2"}

func newEnv(cfg Config, p v1alpha1.Provider, name string, result *Result) (*env, error) {
	fake, err := newCloud(p)
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "orgsync-chaos-"+string(p)+"-"+name+"-")
	if err != nil {
		return nil, err
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = rand.Uint64() //nolint:gosec // G404: a seed for repeatable test choices, not a secret
	}
	result.Run, result.Provider, result.Seed, result.WorkDir = name, p, seed, work
	e := &env{
		cfg: cfg, name: string(p) + " " + name, work: work, result: result, started: time.Now(), fake: fake,
		chart:    newChart(cfg.Size, p, rand.New(rand.NewPCG(seed, 0))), //nolint:gosec // G404: test choices, repeatable by seed
		managers: map[string]*testenv.Process{},
		handMade: map[string]remoteDepartment{},
	}
	for _, key := range handMadeKeys {
		e.handMade[key] = e.fake.putHandMade(key, "Made by hand "+key)
	}
	e.rec = newRecorder(e.fake)
	e.logf("control plane from %s", cfg.Assets)
	if e.cluster, err = startCluster(cfg.Assets, cfg.CRDs, work); err != nil {
		e.rec.Close()
		return nil, err
	}
	if err := e.cluster.createNamespaces(context.Background()); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

// close stops everything; the work folder stays when the run failed.
func (e *env) close() {
	for _, m := range e.managers {
		m.Stop()
	}
	e.rec.Close()
	e.cluster.stop()
	if !e.result.Failed() {
		_ = os.RemoveAll(e.work)
		e.result.WorkDir = ""
	}
}

func (e *env) logf(format string, args ...any) {
	if e.cfg.Log != nil {
		fmt.Fprintf(e.cfg.Log, "[%6.1fs] %s: %s\n", time.Since(e.started).Seconds(), e.name, fmt.Sprintf(format, args...))
	}
}

// addManager prepares a manager whose remote calls go through its own listener of the recorder.
func (e *env) addManager(name string, qps int, requestTimeout time.Duration, leaderElection bool) *testenv.Process {
	url := e.rec.Listen(name)
	if e.firstURL == "" {
		e.firstURL = url
	}
	args := append(managerFlags(e.cluster.kubeconfig, leaderElection), e.fake.managerFlags(url, qps, requestTimeout)...)
	m := &testenv.Process{Name: name, Args: args, Binary: e.cfg.Manager, LogPath: filepath.Join(e.work, "manager-"+name+".log")}
	e.managers[name] = m
	return m
}

// startOrganization creates the Organization and waits until it has converged (testenv.Converged).
func (e *env) startOrganization(ctx context.Context) error {
	org, secret := e.fake.organization(e.firstURL)
	if err := e.cluster.createOrganization(ctx, org, secret); err != nil {
		return err
	}
	return e.waitFor(ctx, "the Organization to converge", func(ctx context.Context) (bool, string, error) {
		var org v1alpha1.Organization
		if err := e.cluster.client.Get(ctx, orgKey, &org); err != nil {
			return false, "", client.IgnoreNotFound(err)
		}
		return testenv.Converged(&org), testenv.Readiness(&org), nil
	})
}

// startChart starts the managers, creates the Organization and waits until it has converged, then
// says what comes (unless say is "") and creates the chart's Departments.
func (e *env) startChart(ctx context.Context, say string, managers ...*testenv.Process) error {
	for _, m := range managers {
		if err := m.Start(); err != nil {
			return err
		}
	}
	if err := e.startOrganization(ctx); err != nil {
		return err
	}
	if say != "" {
		e.logf("%s", say)
	}
	return e.chart.create(ctx, e.cluster.client, e.chart.keys())
}

// converge waits until every invariant holds, and fails with the last report when that does not
// happen within cfg.Settle.
func (e *env) converge(ctx context.Context, what string) error {
	start := time.Now()
	var last Report
	err := e.waitFor(ctx, what, func(ctx context.Context) (bool, string, error) {
		r, err := e.Check(ctx, false)
		if err != nil {
			return false, "", err
		}
		last = r
		return r.Clean(), summary(r), nil
	})
	if err == nil {
		e.result.Report = e.result.Report.add(last)
		e.logf("%s: converged in %.1fs", what, time.Since(start).Seconds())
		return nil
	}
	e.result.Report = e.result.Report.add(last)
	return err
}

// waitFor polls done every half second until it reports true, cfg.Settle passes or a manager
// exits on its own.
func (e *env) waitFor(ctx context.Context, what string, done func(context.Context) (bool, string, error)) error {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Settle)
	defer cancel()
	last := ""
	for {
		ok, status, err := done(ctx)
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		if ok {
			return nil
		}
		if status != "" {
			last = status
		}
		for _, m := range e.managers {
			if err := m.Alive(); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: not within %s (%s): %w", what, e.cfg.Settle, last, ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// summary is a short line of the broken invariants of r.
func summary(r Report) string {
	s := ""
	for _, inv := range r {
		if len(inv.Violations) > 0 {
			s += fmt.Sprintf("%s: %d, e.g. %s; ", inv.Name, len(inv.Violations), inv.Violations[0])
		}
	}
	return s
}

// pending is how much remote work the chart still asks for: departments missing or different
// remotely, and remote departments no object claims (hand-made ones aside).
func (e *env) pending() int {
	n := 0
	seen := map[string]bool{}
	for _, d := range e.fake.departments() {
		seen[d.Key] = true
		want, ok := e.chart.nodes[d.Key]
		switch {
		case e.handMade[d.Key].Key != "":
		case !ok:
			n++ // to delete
		case d.Name != want.name || d.Parent != want.parent || (want.category != "" && d.Category != want.category):
			n++ // to update
		}
	}
	for key := range e.chart.nodes {
		if !seen[key] {
			n++ // to create
		}
	}
	return n
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
