package ncp

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/internal/clienttest"
	"github.com/orgsync/orgsync/internal/ncp/ncpfake"
)

func TestGetOrganization(t *testing.T) {
	joined := int64(1738539893024)
	tests := []struct {
		name    string
		resp    scriptedResponse
		want    *Organization
		wantErr error
	}{
		{"documented", ok(`{"organizationNo":2706,"organizationName":"NAVER Cloud Corporation","organizationDesc":"NAVER Cloud organization",
			"masterMemberNo":2600001,"masterMemberName":"Gildong Hong","masterMemberEmailAddress":"j*********@navercorp.com",
			"masterMemberYn":"Y","memberNo":2600001,"joinYmdt":1738539893024,"memberStatusCode":"JOIN","regYmdt":null}`),
			&Organization{OrganizationNo: 2706, OrganizationName: "NAVER Cloud Corporation", OrganizationDesc: "NAVER Cloud organization",
				MasterMemberNo: 2600001, MasterMemberName: "Gildong Hong", MasterMemberEmailAddress: "j*********@navercorp.com",
				MasterMemberYn: "Y", MemberNo: 2600001, JoinYmdt: &joined, MemberStatusCode: "JOIN"}, nil},
		{"numbers as strings", ok(`{"organizationNo":"2706","organizationName":"N","masterMemberNo":"17","memberNo":"18","joinYmdt":"1738539893024","masterMemberYn":"N"}`),
			&Organization{OrganizationNo: 2706, OrganizationName: "N", MasterMemberNo: 17, MemberNo: 18, JoinYmdt: &joined, MasterMemberYn: "N"}, nil},
		{"no organization", status(404, `{"error":{"errorCode":"ORGANIZATION_NOT_FOUND","message":"no organization"}}`), nil, ErrNotFound},
		{"empty answer", ok(`{}`), nil, errNoOrganizationInAnswer},
		{"not the main account", status(401, `{"error":{"errorCode":"COMMON_201","message":"main account only"}}`), nil, ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newScriptServer(t, tt.resp)
			c := newTestClient(t, srv.URL)
			got, err := c.GetOrganization(context.Background())
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("organization (-want +got):\n%s", diff)
			}
			if r := srv.recorded()[0]; r.Method != http.MethodGet || r.RequestURI != "/open-api/v1/org" {
				t.Fatalf("request %s %s", r.Method, r.RequestURI)
			}
		})
	}
}

func TestCreateOrganization(t *testing.T) {
	srv := newScriptServer(t, status(201, `{"organizationNo":166,"organizationName":"Organization01","organizationDesc":"desc"}`))
	c := newTestClient(t, srv.URL)
	got, err := c.CreateOrganization(context.Background(), "desc")
	if err != nil {
		t.Fatal(err)
	}
	if got.OrganizationNo != 166 || got.OrganizationName != "Organization01" || got.OrganizationDesc != "desc" {
		t.Fatalf("organization = %+v", got)
	}
	r := srv.recorded()[0]
	if r.Method != http.MethodPost || r.RequestURI != "/open-api/v1/org" || r.Body != `{"organizationDesc":"desc"}` {
		t.Fatalf("request %s %s %s", r.Method, r.RequestURI, r.Body)
	}

	srv = newScriptServer(t, status(409, `{"error":{"errorCode":"COMMON_301","message":"already a member of an organization"}}`))
	c = newTestClient(t, srv.URL)
	if _, err := c.CreateOrganization(context.Background(), "desc"); !errors.Is(err, ErrAlreadyExists) {
		t.Fatalf("err = %v, want ErrAlreadyExists", err)
	}
}

func TestDeleteOrganization(t *testing.T) {
	tests := []struct {
		name      string
		responses []scriptedResponse
		wantErr   error
		wantCalls int64
	}{
		{"success", []scriptedResponse{ok(`{"result":"SUCCESS"}`)}, nil, 1},
		{"empty success", []scriptedResponse{ok(``)}, nil, 1},
		{"not master", []scriptedResponse{status(403, `{"error":{"errorCode":"COMMON_101","message":"not master"}}`)}, ErrForbidden, 1},
		{"unknown", []scriptedResponse{status(404, `{"error":{"errorCode":"COMMON_404","message":"no such organization"}}`)}, ErrNotFound, 1},
		{"throttled then success", []scriptedResponse{status(403, body403Busy), ok(`{"result":"SUCCESS"}`)}, nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newScriptServer(t, tt.responses...)
			c := newTestClient(t, srv.URL)
			err := c.DeleteOrganization(context.Background(), 2706)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if srv.calls.Load() != tt.wantCalls {
				t.Fatalf("%d calls, want %d", srv.calls.Load(), tt.wantCalls)
			}
			if r := srv.recorded()[0]; r.Method != http.MethodDelete || r.RequestURI != "/open-api/v1/org/2706" {
				t.Fatalf("request %s %s", r.Method, r.RequestURI)
			}
		})
	}
	srv := newScriptServer(t, ok(`{"result":"FAIL"}`))
	if err := newTestClient(t, srv.URL).DeleteOrganization(context.Background(), 1); err == nil {
		t.Fatal(`{"result":"FAIL"} accepted as success`)
	}
}

// Each answer of the NCP Organization API and its gateway, as the fake gives it, read for what it
// says: only a 404 from the Organization API itself on GET /org is "no organization"; the
// gateway's 404 errorCode 300 is a wrong endpoint or path; a 200 that holds no organization, or
// cannot be read, is neither; COMMON_102 and COMMON_103 are temporary
// (TestFakeOrganizationTemporaryAnswersAreRetried).
func TestFakeOrganizationAnswers(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		answer ncpfake.OrganizationAnswer
		is     []error
		isNot  []error
	}{
		{"no organization: 404 from the Organization API", ncpfake.OrgAnswerAsStored,
			[]error{ErrNoOrganization, ErrNotFound}, []error{ErrNoRoute, ErrUnauthorized, ErrForbidden, ErrUnavailable}},
		{"gateway 404 errorCode 300", ncpfake.OrgAnswerNoRoute,
			[]error{ErrNoRoute}, []error{ErrNoOrganization, ErrNotFound, ErrUnavailable}},
		{"200 that is not JSON", ncpfake.OrgAnswerUnparseable,
			nil, []error{ErrNoOrganization, ErrNotFound, ErrNoRoute}},
		{"200 without an organization", ncpfake.OrgAnswerEmpty,
			nil, []error{ErrNoOrganization, ErrNotFound, ErrNoRoute}},
		{"403 COMMON_102", ncpfake.OrgAnswerTryLater,
			[]error{ErrUnavailable}, []error{ErrForbidden, ErrUnauthorized, ErrNoOrganization, ErrNotFound}},
		{"403 COMMON_103", ncpfake.OrgAnswerInternalError,
			[]error{ErrUnavailable}, []error{ErrForbidden, ErrUnauthorized, ErrNoOrganization, ErrNotFound}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFake(t)
			c := newFakeClient(t, srv, func(cfg *Config) { cfg.MaxAttempts = 3 })
			srv.SetOrganizationAnswer(tt.answer, -1)
			org, err := c.GetOrganization(ctx)
			if err == nil || org != nil {
				t.Fatalf("GetOrganization = %+v, %v; want an error", org, err)
			}
			clienttest.CheckIs(t, err, tt.is, tt.isNot)
			if tt.answer == ncpfake.OrgAnswerNoRoute && !strings.Contains(err.Error(), "endpoint or path") {
				t.Errorf("the error does not say that the endpoint or path is wrong: %v", err)
			}
		})
	}
}

// The Organization API's temporary answers (COMMON_102, COMMON_103) are retried, except on a
// create: nothing says its first attempt did nothing.
func TestFakeOrganizationTemporaryAnswersAreRetried(t *testing.T) {
	ctx := context.Background()
	for _, answer := range []ncpfake.OrganizationAnswer{ncpfake.OrgAnswerTryLater, ncpfake.OrgAnswerInternalError} {
		t.Run(answer.String()+" is retried", func(t *testing.T) {
			srv := newFake(t)
			c := newFakeClient(t, srv)
			srv.SetOrganization(testAccessKey, &ncpfake.Organization{OrganizationNo: 31})
			srv.SetOrganizationAnswer(answer, 2)
			if org, err := c.GetOrganization(ctx); err != nil || org.OrganizationNo != 31 {
				t.Fatalf("GetOrganization after two temporary failures = %+v, %v", org, err)
			}
			srv.SetOrganizationAnswer(answer, 1)
			if err := c.DeleteOrganization(ctx, 31); err != nil {
				t.Fatalf("DeleteOrganization after a temporary failure: %v", err)
			}
			// A create is not repeated: nothing says the first attempt did nothing.
			srv.SetOrganizationAnswer(answer, 1)
			srv.ResetRequests()
			if _, err := c.CreateOrganization(ctx, "x"); !errors.Is(err, ErrUnavailable) || !IsRetryable(err) {
				t.Fatalf("CreateOrganization: %v, want a retryable ErrUnavailable", err)
			}
			if n := len(srv.Requests()); n != 1 {
				t.Errorf("CreateOrganization made %d requests, want 1", n)
			}
		})
	}
}

// The answers the fake cannot give (a gateway in front of the service, a proxy): only a 404 with
// a code of the Organization API's own that names a missing organization is "no organization".
func TestGetOrganizationNoOrganizationOnlyFromTheOrganizationAPI(t *testing.T) {
	tests := []struct {
		name string
		resp scriptedResponse
		want bool // ErrNoOrganization
	}{
		{"404 with the API's own code", status(404, `{"error":{"errorCode":"ORGANIZATION_NOT_FOUND","message":"x"}}`), true},
		{"404 with a top-level code naming the organization", status(404, `{"errorCode":"ORG_NOT_EXIST","message":"x"}`), true},
		{"404 with a code of its own that names no organization", status(404, `{"errorCode":"COMMON_404","message":"x"}`), false},
		{"404 from another service behind a wrong endpoint", status(404, `{"responseError":{"returnCode":"MEMBER_NOT_FOUND","returnMessage":"x"}}`), false},
		{"404 from a proxy", status(404, `{"code":"NOT_FOUND","msg":"x"}`), false},
		{"gateway 404 errorCode 300 as a string", status(404, `{"error":{"errorCode":"300","message":"Not Found Exception"}}`), false},
		{"gateway 404 errorCode 300 as a number", status(404, `{"error":{"errorCode":300,"message":"Not Found Exception"}}`), false},
		{"404 without a body", status(404, ``), false},
		{"404 that is HTML", status(404, `<html>Not Found</html>`), false},
		{"404 Spring style", status(404, `{"timestamp":1,"status":404,"error":"Not Found","message":"No message available"}`), false},
		{"200 null", ok(`null`), false},
		{"200 with a name but no number", ok(`{"organizationName":"N"}`), false},
		{"400", status(400, `{"error":{"errorCode":"COMMON_400","message":"no organization"}}`), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newScriptServer(t, tt.resp)
			_, err := newTestClient(t, srv.URL).GetOrganization(context.Background())
			if err == nil || errors.Is(err, ErrNoOrganization) != tt.want {
				t.Fatalf("err = %v, want ErrNoOrganization %v", err, tt.want)
			}
		})
	}
}
