package ncp

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	ncpapi "github.com/orgsync/orgsync/internal/ncp"
	"github.com/orgsync/orgsync/internal/provider"
)

// organizations implements provider.Organizations with the NCP Organization API.
type organizations struct {
	client *ncpapi.Client
}

var _ provider.Organizations = (*organizations)(nil)

// Observe reads the caller's organization. Nothing documents how GET /open-api/v1/org answers an
// account in no organization, and creating one is a one-way step for an account, so only the answer
// that can mean nothing else counts: a 404 from the Organization API itself, with a code of its
// own (ncpapi.ErrNoOrganization; the path has no parameter that could be missing). The gateway's
// 404 errorCode 300 (a wrong endpoint or path), a 404 without a code, a 200 without an
// organization or one that cannot be read are errors: the controller looks again and creates
// nothing.
func (o *organizations) Observe(ctx context.Context) (provider.OrganizationObservation, error) {
	org, err := o.client.GetOrganization(ctx)
	if err != nil {
		return provider.NoOrganization(err, ncpapi.ErrNoOrganization, classify)
	}
	return observation(org), nil
}

// Create creates the organization and reads the whole record back (the create's answer lacks the
// master and member fields). When the read-back does not show it yet (a read that lags the
// write), the create's own answer stands for it if it names the organization's number (the
// document says it does): the number is what a later deletion needs.
func (o *organizations) Create(ctx context.Context, description string) (provider.OrganizationObservation, error) {
	created, err := o.client.CreateOrganization(ctx, description)
	if err != nil && !errors.Is(err, ncpapi.ErrAlreadyExists) {
		return provider.OrganizationObservation{}, classify(err)
	}
	obs, err := provider.ReadBack(o.Observe(ctx))
	if errors.Is(err, provider.ErrNotYetVisible) && created != nil && created.OrganizationNo > 0 {
		return observation(created), nil
	}
	return obs, err
}

// Delete deletes organization id. What DELETE answers for an organization that is already gone is
// not documented (NCP's convention for a missing single item is a 400, and a 404 may be the
// gateway's), so any failure is followed by a look at the caller's organization: when the account
// belongs to no organization (the answer Observe trusts) or to another one, id is gone as far as
// these credentials can tell, and the delete is done.
func (o *organizations) Delete(ctx context.Context, id string) error {
	no, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: organization number %q is not a number", provider.ErrInvalid, id)
	}
	err = o.client.DeleteOrganization(ctx, no)
	if err == nil {
		return nil
	}
	if current, observeErr := o.Observe(ctx); observeErr == nil && (!current.Exists || current.ID != id) {
		return nil
	}
	return classify(err)
}

func observation(org *ncpapi.Organization) provider.OrganizationObservation {
	return provider.OrganizationObservation{
		Exists:           true,
		ID:               strconv.FormatInt(org.OrganizationNo, 10),
		Name:             org.OrganizationName,
		MasterMemberName: org.MasterMemberName,
		MemberStatusCode: org.MemberStatusCode,
	}
}
