package decision

import (
	"cmp"
	"maps"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/inventory"
	"github.com/orgsync/orgsync/internal/provider"
)

// Desired is the remote state dept's spec asks for (DesiredDepartment), with the remote ids the
// inventory knows for it and its parent.
func Desired(dept *v1alpha1.Department, remote inventory.View) provider.Department {
	d := DesiredDepartment(dept, remote.Self)
	if remote.Self != nil {
		d.RemoteID = remote.Self.RemoteID
	}
	if remote.Parent != nil {
		d.ParentRemoteID = remote.Parent.RemoteID
	}
	return d
}

// DesiredDepartment is the remote state dept's spec asks for, given the remote department as
// last listed (nil when it does not exist). A field the spec leaves unset is not orgsync's: it is
// taken from observed, so that it is no difference and an update, which may replace the whole
// department (WORKPLACE's edit), sends it back as listed; so is the leader, which no spec sets. A
// create has nothing to keep: what it leaves empty, the provider fills in with the remote system's
// defaults (provider.Conventions.WithDefaults) when it writes, so that an unset field is never a
// difference. kubectl orgsync plan and export decide with this too.
func DesiredDepartment(dept *v1alpha1.Department, observed *provider.Department) provider.Department {
	spec := &dept.Spec
	d := provider.Department{
		Key:          dept.Key(),
		ParentKey:    spec.ParentExternalKey,
		Name:         spec.Name,
		I18nNames:    spec.PlainI18nNames(),
		DisplayOrder: spec.DisplayOrder,
		Category:     spec.Category,
	}
	if spec.EmailAddress != nil {
		d.EmailAddress = *spec.EmailAddress
	}
	if spec.ExternalEmailReceive != nil {
		d.ExternalEmailReceive = new(*spec.ExternalEmailReceive)
	}
	if observed == nil {
		return d
	}
	d.LeaderKey = observed.LeaderKey
	if spec.I18nNames == nil {
		d.I18nNames = maps.Clone(observed.I18nNames)
	}
	if spec.EmailAddress == nil {
		d.EmailAddress = observed.EmailAddress
	}
	if spec.ExternalEmailReceive == nil && observed.ExternalEmailReceive != nil {
		d.ExternalEmailReceive = new(*observed.ExternalEmailReceive)
	}
	d.DisplayOrder = cmp.Or(spec.DisplayOrder, observed.DisplayOrder)
	return d
}
