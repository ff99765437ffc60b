package huaweicloud

import (
	"cmp"
	"context"
	"errors"

	hwapi "github.com/orgsync/orgsync/internal/huaweicloud"
	"github.com/orgsync/orgsync/internal/provider"
)

// organizationsAPI implements provider.Organizations with Huawei Cloud Organizations: the
// organization whose management account holds the access key.
type organizationsAPI struct {
	client *hwapi.OrganizationsClient
}

var _ provider.Organizations = (*organizationsAPI)(nil)

func (o *organizationsAPI) Observe(ctx context.Context) (provider.OrganizationObservation, error) {
	org, err := o.client.GetOrganization(ctx)
	if err != nil {
		return provider.OrganizationObservation{}, ignoreNotFound(err)
	}
	return organizationObservation(org), nil
}

// Create creates the organization. Huawei Cloud organizations have no description, so
// description is not sent.
func (o *organizationsAPI) Create(ctx context.Context, _ string) (provider.OrganizationObservation, error) {
	org, err := o.client.CreateOrganization(ctx)
	if errors.Is(err, hwapi.ErrAlreadyExists) {
		return o.Observe(ctx)
	}
	if err != nil {
		return provider.OrganizationObservation{}, classify(err)
	}
	return organizationObservation(org), nil
}

// Delete deletes the account's organization when it is still the one with id: an organization
// created since then under the same account is not the one the Organization object recorded.
func (o *organizationsAPI) Delete(ctx context.Context, id string) error {
	current, err := o.Observe(ctx)
	if err != nil || !current.Exists || current.ID != id {
		return err
	}
	return ignoreNotFound(o.client.DeleteOrganization(ctx))
}

func organizationObservation(org hwapi.Organization) provider.OrganizationObservation {
	return provider.OrganizationObservation{
		Exists:           true,
		ID:               org.ID,
		Name:             cmp.Or(org.URN, org.ID),
		MasterMemberName: org.ManagementAccountName,
	}
}
