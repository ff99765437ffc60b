package controller

import (
	"cmp"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
	rules "github.com/orgsync/orgsync/internal/decision"
	"github.com/orgsync/orgsync/internal/provider"
)

// recordStatus puts on dept's status what one reconcile concluded: the Ready condition and the
// generation it describes, and, for a department found or made in sync, its keys and remote id,
// whether it adopted an existing remote department (with an Event), and when it last synced. It
// is the one place that sets a Department's status; reconcileObject patches it.
func (r *DepartmentReconciler) recordStatus(dept *v1alpha1.Department, sc *departmentScope, res acted) {
	self := sc.s.Remote.Self
	// The snapshot's remote department existed before this reconcile: what it wrote, if anything,
	// was an update, not a create.
	if rules.Adopts(dept, res.synced, self != nil) {
		dept.Status.Adopted = true
		r.Recorder.Eventf(dept, nil, corev1.EventTypeNormal, "Adopted", "Adopt", "Took over the existing remote department %q", dept.Key())
	}
	changed := recordOutcome(r.Recorder, dept, res.outcome)
	if !res.keepCondition {
		dept.Status.DriftedFields = res.drift.Strings()
	}
	if !res.synced {
		return
	}
	if res.written != nil || self != nil {
		dept.Status.RemoteID = remoteID(res.written, self)
	}
	dept.Status.ExternalKey = dept.Key()
	dept.Status.ParentExternalKey = cmp.Or(dept.Spec.ParentExternalKey, v1alpha1.TopLevelParentKey)
	if res.wrote || changed || dept.Status.LastSyncTime == nil {
		now := metav1.Now()
		dept.Status.LastSyncTime = &now
	}
}

// remoteID is the remote id of the department as written (a write answers with what was sent,
// which may lack the id) or else as listed.
func remoteID(written, listed *provider.Department) string {
	var w, l string
	if written != nil {
		w = written.RemoteID
	}
	if listed != nil {
		l = listed.RemoteID
	}
	return cmp.Or(w, l)
}
