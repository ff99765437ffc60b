package huaweicloud

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/orgsync/orgsync/internal/huaweicloud/huaweifake"
)

// tenantTree stores 250 units in the fake: 12 roots; 60 children spread over them; 120
// grandchildren under the first 40 children; 58 great-grandchildren under the first 29
// grandchildren. It returns them as the client should read them back.
func tenantTree(srv *huaweifake.Server) []OrgUnit {
	var all []OrgUnit
	put := func(code, parentID string) string {
		u := OrgUnit{Code: code, Name: code, ParentID: parentID, Category: DefaultCategory}
		u.ID = srv.PutOrgUnit(huaweifake.OrgUnit{Code: u.Code, Name: u.Name, ParentID: u.ParentID, Category: u.Category})
		all = append(all, u)
		return u.ID
	}
	var roots, children, grandchildren []string
	for i := range 12 {
		roots = append(roots, put(fmt.Sprintf("root-%d", i), ""))
	}
	for i := range 60 {
		children = append(children, put(fmt.Sprintf("child-%d", i), roots[i%len(roots)]))
	}
	for i := range 120 {
		grandchildren = append(grandchildren, put(fmt.Sprintf("grandchild-%d", i), children[i%40]))
	}
	for i := range 58 {
		put(fmt.Sprintf("great-%d", i), grandchildren[i%29])
	}
	return all
}

// listQueries returns the query strings of the list requests the fake received.
func listQueries(srv *huaweifake.Server) []string {
	var queries []string
	for _, r := range srv.Requests() {
		if r.Method == http.MethodGet && r.Path == "/api/v2/tenant/organizations" {
			queries = append(queries, r.Query)
		}
	}
	return queries
}

var byID = cmpopts.SortSlices(func(a, b OrgUnit) bool { return a.ID < b.ID })

func TestListAllOrgUnits(t *testing.T) {
	tests := []struct {
		pageSize, wantLimit int
	}{
		{0, 100}, {10, 10}, {50, 50}, {100, 100}, {3, 10}, {1000, 100},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("page size %d", tt.pageSize), func(t *testing.T) {
			srv := newFake(t, huaweifake.Options{})
			want := tenantTree(srv)
			c := newOneAccess(t, srv.URL(), func(cfg *OneAccessConfig) { cfg.PageSize = tt.pageSize })
			srv.ResetRequests()

			got, err := c.ListAllOrgUnits(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 250 {
				t.Errorf("%d units, want 250", len(got))
			}
			if diff := cmp.Diff(want, got, byID); diff != "" {
				t.Errorf("units (-want +got):\n%s", diff)
			}

			// The roots (12), then every other unit (238), each paged by page number.
			var wantQueries []string
			for _, l := range []struct {
				allChild bool
				units    int
			}{{false, 12}, {true, 238}} {
				for page := 0; page*tt.wantLimit < l.units; page++ {
					wantQueries = append(wantQueries, url.Values{"offset": {fmt.Sprint(page)}, "limit": {fmt.Sprint(tt.wantLimit)},
						"all_child": {fmt.Sprint(l.allChild)}}.Encode())
				}
			}
			if diff := cmp.Diff(wantQueries, listQueries(srv)); diff != "" {
				t.Errorf("list requests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFindByCodeReadsTheWholeTenant(t *testing.T) {
	srv := newFake(t, huaweifake.Options{})
	units := tenantTree(srv)
	c := newOneAccess(t, srv.URL(), func(cfg *OneAccessConfig) { cfg.PageSize = 10 })
	for _, want := range []OrgUnit{units[0], units[100], units[249]} {
		got, err := c.FindByCode(context.Background(), want.Code)
		if err != nil || got != want {
			t.Errorf("FindByCode(%q) = %+v, %v; want %+v", want.Code, got, err, want)
		}
	}
	if _, err := c.FindByCode(context.Background(), "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("FindByCode(missing) = %v, want ErrNotFound", err)
	}
}

// TestListAllOrgUnitsFailingPage: a page that keeps failing fails the whole read; no partial list.
func TestListAllOrgUnitsFailingPage(t *testing.T) {
	page := func(offset, allChild string) func(*http.Request) bool {
		return func(r *http.Request) bool {
			q := r.URL.Query()
			return r.Method == http.MethodGet && q.Get("offset") == offset && q.Get("all_child") == allChild
		}
	}
	tests := []struct {
		name    string
		faults  huaweifake.Faults
		wantErr error
	}{
		{"first page of the roots unavailable", huaweifake.Faults{UnavailableFraction: 1, Select: page("0", "false")}, ErrUnavailable},
		{"second page of the roots unavailable", huaweifake.Faults{UnavailableFraction: 1, Select: page("1", "false")}, ErrUnavailable},
		{"third page of the others unavailable", huaweifake.Faults{UnavailableFraction: 1, Select: page("2", "true")}, ErrUnavailable},
		{"last page of the others throttled", huaweifake.Faults{ThrottleFraction: 1, Select: page("23", "true")}, ErrThrottled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFake(t, huaweifake.Options{})
			tenantTree(srv)
			c := newOneAccess(t, srv.URL(), func(cfg *OneAccessConfig) { cfg.PageSize = 10; cfg.MaxAttempts = 3 })
			recordWaits(c.t)
			srv.SetFaults(tt.faults)
			units, err := c.ListAllOrgUnits(context.Background())
			if !errors.Is(err, tt.wantErr) || units != nil {
				t.Fatalf("ListAllOrgUnits = %d units, %v; want no units and %v", len(units), err, tt.wantErr)
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.Attempts != 3 {
				t.Errorf("err = %#v, want an APIError after 3 attempts", err)
			}
			if _, err := c.FindByCode(context.Background(), "root-0"); !errors.Is(err, tt.wantErr) || errors.Is(err, ErrNotFound) {
				t.Errorf("FindByCode = %v, want %v and not ErrNotFound", err, tt.wantErr)
			}
		})
	}
}

// TestListAllOrgUnitsUnitMovedWhilePaging: a root moved under another root after the roots were
// read shows up in both listings; it is returned once, as last seen.
func TestListAllOrgUnitsUnitMovedWhilePaging(t *testing.T) {
	fake := huaweifake.New(huaweifake.Options{ClientID: testClientID, ClientSecret: testClientSecret})
	newRoot := fake.PutOrgUnit(huaweifake.OrgUnit{Code: "new-root", Name: "New root"})
	mover := huaweifake.OrgUnit{Code: "mover", Name: "Mover"}
	mover.ID = fake.PutOrgUnit(mover)
	for i := range 30 {
		fake.PutOrgUnit(huaweifake.OrgUnit{Code: fmt.Sprintf("c%d", i), Name: fmt.Sprintf("C%d", i), ParentID: newRoot})
	}
	var moved atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("all_child") == "true" && !moved.Swap(true) {
			mover.ParentID = newRoot
			fake.PutOrgUnit(mover)
		}
		fake.ServeHTTP(w, r)
	}))
	defer srv.Close()

	c := newOneAccess(t, srv.URL, func(cfg *OneAccessConfig) { cfg.PageSize = 10 })
	units, err := c.ListAllOrgUnits(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var seen []OrgUnit
	for _, u := range units {
		if u.Code == "mover" {
			seen = append(seen, u)
		}
	}
	if len(units) != 32 || len(seen) != 1 || seen[0].ParentID != newRoot {
		t.Errorf("%d units, mover seen as %+v; want 32 units and mover once, under %s", len(units), seen, newRoot)
	}
}

// pagedTenant answers list requests with answer(reading, page): reading counts the requests for
// page 0 (from 1), so that a listing read again can be answered differently.
func pagedTenant(t *testing.T, answer func(reading, page int) (total int, ids []int)) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var calls, readings atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v2/tenant/token" {
			_, _ = w.Write([]byte(`{"access_token":"tok","token_type":"Bearer","expires_in":1800}`))
			return
		}
		calls.Add(1)
		page, err := strconv.Atoi(r.URL.Query().Get("offset"))
		if err != nil {
			t.Errorf("offset %q", r.URL.Query().Get("offset"))
		}
		if page == 0 {
			readings.Add(1)
		}
		total, ids := answer(int(readings.Load()), page)
		units := []string{}
		for _, id := range ids {
			units = append(units, fmt.Sprintf(`{"org_id":"u%d","org_code":"c%d","name":"n%d"}`, id, id, id))
		}
		_, _ = fmt.Fprintf(w, `{"total":%d,"organizations":[%s]}`, total, strings.Join(units, ","))
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

// span returns the ids from first to last, both included.
func span(first, last int) []int {
	var ids []int
	for id := first; id <= last; id++ {
		ids = append(ids, id)
	}
	return ids
}

// pagesOf answers page p of a listing with pages[p], and an empty page past them.
func pagesOf(total int, pages ...[]int) func(int, int) (int, []int) {
	return func(_, page int) (int, []int) {
		if page < len(pages) {
			return total, pages[page]
		}
		return total, nil
	}
}

// A listing is complete when it holds as many distinct units as its total, however many rows came
// back: a unit repeated on the next page is counted once and paging goes on, and a tenant that
// answers offset=0 and offset=1 with the same first page is read on from offset=2.
func TestReadListingComplete(t *testing.T) {
	tests := []struct {
		name      string
		answer    func(reading, page int) (int, []int)
		wantIDs   []int
		wantCalls int64
		wantWaits int
	}{
		{"one page", pagesOf(7, span(0, 6)), span(0, 6), 1, 0},
		{"nothing", pagesOf(0), nil, 1, 0},
		{"pages numbered from 0", pagesOf(25, span(0, 9), span(10, 19), span(20, 24)), span(0, 24), 3, 0},
		{"a unit repeated on the next page", pagesOf(25, span(0, 9), span(9, 18), span(19, 24)), span(0, 24), 3, 0},
		{"offset=0 and offset=1 both the first page (130 units)", func(_, page int) (int, []int) {
			page = max(page, 1) - 1
			return 130, span(page*10, min(page*10+9, 129))
		}, span(0, 129), 14, 0},
		{"a page empty in the first reading only", func(reading, page int) (int, []int) {
			if reading == 1 && page == 1 {
				return 25, nil
			}
			return pagesOf(25, span(0, 9), span(10, 19), span(20, 24))(reading, page)
		}, span(0, 24), 2 + 3, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, calls := pagedTenant(t, tt.answer)
			c := newOneAccess(t, srv.URL, func(cfg *OneAccessConfig) { cfg.PageSize = 10 })
			waits := recordWaits(c.t)
			units, err := c.ListOrgUnitsMatching(context.Background(), ListOrgUnitsOptions{AllChildren: true})
			if err != nil {
				t.Fatal(err)
			}
			var ids []int
			for _, u := range units {
				var id int
				_, _ = fmt.Sscanf(u.ID, "u%d", &id)
				ids = append(ids, id)
			}
			if diff := cmp.Diff(tt.wantIDs, ids); diff != "" {
				t.Errorf("units (-want +got):\n%s", diff)
			}
			if calls.Load() != tt.wantCalls {
				t.Errorf("%d list calls, want %d", calls.Load(), tt.wantCalls)
			}
			if len(*waits) != tt.wantWaits {
				t.Errorf("waits %v, want %d", *waits, tt.wantWaits)
			}
		})
	}
}

// A listing whose pages do not add up is read again after a backoff and, after listAttempts
// readings, fails with a retryable ErrIncompleteListing that says what happened: never a listing
// with fewer units than its total.
func TestReadListingIncomplete(t *testing.T) {
	sameFirstPage := func(_, _ int) (int, []int) { // offset ignored: every page is the first
		return 30, span(0, 9)
	}
	tests := []struct {
		name   string
		answer func(reading, page int) (int, []int)
		pages  int64 // per reading
		want   string
	}{
		{"empty page before the total", pagesOf(50, span(0, 9)), 2,
			"10 distinct units of 50 after 2 pages: page 1 came back empty"},
		{"short page before the total", pagesOf(50, span(0, 9), span(10, 14)), 2,
			"15 distinct units of 50 after 2 pages: page 1 came back short (5 of 10)"},
		{"rows reach the total with a unit repeated", pagesOf(20, span(0, 9), span(9, 18)), 3,
			"19 distinct units of 20 after 3 pages: page 2 came back empty"},
		{"a total that changes while paging", func(_, page int) (int, []int) { return 30 + page, span(page*10, page*10+9) }, 2,
			"10 distinct units of 30 after 2 pages: the total changed to 31 on page 1: the tenant changed while it was listed"},
		{"more distinct units than the total", pagesOf(5, span(0, 9)), 1,
			"10 distinct units of 5 after 1 pages: more distinct units than the total"},
		{"every offset answered with the first page", sameFirstPage, 3,
			"10 distinct units of 30 after 3 pages (page 1 repeated page 0: read as pages numbered from 1): page 2 held no unit not already read"},
		{"a page larger than asked for", pagesOf(50, span(0, 10)), 1,
			"0 distinct units of 50 after 1 pages: page 0 held 11 units, more than the 10 asked for"},
		{"a total larger than a listing takes", pagesOf(100_000_000, span(0, 9)), 1,
			"0 distinct units of 100000000 after 1 pages: the tenant holds more than the 100000 units a listing takes (--max-remote-departments)"},
		{"pages from 1 with the second page empty", pagesOf(30, span(0, 9), span(0, 9)), 3,
			"10 distinct units of 30 after 3 pages (page 1 repeated page 0: read as pages numbered from 1): page 2 came back empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, calls := pagedTenant(t, tt.answer)
			c := newOneAccess(t, srv.URL, func(cfg *OneAccessConfig) { cfg.PageSize = 10 })
			waits := recordWaits(c.t)
			units, err := c.ListAllOrgUnits(context.Background())
			if units != nil || !errors.Is(err, ErrIncompleteListing) || !IsRetryable(err) {
				t.Fatalf("ListAllOrgUnits = %d units, %v; want none and a retryable ErrIncompleteListing", len(units), err)
			}
			want := "huaweicloud: OneAccess listing incomplete: " + tt.want + " (listing of the root units, read 3 times)"
			if err.Error() != want {
				t.Errorf("Error() = %q\nwant %q", err, want)
			}
			var listingErr *ListingError
			if !errors.As(err, &listingErr) || listingErr.Attempts != listAttempts {
				t.Errorf("err = %#v, want a *ListingError after %d readings", err, listAttempts)
			}
			if calls.Load() != listAttempts*tt.pages || len(*waits) != listAttempts-1 {
				t.Errorf("%d list calls and waits %v; want %d readings of %d pages, a backoff before each but the first",
					calls.Load(), *waits, listAttempts, tt.pages)
			}
			if _, err := c.FindByCode(context.Background(), "c0"); !errors.Is(err, ErrIncompleteListing) || errors.Is(err, ErrNotFound) {
				t.Errorf("FindByCode = %v, want ErrIncompleteListing and not ErrNotFound", err)
			}
		})
	}
}

// The client reads the fake's tenant whose pages are numbered from 1 (offset=0 read as 1)
// completely: 130 units, 120 of them below the 10 roots, in pages of 100.
func TestListAllOrgUnitsPagesFromOne(t *testing.T) {
	srv := newFake(t, huaweifake.Options{})
	srv.SetPaging(huaweifake.PagesFromOne)
	var want []OrgUnit
	var roots []string
	for i := range 130 {
		u := OrgUnit{Code: fmt.Sprintf("unit-%d", i), Name: fmt.Sprintf("unit-%d", i), Category: DefaultCategory}
		if i >= 10 {
			u.ParentID = roots[i%10]
		}
		u.ID = srv.PutOrgUnit(huaweifake.OrgUnit{Code: u.Code, Name: u.Name, ParentID: u.ParentID, Category: u.Category})
		if i < 10 {
			roots = append(roots, u.ID)
		}
		want = append(want, u)
	}
	c := newOneAccess(t, srv.URL())
	got, err := c.ListAllOrgUnits(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, byID); diff != "" {
		t.Errorf("units (-want +got):\n%s", diff)
	}
	wantQueries := []string{
		"all_child=false&limit=100&offset=0",
		"all_child=true&limit=100&offset=0", "all_child=true&limit=100&offset=1", "all_child=true&limit=100&offset=2",
	}
	if diff := cmp.Diff(wantQueries, listQueries(srv)); diff != "" {
		t.Errorf("list requests (-want +got):\n%s", diff)
	}
}

// The client against the fake's list failures: a page empty or short before the total is never
// taken for the end of the tenant.
func TestListAllOrgUnitsPagesThatDoNotAddUp(t *testing.T) {
	tests := []struct {
		name    string
		failure huaweifake.ListFailure
		wantErr bool
	}{
		{"one empty page", huaweifake.ListFailure{After: 2, Count: 1, Answer: huaweifake.ListEmptyPage}, false},
		{"one short page", huaweifake.ListFailure{After: 3, Count: 1, Answer: huaweifake.ListShortPage}, false},
		{"every other page empty", huaweifake.ListFailure{Every: 2, Answer: huaweifake.ListEmptyPage}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFake(t, huaweifake.Options{})
			want := tenantTree(srv)
			c := newOneAccess(t, srv.URL(), func(cfg *OneAccessConfig) { cfg.PageSize = 50 })
			srv.SetListFailure(&tt.failure)
			got, err := c.ListAllOrgUnits(context.Background())
			if tt.wantErr {
				if got != nil || !errors.Is(err, ErrIncompleteListing) {
					t.Fatalf("%d units, %v; want none and ErrIncompleteListing", len(got), err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got, byID); diff != "" {
				t.Errorf("units (-want +got):\n%s", diff)
			}
		})
	}
}

func TestListOrgUnitsPage(t *testing.T) {
	srv := newFake(t, huaweifake.Options{})
	all := tenantTree(srv)
	c := newOneAccess(t, srv.URL(), func(cfg *OneAccessConfig) { cfg.PageSize = 20 })
	root0 := all[0].ID
	children, subtree := 0, 1 // root-0's children, and root-0 with all its descendants
	below := map[string]bool{root0: true}
	for _, u := range all { // parents come before their children
		if u.ParentID == root0 {
			children++
		}
		if below[u.ParentID] {
			below[u.ID] = true
			subtree++
		}
	}

	tests := []struct {
		name      string
		opts      ListOrgUnitsOptions
		page      int
		limit     int
		wantQuery string
		wantUnits int
		wantTotal int
		wantLimit int
	}{
		{"configured page size", ListOrgUnitsOptions{}, 0, 0, "all_child=false&limit=20&offset=0", 12, 12, 20},
		{"a limit below 10 asks for 10", ListOrgUnitsOptions{}, 0, 1, "all_child=false&limit=10&offset=0", 10, 12, 10},
		{"a limit above 100 asks for 100", ListOrgUnitsOptions{AllChildren: true}, 0, 500, "all_child=true&limit=100&offset=0", 100, 238, 100},
		{"page 2 of the others", ListOrgUnitsOptions{AllChildren: true}, 2, 100, "all_child=true&limit=100&offset=2", 38, 238, 100},
		{"a root and its children", ListOrgUnitsOptions{OrgID: root0}, 0, 0, "all_child=false&limit=20&offset=0&org_id=" + root0, 1 + children, 1 + children, 20},
		{"a root and its descendants", ListOrgUnitsOptions{OrgID: root0, AllChildren: true}, 0, 100, "all_child=true&limit=100&offset=0&org_id=" + root0, subtree, subtree, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.ResetRequests()
			page, err := c.ListOrgUnitsPage(context.Background(), tt.opts, tt.page, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Units) != tt.wantUnits || page.Total != tt.wantTotal || page.Limit != tt.wantLimit {
				t.Errorf("page = %d units, total %d, limit %d; want %d, %d, %d", len(page.Units), page.Total, page.Limit, tt.wantUnits, tt.wantTotal, tt.wantLimit)
			}
			if diff := cmp.Diff([]string{tt.wantQuery}, listQueries(srv)); diff != "" {
				t.Errorf("list requests (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := c.ListOrgUnitsPage(context.Background(), ListOrgUnitsOptions{}, -1, 10); err == nil {
		t.Error("page -1 accepted")
	}
}

func TestOneAccessPageSizeConfig(t *testing.T) {
	tests := []struct {
		pageSize, want int
		ok             bool
	}{
		{0, 100, true}, {1, 10, true}, {10, 10, true}, {55, 55, true}, {100, 100, true}, {101, 100, true}, {-1, 0, false},
	}
	for _, tt := range tests {
		c, err := NewOneAccess(OneAccessConfig{Endpoint: "https://tenant.example.com", ClientID: "id", ClientSecret: "secret", PageSize: tt.pageSize})
		if (err == nil) != tt.ok || (err == nil && c.pageSize != tt.want) {
			t.Errorf("PageSize %d: %v, %v; want %d (ok %v)", tt.pageSize, c, err, tt.want, tt.ok)
		}
	}
}

// The bound on what a listing takes (--max-remote-departments) is the whole tenant's: the roots
// read first count against it when the other units are listed.
func TestListAllOrgUnitsBoundsTheWholeTenant(t *testing.T) {
	srv := newFake(t, huaweifake.Options{})
	all := tenantTree(srv)
	for limit, wantErr := range map[int]bool{len(all): false, len(all) - 1: true} {
		c := newOneAccess(t, srv.URL(), func(cfg *OneAccessConfig) { cfg.MaxListed = limit })
		recordWaits(c.t)
		units, err := c.ListAllOrgUnits(context.Background())
		switch {
		case wantErr && (units != nil || !errors.Is(err, ErrIncompleteListing)):
			t.Errorf("limit %d: %d units, %v; want none and ErrIncompleteListing", limit, len(units), err)
		case !wantErr && (err != nil || len(units) != len(all)):
			t.Errorf("limit %d: %d units, %v; want all %d", limit, len(units), err, len(all))
		}
	}
}
