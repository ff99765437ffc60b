package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

func TestTreeGolden(t *testing.T) {
	org, depts := fixtureChart()
	c := buildChart(org, depts)
	for _, tc := range []struct {
		file string
		opts textOptions
	}{
		{"tree.txt", textOptions{now: fixtureNow}},
		{"tree-verbose.txt", textOptions{now: fixtureNow, verbose: true}},
		{"tree-color.txt", textOptions{now: fixtureNow, colors: palette{on: true}}},
	} {
		var out bytes.Buffer
		if err := renderText(&out, c, tc.opts); err != nil {
			t.Fatal(err)
		}
		golden(t, tc.file, out.Bytes())
	}
	for _, format := range []string{outputJSON, outputYAML} {
		var out bytes.Buffer
		if err := renderData(&out, c, format); err != nil {
			t.Fatal(err)
		}
		golden(t, "tree."+format, out.Bytes())
	}
}

// keysOf lists the keys of nodes.
func keysOf(nodes []*node) []string {
	keys := make([]string, 0, len(nodes))
	for _, n := range nodes {
		keys = append(keys, n.key)
	}
	return keys
}

// find returns the node of key, searching depth first from nodes.
func find(nodes []*node, key string) *node {
	for _, n := range nodes {
		if n.key == key {
			return n
		}
		if f := find(n.children, key); f != nil {
			return f
		}
	}
	return nil
}

func TestTreeOrdersSiblingsByDisplayOrderThenName(t *testing.T) {
	org, depts := fixtureChart()
	// The order a List returns them in does not matter.
	slices.Reverse(depts)
	c := buildChart(org, depts)
	// "02", "2.0" and "2" are one position, so Finance, Human Resources and Sales go by name;
	// "10" is after them as a number, though before them as text.
	if got, want := keysOf(find(c.roots, "acme").children), []string{"fin-01", "hr", "sales", "rnd"}; !slices.Equal(got, want) {
		t.Errorf("children of acme %v, want %v", got, want)
	}
	if got, want := keysOf(find(c.roots, "sales").children), []string{"sales-busan", "sales-seoul", "sales-jeju"}; !slices.Equal(got, want) {
		t.Errorf("children of sales %v, want %v (1.25 < 1.5 < 3)", got, want)
	}
	// Top-level Departments first, then the parents that are no Department, by key.
	if got, want := keysOf(c.roots), []string{"acme", "gone", "legacy-hq", "nowhere"}; !slices.Equal(got, want) {
		t.Errorf("roots %v, want %v", got, want)
	}
}

func TestTreeListsCyclesApart(t *testing.T) {
	org := organization(0, 0)
	depts := []v1alpha1.Department{
		department("root", "Root", ""),
		// A loop of three, entered from a tail of two.
		department("c1", "C1", "c3"), department("c2", "C2", "c1"), department("c3", "C3", "c2"),
		department("tail1", "Tail 1", "c2"), department("tail2", "Tail 2", "tail1"),
		// A Department that is its own parent (the CRD refuses it, an old object may not).
		department("self", "Self", "self"),
		department("under-root", "Under root", "root"),
	}
	c := buildChart(org, depts)
	if got, want := keysOf(c.roots), []string{"root"}; !slices.Equal(got, want) {
		t.Errorf("roots %v, want %v", got, want)
	}
	var loops [][]string
	for _, cy := range c.cycles {
		loops = append(loops, cy.keys())
	}
	if want := [][]string{{"c1", "c3", "c2", "c1"}, {"self", "self"}}; !cmp.Equal(loops, want) {
		t.Errorf("cycles %v, want %v", loops, want)
	}
	var out bytes.Buffer
	if err := renderText(&out, c, textOptions{now: fixtureNow}); err != nil {
		t.Fatal(err)
	}
	// The tail hangs under its loop member; each Department is printed once.
	for _, want := range []string{"cycle c1 -> c3 -> c2 -> c1\n", "└── C2 (c2)\n    └── Tail 1 (tail1)\n        └── Tail 2 (tail2)\n", "cycle self -> self\n└── Self (self)\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	for _, key := range []string{"c1", "c2", "c3", "self", "tail1"} {
		if n := strings.Count(out.String(), "("+key+")"); n != 1 {
			t.Errorf("(%s) printed %d times, want once:\n%s", key, n, out.String())
		}
	}
}

func TestTreeOfOneLongCycleEnds(t *testing.T) {
	const n = 10000
	org := organization(0, 0)
	depts := make([]v1alpha1.Department, 0, n)
	for i := range n {
		depts = append(depts, department(keyOf(i), "D", keyOf((i+1)%n)))
	}
	done := make(chan *chart)
	go func() { done <- buildChart(org, depts) }()
	select {
	case c := <-done:
		if len(c.roots) != 0 || len(c.cycles) != 1 || len(c.cycles[0].members) != n {
			t.Errorf("roots %d, cycles %d; want no root and one cycle of %d", len(c.roots), len(c.cycles), n)
		}
		if err := renderText(&bytes.Buffer{}, c, textOptions{}); err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("building the tree of one cycle of 10,000 did not end")
	}
}

func keyOf(i int) string { return fmt.Sprintf("k%05d", i) }

func TestParentsThatAreNoDepartment(t *testing.T) {
	org, depts := fixtureChart()
	c := buildChart(org, depts)
	for key, want := range map[string]remoteState{"legacy-hq": remoteExists, "gone": remoteMissing, "nowhere": remoteUnknown} {
		n := find(c.roots, key)
		if n == nil || n.dept != nil {
			t.Errorf("parent %s: node %+v, want a root that is no Department", key, n)
			continue
		}
		if n.remote != want {
			t.Errorf("parent %s: remote %q, want %q", key, n.remote, want)
		}
	}
	if c.remoteParents != 1 {
		t.Errorf("remote parents %d, want 1 (legacy-hq)", c.remoteParents)
	}
}

func TestTreeKeyClaimedTwice(t *testing.T) {
	org, depts := fixtureChart()
	c := buildChart(org, depts)
	hr := find(c.roots, "hr")
	var payroll []*node
	for _, n := range hr.children {
		if n.key == "hr-payroll" {
			payroll = append(payroll, n)
		}
	}
	if len(payroll) != 2 {
		t.Fatalf("hr has %d children keyed hr-payroll, want both claimants", len(payroll))
	}
	for _, n := range payroll {
		// The older holds it: the other was created after it.
		if want := n.dept.Name == "hr-old"; n.duplicate != want {
			t.Errorf("%s: duplicate %t, want %t", n.dept.Name, n.duplicate, want)
		}
	}
}

func TestReadiness(t *testing.T) {
	ready := metav1.Condition{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonSynced, ObservedGeneration: 3}
	for name, tc := range map[string]struct {
		conditions []metav1.Condition
		generation int64
		want       readiness
	}{
		"no condition": {nil, 1, readiness{reason: reasonPending, message: "not reconciled yet", health: healthWaiting}},
		"synced":       {[]metav1.Condition{ready}, 3, readiness{ready: true, reason: v1alpha1.ReasonSynced, health: healthSynced}},
		"synced for an older spec": {[]metav1.Condition{ready}, 4, readiness{reason: reasonPending, health: healthWaiting,
			message: "spec generation 4 not reconciled yet; last Synced: "}},
		"waiting": {[]metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonWaitingForParent, Message: "m", ObservedGeneration: 1}}, 1,
			readiness{reason: v1alpha1.ReasonWaitingForParent, message: "m", health: healthWaiting}},
		"retrying": {[]metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonRemoteError, Message: "m", ObservedGeneration: 1}}, 1,
			readiness{reason: v1alpha1.ReasonRemoteError, message: "m", health: healthWaiting}},
		"failing": {[]metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonInvalidSpec, Message: "m", ObservedGeneration: 1}}, 1,
			readiness{reason: v1alpha1.ReasonInvalidSpec, message: "m", health: healthFailing}},
		"a reason this version does not know": {[]metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse, Reason: "Novel", ObservedGeneration: 1}}, 1,
			readiness{reason: "Novel", health: healthFailing}},
	} {
		if got := readinessOf(tc.conditions, tc.generation); got != tc.want {
			t.Errorf("%s: %+v, want %+v", name, got, tc.want)
		}
	}
}

func TestDriftOf(t *testing.T) {
	cases := map[string]struct {
		reason string
		fields []string
		want   *drift
	}{
		"one field":              {v1alpha1.ReasonDrifted, []string{"name"}, &drift{fields: []string{"name"}}},
		"several":                {v1alpha1.ReasonDrifted, []string{"name", "parentExternalKey", "category"}, &drift{fields: []string{"name", "parentExternalKey", "category"}}},
		"none: absent":           {v1alpha1.ReasonDrifted, nil, &drift{absent: true}},
		"not Drifted":            {v1alpha1.ReasonSynced, nil, nil},
		"fields of another kind": {v1alpha1.ReasonRemoteError, []string{"name"}, nil},
	}
	for name, tc := range cases {
		got := driftOf(readiness{reason: tc.reason}, tc.fields)
		if !cmp.Equal(got, tc.want, cmp.AllowUnexported(drift{})) {
			t.Errorf("%s: %+v, want %+v", name, got, tc.want)
		}
	}
}

func TestCleanAndTruncate(t *testing.T) {
	if got, want := clean("a\u202eb\x1b[31mc\nd"), `a\u202Eb\u001B[31mc\u000Ad`; got != want {
		t.Errorf("clean: %q, want %q", got, want)
	}
	if got := truncate("short", 10); got != "short" {
		t.Errorf("truncate kept %q", got)
	}
	if got, want := truncate("영업부 서울 지사 the end", 10), "영업부 서울 지사…"; got != want {
		t.Errorf("truncate: %q, want %q (ten characters, not bytes)", got, want)
	}
}

func TestJSONShape(t *testing.T) {
	org, depts := fixtureChart()
	var out bytes.Buffer
	if err := renderData(&out, buildChart(org, depts), outputJSON); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Counts struct {
			Total, Ready int
			NotReady     map[string]int
			Unmanaged    *int
		}
		Tree []struct {
			Kind, Key, Name, Object string
			Children                []struct {
				Key, Name, Object, Reason, Message string
				Ready                              *bool
				Children                           []json.RawMessage
			}
		}
		Cycles []struct {
			Keys    []string
			Members []struct{ Key string }
		}
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, out.String())
	}
	if doc.Counts.Total != 18 || doc.Counts.Ready != 6 || doc.Counts.NotReady[v1alpha1.ReasonDrifted] != 2 || doc.Counts.Unmanaged == nil || *doc.Counts.Unmanaged != 3 {
		t.Errorf("counts %+v", doc.Counts)
	}
	if len(doc.Tree) != 4 || doc.Tree[0].Kind != kindDepartment || doc.Tree[0].Key != "acme" || doc.Tree[0].Object != "acme" || doc.Tree[1].Kind != kindParent {
		t.Fatalf("tree roots %+v", doc.Tree)
	}
	rnd := doc.Tree[0].Children[3]
	if rnd.Key != "rnd" || rnd.Name != "R&D" || rnd.Reason != v1alpha1.ReasonInvalidSpec || rnd.Ready == nil || *rnd.Ready || !strings.Contains(rnd.Message, "(code 400)") || len(rnd.Children) != 1 {
		t.Errorf("rnd %+v: want its whole message and its child", rnd)
	}
	if len(doc.Cycles) != 1 || !slices.Equal(doc.Cycles[0].Keys, []string{"loop-a", "loop-b", "loop-a"}) || len(doc.Cycles[0].Members) != 2 {
		t.Errorf("cycles %+v", doc.Cycles)
	}

	// YAML is the same document.
	var yamlOut bytes.Buffer
	if err := renderData(&yamlOut, buildChart(org, depts), outputYAML); err != nil {
		t.Fatal(err)
	}
	fromYAML, err := yaml.YAMLToJSON(yamlOut.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	if err := json.Unmarshal(out.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(fromYAML, &b); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("-o yaml is not -o json's document (-json +yaml):\n%s", diff)
	}
}
