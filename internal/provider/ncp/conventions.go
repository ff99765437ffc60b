package ncp

import (
	"maps"

	"github.com/orgsync/orgsync/api/v1alpha1"
	ncpapi "github.com/orgsync/orgsync/internal/ncp"
	"github.com/orgsync/orgsync/internal/provider"
)

// DefaultDisplayOrder is the display order orgsync sends for a department whose Department sets
// none and whose remote department shows none (a create): WORKPLACE requires one.
const DefaultDisplayOrder = "1"

// Conventions are WORKPLACE's: every field but the category, display order "1" by default, "#"
// for the top level (on the wire only: the neutral form has no parent), display orders compared
// as numbers.
type Conventions struct{}

var _ provider.Conventions = Conventions{}

// Holds is true for every field but the category, which WORKPLACE departments do not have.
func (Conventions) Holds(f provider.Field) bool { return f != provider.FieldCategory }

// WithDefaults gives d the display order a create sends when it has none.
func (Conventions) WithDefaults(d provider.Department) provider.Department {
	if d.DisplayOrder == "" {
		d.DisplayOrder = DefaultDisplayOrder
	}
	return d
}

// Diff names the fields in which observed differs from desired, comparing as WORKPLACE means
// them: "2" and "2.0" are one display order, a nil map equals an empty one, and an external-mail
// flag the service did not state is false. The leader is not compared: orgsync never sets it.
func (Conventions) Diff(desired, observed provider.Department) provider.Fields {
	var diff provider.Fields
	add := func(differs bool, f provider.Field) {
		if differs {
			diff = append(diff, f)
		}
	}
	add(desired.Name != observed.Name, provider.FieldName)
	add(!maps.Equal(desired.I18nNames, observed.I18nNames), provider.FieldI18nNames)
	add(desired.ParentKey != observed.ParentKey, provider.FieldParent)
	add(desired.EmailAddress != observed.EmailAddress, provider.FieldEmailAddress)
	add(isTrue(desired.ExternalEmailReceive) != isTrue(observed.ExternalEmailReceive), provider.FieldExternalEmailReceive)
	add(provider.CompareDisplayOrder(desired.DisplayOrder, observed.DisplayOrder) != 0, provider.FieldDisplayOrder)
	return diff
}

// Unsupported is nil: a WORKPLACE edit can make every change a Department asks for, a move to the
// top level (parentDeptExternalKey "#") included.
func (Conventions) Unsupported(provider.Department, provider.Department) error { return nil }

// Export states the fields a WORKPLACE department holds a value in; a blank one is left out, so
// that the Department does not manage it and a value set in WORKPLACE later is kept. The display
// order is written as WORKPLACE lists it.
func (Conventions) Export(d provider.Department, spec *v1alpha1.DepartmentSpec) {
	if d.EmailAddress != "" {
		spec.EmailAddress = new(d.EmailAddress)
	}
	if isTrue(d.ExternalEmailReceive) {
		spec.ExternalEmailReceive = new(true)
	}
	if len(d.I18nNames) > 0 {
		spec.I18nNames = make(map[string]v1alpha1.LocalizedName, len(d.I18nNames))
		for locale, name := range d.I18nNames {
			spec.I18nNames[locale] = v1alpha1.LocalizedName(name)
		}
	}
	spec.DisplayOrder = d.DisplayOrder
}

func isTrue(b *bool) bool { return b != nil && *b }

// topLevel is WORKPLACE's parent key of a top-level department.
const topLevel = ncpapi.TopLevelParent
