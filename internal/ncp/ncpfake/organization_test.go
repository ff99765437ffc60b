package ncpfake

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const orgBase = "/open-api/v1/org"

func TestOrganizationLifecycle(t *testing.T) {
	s, c := newTestCaller(t)

	notFound := gatewayErr("ORGANIZATION_NOT_FOUND", "the account does not belong to an organization")
	expect(t, c.do(http.MethodGet, orgBase, nil), http.StatusNotFound, notFound)
	if s.Organization(testAccessKey) != nil {
		t.Fatal("the account should start outside any organization")
	}

	created := c.do(http.MethodPost, orgBase, map[string]any{"organizationDesc": "orgsync test"})
	expect(t, created, http.StatusCreated, nil)
	no := created.json(t)["organizationNo"].(float64)
	name := fmt.Sprintf("org-%d", int64(no))
	expect(t, created, http.StatusCreated, map[string]any{"organizationNo": no, "organizationName": name, "organizationDesc": "orgsync test"})

	org := s.Organization(testAccessKey)
	if org == nil {
		t.Fatal("Organization = nil after create")
	}
	master := org.MasterMemberNo
	want := &Organization{
		OrganizationNo:           int64(no),
		OrganizationName:         name,
		OrganizationDesc:         "orgsync test",
		MasterMemberNo:           master,
		MasterMemberName:         fmt.Sprintf("Member %d", master),
		MasterMemberEmailAddress: fmt.Sprintf("member%d@example.com", master),
		MasterAccessKey:          testAccessKey,
	}
	if diff := cmp.Diff(want, org); diff != "" {
		t.Errorf("Organization (-want +got):\n%s", diff)
	}

	ms := float64(testEpoch.UnixMilli())
	expect(t, c.do(http.MethodGet, orgBase, nil), http.StatusOK, map[string]any{
		"organizationNo":           no,
		"organizationName":         name,
		"organizationDesc":         "orgsync test",
		"masterMemberNo":           float64(master),
		"masterMemberName":         want.MasterMemberName,
		"masterMemberEmailAddress": want.MasterMemberEmailAddress,
		"masterMemberYn":           "Y",
		"memberNo":                 float64(master),
		"joinYmdt":                 ms,
		"memberStatusCode":         "JOIN",
		"regYmdt":                  ms,
	})

	expect(t, c.do(http.MethodPost, orgBase, map[string]any{"organizationDesc": "again"}), http.StatusConflict,
		gatewayErr("COMMON_301", "already a member of an organization"))

	expect(t, c.do(http.MethodDelete, fmt.Sprintf("%s/%d", orgBase, int64(no)+1), nil), http.StatusNotFound,
		gatewayErr("ORGANIZATION_NOT_FOUND", fmt.Sprintf("organization not found: %d", int64(no)+1)))
	expect(t, c.do(http.MethodDelete, orgBase+"/abc", nil), http.StatusNotFound, nil)
	expect(t, c.do(http.MethodDelete, fmt.Sprintf("%s/%d", orgBase, int64(no)), nil), http.StatusOK, map[string]any{"result": "SUCCESS"})
	expect(t, c.do(http.MethodGet, orgBase, nil), http.StatusNotFound, notFound)
	if s.Organization(testAccessKey) != nil {
		t.Error("Organization should be nil after delete")
	}

	// Without a body, or with an empty one, the description is empty.
	created = c.do(http.MethodPost, orgBase, nil)
	expect(t, created, http.StatusCreated, nil)
	if desc := created.json(t)["organizationDesc"]; desc != "" {
		t.Errorf("organizationDesc = %v, want empty", desc)
	}
}

func TestOrganizationMembership(t *testing.T) {
	s := newTestServer(t)
	s.AddAccount("AKMEMBER", "member-secret")
	s.SetOrganization(testAccessKey, &Organization{OrganizationDesc: "preset"})
	org := s.Organization(testAccessKey)
	if org == nil || org.OrganizationNo == 0 || org.OrganizationName != fmt.Sprintf("org-%d", org.OrganizationNo) || org.MasterAccessKey != testAccessKey {
		t.Fatalf("Organization after SetOrganization = %+v", org)
	}
	// Another account joins the same organization as a plain member.
	s.SetOrganization("AKMEMBER", org)
	member := newCaller(t, s)
	member.accessKey, member.secretKey = "AKMEMBER", "member-secret"

	got := member.do(http.MethodGet, orgBase, nil)
	expect(t, got, http.StatusOK, nil)
	body := got.json(t)
	if body["masterMemberYn"] != "N" || body["organizationNo"] != float64(org.OrganizationNo) || body["masterMemberNo"] == body["memberNo"] {
		t.Errorf("member's view = %s", got.body)
	}
	expect(t, member.do(http.MethodPost, orgBase, map[string]any{}), http.StatusConflict, gatewayErr("COMMON_301", "already a member of an organization"))
	expect(t, member.do(http.MethodDelete, fmt.Sprintf("%s/%d", orgBase, org.OrganizationNo), nil), http.StatusForbidden, nil)
	if got := member.do(http.MethodDelete, fmt.Sprintf("%s/%d", orgBase, org.OrganizationNo), nil).json(t); got["error"].(map[string]any)["errorCode"] != "COMMON_101" {
		t.Errorf("not-master delete = %v, want COMMON_101", got)
	}

	// The master deletes: every member leaves.
	master := newCaller(t, s)
	expect(t, master.do(http.MethodDelete, fmt.Sprintf("%s/%d", orgBase, org.OrganizationNo), nil), http.StatusOK, nil)
	if s.Organization("AKMEMBER") != nil || s.Organization(testAccessKey) != nil {
		t.Error("members still belong to the deleted organization")
	}

	// Explicit fields are kept; nil leaves.
	s.SetOrganization(testAccessKey, &Organization{OrganizationNo: 77, OrganizationName: "Named", MasterMemberName: "Gildong Hong"})
	org = s.Organization(testAccessKey)
	if org.OrganizationNo != 77 || org.OrganizationName != "Named" || org.MasterMemberName != "Gildong Hong" {
		t.Errorf("Organization = %+v", org)
	}
	s.SetOrganization(testAccessKey, nil)
	if s.Organization(testAccessKey) != nil {
		t.Error("SetOrganization(nil) should leave the organization")
	}
	// Created numbers never collide with preset ones.
	created := master.do(http.MethodPost, orgBase, nil)
	expect(t, created, http.StatusCreated, nil)
	if n := created.json(t)["organizationNo"].(float64); n == 77 {
		t.Errorf("organizationNo %v collides with a preset one", n)
	}
}

func TestOrganizationBodyTypes(t *testing.T) {
	s, c := newTestCaller(t)
	got := c.do(http.MethodPost, orgBase, map[string]any{"organizationDesc": 5})
	expect(t, got, http.StatusBadRequest, gatewayErr("100", "organizationDesc must be of type string, not number"))
	if s.Organization(testAccessKey) != nil {
		t.Error("a rejected create made an organization")
	}
}
