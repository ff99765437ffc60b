package ncp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/time/rate"

	"github.com/orgsync/orgsync/internal/fakeserver"
	"github.com/orgsync/orgsync/internal/httpretry"
	"github.com/orgsync/orgsync/internal/ncp/ncpfake"
)

// These tests run the client against the in-process fake NCP server, which
// checks signatures, enforces WORKPLACE's validation rules and keeps state.

const fakeCompany = "c1798784-9a47-4751-ab9f-b9629825ab93"

func newFake(t testing.TB) *ncpfake.Server {
	t.Helper()
	srv := ncpfake.NewServer(ncpfake.Options{AccessKey: testAccessKey, SecretKey: testSecretKey, CompanyIDs: []string{fakeCompany}})
	t.Cleanup(srv.Close)
	return srv
}

func newFakeClient(t testing.TB, srv *ncpfake.Server, mutate ...func(*Config)) *Client {
	t.Helper()
	return newTestClient(t, srv.URL(), mutate...)
}

func yesPtr() *bool { v := true; return &v }

// putDepartments puts n top-level departments, d000, d001, ..., in the fake's company.
func putDepartments(srv *ncpfake.Server, n int) {
	for i := range n {
		srv.PutDepartment(fakeCompany, ncpfake.Department{ExternalKey: fmt.Sprintf("d%03d", i), Name: "D", ParentExternalKey: "#", DisplayOrder: "1"})
	}
}

// externalKeys returns the departments' external keys, in order.
func externalKeys(departments []Department) []string {
	var keys []string
	for _, d := range departments {
		keys = append(keys, d.ExternalKey)
	}
	return keys
}

func TestFakeDepartmentLifecycle(t *testing.T) {
	srv := newFake(t)
	c := newFakeClient(t, srv)
	ctx := context.Background()

	sales := Department{ExternalKey: "sales", Name: "Sales", I18nNames: map[string]string{"ko_KR": "영업", "en_US": "Sales"},
		ParentExternalKey: TopLevelParent, EmailAddress: "sales@example.com", ExternalEmailReceive: yesPtr(), DisplayOrder: "2"}
	created, err := c.CreateDepartment(ctx, fakeCompany, sales)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if created.ExternalKey != "sales" || created.Name != "Sales" {
		t.Fatalf("create echoed %+v", created)
	}
	for _, d := range []Department{
		{ExternalKey: "support", Name: "Support", ParentExternalKey: TopLevelParent, DisplayOrder: "3"},
		{ExternalKey: "field", Name: "Field sales", ParentExternalKey: "sales", DisplayOrder: "1.5"},
	} {
		if _, err := c.CreateDepartment(ctx, fakeCompany, d); err != nil {
			t.Fatalf("create %s: %v", d.ExternalKey, err)
		}
	}

	got, err := c.GetDepartment(ctx, fakeCompany, "sales")
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.CompanyID != fakeCompany || got.LeaderExternalKey != nil || got.DisplayOrder != "2.0" {
		t.Fatalf("get = %+v, want companyId, no leader and dispOrd normalised to 2.0", got)
	}
	if !EqualDisplayOrder(got.DisplayOrder, sales.DisplayOrder) {
		t.Fatalf("EqualDisplayOrder(%q, %q) = false", got.DisplayOrder, sales.DisplayOrder)
	}
	want := sales
	want.DisplayOrder, want.TenantID, want.CompanyID = "2.0", got.TenantID, fakeCompany
	if diff := cmp.Diff(want, *got); diff != "" {
		t.Fatalf("get (-want +got):\n%s", diff)
	}

	// Move "field" under "support" and rename it.
	field := Department{ExternalKey: "field", Name: "Field support", ParentExternalKey: "support", DisplayOrder: "1"}
	if _, err := c.UpdateDepartment(ctx, fakeCompany, field); err != nil {
		t.Fatalf("update: %v", err)
	}
	stored, ok := srv.Department(fakeCompany, "field")
	if !ok || stored.ParentExternalKey != "support" || stored.Name != "Field support" {
		t.Fatalf("fake holds %+v after the move", stored)
	}

	list, err := c.ListDepartments(ctx, fakeCompany)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	var keys []string
	for _, d := range list {
		keys = append(keys, d.ExternalKey)
	}
	if diff := cmp.Diff([]string{"sales", "support", "field"}, keys); diff != "" {
		t.Fatalf("list keys (-want +got):\n%s", diff)
	}

	if err := c.DeleteDepartment(ctx, fakeCompany, "support"); !errors.Is(err, ErrInvalidRequest) {
		t.Fatalf("deleting a department with sub-departments: err = %v, want ErrInvalidRequest", err)
	}
	for _, key := range []string{"field", "support", "sales"} {
		if err := c.DeleteDepartment(ctx, fakeCompany, key); err != nil {
			t.Fatalf("delete %s: %v", key, err)
		}
	}
	if left := srv.Departments(fakeCompany); len(left) != 0 {
		t.Fatalf("fake still holds %d departments", len(left))
	}
}

func TestFakeDepartmentErrors(t *testing.T) {
	srv := newFake(t)
	c := newFakeClient(t, srv)
	ctx := context.Background()
	srv.PutDepartment(fakeCompany, ncpfake.Department{ExternalKey: "root", Name: "Root", ParentExternalKey: "#", DisplayOrder: "1"})
	srv.PutDepartment(fakeCompany, ncpfake.Department{ExternalKey: "child", Name: "Child", ParentExternalKey: "root", DisplayOrder: "1"})
	valid := func(key string) Department {
		return Department{ExternalKey: key, Name: "N", ParentExternalKey: "#", DisplayOrder: "1"}
	}
	// create creates valid(key), changed by change when set.
	create := func(key string, change func(*Department)) func() error {
		return func() error {
			d := valid(key)
			if change != nil {
				change(&d)
			}
			_, err := c.CreateDepartment(ctx, fakeCompany, d)
			return err
		}
	}

	tests := []struct {
		name     string
		call     func() error
		want     error
		wantCode string
	}{
		{"create existing", create("root", nil), ErrAlreadyExists, "-4090"},
		{"create under a missing parent", create("orphan", func(d *Department) { d.ParentExternalKey = "nowhere" }), ErrInvalidRequest, "-4030"},
		{"create without a name", create("nameless", func(d *Department) { d.Name = "" }), ErrInvalidRequest, "-4020"},
		{"create with a bad display order", create("badorder", func(d *Department) { d.DisplayOrder = "first" }), ErrInvalidRequest, "-4020"},
		{"create with a 37-character key", create(strings.Repeat("k", 37), nil), ErrInvalidRequest, ""},
		{"move into a cycle", func() error {
			d := valid("root")
			d.ParentExternalKey = "child"
			_, err := c.UpdateDepartment(ctx, fakeCompany, d)
			return err
		}, ErrInvalidRequest, ""},
		{"get unknown", func() error { _, err := c.GetDepartment(ctx, fakeCompany, "ghost"); return err }, ErrNotFound, "-4040"},
		{"update unknown", func() error { _, err := c.UpdateDepartment(ctx, fakeCompany, valid("ghost")); return err }, ErrNotFound, "-4040"},
		{"delete unknown", func() error { return c.DeleteDepartment(ctx, fakeCompany, "ghost") }, ErrNotFound, "-4040"},
		{"delete with sub-departments", func() error { return c.DeleteDepartment(ctx, fakeCompany, "root") }, ErrInvalidRequest, "-4050"},
		{"unknown company", func() error { _, err := c.ListDepartments(ctx, "no-such-company"); return err }, ErrNotFound, "-4041"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v, want an *APIError", err)
			}
			if tt.wantCode != "" && apiErr.Code != tt.wantCode {
				t.Fatalf("code = %q, want %q (%v)", apiErr.Code, tt.wantCode, err)
			}
			if IsRetryable(err) {
				t.Fatalf("%v reported as retryable", err)
			}
		})
	}
	if got := len(srv.Departments(fakeCompany)); got != 2 {
		t.Fatalf("fake holds %d departments after failed calls, want 2", got)
	}
}

// TestFakeUndocumentedErrors runs every failure the documents leave undefined
// against the fake in undocumented-answers mode: each comes back as the
// unknown answer, never as absent, duplicate, missing parent or has children.
func TestFakeUndocumentedErrors(t *testing.T) {
	srv := ncpfake.NewServer(ncpfake.Options{AccessKey: testAccessKey, SecretKey: testSecretKey,
		CompanyIDs: []string{fakeCompany},
		Options:    fakeserver.Options{UndocumentedErrors: true},
	})
	t.Cleanup(srv.Close)
	c := newFakeClient(t, srv)
	ctx := context.Background()
	srv.PutDepartment(fakeCompany, ncpfake.Department{ExternalKey: "root", Name: "Root", ParentExternalKey: "#", DisplayOrder: "1"})
	srv.PutDepartment(fakeCompany, ncpfake.Department{ExternalKey: "child", Name: "Child", ParentExternalKey: "root", DisplayOrder: "1"})
	dept := func(key, parent string) Department {
		return Department{ExternalKey: key, Name: "N", ParentExternalKey: parent, DisplayOrder: "1"}
	}

	for name, call := range map[string]func() error{
		"get unknown":           func() error { _, err := c.GetDepartment(ctx, fakeCompany, "ghost"); return err },
		"create existing":       func() error { _, err := c.CreateDepartment(ctx, fakeCompany, dept("root", "#")); return err },
		"create missing parent": func() error { _, err := c.CreateDepartment(ctx, fakeCompany, dept("orphan", "nowhere")); return err },
		"update missing parent": func() error { _, err := c.UpdateDepartment(ctx, fakeCompany, dept("child", "nowhere")); return err },
		"update unknown":        func() error { _, err := c.UpdateDepartment(ctx, fakeCompany, dept("ghost", "#")); return err },
		"delete unknown":        func() error { return c.DeleteDepartment(ctx, fakeCompany, "ghost") },
		"delete with children":  func() error { return c.DeleteDepartment(ctx, fakeCompany, "root") },
		"no organization":       func() error { _, err := c.GetOrganization(ctx); return err },
	} {
		t.Run(name, func(t *testing.T) { checkUnknownError(t, call()) })
	}
	if got := len(srv.Departments(fakeCompany)); got != 2 {
		t.Fatalf("fake holds %d departments after refused calls, want 2", got)
	}
	// What the documents promise still works: the list and a successful GET.
	if list, err := c.ListDepartments(ctx, fakeCompany); err != nil || len(list) != 2 {
		t.Fatalf("list = %d departments, %v", len(list), err)
	}
	if _, err := c.GetDepartment(ctx, fakeCompany, "child"); err != nil {
		t.Fatalf("get: %v", err)
	}
}

// TestFakeEscapedKeys checks that keys needing escaping are signed as sent
// (the fake verifies every signature) and address the right department.
func TestFakeEscapedKeys(t *testing.T) {
	srv := newFake(t)
	c := newFakeClient(t, srv)
	ctx := context.Background()
	keys := []string{"영업부", "a b", "a/b", "x+y", "50%", "ü-ñ", "a?b#c", strings.Repeat("가", 36)}
	for _, key := range keys {
		d := Department{ExternalKey: key, Name: "Dept " + key, ParentExternalKey: TopLevelParent, DisplayOrder: "1"}
		if _, err := c.CreateDepartment(ctx, fakeCompany, d); err != nil {
			t.Fatalf("create %q: %v", key, err)
		}
		got, err := c.GetDepartment(ctx, fakeCompany, key)
		if err != nil || got.ExternalKey != key {
			t.Fatalf("get %q = %+v, %v", key, got, err)
		}
		if _, ok := srv.Department(fakeCompany, key); !ok {
			t.Fatalf("fake has no department %q", key)
		}
	}
	list, err := c.ListDepartments(ctx, fakeCompany)
	if err != nil || len(list) != len(keys) {
		t.Fatalf("list: %d departments, %v", len(list), err)
	}
	for _, key := range keys {
		if err := c.DeleteDepartment(ctx, fakeCompany, key); err != nil {
			t.Fatalf("delete %q: %v", key, err)
		}
	}
	for _, r := range srv.Requests() {
		if r.Status == http.StatusUnauthorized {
			t.Fatalf("the fake rejected the signature of %s %s", r.Method, r.Path)
		}
	}
}

func TestFakeListPaging(t *testing.T) {
	for _, total := range []int{0, 1, 100, 101, 250} {
		t.Run(fmt.Sprint(total), func(t *testing.T) {
			srv := newFake(t)
			c := newFakeClient(t, srv)
			putDepartments(srv, total)
			got, err := c.ListDepartments(context.Background(), fakeCompany)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, d := range srv.Departments(fakeCompany) {
				want = append(want, d.ExternalKey)
			}
			if diff := cmp.Diff(want, externalKeys(got)); diff != "" {
				t.Fatalf("listed keys (-want +got):\n%s", diff)
			}
			wantPages := max(1, (total+99)/100)
			if total > 0 && total%100 == 0 {
				wantPages = total / 100 // totalCount reached: no trailing empty page
			}
			if reqs := srv.Requests(); len(reqs) != wantPages {
				t.Fatalf("%d page requests, want %d", len(reqs), wantPages)
			}
			for _, r := range srv.Requests() {
				if !strings.Contains(r.Query, "limit=100") {
					t.Fatalf("page query %q does not ask for 100", r.Query)
				}
			}
		})
	}
}

// TestFakeListBrokenOff breaks a listing off on its second page with the
// fake's list failure: a page that keeps failing fails the whole listing, with
// no departments; one that fails once is retried and the listing completes.
func TestFakeListBrokenOff(t *testing.T) {
	srv := newFake(t)
	c := newFakeClient(t, srv)
	ctx := context.Background()
	putDepartments(srv, 150)

	srv.SetListFailure(&ncpfake.ListFailure{After: 1})
	got, err := c.ListDepartments(ctx, fakeCompany)
	if got != nil || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("second page failing: %d departments, err %v; want none and ErrUnavailable", len(got), err)
	}
	if n := len(srv.Requests()); n != 1+httpretry.DefaultMaxAttempts {
		t.Errorf("%d requests, want the first page and %d attempts at the second", n, httpretry.DefaultMaxAttempts)
	}

	srv.ResetRequests()
	srv.SetListFailure(&ncpfake.ListFailure{After: 1, Count: 1})
	got, err = c.ListDepartments(ctx, fakeCompany)
	if err != nil || len(got) != 150 {
		t.Fatalf("second page failing once: %d departments, err %v; want 150", len(got), err)
	}
	var statuses []int
	for _, r := range srv.Requests() {
		statuses = append(statuses, r.Status)
	}
	if diff := cmp.Diff([]int{200, 503, 200}, statuses); diff != "" {
		t.Errorf("list statuses (-want +got):\n%s", diff)
	}
}

// TestFakeListPagesThatDoNotAddUp: a page that comes back empty or short before totalCount is
// never taken for the end of the company: the listing is read again and returned whole, or, when
// every reading has such a page, fails with ErrIncompleteListing and no departments.
func TestFakeListPagesThatDoNotAddUp(t *testing.T) {
	tests := []struct {
		name     string
		failure  ncpfake.ListFailure
		wantErr  bool
		requests int
	}{
		{"one empty page", ncpfake.ListFailure{After: 1, Count: 1, Answer: ncpfake.ListEmptyPage}, false, 2 + 3},
		{"one short page", ncpfake.ListFailure{After: 2, Count: 1, Answer: ncpfake.ListShortPage}, false, 3 + 3},
		{"the second page of every reading empty", ncpfake.ListFailure{Every: 2, Answer: ncpfake.ListEmptyPage}, true, 2 * listAttempts},
		{"the last page of every reading short", ncpfake.ListFailure{Every: 3, Answer: ncpfake.ListShortPage}, true, 3 * listAttempts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFake(t)
			c := newFakeClient(t, srv)
			putDepartments(srv, 250)
			srv.SetListFailure(&tt.failure)
			got, err := c.ListDepartments(context.Background(), fakeCompany)
			switch {
			case tt.wantErr && (got != nil || !errors.Is(err, ErrIncompleteListing)):
				t.Fatalf("%d departments, err %v; want none and ErrIncompleteListing", len(got), err)
			case !tt.wantErr && (err != nil || len(got) != 250):
				t.Fatalf("%d departments, err %v; want all 250", len(got), err)
			}
			if n := len(srv.Requests()); n != tt.requests {
				t.Errorf("%d list requests, want %d", n, tt.requests)
			}
		})
	}
}

func TestFakeAuthentication(t *testing.T) {
	srv := newFake(t)
	tests := []struct {
		name   string
		mutate func(*Config)
	}{
		{"wrong secret", func(cfg *Config) { cfg.Credentials.SecretKey = "wrong" }},
		{"unknown access key", func(cfg *Config) { cfg.Credentials.AccessKey = "AKUNKNOWN" }},
		{"clock six minutes behind", func(cfg *Config) { cfg.Now = func() time.Time { return time.Now().Add(-6 * time.Minute) } }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.ResetRequests()
			c := newFakeClient(t, srv, tt.mutate)
			_, err := c.GetDepartment(context.Background(), fakeCompany, "any")
			if !errors.Is(err, ErrUnauthorized) || IsRetryable(err) {
				t.Fatalf("err = %v, want a permanent ErrUnauthorized", err)
			}
			if n := len(srv.Requests()); n != 1 {
				t.Fatalf("%d requests, want 1 (authentication failures are not retried)", n)
			}
		})
	}
}

func TestFakeOrganizationLifecycle(t *testing.T) {
	srv := newFake(t)
	c := newFakeClient(t, srv)
	ctx := context.Background()

	if _, err := c.GetOrganization(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get before create: err = %v, want ErrNotFound", err)
	}
	created, err := c.CreateOrganization(ctx, "orgsync test")
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if created.OrganizationNo == 0 || created.OrganizationDesc != "orgsync test" {
		t.Fatalf("create = %+v", created)
	}
	got, err := c.GetOrganization(ctx)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.OrganizationNo != created.OrganizationNo || !got.IsMaster() || got.MemberNo == 0 || got.JoinYmdt == nil {
		t.Fatalf("get = %+v, want the created organization with the caller as master", got)
	}
	if _, err := c.CreateOrganization(ctx, "again"); !errors.Is(err, ErrAlreadyExists) {
		t.Fatalf("second create: err = %v, want ErrAlreadyExists", err)
	}

	// A member that is not the master may not delete the organization.
	srv.AddAccount("AKMEMBER", "member-secret")
	srv.SetOrganization("AKMEMBER", &ncpfake.Organization{OrganizationNo: created.OrganizationNo})
	member := newFakeClient(t, srv, func(cfg *Config) { cfg.Credentials = Credentials{AccessKey: "AKMEMBER", SecretKey: "member-secret"} })
	memberView, err := member.GetOrganization(ctx)
	if err != nil || memberView.IsMaster() || memberView.OrganizationNo != created.OrganizationNo {
		t.Fatalf("member get = %+v, %v", memberView, err)
	}
	if err := member.DeleteOrganization(ctx, created.OrganizationNo); !errors.Is(err, ErrForbidden) {
		t.Fatalf("member delete: err = %v, want ErrForbidden", err)
	}

	if err := c.DeleteOrganization(ctx, created.OrganizationNo); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := c.GetOrganization(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get after delete: err = %v, want ErrNotFound", err)
	}
	if err := c.DeleteOrganization(ctx, created.OrganizationNo); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: err = %v, want ErrNotFound", err)
	}
}

// TestFakeFaultsCreateExactlyOnce drives creations through injected
// throttling and unavailability the way a controller should: a retryable
// failure of a POST is followed by an observation before creating again.
func TestFakeFaultsCreateExactlyOnce(t *testing.T) {
	srv := newFake(t)
	c := newFakeClient(t, srv, func(cfg *Config) { cfg.MaxAttempts = 30 })
	srv.SetFaults(ncpfake.Faults{ThrottleFraction: 0.3, UnavailableFraction: 0.2})
	ctx := context.Background()

	ensure := func(d Department) error {
		for range 50 {
			if _, err := c.GetDepartment(ctx, fakeCompany, d.ExternalKey); err == nil {
				return nil
			} else if !errors.Is(err, ErrNotFound) {
				return fmt.Errorf("observe: %w", err)
			}
			_, err := c.CreateDepartment(ctx, fakeCompany, d)
			if err == nil || errors.Is(err, ErrAlreadyExists) {
				return nil
			}
			if !IsRetryable(err) {
				return err
			}
		}
		return errors.New("gave up")
	}
	const n = 30
	for i := range n {
		d := Department{ExternalKey: fmt.Sprintf("dept-%02d", i), Name: "D", ParentExternalKey: TopLevelParent, DisplayOrder: fmt.Sprint(i)}
		if err := ensure(d); err != nil {
			t.Fatalf("ensure %s: %v", d.ExternalKey, err)
		}
	}
	srv.SetFaults(ncpfake.Faults{})
	if got := len(srv.Departments(fakeCompany)); got != n {
		t.Fatalf("fake holds %d departments, want %d", got, n)
	}

	statuses := map[int]int{}
	for _, r := range srv.Requests() {
		statuses[r.Status]++
	}
	if statuses[http.StatusTooManyRequests] == 0 || statuses[http.StatusServiceUnavailable] == 0 {
		t.Fatalf("statuses %v: the faults were not exercised", statuses)
	}
	// Every 503 answered to a POST must be followed by a GET of the same key
	// before that key is posted again.
	reqs := srv.Requests()
	for i, r := range reqs {
		if r.Method != http.MethodPost || r.Status != http.StatusServiceUnavailable {
			continue
		}
		next := slices.IndexFunc(reqs[i+1:], func(o ncpfake.Request) bool { return o.Path == r.Path })
		if next >= 0 && reqs[i+1+next].Method == http.MethodPost {
			t.Fatalf("POST %s was repeated after a 503 without observing first", r.Path)
		}
	}
}

func TestFakeThrottlingRetryAfter(t *testing.T) {
	srv := newFake(t)
	srv.SetFaults(ncpfake.Faults{ThrottleFraction: 1, RetryAfter: 2 * time.Second})
	c := newFakeClient(t, srv, func(cfg *Config) { cfg.MaxAttempts = 3 })
	waits := recordSleeps(c)

	_, err := c.GetDepartment(context.Background(), fakeCompany, "any")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, ErrThrottled) || apiErr.RetryAfter != 2*time.Second || apiErr.Attempts != 3 {
		t.Fatalf("err = %v (%+v), want ErrThrottled after 3 attempts with RetryAfter 2s", err, apiErr)
	}
	if len(*waits) != 2 || (*waits)[0] < 2*time.Second || (*waits)[1] < 2*time.Second {
		t.Fatalf("waits = %v, want two waits of at least the 2s Retry-After", *waits)
	}

	// The Organization API throttles with 403 COMMON_104, retried like a 429.
	srv.ResetRequests()
	_, err = c.GetOrganization(context.Background())
	if !errors.Is(err, ErrThrottled) || errors.Is(err, ErrForbidden) {
		t.Fatalf("organization err = %v, want ErrThrottled and not ErrForbidden", err)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Fatalf("%d organization requests, want 3", n)
	}
}

// TestFakeClientLimiterStaysUnderServerCap shows the client's limiter
// keeping a burst of calls under the server's rate cap: the fake admits 50
// requests at once and 50 per second; the client sends at most 5 at once
// and 40 per second.
func TestFakeClientLimiterStaysUnderServerCap(t *testing.T) {
	srv := newFake(t)
	srv.SetFaults(ncpfake.Faults{RateLimit: 50})
	c := newFakeClient(t, srv, func(cfg *Config) {
		cfg.Limiter = httpretry.NewThrottle(rate.NewLimiter(40, 5))
		cfg.MaxAttempts = 1 // a throttled answer must show up as an error
	})
	srv.PutDepartment(fakeCompany, ncpfake.Department{ExternalKey: "d", Name: "D", ParentExternalKey: "#", DisplayOrder: "1"})
	for i := range 30 {
		if _, err := c.GetDepartment(context.Background(), fakeCompany, "d"); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	for _, r := range srv.Requests() {
		if r.Status != http.StatusOK {
			t.Fatalf("the fake answered %d: the client exceeded its cap", r.Status)
		}
	}
}

func TestFakeLatencyAndAttemptTimeout(t *testing.T) {
	srv := newFake(t)
	srv.PutDepartment(fakeCompany, ncpfake.Department{ExternalKey: "d", Name: "D", ParentExternalKey: "#", DisplayOrder: "1"})
	srv.SetFaults(ncpfake.Faults{Latency: 300 * time.Millisecond})
	c := newFakeClient(t, srv, func(cfg *Config) {
		cfg.RequestTimeout = 50 * time.Millisecond
		cfg.MaxAttempts = 2
	})
	_, err := c.GetDepartment(context.Background(), fakeCompany, "d")
	if err == nil || !IsRetryable(err) || !strings.Contains(err.Error(), "after 2 attempts") {
		t.Fatalf("err = %v, want a retryable timeout after 2 attempts", err)
	}
	srv.SetFaults(ncpfake.Faults{})
	if _, err := newFakeClient(t, srv).GetDepartment(context.Background(), fakeCompany, "d"); err != nil {
		t.Fatalf("without latency: %v", err)
	}
}
