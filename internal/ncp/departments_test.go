package ncp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/internal/httpretry"
)

// pagingServer serves a fixed list of departments with offset/limit paging
// and records the pages asked for.
type pagingServer struct {
	total     int
	claim     func(total int) any // totalCount to report; nil omits it
	mu        sync.Mutex
	pageCalls []string
}

func (p *pagingServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil || limit > 100 || limit < 1 {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"status":400,"code":-4020,"errors":[],"message":"bad limit"}`))
		return
	}
	p.mu.Lock()
	p.pageCalls = append(p.pageCalls, r.URL.RawQuery)
	p.mu.Unlock()
	elements := []map[string]any{}
	for i := offset; i < min(offset+limit, p.total); i++ {
		elements = append(elements, map[string]any{
			"externalKey": fmt.Sprintf("d%03d", i), "name": fmt.Sprintf("Dept %d", i),
			"parentDeptExternalKey": "#", "dispOrd": fmt.Sprintf("%d.0", i),
		})
	}
	page := map[string]any{"elements": elements}
	if p.claim != nil {
		page["totalCount"] = p.claim(p.total)
	}
	_ = json.NewEncoder(w).Encode(page)
}

func TestListDepartmentsPaging(t *testing.T) {
	exact := func(total int) any { return total }
	tests := []struct {
		name      string
		total     int
		pageSize  int
		claim     func(int) any
		wantPages []string
	}{
		{"empty", 0, 0, exact, []string{"offset=0&limit=100"}},
		{"one", 1, 0, exact, []string{"offset=0&limit=100"}},
		{"exactly one page", 100, 0, exact, []string{"offset=0&limit=100"}},
		{"one more than a page", 101, 0, exact, []string{"offset=0&limit=100", "offset=100&limit=100"}},
		{"250", 250, 0, exact, []string{"offset=0&limit=100", "offset=100&limit=100", "offset=200&limit=100"}},
		{"250 in pages of 100 given as a string total", 250, 0, func(total int) any { return strconv.Itoa(total) },
			[]string{"offset=0&limit=100", "offset=100&limit=100", "offset=200&limit=100"}},
		{"small pages", 25, 10, exact, []string{"offset=0&limit=10", "offset=10&limit=10", "offset=20&limit=10"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &pagingServer{total: tt.total, claim: tt.claim}
			srv := httptest.NewServer(p)
			defer srv.Close()
			c := newTestClient(t, srv.URL, func(cfg *Config) { cfg.ListPageSize = tt.pageSize })
			got, err := c.ListDepartments(context.Background(), "c1")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.total {
				t.Fatalf("%d departments, want %d", len(got), tt.total)
			}
			for i, d := range got {
				if want := fmt.Sprintf("d%03d", i); d.ExternalKey != want {
					t.Fatalf("department %d = %s, want %s (order must be kept)", i, d.ExternalKey, want)
				}
			}
			if diff := cmp.Diff(tt.wantPages, p.pageCalls); diff != "" {
				t.Fatalf("pages requested (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDepartmentRequestBody(t *testing.T) {
	yes := true
	tests := []struct {
		name string
		dept Department
		want map[string]any
	}{
		{"full", Department{ExternalKey: "sales", Name: "Sales", I18nNames: map[string]string{"ko_KR": "영업", "en_US": "Sales"},
			ParentExternalKey: "#", EmailAddress: "sales@example.com", ExternalEmailReceive: &yes, DisplayOrder: "2",
			TenantID: "ignored", DeptNo: "ignored"},
			map[string]any{"name": "Sales", "i18nNames": map[string]any{"ko_KR": "영업", "en_US": "Sales"},
				"deptExternalKey": "sales", "parentDeptExternalKey": "#", "deptEmailAddress": "sales@example.com",
				"externalEmailReceiveYn": true, "dispOrd": "2"}},
		{"minimal: empty e-mail sent, unset map, flag and leader left out", Department{ExternalKey: "ops", Name: "Ops", ParentExternalKey: "sales", DisplayOrder: "1.5"},
			map[string]any{"name": "Ops", "deptExternalKey": "ops",
				"parentDeptExternalKey": "sales", "deptEmailAddress": "", "dispOrd": "1.5"}},
		{"cleared: an empty map is sent", Department{ExternalKey: "ops", Name: "Ops", ParentExternalKey: "sales", DisplayOrder: "1.5", I18nNames: map[string]string{}},
			map[string]any{"name": "Ops", "i18nNames": map[string]any{}, "deptExternalKey": "ops",
				"parentDeptExternalKey": "sales", "deptEmailAddress": "", "dispOrd": "1.5"}},
		{"a leader is sent back as read", Department{ExternalKey: "ops", Name: "Ops", ParentExternalKey: "#", DisplayOrder: "1", LeaderExternalKey: new("emp-7")},
			map[string]any{"name": "Ops", "deptExternalKey": "ops", "parentDeptExternalKey": "#", "deptLeaderExternalKey": "emp-7",
				"deptEmailAddress": "", "dispOrd": "1"}},
	}
	for _, tt := range tests {
		for _, method := range []string{http.MethodPost, http.MethodPut} {
			t.Run(tt.name+" "+method, func(t *testing.T) {
				srv := newScriptServer(t, ok(""))
				c := newTestClient(t, srv.URL)
				var err error
				if method == http.MethodPost {
					_, err = c.CreateDepartment(context.Background(), "c1", tt.dept)
				} else {
					_, err = c.UpdateDepartment(context.Background(), "c1", tt.dept)
				}
				if err != nil {
					t.Fatal(err)
				}
				r := srv.recorded()[0]
				if r.Method != method || r.RequestURI != "/organization/apigw/v2/company/c1/department/"+tt.dept.ExternalKey {
					t.Fatalf("request %s %s", r.Method, r.RequestURI)
				}
				var got map[string]any
				if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
					t.Fatalf("body %q: %v", r.Body, err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Fatalf("body (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestDepartmentResponseDecoding(t *testing.T) {
	yes, no := true, false
	leader := "emp-7"
	tests := []struct {
		name string
		body string
		want Department
	}{
		{"documented GET", `{"tenantId":"t1","companyId":"c1","externalKey":"apitestdept3","name":"Test department 2",
			"i18nNames":{"ko_KR":"Test department 2","en_US":"testDept2"},"parentDeptExternalKey":"apitestdept1",
			"deptLeaderExternalKey":null,"deptEmailAddress":"testDeptEmail@sample.com","externalEmailReceiveYn":true,"dispOrd":"2.0"}`,
			Department{TenantID: "t1", CompanyID: "c1", ExternalKey: "apitestdept3", Name: "Test department 2",
				I18nNames: map[string]string{"ko_KR": "Test department 2", "en_US": "testDept2"}, ParentExternalKey: "apitestdept1",
				EmailAddress: "testDeptEmail@sample.com", ExternalEmailReceive: &yes, DisplayOrder: "2.0"}},
		{"loose types", `{"externalKey":"d","deptExternalKey":"other","name":"D","parentDeptExternalKey":"#","deptLeaderExternalKey":"emp-7",
			"externalEmailReceiveYn":"N","dispOrd":3.5,"deptNo":12345,"parentDeptNo":"#","i18nNames":null,"unknownField":[1,2]}`,
			Department{ExternalKey: "d", Name: "D", ParentExternalKey: "#", LeaderExternalKey: &leader,
				ExternalEmailReceive: &no, DisplayOrder: "3.5", DeptNo: "12345", ParentDeptNo: "#"}},
		{"escaped strings", `{"externalKey":"a\/b","name":"Sales \"East\" \u00e9\n","i18nNames":{"ko_KR":"\uc601\uc5c5"},"dispOrd":"1"}`,
			Department{ExternalKey: "a/b", Name: "Sales \"East\" é\n", I18nNames: map[string]string{"ko_KR": "영업"}, DisplayOrder: "1"}},
		{"echo uses deptExternalKey", `{"deptExternalKey":"d","name":"D","parentDeptExternalKey":"#","dispOrd":"1"}`,
			Department{ExternalKey: "d", Name: "D", ParentExternalKey: "#", DisplayOrder: "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp departmentResponse
			if err := json.Unmarshal([]byte(tt.body), &resp); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, resp.department()); diff != "" {
				t.Fatalf("department (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteDepartmentWithoutEcho(t *testing.T) {
	srv := newScriptServer(t, status(http.StatusCreated, ""))
	c := newTestClient(t, srv.URL)
	in := Department{ExternalKey: "d", Name: "D", ParentExternalKey: "#", DisplayOrder: "1", I18nNames: map[string]string{"en_US": "D"}}
	got, err := c.CreateDepartment(context.Background(), "c1", in)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, *got); diff != "" {
		t.Fatalf("without a body the sent department comes back (-want +got):\n%s", diff)
	}
}

func TestUnaddressableKeysRejectedLocally(t *testing.T) {
	srv := newScriptServer(t, ok(deptBody))
	c := newTestClient(t, srv.URL)
	ctx := context.Background()
	calls := map[string]func() error{
		"empty key":    func() error { _, err := c.GetDepartment(ctx, "c1", ""); return err },
		"dot key":      func() error { _, err := c.GetDepartment(ctx, "c1", "."); return err },
		"dot-dot key":  func() error { return c.DeleteDepartment(ctx, "c1", "..") },
		"empty create": func() error { _, err := c.CreateDepartment(ctx, "c1", Department{Name: "x"}); return err },
		"no company":   func() error { _, err := c.ListDepartments(ctx, ""); return err },
		"org number 0": func() error { return c.DeleteOrganization(ctx, 0) },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("%s: err = %v, want ErrInvalidRequest", name, err)
		}
	}
	if srv.calls.Load() != 0 {
		t.Fatalf("%d requests sent for unaddressable keys", srv.calls.Load())
	}
}

func TestEqualDisplayOrder(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"2", "2.0", true},
		{"2", "02", true},
		{"02.50", "2.5", true},
		{"0", "0.0", true},
		{"-0", "0", true},
		{"+3", "3.00", true},
		{".5", "0.5", true},
		{"5.", "5", true},
		{" 7 ", "7.0", true},
		{"1000", "1000.000", true},
		{"2", "2.1", false},
		{"10", "1", false},
		{"-1", "1", false},
		{"1.05", "1.5", false},
		{"abc", "abc", true},
		{"abc", "ABC", false},
		{"1e2", "100", false},
		{"", "", true},
		{"", "0", false},
		{"1.2.3", "1.2.3", true},
	}
	for _, tt := range tests {
		if got := EqualDisplayOrder(tt.a, tt.b); got != tt.want {
			t.Errorf("EqualDisplayOrder(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := EqualDisplayOrder(tt.b, tt.a); got != tt.want {
			t.Errorf("EqualDisplayOrder(%q, %q) = %v, want %v (not symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
}

// pageOf renders a list page of departments named by external key; a key
// "k=Name" gives the department a name other than the key.
func pageOf(total int, keys ...string) string {
	elements := []map[string]any{}
	for _, key := range keys {
		key, name, ok := strings.Cut(key, "=")
		if !ok {
			name = key
		}
		elements = append(elements, map[string]any{"externalKey": key, "name": name, "parentDeptExternalKey": "#", "dispOrd": "1.0"})
	}
	raw, _ := json.Marshal(map[string]any{"elements": elements, "totalCount": total})
	return string(raw)
}

// A department read on two pages (a change shifted it onto the next page
// while the listing was read) is listed once, in its first place, with what
// the later page said, and counted once: the listing is complete when the
// distinct departments reach totalCount.
func TestListDepartmentsCountsRepeatedDepartmentsOnce(t *testing.T) {
	srv := newScriptServer(t,
		ok(pageOf(5, "d0", "d1")),
		ok(pageOf(5, "d1=D1 renamed", "d2")),
		ok(pageOf(5, "d3", "d4")),
	)
	c := newTestClient(t, srv.URL, func(cfg *Config) { cfg.ListPageSize = 2 })
	got, err := c.ListDepartments(context.Background(), "c1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"d0:d0", "d1:D1 renamed", "d2:d2", "d3:d3", "d4:d4"}, keysAndNames(got)); diff != "" {
		t.Fatalf("departments (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"offset=0&limit=2", "offset=2&limit=2", "offset=4&limit=2"}, pagesAsked(srv)); diff != "" {
		t.Fatalf("pages requested (-want +got):\n%s", diff)
	}
}

// A totalCount that changes between pages means departments were created or deleted meanwhile,
// and some may have been shifted past the pages already read: the listing starts again.
func TestListDepartmentsStartsAgainWhenTheCountChanges(t *testing.T) {
	srv := newScriptServer(t,
		ok(pageOf(5, "d0", "d1")),
		ok(pageOf(4, "d3", "d4")), // d1 deleted: d2 moved onto the first page and was missed
		ok(pageOf(4, "d0", "d2")),
		ok(pageOf(4, "d3", "d4")),
	)
	c := newTestClient(t, srv.URL, func(cfg *Config) { cfg.ListPageSize = 2 })
	waits := recordSleeps(c)
	got, err := c.ListDepartments(context.Background(), "c1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"d0:d0", "d2:d2", "d3:d3", "d4:d4"}, keysAndNames(got)); diff != "" {
		t.Fatalf("departments (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"offset=0&limit=2", "offset=2&limit=2", "offset=0&limit=2", "offset=2&limit=2"}, pagesAsked(srv)); diff != "" {
		t.Fatalf("pages requested (-want +got):\n%s", diff)
	}
	if len(*waits) != 1 {
		t.Errorf("waits %v, want one backoff before listing again", *waits)
	}
}

// A listing whose pages do not add up is a failed listing: read again after a backoff, and after
// listAttempts readings reported as an ErrIncompleteListing, retryable, with no departments.
func TestListDepartmentsIncomplete(t *testing.T) {
	tests := []struct {
		name     string
		pages    []string // the answers of one reading, in order
		pageSize int
		want     string // in the error
	}{
		{"empty page before totalCount", []string{pageOf(5, "d0", "d1"), pageOf(5)}, 2,
			"2 distinct departments of totalCount 5 after 2 pages: the page at offset 2 came back empty"},
		{"empty first page with a totalCount", []string{pageOf(3)}, 2,
			"0 distinct departments of totalCount 3 after 1 pages: the page at offset 0 came back empty"},
		{"short page before totalCount", []string{pageOf(5, "d0", "d1"), pageOf(5, "d2")}, 2,
			"3 distinct departments of totalCount 5 after 2 pages: the page at offset 2 came back short (1 of 2)"},
		{"rows reach totalCount with a department repeated", []string{pageOf(5, "d0", "d1"), pageOf(5, "d1", "d2"), pageOf(5, "d3")}, 2,
			"4 distinct departments of totalCount 5 after 3 pages: 1 of the 5 rows repeated a department already read"},
		{"more departments than totalCount", []string{pageOf(2, "d0", "d1", "d2")}, 3,
			"3 distinct departments of totalCount 2 after 1 pages: more departments than totalCount"},
		// Nothing but the page size bounds what one answer holds: a larger page is refused unread.
		{"a page larger than asked for", []string{pageOf(5, "d0", "d1", "d2")}, 2,
			"0 distinct departments after 1 pages: the page at offset 0 held 3 rows, more than the 2 asked for"},
		{"totalCount changing on every reading", []string{pageOf(10, "d0", "d1"), pageOf(11, "d2", "d3")}, 2,
			"2 distinct departments of totalCount 10 after 2 pages: totalCount changed to 11 on the page at offset 2"},
		// WORKPLACE documents totalCount in every answer: a short page without one may be a cap of
		// the service's, not the end of the company.
		{"a short page without totalCount", []string{`{"elements":[{"externalKey":"d0","name":"d0","parentDeptExternalKey":"#"}]}`}, 2,
			"1 distinct departments after 1 pages: the answer at offset 0 has no totalCount"},
		{"an empty page without totalCount", []string{`{"elements":[]}`}, 2,
			"0 distinct departments after 1 pages: the answer at offset 0 has no totalCount"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var answers []scriptedResponse
			for range listAttempts {
				for _, p := range tt.pages {
					answers = append(answers, ok(p))
				}
			}
			srv := newScriptServer(t, answers...)
			c := newTestClient(t, srv.URL, func(cfg *Config) { cfg.ListPageSize = tt.pageSize })
			waits := recordSleeps(c)
			got, err := c.ListDepartments(context.Background(), "c1")
			if got != nil || !errors.Is(err, ErrIncompleteListing) || !IsRetryable(err) {
				t.Fatalf("ListDepartments = %d departments, %v; want none and a retryable ErrIncompleteListing", len(got), err)
			}
			var listingErr *ListingError
			if !errors.As(err, &listingErr) || listingErr.Attempts != listAttempts {
				t.Errorf("err = %#v, want a *ListingError after %d readings", err, listAttempts)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasSuffix(err.Error(), fmt.Sprintf("(listed %d times)", listAttempts)) {
				t.Errorf("Error() = %q, want it to say %q and how many times it was listed", err, tt.want)
			}
			if n := len(srv.recorded()); n != listAttempts*len(tt.pages) {
				t.Errorf("%d requests, want %d readings of %d pages", n, listAttempts, len(tt.pages))
			}
			if len(*waits) != listAttempts-1 {
				t.Errorf("waits %v, want a backoff before each of the %d readings after the first", *waits, listAttempts-1)
			}
		})
	}
}

// A listing that does not add up once and does when read again is returned complete.
// A chart that reports more departments than a listing takes fails to list at its first page,
// before anything of it fills the memory.
func TestListDepartmentsRefusesAChartLargerThanItTakes(t *testing.T) {
	srv := newScriptServer(t, ok(pageOf(100_000_000, "d0", "d1")), ok(pageOf(100_000_000, "d0", "d1")), ok(pageOf(100_000_000, "d0", "d1")))
	c := newTestClient(t, srv.URL, func(cfg *Config) { cfg.ListPageSize = 2; cfg.MaxListed = 1000 })
	recordSleeps(c)
	got, err := c.ListDepartments(context.Background(), "c1")
	if got != nil || !errors.Is(err, ErrIncompleteListing) ||
		!strings.Contains(err.Error(), "totalCount 100000000 is more than the 1000 departments a listing takes (--max-remote-departments)") {
		t.Fatalf("ListDepartments = %d departments, %v; want none and the limit named", len(got), err)
	}
	if n := len(srv.recorded()); n != listAttempts {
		t.Errorf("%d requests, want one page per reading", n)
	}
}

func TestListDepartmentsReadAgainAfterAnEmptyPage(t *testing.T) {
	srv := newScriptServer(t,
		ok(pageOf(3, "d0", "d1")),
		ok(pageOf(3)),
		ok(pageOf(3, "d0", "d1")),
		ok(pageOf(3, "d2")),
	)
	c := newTestClient(t, srv.URL, func(cfg *Config) { cfg.ListPageSize = 2 })
	waits := recordSleeps(c)
	got, err := c.ListDepartments(context.Background(), "c1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"d0:d0", "d1:d1", "d2:d2"}, keysAndNames(got)); diff != "" {
		t.Fatalf("departments (-want +got):\n%s", diff)
	}
	if len(*waits) != 1 {
		t.Errorf("waits %v, want one backoff", *waits)
	}
}

// A listing read again waits no longer than its caller allows: under a context that will not wait
// for the backoff, the incomplete listing is reported at once.
func TestListDepartmentsIncompleteUnderMaxWait(t *testing.T) {
	srv := newScriptServer(t, ok(pageOf(3, "d0", "d1")), ok(pageOf(3)))
	c := newTestClient(t, srv.URL, func(cfg *Config) { cfg.ListPageSize = 2; cfg.BaseBackoff = time.Hour; cfg.MaxBackoff = time.Hour })
	c.retry.Jitter = func(ceiling time.Duration) time.Duration { return ceiling }
	ctx := httpretry.WithMaxWait(context.Background(), time.Second)
	got, err := c.ListDepartments(ctx, "c1")
	var limited *httpretry.LimitedError
	if got != nil || !errors.Is(err, ErrIncompleteListing) || errors.As(err, &limited) {
		t.Fatalf("ListDepartments = %d departments, %v; want none and ErrIncompleteListing alone", len(got), err)
	}
	if n := len(srv.recorded()); n != 2 {
		t.Errorf("%d requests, want one reading of 2 pages", n)
	}
}

func keysAndNames(depts []Department) []string {
	var out []string
	for _, d := range depts {
		out = append(out, d.ExternalKey+":"+d.Name)
	}
	return out
}

func pagesAsked(srv *scriptServer) []string {
	var pages []string
	for _, r := range srv.recorded() {
		pages = append(pages, r.RequestURI[strings.Index(r.RequestURI, "?")+1:])
	}
	return pages
}

// A listing whose second page fails returns the error and no departments.
func TestListDepartmentsFailingPage(t *testing.T) {
	srv := newScriptServer(t,
		ok(pageOf(3, "d0", "d1")),
		status(400, `{"status":400,"code":-9999,"errors":[],"message":"알 수 없는 오류가 발생했습니다"}`),
	)
	c := newTestClient(t, srv.URL, func(cfg *Config) { cfg.ListPageSize = 2 })
	got, err := c.ListDepartments(context.Background(), "c1")
	if got != nil {
		t.Errorf("ListDepartments returned %d departments with its error, want none", len(got))
	}
	checkUnknownError(t, err)
	if n := srv.calls.Load(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}
