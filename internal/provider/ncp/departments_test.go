package ncp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/api/v1alpha1"
	ncpapi "github.com/orgsync/orgsync/internal/ncp"
	"github.com/orgsync/orgsync/internal/ncp/ncpfake"
	"github.com/orgsync/orgsync/internal/provider"
)

func TestDiffComparesAsWorkplaceMeansIt(t *testing.T) {
	desired := provider.Department{Key: "eng", Name: "Engineering", DisplayOrder: "2"}
	tests := []struct {
		name     string
		observed provider.Department
		want     provider.Fields
	}{
		{"display order 2 reads back as 2.0", provider.Department{Key: "eng", Name: "Engineering", DisplayOrder: "2.0"}, nil},
		{"nil and empty maps are equal", provider.Department{Key: "eng", Name: "Engineering", DisplayOrder: "2", I18nNames: map[string]string{}}, nil},
		{"a renamed department", provider.Department{Key: "eng", Name: "Eng", DisplayOrder: "2.0"}, provider.Fields{"name"}},
		{"a moved department", provider.Department{Key: "eng", Name: "Engineering", ParentKey: "hq", DisplayOrder: "2.0"}, provider.Fields{"parentExternalKey"}},
		{"another order", provider.Department{Key: "eng", Name: "Engineering", DisplayOrder: "2.5"}, provider.Fields{"displayOrder"}},
		{"e-mail settings", provider.Department{Key: "eng", Name: "Engineering", DisplayOrder: "2", EmailAddress: "a@b.c", ExternalEmailReceive: new(true)},
			provider.Fields{"emailAddress", "externalEmailReceive"}},
		{"an external-mail flag not stated is false", provider.Department{Key: "eng", Name: "Engineering", DisplayOrder: "2", ExternalEmailReceive: new(false)}, nil},
		{"decimal spellings are one order", provider.Department{Key: "eng", Name: "Engineering", DisplayOrder: " 02.00"}, nil},
		{"the leader is not compared", provider.Department{Key: "eng", Name: "Engineering", DisplayOrder: "2", LeaderKey: "emp-1"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Conventions{}).Diff(desired, tt.observed); !slices.Equal(got, tt.want) {
				t.Fatalf("Diff = %v, want %v", got, tt.want)
			}
		})
	}
}

// A department whose Department and listing give no display order is created with WORKPLACE's
// default, which Create returns as written; the neutral desired state carries none, so that plan
// and status show none.
func TestCreateSendsTheDefaultDisplayOrder(t *testing.T) {
	fake := ncpfake.NewServer(ncpfake.Options{AccessKey: testAK, SecretKey: testSK, CompanyIDs: []string{"company-1"}})
	t.Cleanup(fake.Close)
	conn := connectTo(t, fake.URL())
	for key, order := range map[string]string{"hq": "", "eng": "2.5"} {
		created, err := conn.Departments.Create(context.Background(), provider.Department{Key: key, Name: key, DisplayOrder: order})
		if err != nil {
			t.Fatal(err)
		}
		want := order
		if want == "" {
			want = DefaultDisplayOrder
		}
		stored, _ := fake.Department("company-1", key)
		if created.DisplayOrder != want || !ncpapi.EqualDisplayOrder(stored.DisplayOrder, want) {
			t.Errorf("%s: created with display order %q, stored %q; want %q", key, created.DisplayOrder, stored.DisplayOrder, want)
		}
	}
}

func TestExportStatesTheFieldsWorkplaceHolds(t *testing.T) {
	cases := map[string]struct {
		in   provider.Department
		want v1alpha1.DepartmentSpec
	}{
		"blank fields are left out": {provider.Department{Key: "a", Name: "A", ExternalEmailReceive: new(false)}, v1alpha1.DepartmentSpec{}},
		"every field held": {
			provider.Department{Key: "a", Name: "A", EmailAddress: "a@b.c", ExternalEmailReceive: new(true), DisplayOrder: "0002.50",
				I18nNames: map[string]string{"en_US": "A"}, Category: "team", LeaderKey: "emp-1"},
			v1alpha1.DepartmentSpec{EmailAddress: new("a@b.c"), ExternalEmailReceive: new(true), DisplayOrder: "0002.50",
				I18nNames: map[string]v1alpha1.LocalizedName{"en_US": "A"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var got v1alpha1.DepartmentSpec
			Conventions{}.Export(tc.in, &got)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("Export (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTopLevelParentMapsToEmpty(t *testing.T) {
	receive := true
	remote := toRemote(provider.Department{Key: "hq", Name: "HQ", DisplayOrder: "1", ExternalEmailReceive: new(true)})
	if remote.ParentExternalKey != "#" || remote.ExternalEmailReceive == nil || *remote.ExternalEmailReceive != receive {
		t.Fatalf("toRemote = %+v", remote)
	}
	back := fromRemote(&remote)
	if back.ParentKey != "" || !isTrue(back.ExternalEmailReceive) {
		t.Fatalf("fromRemote = %+v", back)
	}
}

func TestRemoteFieldsRoundTrip(t *testing.T) {
	cases := map[string]struct {
		in   provider.Department
		want ncpapi.Department
	}{
		"a leader and hand-set fields are sent back": {
			in: provider.Department{Key: "eng", ParentKey: "hq", Name: "Eng", I18nNames: map[string]string{"en_US": "Eng"},
				EmailAddress: "eng@example.com", ExternalEmailReceive: new(false), DisplayOrder: "2.0", LeaderKey: "emp-1"},
			want: ncpapi.Department{ExternalKey: "eng", ParentExternalKey: "hq", Name: "Eng", I18nNames: map[string]string{"en_US": "Eng"},
				EmailAddress: "eng@example.com", ExternalEmailReceive: new(false), DisplayOrder: "2.0", LeaderExternalKey: new("emp-1")},
		},
		"no leader, no flag, no names: none sent": {
			in:   provider.Department{Key: "eng", Name: "Eng", DisplayOrder: "1"},
			want: ncpapi.Department{ExternalKey: "eng", ParentExternalKey: "#", Name: "Eng", DisplayOrder: "1"},
		},
		"names cleared: an empty map": {
			in:   provider.Department{Key: "eng", Name: "Eng", DisplayOrder: "1", I18nNames: map[string]string{}},
			want: ncpapi.Department{ExternalKey: "eng", ParentExternalKey: "#", Name: "Eng", DisplayOrder: "1", I18nNames: map[string]string{}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			remote := toRemote(tc.in)
			if diff := cmp.Diff(tc.want, remote); diff != "" {
				t.Fatalf("toRemote (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.in, fromRemote(&remote)); diff != "" {
				t.Fatalf("fromRemote(toRemote) (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCreateOfAnExistingKeyAdoptsNothing: a create refused because the key exists sends no edit
// built from blanks; the controller adopts from a listing.
func TestCreateOfAnExistingKeyAdoptsNothing(t *testing.T) {
	fake := ncpfake.NewServer(ncpfake.Options{AccessKey: "AK", SecretKey: "SK", CompanyIDs: []string{"c1"}})
	t.Cleanup(fake.Close)
	kept := ncpfake.Department{ExternalKey: "eng", Name: "Engineering", ParentExternalKey: "#", EmailAddress: "eng@example.com",
		ExternalEmailReceive: new(true), I18nNames: map[string]string{"en_US": "Engineering"}, DisplayOrder: "7.0", LeaderExternalKey: new("emp-1")}
	fake.PutDepartment("c1", kept)
	org := &v1alpha1.Organization{Spec: v1alpha1.OrganizationSpec{Workplace: v1alpha1.WorkplaceSpec{CompanyID: "c1"}}}
	conn, err := NewConnector(Options{WorkplaceEndpoint: fake.URL(), OrganizationEndpoint: fake.URL()}).
		Connect(context.Background(), org, map[string][]byte{v1alpha1.SecretKeyAccessKey: []byte("AK"), v1alpha1.SecretKeySecretKey: []byte("SK")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Departments.Create(context.Background(), provider.Department{Key: "eng", Name: "Engineering", DisplayOrder: "1"})
	if !errors.Is(err, provider.ErrAlreadyExists) {
		t.Fatalf("create of an existing key: %v, want ErrAlreadyExists", err)
	}
	for _, r := range fake.Requests() {
		if r.Method == http.MethodPut {
			t.Fatalf("the create sent an edit: %+v", r)
		}
	}
	if got, _ := fake.Department("c1", "eng"); !reflect.DeepEqual(got, kept) {
		t.Fatalf("department = %+v, want it as it was", got)
	}
}

func TestClassifyMapsWorkplaceErrors(t *testing.T) {
	tests := []struct {
		err  error
		want error
	}{
		{&ncpapi.APIError{StatusCode: 401, Code: "200"}, provider.ErrCredentials},
		{&ncpapi.APIError{StatusCode: 403, Code: "230"}, provider.ErrCredentials},
		{&ncpapi.APIError{StatusCode: 429, Code: "420"}, provider.ErrThrottled},
		{&ncpapi.APIError{StatusCode: 400, Code: "-4030"}, provider.ErrParentNotFound},
		{&ncpapi.APIError{StatusCode: 400, Code: "-4050"}, provider.ErrHasChildren},
		{&ncpapi.APIError{StatusCode: 400, Code: "-4020"}, provider.ErrInvalid},
		{&ncpapi.APIError{StatusCode: 503, Code: "500"}, provider.ErrTransient},
		{&ncpapi.APIError{StatusCode: 403, Code: "COMMON_101"}, provider.ErrCredentials},
		{&ncpapi.APIError{StatusCode: 403, Code: "COMMON_102"}, provider.ErrTransient},
		{&ncpapi.APIError{StatusCode: 403, Code: "COMMON_103"}, provider.ErrTransient},
		{&ncpapi.APIError{StatusCode: 403, Code: "COMMON_104"}, provider.ErrThrottled},
		{&ncpapi.APIError{StatusCode: 404, Code: "300"}, provider.ErrInvalid},
		{&ncpapi.APIError{StatusCode: 404, Code: "-4040"}, provider.ErrTransient},
		{errors.New("connection reset"), provider.ErrTransient},
		{&ncpapi.ListingError{Distinct: 2, Total: 5, Pages: 2, Reason: "the page at offset 2 came back empty"}, provider.ErrIncompleteListing},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.err), func(t *testing.T) {
			got := classify(tt.err)
			if !errors.Is(got, tt.want) {
				t.Fatalf("classify(%v) = %v, want %v", tt.err, got, tt.want)
			}
			if !errors.Is(got, tt.err) {
				t.Fatalf("classify lost the client error: %v", got)
			}
		})
	}
}
