package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/provider"
	ncpprovider "github.com/orgsync/orgsync/internal/provider/ncp"
)

// TestPlanOfADeepChain: a new chart 1,500 levels deep is planned parents first, in well under
// the time a user waits for a plan (each level used to decide the whole chart again, each
// decision walking the chain: minutes for this chart).
func TestPlanOfADeepChain(t *testing.T) {
	const depth = 1500
	// The root is level-1499 and each level's parent the one above: keys sort children first,
	// so only the plan's rounds put the parents first.
	key := func(level int) string { return fmt.Sprintf("level-%04d", depth-1-level) }
	desired := make([]v1alpha1.Department, 0, depth)
	for level := range depth {
		parent := ""
		if level > 0 {
			parent = key(level - 1)
		}
		desired = append(desired, want(key(level), fmt.Sprintf("Level %d", level), parent))
	}
	p := planWithin10s(t, planInput{org: planOrg(), desired: desired, prune: true, diff: ncpprovider.Conventions{}.Diff, now: planNow},
		fmt.Sprintf("a chain of %d creates", depth))
	if len(p.Changes) != depth {
		t.Fatalf("%d changes, want %d", len(p.Changes), depth)
	}
	for i, c := range p.Changes {
		if want := key(i); c.Action != actionCreate || c.Key != want {
			t.Fatalf("change %d is %s %s, want create %s (parents first)", i, c.Action, c.Key, want)
		}
	}
}

// TestPlanOfADeepChainPruned: the same chain pruned is deleted children first, as quickly.
func TestPlanOfADeepChainPruned(t *testing.T) {
	const depth = 1500
	key := func(level int) string { return fmt.Sprintf("level-%04d", depth-1-level) }
	var cluster []v1alpha1.Department
	var remote []provider.Department
	for level := range depth {
		parent := ""
		if level > 0 {
			parent = key(level - 1)
		}
		cluster = append(cluster, have(key(level), "L", parent))
		remote = append(remote, remoteDept(key(level), "L", parent))
	}
	org := planOrg(budgetOf(depth))
	p := planWithin10s(t, planInput{org: org, cluster: cluster, remote: remote, prune: true, diff: ncpprovider.Conventions{}.Diff, now: planNow},
		fmt.Sprintf("the deletes of a chain of %d", depth))
	if len(p.Changes) != depth {
		t.Fatalf("%d changes, want %d", len(p.Changes), depth)
	}
	for i, c := range p.Changes {
		if want := key(depth - 1 - i); c.Action != actionDelete || c.Key != want || c.Held != "" {
			t.Fatalf("change %d is %s %s (held %q), want delete %s (children first)", i, c.Action, c.Key, c.Held, want)
		}
	}
}

// TestPlanPrunesTwoClaimantsOfOneKey: two Departments left claiming one key (a Conflict), both
// pruned: the remote department is deleted once; the other Department finds it gone and lets go.
func TestPlanPrunesTwoClaimantsOfOneKey(t *testing.T) {
	p := planOrganization(planInput{
		org:     planOrg(),
		desired: []v1alpha1.Department{want("keep", "Keep", "")},
		cluster: []v1alpha1.Department{have("keep", "Keep", ""), have("x-old", "X", "", externalKey("x"), created(time.Hour)),
			have("x-new", "X", "", externalKey("x"))},
		remote: []provider.Department{remoteDept("keep", "Keep", ""), remoteDept("x", "X", "")},
		prune:  true, diff: ncpprovider.Conventions{}.Diff, now: planNow,
	})
	if got := brief(p); len(got) != 1 || got[0] != "delete x" || p.Budget.Deletes != 1 {
		t.Errorf("plan: %q, %d deletes counted, want one delete of x", got, p.Budget.Deletes)
	}
}

// planWithin10s plans in, and fails the test when planning what takes more than 10 s (a plan
// that went quadratic, or round after round without end).
func planWithin10s(t *testing.T, in planInput, what string) organizationPlan {
	t.Helper()
	done := make(chan organizationPlan, 1)
	start := time.Now()
	go func() { done <- planOrganization(in) }()
	select {
	case p := <-done:
		t.Logf("%s planned in %s", what, time.Since(start).Round(time.Millisecond))
		return p
	case <-time.After(10 * time.Second):
		t.Fatalf("planning %s takes more than 10 s", what)
		return organizationPlan{}
	}
}
