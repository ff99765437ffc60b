package huaweicloud

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"

	hwapi "github.com/orgsync/orgsync/internal/huaweicloud"
	"github.com/orgsync/orgsync/internal/provider"
)

// departments implements provider.Departments with the organization units of one OneAccess tenant.
//
// OneAccess addresses units by org_id while orgsync knows them by code, and the only lookup by
// code is a listing of the whole tenant. So the org_ids of codes are remembered (ids, filled from
// every listing and every unit read) and every remembered or hinted id is verified with a read of
// the unit before it is used: a unit deleted or recoded by hand sends the lookup back to a listing.
type departments struct {
	client *hwapi.OneAccessClient

	mu  sync.Mutex
	ids map[string]string // code -> org_id
}

var _ provider.Departments = (*departments)(nil)

func newDepartments(client *hwapi.OneAccessClient) *departments {
	return &departments{client: client, ids: map[string]string{}}
}

func (d *departments) Observe(ctx context.Context, desired provider.Department) (provider.DepartmentObservation, error) {
	if err := validate(desired); err != nil {
		return provider.DepartmentObservation{}, err
	}
	unit, err := d.find(ctx, desired.Key, desired.RemoteID)
	if err != nil {
		return provider.DepartmentObservation{}, ignoreNotFound(err) // no unit: Exists is false
	}
	parentKey, err := d.codeOf(ctx, unit.ParentID, desired.ParentKey)
	if err != nil {
		return provider.DepartmentObservation{}, classify(err)
	}
	observed := provider.Department{
		Key:       unit.Code,
		ParentKey: parentKey,
		Name:      unit.Name,
		Category:  unit.Category,
		RemoteID:  unit.ID,
	}
	diff := Diff(desired, observed)
	return provider.DepartmentObservation{Exists: true, UpToDate: len(diff) == 0, Diff: diff, Remote: observed}, nil
}

func (d *departments) Exists(ctx context.Context, key string) (bool, error) {
	if !hwapi.ValidCode(key) {
		// No unit can have this code: say so rather than wait for a parent that cannot come.
		return false, fmt.Errorf("%w: %q is not a valid OneAccess code (1 to 64 letters, digits, _ or -)", provider.ErrInvalid, key)
	}
	_, err := d.find(ctx, key, "")
	return err == nil, ignoreNotFound(err)
}

func (d *departments) Create(ctx context.Context, desired provider.Department) (provider.Department, error) {
	if err := validate(desired); err != nil {
		return provider.Department{}, err
	}
	parentID, err := d.parentID(ctx, desired)
	if err != nil {
		return provider.Department{}, err
	}
	id, err := d.client.CreateOrgUnit(ctx, hwapi.OrgUnit{
		Code: desired.Key, Name: desired.Name, ParentID: parentID, Category: categoryOf(desired),
	})
	if errors.Is(err, hwapi.ErrAlreadyExists) {
		// Adopt: a unit with this code exists (ours from an interrupted reconcile, or made by
		// hand). Bring it to the desired state rather than failing.
		return d.update(ctx, desired, parentID)
	}
	if err != nil {
		return provider.Department{}, classify(err)
	}
	d.remember(desired.Key, id)
	created := desired
	created.RemoteID = id
	created.ParentRemoteID = parentID
	return created, nil
}

func (d *departments) Update(ctx context.Context, desired provider.Department) error {
	if err := validate(desired); err != nil {
		return err
	}
	parentID, err := d.parentID(ctx, desired)
	if err != nil {
		return err
	}
	_, err = d.update(ctx, desired, parentID)
	return err
}

// update writes desired's name, parent and category to the unit with desired's code.
func (d *departments) update(ctx context.Context, desired provider.Department, parentID string) (provider.Department, error) {
	unit, err := d.find(ctx, desired.Key, desired.RemoteID)
	if err != nil {
		return provider.Department{}, classify(err)
	}
	name, category := desired.Name, categoryOf(desired)
	err = d.client.UpdateOrgUnit(ctx, unit.ID, hwapi.OrgUnitUpdate{Name: &name, ParentID: &parentID, Category: &category})
	if err != nil {
		return provider.Department{}, classify(err)
	}
	updated := desired
	updated.RemoteID = unit.ID
	updated.ParentRemoteID = parentID
	return updated, nil
}

func (d *departments) Delete(ctx context.Context, target provider.Department) error {
	key := target.Key
	if !hwapi.ValidCode(key) {
		return nil // never created: OneAccess would have refused the code
	}
	unit, err := d.find(ctx, key, target.RemoteID)
	if err != nil {
		return ignoreNotFound(err)
	}
	if err := d.client.DeleteOrgUnit(ctx, unit.ID); err != nil {
		return ignoreNotFound(err)
	}
	d.forget(key)
	return nil
}

// parentID returns the org_id of desired's parent, "" for a top-level department, or an
// ErrParentNotFound error when no unit has the parent's code.
func (d *departments) parentID(ctx context.Context, desired provider.Department) (string, error) {
	if desired.ParentKey == "" {
		return "", nil
	}
	parent, err := d.find(ctx, desired.ParentKey, desired.ParentRemoteID)
	if errors.Is(err, hwapi.ErrNotFound) {
		return "", fmt.Errorf("%w: no OneAccess organization unit has code %q", provider.ErrParentNotFound, desired.ParentKey)
	}
	if err != nil {
		return "", classify(err)
	}
	return parent.ID, nil
}

// find returns the unit with the code. It tries hint, then the remembered org_id, each verified
// by reading the unit, and lists the tenant when neither names a unit with the code.
func (d *departments) find(ctx context.Context, code, hint string) (hwapi.OrgUnit, error) {
	for _, id := range d.candidates(code, hint) {
		unit, err := d.client.GetOrgUnit(ctx, id)
		switch {
		case err == nil && unit.Code == code:
			d.remember(code, unit.ID)
			return unit, nil
		case err != nil && !errors.Is(err, hwapi.ErrNotFound):
			return hwapi.OrgUnit{}, err
		}
		d.forgetID(code, id) // deleted, or the id now holds another code: stale
	}
	units, err := d.client.ListOrgUnits(ctx, hwapi.ListOrgUnitsOptions{})
	if err != nil {
		return hwapi.OrgUnit{}, err
	}
	var found *hwapi.OrgUnit
	d.mu.Lock()
	for i := range units {
		d.ids[units[i].Code] = units[i].ID
		if units[i].Code == code {
			found = &units[i]
		}
	}
	d.mu.Unlock()
	if found == nil {
		return hwapi.OrgUnit{}, fmt.Errorf("no OneAccess organization unit has code %q: %w", code, hwapi.ErrNotFound)
	}
	return *found, nil
}

// codeOf returns the code of the unit with the org_id id ("" for none). expected is the code the
// caller expects; a remembered id of that code spares the read.
func (d *departments) codeOf(ctx context.Context, id, expected string) (string, error) {
	if id == "" {
		return "", nil
	}
	d.mu.Lock()
	known := expected != "" && d.ids[expected] == id
	d.mu.Unlock()
	if known {
		return expected, nil
	}
	unit, err := d.client.GetOrgUnit(ctx, id)
	if errors.Is(err, hwapi.ErrNotFound) {
		// No unit has the parent's org_id (it vanished between the two reads, or was removed
		// behind OneAccess's back): no code orgsync could want, so it shows as a difference and
		// the next update moves the unit under the desired parent.
		return fmt.Sprintf("(missing org_id %s)", id), nil
	}
	if err != nil {
		return "", err
	}
	d.remember(unit.Code, unit.ID)
	return unit.Code, nil
}

// candidates lists the org_ids to try for code: the hint, then the remembered one.
func (d *departments) candidates(code, hint string) []string {
	d.mu.Lock()
	remembered := d.ids[code]
	d.mu.Unlock()
	switch {
	case hint == "" && remembered == "":
		return nil
	case hint == "" || hint == remembered:
		return []string{remembered}
	case remembered == "":
		return []string{hint}
	}
	return []string{hint, remembered}
}

func (d *departments) remember(code, id string) {
	d.mu.Lock()
	d.ids[code] = id
	d.mu.Unlock()
}

func (d *departments) forget(code string) {
	d.mu.Lock()
	delete(d.ids, code)
	d.mu.Unlock()
}

// forgetID forgets code's org_id if it is still id.
func (d *departments) forgetID(code, id string) {
	d.mu.Lock()
	if d.ids[code] == id {
		delete(d.ids, code)
	}
	d.mu.Unlock()
}

// validate refuses, before any call, values OneAccess would reject: a code or parent code outside
// its character set and length, or such a name.
func validate(desired provider.Department) error {
	switch {
	case !hwapi.ValidCode(desired.Key):
		return fmt.Errorf("%w: external key %q is not a valid OneAccess code (1 to %d letters, digits, _ or -)", provider.ErrInvalid, desired.Key, hwapi.MaxCodeLength)
	case desired.ParentKey != "" && !hwapi.ValidCode(desired.ParentKey):
		return fmt.Errorf("%w: parent external key %q is not a valid OneAccess code (1 to %d letters, digits, _ or -)", provider.ErrInvalid, desired.ParentKey, hwapi.MaxCodeLength)
	case !hwapi.ValidName(desired.Name):
		return fmt.Errorf("%w: name %q is not a valid OneAccess name (1 to %d letters, digits, spaces, -, _ or &)", provider.ErrInvalid, desired.Name, hwapi.MaxNameLength)
	}
	return nil
}

func categoryOf(dept provider.Department) string {
	return cmp.Or(dept.Category, hwapi.DefaultCategory)
}

// Diff names the fields in which observed differs from desired. OneAccess units have a name, a
// parent and a category only; the other fields of provider.Department (i18nNames, emailAddress,
// externalEmailReceive, displayOrder) have no OneAccess equivalent and never differ. An empty
// category means the default, "department".
func Diff(desired, observed provider.Department) []string {
	var diff []string
	if desired.Name != observed.Name {
		diff = append(diff, "name")
	}
	if desired.ParentKey != observed.ParentKey {
		diff = append(diff, "parentExternalKey")
	}
	if categoryOf(desired) != categoryOf(observed) {
		diff = append(diff, "category")
	}
	return diff
}

// ignoreNotFound is nil for a missing unit or organization, which counts as absent or deleted,
// and the classified error otherwise.
func ignoreNotFound(err error) error {
	if err == nil || errors.Is(err, hwapi.ErrNotFound) {
		return nil
	}
	return classify(err)
}

// classify maps a client error to the provider's error classes, keeping the client's safe message.
func classify(err error) error {
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
// anything else is transient. An existing code is invalid here because Create adopts it.
var errorClasses = []struct {
	from  []error
	class error
}{
	{[]error{hwapi.ErrUnauthorized, hwapi.ErrForbidden}, provider.ErrCredentials},
	{[]error{hwapi.ErrThrottled}, provider.ErrThrottled},
	{[]error{hwapi.ErrParentNotFound}, provider.ErrParentNotFound},
	{[]error{hwapi.ErrHasChildren}, provider.ErrHasChildren},
	{[]error{hwapi.ErrInvalidRequest, hwapi.ErrAlreadyExists}, provider.ErrInvalid},
}
