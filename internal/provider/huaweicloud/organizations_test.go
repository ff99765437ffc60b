package huaweicloud

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/orgsync/orgsync/internal/huaweicloud/huaweifake"
	"github.com/orgsync/orgsync/internal/provider"
	"github.com/orgsync/orgsync/internal/provider/providertest"
)

// Observe reads each answer of Huawei Cloud Organizations as its reference says: 401
// Organizations.1015 is an account in no organization (with the answer as Evidence), 400
// Organizations.1004-1006 are temporary, and nothing else is "no organization".
func TestObserveReadsTheDocumentedAnswers(t *testing.T) {
	ctx := context.Background()

	t.Run("401 Organizations.1015 is no organization", func(t *testing.T) {
		conn, _ := connect(t)
		obs, err := conn.Organizations.Observe(ctx)
		if err != nil || obs.Exists {
			t.Fatalf("Observe = %+v, %v; want no organization", obs, err)
		}
		if want := "GET /v1/organizations answered HTTP 401 Organizations.1015"; obs.Evidence != want {
			t.Errorf("Evidence = %q, want %q", obs.Evidence, want)
		}
	})

	for _, failure := range []huaweifake.TemporaryFailure{huaweifake.InternalTokenFailure, huaweifake.CBCFailure, huaweifake.AssumeRoleFailure} {
		t.Run(string(failure)+" is temporary", func(t *testing.T) { checkTemporaryFailure(ctx, t, failure) })
	}

	// Answers that do not say "no organization", from a server standing in for Huawei Cloud.
	answers := map[string]observeAnswer{
		"401 signature refused":       {401, `{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information"}`, provider.ErrCredentials},
		"401 without a code":          {401, ``, provider.ErrCredentials},
		"404 without a code":          {404, `not found`, provider.ErrTransient},
		"404 of the former fake":      {404, `{"error_code":"Organizations.1100","error_msg":"no organization"}`, provider.ErrTransient},
		"404 no such API":             {404, `{"error_code":"APIGW.0101","error_msg":"The API does not exist"}`, provider.ErrInvalid},
		"200 without an organization": {200, `{}`, provider.ErrTransient},
		"200 that is not JSON":        {200, `<html>ok</html>`, provider.ErrTransient},
	}
	for name, a := range answers {
		t.Run(name, func(t *testing.T) { checkObserveAnswer(ctx, t, a) })
	}
}

// checkTemporaryFailure wants Observe and Create to fail with ErrTransient only, and to create
// nothing, while failure lasts, and Observe to retry past one such failure.
func checkTemporaryFailure(ctx context.Context, t *testing.T, failure huaweifake.TemporaryFailure) {
	t.Helper()
	conn, fake := connectRetryingBriefly(t)
	fake.SetTemporaryFailure(failure, -1)
	_, err := conn.Organizations.Observe(ctx)
	if !errors.Is(err, provider.ErrTransient) || errors.Is(err, provider.ErrCredentials) || errors.Is(err, provider.ErrInvalid) {
		t.Fatalf("Observe: %v, want ErrTransient only", err)
	}
	if _, err := conn.Organizations.Create(ctx, ""); !errors.Is(err, provider.ErrTransient) {
		t.Fatalf("Create: %v, want ErrTransient", err)
	}
	if _, ok := fake.Organization(testAK); ok {
		t.Fatal("an organization was created through a temporary failure")
	}
	fake.SetTemporaryFailure(failure, 1)
	if obs, err := conn.Organizations.Observe(ctx); err != nil || obs.Exists {
		t.Fatalf("Observe after a temporary failure: %+v, %v; want no organization (retried)", obs, err)
	}
}

// observeAnswer is an answer of a server standing in for Huawei Cloud, and the class of error
// Observe must read it as.
type observeAnswer struct {
	status int
	body   string
	class  error
}

// checkObserveAnswer serves a to Observe and wants an error of its class, without the secret key.
func checkObserveAnswer(ctx context.Context, t *testing.T, a observeAnswer) {
	t.Helper()
	url := providertest.StandIn(t, a.status, a.body)
	conn, err := NewConnector(fakeOptions()).Connect(ctx, organization(url), credentials())
	if err != nil {
		t.Fatal(err)
	}
	providertest.ObserveFailure{Class: a.class, Secret: testSK}.Check(ctx, t, conn.Organizations)
}

// Deleting an organization that is already gone is done, whether the look before the delete or the
// delete itself learns it; a temporary failure is retried, not taken for gone.
func TestDeleteAnOrganizationAlreadyGone(t *testing.T) {
	ctx := context.Background()
	conn, fake := connectRetryingBriefly(t)
	providertest.OrganizationDelete{
		Organizations: conn.Organizations,
		Fail: func() func() {
			fake.SetTemporaryFailure(huaweifake.InternalTokenFailure, -1)
			return func() { fake.SetTemporaryFailure("", 0) }
		},
		WantFailure: provider.ErrTransient,
		Exists: func() bool {
			_, ok := fake.Organization(testAK)
			return ok
		},
	}.Run(ctx, t)
	if n := len(fake.Requests()); fake.Requests()[n-1].Status != http.StatusUnauthorized {
		t.Errorf("the last request was not answered 401 Organizations.1015: %+v", fake.Requests()[n-1])
	}
}

// A create answered without the organization's id is not the organization: it is read back, and
// a look that shows none either is an error to look again at, never an organization without a
// number (which a deletion could not name, leaving the organization in place).
func TestCreateAnsweredWithoutAnOrganizationReadsItBack(t *testing.T) {
	ctx := context.Background()
	url := providertest.StandIn(t, http.StatusCreated, `{}`)
	conn, err := NewConnector(fakeOptions()).Connect(ctx, organization(url), credentials())
	if err != nil {
		t.Fatal(err)
	}
	obs, err := conn.Organizations.Create(ctx, "")
	if obs.Exists || !errors.Is(err, provider.ErrTransient) {
		t.Fatalf("Create = %+v, %v; want no organization and an error to look again at", obs, err)
	}
}

// connectRetryingBriefly is connect with a client that gives up retrying after a moment.
func connectRetryingBriefly(t *testing.T) (*provider.Connection, *huaweifake.Server) {
	t.Helper()
	fake := huaweifake.NewServer(huaweifake.Options{
		ClientID: testClientID, ClientSecret: testClientSecret, AccessKey: testAK, SecretKey: testSK,
	})
	t.Cleanup(fake.Close)
	opts := fakeOptions()
	opts.MaxRetryDuration = time.Second
	conn, err := NewConnector(opts).Connect(context.Background(), organization(fake.URL()), credentials())
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	return conn, fake
}

func TestOrganizationsLifecycle(t *testing.T) {
	ctx := context.Background()
	conn, fake := connect(t)
	orgs := conn.Organizations
	if obs, err := orgs.Observe(ctx); err != nil || obs.Exists {
		t.Fatalf("observe before create: %+v, %v", obs, err)
	}
	created, err := orgs.Create(ctx, "ignored")
	if err != nil || !created.Exists || created.ID == "" || created.Name == "" {
		t.Fatalf("create: %+v, %v", created, err)
	}
	if again, err := orgs.Create(ctx, "ignored"); err != nil || again.ID != created.ID {
		t.Fatalf("create again: %+v, %v", again, err)
	}
	if err := orgs.Delete(ctx, created.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, ok := fake.Organization(testAK); ok {
		t.Fatal("organization still exists")
	}
	if err := orgs.Delete(ctx, created.ID); err != nil {
		t.Fatalf("delete again: %v", err)
	}
}
