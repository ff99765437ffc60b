package controller

import (
	"context"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"

	"github.com/orgsync/orgsync/api/v1alpha1"
	rules "github.com/orgsync/orgsync/internal/decision"
)

func budgetedOrganization(maxDeletions int32, window time.Duration) *v1alpha1.Organization {
	return &v1alpha1.Organization{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "acme", UID: "uid-acme"},
		Spec: v1alpha1.OrganizationSpec{DeletionBudget: &v1alpha1.DeletionBudget{
			MaxDeletions: maxDeletions, Window: &metav1.Duration{Duration: window},
		}},
	}
}

func TestBudgetHoldsBeyondTheWindowsAllowanceUntilApprovedOrTheWindowMovesOn(t *testing.T) {
	b := NewBudgets()
	org := budgetedOrganization(2, time.Hour)
	start := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for i, key := range []string{"a", "b"} {
		if !b.reserve(org, key, start.Add(time.Duration(i)*time.Minute)) {
			t.Fatalf("deletion %d of 2 held", i+1)
		}
	}
	for _, key := range []string{"c", "d", "c"} { // c asks twice: held once
		if b.reserve(org, key, start.Add(10*time.Minute)) {
			t.Fatalf("%s let through beyond the budget", key)
		}
	}
	if s := b.status(org.UID); s.Made != 2 || s.Held != 2 || !s.WindowStart.Time.Equal(start) {
		t.Fatalf("status %+v, want 2 made and 2 held since %s", s, start)
	}

	b.approve(org.UID, 1)
	if !b.reserve(org, "c", start.Add(20*time.Minute)) || b.reserve(org, "d", start.Add(20*time.Minute)) {
		t.Fatal("one approval should let exactly one more through")
	}
	if s := b.status(org.UID); s.Made != 3 || s.Held != 1 || s.Approved != 0 {
		t.Fatalf("status %+v, want 3 made, 1 held, nothing approved left", s)
	}

	b.forget(org, "d") // its Department no longer waits
	if s := b.status(org.UID); s.Held != 0 {
		t.Fatalf("held %d after forget, want 0", s.Held)
	}

	// The next window starts with the first deletion after the hour.
	later := start.Add(time.Hour + time.Minute)
	if !b.reserve(org, "e", later) {
		t.Fatal("held in a new window")
	}
	if s := b.status(org.UID); s.Made != 1 || !s.WindowStart.Time.Equal(later) {
		t.Fatalf("status %+v, want a new window from %s with 1 made", s, later)
	}
}

func TestBudgetResumesFromTheManagersRecordAfterARestart(t *testing.T) {
	org := budgetedOrganization(2, time.Hour)
	start := time.Now().Add(-10 * time.Minute)
	// The status says the budget is spent: anyone allowed to write it could say so.
	org.Status.Deletions = &v1alpha1.DeletionStatus{WindowStart: &metav1.Time{Time: start}, Made: 9, Held: 3}
	recorded := &v1alpha1.DeletionRecord{WindowStart: &metav1.Time{Time: start}, Made: 2, Approved: 1}
	b := NewBudgets()
	b.load(org.UID, rules.RecordedBudget(recorded))
	if !b.reserve(org, "a", time.Now()) {
		t.Fatal("the approval recorded before the restart was lost")
	}
	if b.reserve(org, "b", time.Now()) {
		t.Fatal("the deletions made before the restart were forgotten")
	}
	// Loading again (every reconcile) changes nothing.
	b.load(org.UID, rules.Budget{})
	if s := b.status(org.UID); s.Made != 3 || s.Held != 1 {
		t.Fatalf("status %+v, want 3 made and 1 held", s)
	}
	if spent := b.spent(org.UID); !spent.Recorded(spent.Record()) || spent.Made != 3 || spent.Approved != 0 {
		t.Fatalf("spent %+v does not round-trip through its record", spent)
	}
}

func TestNoBudgetMeansTheDefault(t *testing.T) {
	b := NewBudgets()
	org := budgetedOrganization(0, time.Hour)
	org.Spec.DeletionBudget = nil // an object that did not pass through the API server's defaulting
	now := time.Now()
	for i := range v1alpha1.DefaultMaxDeletions {
		if !b.reserve(org, fmt.Sprintf("k%d", i), now) {
			t.Fatalf("deletion %d held within the default budget", i)
		}
	}
	if b.reserve(org, "one-too-many", now) {
		t.Fatalf("deletion %d went through beyond the default budget", v1alpha1.DefaultMaxDeletions+1)
	}
	if !b.reserve(org, "next-window", now.Add(v1alpha1.DefaultDeletionWindow)) {
		t.Fatal("held in the next window")
	}
}

// After a restart, a deleting Department may be reconciled before its Organization: its remote
// delete counts in the budget the manager recorded, not in a new one that the Organization's
// first reconcile would then replace, letting another allowance of deletes through uncounted.
func TestADepartmentReconciledBeforeItsOrganizationKeepsTheRecordedBudget(t *testing.T) {
	ctx := context.Background()
	org := budgetedOrganization(2, time.Hour)
	org.Spec.Workplace.CompanyID = "company"
	rec := &v1alpha1.RemoteTarget{
		ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.RemoteTargetName(remoteTarget(org))},
		Spec: v1alpha1.RemoteTargetSpec{
			Target:    remoteTarget(org),
			Holder:    v1alpha1.TargetHolder{Namespace: org.Namespace, Name: org.Name, UID: org.UID},
			Deletions: &v1alpha1.DeletionRecord{WindowStart: &metav1.Time{Time: time.Now().Add(-10 * time.Minute)}, Made: 1},
		},
	}
	dept := testDepartment("eng", "", actDeleting)
	k8s := fakeClient(t, org, rec, dept)
	budgets := NewBudgets()
	depts := &DepartmentReconciler{Shared: Shared{Client: k8s, Budgets: budgets}}
	orgs := &OrganizationReconciler{Shared: Shared{Client: k8s, Budgets: budgets}, Recorder: events.NewFakeRecorder(10)}

	s := &rules.Snapshot{Dept: dept}
	gathered, err := depts.gatherOrganization(ctx, s)
	if err != nil || gathered == nil {
		t.Fatalf("gathered %v, %v; want the Organization", gathered, err)
	}
	if !budgets.reserve(gathered, "eng", time.Now()) {
		t.Fatal("the one deletion the recorded budget has left was held")
	}
	if budgets.reserve(gathered, "ops", time.Now()) {
		t.Fatal("a deletion beyond the recorded budget went through: the deletions made before the restart were forgotten")
	}
	if err := orgs.takeApproval(ctx, org, rec); err != nil {
		t.Fatal(err)
	}
	if spent := budgets.spent(org.UID); spent.Made != 2 {
		t.Fatalf("spent %+v after the Organization's reconcile, want the 2 deletions made", spent)
	}
}

// The budget counts departments deleted, not attempts: a delete tried again after a failure
// counts once; once made, a later delete of the key (a department made again under it) counts
// anew, as does every key in a new window.
func TestBudgetCountsDeletionsNotAttempts(t *testing.T) {
	b := NewBudgets()
	org := budgetedOrganization(2, time.Hour)
	start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for i := range 3 {
		if !b.reserve(org, "a", start.Add(time.Duration(i)*time.Minute)) {
			t.Fatalf("attempt %d of one delete held", i+1)
		}
	}
	if made := b.spent(org.UID).Made; made != 1 {
		t.Fatalf("%d deletions counted for three attempts of one, want 1", made)
	}
	b.done(org, "a")
	if !b.reserve(org, "a", start.Add(10*time.Minute)) || b.reserve(org, "b", start.Add(10*time.Minute)) {
		t.Fatal("after a made delete, the key's next delete should count, and the budget of 2 then be spent")
	}
	if !b.reserve(org, "a", start.Add(11*time.Minute)) {
		t.Fatal("a delete counted in the window, tried again, was held")
	}
	later := start.Add(time.Hour + time.Minute)
	if !b.reserve(org, "b", later) || !b.reserve(org, "a", later) || b.reserve(org, "c", later) {
		t.Fatal("in a new window every key should count anew: 2 allowed, the third held")
	}
}
