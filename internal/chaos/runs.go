package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/testenv"
)

// Run runs every run against each of cfg.Providers in turn and returns their results; a failed
// run does not stop the others. Failover runs on NCP only: it tells the managers' writes apart by
// the listener each manager's flags point it to, and a Huawei Cloud Organization names its
// OneAccess tenant in its spec, the same for every manager.
func Run(ctx context.Context, cfg Config) []Result {
	providers := cfg.Providers
	if len(providers) == 0 {
		providers = Providers
	}
	var results []Result
	for _, p := range providers {
		for _, r := range runsFor(p) {
			if ctx.Err() != nil {
				return results
			}
			if len(cfg.Runs) > 0 && !slices.Contains(cfg.Runs, r.name) {
				continue
			}
			results = append(results, runOne(ctx, cfg, p, r.name, r.fn))
		}
	}
	return results
}

type run struct {
	name string
	fn   func(context.Context, *env) error
}

// runsFor returns the runs made against p.
func runsFor(p v1alpha1.Provider) []run {
	if p == v1alpha1.ProviderHuaweiCloud {
		return []run{{"crash", crashRun}, {"faults", faultsRun}, {"churn", churnRun}}
	}
	return []run{{"crash", crashRun}, {"failover", failoverRun}, {"faults", faultsRun}, {"churn", churnRun}}
}

func runOne(ctx context.Context, cfg Config, p v1alpha1.Provider, name string, fn func(context.Context, *env) error) Result {
	var res Result
	start := time.Now()
	e, err := newEnv(cfg, p, name, &res)
	if err != nil {
		res.Run, res.Provider, res.Err = name, p, err
		return res
	}
	res.Err = fn(ctx, e)
	res.Tally, res.Writes = e.rec.Tally(), len(e.rec.Writes())
	if res.Err == nil {
		// The final word: every invariant over the whole run, writes included.
		var final Report
		final, res.Err = e.Check(ctx, true)
		res.Report = res.Report.add(final)
	}
	res.Duration = time.Since(start)
	e.close()
	return res
}

// The request timeout of the managers, and how long a stalled answer is held back: longer.
const (
	requestTimeout = 2 * time.Second
	stallFor       = requestTimeout + time.Second
)

// crashRun kills the manager with SIGKILL at random moments, and restarts it, while the chart
// converges, while a third of it is renamed and moved, and while a subtree is deleted.
func crashRun(ctx context.Context, e *env) error {
	// A low rate keeps every phase long enough for its kills to land in the middle of the work:
	// 20 a second, less for a short run's small chart, whose renames would otherwise all fit in
	// one burst (and on Huawei Cloud, OneAccess has a rate of its own, apart from Organizations').
	m := e.addManager("a", min(20, max(4, e.cfg.Size/5)), requestTimeout, false)
	perPhase := []int{(e.cfg.Kills + 2) / 3, (e.cfg.Kills + 1) / 3, e.cfg.Kills / 3}
	if err := e.startChart(ctx, fmt.Sprintf("converging %d departments, killing the manager %d times", len(e.chart.nodes), perPhase[0]), m); err != nil {
		return err
	}
	if err := e.killDuring(ctx, m, perPhase[0], len(e.chart.nodes), "converging"); err != nil {
		return err
	}

	what := "renaming a third (%d) and moving half of them, killing the manager %d times"
	share, moveEvery := 3, 2
	if e.cfg.Reorganise {
		what, share, moveEvery = "reorganising: renaming and moving every department below the top (%d), killing the manager %d times", 1, 1
	}
	moved := e.renameAndMove(ctx, len(e.chart.nodes)/share, moveEvery)
	e.logf(what, moved, perPhase[1])
	if err := e.killDuring(ctx, m, perPhase[1], moved, "renaming and moving"); err != nil {
		return err
	}

	sub := e.chart.largestSubtreeUpTo(e.cfg.Subtree)
	e.logf("deleting a subtree of %d under %s, killing the manager %d times", len(sub), sub[0], perPhase[2])
	if err := e.chart.remove(ctx, e.cluster.client, sub); err != nil {
		return err
	}
	return e.killDuring(ctx, m, perPhase[2], len(sub), "deleting a subtree")
}

// renameAndMove renames n departments and moves one in every moveEvery of them under another
// parent, and returns how many it changed.
func (e *env) renameAndMove(ctx context.Context, n, moveEvery int) int {
	keys := e.chart.pick(n, func(nd *node) bool { return nd.parent != "" })
	for i, key := range keys {
		nd := e.chart.nodes[key]
		nd.name = "Renamed " + key
		e.chart.recategorise(nd)
		if i%moveEvery == 0 {
			if p := e.chart.newParentFor(key); p != "" {
				nd.parent = p
			}
		}
	}
	if err := e.chart.update(ctx, e.cluster.client, keys); err != nil {
		e.logf("updating: %v", err)
	}
	return len(keys)
}

// killDuring kills m kills times while the remote work it has to do is under way, spread over
// that work (each kill when a random share of it is done), restarting it each time; then it waits
// for convergence.
func (e *env) killDuring(ctx context.Context, m *testenv.Process, kills, total int, what string) error {
	for j := range kills {
		share := (float64(j) + 0.2 + 0.6*rand.Float64()) / float64(kills) //nolint:gosec // G404: when to kill, not a secret
		// Not waiting for ever: a manager that makes no progress is killed anyway, and the
		// invariants will say what it left behind.
		deadline := time.Now().Add(e.cfg.Settle / 4)
		for e.pending() > int(float64(total)*(1-share)) && time.Now().Before(deadline) {
			if err := sleep(ctx, 20*time.Millisecond); err != nil {
				return err
			}
		}
		left := e.pending()
		m.Kill()
		e.result.Kills++
		if left > 0 {
			e.result.KillsMidWork++
		}
		e.logf("  %s: killed the manager with %d of %d remote changes left", what, left, total)
		if err := m.Start(); err != nil {
			return err
		}
	}
	return e.converge(ctx, what)
}

// failoverRun runs two managers with leader election, kills the leader in the middle of a
// convergence and again in the middle of a delete, and checks that the standby takes over and that
// no write came from a manager that was not leading.
func failoverRun(ctx context.Context, e *env) error {
	// A low rate keeps the work going long enough for the kills to land in its middle.
	a := e.addManager("a", 10, requestTimeout, true)
	b := e.addManager("b", 10, requestTimeout, true)
	if err := a.Start(); err != nil {
		return err
	}
	e.leaders = []leadership{{client: "a", since: time.Now().UnixNano()}}
	if err := e.waitFor(ctx, "manager a to lead", e.leaseHeld); err != nil {
		return err
	}
	if err := e.startChart(ctx, fmt.Sprintf("converging %d departments; a leads, b stands by", len(e.chart.nodes)), b); err != nil {
		return err
	}
	if err := e.failOver(ctx, a, b, len(e.chart.nodes)); err != nil {
		return err
	}
	if err := e.converge(ctx, "converging after failover"); err != nil {
		return err
	}

	keys := e.chart.keys()
	e.logf("deleting all %d departments; b leads, a stands by", len(keys))
	if err := e.chart.remove(ctx, e.cluster.client, keys); err != nil {
		return err
	}
	if err := e.failOver(ctx, b, a, len(keys)); err != nil {
		return err
	}
	return e.converge(ctx, "deleting after failover")
}

// leaseHeld reports whether some manager holds the lease.
func (e *env) leaseHeld(ctx context.Context) (bool, string, error) {
	holder, err := e.cluster.leaseHolder(ctx)
	return holder != "", "lease holder " + holder, err
}

// failOver waits until a third of the total remote changes asked for are made, kills leader,
// waits until the standby holds the lease and restarts the killed manager as the new standby.
func (e *env) failOver(ctx context.Context, leader, standby *testenv.Process, total int) error {
	if err := e.waitFor(ctx, "progress before the failover", func(context.Context) (bool, string, error) {
		return e.pending() <= total-total/3, "", nil
	}); err != nil {
		return err
	}
	old, err := e.cluster.leaseHolder(ctx)
	if err != nil {
		return err
	}
	left := e.pending()
	leader.Kill()
	killed := time.Now()
	if left > 0 {
		e.result.KillsMidWork++
	}
	e.leaders[len(e.leaders)-1].until = killed.UnixNano()
	e.leaders = append(e.leaders, leadership{client: standby.Name, since: killed.UnixNano()})
	e.result.Kills++
	e.logf("  killed leader %s with %d of %d remote changes left", leader.Name, left, total)
	if err := e.waitFor(ctx, standby.Name+" to take over", func(ctx context.Context) (bool, string, error) {
		holder, err := e.cluster.leaseHolder(ctx)
		return holder != "" && holder != old, "lease holder " + holder, err
	}); err != nil {
		return err
	}
	took := time.Since(killed)
	e.result.Failovers++
	e.result.Takeovers = append(e.result.Takeovers, took)
	e.logf("  %s took over after %.1fs (lease duration %s)", standby.Name, took.Seconds(), leaseDuration)
	if took > takeoverLimit && e.cfg.StrictTakeover {
		return fmt.Errorf("%s took %.1fs to take over, more than %s", standby.Name, took.Seconds(), takeoverLimit)
	}
	return leader.Start()
}

// faultsRun converges and then deletes the chart while a fifth of the calls are throttled or
// unavailable, a twentieth of the writes are applied but answered too late and one connection in a
// hundred is reset; in between, the Organization API is down while departments change.
func faultsRun(ctx context.Context, e *env) error {
	e.fake.setFaults(0.10, 0.10)
	e.rec.SetFaults(NetworkFaults{StallFraction: 0.05, Stall: stallFor, ResetFraction: 0.01})
	m := e.addManager("a", 200, requestTimeout, false)
	if err := e.startChart(ctx, fmt.Sprintf("converging %d departments under faults", len(e.chart.nodes)), m); err != nil {
		return err
	}
	if err := e.converge(ctx, "converging under faults"); err != nil {
		return err
	}

	if err := e.organizationOutage(ctx); err != nil {
		return err
	}

	keys := e.chart.keys()
	e.logf("deleting all %d departments under faults", len(keys))
	if err := e.chart.remove(ctx, e.cluster.client, keys); err != nil {
		return err
	}
	return e.converge(ctx, "deleting under faults")
}

// organizationOutage takes the Organization API down for cfg.OrganizationOutage, renames a tenth
// of the chart meanwhile and checks that the renames converge before the API is back.
func (e *env) organizationOutage(ctx context.Context) error {
	faults := NetworkFaults{StallFraction: 0.05, Stall: stallFor, ResetFraction: 0.01}
	down := faults
	down.OrganizationAPIDown = true
	e.rec.SetFaults(down)
	downSince, before := time.Now(), e.rec.Tally().OrganizationAPIRefused
	e.logf("Organization API down for %s; renaming a tenth of the chart meanwhile", e.cfg.OrganizationOutage)
	keys := e.chart.pick(max(1, len(e.chart.nodes)/10), func(*node) bool { return true })
	for _, key := range keys {
		e.chart.nodes[key].name = "Renamed during the outage " + key
	}
	if err := e.chart.update(ctx, e.cluster.client, keys); err != nil {
		return err
	}
	if err := e.waitFor(ctx, "the renames during the outage", func(context.Context) (bool, string, error) {
		for _, key := range keys {
			if d, ok := e.fake.department(key); !ok || d.Name != e.chart.nodes[key].name {
				return false, key + " not renamed yet", nil
			}
		}
		return true, "", nil
	}); err != nil {
		return err
	}
	synced := time.Since(downSince)
	if err := sleep(ctx, e.cfg.OrganizationOutage-synced); err != nil {
		return err
	}
	refused := e.rec.Tally().OrganizationAPIRefused - before
	e.rec.SetFaults(faults)
	e.logf("  %d renames synced %.1fs into the outage; the outage lasted %.0fs and refused %d Organization API calls",
		len(keys), synced.Seconds(), time.Since(downSince).Seconds(), refused)
	switch {
	case synced > e.cfg.OrganizationOutage:
		return fmt.Errorf("the renames took %.1fs, longer than the Organization API outage (%s)", synced.Seconds(), e.cfg.OrganizationOutage)
	case refused == 0:
		return fmt.Errorf("the manager made no Organization API call in the %s outage: it proves nothing; make it longer than the sync period", e.cfg.OrganizationOutage)
	}
	return e.converge(ctx, "after the Organization API outage")
}

// churnRun stops the manager, changes the chart behind its back (deletes, objects re-created
// under other names with other specs, moves, a key handed from one object to another, new
// departments), restarts it and checks that the remote chart ends up as the objects say.
func churnRun(ctx context.Context, e *env) error {
	m := e.addManager("a", 200, requestTimeout, false)
	if err := e.startChart(ctx, "", m); err != nil {
		return err
	}
	if err := e.converge(ctx, "converging before the churn"); err != nil {
		return err
	}
	m.Kill()
	e.result.Kills++
	e.logf("manager down; churning")
	c, cl := e.chart, e.cluster.client
	leaf := func(nd *node) bool { return nd.parent != "" && len(c.subtree(nd.key)) == 1 }
	step := max(1, len(c.nodes)/20)

	// Objects deleted for good.
	gone := c.pick(step, leaf)
	if err := c.remove(ctx, cl, gone); err != nil {
		return err
	}
	// Keys handed to new objects with other names, parents and display names.
	handed := c.pick(step, func(nd *node) bool { return nd.parent != "" })
	for _, key := range handed {
		if err := c.handOver(ctx, cl, key); err != nil {
			return err
		}
	}
	// Moves and renames.
	moved := c.pick(2*step, func(nd *node) bool { return nd.parent != "" && nd.object == nd.key })
	for _, key := range moved {
		if p := c.newParentFor(key); p != "" {
			c.nodes[key].parent = p
		}
		c.nodes[key].name = "Moved " + key
		c.recategorise(c.nodes[key])
	}
	if err := c.update(ctx, cl, moved); err != nil {
		return err
	}
	// A department in the middle of the tree deleted after its children moved away.
	if mids := c.pick(1, func(nd *node) bool { return nd.parent != "" && nd.object == nd.key && len(c.subtree(nd.key)) > 1 }); len(mids) == 1 {
		mid := mids[0]
		var children []string
		for _, nd := range c.nodes {
			if nd.parent == mid {
				nd.parent = c.nodes[mid].parent
				children = append(children, nd.key)
			}
		}
		if err := c.update(ctx, cl, children); err != nil {
			return err
		}
		if err := c.remove(ctx, cl, []string{mid}); err != nil {
			return err
		}
	}
	// New departments, one a chain of three.
	var added []string
	for i := range step + 3 {
		c.next++
		key := fmt.Sprintf("new-%d", c.next)
		parent := c.pick(1, func(*node) bool { return true })[0]
		if i > step {
			parent = added[len(added)-1]
		}
		c.add(key, parent)
		added = append(added, key)
	}
	if err := c.create(ctx, cl, added); err != nil {
		return err
	}
	e.logf("  %d deleted, %d keys handed over, %d moved, 1 middle department removed, %d added; restarting", len(gone), len(handed), len(moved), len(added))
	if err := m.Start(); err != nil {
		return err
	}
	return e.converge(ctx, "after the churn")
}
