package main

// The property test of plan: for a few hundred random charts and reorganisations
// (property_chart_test.go), on both clouds, `kubectl orgsync plan` predicts exactly the remote
// writes the manager then makes. Each case has its namespace, Organization and remote chart (an
// NCP company, or a Huawei Cloud tenant of its own), and the cases share one control plane and
// one manager, several at a time:
//
//	case := draw a chart; apply it; wait until converged
//	        draw a reorganisation; plan its manifests (-o json)
//	        apply them (creates and updates in a random order, then the prune)
//	        wait until converged (decision.Converged: Ready for the current generation)
//	        the fake's write log since the plan == the plan's writes
//
// A failure names the seed, both charts, the plan and the writes. To run it again alone:
//
//	ORGSYNC_PROPERTY_SEED=<seed> ORGSYNC_PROPERTY_CASES=1 KUBEBUILDER_ASSETS=... \
//	    go test ./cmd/kubectl-orgsync -run TestPlanPredictsTheManagersWrites -count=1 -v
//
// ORGSYNC_PROPERTY_SEED is the first seed (default 1800), ORGSYNC_PROPERTY_CASES the number of
// cases (default 200; seeds follow each other, even ones NCP, odd ones Huawei Cloud), and
// ORGSYNC_PROPERTY_PARALLEL how many run at a time (default 24). With -short, 20 cases run.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/decision"
	"github.com/orgsync/orgsync/internal/huaweicloud/huaweifake"
	"github.com/orgsync/orgsync/internal/ncp/ncpfake"
	"github.com/orgsync/orgsync/internal/provider"
)

// TestPlanPredictsTheManagersWrites runs the property cases, several at a time: each is a subtest
// named by its seed.
func TestPlanPredictsTheManagersWrites(t *testing.T) {
	first := propertyEnv(t, "ORGSYNC_PROPERTY_SEED", 1800)
	cases := propertyEnv(t, "ORGSYNC_PROPERTY_CASES", 200)
	parallel := propertyEnv(t, "ORGSYNC_PROPERTY_PARALLEL", 24)
	if testing.Short() && os.Getenv("ORGSYNC_PROPERTY_CASES") == "" {
		cases = 20
	}
	h := startHarness(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	t.Logf("seeds %d to %d, %d at a time", first, first+cases-1, parallel)
	started := time.Now()
	slots := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for seed := first; seed < first+cases; seed++ {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			// Subtests may run from several goroutines at once (testing.T.Run); t.Parallel would
			// bound them by -parallel, GOMAXPROCS by default.
			t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { propertyCase(ctx, t, h, seed) })
		})
	}
	wg.Wait()
	t.Logf("%d cases in %s", cases, time.Since(started).Round(time.Second))
}

func propertyEnv(t *testing.T, name string, fallback uint64) uint64 {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return fallback
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return n
}

// propertyCase runs the case of seed.
func propertyCase(ctx context.Context, t *testing.T, h *harness, seed uint64) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	rng := rand.New(rand.NewPCG(seed, 18)) //nolint:gosec // G404: a reproducible draw, not a secret
	p := propertyProvider(seed)
	ns := fmt.Sprintf("property-%d", seed)
	t.Cleanup(func() { h.endCase(t, ns) })
	org, remote := h.newOrganization(ctx, t, ns, propertyOrganization, p)
	before := randomChart(rng, p)
	after, did := before.reorganise(rng)
	report := &propertyReport{seed: seed, provider: p, before: before, after: after, did: did}
	if len(before.unmanaged) > 0 {
		// Made by hand before orgsync: the manager lists them at its next listing, asked for now.
		var made []provider.Department
		for _, k := range slices.Sorted(maps.Keys(before.unmanaged)) {
			made = append(made, provider.Department{Key: k, Name: before.unmanaged[k].name(), DisplayOrder: "1"})
		}
		remote.seed(t, made)
		h.relist(ctx, t, org)
	}

	apply(ctx, t, h.client, before.departments(ns))
	if !h.waitConverged(ctx, t, ns, before) {
		t.Errorf("the first chart did not converge:\n%s", report)
		return
	}
	skip := remote.writeCount()
	report.plan, report.planned = h.predictWrites(ctx, t, after.departments(ns))
	if t.Failed() {
		t.Errorf("%s", report)
		return
	}
	h.applyPruning(ctx, t, rng, before.departments(ns), after.departments(ns))
	if !h.waitConverged(ctx, t, ns, after) {
		report.made = remote.writesSince(skip)
		t.Errorf("the reorganised chart did not converge:\n%s", report)
		return
	}
	// A write the manager would make after the chart converged is one too many: give it time to.
	time.Sleep(300 * time.Millisecond)
	report.made = remote.writesSince(skip)
	if d := cmp.Diff(sortedStrings(report.planned), sortedStrings(report.made)); d != "" {
		t.Errorf("the manager's writes differ from the plan's (-plan +made):\n%s\n%s", d, report)
		return
	}
	t.Logf("%s", report) // with -v
}

// endCase logs the conditions of the case's Organization when the case failed (a case that
// never converged may be waiting for it), and deletes it (deletionPolicy Orphan: no remote call):
// the port of the case's Huawei Cloud fake may serve another case's tenant next, which an
// Organization left in place would claim too.
func (h *harness) endCase(t *testing.T, namespace string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	org := &v1alpha1.Organization{}
	if err := h.client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: propertyOrganization}, org); err != nil {
		t.Logf("the Organization: %v", err)
		return
	}
	if t.Failed() {
		t.Logf("the Organization at generation %d (observed %d): %+v", org.Generation, org.Status.ObservedGeneration, org.Status.Conditions)
	}
	if err := client.IgnoreNotFound(h.client.Delete(ctx, org)); err != nil {
		t.Errorf("deleting the Organization: %v", err)
	}
}

// remoteWrite is a write of a remote department, as the plan predicts it or as the fake logged it.
type remoteWrite struct {
	// Op is create, update (fields other than the parent), move (the parent, maybe more) or delete.
	op  string
	key string
	// parent is a create's parent or a move's new one, oldParent a move's old one ("" for top level).
	parent, oldParent string
	// fields are the fields an update or a move changes, the parent excepted, sorted.
	fields []string
	// refused: the remote system refused the write (the plan predicts none such).
	refused bool
}

func (w remoteWrite) String() string {
	var s string
	switch w.op {
	case actionCreate:
		s = fmt.Sprintf("create %s under %q", w.key, w.parent)
	case actionMove:
		s = fmt.Sprintf("move %s from %q to %q %v", w.key, w.oldParent, w.parent, w.fields)
	case actionUpdate:
		s = fmt.Sprintf("update %s %v", w.key, w.fields)
	default:
		s = w.op + " " + w.key
	}
	if w.refused {
		s = "refused " + s
	}
	return s
}

func sortedStrings[T fmt.Stringer](in []T) []string {
	out := make([]string, 0, len(in))
	for _, v := range in {
		out = append(out, v.String())
	}
	slices.Sort(out)
	return out
}

// predictWrites is the test's one adapter to the plan engine: it runs `kubectl orgsync plan -o
// json` in-process on depts, as a person would on the manifests of the new chart (the prune
// included), and returns the plan as printed and the writes it says the manager makes (held
// deletes, releases and waits make none).
func (h *harness) predictWrites(ctx context.Context, t *testing.T, depts []v1alpha1.Department) (string, []remoteWrite) {
	t.Helper()
	var manifests bytes.Buffer
	for _, d := range depts {
		data, err := yaml.Marshal(manifestOf(d))
		if err != nil {
			t.Fatal(err)
		}
		manifests.WriteString("---\n")
		manifests.Write(data)
	}
	path := filepath.Join(t.TempDir(), "chart.yaml")
	if err := os.WriteFile(path, manifests.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runPlan(ctx, nil, append([]string{"-f", path, "-o", "json", "--kubeconfig", h.admin}, h.remoteFlags()...)...)
	if code != exitOK && code != exitChanges {
		t.Errorf("plan: exit %d: %s", code, errOut)
		return out, nil
	}
	var doc planDocument
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("plan -o json: %v\n%s", err, out)
	}
	var text bytes.Buffer
	if err := renderPlanText(&text, doc.Organizations, palette{}); err != nil {
		t.Fatal(err)
	}
	var writes []remoteWrite
	for _, p := range doc.Organizations {
		for _, c := range p.Changes {
			if w, ok := writeOfChange(c); ok {
				writes = append(writes, w)
			}
		}
	}
	return text.String(), writes
}

// writeOfChange is the write a planned change makes; none for a release or a held delete.
func writeOfChange(c planChange) (remoteWrite, bool) {
	w := remoteWrite{op: c.Action, key: c.Key}
	switch {
	case c.Action == actionRelease, c.Held != "":
		return w, false
	case c.Action == actionCreate:
		for _, f := range c.Fields {
			if f.Field == "parentExternalKey" {
				w.parent, _ = f.New.(string)
			}
		}
	case c.Action == actionUpdate, c.Action == actionMove:
		for _, f := range c.Fields {
			if f.Field == "parentExternalKey" {
				w.oldParent, _ = f.Old.(string)
				w.parent, _ = f.New.(string)
				continue
			}
			w.fields = append(w.fields, f.Field)
		}
		slices.Sort(w.fields)
	}
	return w, true
}

// applyPruning applies after over before as kubectl apply --prune does: creates and updates
// first, in an order rng draws (a GitOps tool's, not the chart's), then deletes the objects
// after lacks. The manager works meanwhile: it may see any part of the apply, a cycle for a
// moment included, and must still make the writes the plan of the whole predicts.
func (h *harness) applyPruning(ctx context.Context, t *testing.T, rng *rand.Rand, before, after []v1alpha1.Department) {
	t.Helper()
	rng.Shuffle(len(after), func(i, j int) { after[i], after[j] = after[j], after[i] })
	apply(ctx, t, h.client, after)
	kept := map[string]bool{}
	for _, d := range after {
		kept[d.Name] = true
	}
	for _, d := range before {
		if !kept[d.Name] {
			if err := client.IgnoreNotFound(h.client.Delete(ctx, &d)); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// waitConverged waits until namespace holds exactly the objects of chart, each converged (Ready
// for its current generation). When ctx ends first, it reports what was not and returns false.
func (h *harness) waitConverged(ctx context.Context, t *testing.T, namespace string, chart *propChart) bool {
	t.Helper()
	want := map[string]bool{}
	for _, d := range chart.departments(namespace) {
		want[d.Name] = true
	}
	var pending []string
	for {
		var list v1alpha1.DepartmentList
		err := h.client.List(ctx, &list, client.InNamespace(namespace))
		pending = pending[:0]
		for i := range list.Items {
			d := &list.Items[i]
			if !want[d.Name] || !decision.Converged(d.Status.Conditions, d.Status.ObservedGeneration, d.Generation) {
				pending = append(pending, describeDepartment(d, want[d.Name]))
			}
		}
		if err == nil && len(pending) == 0 && len(list.Items) == len(want) {
			return true
		}
		select {
		case <-ctx.Done():
			t.Errorf("not converged: %v (%d of %d objects; last error: %v)", pending, len(list.Items), len(want), err)
			return false
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func describeDepartment(d *v1alpha1.Department, wanted bool) string {
	s := d.Name
	if !wanted {
		s += " (to go)"
	}
	if c := meta.FindStatusCondition(d.Status.Conditions, v1alpha1.ConditionReady); c != nil {
		s += fmt.Sprintf(": %s %s at generation %d of %d: %s", c.Status, c.Reason, c.ObservedGeneration, d.Generation, c.Message)
	}
	return s
}

// propertyReport is what a failing case prints.
type propertyReport struct {
	seed          uint64
	provider      v1alpha1.Provider
	before, after *propChart
	did           []string
	plan          string
	planned, made []remoteWrite
}

func (r *propertyReport) String() string {
	return fmt.Sprintf("seed %d (%s; run it alone with ORGSYNC_PROPERTY_SEED=%d ORGSYNC_PROPERTY_CASES=1)\n"+
		"chart:\n%sreorganisation %v:\n%splan:\n%splanned writes: %v\nwrites made, in order: %v",
		r.seed, r.provider, r.seed, r.before, r.did, r.after, r.plan, r.planned, r.made)
}

// writeCount is how many department writes the chart's fake has logged.
func (r *remoteChart) writeCount() int {
	if r.provider == v1alpha1.ProviderHuaweiCloud {
		return len(r.huawei.UnitWrites())
	}
	return len(r.ncp.DepartmentWrites(r.companyID))
}

// writesSince is the department writes the chart's fake logged after the first skip.
func (r *remoteChart) writesSince(skip int) []remoteWrite {
	var out []remoteWrite
	if r.provider == v1alpha1.ProviderHuaweiCloud {
		for _, w := range r.huawei.UnitWrites()[skip:] {
			out = append(out, unitWrite(w))
		}
		return out
	}
	for _, w := range r.ncp.DepartmentWrites(r.companyID)[skip:] {
		out = append(out, departmentWrite(w))
	}
	return out
}

// departmentWrite reads a WORKPLACE write: the fields it changed are those that differ between
// the department before and after it.
func departmentWrite(w ncpfake.DepartmentWrite) remoteWrite {
	out := remoteWrite{op: map[string]string{"POST": actionCreate, "PUT": actionUpdate, "DELETE": actionDelete}[w.Method], key: w.Key, refused: !w.Applied}
	top := func(parent string) string {
		if parent == ncpfake.TopLevelParent {
			return ""
		}
		return parent
	}
	switch {
	case w.Method == "POST" && w.After != nil:
		out.parent = top(w.After.ParentExternalKey)
	case w.Method == "PUT" && w.Before != nil && w.After != nil:
		b, a := w.Before, w.After
		changed := map[string]bool{
			"name": b.Name != a.Name, "i18nNames": !maps.Equal(b.I18nNames, a.I18nNames),
			"emailAddress": b.EmailAddress != a.EmailAddress, "displayOrder": b.DisplayOrder != a.DisplayOrder,
			"externalEmailReceive":  (b.ExternalEmailReceive != nil && *b.ExternalEmailReceive) != (a.ExternalEmailReceive != nil && *a.ExternalEmailReceive),
			"deptLeaderExternalKey": (b.LeaderExternalKey == nil) != (a.LeaderExternalKey == nil),
		}
		out.fields = changedFields(changed)
		if b.ParentExternalKey != a.ParentExternalKey {
			out.op, out.oldParent, out.parent = actionMove, top(b.ParentExternalKey), top(a.ParentExternalKey)
		}
	}
	return out
}

// unitWrite reads a OneAccess write as departmentWrite reads a WORKPLACE one.
func unitWrite(w huaweifake.UnitWrite) remoteWrite {
	out := remoteWrite{op: map[string]string{"POST": actionCreate, "PUT": actionUpdate, "DELETE": actionDelete}[w.Method], key: w.Code, refused: !w.Applied}
	switch {
	case w.Method == "POST" && w.After != nil:
		out.parent = w.After.ParentCode
	case w.Method == "PUT" && w.Before != nil && w.After != nil:
		b, a := w.Before, w.After
		out.fields = changedFields(map[string]bool{"name": b.Name != a.Name, "category": b.Category != a.Category})
		if b.ParentCode != a.ParentCode {
			out.op, out.oldParent, out.parent = actionMove, b.ParentCode, a.ParentCode
		}
	}
	return out
}

func changedFields(changed map[string]bool) []string {
	var out []string
	for f, c := range changed {
		if c {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

// TestACycleEndedWakesItsDepartments: an apply that is not atomic can make a cycle for a moment
// (the property test's seed 5114 did: one Department moved under another before that one's move
// out of its subtree was applied). Every Department of the cycle reports ParentCycle, and the
// change that ends the cycle must wake them all, not only the children of the Department that
// changed: b, under a, is no child of c.
func TestACycleEndedWakesItsDepartments(t *testing.T) {
	h := startHarness(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const ns = "cycle-ended"
	h.newOrganization(ctx, t, ns, "acme", v1alpha1.ProviderNCP)
	chart := []v1alpha1.Department{dept(ns, "a", "A", ""), dept(ns, "b", "B", "a"), dept(ns, "c", "C", "b")}
	apply(ctx, t, h.client, chart)
	converged := func(names ...string) func() (bool, error) {
		return func() (bool, error) {
			for _, name := range names {
				d := &v1alpha1.Department{}
				if err := h.client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, d); err != nil {
					return false, err
				}
				if !decision.Converged(d.Status.Conditions, d.Status.ObservedGeneration, d.Generation) {
					// Said when the wait times out: what the one not converged reports.
					return false, fmt.Errorf("%s (generation %d) reports %+v", name, d.Generation, meta.FindStatusCondition(d.Status.Conditions, v1alpha1.ConditionReady))
				}
			}
			return true, nil
		}
	}
	eventually(ctx, t, "a, b and c converged", converged("a", "b", "c"))

	chart[0].Spec.ParentExternalKey = "c" // a -> c -> b -> a
	apply(ctx, t, h.client, chart[:1])
	eventually(ctx, t, "b reporting the cycle", func() (bool, error) {
		d := &v1alpha1.Department{}
		err := h.client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "b"}, d)
		c := meta.FindStatusCondition(d.Status.Conditions, v1alpha1.ConditionReady)
		return err == nil && c != nil && c.Reason == v1alpha1.ReasonParentCycle, err
	})
	chart[2].Spec.ParentExternalKey = "" // c goes to the top level: c <- a <- b
	apply(ctx, t, h.client, chart[2:])
	eventually(ctx, t, "a, b and c converged after the cycle ended", converged("a", "b", "c"))
}
