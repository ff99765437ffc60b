package huaweicloud

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/time/rate"

	"github.com/orgsync/orgsync/internal/huaweicloud/huaweifake"
)

const (
	testClientID     = "orgsync-app"
	testClientSecret = "client-TOP-SECRET-4b5c"
	testAccessKey    = "AKTESTHUAWEI0001"
	testSecretKey    = "sk-TOP-SECRET-huawei-7d8e"
)

// fastTransport is a TransportOptions for local tests: no rate limit, tiny backoffs.
func fastTransport() TransportOptions {
	return TransportOptions{
		Limiter:          rate.NewLimiter(rate.Inf, 1),
		RequestTimeout:   2 * time.Second,
		BaseBackoff:      time.Millisecond,
		MaxBackoff:       5 * time.Millisecond,
		MaxRetryDuration: 10 * time.Second,
	}
}

func newFake(t *testing.T, opts huaweifake.Options) *huaweifake.Server {
	t.Helper()
	opts.ClientID, opts.ClientSecret = testClientID, testClientSecret
	opts.AccessKey, opts.SecretKey = testAccessKey, testSecretKey
	srv := huaweifake.NewServer(opts)
	t.Cleanup(srv.Close)
	return srv
}

func newOneAccess(t *testing.T, endpoint string, mutate ...func(*OneAccessConfig)) *OneAccessClient {
	t.Helper()
	cfg := OneAccessConfig{Endpoint: endpoint, ClientID: testClientID, ClientSecret: testClientSecret, TransportOptions: fastTransport()}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := NewOneAccess(cfg)
	if err != nil {
		t.Fatalf("NewOneAccess: %v", err)
	}
	return c
}

func ptr(s string) *string { return &s }

func TestOneAccessLifecycle(t *testing.T) {
	ctx := context.Background()
	srv := newFake(t, huaweifake.Options{})
	c := newOneAccess(t, srv.URL())

	salesID, err := c.CreateOrgUnit(ctx, OrgUnit{Code: "sales", Name: "Sales & Marketing"})
	if err != nil {
		t.Fatal(err)
	}
	krID, err := c.CreateOrgUnit(ctx, OrgUnit{Code: "sales-kr", Name: "영업 한국", ParentID: salesID, Category: "team"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetOrgUnit(ctx, krID)
	if err != nil {
		t.Fatal(err)
	}
	want := OrgUnit{ID: krID, Code: "sales-kr", Name: "영업 한국", ParentID: salesID, Category: "team"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetOrgUnit (-want +got):\n%s", diff)
	}
	sales, _ := c.GetOrgUnit(ctx, salesID)
	if sales.Category != DefaultCategory || sales.ParentID != "" {
		t.Errorf("top-level unit = %+v", sales)
	}

	if err := c.UpdateOrgUnit(ctx, krID, OrgUnitUpdate{Name: ptr("Sales Korea"), ParentID: ptr("")}); err != nil {
		t.Fatal(err)
	}
	got, _ = c.GetOrgUnit(ctx, krID)
	if got.Name != "Sales Korea" || got.ParentID != "" || got.Code != "sales-kr" || got.Category != "team" {
		t.Errorf("after update: %+v", got)
	}

	found, err := c.FindByCode(ctx, "sales-kr")
	if err != nil || found.ID != krID {
		t.Errorf("FindByCode = %+v, %v", found, err)
	}
	if _, err := c.FindByCode(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("FindByCode(missing) = %v, want ErrNotFound", err)
	}

	if err := c.DeleteOrgUnit(ctx, krID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetOrgUnit(ctx, krID); !errors.Is(err, ErrNotFound) {
		t.Errorf("get after delete: %v", err)
	}
	if err := c.DeleteOrgUnit(ctx, krID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if diff := cmp.Diff([]huaweifake.OrgUnit{{ID: salesID, Code: "sales", Name: "Sales & Marketing", Category: "department"}}, srv.OrgUnits()); diff != "" {
		t.Errorf("fake state (-want +got):\n%s", diff)
	}
	if n := srv.TokensIssued(); n != 1 {
		t.Errorf("tokens issued = %d for many calls, want 1", n)
	}
}

func TestOneAccessRules(t *testing.T) {
	ctx := context.Background()
	srv := newFake(t, huaweifake.Options{})
	c := newOneAccess(t, srv.URL())
	root, err := c.CreateOrgUnit(ctx, OrgUnit{Code: "root", Name: "Root"})
	if err != nil {
		t.Fatal(err)
	}
	child, err := c.CreateOrgUnit(ctx, OrgUnit{Code: "child", Name: "Child", ParentID: root})
	if err != nil {
		t.Fatal(err)
	}
	grandchild, err := c.CreateOrgUnit(ctx, OrgUnit{Code: "grandchild", Name: "Grandchild", ParentID: child})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		call     func() error
		code     string
		is       []error
		isNot    []error
		wantHTTP int
	}{
		{"name required", func() error { _, err := c.CreateOrgUnit(ctx, OrgUnit{Code: "x"}); return err },
			CodeNameRequired, []error{ErrInvalidRequest}, []error{ErrAlreadyExists}, 400},
		{"code exists", func() error { _, err := c.CreateOrgUnit(ctx, OrgUnit{Code: "child", Name: "Other"}); return err },
			CodeCodeExists, []error{ErrAlreadyExists}, []error{ErrInvalidRequest}, 400},
		{"invalid code", func() error { _, err := c.CreateOrgUnit(ctx, OrgUnit{Code: "a b", Name: "X"}); return err },
			CodeInvalidCode, []error{ErrInvalidRequest}, nil, 400},
		{"code too long", func() error {
			_, err := c.CreateOrgUnit(ctx, OrgUnit{Code: strings.Repeat("c", 65), Name: "X"})
			return err
		}, CodeInvalidCode, []error{ErrInvalidRequest}, nil, 400},
		{"invalid name", func() error { _, err := c.CreateOrgUnit(ctx, OrgUnit{Code: "x", Name: "A/B"}); return err },
			CodeInvalidName, []error{ErrInvalidRequest}, nil, 400},
		{"sibling name taken", func() error {
			_, err := c.CreateOrgUnit(ctx, OrgUnit{Code: "child2", Name: "Child", ParentID: root})
			return err
		}, CodeNameTaken, []error{ErrNameTaken, ErrInvalidRequest}, []error{ErrAlreadyExists}, 400},
		{"parent missing", func() error {
			_, err := c.CreateOrgUnit(ctx, OrgUnit{Code: "orphan", Name: "Orphan", ParentID: "no-such-id"})
			return err
		}, CodeParentNotFound, []error{ErrParentNotFound}, []error{ErrInvalidRequest, ErrNotFound}, 400},
		{"delete with children", func() error { return c.DeleteOrgUnit(ctx, child) },
			CodeHasChildren, []error{ErrHasChildren}, []error{ErrInvalidRequest}, 400},
		{"move under own descendant", func() error { return c.UpdateOrgUnit(ctx, child, OrgUnitUpdate{ParentID: &grandchild}) },
			CodeCycle, []error{ErrInvalidRequest}, nil, 400},
		{"update to taken code", func() error { return c.UpdateOrgUnit(ctx, grandchild, OrgUnitUpdate{Code: ptr("root")}) },
			CodeCodeExists, []error{ErrAlreadyExists}, nil, 400},
		{"update to empty name", func() error { return c.UpdateOrgUnit(ctx, grandchild, OrgUnitUpdate{Name: ptr("")}) },
			CodeNameRequired, []error{ErrInvalidRequest}, nil, 400},
		{"update missing unit", func() error { return c.UpdateOrgUnit(ctx, "missing", OrgUnitUpdate{Name: ptr("X")}) },
			CodeOrgUnitNotFound, []error{ErrNotFound}, nil, 404},
		{"list children of missing unit", func() error {
			_, err := c.ListOrgUnits(ctx, ListOrgUnitsOptions{ParentID: "missing"})
			return err
		}, CodeOrgUnitNotFound, []error{ErrNotFound}, nil, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v, want *APIError", err)
			}
			if apiErr.Code != tt.code || apiErr.StatusCode != tt.wantHTTP || apiErr.Message == "" {
				t.Errorf("APIError = %+v, want HTTP %d code %s with a message", apiErr, tt.wantHTTP, tt.code)
			}
			checkIs(t, err, tt.is, tt.isNot)
			if IsRetryable(err) {
				t.Errorf("IsRetryable(%v) = true", err)
			}
		})
	}
	if n := len(srv.OrgUnits()); n != 3 {
		t.Errorf("the fake holds %d units after rejected calls, want 3", n)
	}
}

func TestOneAccessPaging(t *testing.T) {
	ctx := context.Background()
	srv := newFake(t, huaweifake.Options{})
	c := newOneAccess(t, srv.URL(), func(cfg *OneAccessConfig) { cfg.PageSize = 3 })
	top, _ := c.CreateOrgUnit(ctx, OrgUnit{Code: "top", Name: "Top"})
	var wantChildren []string
	for i := range 7 {
		id, err := c.CreateOrgUnit(ctx, OrgUnit{Code: fmt.Sprintf("c%d", i), Name: fmt.Sprintf("C %d", i), ParentID: top})
		if err != nil {
			t.Fatal(err)
		}
		wantChildren = append(wantChildren, id)
	}
	deep, _ := c.CreateOrgUnit(ctx, OrgUnit{Code: "deep", Name: "Deep", ParentID: wantChildren[0]})
	srv.ResetRequests()

	all, err := c.ListOrgUnits(ctx, ListOrgUnitsOptions{})
	if err != nil || len(all) != 9 {
		t.Fatalf("ListOrgUnits = %d units, %v; want 9", len(all), err)
	}
	var queries []string
	for _, r := range srv.Requests() {
		queries = append(queries, r.Query)
	}
	if diff := cmp.Diff([]string{"limit=3&offset=0", "limit=3&offset=3", "limit=3&offset=6"}, queries); diff != "" {
		t.Errorf("page requests (-want +got):\n%s", diff)
	}

	children, err := c.ListOrgUnits(ctx, ListOrgUnitsOptions{ParentID: top})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, u := range children {
		ids = append(ids, u.ID)
	}
	if diff := cmp.Diff(wantChildren, ids); diff != "" {
		t.Errorf("children (-want +got):\n%s", diff)
	}
	descendants, err := c.ListOrgUnits(ctx, ListOrgUnitsOptions{ParentID: top, AllChildren: true})
	if err != nil || len(descendants) != 8 || descendants[7].ID != deep {
		t.Errorf("descendants = %d, %v", len(descendants), err)
	}
	page, err := c.ListOrgUnitsPage(ctx, ListOrgUnitsOptions{}, 8, 5)
	if err != nil || page.Total != 9 || len(page.Units) != 1 {
		t.Errorf("last page = %+v, %v", page, err)
	}
	if _, err := c.ListOrgUnitsPage(ctx, ListOrgUnitsOptions{}, 0, 101); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("limit 101: %v, want ErrInvalidRequest", err)
	}
}

func TestOneAccessTokenCachingAndRefresh(t *testing.T) {
	ctx := context.Background()
	clk := &testClock{now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	srv := newFake(t, huaweifake.Options{TokenTTL: 10 * time.Minute, Now: clk.Now})
	c := newOneAccess(t, srv.URL(), func(cfg *OneAccessConfig) { cfg.Now = clk.Now })

	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.ListOrgUnitsPage(ctx, ListOrgUnitsOptions{}, 0, 0); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := srv.TokensIssued(); n != 1 {
		t.Fatalf("20 concurrent calls fetched %d tokens, want 1", n)
	}

	// Still cached 8m59s in (refresh margin 1m), replaced from 9m on, before the fake expires it.
	clk.Advance(8*time.Minute + 59*time.Second)
	_, _ = c.ListOrgUnitsPage(ctx, ListOrgUnitsOptions{}, 0, 0)
	if n := srv.TokensIssued(); n != 1 {
		t.Errorf("tokens = %d before the refresh margin, want 1", n)
	}
	clk.Advance(time.Second)
	_, _ = c.ListOrgUnitsPage(ctx, ListOrgUnitsOptions{}, 0, 0)
	if n := srv.TokensIssued(); n != 2 {
		t.Errorf("tokens = %d within the refresh margin, want 2", n)
	}

	// A token refused early (server-side expiry) is replaced once and the call repeated.
	srv.ExpireTokens()
	srv.ResetRequests()
	if _, err := c.ListOrgUnitsPage(ctx, ListOrgUnitsOptions{}, 0, 0); err != nil {
		t.Fatalf("call after server-side expiry: %v", err)
	}
	if diff := cmp.Diff([]string{
		"GET /api/v2/tenant/organizations 401",
		"POST /api/v2/tenant/token 200",
		"GET /api/v2/tenant/organizations 200",
	}, requestLines(srv.Requests())); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestOneAccessUnauthorizedAfterRefreshIsReturned(t *testing.T) {
	// The fake's clock jumps an hour every time it is read: every token it issues has expired by
	// the time it checks it, while the client still holds it fresh, so the repeated call fails too.
	clk := &testClock{now: time.Now()}
	srv := newFake(t, huaweifake.Options{TokenTTL: time.Minute, Now: func() time.Time {
		clk.Advance(time.Hour)
		return clk.Now()
	}})
	c := newOneAccess(t, srv.URL())
	_, err := c.GetOrgUnit(context.Background(), "x")
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	if n := srv.TokensIssued(); n != 2 {
		t.Errorf("tokens = %d, want 2 (one refresh only)", n)
	}
}

func TestOneAccessBadClientCredentials(t *testing.T) {
	srv := newFake(t, huaweifake.Options{})
	c := newOneAccess(t, srv.URL(), func(cfg *OneAccessConfig) { cfg.ClientSecret = "wrong-secret-value" })
	_, err := c.GetOrgUnit(context.Background(), "x")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, ErrUnauthorized) || apiErr.Code != "invalid_client" {
		t.Fatalf("err = %v, want 401 invalid_client", err)
	}
	if strings.Contains(err.Error(), "wrong-secret-value") {
		t.Errorf("error leaks the client secret: %v", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests, want 1: refused client credentials are not retried", n)
	}
}

// checkIs asserts which sentinel errors err matches and which it does not.
func checkIs(t *testing.T, err error, is, isNot []error) {
	t.Helper()
	for _, target := range is {
		if !errors.Is(err, target) {
			t.Errorf("errors.Is(%v, %v) = false", err, target)
		}
	}
	for _, target := range isNot {
		if errors.Is(err, target) {
			t.Errorf("errors.Is(%v, %v) = true", err, target)
		}
	}
}

func requestLines(reqs []huaweifake.Request) []string {
	out := make([]string, 0, len(reqs))
	for _, r := range reqs {
		out = append(out, fmt.Sprintf("%s %s %d", r.Method, r.Path, r.Status))
	}
	return out
}

// testClock is a settable clock for the client and the fake.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
