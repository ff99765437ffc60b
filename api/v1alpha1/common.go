package v1alpha1

// ManagementPolicy says whether orgsync may write to the remote system.
// +kubebuilder:validation:Enum=Manage;Observe
type ManagementPolicy string

const (
	// ManagementPolicyManage creates, updates and deletes remote objects to match the spec.
	ManagementPolicyManage ManagementPolicy = "Manage"
	// ManagementPolicyObserve only reads the remote object and reports what it finds.
	ManagementPolicyObserve ManagementPolicy = "Observe"
)

// DeletionPolicy says what happens to the remote object when the Kubernetes object is deleted.
// +kubebuilder:validation:Enum=Delete;Orphan
type DeletionPolicy string

const (
	// DeletionPolicyDelete deletes the remote object.
	DeletionPolicyDelete DeletionPolicy = "Delete"
	// DeletionPolicyOrphan leaves the remote object in place.
	DeletionPolicyOrphan DeletionPolicy = "Orphan"
)

// ConditionReady is the condition every orgsync object carries.
const ConditionReady = "Ready"

// ConditionConnected is True, on an Organization, while its credentials are accepted and its
// remote department chart could be listed completely: its Departments sync while it holds, even
// when the remote organization API (a different service) fails.
const ConditionConnected = "Connected"

// Reasons of the Ready condition.
const (
	// ReasonSynced: the remote system matches the spec.
	ReasonSynced = "Synced"
	// ReasonWaitingForOrganization: the referenced Organization is missing or not Ready.
	ReasonWaitingForOrganization = "WaitingForOrganization"
	// ReasonWaitingForParent: the parent department does not exist remotely yet.
	ReasonWaitingForParent = "WaitingForParent"
	// ReasonParentCycle: following parentExternalKey leads back to this department.
	ReasonParentCycle = "ParentCycle"
	// ReasonConflict: another Department of the same Organization claims the same external key.
	ReasonConflict = "Conflict"
	// ReasonCredentialsInvalid: the credentials Secret is missing, incomplete or rejected.
	ReasonCredentialsInvalid = "CredentialsInvalid"
	// ReasonInvalidSpec: the remote system rejected the values; nothing is retried until the spec
	// changes or the remote chart changes around the department (a sibling renamed, a parent moved).
	ReasonInvalidSpec = "InvalidSpec"
	// ReasonUnsupportedChange: the remote system offers no way to make the change the spec asks
	// for (OneAccess cannot move a unit to the top level); nothing is sent, and the message says
	// what to do instead.
	ReasonUnsupportedChange = "UnsupportedChange"
	// ReasonNotApplied: the remote system accepted an update, but the listing made after it still
	// shows the fields it changed as they were; it is not sent again until the spec or the remote
	// department changes.
	ReasonNotApplied = "NotApplied"
	// ReasonRemoteError: a transient remote failure; retried with backoff.
	ReasonRemoteError = "RemoteError"
	// ReasonDeletionBlocked: sub-departments still exist, or the remote system refused the delete.
	ReasonDeletionBlocked = "DeletionBlocked"
	// ReasonDrifted: in Observe mode, the remote object is absent or differs from the spec.
	ReasonDrifted = "Drifted"
	// ReasonDeleting: the object is being deleted and waits for what it owns to go.
	ReasonDeleting = "Deleting"
	// ReasonDeletionPending: a Department deleted on its own waits a short grace period before it
	// deletes its remote department, so that an Organization deleted together with it (whose
	// deletionPolicy Orphan leaves the chart in place) is seen first.
	ReasonDeletionPending = "DeletionPending"
	// ReasonDeletionBudgetExceeded: remote deletions wait because the Organization's deletion
	// budget is spent; orgsync.dev/approve-deletions lets them through.
	ReasonDeletionBudgetExceeded = "DeletionBudgetExceeded"
	// ReasonPaused: the annotation orgsync.dev/paused stops every remote call for the object (on
	// a Department, or on its Organization); a deletion waits until it is removed.
	ReasonPaused = "Paused"
)

// Annotations a person sets on Organizations and Departments.
const (
	// AnnotationPaused, set to "true" on an Organization (and so on all its Departments) or on one
	// Department, stops every remote call for it until it is removed.
	AnnotationPaused = "orgsync.dev/paused"
	// AnnotationReconcileRequestedAt, set to any new value (a timestamp, say) on an Organization,
	// lists its remote chart again and re-checks its Departments at once; the value handled is
	// recorded in status.lastHandledReconcileAt.
	AnnotationReconcileRequestedAt = "orgsync.dev/reconcile-requested-at"
	// AnnotationApproveDeletions, set to a number n on an Organization, lets n more remote
	// deletions through its spent deletion budget; orgsync removes it once it has counted them.
	AnnotationApproveDeletions = "orgsync.dev/approve-deletions"
)

// Reasons lists every reason of the Ready condition.
var Reasons = []string{
	ReasonSynced, ReasonWaitingForOrganization, ReasonWaitingForParent, ReasonParentCycle, ReasonConflict,
	ReasonCredentialsInvalid, ReasonInvalidSpec, ReasonUnsupportedChange, ReasonNotApplied, ReasonRemoteError,
	ReasonDeletionBlocked, ReasonDrifted, ReasonDeleting, ReasonDeletionPending, ReasonPaused, ReasonDeletionBudgetExceeded,
}

// IsPaused reports whether obj carries orgsync.dev/paused: "true".
func IsPaused(obj interface{ GetAnnotations() map[string]string }) bool {
	return obj.GetAnnotations()[AnnotationPaused] == "true"
}

// LocalObjectReference names an object in the same namespace.
type LocalObjectReference struct {
	// name of the referenced object, in the same namespace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}
