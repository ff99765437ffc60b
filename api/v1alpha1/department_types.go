package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TopLevelParentKey is status.parentExternalKey of a department synced at the top level. It is
// the API's marker, not a remote system's: each provider maps the top level to its own.
const TopLevelParentKey = "#"

// LocalizedName is a department's name in one language: 1 to 100 characters, no control characters or line breaks.
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:MaxLength=100
// +kubebuilder:validation:Pattern=`^[^\p{Cc}\p{Zl}\p{Zp}]+$`
type LocalizedName string

// DepartmentSpec is the desired state of a Department.
type DepartmentSpec struct {
	// organizationRef names the Organization, in this namespace, the department belongs to.
	// Immutable: moving a department to another Organization would orphan it in one remote
	// system and adopt or create it in another.
	// +kubebuilder:validation:XValidation:rule="self.name == oldSelf.name",message="organizationRef is immutable"
	OrganizationRef LocalObjectReference `json:"organizationRef"`

	// externalKey is the department's key in WORKPLACE. Defaults to metadata.name; immutable once set.
	// At most 36 characters (WORKPLACE's path parameter), and none of /, ?, #, % (they would
	// change the URL it is sent in), spaces, control or invisible format characters (U+200B,
	// U+202E...): keys are matched character for character, and one that looks like another
	// would leave its children waiting for a parent that seems to exist.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=36
	// +kubebuilder:validation:Pattern=`^[^/?#%\p{Z}\p{C}]+$`
	// +kubebuilder:validation:XValidation:rule="self != '.' && self != '..'",message="externalKey must not be . or .."
	// +optional
	ExternalKey string `json:"externalKey,omitempty"`

	// name is the department's display name: at most 100 characters, at least one of them visible,
	// and no control characters or line breaks. Other characters, bidirectional controls and
	// combining marks included, are sent as written (OneAccess accepts fewer: letters, digits,
	// spaces, -, _ and &).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=100
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'[\p{Cc}\p{Zl}\p{Zp}]')`,message="name must not contain control characters or line breaks"
	// +kubebuilder:validation:XValidation:rule=`self.matches(r'[^\p{Z}\p{C}]')`,message="name must contain a visible character"
	Name string `json:"name"`

	// i18nNames maps a locale such as ko_KR or en_US (2 to 20 characters) to the department's name
	// in that language (1 to 100 characters, no control characters or line breaks); at most 50.
	// Omitted, the localized names are not orgsync's: whatever the remote department holds is kept
	// and never reported as drift. Set, they are exactly these; {} clears them.
	// +kubebuilder:validation:MaxProperties=50
	// +kubebuilder:validation:XValidation:rule="self.all(k, size(k) >= 2 && size(k) <= 20)",message="each i18nNames key must be a locale (2-20 characters)"
	// +optional
	I18nNames map[string]LocalizedName `json:"i18nNames,omitzero"`

	// parentExternalKey is the external key of the parent department. Empty or omitted makes a
	// top-level department. The parent may be another Department of the same Organization or a
	// department that already exists in WORKPLACE.
	// +kubebuilder:validation:MaxLength=36
	// +kubebuilder:validation:Pattern=`^([^/?#%\p{Z}\p{C}]+)?$`
	// +kubebuilder:validation:XValidation:rule="self != '.' && self != '..'",message="parentExternalKey must not be . or .."
	// +optional
	ParentExternalKey string `json:"parentExternalKey,omitempty"`

	// emailAddress is the department's e-mail address. Omitted, the address is not orgsync's:
	// whatever the remote department holds is kept and never reported as drift. "" clears it.
	// +kubebuilder:validation:MaxLength=100
	// +kubebuilder:validation:Pattern=`^([^@\p{Z}\p{C}]+@[^@\p{Z}\p{C}]+\.[^@\p{Z}\p{C}]+)?$`
	// +optional
	EmailAddress *string `json:"emailAddress,omitempty"`

	// externalEmailReceive says whether the department receives e-mail from outside the company.
	// Omitted, the remote department's setting is kept and never reported as drift.
	// +optional
	ExternalEmailReceive *bool `json:"externalEmailReceive,omitempty"`

	// displayOrder is the department's position among its siblings, a decimal number as a string.
	// Omitted, the remote department's position is kept and never reported as drift (a department
	// orgsync creates gets "1", as WORKPLACE requires one).
	// +kubebuilder:validation:MaxLength=10
	// +kubebuilder:validation:Pattern=`^[0-9]+(\.[0-9]+)?$`
	// +optional
	DisplayOrder string `json:"displayOrder,omitempty"`

	// category is the kind of organization unit, for providers that have one (Huawei Cloud
	// OneAccess). Omitted, the unit's category is kept and never reported as drift (a unit orgsync
	// creates gets OneAccess's default, "department"). NCP WORKPLACE ignores it.
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^([A-Za-z0-9_-]+)?$`
	// +optional
	Category string `json:"category,omitempty"`

	// deletionPolicy says what happens to the WORKPLACE department when this object is deleted:
	// Delete (default) deletes it, Orphan leaves it.
	// +kubebuilder:default=Delete
	// +optional
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// managementPolicy is Manage (default) to create and update the department, or Observe to only
	// read and report.
	// +kubebuilder:default=Manage
	// +optional
	ManagementPolicy ManagementPolicy `json:"managementPolicy,omitempty"`
}

// DepartmentStatus is the observed state of a Department.
type DepartmentStatus struct {
	// externalKey is the key the department is synced under.
	// +optional
	ExternalKey string `json:"externalKey,omitempty"`
	// parentExternalKey is the parent the department was last synced under ("#" for top level).
	// +optional
	ParentExternalKey string `json:"parentExternalKey,omitempty"`
	// remoteId is the provider's own identifier of the department when it has one besides the
	// external key (Huawei Cloud OneAccess org_id).
	// +optional
	RemoteID string `json:"remoteId,omitempty"`
	// lastSyncTime is when orgsync last wrote the remote department, or first found it matching the
	// spec; a resync that finds nothing to change does not write it.
	// +optional
	LastSyncTime *metav1.Time `json:"lastSyncTime,omitempty"`
	// adopted is true when the remote department already existed when this Department first
	// synced, and orgsync took it over rather than creating it (a chart imported from the
	// remote system, or made by hand first).
	// +optional
	Adopted bool `json:"adopted,omitempty"`
	// driftedFields are, while Ready is False with reason Drifted (managementPolicy Observe), the
	// spec fields the remote department holds differently, compared as its provider means them;
	// empty when the remote department does not exist, and whenever the Department is not Drifted.
	// +listType=set
	// +optional
	DriftedFields []string `json:"driftedFields,omitempty"`
	// observedGeneration is the generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// conditions: Ready, with a reason and a message.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=dept;depts,categories=orgsync
// +kubebuilder:printcolumn:name="KEY",type=string,JSONPath=`.status.externalKey`
// +kubebuilder:printcolumn:name="NAME",type=string,JSONPath=`.spec.name`
// +kubebuilder:printcolumn:name="PARENT",type=string,JSONPath=`.spec.parentExternalKey`
// +kubebuilder:printcolumn:name="READY",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="REASON",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="AGE",type=date,JSONPath=`.metadata.creationTimestamp`

// Department is one WORKPLACE department.
// +kubebuilder:validation:XValidation:rule="has(self.spec.externalKey) || size(self.metadata.name) <= 36",message="spec.externalKey is required when metadata.name is longer than 36 characters"
// +kubebuilder:validation:XValidation:rule="(has(self.spec.externalKey) ? self.spec.externalKey : self.metadata.name) == (has(oldSelf.spec.externalKey) ? oldSelf.spec.externalKey : oldSelf.metadata.name)",message="spec.externalKey is immutable once set"
// +kubebuilder:validation:XValidation:rule="!has(self.spec.parentExternalKey) || self.spec.parentExternalKey != (has(self.spec.externalKey) ? self.spec.externalKey : self.metadata.name)",message="spec.parentExternalKey must not name the department itself"
type Department struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec DepartmentSpec `json:"spec,omitempty"`
	// status defaults to an observedGeneration of 0 until the manager first writes it, so that
	// kstatus (and Flux) reads a Department nothing has been published for yet as in progress,
	// never as current.
	// +kubebuilder:default={observedGeneration: 0}
	Status DepartmentStatus `json:"status,omitempty"`
}

// ReadyStatus returns the conditions and the observed generation of the Department's status, for
// the controllers' status helpers.
func (d *Department) ReadyStatus() (conditions *[]metav1.Condition, observedGeneration *int64) {
	return &d.Status.Conditions, &d.Status.ObservedGeneration
}

// PlainI18nNames is spec.i18nNames as the plain strings a remote system holds; nil (not managed)
// stays nil and an empty map (managed, cleared) stays empty.
func (s *DepartmentSpec) PlainI18nNames() map[string]string {
	if s.I18nNames == nil {
		return nil
	}
	out := make(map[string]string, len(s.I18nNames))
	for locale, name := range s.I18nNames {
		out[locale] = string(name)
	}
	return out
}

// ClaimsBefore orders two Departments that claim one external key, as the manager decides which
// holds it: the older, then the first by name. Only what no one can change after the creation
// decides, and not the status, which anyone allowed to write it could set: the holder is the
// same after a restart as before it, and no status write takes a key from its holder.
func ClaimsBefore(a, b *Department) bool {
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	}
	return a.Name < b.Name
}

// Key is the department's external key: spec.externalKey, or metadata.name when it is empty.
func (d *Department) Key() string {
	if d.Spec.ExternalKey != "" {
		return d.Spec.ExternalKey
	}
	return d.Name
}

// +kubebuilder:object:root=true

// DepartmentList is a list of Departments.
type DepartmentList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Department `json:"items"`
}

func init() {
	register(&Department{}, &DepartmentList{})
}
