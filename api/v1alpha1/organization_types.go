package v1alpha1

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Provider names the cloud an Organization connects to.
// +kubebuilder:validation:Enum=ncp;huaweicloud
type Provider string

const (
	// ProviderNCP is NAVER Cloud Platform: WORKPLACE departments and NCP Organization.
	ProviderNCP Provider = "ncp"
	// ProviderHuaweiCloud is Huawei Cloud: OneAccess organization units and Huawei Cloud Organizations.
	ProviderHuaweiCloud Provider = "huaweicloud"
)

// Site selects which NCP API hosts to use.
// +kubebuilder:validation:Enum=public;fin;gov
type Site string

// Keys of the credentials Secret. NCP uses accessKey, secretKey and optionally apiGatewayKey.
// Huawei Cloud uses accessKey and secretKey (Organizations, AK/SK signing; optionally
// securityToken for temporary credentials) and clientId and clientSecret (OneAccess).
const (
	SecretKeyAccessKey     = "accessKey"
	SecretKeySecretKey     = "secretKey"
	SecretKeyAPIGatewayKey = "apiGatewayKey"
	SecretKeySecurityToken = "securityToken"
	SecretKeyClientID      = "clientId"
	SecretKeyClientSecret  = "clientSecret"
)

// CredentialsLabel is the label that, set to "true" on a credentials Secret, lets a manager run with
// --watch-credentials-secrets notice its rotation at once; other Secrets are read again at each
// Organization reconcile (every sync period, and whenever the Organization changes).
const CredentialsLabel = "orgsync.dev/credentials" //nolint:gosec // G101: a label name, not a credential

// OrganizationSpec is the desired state of an Organization.
type OrganizationSpec struct {
	// provider is the cloud this Organization connects to. Immutable.
	// +kubebuilder:default=ncp
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="provider is immutable"
	// +optional
	Provider Provider `json:"provider,omitempty"`

	// credentialsSecretRef names a Secret in this namespace with the keys accessKey and secretKey,
	// and optionally apiGatewayKey.
	CredentialsSecretRef LocalObjectReference `json:"credentialsSecretRef"`

	// site selects the NCP API hosts: public, fin (financial) or gov (government). Immutable.
	// +kubebuilder:default=public
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="site is immutable"
	// +optional
	Site Site `json:"site,omitempty"`

	// description is the NCP Organization's organizationDesc, used when orgsync creates it.
	// +kubebuilder:validation:MaxLength=1000
	// +optional
	Description string `json:"description,omitempty"`

	// workplace is the NCP WORKPLACE company whose departments belong to this Organization.
	// Required when provider is ncp.
	// +optional
	Workplace WorkplaceSpec `json:"workplace,omitempty"`

	// huaweicloud configures the Huawei Cloud provider. Required when provider is huaweicloud.
	// +optional
	HuaweiCloud *HuaweiCloudSpec `json:"huaweicloud,omitempty"`

	// deletionPolicy says what happens to the remote chart when this object is deleted: Orphan
	// (default) leaves the remote organization and every remote department in place and only
	// releases the Department objects; Delete deletes the departments bottom-up, then the remote
	// organization.
	// +kubebuilder:default=Orphan
	// +optional
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// managementPolicy is Manage (default) to create and update remote objects, or Observe to only
	// read and report.
	// +kubebuilder:default=Manage
	// +optional
	ManagementPolicy ManagementPolicy `json:"managementPolicy,omitempty"`

	// syncPeriod overrides the manager's --sync-period for this Organization and its Departments:
	// how often the remote chart is listed again to correct drift. At least 30s: each period lists
	// the whole chart.
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('30s')",message="syncPeriod must be at least 30s"
	// +optional
	SyncPeriod *metav1.Duration `json:"syncPeriod,omitempty"`

	// deletionBudget limits how many remote departments orgsync deletes for this Organization
	// within a window: a mistaken commit or a pruned namespace must not empty the chart at full
	// speed. Deletions beyond it wait, their Departments keeping their finalizers, until a person
	// approves them (the annotation orgsync.dev/approve-deletions) or the window moves on.
	// Default: 20 deletions per hour, more than a reorganisation usually deletes at once and far
	// less than a pruned folder, overlay or namespace would. A chart that is meant to be deleted
	// whole sets its own budget (or approves the held deletions).
	// +kubebuilder:default={maxDeletions: 20}
	// +optional
	DeletionBudget *DeletionBudget `json:"deletionBudget,omitempty"`
}

// DeletionBudget is how many remote deletions an Organization allows within a window.
type DeletionBudget struct {
	// maxDeletions is how many remote departments may be deleted within window.
	// +kubebuilder:validation:Minimum=0
	MaxDeletions int32 `json:"maxDeletions"`
	// window is the period maxDeletions covers, counted from the first deletion in it; default 1h.
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1m')",message="window must be at least 1m"
	// +kubebuilder:default="1h"
	// +optional
	Window *metav1.Duration `json:"window,omitempty"`
}

// DefaultDeletionWindow is the window of a deletion budget that names none.
const DefaultDeletionWindow = time.Hour

// DefaultMaxDeletions is the deletion budget of an Organization that sets none, per
// DefaultDeletionWindow. The API server fills it in (the CRD's default); this constant serves
// objects that did not pass through it.
const DefaultMaxDeletions = 20

// EffectiveDeletionBudget is the deletion budget that applies to the Organization: its
// spec.deletionBudget with the defaults filled in.
func (s *OrganizationSpec) EffectiveDeletionBudget() (maxDeletions int32, window time.Duration) {
	maxDeletions, window = DefaultMaxDeletions, DefaultDeletionWindow
	if b := s.DeletionBudget; b != nil {
		maxDeletions = b.MaxDeletions
		if b.Window != nil && b.Window.Duration > 0 {
			window = b.Window.Duration
		}
	}
	return maxDeletions, window
}

// DeletionStatus is where an Organization's deletion budget stands.
type DeletionStatus struct {
	// windowStart is when the current window began.
	// +optional
	WindowStart *metav1.Time `json:"windowStart,omitempty"`
	// made counts the remote deletions made in the current window.
	// +optional
	Made int32 `json:"made,omitempty"`
	// approved counts the deletions a person approved beyond the budget that are not used yet.
	// +optional
	Approved int32 `json:"approved,omitempty"`
	// held counts the deletions waiting now for approval or the next window.
	// +optional
	Held int32 `json:"held,omitempty"`
}

// WorkplaceSpec identifies a WORKPLACE company.
type WorkplaceSpec struct {
	// companyId is the WORKPLACE connection key (Developers > Default settings > Connection key).
	// Immutable: pointing an Organization at another company would orphan every department.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="companyId is immutable"
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=36
	// +kubebuilder:validation:Pattern=`^[^/?#%\p{Z}\p{C}]+$`
	// +optional
	CompanyID string `json:"companyId,omitempty"`
}

// HuaweiCloudSpec configures the Huawei Cloud provider. Both hosts receive the Organization's
// credentials: the manager refuses any host its --huaweicloud-allowed-domains does not list, and
// plain http:// unless it runs with --allow-insecure-endpoints.
// +kubebuilder:validation:XValidation:rule=`(has(self.organizationsEndpoint) ? self.organizationsEndpoint : "") == (has(oldSelf.organizationsEndpoint) ? oldSelf.organizationsEndpoint : "")`,message="organizationsEndpoint is immutable"
type HuaweiCloudSpec struct {
	// oneAccessDomain is the OneAccess tenant's user access domain, such as
	// example.huaweioneaccess.com, or a base URL. Immutable.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="oneAccessDomain is immutable"
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	OneAccessDomain string `json:"oneAccessDomain"`
	// organizationsEndpoint overrides the Huawei Cloud Organizations endpoint
	// (default https://organizations.myhuaweicloud.com). Immutable.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	OrganizationsEndpoint string `json:"organizationsEndpoint,omitempty"`
}

// DepartmentCounts says how many Departments belong to an Organization and how many are Ready.
type DepartmentCounts struct {
	// total is the number of Department objects referring to this Organization.
	// +optional
	Total int32 `json:"total,omitempty"`
	// ready is how many of them are Ready.
	// +optional
	Ready int32 `json:"ready,omitempty"`
}

// InventoryStatus summarises the remote department chart as orgsync last listed it.
type InventoryStatus struct {
	// lastListTime is when the whole remote chart was last listed. To spare a write per sync
	// period at steady state, it is recorded when the counts below change and otherwise at most
	// hourly; the chart itself is listed every sync period.
	// +optional
	LastListTime *metav1.Time `json:"lastListTime,omitempty"`
	// remoteDepartments is how many departments the remote chart holds.
	// +optional
	RemoteDepartments int32 `json:"remoteDepartments"`
	// unmanaged is how many of them no Department object of this Organization claims.
	// +optional
	Unmanaged int32 `json:"unmanaged"`
}

// OrganizationStatus is the observed state of an Organization.
type OrganizationStatus struct {
	// organizationNo is the NCP Organization number.
	// +optional
	OrganizationNo string `json:"organizationNo,omitempty"`
	// organizationName is the NCP Organization name.
	// +optional
	OrganizationName string `json:"organizationName,omitempty"`
	// masterMemberName is the name of the organization's master account.
	// +optional
	MasterMemberName string `json:"masterMemberName,omitempty"`
	// memberStatusCode is the caller account's member status, such as JOIN.
	// +optional
	MemberStatusCode string `json:"memberStatusCode,omitempty"`
	// departments counts the Departments of this Organization.
	// +optional
	Departments DepartmentCounts `json:"departments,omitempty"`
	// inventory summarises the remote department chart.
	// +optional
	Inventory *InventoryStatus `json:"inventory,omitempty"`
	// deletions is where the deletion budget stands, when spec.deletionBudget sets one.
	// +optional
	Deletions *DeletionStatus `json:"deletions,omitempty"`
	// lastHandledReconcileAt is the last value of the annotation orgsync.dev/reconcile-requested-at
	// that the manager acted on: the chart was listed again and every Department re-checked.
	// +optional
	LastHandledReconcileAt string `json:"lastHandledReconcileAt,omitempty"`
	// lastSyncTime is when the remote organization was last observed; at steady state it is
	// recorded at most hourly, though the organization is observed every sync period.
	// +optional
	LastSyncTime *metav1.Time `json:"lastSyncTime,omitempty"`
	// observedGeneration is the generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// conditions: Ready (everything, the remote organization included) and Connected
	// (credentials accepted and the department chart listed), each with a reason and a message.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=org;orgs,categories=orgsync
// +kubebuilder:printcolumn:name="COMPANY",type=string,JSONPath=`.spec.workplace.companyId`
// +kubebuilder:printcolumn:name="ORG-NO",type=string,JSONPath=`.status.organizationNo`
// +kubebuilder:printcolumn:name="READY",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="AGE",type=date,JSONPath=`.metadata.creationTimestamp`

// Organization connects one cloud account (NCP account and WORKPLACE company, or Huawei Cloud
// account and OneAccess tenant) to orgsync.
// +kubebuilder:validation:XValidation:rule="(has(self.spec.provider) && self.spec.provider == 'huaweicloud') || (has(self.spec.workplace) && has(self.spec.workplace.companyId))",message="spec.workplace.companyId is required when spec.provider is ncp"
// +kubebuilder:validation:XValidation:rule="!has(self.spec.provider) || self.spec.provider != 'huaweicloud' || has(self.spec.huaweicloud)",message="spec.huaweicloud is required when spec.provider is huaweicloud"
type Organization struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   OrganizationSpec   `json:"spec,omitempty"`
	Status OrganizationStatus `json:"status,omitempty"`
}

// ReadyStatus returns the conditions and the observed generation of the Organization's status,
// for the controllers' status helpers.
func (o *Organization) ReadyStatus() (conditions *[]metav1.Condition, observedGeneration *int64) {
	return &o.Status.Conditions, &o.Status.ObservedGeneration
}

// +kubebuilder:object:root=true

// OrganizationList is a list of Organizations.
type OrganizationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Organization `json:"items"`
}

func init() {
	register(&Organization{}, &OrganizationList{})
}
