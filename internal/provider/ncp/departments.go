package ncp

import (
	"context"
	"errors"
	"fmt"
	"maps"

	ncpapi "github.com/orgsync/orgsync/internal/ncp"
	"github.com/orgsync/orgsync/internal/provider"
)

// departments implements provider.Departments for one WORKPLACE company.
type departments struct {
	Conventions
	client    *ncpapi.Client
	companyID string
}

var _ provider.Departments = (*departments)(nil)

// List reads the company's departments with WORKPLACE's paged list call.
func (d *departments) List(ctx context.Context) ([]provider.Department, error) {
	remote, err := d.client.ListDepartments(ctx, d.companyID)
	var incomplete *ncpapi.ListingError
	if errors.As(err, &incomplete) && len(incomplete.Read) > 0 {
		read := make([]provider.Department, 0, len(incomplete.Read))
		for i := range incomplete.Read {
			read = append(read, fromRemote(&incomplete.Read[i]))
		}
		return nil, &provider.PartialListingError{Departments: read, Err: classify(err)}
	}
	if err != nil {
		return nil, classify(err)
	}
	all := make([]provider.Department, 0, len(remote))
	for i := range remote {
		all = append(all, fromRemote(&remote[i]))
	}
	return all, nil
}

func (d *departments) Create(ctx context.Context, desired provider.Department) (provider.Department, error) {
	// A recognised "exists" (409 or -4090) is not adopted here: the department is ours from an
	// interrupted reconcile, or was made by hand with fields a person set, and desired holds
	// blanks for what its Department leaves unset. The controller lists the chart again and
	// builds the adopting update from what the listing shows.
	if _, err := d.client.CreateDepartment(ctx, d.companyID, toRemote(desired)); err != nil {
		return provider.Department{}, classify(err)
	}
	return d.WithDefaults(desired), nil
}

func (d *departments) Update(ctx context.Context, desired provider.Department) (provider.Department, error) {
	if _, err := d.client.UpdateDepartment(ctx, d.companyID, toRemote(desired)); err != nil {
		return provider.Department{}, classify(err)
	}
	return d.WithDefaults(desired), nil
}

func (d *departments) Delete(ctx context.Context, target provider.Department) error {
	if err := d.client.DeleteDepartment(ctx, d.companyID, target.Key); err != nil {
		return classify(err)
	}
	return nil
}

// toRemote maps the neutral department to WORKPLACE's fields, with WORKPLACE's defaults for those
// it leaves empty (Create and Update return them too: what was written). The leader is sent back as the desired state carries it (as listed): the edit
// may replace the whole department.
func toRemote(in provider.Department) ncpapi.Department {
	in = Conventions{}.WithDefaults(in)
	parent := in.ParentKey
	if parent == "" {
		parent = topLevel
	}
	out := ncpapi.Department{
		ExternalKey:       in.Key,
		Name:              in.Name,
		I18nNames:         maps.Clone(in.I18nNames),
		ParentExternalKey: parent,
		EmailAddress:      in.EmailAddress,
		DisplayOrder:      in.DisplayOrder,
	}
	if in.ExternalEmailReceive != nil {
		out.ExternalEmailReceive = new(*in.ExternalEmailReceive)
	}
	if in.LeaderKey != "" {
		out.LeaderExternalKey = new(in.LeaderKey)
	}
	return out
}

// fromRemote maps a WORKPLACE department to the neutral form.
func fromRemote(in *ncpapi.Department) provider.Department {
	parent := in.ParentExternalKey
	if parent == topLevel {
		parent = ""
	}
	out := provider.Department{
		Key:          in.ExternalKey,
		ParentKey:    parent,
		Name:         in.Name,
		I18nNames:    maps.Clone(in.I18nNames),
		EmailAddress: in.EmailAddress,
		DisplayOrder: in.DisplayOrder,
	}
	if in.ExternalEmailReceive != nil {
		out.ExternalEmailReceive = new(*in.ExternalEmailReceive)
	}
	if in.LeaderExternalKey != nil {
		out.LeaderKey = *in.LeaderExternalKey
	}
	return out
}

// classify maps a client error to the provider's error classes, keeping its safe message. The
// gateway's "no route" is a wrong endpoint or path, which no retry mends: ErrInvalid, saying where
// the endpoint comes from. The Organization API's temporary 403s (COMMON_102, COMMON_103) are
// ncpapi.ErrUnavailable, not ErrForbidden, and so ErrTransient.
func classify(err error) error {
	var apiErr *ncpapi.APIError
	isAPI := errors.As(err, &apiErr)
	switch {
	case errors.Is(err, ncpapi.ErrNoRoute):
		return fmt.Errorf("%w: %s: check spec.site and the manager's --ncp-workplace-endpoint and --ncp-organization-endpoint: %w",
			provider.ErrInvalid, messageNoRoute, err)
	case errors.Is(err, ncpapi.ErrUnauthorized), errors.Is(err, ncpapi.ErrForbidden):
		return fmt.Errorf("%w: %w", provider.ErrCredentials, err)
	case errors.Is(err, ncpapi.ErrThrottled):
		return fmt.Errorf("%w: %w", provider.ErrThrottled, err)
	case errors.Is(err, ncpapi.ErrIncompleteListing):
		return fmt.Errorf("%w: %w", provider.ErrIncompleteListing, err)
	case isAPI && apiErr.Code == codeParentNotFound:
		return fmt.Errorf("%w: %w", provider.ErrParentNotFound, err)
	case isAPI && apiErr.Code == codeHasChildren:
		return fmt.Errorf("%w: %w", provider.ErrHasChildren, err)
	case errors.Is(err, ncpapi.ErrAlreadyExists):
		return fmt.Errorf("%w: %w", provider.ErrAlreadyExists, err)
	case errors.Is(err, ncpapi.ErrInvalidRequest):
		return fmt.Errorf("%w: %w", provider.ErrInvalid, err)
	}
	return fmt.Errorf("%w: %w", provider.ErrTransient, err)
}

// WORKPLACE's codes for a missing parent and for a delete refused while sub-departments exist.
const (
	codeParentNotFound = "-4030"
	codeHasChildren    = "-4050"
)

// messageNoRoute says what the gateway's 404 errorCode 300 means.
const messageNoRoute = "wrong endpoint or path: the NCP API gateway has no route for the call"
