package v1alpha1

import (
	"crypto/sha256"
	"encoding/hex"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// RemoteTargetSpec is the manager's record of one remote chart (an NCP WORKPLACE company, a
// Huawei Cloud OneAccess tenant): the Organization that holds it, and that Organization's
// deletion budget. Only the manager writes it.
type RemoteTargetSpec struct {
	// target names the remote chart, as the manager normalises it.
	Target string `json:"target"`
	// holder is the Organization that holds the chart: the first whose credentials listed it.
	Holder TargetHolder `json:"holder"`
	// deletions is where the holder's deletion budget stands.
	// +optional
	Deletions *DeletionRecord `json:"deletions,omitempty"`
}

// TargetHolder names an Organization, by UID too: one deleted and created again under the same
// name holds nothing.
type TargetHolder struct {
	Namespace string    `json:"namespace"`
	Name      string    `json:"name"`
	UID       types.UID `json:"uid"`
}

// DeletionRecord is where an Organization's deletion budget stands, as the manager records it
// for itself (status.deletions shows the same to people).
type DeletionRecord struct {
	// +optional
	WindowStart *metav1.Time `json:"windowStart,omitempty"`
	// +optional
	Made int32 `json:"made,omitempty"`
	// +optional
	Approved int32 `json:"approved,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster
// +kubebuilder:printcolumn:name="TARGET",type=string,JSONPath=`.spec.target`
// +kubebuilder:printcolumn:name="NAMESPACE",type=string,JSONPath=`.spec.holder.namespace`
// +kubebuilder:printcolumn:name="ORGANIZATION",type=string,JSONPath=`.spec.holder.name`
// +kubebuilder:printcolumn:name="AGE",type=date,JSONPath=`.metadata.creationTimestamp`

// RemoteTarget is the manager's own record of who holds a remote chart. It is cluster-scoped and
// no role a tenant is given grants any verb on it, so that no tenant, and no one who may write an
// Organization's status, can take another namespace's chart or reset a deletion budget. The
// manager creates it when an Organization's credentials first list the chart (the first one
// wins: create fails for the second) and deletes it when that Organization goes.
type RemoteTarget struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec RemoteTargetSpec `json:"spec"`
}

// RemoteTargetName is the name of the RemoteTarget of target: a hash, since a target is longer
// than a name may be and has characters a name may not.
func RemoteTargetName(target string) string {
	sum := sha256.Sum256([]byte(target))
	return "target-" + hex.EncodeToString(sum[:20])
}

// +kubebuilder:object:root=true

// RemoteTargetList is a list of RemoteTargets.
type RemoteTargetList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []RemoteTarget `json:"items"`
}

func init() {
	register(&RemoteTarget{}, &RemoteTargetList{})
}
