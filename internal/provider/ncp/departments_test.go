package ncp

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	ncpapi "github.com/orgsync/orgsync/internal/ncp"
	"github.com/orgsync/orgsync/internal/provider"
)

func TestDiffComparesAsWorkplaceMeansIt(t *testing.T) {
	desired := provider.Department{Key: "eng", Name: "Engineering", DisplayOrder: "2"}
	tests := []struct {
		name     string
		observed provider.Department
		want     []string
	}{
		{"display order 2 reads back as 2.0", provider.Department{Key: "eng", Name: "Engineering", DisplayOrder: "2.0"}, nil},
		{"nil and empty maps are equal", provider.Department{Key: "eng", Name: "Engineering", DisplayOrder: "2", I18nNames: map[string]string{}}, nil},
		{"a renamed department", provider.Department{Key: "eng", Name: "Eng", DisplayOrder: "2.0"}, []string{"name"}},
		{"a moved department", provider.Department{Key: "eng", Name: "Engineering", ParentKey: "hq", DisplayOrder: "2.0"}, []string{"parentExternalKey"}},
		{"another order", provider.Department{Key: "eng", Name: "Engineering", DisplayOrder: "2.5"}, []string{"displayOrder"}},
		{"e-mail settings", provider.Department{Key: "eng", Name: "Engineering", DisplayOrder: "2", EmailAddress: "a@b.c", ExternalEmailReceive: true},
			[]string{"emailAddress", "externalEmailReceive"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Diff(desired, tt.observed); !slices.Equal(got, tt.want) {
				t.Fatalf("Diff = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTopLevelParentMapsToEmpty(t *testing.T) {
	receive := true
	remote := toRemote(provider.Department{Key: "hq", Name: "HQ", DisplayOrder: "1", ExternalEmailReceive: true})
	if remote.ParentExternalKey != "#" || remote.ExternalEmailReceive == nil || *remote.ExternalEmailReceive != receive {
		t.Fatalf("toRemote = %+v", remote)
	}
	back := fromRemote(&remote)
	if back.ParentKey != "" || !back.ExternalEmailReceive {
		t.Fatalf("fromRemote = %+v", back)
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
