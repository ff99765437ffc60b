package decision

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

func budgeted(maxDeletions int32, annotations map[string]string, status *v1alpha1.DeletionStatus) *v1alpha1.Organization {
	return &v1alpha1.Organization{
		ObjectMeta: metav1.ObjectMeta{Name: "acme", Annotations: annotations},
		Spec: v1alpha1.OrganizationSpec{DeletionBudget: &v1alpha1.DeletionBudget{
			MaxDeletions: maxDeletions, Window: &metav1.Duration{Duration: time.Hour},
		}},
		Status: v1alpha1.OrganizationStatus{Deletions: status},
	}
}

func TestBudgetReserve(t *testing.T) {
	start := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	cases := map[string]struct {
		budget Budget
		at     time.Duration // after start
		want   bool
		after  Budget
	}{
		"within the allowance":    {Budget{WindowStart: start, Made: 1}, time.Minute, true, Budget{WindowStart: start, Made: 2}},
		"spent":                   {Budget{WindowStart: start, Made: 2}, time.Minute, false, Budget{WindowStart: start, Made: 2}},
		"spent, with an approval": {Budget{WindowStart: start, Made: 2, Approved: 1}, time.Minute, true, Budget{WindowStart: start, Made: 3}},
		"the window is over":      {Budget{WindowStart: start, Made: 2}, time.Hour, true, Budget{WindowStart: start.Add(time.Hour), Made: 1}},
		"never used":              {Budget{}, 0, true, Budget{WindowStart: start, Made: 1}},
	}
	org := budgeted(2, nil, nil)
	for name, tc := range cases {
		b := tc.budget
		if got := b.Reserve(org, start.Add(tc.at)); got != tc.want || b != tc.after {
			t.Errorf("%s: %t %+v, want %t %+v", name, got, b, tc.want, tc.after)
		}
	}
}

func TestBudgetOfStatusAndMadeAt(t *testing.T) {
	start := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	org := budgeted(2, nil, &v1alpha1.DeletionStatus{WindowStart: &metav1.Time{Time: start}, Made: 2, Approved: 1})
	b := BudgetOf(org)
	if b != (Budget{WindowStart: start, Made: 2, Approved: 1}) {
		t.Fatalf("BudgetOf = %+v", b)
	}
	if got := b.MadeAt(org, start.Add(time.Minute)); got != 2 {
		t.Errorf("MadeAt within the window = %d, want 2", got)
	}
	if got := b.MadeAt(org, start.Add(time.Hour)); got != 0 {
		t.Errorf("MadeAt after the window = %d, want 0", got)
	}
	if s := b.Status(3); s.Made != 2 || s.Approved != 1 || s.Held != 3 || !s.WindowStart.Time.Equal(start) {
		t.Errorf("Status = %+v", s)
	}
	if s := (Budget{}).Status(0); s.WindowStart != nil {
		t.Errorf("an unused budget records a window start: %+v", s)
	}
}

func TestApproval(t *testing.T) {
	for value, want := range map[string]struct {
		n              int32
		present, valid bool
	}{
		"3":    {3, true, true},
		"12\n": {12, true, true},
		"0":    {0, true, false},
		"-1":   {0, true, false},
		"many": {0, true, false},
	} {
		n, present, valid := Approval(budgeted(1, map[string]string{v1alpha1.AnnotationApproveDeletions: value}, nil))
		if n != want.n || present != want.present || valid != want.valid {
			t.Errorf("%q: %d %t %t, want %+v", value, n, present, valid, want)
		}
	}
	if _, present, _ := Approval(budgeted(1, nil, nil)); present {
		t.Error("no annotation read as present")
	}
}
