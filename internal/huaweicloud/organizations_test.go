package huaweicloud

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/internal/clienttest"
	"github.com/orgsync/orgsync/internal/huaweicloud/huaweifake"
)

func newOrganizations(t *testing.T, endpoint string, mutate ...func(*OrganizationsConfig)) *OrganizationsClient {
	t.Helper()
	cfg := OrganizationsConfig{
		Endpoint:         endpoint,
		Credentials:      Credentials{AccessKey: testAccessKey, SecretKey: testSecretKey},
		TransportOptions: fastTransport(),
	}
	return clienttest.New(t, "NewOrganizations", NewOrganizations, cfg, mutate...)
}

// newOrganization starts a fake, creates the organization through a client configured by mutate
// and returns the fake, the client and the organization's root ID.
func newOrganization(t *testing.T, mutate ...func(*OrganizationsConfig)) (*huaweifake.Server, *OrganizationsClient, string) {
	t.Helper()
	srv := newFake(t, huaweifake.Options{})
	c := newOrganizations(t, srv.URL(), mutate...)
	if _, err := c.CreateOrganization(context.Background()); err != nil {
		t.Fatal(err)
	}
	roots, err := c.ListRoots(context.Background())
	if err != nil || len(roots) != 1 {
		t.Fatalf("ListRoots = %+v, %v; want one root", roots, err)
	}
	return srv, c, roots[0].ID
}

func TestOrganizationsLifecycle(t *testing.T) {
	ctx := context.Background()
	srv := newFake(t, huaweifake.Options{})
	c := newOrganizations(t, srv.URL())

	root := createOrganization(t, c)

	sales, err := c.CreateOrganizationalUnit(ctx, "Sales", root)
	if err != nil {
		t.Fatal(err)
	}
	korea, err := c.CreateOrganizationalUnit(ctx, "영업 Korea", sales.ID)
	if err != nil {
		t.Fatal(err)
	}
	renamed, err := c.RenameOrganizationalUnit(ctx, korea.ID, "Sales Korea")
	if err != nil || renamed.Name != "Sales Korea" || renamed.ID != korea.ID {
		t.Errorf("Rename = %+v, %v", renamed, err)
	}
	fetched, err := c.GetOrganizationalUnit(ctx, korea.ID)
	if err != nil || fetched.Name != "Sales Korea" {
		t.Errorf("GetOrganizationalUnit = %+v, %v", fetched, err)
	}

	checkRefusals(t, []refusal{
		{"name taken under parent", func() error { _, err := c.CreateOrganizationalUnit(ctx, "Sales", root); return err },
			CodeOUNameTaken, []error{ErrAlreadyExists, ErrNameTaken}, []error{ErrConcurrentModification}, 409},
		{"rename to a sibling's name", func() error {
			other, err := c.CreateOrganizationalUnit(ctx, "Other", sales.ID)
			if err != nil {
				return err
			}
			_, err = c.RenameOrganizationalUnit(ctx, other.ID, "Sales Korea")
			return err
		}, CodeOUNameTaken, []error{ErrAlreadyExists}, nil, 409},
		{"missing parent", func() error { _, err := c.CreateOrganizationalUnit(ctx, "X", "ou-missing"); return err },
			CodeOUParentNotFound, []error{ErrParentNotFound}, []error{ErrNotFound}, 404},
		{"invalid name", func() error { _, err := c.CreateOrganizationalUnit(ctx, "", root); return err },
			CodeOUInvalidParameter, []error{ErrInvalidRequest}, nil, 400},
		{"delete with children", func() error { return c.DeleteOrganizationalUnit(ctx, sales.ID) },
			CodeOUHasChildren, []error{ErrHasChildren}, nil, 400},
		{"delete organization with units", func() error { return c.DeleteOrganization(ctx) },
			CodeOrganizationNotEmpty, []error{ErrHasChildren}, nil, 400},
		{"get missing unit", func() error { _, err := c.GetOrganizationalUnit(ctx, "ou-missing"); return err },
			CodeOUNotFound, []error{ErrNotFound}, nil, 404},
	})

	tearDownOrganization(t, c, srv, root, korea.ID, sales.ID)
}

// createOrganization creates the account's organization, checking that it did not exist, that a
// second create is ErrAlreadyExists and that it reads back; it returns the ID of its root.
func createOrganization(t *testing.T, c *OrganizationsClient) string {
	t.Helper()
	ctx := context.Background()
	if _, err := c.GetOrganization(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetOrganization before create: %v, want ErrNotFound", err)
	}
	org, err := c.CreateOrganization(ctx)
	if err != nil || org.ID == "" || org.ManagementAccountID == "" {
		t.Fatalf("CreateOrganization = %+v, %v", org, err)
	}
	if _, err := c.CreateOrganization(ctx); !errors.Is(err, ErrAlreadyExists) {
		t.Errorf("second CreateOrganization: %v, want ErrAlreadyExists", err)
	}
	got, err := c.GetOrganization(ctx)
	if err != nil || got != org {
		t.Errorf("GetOrganization = %+v, %v; want %+v", got, err, org)
	}
	roots, err := c.ListRoots(ctx)
	if err != nil || len(roots) != 1 {
		t.Fatalf("ListRoots = %+v, %v", roots, err)
	}
	return roots[0].ID
}

// tearDownOrganization deletes the units bottom-up (leaf, then every other unit not under the
// root, then top, twice: the second is ErrNotFound), then the organization.
func tearDownOrganization(t *testing.T, c *OrganizationsClient, srv *huaweifake.Server, root, leaf, top string) {
	t.Helper()
	ctx := context.Background()
	if err := c.DeleteOrganizationalUnit(ctx, leaf); err != nil {
		t.Fatal(err)
	}
	for _, ou := range srv.OrganizationalUnits(testAccessKey) {
		if ou.ParentID != root {
			if err := c.DeleteOrganizationalUnit(ctx, ou.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := c.DeleteOrganizationalUnit(ctx, top); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteOrganizationalUnit(ctx, top); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
	if err := c.DeleteOrganization(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.Organization(testAccessKey); ok {
		t.Error("the fake still holds the organization")
	}
}

func TestOrganizationsPaging(t *testing.T) {
	ctx := context.Background()
	srv, c, root := newOrganization(t, func(cfg *OrganizationsConfig) { cfg.PageSize = 2 })
	var want []string
	for i := range 5 {
		ou, err := c.CreateOrganizationalUnit(ctx, fmt.Sprintf("Unit %d", i), root)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, ou.ID)
	}
	nested, _ := c.CreateOrganizationalUnit(ctx, "Nested", want[0])
	srv.ResetRequests()

	ous, err := c.ListOrganizationalUnits(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ou := range ous {
		got = append(got, ou.ID)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("units (-want +got):\n%s", diff)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 || reqs[1].Query != "limit=2&marker="+want[1]+"&parent_id="+root {
		t.Errorf("page requests = %+v", reqs)
	}
	all, err := c.ListOrganizationalUnits(ctx, "")
	if err != nil || len(all) != 6 || all[5].ID != nested.ID {
		t.Errorf("all units = %d, %v", len(all), err)
	}
	children, err := c.ListOrganizationalUnits(ctx, want[0])
	if err != nil || len(children) != 1 {
		t.Errorf("children of a unit = %+v, %v", children, err)
	}
}

func TestOrganizationsConcurrentModificationRetried(t *testing.T) {
	ctx := context.Background()
	srv, c, root := newOrganization(t, func(cfg *OrganizationsConfig) { cfg.MaxAttempts = 50 })
	srv.SetFaults(huaweifake.Faults{ConcurrentModificationFraction: 0.5})
	for i := range 10 {
		if _, err := c.CreateOrganizationalUnit(ctx, fmt.Sprintf("U%d", i), root); err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
	}
	srv.SetFaults(huaweifake.Faults{})
	if n := len(srv.OrganizationalUnits(testAccessKey)); n != 10 {
		t.Errorf("%d units, want 10 (no duplicates, none lost)", n)
	}
	conflicts := 0
	for _, r := range srv.Requests() {
		if r.Status == 409 {
			conflicts++
		}
	}
	if conflicts == 0 {
		t.Error("no 409 was injected; the test proves nothing")
	}
}

func TestOrganizationsTemporaryCredentials(t *testing.T) {
	ctx := context.Background()
	srv := newFake(t, huaweifake.Options{})
	srv.AddAccount("AKTEMP", "sk-temp-secret", "session-token-1")
	withToken := newOrganizations(t, srv.URL(), func(cfg *OrganizationsConfig) {
		cfg.Credentials = Credentials{AccessKey: "AKTEMP", SecretKey: "sk-temp-secret", SecurityToken: "session-token-1"}
	})
	if _, err := withToken.CreateOrganization(ctx); err != nil {
		t.Fatalf("with the security token: %v", err)
	}
	without := newOrganizations(t, srv.URL(), func(cfg *OrganizationsConfig) {
		cfg.Credentials = Credentials{AccessKey: "AKTEMP", SecretKey: "sk-temp-secret"}
	})
	if _, err := without.GetOrganization(ctx); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("without the security token: %v, want ErrUnauthorized", err)
	}
}

func TestOrganizationsRejectsBadSignatureAndStaleDate(t *testing.T) {
	ctx := context.Background()
	srv := newFake(t, huaweifake.Options{})
	tests := []struct {
		name   string
		mutate func(*OrganizationsConfig)
	}{
		{"wrong secret key", func(cfg *OrganizationsConfig) { cfg.Credentials.SecretKey = "not-the-secret" }},
		{"unknown access key", func(cfg *OrganizationsConfig) { cfg.Credentials.AccessKey = "AKUNKNOWN" }},
		{"clock 15 minutes behind", func(cfg *OrganizationsConfig) {
			cfg.Now = func() time.Time { return time.Now().Add(-15*time.Minute - time.Second) }
		}},
		{"clock 15 minutes ahead", func(cfg *OrganizationsConfig) {
			cfg.Now = func() time.Time { return time.Now().Add(15*time.Minute + time.Second) }
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newOrganizations(t, srv.URL(), tt.mutate)
			_, err := c.GetOrganization(ctx)
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Code != CodeSignatureFailed || !errors.Is(err, ErrUnauthorized) {
				t.Errorf("err = %v, want 401 APIGW.0301", err)
			}
			if apiErr != nil && apiErr.Attempts != 1 {
				t.Errorf("a 401 was retried: %d attempts", apiErr.Attempts)
			}
		})
	}
	c := newOrganizations(t, srv.URL(), func(cfg *OrganizationsConfig) {
		cfg.Now = func() time.Time { return time.Now().Add(-14 * time.Minute) }
	})
	if _, err := c.GetOrganization(ctx); !errors.Is(err, ErrNotFound) {
		t.Errorf("clock 14 minutes behind: %v, want the API's ErrNotFound", err)
	}
}

// Each answer Huawei documents for the Organizations API, as the fake gives it, read as the
// reference says: 401 Organizations.1015 is "no organization" on every call under
// /v1/organizations, not a credentials problem; 400 Organizations.1004-1006 are temporary
// (TestOrganizationsTemporaryAnswers).
func TestOrganizationsDocumentedAnswers(t *testing.T) {
	ctx := context.Background()
	calls := map[string]func(c *OrganizationsClient) error{
		"GetOrganization":          func(c *OrganizationsClient) error { _, err := c.GetOrganization(ctx); return err },
		"DeleteOrganization":       func(c *OrganizationsClient) error { return c.DeleteOrganization(ctx) },
		"ListRoots":                func(c *OrganizationsClient) error { _, err := c.ListRoots(ctx); return err },
		"ListOrganizationalUnits":  func(c *OrganizationsClient) error { _, err := c.ListOrganizationalUnits(ctx, ""); return err },
		"GetOrganizationalUnit":    func(c *OrganizationsClient) error { _, err := c.GetOrganizationalUnit(ctx, "ou-1"); return err },
		"DeleteOrganizationalUnit": func(c *OrganizationsClient) error { return c.DeleteOrganizationalUnit(ctx, "ou-1") },
	}
	for name, call := range calls {
		t.Run("no organization/"+name, func(t *testing.T) {
			srv := newFake(t, huaweifake.Options{})
			err := call(newOrganizations(t, srv.URL()))
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Code != CodeNoOrganization {
				t.Fatalf("err = %v, want 401 %s", err, CodeNoOrganization)
			}
			clienttest.CheckIs(t, err, []error{ErrNoOrganization, ErrNotFound}, []error{ErrUnauthorized, ErrForbidden, ErrInvalidRequest, ErrUnrecognized})
			if IsRetryable(err) || apiErr.Attempts != 1 {
				t.Errorf("retryable %v after %d attempts: an answer, not a failure to retry", IsRetryable(err), apiErr.Attempts)
			}
			if got, want := apiErr.Answer(), apiErr.Method+" "+apiErr.Path+" answered HTTP 401 Organizations.1015"; got != want {
				t.Errorf("Answer() = %q, want %q", got, want)
			}
		})
	}
}

// Organizations' temporary answers (400 Organizations.1004-1006) are retried until they pass, and
// are ErrUnavailable when they last; a create is not repeated.
func TestOrganizationsTemporaryAnswers(t *testing.T) {
	ctx := context.Background()
	for _, failure := range []huaweifake.TemporaryFailure{huaweifake.InternalTokenFailure, huaweifake.CBCFailure, huaweifake.AssumeRoleFailure} {
		t.Run(string(failure)+"/retried until it passes", func(t *testing.T) {
			srv := newFake(t, huaweifake.Options{})
			c := newOrganizations(t, srv.URL())
			if _, err := c.CreateOrganization(ctx); err != nil {
				t.Fatal(err)
			}
			srv.SetTemporaryFailure(failure, 2)
			srv.ResetRequests()
			if _, err := c.GetOrganization(ctx); err != nil {
				t.Fatalf("GetOrganization after two temporary failures: %v", err)
			}
			if n := len(srv.Requests()); n != 3 {
				t.Errorf("%d requests, want 3 (two refused, then the answer)", n)
			}
		})
		t.Run(string(failure)+"/temporary when it lasts", func(t *testing.T) {
			srv := newFake(t, huaweifake.Options{})
			c := newOrganizations(t, srv.URL(), func(cfg *OrganizationsConfig) { cfg.MaxAttempts = 3 })
			srv.SetTemporaryFailure(failure, -1)
			_, err := c.GetOrganization(ctx)
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.Code != string(failure) || apiErr.Attempts != 3 {
				t.Fatalf("err = %v, want %s after 3 attempts", err, failure)
			}
			clienttest.CheckIs(t, err, []error{ErrUnavailable}, []error{ErrInvalidRequest, ErrUnrecognized, ErrUnauthorized, ErrNotFound, ErrNoOrganization})
			if !IsRetryable(err) {
				t.Error("not retryable")
			}

			// A create is not repeated by the client: nothing says the first attempt did nothing.
			srv.ResetRequests()
			if _, err := c.CreateOrganization(ctx); !errors.Is(err, ErrUnavailable) || !IsRetryable(err) {
				t.Errorf("CreateOrganization: %v, want a retryable ErrUnavailable", err)
			}
			if n := len(srv.Requests()); n != 1 {
				t.Errorf("CreateOrganization made %d requests, want 1", n)
			}
		})
	}
}
