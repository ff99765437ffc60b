package ncpfake

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"
)

func TestOrganizationAnswers(t *testing.T) {
	noRoute := gatewayErr("300", "Not Found Exception")
	tests := []struct {
		answer OrganizationAnswer
		// what GET /org, POST /org and DELETE /org/{no} get (a nil body: not checked)
		getStatus, postStatus, deleteStatus int
		getBody, postBody                   map[string]any
	}{
		{OrgAnswerNoRoute, 404, 404, 404, noRoute, noRoute},
		{OrgAnswerUnparseable, 200, 201, 200, nil, nil},
		{OrgAnswerEmpty, 200, 201, 200, map[string]any{}, nil},
		{OrgAnswerTryLater, 403, 403, 403,
			gatewayErr("COMMON_102", "Failed to send the email. Please try again later."),
			gatewayErr("COMMON_102", "Failed to send the email. Please try again later.")},
		{OrgAnswerInternalError, 403, 403, 403,
			gatewayErr("COMMON_103", "An internal server error has occurred."),
			gatewayErr("COMMON_103", "An internal server error has occurred.")},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.answer), func(t *testing.T) {
			s, c := newTestCaller(t)
			s.SetOrganization(testAccessKey, &Organization{OrganizationNo: 77})
			s.SetOrganizationAnswer(tt.answer, -1)

			get := c.do(http.MethodGet, orgBase, nil)
			expect(t, get, tt.getStatus, tt.getBody)
			if tt.answer == OrgAnswerUnparseable && (bytes.HasPrefix(bytes.TrimSpace(get.body), []byte("{")) || len(get.body) == 0) {
				t.Errorf("GET answered %q, want a body that is not JSON", get.body)
			}
			s.SetOrganization(testAccessKey, nil)
			expect(t, c.do(http.MethodPost, orgBase, nil), tt.postStatus, tt.postBody)
			no := s.Organization(testAccessKey)
			created := no != nil
			if created != (tt.postStatus == http.StatusCreated) {
				t.Fatalf("after POST the account's organization is %+v", no)
			}
			path := orgBase + "/77"
			if created {
				path = fmt.Sprintf("%s/%d", orgBase, no.OrganizationNo)
			}
			expect(t, c.do(http.MethodDelete, path, nil), tt.deleteStatus, nil)

			// WORKPLACE is not affected, nor is a request with a bad signature answered by the API.
			expect(t, c.do(http.MethodGet, deptBase+"?offset=0&limit=10", nil), http.StatusOK, nil)
			bad := c
			bad.secretKey = "wrong"
			if tt.answer == OrgAnswerNoRoute {
				expect(t, bad.do(http.MethodGet, orgBase, nil), http.StatusNotFound, noRoute)
			} else {
				expect(t, bad.do(http.MethodGet, orgBase, nil), http.StatusUnauthorized, nil)
			}
		})
	}
}

func TestOrganizationAnswerCountsAndEnds(t *testing.T) {
	s, c := newTestCaller(t)
	notFound := gatewayErr("ORGANIZATION_NOT_FOUND", "the account does not belong to an organization")

	s.SetOrganizationAnswer(OrgAnswerInternalError, 2)
	expect(t, c.do(http.MethodGet, orgBase, nil), http.StatusForbidden, nil)
	expect(t, c.do(http.MethodGet, orgBase, nil), http.StatusForbidden, nil)
	expect(t, c.do(http.MethodGet, orgBase, nil), http.StatusNotFound, notFound)

	// An answer for GET /org only counts only those.
	s.SetOrganizationAnswer(OrgAnswerEmpty, 1)
	expect(t, c.do(http.MethodDelete, orgBase+"/5", nil), http.StatusNotFound, nil)
	expect(t, c.do(http.MethodGet, orgBase, nil), http.StatusOK, map[string]any{})
	expect(t, c.do(http.MethodGet, orgBase, nil), http.StatusNotFound, notFound)

	s.SetOrganizationAnswer(OrgAnswerNoRoute, -1)
	expect(t, c.do(http.MethodGet, orgBase, nil), http.StatusNotFound, gatewayErr("300", "Not Found Exception"))
	s.SetOrganizationAnswer(OrgAnswerAsStored, 0)
	expect(t, c.do(http.MethodGet, orgBase, nil), http.StatusNotFound, notFound)

	// One account's answer is its own.
	s.AddAccount("AKOTHER", "other-secret")
	other := c
	other.accessKey, other.secretKey = "AKOTHER", "other-secret"
	s.SetOrganizationAnswerFor("AKOTHER", OrgAnswerTryLater, -1)
	expect(t, c.do(http.MethodGet, orgBase, nil), http.StatusNotFound, notFound)
	expect(t, other.do(http.MethodGet, orgBase, nil), http.StatusForbidden, nil)
	s.SetOrganizationAnswer(OrgAnswerInternalError, -1)
	expect(t, c.do(http.MethodGet, orgBase, nil), http.StatusForbidden, gatewayErr("COMMON_103", "An internal server error has occurred."))
	expect(t, other.do(http.MethodGet, orgBase, nil), http.StatusForbidden, gatewayErr("COMMON_102", "Failed to send the email. Please try again later."))
	s.SetOrganizationAnswerFor("AKOTHER", OrgAnswerAsStored, 0)
	expect(t, other.do(http.MethodGet, orgBase, nil), http.StatusForbidden, gatewayErr("COMMON_103", "An internal server error has occurred."))
}

func TestRemoveOrganization(t *testing.T) {
	s, c := newTestCaller(t)
	s.AddAccount("AKMEMBER", "member-secret")
	s.SetOrganization(testAccessKey, &Organization{OrganizationNo: 55})
	s.SetOrganization("AKMEMBER", &Organization{OrganizationNo: 55})
	s.RemoveOrganization(55)
	if s.Organization(testAccessKey) != nil || s.Organization("AKMEMBER") != nil {
		t.Fatal("a member still belongs to the removed organization")
	}
	expect(t, c.do(http.MethodGet, orgBase, nil), http.StatusNotFound, gatewayErr("ORGANIZATION_NOT_FOUND", "the account does not belong to an organization"))
	expect(t, c.do(http.MethodDelete, orgBase+"/55", nil), http.StatusNotFound, nil)
}
