package huaweicloud

import (
	"context"
	"errors"
	"fmt"

	"github.com/orgsync/orgsync/internal/httpretry"
	hwapi "github.com/orgsync/orgsync/internal/huaweicloud"
	"github.com/orgsync/orgsync/internal/provider"
)

// departments implements provider.Departments with the organization units of one OneAccess tenant.
//
// OneAccess addresses units by org_id while orgsync knows them by code; the listing of the whole
// tenant gives both, and the controller passes the org_ids it read there (RemoteID and
// ParentRemoteID) back into every write, so no unit is ever looked up one at a time.
type departments struct {
	Conventions
	client   *hwapi.OneAccessClient
	classify func(error) error
}

var _ provider.Departments = (*departments)(nil)

func newDepartments(client *hwapi.OneAccessClient) *departments {
	return &departments{client: client, classify: classifier(fieldOneAccessDomain)}
}

// List reads the tenant as the reference defines it (the roots, then every other unit, each paged
// by page number) and translates parent org_ids into parent codes.
func (d *departments) List(ctx context.Context) ([]provider.Department, error) {
	units, err := d.client.ListAllOrgUnits(ctx)
	var incomplete *hwapi.ListingError
	if errors.As(err, &incomplete) && len(incomplete.Read) > 0 {
		// Only the units whose parent was read too: a code is all a parent can be known by.
		return nil, &provider.PartialListingError{Departments: fromUnits(incomplete.Read, true), Err: d.classify(err)}
	}
	if err != nil {
		return nil, d.classify(err)
	}
	return fromUnits(units, false), nil
}

// fromUnits translates units into departments, parent org_ids into parent codes. A unit whose
// parent the units lack is left out when partial, and otherwise shows its parent as unlisted.
func fromUnits(units []hwapi.OrgUnit, partial bool) []provider.Department {
	codes := make(map[string]string, len(units))
	for _, u := range units {
		codes[u.ID] = u.Code
	}
	all := make([]provider.Department, 0, len(units))
	for _, u := range units {
		parentKey := ""
		if u.ParentID != "" {
			var ok bool
			if parentKey, ok = codes[u.ParentID]; !ok {
				if partial {
					continue
				}
				// A parent the listing does not hold (moved or deleted while paging): no code
				// orgsync could want, so it shows as a difference rather than as a top-level unit.
				parentKey = fmt.Sprintf("(unlisted org_id %s)", u.ParentID)
			}
		}
		all = append(all, provider.Department{
			Key: u.Code, ParentKey: parentKey, Name: u.Name, Category: u.Category,
			RemoteID: u.ID, ParentRemoteID: u.ParentID,
		})
	}
	return all
}

func (d *departments) Create(ctx context.Context, desired provider.Department) (provider.Department, error) {
	if err := validate(desired); err != nil {
		return provider.Department{}, err
	}
	id, err := d.client.CreateOrgUnit(ctx, hwapi.OrgUnit{
		Code: desired.Key, Name: desired.Name, ParentID: desired.ParentRemoteID, Category: d.WithDefaults(desired).Category,
	})
	if err != nil {
		return provider.Department{}, d.classify(err)
	}
	created := desired
	created.RemoteID = id
	return created, nil
}

func (d *departments) Update(ctx context.Context, desired provider.Department) (provider.Department, error) {
	if err := validate(desired); err != nil {
		return provider.Department{}, err
	}
	if desired.RemoteID == "" {
		return provider.Department{}, fmt.Errorf("%w: no org_id known for code %q", provider.ErrTransient, desired.Key)
	}
	name, parentID := desired.Name, desired.ParentRemoteID
	upd := hwapi.OrgUnitUpdate{Name: &name}
	if parentID != "" {
		// An empty parent_id means "unchanged": a top-level desired state sends none (Unsupported
		// refuses a move there before any call).
		upd.ParentID = &parentID
	}
	if desired.Category != "" {
		// Every field of the update is optional: a category the Department leaves unset is not
		// sent, so one set in the console stays.
		upd.Category = &desired.Category
	}
	if err := d.client.UpdateOrgUnit(ctx, desired.RemoteID, upd); err != nil {
		return provider.Department{}, d.classify(err)
	}
	return desired, nil
}

func (d *departments) Delete(ctx context.Context, target provider.Department) error {
	if target.RemoteID == "" {
		return fmt.Errorf("%w: no org_id known for code %q", provider.ErrTransient, target.Key)
	}
	if err := d.client.DeleteOrgUnit(ctx, target.RemoteID); err != nil {
		return d.classify(err)
	}
	return nil
}

// validate refuses, before any call, values OneAccess would reject (a code or parent code outside
// its character set and length, or such a name) and a parent whose org_id the listing did not give.
func validate(desired provider.Department) error {
	switch {
	case !hwapi.ValidCode(desired.Key):
		return fmt.Errorf("%w: external key %q is not a valid OneAccess code (1 to %d letters, digits, _ or -)", provider.ErrInvalid, desired.Key, hwapi.MaxCodeLength)
	case desired.ParentKey != "" && !hwapi.ValidCode(desired.ParentKey):
		return fmt.Errorf("%w: parent external key %q is not a valid OneAccess code (1 to %d letters, digits, _ or -)", provider.ErrInvalid, desired.ParentKey, hwapi.MaxCodeLength)
	case !hwapi.ValidName(desired.Name):
		return fmt.Errorf("%w: name %q is not a valid OneAccess name (1 to %d letters, digits, spaces, -, _ or &)", provider.ErrInvalid, desired.Name, hwapi.MaxNameLength)
	case desired.ParentKey != "" && desired.ParentRemoteID == "":
		// OneAccess would make it a top-level unit.
		return fmt.Errorf("%w: no org_id known for parent code %q", provider.ErrParentNotFound, desired.ParentKey)
	}
	return nil
}

// classifier returns the classify of a client whose host the setting field names.
func classifier(field string) func(error) error {
	return func(err error) error { return classify(field, err) }
}

// classify maps a client error to the provider's error classes, keeping the client's safe message.
// A connection the dial guard refused is told as a refusal of field, without the request.
func classify(field string, err error) error {
	if refused := (*httpretry.ForbiddenAddressError)(nil); errors.As(err, &refused) {
		return provider.EndpointRefused(fmt.Errorf("%s: %w", field, refused))
	}
	for _, c := range errorClasses {
		for _, clientErr := range c.from {
			if errors.Is(err, clientErr) {
				return fmt.Errorf("%w: %w", c.class, err)
			}
		}
	}
	return fmt.Errorf("%w: %w", provider.ErrTransient, err)
}

// errorClasses lists, first match wins, which client errors fall in which provider class;
// anything else is transient.
var errorClasses = []struct {
	from  []error
	class error
}{
	{[]error{hwapi.ErrUnauthorized, hwapi.ErrForbidden}, provider.ErrCredentials},
	{[]error{hwapi.ErrThrottled}, provider.ErrThrottled},
	{[]error{hwapi.ErrIncompleteListing}, provider.ErrIncompleteListing},
	{[]error{hwapi.ErrParentNotFound}, provider.ErrParentNotFound},
	{[]error{hwapi.ErrHasChildren}, provider.ErrHasChildren},
	{[]error{hwapi.ErrAlreadyExists}, provider.ErrAlreadyExists},
	{[]error{hwapi.ErrInvalidRequest}, provider.ErrInvalid},
}
