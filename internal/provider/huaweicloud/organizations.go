package huaweicloud

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	hwapi "github.com/orgsync/orgsync/internal/huaweicloud"
	"github.com/orgsync/orgsync/internal/provider"
)

// organizationsAPI implements provider.Organizations with Huawei Cloud Organizations: the
// organization whose management account holds the access key.
type organizationsAPI struct {
	client   *hwapi.OrganizationsClient
	classify func(error) error
}

var _ provider.Organizations = (*organizationsAPI)(nil)

// Observe reads the account's organization. Only 401 Organizations.1015 says that the account
// belongs to none (as Huawei's own Terraform provider reads it); a bare 404, which a proxy or a
// wrong endpoint may answer, or a 200 without an organization, is an error to look again at.
func (o *organizationsAPI) Observe(ctx context.Context) (provider.OrganizationObservation, error) {
	org, err := o.client.GetOrganization(ctx)
	switch {
	case err != nil:
		return provider.NoOrganization(err, hwapi.ErrNoOrganization, o.classify)
	case org.ID == "":
		return provider.OrganizationObservation{}, fmt.Errorf("%w: GET /v1/organizations answered without an organization id; "+
			"that is not how Huawei Cloud says the account belongs to no organization", provider.ErrTransient)
	}
	return organizationObservation(org), nil
}

// Create creates the organization. Huawei Cloud organizations have no description, so
// description is not sent. An answer without the organization's id (which the reference says a
// 201 holds) is not taken for the organization: the organization is read back, as after an
// "already exists".
func (o *organizationsAPI) Create(ctx context.Context, _ string) (provider.OrganizationObservation, error) {
	org, err := o.client.CreateOrganization(ctx)
	if errors.Is(err, hwapi.ErrAlreadyExists) || (err == nil && org.ID == "") {
		return provider.ReadBack(o.Observe(ctx))
	}
	if err != nil {
		return provider.OrganizationObservation{}, o.classify(err)
	}
	return organizationObservation(org), nil
}

// Delete deletes the account's organization when it is still the one with id: an organization
// created since then under the same account is not the one the Organization object recorded.
// An organization already gone (401 Organizations.1015, on the look or on the delete) is deleted.
func (o *organizationsAPI) Delete(ctx context.Context, id string) error {
	current, err := o.Observe(ctx)
	if err != nil || !current.Exists || current.ID != id {
		return err
	}
	err = o.client.DeleteOrganization(ctx)
	if err == nil || errors.Is(err, hwapi.ErrNoOrganization) {
		return nil
	}
	return o.classify(err)
}

func organizationObservation(org hwapi.Organization) provider.OrganizationObservation {
	return provider.OrganizationObservation{
		Exists:           true,
		ID:               org.ID,
		Name:             cmp.Or(org.URN, org.ID),
		MasterMemberName: org.ManagementAccountName,
	}
}
