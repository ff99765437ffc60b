package huaweicloud

import (
	"fmt"

	"github.com/orgsync/orgsync/api/v1alpha1"
	hwapi "github.com/orgsync/orgsync/internal/huaweicloud"
	"github.com/orgsync/orgsync/internal/provider"
)

// Conventions are OneAccess's: units have a name, a parent and a category only, the category is
// "department" when none is given, and no unit can be moved to the top level.
type Conventions struct{}

var _ provider.Conventions = Conventions{}

// Holds is true for the name, the parent and the category.
func (Conventions) Holds(f provider.Field) bool {
	switch f {
	case provider.FieldName, provider.FieldParent, provider.FieldCategory:
		return true
	}
	return false
}

// WithDefaults gives d the category OneAccess gives a unit created without one.
func (Conventions) WithDefaults(d provider.Department) provider.Department {
	if d.Category == "" {
		d.Category = hwapi.DefaultCategory
	}
	return d
}

// Diff names the fields in which observed differs from desired. The other fields of
// provider.Department (i18nNames, emailAddress, externalEmailReceive, displayOrder) have no
// OneAccess equivalent and never differ. A desired category that is empty is not managed and
// never differs; an observed one that is empty means the default.
func (c Conventions) Diff(desired, observed provider.Department) provider.Fields {
	var diff provider.Fields
	if desired.Name != observed.Name {
		diff = append(diff, provider.FieldName)
	}
	if desired.ParentKey != observed.ParentKey {
		diff = append(diff, provider.FieldParent)
	}
	if desired.Category != "" && desired.Category != c.WithDefaults(observed).Category {
		diff = append(diff, provider.FieldCategory)
	}
	return diff
}

// Unsupported refuses a move of a unit to the top level: UpdateOrganization reads an empty
// parent_id as "unchanged", and OneAccess documents no other way (its console cannot change a
// unit's parent at all).
func (Conventions) Unsupported(desired, observed provider.Department) error {
	if desired.ParentKey == "" && observed.ParentKey != "" {
		return fmt.Errorf("%w: OneAccess cannot move unit %q to the top level (from under %q): "+
			"keep it under a parent, or give the top-level department a new external key (a new Department) and delete this one",
			provider.ErrUnsupported, desired.Key, observed.ParentKey)
	}
	return nil
}

// Export states the category when it is not OneAccess's default: a Department that omits it
// keeps the unit's as it is.
func (Conventions) Export(d provider.Department, spec *v1alpha1.DepartmentSpec) {
	if d.Category != hwapi.DefaultCategory {
		spec.Category = d.Category
	}
}
