package ncpfake

import (
	"bytes"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/internal/fakeserver"
)

// undocumentedBody is the one answer of undocumented-answers mode.
var undocumentedBody = workplaceErr(http.StatusBadRequest, -9999, "알 수 없는 오류가 발생했습니다")

// Every failure the documents leave undefined has the fake's own answer in normal mode and the
// one unrecognisable answer in undocumented-answers mode; neither changes any state.
func TestUndocumentedAnswers(t *testing.T) {
	tests := []struct {
		name   string
		method string
		uri    string
		body   any
		// The normal-mode answer: a WORKPLACE error, or a gateway-shaped body when gateway is set.
		status  int
		code    int
		message string
		gateway map[string]any
	}{
		{name: "GET of a missing department", method: http.MethodGet, uri: deptBase + "/ghost",
			status: 404, code: -4040, message: "department not found: ghost"},
		{name: "POST of an existing key", method: http.MethodPost, uri: deptBase + "/a", body: dept("a", "#", "A", "1"),
			status: 409, code: -4090, message: "department already exists: a"},
		{name: "POST under a missing parent", method: http.MethodPost, uri: deptBase + "/new", body: dept("new", "nowhere", "New", "1"),
			status: 400, code: -4030, message: "parent department not found: nowhere"},
		{name: "PUT under a missing parent", method: http.MethodPut, uri: deptBase + "/b", body: dept("b", "nowhere", "B", "1"),
			status: 400, code: -4030, message: "parent department not found: nowhere"},
		{name: "PUT of a missing department", method: http.MethodPut, uri: deptBase + "/ghost", body: dept("ghost", "#", "Ghost", "1"),
			status: 404, code: -4040, message: "department not found: ghost"},
		{name: "DELETE of a missing department", method: http.MethodDelete, uri: deptBase + "/ghost",
			status: 404, code: -4040, message: "department not found: ghost"},
		{name: "DELETE of a department with sub-departments", method: http.MethodDelete, uri: deptBase + "/a",
			status: 400, code: -4050, message: "department has sub-departments: a"},
		{name: "GET of the organization of an account in none", method: http.MethodGet, uri: orgBase,
			status: 404, gateway: gatewayErr("ORGANIZATION_NOT_FOUND", "the account does not belong to an organization")},
		{name: "DELETE of an organization that does not exist", method: http.MethodDelete, uri: orgBase + "/424242",
			status: 404, gateway: gatewayErr("ORGANIZATION_NOT_FOUND", "organization not found: 424242")},
	}
	for _, undocumented := range []bool{false, true} {
		for _, tt := range tests {
			name := tt.name
			if undocumented {
				name += ", undocumented answers"
			}
			t.Run(name, func(t *testing.T) {
				s := NewServer(Options{AccessKey: testAccessKey, SecretKey: testSecretKey, CompanyIDs: []string{testCompany},
					Options: fakeserver.Options{Now: func() time.Time { return testEpoch }, UndocumentedErrors: undocumented},
				})
				t.Cleanup(s.Close)
				c := newCaller(t, s)
				c.mustCreate("a", "#")
				c.mustCreate("b", "a")
				before := s.Departments(testCompany)

				got := c.do(tt.method, tt.uri, tt.body)
				switch {
				case undocumented:
					expect(t, got, http.StatusBadRequest, undocumentedBody)
					if !bytes.Contains(got.body, []byte("알 수 없는 오류가 발생했습니다")) {
						t.Errorf("body %s does not carry the message as UTF-8 text", got.body)
					}
				case tt.gateway != nil:
					expect(t, got, tt.status, tt.gateway)
				default:
					expectWorkplaceError(t, got, tt.status, tt.code, tt.message)
				}
				if diff := cmp.Diff(before, s.Departments(testCompany)); diff != "" {
					t.Errorf("a refused call changed the departments (-before +after):\n%s", diff)
				}
				if s.Organization(testAccessKey) != nil {
					t.Error("a refused call made the account a member of an organization")
				}
			})
		}
	}
}

// POST /open-api/v1/org from an account that already belongs to an organization: the fake's 409
// COMMON_301, or the one unrecognisable answer; the account keeps its organization.
func TestUndocumentedCreateOfASecondOrganization(t *testing.T) {
	for _, undocumented := range []bool{false, true} {
		s, c := newTestCaller(t)
		s.SetUndocumentedErrors(undocumented)
		expect(t, c.do(http.MethodPost, orgBase, map[string]any{"organizationDesc": "first"}), http.StatusCreated, nil)
		first := s.Organization(testAccessKey)
		got := c.do(http.MethodPost, orgBase, map[string]any{"organizationDesc": "second"})
		if undocumented {
			expect(t, got, http.StatusBadRequest, undocumentedBody)
		} else {
			expect(t, got, http.StatusConflict, gatewayErr("COMMON_301", "already a member of an organization"))
		}
		if now := s.Organization(testAccessKey); now == nil || first == nil || now.OrganizationNo != first.OrganizationNo {
			t.Errorf("undocumented %t: the account's organization changed from %+v to %+v", undocumented, first, now)
		}
	}
}

// Answers the documents define, and successes, are the same in both modes.
func TestUndocumentedModeKeepsDefinedAnswers(t *testing.T) {
	s, c := newTestCaller(t)
	s.SetUndocumentedErrors(true)
	c.mustCreate("a", "#")

	expectWorkplaceError(t, c.do(http.MethodPost, deptBase+"/b", with(dept("b", "a", "B", "1"), "name", nil)),
		http.StatusBadRequest, -4020, "name is null")
	expectWorkplaceError(t, c.do(http.MethodGet, "/organization/apigw/v2/company/nope/department", nil),
		http.StatusNotFound, -4041, "company not found")
	expect(t, c.do(http.MethodGet, deptBase+"/a", nil), http.StatusOK, nil)
	expect(t, c.do(http.MethodPut, deptBase+"/a", dept("a", "#", "A2", "2")), http.StatusOK, nil)
	expect(t, c.do(http.MethodDelete, deptBase+"/a", nil), http.StatusOK, nil)
	expect(t, c.do(http.MethodGet, deptBase+"?limit=10", nil), http.StatusOK,
		map[string]any{"elements": []any{}, "totalCount": float64(0)})

	s.SetUndocumentedErrors(false)
	expectWorkplaceError(t, c.do(http.MethodGet, deptBase+"/a", nil), http.StatusNotFound, -4040, "department not found: a")
	s.SetUndocumentedErrors(true)
	expect(t, c.do(http.MethodGet, deptBase+"/a", nil), http.StatusBadRequest, undocumentedBody)
}

// The mode can be switched while requests are being served (run with -race).
func TestSetUndocumentedErrorsConcurrently(t *testing.T) {
	s, c := newTestCaller(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 25 {
				got := c.do(http.MethodGet, deptBase+"/ghost", nil)
				if got.status != http.StatusNotFound && got.status != http.StatusBadRequest {
					t.Errorf("status %d: %s", got.status, got.body)
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 100 {
			s.SetUndocumentedErrors(i%2 == 0)
		}
	})
	wg.Wait()
}
