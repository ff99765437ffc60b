package huaweicloud

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/orgsync/orgsync/internal/clienttest"
	"github.com/orgsync/orgsync/internal/fakeserver"
	"github.com/orgsync/orgsync/internal/huaweicloud/huaweifake"
)

// sentinels are every sentinel error an APIError can match.
var sentinels = []error{
	ErrNotFound, ErrAlreadyExists, ErrNameTaken, ErrParentNotFound, ErrHasChildren, ErrInvalidRequest,
	ErrUnrecognized, ErrUnauthorized, ErrForbidden, ErrThrottled, ErrConcurrentModification, ErrUnavailable,
	ErrNoOrganization,
}

// TestAPIErrorSentinels: only answers this package recognises match a specific sentinel.
func TestAPIErrorSentinels(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   []error // exactly these sentinels, no other
	}{
		{"documented: code exists", 400, `{"error_code":"ORG.0012","error_msg":"exists"}`, []error{ErrAlreadyExists}},
		{"documented: name required", 400, `{"error_code":"ORG.0011","error_msg":"name"}`, []error{ErrInvalidRequest}},
		{"unknown 400 code", 400, `{"error_code":"ORG.9999","error_msg":"未知错误：操作失败"}`, []error{ErrInvalidRequest, ErrUnrecognized}},
		{"400 without a body", 400, ``, []error{ErrInvalidRequest, ErrUnrecognized}},
		{"400 whose message says not found", 400, `{"error_code":"X.1","error_msg":"organization not found"}`, []error{ErrInvalidRequest, ErrUnrecognized}},
		{"the fake's not-found code, but a 400", 400, `{"error_code":"ORG.0010","error_msg":"gone"}`, []error{ErrInvalidRequest, ErrUnrecognized}},
		{"404 with the fake's not-found code", 404, `{"error_code":"ORG.0010","error_msg":"gone"}`, []error{ErrNotFound}},
		{"404 with a code never seen", 404, `{"error_code":"ORG.4040","error_msg":"x"}`, []error{ErrNotFound}},
		{"404 of the gateway: no such API", 404, `{"error_code":"APIGW.0101","error_msg":"The API does not exist"}`, []error{ErrInvalidRequest}},
		{"404 of a dedicated gateway: no such API", 404, `{"error_code":"APIG.0101","error_msg":"The API does not exist"}`, []error{ErrInvalidRequest}},
		{"409 with a code never seen", 409, `{"error_code":"Organizations.1204","error_msg":"quota exceeded"}`, []error{ErrUnrecognized}},
		{"409 concurrent modification", 409, `{"error_code":"Organizations.1003","error_msg":"busy"}`, []error{ErrConcurrentModification}},
		{"422 with a code never seen", 422, `{"error_code":"X","error_msg":"x"}`, []error{ErrInvalidRequest, ErrUnrecognized}},
		{"401", 401, `{"error_code":"AUTH.0001","error_msg":"token"}`, []error{ErrUnauthorized}},
		{"documented: no organization is a 401", 401, `{"error_code":"Organizations.1015","error_msg":"The organization is not found."}`, []error{ErrNoOrganization, ErrNotFound}},
		{"no organization's code with a 400 is read by its status", 400, `{"error_code":"Organizations.1015","error_msg":"x"}`, []error{ErrInvalidRequest, ErrUnrecognized}},
		{"no organization's code with a 403 is read by its status", 403, `{"error_code":"Organizations.1015","error_msg":"x"}`, []error{ErrForbidden}},
		{"no organization's code with a 404 is read by its status", 404, `{"error_code":"Organizations.1015","error_msg":"x"}`, []error{ErrNotFound}},
		{"no organization's code with a 500 is read by its status", 500, `{"error_code":"Organizations.1015","error_msg":"x"}`, []error{ErrUnavailable}},
		{"401 without a code", 401, ``, []error{ErrUnauthorized}},
		{"404 without a code is not no organization", 404, ``, []error{ErrNotFound}},
		{"the fake's former no-organization code", 404, `{"error_code":"Organizations.1100","error_msg":"no organization"}`, []error{ErrNotFound}},
		{"documented: internal token failure", 400, `{"error_code":"Organizations.1004","error_msg":"try again later"}`, []error{ErrUnavailable}},
		{"documented: CBC failure", 400, `{"error_code":"Organizations.1005","error_msg":"try again later"}`, []error{ErrUnavailable}},
		{"documented: assume-role failure", 400, `{"error_code":"Organizations.1006","error_msg":"try again later"}`, []error{ErrUnavailable}},
		{"403", 403, `{"error_code":"X","error_msg":"no"}`, []error{ErrForbidden}},
		{"429", 429, `{}`, []error{ErrThrottled}},
		{"503", 503, `{"error_code":"APIGW.0503","error_msg":"busy"}`, []error{ErrUnavailable}},
		{"the fake's has-children code", 400, `{"error_code":"ORG.0017","error_msg":"children"}`, []error{ErrHasChildren}},
		{"the fake's parent-not-found code", 400, `{"error_code":"ORG.0016","error_msg":"parent"}`, []error{ErrParentNotFound}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := newAPIError(tt.status, []byte(tt.body))
			var isNot []error
			for _, s := range sentinels {
				if !slices.Contains(tt.want, s) {
					isNot = append(isNot, s)
				}
			}
			clienttest.CheckIs(t, err, tt.want, isNot)
		})
	}
}

// TestUndocumentedAnswers runs the client against a fake that answers every failure the documents
// do not define with a code no client has seen: each stays an error carrying the status, code and
// message, and none reads as not found, already exists, parent not found or has children.
func TestUndocumentedAnswers(t *testing.T) {
	ctx := context.Background()
	srv := newFake(t, huaweifake.Options{Options: fakeserver.Options{UndocumentedErrors: true}})
	c := newOneAccess(t, srv.URL())
	parent := mustCreateUnit(t, c, OrgUnit{Code: "parent", Name: "Parent"})
	child := mustCreateUnit(t, c, OrgUnit{Code: "child", Name: "Child", ParentID: parent})

	tests := []struct {
		name string
		call func() error
	}{
		{"delete of a unit with children", func() error { return c.DeleteOrgUnit(ctx, parent) }},
		{"delete of a unit that does not exist", func() error { return c.DeleteOrgUnit(ctx, "missing") }},
		{"get of a unit that does not exist", func() error { _, err := c.GetOrgUnit(ctx, "missing"); return err }},
		{"update of a unit that does not exist", func() error {
			return c.UpdateOrgUnit(ctx, "missing", OrgUnitUpdate{Name: ptr("X")})
		}},
		{"create of a code that exists", creating(c, OrgUnit{Code: "child", Name: "Other"})},
		{"create under a parent that does not exist", creating(c, OrgUnit{Code: "orphan", Name: "Orphan", ParentID: "missing"})},
		{"update under a parent that does not exist", func() error {
			return c.UpdateOrgUnit(ctx, child, OrgUnitUpdate{ParentID: ptr("missing")})
		}},
		{"listing under a unit that does not exist", listingUnder(c, "missing")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			apiErr := apiError(t, err)
			if apiErr.StatusCode != 400 || apiErr.Code != "ORG.9999" || apiErr.Message != "未知错误：操作失败" {
				t.Errorf("APIError = %+v, want the answer's status, code and message", apiErr)
			}
			clienttest.CheckIs(t, err, []error{ErrInvalidRequest, ErrUnrecognized},
				[]error{ErrNotFound, ErrAlreadyExists, ErrNameTaken, ErrParentNotFound, ErrHasChildren, ErrUnauthorized})
			if IsRetryable(err) {
				t.Errorf("IsRetryable(%v) = true", err)
			}
		})
	}
	if n := len(srv.OrgUnits()); n != 2 {
		t.Errorf("the fake holds %d units after refused calls, want 2", n)
	}
	// What the documents do promise still works: a complete listing says what exists.
	if u, err := c.FindByCode(ctx, "child"); err != nil || u.ID != child || u.ParentID != parent {
		t.Errorf("FindByCode(child) = %+v, %v", u, err)
	}
	if _, err := c.FindByCode(ctx, "orphan"); !errors.Is(err, ErrNotFound) {
		t.Errorf("FindByCode(orphan) = %v, want ErrNotFound after a complete listing", err)
	}
}
