// Package providertest holds the contract tests that every provider's implementation of the
// provider seam must pass, so that NCP and Huawei Cloud are held to one promise, written once,
// while each provider's own tests keep what only its service does.
package providertest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/internal/provider"
)

// OrganizationDelete is the delete contract of provider.Organizations for one provider.
type OrganizationDelete struct {
	// Organizations is the provider's implementation, connected to its fake.
	Organizations provider.Organizations
	// Description is the description the organization is created with.
	Description string
	// Fail makes the fake refuse every delete; the function it returns stops that.
	Fail func() (restore func())
	// WantFailure is the error a refused delete matches.
	WantFailure error
	// Exists reports whether the fake still holds the organization.
	Exists func() bool
}

// Run creates an organization and checks that a refused delete reports WantFailure and leaves it,
// that deleting it is then done, and that deleting it again, already gone, is done too: the
// controller may retry a delete whose answer it never saw. It returns the organization's ID.
func (c OrganizationDelete) Run(ctx context.Context, t *testing.T) string {
	t.Helper()
	created, err := c.Organizations.Create(ctx, c.Description)
	if err != nil {
		t.Fatal(err)
	}

	restore := c.Fail()
	if err := c.Organizations.Delete(ctx, created.ID); !errors.Is(err, c.WantFailure) {
		t.Fatalf("Delete while the remote refuses it: %v, want %v", err, c.WantFailure)
	}
	if !c.Exists() {
		t.Fatal("a refused delete removed the organization")
	}
	restore()

	if err := c.Organizations.Delete(ctx, created.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if c.Exists() {
		t.Fatal("the organization is still there after Delete")
	}
	if err := c.Organizations.Delete(ctx, created.ID); err != nil {
		t.Fatalf("Delete of an organization already gone: %v, want done", err)
	}
	return created.ID
}

// StandIn starts a server standing in for a provider's service: it answers every request with
// status and body (as JSON), for the answers a fake does not give. It returns the server's URL.
func StandIn(t *testing.T, status int, body string) string {
	t.Helper()
	return StandInFunc(t, func(*http.Request) (int, string) { return status, body })
}

// StandInFunc is StandIn with an answer that depends on the request.
func StandInFunc(t *testing.T, answer func(r *http.Request) (status int, body string)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status, body := answer(r)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// ObserveFailure is how Observe must read an answer other than the provider's documented "no
// organization": as an error, never as no organization (on which the controller would create one,
// a one-way step for an account).
type ObserveFailure struct {
	// Class is the error's class (provider.ErrTransient, ErrInvalid, ...).
	Class error
	// NotClass are the classes it must not also have.
	NotClass []error
	// Says, when set, is what the error's message says.
	Says string
	// Secret is what the error must never show.
	Secret string
}

// Check observes with orgs and checks the error against f.
func (f ObserveFailure) Check(ctx context.Context, t *testing.T, orgs provider.Organizations) {
	t.Helper()
	obs, err := orgs.Observe(ctx)
	if err == nil || obs.Exists || !errors.Is(err, f.Class) || !strings.Contains(err.Error(), f.Says) {
		t.Fatalf("Observe = %+v, %v; want an error of class %v saying %q", obs, err, f.Class, f.Says)
	}
	for _, not := range f.NotClass {
		if errors.Is(err, not) {
			t.Errorf("the error is also %v: %v", not, err)
		}
	}
	if strings.Contains(err.Error(), f.Secret) {
		t.Errorf("the error shows the secret key: %v", err)
	}
}
