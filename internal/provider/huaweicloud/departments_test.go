package huaweicloud

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/internal/huaweicloud/huaweifake"
	"github.com/orgsync/orgsync/internal/provider"
)

func TestDepartmentsLifecycle(t *testing.T) {
	ctx := context.Background()
	conn, fake := connect(t)
	depts := conn.Departments

	root := provider.Department{Key: "hq", Name: "Head office", DisplayOrder: "1", I18nNames: map[string]string{"ko_KR": "본사"}}
	team := provider.Department{Key: "eng", ParentKey: "hq", Name: "Engineering"}

	fake.ResetRequests()
	if _, err := depts.Create(ctx, team); !errors.Is(err, provider.ErrParentNotFound) {
		t.Fatalf("create without the parent's org_id: %v, want ErrParentNotFound", err)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Fatalf("%d requests for a create that cannot be placed", n)
	}
	created, err := depts.Create(ctx, root)
	if err != nil || created.RemoteID == "" {
		t.Fatalf("create: %+v, %v", created, err)
	}
	team.ParentRemoteID = created.RemoteID
	createdTeam, err := depts.Create(ctx, team)
	if err != nil {
		t.Fatalf("create child: %v", err)
	}

	listed := byKey(t, depts)
	if got := listed["eng"]; got.ParentKey != "hq" || got.ParentRemoteID != created.RemoteID || got.RemoteID != createdTeam.RemoteID {
		t.Fatalf("listed eng = %+v", got)
	}
	if diff := depts.Diff(root, listed["hq"]); len(diff) != 0 {
		t.Fatalf("diff of the created root = %v (i18nNames and displayOrder are not compared)", diff)
	}

	if _, err := depts.Create(ctx, team); !errors.Is(err, provider.ErrAlreadyExists) {
		t.Fatalf("create of an existing code: %v, want ErrAlreadyExists", err)
	}
	team.RemoteID = createdTeam.RemoteID
	renamed := team
	renamed.Name = "Platform"
	if _, err := depts.Update(ctx, renamed); err != nil {
		t.Fatalf("update: %v", err)
	}
	if u, _ := fake.OrgUnitByCode("eng"); u.Name != "Platform" || u.ParentID != created.RemoteID {
		t.Fatalf("updated unit = %+v, want renamed under hq", u)
	}
	if _, err := depts.Update(ctx, team); err != nil {
		t.Fatalf("rename back: %v", err)
	}
	hq := provider.Department{Key: "hq", RemoteID: created.RemoteID}
	if err := depts.Delete(ctx, hq); !errors.Is(err, provider.ErrHasChildren) {
		t.Fatalf("delete with children: %v, want ErrHasChildren", err)
	}
	for _, d := range []provider.Department{team, hq} {
		if err := depts.Delete(ctx, d); err != nil {
			t.Fatalf("delete %s: %v", d.Key, err)
		}
	}
	if err := depts.Delete(ctx, hq); err == nil {
		t.Fatal("a delete of a unit that is gone succeeded; only a listing may say it is gone")
	}
	if listed := byKey(t, depts); len(listed) != 0 {
		t.Fatalf("left after deleting: %v", listed)
	}
}

func TestDepartmentsListReadsEveryPageAndLevel(t *testing.T) {
	conn, fake := connect(t)
	want := map[string]string{} // code -> parent code
	ids := map[string]string{}
	for i := range 250 {
		code, parent := fmt.Sprintf("u%03d", i), ""
		if i >= 5 {
			parent = fmt.Sprintf("u%03d", i/5-1)
		}
		want[code] = parent
		ids[code] = fake.PutOrgUnit(huaweifake.OrgUnit{Code: code, Name: "Unit " + code, ParentID: ids[parent], Category: "department"})
	}
	listed := byKey(t, conn.Departments)
	if len(listed) != len(want) {
		t.Fatalf("listed %d units, want %d", len(listed), len(want))
	}
	for code, parent := range want {
		if got := listed[code]; got.ParentKey != parent || got.RemoteID != ids[code] {
			t.Errorf("%s listed as %+v, want parent %q and org_id %s", code, got, parent, ids[code])
		}
	}
}

// A tenant that answers offset=0 and offset=1 with the same first page is listed whole; one whose
// pages never add up is an ErrIncompleteListing that says so, never a smaller chart.
func TestDepartmentsListPagesThatDoNotAddUp(t *testing.T) {
	conn, fake := connect(t)
	root := fake.PutOrgUnit(huaweifake.OrgUnit{Code: "root", Name: "Root", Category: "department"})
	for i := range 129 {
		fake.PutOrgUnit(huaweifake.OrgUnit{Code: fmt.Sprintf("u%03d", i), Name: fmt.Sprintf("Unit %d", i), ParentID: root, Category: "department"})
	}
	fake.SetPaging(huaweifake.PagesFromOne)
	if listed := byKey(t, conn.Departments); len(listed) != 130 {
		t.Fatalf("listed %d units of a tenant paging from 1, want 130", len(listed))
	}

	fake.SetListFailure(&huaweifake.ListFailure{Every: 2, Answer: huaweifake.ListEmptyPage})
	all, err := conn.Departments.List(context.Background())
	if all != nil || !errors.Is(err, provider.ErrIncompleteListing) || errors.Is(err, provider.ErrTransient) {
		t.Fatalf("List = %d departments, %v; want none and ErrIncompleteListing alone", len(all), err)
	}
	if want := "the remote chart could not be read completely: huaweicloud: OneAccess listing incomplete: "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q does not start with %q", err, want)
	}
	// What it did read comes with the error, each unit with a parent it read too.
	var partial *provider.PartialListingError
	if !errors.As(err, &partial) || len(partial.Departments) == 0 || len(partial.Departments) >= 130 {
		t.Fatalf("the error carries %v, want the units read before the empty page", partial)
	}
	for _, d := range partial.Departments {
		if d.Key != "root" && d.ParentKey != "root" {
			t.Errorf("partial listing holds %q under %q", d.Key, d.ParentKey)
		}
	}
}

func byKey(t *testing.T, depts provider.Departments) map[string]provider.Department {
	t.Helper()
	all, err := depts.List(context.Background())
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	out := map[string]provider.Department{}
	for _, d := range all {
		if _, dup := out[d.Key]; dup {
			t.Fatalf("%s listed twice", d.Key)
		}
		out[d.Key] = d
	}
	return out
}

func TestDepartmentsRejectInvalidValuesBeforeAnyCall(t *testing.T) {
	conn, fake := connect(t)
	fake.ResetRequests()
	for _, d := range []provider.Department{
		{Key: "hq", Name: "Head office!"},
		{Key: "h q", Name: "HQ"},
		{Key: "hq", ParentKey: "a/b", Name: "HQ"},
	} {
		if _, err := conn.Departments.Create(context.Background(), d); !errors.Is(err, provider.ErrInvalid) {
			t.Errorf("create %+v: %v, want ErrInvalid", d, err)
		}
		d.RemoteID = "some-id"
		if _, err := conn.Departments.Update(context.Background(), d); !errors.Is(err, provider.ErrInvalid) {
			t.Errorf("update %+v: %v, want ErrInvalid", d, err)
		}
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests reached OneAccess", n)
	}
}

func TestUpdateSendsACategoryOnlyWhenTheDepartmentSetsIt(t *testing.T) {
	ctx := context.Background()
	conn, fake := connect(t)
	id := fake.PutOrgUnit(huaweifake.OrgUnit{Code: "eng", Name: "Engineering", Category: "company"})

	if _, err := conn.Departments.Update(ctx, provider.Department{Key: "eng", Name: "Platform", RemoteID: id}); err != nil {
		t.Fatalf("rename: %v", err)
	}
	if u, _ := fake.OrgUnitByCode("eng"); u.Name != "Platform" || u.Category != "company" {
		t.Fatalf("renamed unit = %+v, want its category kept", u)
	}
	if _, err := conn.Departments.Update(ctx, provider.Department{Key: "eng", Name: "Platform", Category: "unit", RemoteID: id}); err != nil {
		t.Fatalf("category: %v", err)
	}
	if u, _ := fake.OrgUnitByCode("eng"); u.Category != "unit" {
		t.Fatalf("unit = %+v, want category unit", u)
	}
}
