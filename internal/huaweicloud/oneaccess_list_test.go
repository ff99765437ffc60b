package huaweicloud

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
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

// TestListAllOrgUnitsStops: the read ends when total units were read or a page comes back empty,
// whatever the server does with page numbers.
func TestListAllOrgUnitsStops(t *testing.T) {
	tests := []struct {
		name      string
		pages     func(page int) string // the organizations of one answer
		total     int
		wantUnits int
		wantCalls int64
	}{
		{"total read", func(page int) string { return fmt.Sprintf(`{"org_id":"u%d"}`, page) }, 2, 2, 2},
		{"empty page before total", func(page int) string {
			if page > 0 {
				return ""
			}
			return `{"org_id":"u0"}`
		}, 50, 1, 2},
		{"server repeating one page", func(int) string { return `{"org_id":"same"}` }, 3, 1, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/api/v2/tenant/token" {
					_, _ = w.Write([]byte(`{"access_token":"tok","token_type":"Bearer","expires_in":1800}`))
					return
				}
				calls.Add(1)
				var page int
				_, _ = fmt.Sscan(r.URL.Query().Get("offset"), &page)
				_, _ = fmt.Fprintf(w, `{"total":%d,"organizations":[%s]}`, tt.total, tt.pages(page))
			}))
			defer srv.Close()
			c := newOneAccess(t, srv.URL)
			units, err := c.ListOrgUnitsMatching(context.Background(), ListOrgUnitsOptions{AllChildren: true})
			if err != nil || len(units) != tt.wantUnits || calls.Load() != tt.wantCalls {
				t.Errorf("%d units, %v after %d calls; want %d units after %d calls", len(units), err, calls.Load(), tt.wantUnits, tt.wantCalls)
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
