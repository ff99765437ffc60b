package decision

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/provider"
)

func TestDesiredDepartment(t *testing.T) {
	// handSet is a remote department whose optional fields a person set in WORKPLACE.
	handSet := func() *provider.Department {
		return &provider.Department{
			Key: "eng", Name: "Old name", I18nNames: map[string]string{"en_US": "Engineering"},
			EmailAddress: "eng@example.com", ExternalEmailReceive: new(true), DisplayOrder: "7.0",
			Category: "company", LeaderKey: "emp-1", RemoteID: "u-1",
		}
	}
	unset := func(d *v1alpha1.Department) { d.Spec.DisplayOrder = "" }
	// explicit sets the map and the address fields to explicit empty values, and the display order
	// and the category.
	explicit := func(order, category string) func(*v1alpha1.Department) {
		return func(d *v1alpha1.Department) {
			d.Spec.I18nNames = map[string]v1alpha1.LocalizedName{}
			d.Spec.EmailAddress, d.Spec.ExternalEmailReceive = new(""), new(false)
			d.Spec.DisplayOrder, d.Spec.Category = order, category
		}
	}
	cases := map[string]struct {
		dept     *v1alpha1.Department
		observed *provider.Department
		want     provider.Department
	}{
		"a create leaves unset fields empty (the provider writes its defaults)": {
			dept: testDepartment("eng", "hq", unset),
			want: provider.Department{Key: "eng", ParentKey: "hq", Name: "Dept eng"},
		},
		"a create sends what the spec sets, an empty map and address included": {
			dept: testDepartment("eng", "", explicit("2", "unit")),
			want: provider.Department{Key: "eng", Name: "Dept eng", I18nNames: map[string]string{}, ExternalEmailReceive: new(false),
				DisplayOrder: "2", Category: "unit"},
		},
		"unset fields and the leader are taken as listed; the category stays unmanaged": {
			dept:     testDepartment("eng", "", unset),
			observed: handSet(),
			want: provider.Department{Key: "eng", Name: "Dept eng", I18nNames: map[string]string{"en_US": "Engineering"},
				EmailAddress: "eng@example.com", ExternalEmailReceive: new(true), DisplayOrder: "7.0", LeaderKey: "emp-1"},
		},
		"fields the spec sets win, explicit empty values clear; the leader is still kept": {
			dept:     testDepartment("eng", "", explicit("3", "department")),
			observed: handSet(),
			want: provider.Department{Key: "eng", Name: "Dept eng", I18nNames: map[string]string{}, ExternalEmailReceive: new(false),
				DisplayOrder: "3", Category: "department", LeaderKey: "emp-1"},
		},
		"a department listed without a display order is no difference (the provider sends its default)": {
			dept:     testDepartment("eng", "", unset),
			observed: &provider.Department{Key: "eng", Name: "Dept eng"},
			want:     provider.Department{Key: "eng", Name: "Dept eng"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := DesiredDepartment(tc.dept, tc.observed)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("DesiredDepartment (-want +got):\n%s", diff)
			}
		})
	}

	// The desired state shares no map with the listing it was built from.
	observed := handSet()
	got := DesiredDepartment(testDepartment("eng", "", unset), observed)
	got.I18nNames["ko_KR"] = "기술"
	*got.ExternalEmailReceive = false
	if len(observed.I18nNames) != 1 || !*observed.ExternalEmailReceive {
		t.Errorf("changing the desired state changed the listing: %+v", observed)
	}
}
