package ncp

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
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
		{"empty answer", ok(`{}`), nil, ErrNotFound},
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
