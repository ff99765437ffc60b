package decision

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// Organization is what a Department's decisions need to know of its Organization object.
type Organization struct {
	Name      string
	Exists    bool
	Deleting  bool
	Paused    bool
	Connected bool
	// Orphans: the Organization is being deleted with deletionPolicy Orphan, which leaves the
	// remote chart as it is.
	Orphans bool
	// ObserveOnly: its managementPolicy is Observe, so its Departments only read.
	ObserveOnly bool
}

// OrganizationOf reads org (nil: it does not exist, under name): connected while its Connected
// condition holds for its current generation. The manager also requires its own record to name
// org as the holder of its chart (a status anyone may have written connects nothing);
// `kubectl orgsync plan` reads the condition alone.
func OrganizationOf(name string, org *v1alpha1.Organization) Organization {
	if org == nil {
		return Organization{Name: name}
	}
	deleting := !org.DeletionTimestamp.IsZero()
	return Organization{
		Name:        org.Name,
		Exists:      true,
		Deleting:    deleting,
		Paused:      v1alpha1.IsPaused(org),
		Connected:   Holds(org.Status.Conditions, v1alpha1.ConditionConnected, org.Generation),
		Orphans:     deleting && org.Spec.DeletionPolicy != v1alpha1.DeletionPolicyDelete,
		ObserveOnly: org.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserve,
	}
}

// HeldByAnother reports whether org's Connected condition says, for its current generation, that
// another Organization holds its chart (Conflict): its Departments wait, and a deleting one leaves
// the chart as it is. `kubectl orgsync plan` reads it so; the manager decides from its record.
func HeldByAnother(org *v1alpha1.Organization) bool {
	if org == nil {
		return false
	}
	c := meta.FindStatusCondition(org.Status.Conditions, v1alpha1.ConditionConnected)
	return c != nil && c.Status == metav1.ConditionFalse && c.Reason == v1alpha1.ReasonConflict && c.ObservedGeneration == org.Generation
}

// Refusal is the remote system's refusal of a Department's spec as its Ready condition records
// it, and until what the manager sends the same values again.
type Refusal struct {
	Reason, Message string
	// Until says what must change first.
	Until string
}

// RefusalOf reads a refusal of the spec at generation from conditions: Ready InvalidSpec (the
// remote system refused the values) or NotApplied (it accepted an update and did not apply it)
// about that generation. The manager remembers the same in memory; `kubectl orgsync plan`, which
// has only the condition, reads it with this.
func RefusalOf(conditions []metav1.Condition, generation int64) (Refusal, bool) {
	c := meta.FindStatusCondition(conditions, v1alpha1.ConditionReady)
	if c == nil || c.ObservedGeneration != generation {
		return Refusal{}, false
	}
	switch c.Reason {
	case v1alpha1.ReasonInvalidSpec:
		return Refusal{Reason: c.Reason, Message: c.Message, Until: "the spec or the departments around it change"}, true
	case v1alpha1.ReasonNotApplied:
		return Refusal{Reason: c.Reason, Message: c.Message, Until: "the spec or the remote department changes"}, true
	}
	return Refusal{}, false
}
