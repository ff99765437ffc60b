package decision

import (
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// Budget is where an Organization's deletion budget stands: the remote deletions made in its
// current window and the ones a person approved beyond it. The manager keeps one per
// Organization, records it in its own record of the Organization's remote chart
// (v1alpha1.RemoteTarget, RecordedBudget) and shows it in status.deletions; `kubectl orgsync
// plan` loads one from that status (BudgetOf) and counts its planned deletes with the same Reserve.
type Budget struct {
	WindowStart time.Time
	Made        int32
	Approved    int32
}

// BudgetOf is the budget org's status shows: a prediction's input only (`kubectl orgsync
// plan`), as anyone allowed to write the status could set it; the manager reads RecordedBudget.
func BudgetOf(org *v1alpha1.Organization) Budget {
	if d := org.Status.Deletions; d != nil {
		return budgetAt(d.WindowStart, d.Made, d.Approved)
	}
	return Budget{}
}

// RecordedBudget is the budget the manager's record holds (none: nothing spent).
func RecordedBudget(d *v1alpha1.DeletionRecord) Budget {
	if d == nil {
		return Budget{}
	}
	return budgetAt(d.WindowStart, d.Made, d.Approved)
}

func budgetAt(windowStart *metav1.Time, made, approved int32) Budget {
	b := Budget{Made: made, Approved: approved}
	if windowStart != nil {
		b.WindowStart = windowStart.Time
	}
	return b
}

// Record is the budget as the manager's record holds it.
func (b Budget) Record() *v1alpha1.DeletionRecord {
	d := &v1alpha1.DeletionRecord{Made: b.Made, Approved: b.Approved}
	if !b.WindowStart.IsZero() {
		d.WindowStart = &metav1.Time{Time: b.WindowStart}
	}
	return d
}

// Recorded reports whether b is what a record of it holds: the same counts, and the window's
// start to the second (a record keeps no finer time).
func (b Budget) Recorded(d *v1alpha1.DeletionRecord) bool {
	r := RecordedBudget(d)
	return r.Made == b.Made && r.Approved == b.Approved && r.WindowStart.Unix() == b.WindowStart.Unix()
}

// Reserve counts one remote delete at now against org's budget (its own or the default) and
// reports whether it may go ahead: within the window's allowance, or on an approval. A window
// that is over starts again at now.
func (b *Budget) Reserve(org *v1alpha1.Organization, now time.Time) bool {
	maxDeletions, _ := org.Spec.EffectiveDeletionBudget()
	if !b.Running(org, now) {
		b.WindowStart, b.Made = now, 0
	}
	switch {
	case b.Made < maxDeletions:
	case b.Approved > 0:
		b.Approved--
	default:
		return false
	}
	b.Made++
	return true
}

// MadeAt is how many deletions count against the window at now: none once it is over (the next
// delete starts a new one).
func (b Budget) MadeAt(org *v1alpha1.Organization, now time.Time) int32 {
	if !b.Running(org, now) {
		return 0
	}
	return b.Made
}

// Running reports whether the window that started at WindowStart still runs at now.
func (b Budget) Running(org *v1alpha1.Organization, now time.Time) bool {
	_, window := org.Spec.EffectiveDeletionBudget()
	return now.Before(b.WindowStart.Add(window))
}

// Status is the budget as status.deletions records it, with held deletions waiting.
func (b Budget) Status(held int) *v1alpha1.DeletionStatus {
	s := &v1alpha1.DeletionStatus{Made: b.Made, Approved: b.Approved, Held: int32(held)} //nolint:gosec // G115: a count of Departments
	if !b.WindowStart.IsZero() {
		s.WindowStart = &metav1.Time{Time: b.WindowStart}
	}
	return s
}

// Approval reads the annotation orgsync.dev/approve-deletions on org: the number of deletions
// it lets through beyond the budget (present), and whether that is a positive number (valid).
func Approval(org *v1alpha1.Organization) (n int32, present, valid bool) {
	value, present := org.Annotations[v1alpha1.AnnotationApproveDeletions]
	if !present {
		return 0, false, false
	}
	parsed, err := strconv.ParseInt(strings.TrimSpace(value), 10, 32)
	if err != nil || parsed <= 0 {
		return 0, true, false
	}
	return int32(parsed), true, true
}
