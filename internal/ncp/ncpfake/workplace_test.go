package ncpfake

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The add, get, edit and delete calls with the seed document's example department.
func TestDepartmentLifecycle(t *testing.T) {
	s, c := newTestCaller(t)
	c.mustCreate("apitestdept1", "#")

	body := map[string]any{
		"name":                   "Test department",
		"i18nNames":              map[string]any{"ko_KR": "Test department", "en_US": "testDept"},
		"deptExternalKey":        "apitestdept2",
		"parentDeptExternalKey":  "apitestdept1",
		"deptEmailAddress":       "testDeptEmail@sample.com",
		"externalEmailReceiveYn": true,
		"dispOrd":                "1",
	}
	expect(t, c.do(http.MethodPost, deptBase+"/apitestdept2", body), http.StatusCreated, body)

	want := map[string]any{
		"tenantId":               testCompany,
		"companyId":              testCompany,
		"externalKey":            "apitestdept2",
		"name":                   "Test department",
		"i18nNames":              map[string]any{"ko_KR": "Test department", "en_US": "testDept"},
		"parentDeptExternalKey":  "apitestdept1",
		"deptLeaderExternalKey":  nil,
		"deptEmailAddress":       "testDeptEmail@sample.com",
		"externalEmailReceiveYn": true,
		"dispOrd":                "1.0",
	}
	expect(t, c.do(http.MethodGet, deptBase+"/apitestdept2", nil), http.StatusOK, want)

	edited := with(with(body, "name", "Test department 2"), "dispOrd", "2")
	expect(t, c.do(http.MethodPut, deptBase+"/apitestdept2", edited), http.StatusOK, edited)
	want = with(with(want, "name", "Test department 2"), "dispOrd", "2.0")
	expect(t, c.do(http.MethodGet, deptBase+"/apitestdept2", nil), http.StatusOK, want)

	yes := true
	wantStored := Department{
		ExternalKey:          "apitestdept2",
		Name:                 "Test department 2",
		I18nNames:            map[string]string{"ko_KR": "Test department", "en_US": "testDept"},
		ParentExternalKey:    "apitestdept1",
		EmailAddress:         "testDeptEmail@sample.com",
		ExternalEmailReceive: &yes,
		DisplayOrder:         "2.0",
	}
	got, ok := s.Department(testCompany, "apitestdept2")
	if !ok {
		t.Fatal("department not stored")
	}
	if diff := cmp.Diff(wantStored, got); diff != "" {
		t.Errorf("stored department (-want +got):\n%s", diff)
	}

	del := c.do(http.MethodDelete, deptBase+"/apitestdept2", nil)
	expect(t, del, http.StatusOK, nil)
	expectWorkplaceError(t, c.do(http.MethodGet, deptBase+"/apitestdept2", nil), http.StatusNotFound, -4040, "department not found: apitestdept2")
	if _, ok := s.Department(testCompany, "apitestdept2"); ok {
		t.Error("department still stored after delete")
	}
}

// Fields that were never sent read back as null, and externalEmailReceiveYn as false.
func TestDepartmentMinimalFieldsReadBack(t *testing.T) {
	_, c := newTestCaller(t)
	c.mustCreate("root", "#")
	expect(t, c.do(http.MethodGet, deptBase+"/root", nil), http.StatusOK, map[string]any{
		"tenantId":               testCompany,
		"companyId":              testCompany,
		"externalKey":            "root",
		"name":                   "Dept root",
		"i18nNames":              nil,
		"parentDeptExternalKey":  "#",
		"deptLeaderExternalKey":  nil,
		"deptEmailAddress":       nil,
		"externalEmailReceiveYn": false,
		"dispOrd":                "1.0",
	})
}

func TestDepartmentValidation(t *testing.T) {
	s, c := newTestCaller(t)
	c.mustCreate("parent", "#")
	valid := dept("k1", "parent", "Name", "1")
	long := strings.Repeat("가", 101) // counted in characters, not bytes
	longest := strings.Repeat("가", 100)

	tests := []struct {
		name    string
		method  string
		key     string
		body    any
		status  int
		code    int
		message string // empty: success
	}{
		{"valid", http.MethodPost, "k1", valid, http.StatusCreated, 0, ""},
		{"name of 100 characters", http.MethodPost, "k2", with(with(valid, "name", longest), "deptExternalKey", "k2"), http.StatusCreated, 0, ""},
		{"name missing", http.MethodPost, "k3", with(with(valid, "name", nil), "deptExternalKey", "k3"), 400, -4020, "name is null"},
		{"name empty", http.MethodPost, "k3", with(with(valid, "name", ""), "deptExternalKey", "k3"), 400, -4020, "name must not be empty"},
		{"name too long", http.MethodPost, "k3", with(with(valid, "name", long), "deptExternalKey", "k3"), 400, -4020, "name must be at most 100 characters"},
		{"i18n name too long", http.MethodPost, "k3", with(with(valid, "i18nNames", map[string]string{"en_US": long}), "deptExternalKey", "k3"), 400, -4020, "i18nNames[en_US] must be at most 100 characters"},
		{"deptExternalKey missing", http.MethodPost, "k3", with(valid, "deptExternalKey", nil), 400, -4020, "deptExternalKey is null"},
		{"deptExternalKey differs from path", http.MethodPost, "k3", valid, 400, -4020, "deptExternalKey does not match path"},
		{"deptExternalKey differs from path on PUT", http.MethodPut, "k1", with(valid, "deptExternalKey", "k2"), 400, -4020, "deptExternalKey does not match path"},
		{"parent missing", http.MethodPost, "k3", with(with(valid, "parentDeptExternalKey", nil), "deptExternalKey", "k3"), 400, -4020, "parentDeptExternalKey is null"},
		{"parent too long", http.MethodPost, "k3", with(with(valid, "parentDeptExternalKey", long), "deptExternalKey", "k3"), 400, -4020, "parentDeptExternalKey must be at most 100 characters"},
		{"parent does not exist", http.MethodPost, "k3", with(with(valid, "parentDeptExternalKey", "nope"), "deptExternalKey", "k3"), 400, -4030, "parent department not found: nope"},
		{"parent does not exist on PUT", http.MethodPut, "k1", with(valid, "parentDeptExternalKey", "nope"), 400, -4030, "parent department not found: nope"},
		{"email not an e-mail", http.MethodPost, "k3", with(with(valid, "deptEmailAddress", "not-an-email"), "deptExternalKey", "k3"), 400, -4020, "deptEmailAddress is not an e-mail address"},
		{"email too long", http.MethodPost, "k3", with(with(valid, "deptEmailAddress", strings.Repeat("a", 90)+"@example.com"), "deptExternalKey", "k3"), 400, -4020, "deptEmailAddress must be at most 100 characters"},
		{"dispOrd missing", http.MethodPost, "k3", with(with(valid, "dispOrd", nil), "deptExternalKey", "k3"), 400, -4020, "dispOrd is null"},
		{"dispOrd too long", http.MethodPost, "k3", with(with(valid, "dispOrd", "12345678901"), "deptExternalKey", "k3"), 400, -4020, "dispOrd must be at most 10 characters"},
		{"dispOrd not a number", http.MethodPost, "k3", with(with(valid, "dispOrd", "first"), "deptExternalKey", "k3"), 400, -4020, "dispOrd must be a decimal number"},
		{"dispOrd a JSON number", http.MethodPost, "k3", with(with(valid, "dispOrd", 2), "deptExternalKey", "k3"), 400, -4000, "dispOrd must be of type string, not number"},
		{"name a JSON number", http.MethodPost, "k3", with(with(valid, "name", 7), "deptExternalKey", "k3"), 400, -4000, "name must be of type string, not number"},
		{"externalEmailReceiveYn a string", http.MethodPost, "k3", with(with(valid, "externalEmailReceiveYn", "Y"), "deptExternalKey", "k3"), 400, -4000, "externalEmailReceiveYn must be of type bool, not string"},
		{"i18nNames a list", http.MethodPost, "k3", with(with(valid, "i18nNames", []string{"x"}), "deptExternalKey", "k3"), 400, -4000, "i18nNames must be of type map[string]string, not array"},
		{"malformed JSON", http.MethodPost, "k3", `{"name":`, 400, -4000, "malformed JSON: unexpected EOF"},
		{"empty body", http.MethodPost, "k3", "", 400, -4000, "request body is required"},
		{"two JSON values", http.MethodPost, "k3", `{} {}`, 400, -4000, "malformed JSON: unexpected data after the JSON value"},
		{"already exists", http.MethodPost, "k1", valid, 409, -4090, "department already exists: k1"},
		{"PUT unknown department", http.MethodPut, "k9", with(valid, "deptExternalKey", "k9"), 404, -4040, "department not found: k9"},
		{"path key of 37 characters", http.MethodPost, strings.Repeat("k", 37), with(valid, "deptExternalKey", strings.Repeat("k", 37)), 400, -4020, "externalKey must be at most 36 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.do(tt.method, deptBase+"/"+tt.key, tt.body)
			if tt.message == "" {
				expect(t, got, tt.status, nil)
				return
			}
			expectWorkplaceError(t, got, tt.status, tt.code, tt.message)
		})
	}
	if got := len(s.Departments(testCompany)); got != 3 {
		t.Errorf("%d departments stored, want 3 (parent, k1, k2): %+v", got, s.Departments(testCompany))
	}
}

// Field errors name their field; all of them are listed and the message is the first.
func TestDepartmentValidationListsEveryFieldError(t *testing.T) {
	_, c := newTestCaller(t)
	got := c.do(http.MethodPost, deptBase+"/k1", map[string]any{"deptExternalKey": "k1"})
	expect(t, got, http.StatusBadRequest, map[string]any{
		"status": float64(400),
		"code":   float64(-4020),
		"errors": []any{
			map[string]any{"field": "name", "message": "name is null"},
			map[string]any{"field": "parentDeptExternalKey", "message": "parentDeptExternalKey is null"},
			map[string]any{"field": "dispOrd", "message": "dispOrd is null"},
		},
		"message": "name is null",
	})
}

func TestUnknownCompanyAndPathLimits(t *testing.T) {
	s, c := newTestCaller(t)
	other := "/organization/apigw/v2/company/other-company/department"
	expectWorkplaceError(t, c.do(http.MethodGet, other, nil), 404, -4041, "company not found")
	expectWorkplaceError(t, c.do(http.MethodGet, other+"/k1", nil), 404, -4041, "company not found")
	expectWorkplaceError(t, c.do(http.MethodPost, other+"/k1", dept("k1", "#", "n", "1")), 404, -4041, "company not found")
	expectWorkplaceError(t, c.do(http.MethodDelete, other+"/k1", nil), 404, -4041, "company not found")

	longCompany := "/organization/apigw/v2/company/" + strings.Repeat("c", 37) + "/department"
	expectWorkplaceError(t, c.do(http.MethodGet, longCompany, nil), 400, -4020, "companyId must be at most 36 characters")

	s.AddCompany("other-company")
	expect(t, c.do(http.MethodGet, other, nil), http.StatusOK, map[string]any{"elements": []any{}, "totalCount": float64(0)})

	// A key of exactly 36 characters can be addressed.
	key := strings.Repeat("k", 36)
	c.mustCreate(key, "#")
	expect(t, c.do(http.MethodGet, deptBase+"/"+key, nil), http.StatusOK, nil)
}

// Keys are matched after unescaping, and the signature covers the escaped form sent.
func TestEscapedKey(t *testing.T) {
	_, c := newTestCaller(t)
	key := "sales/kr 1"
	escaped := "sales%2Fkr%201"
	expect(t, c.do(http.MethodPost, deptBase+"/"+escaped, dept(key, "#", "Sales", "1")), http.StatusCreated, nil)
	got := c.do(http.MethodGet, deptBase+"/"+escaped, nil)
	expect(t, got, http.StatusOK, nil)
	if ext := got.json(t)["externalKey"]; ext != key {
		t.Errorf("externalKey = %v, want %q", ext, key)
	}
}

func TestDispOrdNormalisation(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"2", "2.0", true},
		{"1.5", "1.5", true},
		{"03", "3.0", true},
		{"0", "0.0", true},
		{"1.50", "1.5", true},
		{"10.0", "10.0", true},
		{"007.070", "7.07", true},
		{"-1", "-1.0", true},
		{"+4", "4.0", true},
		{"-0.0", "0.0", true},
		{"9999999999", "9999999999.0", true},
		{"", "", false},
		{"1.", "", false},
		{".5", "", false},
		{"1e3", "", false},
		{"one", "", false},
		{" 1", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := normaliseDispOrd(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("normaliseDispOrd(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}

	// Over the wire: the add call echoes what was sent, reads return the normalised form.
	_, c := newTestCaller(t)
	for i, in := range []string{"2", "1.5", "03"} {
		key := fmt.Sprintf("d%d", i)
		body := dept(key, "#", "n", in)
		expect(t, c.do(http.MethodPost, deptBase+"/"+key, body), http.StatusCreated, body)
	}
	list := c.do(http.MethodGet, deptBase, nil).json(t)
	var got []any
	for _, e := range list["elements"].([]any) {
		got = append(got, e.(map[string]any)["dispOrd"])
	}
	if diff := cmp.Diff([]any{"2.0", "1.5", "3.0"}, got); diff != "" {
		t.Errorf("listed dispOrd (-want +got):\n%s", diff)
	}
}

func TestListPaging(t *testing.T) {
	for _, n := range []int{0, 1, 20, 21, 99, 100, 101, 250} {
		t.Run(fmt.Sprintf("%d departments", n), func(t *testing.T) {
			s, c := newTestCaller(t)
			var want []any
			for i := range n {
				key := fmt.Sprintf("dept-%03d", (i*37)%1000) // not in sorted order
				s.PutDepartment(testCompany, Department{ExternalKey: key, Name: key, ParentExternalKey: "#", DisplayOrder: "1"})
				want = append(want, key)
			}
			for _, limit := range []int{0, 1, 20, 100} { // 0: the default, 20
				if diff := cmp.Diff(want, listAllPages(t, c, n, limit)); diff != "" {
					t.Errorf("limit %d: keys in creation order (-want +got):\n%s", limit, diff)
				}
			}
		})
	}
}

// listAllPages reads a company of n departments page by page with limit (0: the default, 20),
// checking each page's totalCount and size, and returns the keys in the order listed.
func listAllPages(t *testing.T, c caller, n, limit int) []any {
	t.Helper()
	pageSize := limit
	if limit == 0 {
		pageSize = 20
	}
	var got []any
	for offset := 0; ; {
		uri := fmt.Sprintf("%s?offset=%d&limit=%d", deptBase, offset, limit)
		if limit == 0 {
			uri = fmt.Sprintf("%s?offset=%d", deptBase, offset)
		}
		page := c.do(http.MethodGet, uri, nil)
		expect(t, page, http.StatusOK, nil)
		body := page.json(t)
		if body["totalCount"] != float64(n) {
			t.Fatalf("totalCount = %v, want %d", body["totalCount"], n)
		}
		elements := body["elements"].([]any)
		if wantLen := min(pageSize, max(0, n-offset)); len(elements) != wantLen {
			t.Fatalf("offset %d limit %d: %d elements, want %d", offset, limit, len(elements), wantLen)
		}
		if len(elements) == 0 {
			return got
		}
		got = append(got, externalKeys(body)...)
		offset += len(elements)
	}
}

func TestListParameters(t *testing.T) {
	_, c := newTestCaller(t)
	for i := range 3 {
		c.mustCreate(fmt.Sprintf("d%d", i), "#")
	}
	tests := []struct {
		query   string
		status  int
		keys    []any
		message string
	}{
		{"", 200, []any{"d0", "d1", "d2"}, ""},
		{"?offset=1&limit=1", 200, []any{"d1"}, ""},
		{"?offset=2&limit=100", 200, []any{"d2"}, ""},
		{"?offset=3", 200, nil, ""},
		{"?offset=1000", 200, nil, ""},
		{"?limit=101", 400, nil, "limit must be an integer between 1 and 100"},
		{"?limit=0", 400, nil, "limit must be an integer between 1 and 100"},
		{"?limit=ten", 400, nil, "limit must be an integer between 1 and 100"},
		{"?offset=-1", 400, nil, "offset must be a non-negative integer"},
		{"?offset=x", 400, nil, "offset must be a non-negative integer"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got := c.do(http.MethodGet, deptBase+tt.query, nil)
			if !expectWorkplaceAnswer(t, got, tt.status, -4020, tt.message) {
				return
			}
			if diff := cmp.Diff(tt.keys, externalKeys(got.json(t))); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
		})
	}
}

// Moves: PUT may change the parent, but not into the department's own subtree.
func TestMoveAndCycle(t *testing.T) {
	s, c := newTestCaller(t)
	// a ─ b ─ c, and x at the top.
	c.mustCreate("a", "#")
	c.mustCreate("b", "a")
	c.mustCreate("c", "b")
	c.mustCreate("x", "#")

	tests := []struct {
		name, key, parent string
		status            int
		code              int
		message           string
	}{
		{"under itself", "b", "b", 400, -4031, "department cannot be moved under itself or its sub-department: b"},
		{"under its child", "a", "b", 400, -4031, "department cannot be moved under itself or its sub-department: b"},
		{"under its grandchild", "a", "c", 400, -4031, "department cannot be moved under itself or its sub-department: c"},
		{"under a missing parent", "b", "nope", 400, -4030, "parent department not found: nope"},
		{"to another parent", "b", "x", 200, 0, ""},
		{"to the top", "c", "#", 200, 0, ""},
		{"formerly a descendant, no longer", "a", "c", 200, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.do(http.MethodPut, deptBase+"/"+tt.key, dept(tt.key, tt.parent, "Dept "+tt.key, "1"))
			if !expectWorkplaceAnswer(t, got, tt.status, tt.code, tt.message) {
				return
			}
			if d, _ := s.Department(testCompany, tt.key); d.ParentExternalKey != tt.parent {
				t.Errorf("parent of %s = %q, want %q", tt.key, d.ParentExternalKey, tt.parent)
			}
		})
	}
	// A rejected move changes nothing.
	parents := map[string]string{}
	for _, d := range s.Departments(testCompany) {
		parents[d.ExternalKey] = d.ParentExternalKey
	}
	if diff := cmp.Diff(map[string]string{"a": "c", "b": "x", "c": "#", "x": "#"}, parents); diff != "" {
		t.Errorf("parents (-want +got):\n%s", diff)
	}
}

func TestDeleteRules(t *testing.T) {
	s, c := newTestCaller(t)
	c.mustCreate("a", "#")
	c.mustCreate("b", "a")

	expectWorkplaceError(t, c.do(http.MethodDelete, deptBase+"/a", nil), 400, -4050, "department has sub-departments: a")
	expectWorkplaceError(t, c.do(http.MethodDelete, deptBase+"/nope", nil), 404, -4040, "department not found: nope")
	expect(t, c.do(http.MethodDelete, deptBase+"/b", nil), 200, nil)
	expect(t, c.do(http.MethodDelete, deptBase+"/a", nil), 200, nil)
	expectWorkplaceError(t, c.do(http.MethodDelete, deptBase+"/a", nil), 404, -4040, "department not found: a")
	// A deleted key can be added again; it goes to the end of creation order.
	c.mustCreate("z", "#")
	c.mustCreate("a", "#")
	var keys []string
	for _, d := range s.Departments(testCompany) {
		keys = append(keys, d.ExternalKey)
	}
	if diff := cmp.Diff([]string{"z", "a"}, keys); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
}

// Direct edits bypass validation, show over HTTP, and inspection returns copies.
// An edit replaces the whole department: a field its body leaves out is cleared, the leader
// (which GET returns but the documented body lacks) included, unless the body sends it back.
func TestEditReplacesTheWholeDepartment(t *testing.T) {
	s, c := newTestCaller(t)
	yes := true
	s.PutDepartment(testCompany, Department{ExternalKey: "eng", Name: "Eng", ParentExternalKey: "#", DisplayOrder: "1",
		I18nNames: map[string]string{"en_US": "Eng"}, EmailAddress: "eng@example.com", ExternalEmailReceive: &yes, LeaderExternalKey: new("emp-1")})
	view := func() map[string]any { return c.do(http.MethodGet, deptBase+"/eng", nil).json(t) }
	if got := view()["deptLeaderExternalKey"]; got != "emp-1" {
		t.Fatalf("deptLeaderExternalKey = %v, want emp-1", got)
	}

	expect(t, c.do(http.MethodPut, deptBase+"/eng", with(dept("eng", "#", "Engineering", "1"), "deptLeaderExternalKey", "emp-1")), http.StatusOK, nil)
	got := view()
	if got["deptLeaderExternalKey"] != "emp-1" || got["name"] != "Engineering" {
		t.Errorf("after an edit that sends the leader back: %v", got)
	}
	if got["deptEmailAddress"] != nil || got["i18nNames"] != nil || got["externalEmailReceiveYn"] != false {
		t.Errorf("fields the edit left out were kept: %v", got)
	}

	expect(t, c.do(http.MethodPut, deptBase+"/eng", dept("eng", "#", "Engineering", "1")), http.StatusOK, nil)
	if got := view()["deptLeaderExternalKey"]; got != nil {
		t.Errorf("deptLeaderExternalKey = %v after an edit without it, want null", got)
	}
}

func TestDirectEdits(t *testing.T) {
	s, c := newTestCaller(t)
	yes := true
	s.PutDepartment(testCompany, Department{ExternalKey: "orphan", Name: "Orphan", ParentExternalKey: "gone",
		I18nNames: map[string]string{"en_US": "Orphan"}, ExternalEmailReceive: &yes, DisplayOrder: "02"})

	got, _ := s.Department(testCompany, "orphan")
	if got.DisplayOrder != "2.0" {
		t.Errorf("DisplayOrder = %q, want normalised 2.0", got.DisplayOrder)
	}
	got.I18nNames["en_US"] = "changed"
	*got.ExternalEmailReceive = false
	again, _ := s.Department(testCompany, "orphan")
	if again.I18nNames["en_US"] != "Orphan" || !*again.ExternalEmailReceive {
		t.Errorf("editing a returned department changed the fake: %+v", again)
	}

	expect(t, c.do(http.MethodGet, deptBase+"/orphan", nil), 200, nil)
	// Replacing keeps creation order.
	s.PutDepartment(testCompany, Department{ExternalKey: "second", Name: "Second", ParentExternalKey: "#", DisplayOrder: "1"})
	s.PutDepartment(testCompany, Department{ExternalKey: "orphan", Name: "Renamed", ParentExternalKey: "#", DisplayOrder: "x"})
	deps := s.Departments(testCompany)
	if len(deps) != 2 || deps[0].Name != "Renamed" || deps[0].DisplayOrder != "x" || deps[1].ExternalKey != "second" {
		t.Errorf("departments after replace = %+v", deps)
	}
	// Removing bypasses the sub-department rule.
	s.PutDepartment(testCompany, Department{ExternalKey: "child", Name: "Child", ParentExternalKey: "second", DisplayOrder: "1"})
	s.RemoveDepartment(testCompany, "second")
	if _, ok := s.Department(testCompany, "second"); ok {
		t.Error("RemoveDepartment left the department")
	}
	s.RemoveDepartment(testCompany, "never-existed")
	s.RemoveDepartment("no-such-company", "x")

	// PutDepartment creates the company.
	s.PutDepartment("new-company", Department{ExternalKey: "k", Name: "K", ParentExternalKey: "#", DisplayOrder: "1"})
	expect(t, c.do(http.MethodGet, "/organization/apigw/v2/company/new-company/department/k", nil), 200, nil)
	if s.Departments("unknown") != nil {
		t.Error("Departments of an unknown company should be nil")
	}
}

func TestLoadSeed(t *testing.T) {
	s := newTestServer(t)
	err := s.LoadSeed(strings.NewReader(`{"companies": {"seeded": [
		{"deptExternalKey": "sales", "name": "Sales", "parentDeptExternalKey": "#", "dispOrd": "1"},
		{"deptExternalKey": "sales-kr", "name": "Sales Korea", "parentDeptExternalKey": "sales", "dispOrd": "2",
		 "i18nNames": {"ko_KR": "영업"}, "deptEmailAddress": "kr@example.com", "externalEmailReceiveYn": false}
	]}}`))
	if err != nil {
		t.Fatal(err)
	}
	no := false
	want := []Department{
		{ExternalKey: "sales", Name: "Sales", ParentExternalKey: "#", DisplayOrder: "1.0"},
		{ExternalKey: "sales-kr", Name: "Sales Korea", ParentExternalKey: "sales", DisplayOrder: "2.0",
			I18nNames: map[string]string{"ko_KR": "영업"}, EmailAddress: "kr@example.com", ExternalEmailReceive: &no},
	}
	if diff := cmp.Diff(want, s.Departments("seeded")); diff != "" {
		t.Errorf("seeded departments (-want +got):\n%s", diff)
	}

	for name, seed := range map[string]string{
		"child before parent": `{"companies": {"c": [{"deptExternalKey": "b", "name": "B", "parentDeptExternalKey": "a", "dispOrd": "1"}]}}`,
		"duplicate":           `{"companies": {"c": [{"deptExternalKey": "b", "name": "B", "parentDeptExternalKey": "#", "dispOrd": "1"}, {"deptExternalKey": "b", "name": "B", "parentDeptExternalKey": "#", "dispOrd": "1"}]}}`,
		"invalid field":       `{"companies": {"c": [{"deptExternalKey": "b", "parentDeptExternalKey": "#", "dispOrd": "1"}]}}`,
		"not JSON":            `companies`,
	} {
		if err := s.LoadSeed(strings.NewReader(seed)); err == nil {
			t.Errorf("%s: LoadSeed succeeded, want an error", name)
		}
	}
}

// The write log records every add, edit and delete that reaches a company's chart, applied or
// refused, with the department before and after it; other companies' writes are theirs.
func TestDepartmentWrites(t *testing.T) {
	s, c := newTestCaller(t)
	steps := []struct {
		method, key string
		body        map[string]any
		status      int
	}{
		{http.MethodPost, "hq", dept("hq", "#", "HQ", "1"), http.StatusCreated},
		{http.MethodPost, "ops", dept("ops", "hq", "Ops", "2"), http.StatusCreated},
		{http.MethodPost, "lost", dept("lost", "nowhere", "Lost", "1"), http.StatusBadRequest},
		{http.MethodPut, "ops", dept("ops", "#", "Operations", "2"), http.StatusOK},
		{http.MethodPut, "hq", dept("hq", "ops", "HQ", "1"), http.StatusOK},
		{http.MethodDelete, "ops", nil, http.StatusBadRequest},
		{http.MethodDelete, "hq", nil, http.StatusOK},
	}
	for _, st := range steps {
		if got := c.do(st.method, deptBase+"/"+st.key, st.body); got.status != st.status {
			t.Fatalf("%s %s: %d, want %d", st.method, st.key, got.status, st.status)
		}
	}
	hq := &Department{ExternalKey: "hq", Name: "HQ", ParentExternalKey: "#", DisplayOrder: "1.0"}
	hqMoved := &Department{ExternalKey: "hq", Name: "HQ", ParentExternalKey: "ops", DisplayOrder: "1.0"}
	ops := &Department{ExternalKey: "ops", Name: "Ops", ParentExternalKey: "hq", DisplayOrder: "2.0"}
	operations := &Department{ExternalKey: "ops", Name: "Operations", ParentExternalKey: "#", DisplayOrder: "2.0"}
	want := []DepartmentWrite{
		{Method: http.MethodPost, Key: "hq", After: hq, Applied: true},
		{Method: http.MethodPost, Key: "ops", After: ops, Applied: true},
		{Method: http.MethodPost, Key: "lost"},
		{Method: http.MethodPut, Key: "ops", Before: ops, After: operations, Applied: true},
		{Method: http.MethodPut, Key: "hq", Before: hq, After: hqMoved, Applied: true},
		{Method: http.MethodDelete, Key: "ops", Before: operations, After: operations},
		{Method: http.MethodDelete, Key: "hq", Before: hqMoved, Applied: true},
	}
	if d := cmp.Diff(want, s.DepartmentWrites(testCompany)); d != "" {
		t.Errorf("write log (-want +got):\n%s", d)
	}
	if w := s.DepartmentWrites("another-company"); w != nil {
		t.Errorf("another company's log: %v", w)
	}
}
