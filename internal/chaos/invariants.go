package chaos

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/decision"
)

// The invariants, in the order they are reported.
const (
	invOnce        = "no remote department twice"
	invOwned       = "every remote department has its object"
	invHandMade    = "hand-made departments left alone"
	invMatches     = "every object's remote department matches its spec"
	invFinalizers  = "no finalizer left behind"
	invReady       = "every object Ready, or a reason to act on"
	invOrdering    = "no write refused for ordering (parent missing, children present)"
	invLeaderWrite = "no write from a manager that was not the leader"
	invBothWrote   = "no write made by both managers"
)

// Invariant is one invariant and what breaks it.
type Invariant struct {
	Name       string
	Checked    int      // how many things were checked
	Violations []string // one line each
}

// Report is the invariants of one check.
type Report []Invariant

// Clean reports whether every invariant holds.
func (r Report) Clean() bool {
	for _, inv := range r {
		if len(inv.Violations) > 0 {
			return false
		}
	}
	return true
}

// add sums two reports invariant by invariant.
func (r Report) add(other Report) Report {
	out := slices.Clone(r)
	for _, inv := range other {
		i := slices.IndexFunc(out, func(o Invariant) bool { return o.Name == inv.Name })
		if i < 0 {
			out = append(out, inv)
			continue
		}
		out[i].Checked += inv.Checked
		out[i].Violations = append(slices.Clone(out[i].Violations), inv.Violations...)
	}
	return out
}

// state is what Check looks at.
type state struct {
	departments  []v1alpha1.Department
	organization *v1alpha1.Organization
	remote       []remoteDepartment
	handMade     map[string]remoteDepartment // as they were made
	// differs compares a Department with its remote department as its provider means the
	// fields (cloud.differs).
	differs       func(*v1alpha1.Department, remoteDepartment) string
	writes        []Write
	orderingCodes []string     // the provider's (cloud.orderingCodes)
	leaders       []leadership // failover runs only
}

// leadership is one manager's time as the leader: from since (its predecessor's kill, or its
// start) until until (its kill; zero while it leads).
type leadership struct {
	client       string
	since, until int64 // UnixNano
}

// Check gathers the cluster's objects and the fake's departments and checks the invariants of
// the state they are in; with writes, also those of every remote write of the run so far.
func (e *env) Check(ctx context.Context, writes bool) (Report, error) {
	s := state{remote: e.fake.departments(), handMade: e.handMade, differs: e.fake.differs}
	if writes {
		s.writes, s.orderingCodes, s.leaders = e.rec.Writes(), e.fake.orderingCodes(), e.leaders
	}
	var err error
	if s.departments, err = e.cluster.departments(ctx); err != nil {
		return nil, err
	}
	var org v1alpha1.Organization
	if err := e.cluster.client.Get(ctx, orgKey, &org); err == nil {
		s.organization = &org
	}
	return check(s), nil
}

// check is the invariants of s.
func check(s state) Report {
	live := map[string]*v1alpha1.Department{} // by key
	for i := range s.departments {
		if d := &s.departments[i]; d.DeletionTimestamp.IsZero() {
			live[d.Key()] = d
		}
	}
	remote := map[string]remoteDepartment{}
	once := Invariant{Name: invOnce, Checked: len(s.remote)}
	owned := Invariant{Name: invOwned, Checked: len(s.remote)}
	for _, r := range s.remote {
		if _, dup := remote[r.Key]; dup {
			once.Violations = append(once.Violations, fmt.Sprintf("%s exists twice", r.Key))
		}
		remote[r.Key] = r
		if _, ok := s.handMade[r.Key]; !ok && live[r.Key] == nil {
			owned.Violations = append(owned.Violations, fmt.Sprintf("%s (%q under %s) has no Department", r.Key, r.Name, topLevel(r.Parent)))
		}
	}

	handMade := Invariant{Name: invHandMade, Checked: len(s.handMade)}
	for _, key := range slices.Sorted(maps.Keys(s.handMade)) {
		if r, ok := remote[key]; !ok || !sameDepartment(r, s.handMade[key]) {
			handMade.Violations = append(handMade.Violations, fmt.Sprintf("%s was changed or deleted", key))
		}
	}

	matches := Invariant{Name: invMatches, Checked: len(live)}
	ready := Invariant{Name: invReady, Checked: len(s.departments) + 1}
	finalizers := Invariant{Name: invFinalizers, Checked: len(s.departments)}
	for _, d := range s.departments {
		if !d.DeletionTimestamp.IsZero() {
			finalizers.Violations = append(finalizers.Violations, fmt.Sprintf("%s is still being deleted (finalizers %v, %s)", d.Name, d.Finalizers, readiness(d.Status.Conditions)))
			continue
		}
		if r, ok := remote[d.Key()]; !ok {
			matches.Violations = append(matches.Violations, fmt.Sprintf("%s: no remote department %s", d.Name, d.Key()))
		} else if diff := s.differs(&d, r); diff != "" {
			matches.Violations = append(matches.Violations, d.Name+": "+diff)
		}
		if problem := notReady(d.Status.Conditions, d.Generation, d.Status.ObservedGeneration); problem != "" {
			ready.Violations = append(ready.Violations, d.Name+": "+problem)
		}
	}
	if s.organization == nil {
		ready.Violations = append(ready.Violations, "the Organization is gone")
	} else if problem := notReady(s.organization.Status.Conditions, s.organization.Generation, s.organization.Status.ObservedGeneration); problem != "" {
		ready.Violations = append(ready.Violations, "Organization: "+problem)
	}

	r := Report{once, owned, handMade, matches, finalizers, ready}
	if s.writes != nil {
		r = append(r, orderingRefusals(s.writes, s.orderingCodes))
	}
	if len(s.leaders) > 0 {
		r = append(r, leaderWrites(s.writes, s.leaders), bothWrote(s.writes))
	}
	return r
}

// notReady says what is wrong with an object's readiness, or "" when nothing is: Ready for its
// current generation, or not Ready for a reason a person can act on, with a message.
func notReady(conditions []metav1.Condition, generation, observed int64) string {
	c := meta.FindStatusCondition(conditions, v1alpha1.ConditionReady)
	switch {
	case c == nil:
		return "no Ready condition"
	case observed != generation:
		return fmt.Sprintf("status describes generation %d, not %d (%s)", observed, generation, readiness(conditions))
	case decision.Converged(conditions, observed, generation):
		return ""
	case c.Status == metav1.ConditionFalse && decision.Actionable(c.Reason) && c.Message != "":
		// A reason of class Failing tells a person what to change; every other not-Ready reason
		// says "wait", which must not last once a run has settled.
		return ""
	}
	return readiness(conditions)
}

func readiness(conditions []metav1.Condition) string {
	c := meta.FindStatusCondition(conditions, v1alpha1.ConditionReady)
	if c == nil {
		return "no Ready condition"
	}
	return fmt.Sprintf("Ready=%s %s: %s", c.Status, c.Reason, c.Message)
}

// orderingRefusals checks that no write was refused with one of codes, the provider's codes of a
// write refused for ordering.
func orderingRefusals(writes []Write, codes []string) Invariant {
	inv := Invariant{Name: invOrdering, Checked: len(writes)}
	for _, w := range writes {
		if w.Code != "" && slices.Contains(codes, w.Code) {
			inv.Violations = append(inv.Violations, fmt.Sprintf("%s %s by %s refused with %s", w.Method, w.Key, w.Client, w.Code))
		}
	}
	return inv
}

// leaderWrites checks that every write came from the manager leading when it arrived.
func leaderWrites(writes []Write, leaders []leadership) Invariant {
	inv := Invariant{Name: invLeaderWrite, Checked: len(writes)}
	for _, w := range writes {
		at := w.Arrived.UnixNano()
		led := slices.ContainsFunc(leaders, func(l leadership) bool {
			return l.client == w.Client && at >= l.since && (l.until == 0 || at <= l.until)
		})
		if !led {
			inv.Violations = append(inv.Violations, fmt.Sprintf("%s %s by %s at %s", w.Method, w.Key, w.Client, w.Arrived.Format("15:04:05.000")))
		}
	}
	return inv
}

// bothWrote checks that no department was created, or deleted, by both managers: the second
// would have acted on a chart the first had already changed.
func bothWrote(writes []Write) Invariant {
	by := map[string]map[string]bool{} // method+key → clients
	for _, w := range writes {
		if w.Method != "POST" && w.Method != "DELETE" {
			continue
		}
		id := w.Method + " " + w.Key
		if by[id] == nil {
			by[id] = map[string]bool{}
		}
		by[id][w.Client] = true
	}
	inv := Invariant{Name: invBothWrote, Checked: len(by)}
	for _, id := range slices.Sorted(maps.Keys(by)) {
		if len(by[id]) > 1 {
			inv.Violations = append(inv.Violations, id+" by "+fmt.Sprint(slices.Sorted(maps.Keys(by[id]))))
		}
	}
	return inv
}

func sameDepartment(a, b remoteDepartment) bool {
	return a.Name == b.Name && a.Parent == b.Parent
}
