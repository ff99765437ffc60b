package huaweifake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/internal/fakeserver"
)

// send makes a OneAccess request and returns the status and the body.
func send(t *testing.T, srv *Server, token, method, pathAndQuery, body string) (int, []byte) {
	t.Helper()
	status, _, answer := roundTrip(t, srv, token, method, pathAndQuery, body)
	return status, answer
}

// listed is a list answer as the documents describe it; parent_id stays raw to tell null from "".
type listed struct {
	Total         int `json:"total"`
	Organizations []struct {
		OrgID    string          `json:"org_id"`
		OrgCode  string          `json:"org_code"`
		ParentID json.RawMessage `json:"parent_id"`
	} `json:"organizations"`
}

func list(t *testing.T, srv *Server, token string, q url.Values) listed {
	t.Helper()
	status, body := send(t, srv, token, http.MethodGet, orgUnitsPath+"?"+q.Encode(), "")
	if status != http.StatusOK {
		t.Fatalf("GET ?%s: %d %s", q.Encode(), status, body)
	}
	var answer listed
	if err := json.Unmarshal(body, &answer); err != nil {
		t.Fatalf("GET ?%s: %v in %s", q.Encode(), err, body)
	}
	return answer
}

// codesOf returns the codes of a page, in order.
func (l listed) codes() []string {
	out := []string{}
	for _, u := range l.Organizations {
		out = append(out, u.OrgCode)
	}
	return out
}

// pagingTree stores 5 roots, 30 children under each (150) and 2 grandchildren under each of the
// first 40 children (80): 235 units, 230 of them below a root. It returns the codes of the roots,
// of every other unit and of root r0's subtree, each in creation order.
func pagingTree(srv *Server) (roots, others, r0Subtree []string) {
	rootIDs := map[string]string{}
	for r := range 5 {
		code := fmt.Sprintf("r%d", r)
		rootIDs[code] = srv.PutOrgUnit(OrgUnit{Code: code, Name: code, Category: "department"})
		roots = append(roots, code)
	}
	r0Subtree = []string{"r0"}
	var children []string // ids
	var childCodes []string
	for r := range 5 {
		for c := range 30 {
			code := fmt.Sprintf("r%d-c%d", r, c)
			children = append(children, srv.PutOrgUnit(OrgUnit{Code: code, Name: code, ParentID: rootIDs[fmt.Sprintf("r%d", r)]}))
			childCodes = append(childCodes, code)
			others = append(others, code)
			if r == 0 {
				r0Subtree = append(r0Subtree, code)
			}
		}
	}
	for i := range 40 {
		for g := range 2 {
			code := fmt.Sprintf("%s-g%d", childCodes[i], g)
			srv.PutOrgUnit(OrgUnit{Code: code, Name: code, ParentID: children[i]})
			others = append(others, code)
			if i < 30 {
				r0Subtree = append(r0Subtree, code)
			}
		}
	}
	return roots, others, r0Subtree
}

func TestListPagesByPageNumber(t *testing.T) {
	srv, token := newOneAccessServer(t)
	roots, others, r0Subtree := pagingTree(srv)
	r0, _ := srv.OrgUnitByCode("r0")

	listings := []struct {
		name  string
		query url.Values
		want  []string
	}{
		{"roots", url.Values{}, roots},
		{"every unit but the roots", url.Values{"all_child": {"true"}}, others},
		{"r0 and its descendants", url.Values{"org_id": {r0.ID}, "all_child": {"true"}}, r0Subtree},
	}
	for _, l := range listings {
		for _, limit := range []int{10, 50, 100} {
			t.Run(fmt.Sprintf("%s/limit %d", l.name, limit), func(t *testing.T) {
				var got []string
				pages := (len(l.want) + limit - 1) / limit
				for page := 0; page <= pages; page++ { // one past the last: empty
					q := url.Values{"offset": {strconv.Itoa(page)}, "limit": {strconv.Itoa(limit)}}
					for k, v := range l.query {
						q[k] = v
					}
					answer := list(t, srv, token, q)
					if answer.Total != len(l.want) {
						t.Fatalf("page %d: total %d, want %d (all pages)", page, answer.Total, len(l.want))
					}
					wantLen := max(0, min(limit, len(l.want)-page*limit))
					if len(answer.Organizations) != wantLen {
						t.Fatalf("page %d: %d units, want %d", page, len(answer.Organizations), wantLen)
					}
					got = append(got, answer.codes()...)
				}
				if diff := cmp.Diff(l.want, got); diff != "" {
					t.Errorf("pages joined (-want +got):\n%s", diff)
				}
			})
		}
	}

	// offset counts pages, not rows: offset=1 with limit=10 starts at the 11th unit.
	second := list(t, srv, token, url.Values{"all_child": {"true"}, "offset": {"1"}, "limit": {"10"}})
	if diff := cmp.Diff(others[10:20], second.codes()); diff != "" {
		t.Errorf("offset=1&limit=10 (-want +got):\n%s", diff)
	}
	far := list(t, srv, token, url.Values{"all_child": {"true"}, "offset": {strconv.Itoa(1 << 62)}, "limit": {"100"}})
	if len(far.Organizations) != 0 || far.Total != len(others) {
		t.Errorf("a page far past the end: %+v", far)
	}
}

func TestListSelection(t *testing.T) {
	srv, token := newOneAccessServer(t)
	// Created in this order: A, B, C, A1, A2, C1, A1a.
	id := map[string]string{}
	for _, u := range []struct{ code, parent string }{
		{"A", ""}, {"B", ""}, {"C", ""}, {"A1", "A"}, {"A2", "A"}, {"C1", "C"}, {"A1a", "A1"},
	} {
		id[u.code] = srv.PutOrgUnit(OrgUnit{Code: u.code, Name: u.code, ParentID: id[u.parent]})
	}

	tests := []struct {
		name  string
		query url.Values
		want  []string
	}{
		{"no org_id, all_child absent: the roots", url.Values{}, []string{"A", "B", "C"}},
		{"no org_id, all_child=false: the roots", url.Values{"all_child": {"false"}}, []string{"A", "B", "C"}},
		{"no org_id, all_child=true: all but the roots", url.Values{"all_child": {"true"}}, []string{"A1", "A2", "C1", "A1a"}},
		{"org_id=A: A and its children", url.Values{"org_id": {id["A"]}}, []string{"A", "A1", "A2"}},
		{"org_id=A, all_child=false", url.Values{"org_id": {id["A"]}, "all_child": {"false"}}, []string{"A", "A1", "A2"}},
		{"org_id=A, all_child=true: A and its descendants", url.Values{"org_id": {id["A"]}, "all_child": {"true"}}, []string{"A", "A1", "A2", "A1a"}},
		{"org_id=A1a, a leaf: itself", url.Values{"org_id": {id["A1a"]}, "all_child": {"true"}}, []string{"A1a"}},
		{"org_id=C: C and C1", url.Values{"org_id": {id["C"]}}, []string{"C", "C1"}},
		{"org_id=A1: A1 and A1a", url.Values{"org_id": {id["A1"]}}, []string{"A1", "A1a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := url.Values{"offset": {"0"}, "limit": {"10"}}
			for k, v := range tt.query {
				q[k] = v
			}
			answer := list(t, srv, token, q)
			if diff := cmp.Diff(tt.want, answer.codes()); diff != "" {
				t.Errorf("listed (-want +got):\n%s", diff)
			}
			if answer.Total != len(tt.want) {
				t.Errorf("total %d, want %d", answer.Total, len(tt.want))
			}
			for _, u := range answer.Organizations {
				isRoot := slices.Contains([]string{"A", "B", "C"}, u.OrgCode)
				if isRoot != (string(u.ParentID) == "null") {
					t.Errorf("%s: parent_id %s", u.OrgCode, u.ParentID)
				}
			}
		})
	}
}

func TestListRefusesBadParameters(t *testing.T) {
	srv, token := newOneAccessServer(t)
	srv.PutOrgUnit(OrgUnit{Code: "a", Name: "A"})

	// An empty listing is an empty array, not null.
	if status, body := send(t, srv, token, http.MethodGet, orgUnitsPath+"?offset=0&limit=10&all_child=true", ""); status != 200 ||
		string(bytes.TrimSpace(body)) != `{"total":0,"organizations":[]}` {
		t.Errorf("empty listing: %d %s", status, body)
	}

	tests := []struct {
		query      string
		wantStatus int
	}{
		{"offset=0&limit=10", 200},
		{"offset=0&limit=100", 200},
		{"offset=3&limit=55", 200},
		{"limit=10", 200},
		{"offset=0&limit=5", 400},
		{"offset=0&limit=9", 400},
		{"offset=0&limit=101", 400},
		{"offset=0&limit=0", 400},
		{"offset=0&limit=-10", 400},
		{"offset=0&limit=ten", 400},
		{"offset=0&limit=10.0", 400},
		{"offset=-1&limit=10", 400},
		{"offset=first&limit=10", 400},
		{"offset=0.5&limit=10", 400},
		{"offset=0&limit=10&all_child=maybe", 400},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			status, body := send(t, srv, token, http.MethodGet, orgUnitsPath+"?"+tt.query, "")
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", status, tt.wantStatus, body)
			}
			if status == 200 {
				return
			}
			var e errorBody
			if err := json.Unmarshal(body, &e); err != nil || e.ErrorCode == "" || e.ErrorMsg == "" {
				t.Errorf("body %s, want {\"error_code\":...,\"error_msg\":...}", body)
			}
		})
	}
}

// undocumentedCase is a refused OneAccess call and what it is answered in normal mode.
type undocumentedCase struct {
	name               string
	method, path, body string
	normalStatus       int
	normalCode         string
}

func undocumentedCases(ids map[string]string) []undocumentedCase {
	unit := orgUnitsPath + "/"
	return []undocumentedCase{
		{"GET of a missing unit", http.MethodGet, unit + "missing", "", 404, codeNotFound},
		{"PUT of a missing unit", http.MethodPut, unit + "missing", `{"name":"X"}`, 404, codeNotFound},
		{"DELETE of a missing unit", http.MethodDelete, unit + "missing", "", 404, codeNotFound},
		{"listing under a missing unit", http.MethodGet, orgUnitsPath + "?offset=0&limit=10&org_id=missing", "", 404, codeNotFound},
		{"POST of a code that exists", http.MethodPost, orgUnitsPath, `{"code":"parent","name":"Other"}`, 400, codeCodeExists},
		{"PUT to a code that exists", http.MethodPut, unit + ids["child"], `{"code":"parent"}`, 400, codeCodeExists},
		{"POST under a missing parent", http.MethodPost, orgUnitsPath, `{"code":"orphan","name":"Orphan","parent_id":"missing"}`, 400, codeParentNotFound},
		{"PUT under a missing parent", http.MethodPut, unit + ids["child"], `{"parent_id":"missing"}`, 400, codeParentNotFound},
		{"DELETE of a unit with children", http.MethodDelete, unit + ids["parent"], "", 400, codeHasChildren},
		{"POST of a name a sibling has", http.MethodPost, orgUnitsPath, `{"code":"twin","name":"Child","parent_id":"` + ids["parent"] + `"}`, 400, codeNameTaken},
		{"PUT under its own child", http.MethodPut, unit + ids["parent"], `{"parent_id":"` + ids["child"] + `"}`, 400, codeCycle},
	}
}

func TestUndocumentedErrors(t *testing.T) {
	for _, mode := range []string{"normal", "undocumented from Options", "undocumented by setter"} {
		t.Run(mode, func(t *testing.T) {
			srv := NewServer(Options{ClientID: "app", ClientSecret: "secret", Options: fakeserver.Options{UndocumentedErrors: mode == "undocumented from Options"}})
			defer srv.Close()
			if mode == "undocumented by setter" {
				srv.SetUndocumentedErrors(true)
			}
			undocumented := mode != "normal"
			if srv.UndocumentedErrors() != undocumented {
				t.Fatalf("UndocumentedErrors() = %v", srv.UndocumentedErrors())
			}
			token := tokenFor(t, srv)
			ids := map[string]string{}
			ids["parent"] = srv.PutOrgUnit(OrgUnit{Code: "parent", Name: "Parent", Category: "department"})
			ids["child"] = srv.PutOrgUnit(OrgUnit{Code: "child", Name: "Child", ParentID: ids["parent"], Category: "department"})
			before := srv.OrgUnits()

			checkUndocumentedAnswers(t, srv, token, ids, undocumented)
			if diff := cmp.Diff(before, srv.OrgUnits()); diff != "" {
				t.Errorf("refused calls changed the state (-before +after):\n%s", diff)
			}
			checkDocumentedAnswers(t, srv, token, ids)
		})
	}
}

// checkUndocumentedAnswers checks the answer to each failure the documents do not define: its own
// status and code normally, 400 ORG.9999 with the undocumented message in undocumented mode.
func checkUndocumentedAnswers(t *testing.T, srv *Server, token string, ids map[string]string, undocumented bool) {
	t.Helper()
	for _, tt := range undocumentedCases(ids) {
		status, body := send(t, srv, token, tt.method, tt.path, tt.body)
		var e errorBody
		_ = json.Unmarshal(body, &e)
		wantStatus, wantCode := tt.normalStatus, tt.normalCode
		if undocumented {
			wantStatus, wantCode = http.StatusBadRequest, codeUndocumented
		}
		if status != wantStatus || e.ErrorCode != wantCode || e.ErrorMsg == "" {
			t.Errorf("%s: %d %s, want %d %s", tt.name, status, body, wantStatus, wantCode)
		}
		if undocumented && e.ErrorMsg != messageUndocumented {
			t.Errorf("%s: message %q", tt.name, e.ErrorMsg)
		}
	}
}

// checkDocumentedAnswers checks that documented answers, a listing and the delete of a leaf are the
// same in both modes.
func checkDocumentedAnswers(t *testing.T, srv *Server, token string, ids map[string]string) {
	t.Helper()
	documented := []struct {
		body string
		code string
	}{
		{`{"code":"x"}`, codeNameRequired},
		{`{"code":"a b","name":"X"}`, codeInvalidCode},
		{`{"code":"x","name":"A/B"}`, codeInvalidName},
	}
	for _, d := range documented {
		status, body := send(t, srv, token, http.MethodPost, orgUnitsPath, d.body)
		var e errorBody
		_ = json.Unmarshal(body, &e)
		if status != 400 || e.ErrorCode != d.code {
			t.Errorf("POST %s: %d %s, want 400 %s", d.body, status, body, d.code)
		}
	}
	if status, body := send(t, srv, token, http.MethodGet, orgUnitsPath+"?offset=0&limit=10", ""); status != 200 {
		t.Errorf("listing: %d %s", status, body)
	}
	if status, body := send(t, srv, token, http.MethodDelete, orgUnitsPath+"/"+ids["child"], ""); status != 204 {
		t.Errorf("delete of a leaf: %d %s", status, body)
	}
}

func TestSetUndocumentedErrorsConcurrently(t *testing.T) {
	srv, token := newOneAccessServer(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 20 {
				if i == 0 {
					srv.SetUndocumentedErrors(j%2 == 0)
				}
				status, _ := send(t, srv, token, http.MethodGet, orgUnitsPath+"/missing", "")
				if status != 404 && status != 400 {
					t.Errorf("status %d", status)
				}
			}
		})
	}
	wg.Wait()
}

// TestUpdateLeavesEmptyFieldsAsTheyAre: UpdateOrganization's reference says code and name "if left
// empty, are not changed"; the other fields are optional, so an empty parent_id or category changes
// nothing either, and no update moves a unit to the top level.
func TestUpdateLeavesEmptyFieldsAsTheyAre(t *testing.T) {
	srv, token := newOneAccessServer(t)
	parent := srv.PutOrgUnit(OrgUnit{Code: "parent", Name: "Parent", Category: "department"})
	other := srv.PutOrgUnit(OrgUnit{Code: "other", Name: "Other", Category: "department"})
	child := srv.PutOrgUnit(OrgUnit{Code: "child", Name: "Child", ParentID: parent, Category: "team"})
	want := OrgUnit{ID: child, Code: "child", Name: "Child", ParentID: parent, Category: "team"}

	for _, body := range []string{
		`{"parent_id":""}`,
		`{"code":"","name":"","parent_id":"","category":""}`,
		`{}`,
		`{"parent_id":null,"name":null}`,
	} {
		status, answer := send(t, srv, token, http.MethodPut, orgUnitsPath+"/"+child, body)
		if status != http.StatusOK {
			t.Fatalf("PUT %s: %d %s", body, status, answer)
		}
		if got, _ := srv.OrgUnitByCode("child"); got != want {
			t.Errorf("after PUT %s: %+v, want it unchanged %+v", body, got, want)
		}
	}

	// A field that is sent is changed, the others kept.
	if status, answer := send(t, srv, token, http.MethodPut, orgUnitsPath+"/"+child, `{"name":"Renamed","parent_id":"`+other+`","category":""}`); status != http.StatusOK {
		t.Fatalf("PUT: %d %s", status, answer)
	}
	want.Name, want.ParentID = "Renamed", other
	if got, _ := srv.OrgUnitByCode("child"); got != want {
		t.Errorf("after a rename and a move: %+v, want %+v", got, want)
	}
}

// TestIgnoredUpdates: the fault answers an update as accepted and changes nothing, for the
// requests Select picks; a refused update is still refused.
func TestIgnoredUpdates(t *testing.T) {
	srv, token := newOneAccessServer(t)
	ignored := srv.PutOrgUnit(OrgUnit{Code: "ignored", Name: "Ignored", Category: "department"})
	applied := srv.PutOrgUnit(OrgUnit{Code: "applied", Name: "Applied", Category: "department"})
	srv.SetFaults(Faults{IgnoredUpdateFraction: 1, Select: func(r *http.Request) bool {
		return r.URL.Path == orgUnitsPath+"/"+ignored
	}})

	if status, body := send(t, srv, token, http.MethodPut, orgUnitsPath+"/"+ignored, `{"name":"New"}`); status != http.StatusOK ||
		!bytes.Contains(body, []byte(ignored)) {
		t.Fatalf("ignored PUT: %d %s, want 200 with its org_id", status, body)
	}
	if u, _ := srv.OrgUnitByCode("ignored"); u.Name != "Ignored" {
		t.Errorf("ignored update applied: %+v", u)
	}
	for _, refused := range []string{`{"name":"A/B"}`, `{"name":"Applied"}`} { // invalid; a sibling's
		if status, body := send(t, srv, token, http.MethodPut, orgUnitsPath+"/"+ignored, refused); status != http.StatusBadRequest {
			t.Errorf("PUT %s under the fault: %d %s, want 400", refused, status, body)
		}
	}
	if status, body := send(t, srv, token, http.MethodPut, orgUnitsPath+"/"+applied, `{"name":"Applied 2"}`); status != http.StatusOK {
		t.Fatalf("PUT of another unit: %d %s", status, body)
	}
	if u, _ := srv.OrgUnitByCode("applied"); u.Name != "Applied 2" {
		t.Errorf("an update Select does not pick was not applied: %+v", u)
	}
}
