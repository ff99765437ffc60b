package controller

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

func TestTallyFollowsCreatesReadinessAndDeletes(t *testing.T) {
	var tally departmentTally
	acme := types.NamespacedName{Namespace: "ns", Name: "acme"}
	ready := func(d *v1alpha1.Department) *v1alpha1.Department {
		r := d.DeepCopy()
		r.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonSynced, ObservedGeneration: d.Generation}}
		return r
	}
	hq, eng := testDepartment("hq", ""), testDepartment("eng", "hq")
	renamed := testDepartment("eng-2", "hq", func(d *v1alpha1.Department) { d.UID = "uid-eng-2"; d.Spec.ExternalKey = "eng" })

	tally.observe(nil, hq)
	tally.observe(nil, eng)
	tally.observe(nil, renamed)
	tally.observe(hq, ready(hq))
	tally.observe(ready(hq), ready(hq)) // a repeated event counts once
	if got := tally.counts(acme); got.Total != 3 || got.Ready != 1 {
		t.Fatalf("counts = %+v, want 3 of which 1 Ready", got)
	}
	tally.observe(eng, nil)
	claims := map[string]bool{}
	tally.withClaims(acme, func(claimed func(string) bool) {
		for _, key := range []string{"hq", "eng", "sales"} {
			claims[key] = claimed(key)
		}
	})
	if !claims["hq"] || !claims["eng"] || claims["sales"] {
		t.Fatalf("claims after one of two claimants of eng went: %v", claims)
	}
	tally.observe(renamed, nil)
	tally.observe(ready(hq), nil)
	if got := tally.counts(acme); got.Total != 0 || got.Ready != 0 {
		t.Fatalf("counts after every Department went = %+v", got)
	}
	tally.withClaims(acme, func(claimed func(string) bool) {
		if claimed("eng") || claimed("hq") {
			t.Fatal("keys still claimed after their Departments went")
		}
	})
}
