package huaweicloud

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/huaweicloud/huaweifake"
	"github.com/orgsync/orgsync/internal/provider"
)

// TestMoveToTheTopLevelIsUnsupported: UpdateOrganization reads an empty parent_id as "unchanged",
// so a move to the top level cannot be made: Unsupported says so, with what to do, before any
// call. Every other change, a move under another parent and a rename of a top-level unit among
// them, can be.
func TestMoveToTheTopLevelIsUnsupported(t *testing.T) {
	conn, fake := connect(t)
	depts := conn.Departments
	underHQ := provider.Department{Key: "eng", ParentKey: "hq", Name: "Engineering", RemoteID: "id-eng", ParentRemoteID: "id-hq"}
	top := provider.Department{Key: "eng", Name: "Engineering", RemoteID: "id-eng"}

	fake.ResetRequests()
	err := depts.Unsupported(top, underHQ)
	if !errors.Is(err, provider.ErrUnsupported) {
		t.Fatalf("Unsupported(move to the top level) = %v, want ErrUnsupported", err)
	}
	for _, want := range []string{`"eng"`, "top level", `"hq"`, "new external key", "keep it under a parent"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests to decide it", n)
	}

	underOps := underHQ
	underOps.ParentKey, underOps.ParentRemoteID = "ops", "id-ops"
	renamedTop, renamedUnderHQ := top, underHQ
	renamedTop.Name, renamedUnderHQ.Name = "Platform", "Platform"
	for name, c := range map[string][2]provider.Department{
		"a move under another parent": {underOps, underHQ},
		"a rename under a parent":     {renamedUnderHQ, underHQ},
		"a rename at the top level":   {renamedTop, top},
		"a move from the top level":   {underHQ, top},
	} {
		if err := depts.Unsupported(c[0], c[1]); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}

	// A top-level unit renamed: the update sends no parent_id, and the unit stays at the top.
	id := fake.PutOrgUnit(huaweifake.OrgUnit{Code: "solo", Name: "Solo", Category: "department"})
	if _, err := depts.Update(context.Background(), provider.Department{Key: "solo", Name: "Solo renamed", RemoteID: id}); err != nil {
		t.Fatalf("rename at the top level: %v", err)
	}
	if u, _ := fake.OrgUnitByCode("solo"); u.Name != "Solo renamed" || u.ParentID != "" {
		t.Errorf("renamed top-level unit = %+v", u)
	}
}

func TestDiffComparesACategoryOnlyWhenTheDepartmentSetsIt(t *testing.T) {
	cases := map[string]struct {
		desired, observed string
		want              provider.Fields
	}{
		"unset, set in the console":      {"", "company", nil},
		"set, the same":                  {"team", "team", nil},
		"set, another":                   {"team", "company", provider.Fields{"category"}},
		"department, listed without one": {"department", "", nil},
		"team, listed without one":       {"team", "", provider.Fields{"category"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := (Conventions{}).Diff(provider.Department{Key: "eng", Name: "Eng", Category: tc.desired}, provider.Department{Key: "eng", Name: "Eng", Category: tc.observed})
			if !slices.Equal(got, tc.want) {
				t.Fatalf("Diff = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestExportStatesACategoryOtherThanTheDefault(t *testing.T) {
	for category, want := range map[string]string{"": "", "department": "", "team": "team"} {
		var spec v1alpha1.DepartmentSpec
		Conventions{}.Export(provider.Department{Key: "eng", Name: "Eng", Category: category, DisplayOrder: "2", EmailAddress: "a@b.c"}, &spec)
		if spec.Category != want || spec.DisplayOrder != "" || spec.EmailAddress != nil {
			t.Errorf("Export of category %q = %+v, want category %q and nothing OneAccess does not hold", category, spec, want)
		}
	}
}
