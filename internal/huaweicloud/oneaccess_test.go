package huaweicloud

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	testingclock "k8s.io/utils/clock/testing"

	"github.com/orgsync/orgsync/internal/clienttest"
	"github.com/orgsync/orgsync/internal/fakeserver"
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
	return TransportOptions{Options: clienttest.FastRetry()}
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
	return clienttest.New(t, "NewOneAccess", NewOneAccess, cfg, mutate...)
}

func ptr(s string) *string { return &s }

// mustCreateUnit creates u and returns its org_id, failing the test when the client refuses it.
func mustCreateUnit(t *testing.T, c *OneAccessClient, u OrgUnit) string {
	t.Helper()
	id, err := c.CreateOrgUnit(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// apiError returns err as an *APIError, failing the test when it is not one.
func apiError(t *testing.T, err error) *APIError {
	t.Helper()
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want an *APIError", err)
	}
	return apiErr
}

// refusal is a call that breaks one of the service's rules, and how the client must report it.
type refusal struct {
	name     string
	call     func() error
	code     string
	is       []error
	isNot    []error
	wantHTTP int
}

// checkRefusals makes each call and checks its *APIError: the service's status and code with a
// message, the sentinel errors it matches and does not, and that it is not retried (the same call
// breaks the same rule again).
func checkRefusals(t *testing.T, refusals []refusal) {
	t.Helper()
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			apiErr := apiError(t, err)
			if apiErr.Code != tt.code || apiErr.StatusCode != tt.wantHTTP || apiErr.Message == "" {
				t.Errorf("APIError = %+v, want HTTP %d code %s with a message", apiErr, tt.wantHTTP, tt.code)
			}
			clienttest.CheckIs(t, err, tt.is, tt.isNot)
			if IsRetryable(err) {
				t.Errorf("IsRetryable(%v) = true", err)
			}
		})
	}
}

// listingUnder is a call that lists the units under orgID and returns its error only, for tables
// of refused calls.
func listingUnder(c *OneAccessClient, orgID string) func() error {
	return func() error {
		_, err := c.ListOrgUnitsMatching(context.Background(), ListOrgUnitsOptions{OrgID: orgID})
		return err
	}
}

// creating is a call that creates u and returns its error only, for tables of refused calls.
func creating(c *OneAccessClient, u OrgUnit) func() error {
	return func() error {
		_, err := c.CreateOrgUnit(context.Background(), u)
		return err
	}
}

func TestOneAccessLifecycle(t *testing.T) {
	ctx := context.Background()
	srv := newFake(t, huaweifake.Options{})
	c := newOneAccess(t, srv.URL())

	salesID := mustCreateUnit(t, c, OrgUnit{Code: "sales", Name: "Sales & Marketing"})
	krID := mustCreateUnit(t, c, OrgUnit{Code: "sales-kr", Name: "영업 한국", ParentID: salesID, Category: "team"})
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

	// An empty parent_id leaves the parent as it is (OneAccess reads an empty field as unchanged).
	if err := c.UpdateOrgUnit(ctx, krID, OrgUnitUpdate{Name: ptr("Sales Korea"), ParentID: ptr("")}); err != nil {
		t.Fatal(err)
	}
	got, _ = c.GetOrgUnit(ctx, krID)
	if got.Name != "Sales Korea" || got.ParentID != salesID || got.Code != "sales-kr" || got.Category != "team" {
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
	root := mustCreateUnit(t, c, OrgUnit{Code: "root", Name: "Root"})
	child := mustCreateUnit(t, c, OrgUnit{Code: "child", Name: "Child", ParentID: root})
	grandchild := mustCreateUnit(t, c, OrgUnit{Code: "grandchild", Name: "Grandchild", ParentID: child})

	checkRefusals(t, []refusal{
		{"name required", creating(c, OrgUnit{Code: "x"}),
			CodeNameRequired, []error{ErrInvalidRequest}, []error{ErrAlreadyExists}, 400},
		{"code exists", creating(c, OrgUnit{Code: "child", Name: "Other"}),
			CodeCodeExists, []error{ErrAlreadyExists}, []error{ErrInvalidRequest}, 400},
		{"invalid code", creating(c, OrgUnit{Code: "a b", Name: "X"}),
			CodeInvalidCode, []error{ErrInvalidRequest}, nil, 400},
		{"code too long", creating(c, OrgUnit{Code: strings.Repeat("c", 65), Name: "X"}),
			CodeInvalidCode, []error{ErrInvalidRequest}, nil, 400},
		{"invalid name", creating(c, OrgUnit{Code: "x", Name: "A/B"}),
			CodeInvalidName, []error{ErrInvalidRequest}, nil, 400},
		{"sibling name taken", creating(c, OrgUnit{Code: "child2", Name: "Child", ParentID: root}),
			CodeNameTaken, []error{ErrNameTaken, ErrInvalidRequest}, []error{ErrAlreadyExists}, 400},
		{"parent missing", creating(c, OrgUnit{Code: "orphan", Name: "Orphan", ParentID: "no-such-id"}),
			CodeParentNotFound, []error{ErrParentNotFound}, []error{ErrInvalidRequest, ErrNotFound}, 400},
		{"delete with children", func() error { return c.DeleteOrgUnit(ctx, child) },
			CodeHasChildren, []error{ErrHasChildren}, []error{ErrInvalidRequest}, 400},
		{"move under own descendant", func() error { return c.UpdateOrgUnit(ctx, child, OrgUnitUpdate{ParentID: &grandchild}) },
			CodeCycle, []error{ErrInvalidRequest}, nil, 400},
		{"update to taken code", func() error { return c.UpdateOrgUnit(ctx, grandchild, OrgUnitUpdate{Code: ptr("root")}) },
			CodeCodeExists, []error{ErrAlreadyExists}, nil, 400},
		{"create without a name", creating(c, OrgUnit{Code: "nameless", ParentID: root}),
			CodeNameRequired, []error{ErrInvalidRequest}, nil, 400},
		{"update missing unit", func() error { return c.UpdateOrgUnit(ctx, "missing", OrgUnitUpdate{Name: ptr("X")}) },
			CodeOrgUnitNotFound, []error{ErrNotFound}, nil, 404},
		{"list children of missing unit", listingUnder(c, "missing"), CodeOrgUnitNotFound, []error{ErrNotFound}, nil, 404},
	})
	if n := len(srv.OrgUnits()); n != 3 {
		t.Errorf("the fake holds %d units after rejected calls, want 3", n)
	}
}

func TestOneAccessTokenCachingAndRefresh(t *testing.T) {
	ctx := context.Background()
	clk := testingclock.NewFakeClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	srv := newFake(t, huaweifake.Options{TokenTTL: 10 * time.Minute, Options: fakeserver.Options{Now: clk.Now}})
	c := newOneAccess(t, srv.URL(), func(cfg *OneAccessConfig) { cfg.Now = clk.Now })

	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := c.ListOrgUnitsPage(ctx, ListOrgUnitsOptions{}, 0, 0); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := srv.TokensIssued(); n != 1 {
		t.Fatalf("20 concurrent calls fetched %d tokens, want 1", n)
	}

	// Still cached 8m59s in (refresh margin 1m), replaced from 9m on, before the fake expires it.
	clk.Step(8*time.Minute + 59*time.Second)
	_, _ = c.ListOrgUnitsPage(ctx, ListOrgUnitsOptions{}, 0, 0)
	if n := srv.TokensIssued(); n != 1 {
		t.Errorf("tokens = %d before the refresh margin, want 1", n)
	}
	clk.Step(time.Second)
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
	clk := testingclock.NewFakeClock(time.Now())
	srv := newFake(t, huaweifake.Options{TokenTTL: time.Minute,
		Options: fakeserver.Options{Now: func() time.Time {
			clk.Step(time.Hour)
			return clk.Now()
		}},
	})
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
	tests := []struct {
		name   string
		mutate func(*OneAccessConfig)
	}{
		{"wrong secret", func(cfg *OneAccessConfig) { cfg.ClientSecret = "wrong-secret-value" }},
		{"wrong client ID", func(cfg *OneAccessConfig) { cfg.ClientID = "someone-else" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.ResetRequests()
			c := newOneAccess(t, srv.URL(), tt.mutate)
			_, err := c.GetOrgUnit(context.Background(), "x")
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Code == "" || apiErr.Message == "" {
				t.Fatalf("err = %v, want the token endpoint's 400 with its code and message", err)
			}
			clienttest.CheckIs(t, err, []error{ErrUnauthorized}, []error{ErrInvalidRequest, ErrUnrecognized, ErrNotFound})
			if IsRetryable(err) {
				t.Errorf("IsRetryable(%v) = true", err)
			}
			if strings.Contains(err.Error(), "wrong-secret-value") || strings.Contains(fmt.Sprintf("%#v", err), "wrong-secret-value") {
				t.Errorf("error leaks the client secret: %v", err)
			}
			if diff := cmp.Diff([]string{"POST /api/v2/tenant/token 400"}, requestLines(srv.Requests())); diff != "" {
				t.Errorf("refused client credentials are not retried (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOneAccessTokenRefusals reads the token endpoint's refusals as the reference documents them:
// 400 {"error_code","error_msg"} means the client credentials are wrong, whatever the code.
func TestOneAccessTokenRefusals(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		is     []error
		isNot  []error
	}{
		{"documented refusal", 400, `{"error_code":"OA.0001","error_msg":"invalid client ` + testClientSecret + `"}`,
			[]error{ErrUnauthorized}, []error{ErrInvalidRequest, ErrUnrecognized}},
		{"refusal with a code never seen", 400, `{"error_code":"ORG.9999","error_msg":"未知错误"}`,
			[]error{ErrUnauthorized}, []error{ErrInvalidRequest, ErrUnrecognized}},
		{"OAuth-style 401", 401, `{"error":"invalid_client","error_description":"bad client"}`,
			[]error{ErrUnauthorized}, []error{ErrInvalidRequest, ErrUnrecognized}},
		{"throttled is not a refusal", 429, `{"error_code":"APIGW.0308","error_msg":"slow down"}`,
			[]error{ErrThrottled}, []error{ErrUnauthorized}},
		{"unavailable is not a refusal", 503, `{"error_code":"APIGW.0503","error_msg":"busy"}`,
			[]error{ErrUnavailable}, []error{ErrUnauthorized}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			c := newOneAccess(t, srv.URL, func(cfg *OneAccessConfig) { cfg.MaxAttempts = 1 })
			_, err := c.GetOrgUnit(context.Background(), "x")
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tt.status {
				t.Fatalf("err = %v, want an APIError with status %d", err, tt.status)
			}
			clienttest.CheckIs(t, err, tt.is, tt.isNot)
			if strings.Contains(fmt.Sprint(err), testClientSecret) {
				t.Errorf("error leaks the client secret: %v", err)
			}
		})
	}
}

// checkIs asserts which sentinel errors err matches and which it does not.
func requestLines(reqs []huaweifake.Request) []string {
	out := make([]string, 0, len(reqs))
	for _, r := range reqs {
		out = append(out, fmt.Sprintf("%s %s %d", r.Method, r.Path, r.Status))
	}
	return out
}
