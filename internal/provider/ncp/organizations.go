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

func (o *organizations) Observe(ctx context.Context) (provider.OrganizationObservation, error) {
	org, err := o.client.GetOrganization(ctx)
	if errors.Is(err, ncpapi.ErrNotFound) {
		return provider.OrganizationObservation{}, nil
	}
	if err != nil {
		return provider.OrganizationObservation{}, classify(err)
	}
	return observation(org), nil
}

func (o *organizations) Create(ctx context.Context, description string) (provider.OrganizationObservation, error) {
	_, err := o.client.CreateOrganization(ctx, description)
	if err != nil && !errors.Is(err, ncpapi.ErrAlreadyExists) {
		return provider.OrganizationObservation{}, classify(err)
	}
	// The create answer lacks the master and member fields: read the whole record back.
	return o.Observe(ctx)
}

func (o *organizations) Delete(ctx context.Context, id string) error {
	no, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: organization number %q is not a number", provider.ErrInvalid, id)
	}
	err = o.client.DeleteOrganization(ctx, no)
	if err == nil || errors.Is(err, ncpapi.ErrNotFound) {
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
