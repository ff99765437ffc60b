package huaweicloud

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/httpretry"
	"github.com/orgsync/orgsync/internal/huaweicloud/huaweifake"
	"github.com/orgsync/orgsync/internal/provider"
)

const (
	testClientID, testClientSecret = "client-id", "client-secret-value"
	testAK, testSK                 = "AKTEST", "sk-secret-value"
)

func connect(t *testing.T) (*provider.Connection, *huaweifake.Server) {
	t.Helper()
	fake := huaweifake.NewServer(huaweifake.Options{
		ClientID: testClientID, ClientSecret: testClientSecret, AccessKey: testAK, SecretKey: testSK,
	})
	t.Cleanup(fake.Close)
	conn, err := NewConnector(fakeOptions()).
		Connect(context.Background(), organization(fake.URL()), credentials())
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	return conn, fake
}

// fakeOptions let a connector reach the fake: plain http on 127.0.0.1, which the manager allows
// only when told (--allow-insecure-endpoints, --huaweicloud-allowed-domains).
func fakeOptions() Options {
	return Options{
		Endpoints:     httpretry.EndpointPolicy{AllowedDomains: []string{"127.0.0.1"}, AllowInsecure: true},
		ClientOptions: provider.ClientOptions{RequestTimeout: 5 * time.Second, MaxRetryDuration: 5 * time.Second},
	}
}

func organization(url string) *v1alpha1.Organization {
	return &v1alpha1.Organization{
		ObjectMeta: metav1.ObjectMeta{Name: "acme", UID: "uid-1"},
		Spec: v1alpha1.OrganizationSpec{
			Provider:             v1alpha1.ProviderHuaweiCloud,
			CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: "hw-credentials"},
			HuaweiCloud:          &v1alpha1.HuaweiCloudSpec{OneAccessDomain: url, OrganizationsEndpoint: url},
		},
	}
}

func credentials() map[string][]byte {
	return map[string][]byte{
		v1alpha1.SecretKeyClientID: []byte(testClientID), v1alpha1.SecretKeyClientSecret: []byte(testClientSecret),
		v1alpha1.SecretKeyAccessKey: []byte(testAK), v1alpha1.SecretKeySecretKey: []byte(testSK),
	}
}

func TestConnectNamesTheMissingKeyButNoValue(t *testing.T) {
	creds := credentials()
	delete(creds, v1alpha1.SecretKeyClientSecret)
	policy := httpretry.EndpointPolicy{AllowedDomains: []string{"oneaccess.example.com"}}
	_, err := NewConnector(Options{Endpoints: policy}).Connect(context.Background(), organization("oneaccess.example.com"), creds)
	if !errors.Is(err, provider.ErrCredentials) {
		t.Fatalf("err = %v, want ErrCredentials", err)
	}
	for _, want := range []string{"hw-credentials", v1alpha1.SecretKeyClientSecret} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if strings.Contains(err.Error(), testSK) || strings.Contains(err.Error(), testClientID) {
		t.Errorf("error %q shows a credential", err)
	}
}

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

func TestOrganizationsLifecycle(t *testing.T) {
	ctx := context.Background()
	conn, fake := connect(t)
	orgs := conn.Organizations
	if obs, err := orgs.Observe(ctx); err != nil || obs.Exists {
		t.Fatalf("observe before create: %+v, %v", obs, err)
	}
	created, err := orgs.Create(ctx, "ignored")
	if err != nil || !created.Exists || created.ID == "" || created.Name == "" {
		t.Fatalf("create: %+v, %v", created, err)
	}
	if again, err := orgs.Create(ctx, "ignored"); err != nil || again.ID != created.ID {
		t.Fatalf("create again: %+v, %v", again, err)
	}
	if err := orgs.Delete(ctx, created.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, ok := fake.Organization(testAK); ok {
		t.Fatal("organization still exists")
	}
	if err := orgs.Delete(ctx, created.ID); err != nil {
		t.Fatalf("delete again: %v", err)
	}
}

func TestListingWithAWrongClientSecretIsACredentialsError(t *testing.T) {
	fake := huaweifake.NewServer(huaweifake.Options{
		ClientID: testClientID, ClientSecret: testClientSecret, AccessKey: testAK, SecretKey: testSK,
	})
	t.Cleanup(fake.Close)
	creds := credentials()
	creds[v1alpha1.SecretKeyClientSecret] = []byte("not-the-client-secret")
	conn, err := NewConnector(fakeOptions()).
		Connect(context.Background(), organization(fake.URL()), creds)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	_, err = conn.Departments.List(context.Background())
	if !errors.Is(err, provider.ErrCredentials) {
		t.Fatalf("List with a wrong OneAccess client secret: %v, want ErrCredentials", err)
	}
	if strings.Contains(err.Error(), "not-the-client-secret") {
		t.Fatalf("the error shows the secret: %v", err)
	}
}

// Connect refuses, before any request, an Organization that names a host or a scheme the
// manager does not allow: both hosts would receive its credentials.
func TestConnectRefusesEndpointsTheManagerDoesNotAllow(t *testing.T) {
	documented := httpretry.EndpointPolicy{AllowedDomains: []string{"*.huaweioneaccess.com", "organizations.myhuaweicloud.com"}}
	cases := map[string]struct {
		policy   httpretry.EndpointPolicy
		spec     v1alpha1.HuaweiCloudSpec
		refused  string // the field named, or "" when accepted
		contains string
	}{
		"a tenant under the documented domain": {documented, v1alpha1.HuaweiCloudSpec{OneAccessDomain: "acme.huaweioneaccess.com"}, "", ""},
		"a host of the editor's choosing": {documented, v1alpha1.HuaweiCloudSpec{OneAccessDomain: "collector.example.net"},
			"spec.huaweicloud.oneAccessDomain", `host "collector.example.net" is not one the manager may send credentials to`},
		"the domain itself, not under it": {documented, v1alpha1.HuaweiCloudSpec{OneAccessDomain: "huaweioneaccess.com"},
			"spec.huaweicloud.oneAccessDomain", "allowed: *.huaweioneaccess.com, organizations.myhuaweicloud.com"},
		"a look-alike suffix": {documented, v1alpha1.HuaweiCloudSpec{OneAccessDomain: "acme.evilhuaweioneaccess.com"},
			"spec.huaweicloud.oneAccessDomain", "not one the manager may send credentials to"},
		"another Organizations endpoint": {documented, v1alpha1.HuaweiCloudSpec{OneAccessDomain: "acme.huaweioneaccess.com", OrganizationsEndpoint: "https://10.0.0.1:8443"},
			"spec.huaweicloud.organizationsEndpoint", `host "10.0.0.1"`},
		"plain http to an allowed host": {documented, v1alpha1.HuaweiCloudSpec{OneAccessDomain: "http://acme.huaweioneaccess.com"},
			"spec.huaweicloud.oneAccessDomain", "plain http is refused"},
		"plain http to loopback, without --allow-insecure-endpoints": {httpretry.EndpointPolicy{AllowedDomains: []string{"127.0.0.1"}},
			v1alpha1.HuaweiCloudSpec{OneAccessDomain: "http://127.0.0.1:8080"}, "spec.huaweicloud.oneAccessDomain", "--allow-insecure-endpoints"},
		"plain http to loopback, allowed": {httpretry.EndpointPolicy{AllowedDomains: []string{"127.0.0.1"}, AllowInsecure: true},
			v1alpha1.HuaweiCloudSpec{OneAccessDomain: "http://127.0.0.1:8080", OrganizationsEndpoint: "http://127.0.0.1:8080"}, "", ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			org := organization("")
			org.Spec.HuaweiCloud = &tc.spec
			_, err := NewConnector(Options{Endpoints: tc.policy}).Connect(context.Background(), org, credentials())
			if tc.refused == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, provider.ErrInvalid) || !strings.Contains(err.Error(), tc.refused) || !strings.Contains(err.Error(), tc.contains) {
				t.Fatalf("err = %v, want ErrInvalid naming %s and saying %q", err, tc.refused, tc.contains)
			}
			if strings.Contains(err.Error(), testClientSecret) || strings.Contains(err.Error(), testSK) {
				t.Errorf("error %q shows a credential", err)
			}
		})
	}
}

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
