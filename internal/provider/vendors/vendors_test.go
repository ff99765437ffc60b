package vendors

import (
	"testing"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/provider"
)

// The defaults a create writes, and the fields each remote system holds, as the providers' own
// documents define them.
func TestConventions(t *testing.T) {
	cases := map[v1alpha1.Provider]struct {
		defaults provider.Department
		holds    []provider.Field
		lacks    []provider.Field
	}{
		"": {provider.Department{DisplayOrder: "1"},
			[]provider.Field{provider.FieldName, provider.FieldParent, provider.FieldDisplayOrder, provider.FieldI18nNames},
			[]provider.Field{provider.FieldCategory}},
		v1alpha1.ProviderNCP: {provider.Department{DisplayOrder: "1"}, nil, nil},
		v1alpha1.ProviderHuaweiCloud: {provider.Department{Category: "department"},
			[]provider.Field{provider.FieldName, provider.FieldParent, provider.FieldCategory},
			[]provider.Field{provider.FieldDisplayOrder, provider.FieldEmailAddress, provider.FieldExternalEmailReceive, provider.FieldI18nNames}},
	}
	for p, tc := range cases {
		c := For(p)
		if got := c.WithDefaults(provider.Department{}); got.DisplayOrder != tc.defaults.DisplayOrder || got.Category != tc.defaults.Category {
			t.Errorf("%q: WithDefaults of an empty department = %+v, want %+v", p, got, tc.defaults)
		}
		for _, f := range tc.holds {
			if !c.Holds(f) {
				t.Errorf("%q does not hold %s", p, f)
			}
		}
		for _, f := range tc.lacks {
			if c.Holds(f) {
				t.Errorf("%q holds %s", p, f)
			}
		}
	}
}
