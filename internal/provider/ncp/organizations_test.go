package ncp

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/ncp/ncpfake"
	"github.com/orgsync/orgsync/internal/provider"
	"github.com/orgsync/orgsync/internal/provider/providertest"
)

const testAK, testSK = "AKTESTNCP", "sk-TOP-SECRET-ncp"

// connectTo connects an Organization to NCP served at url, with a client that gives up retrying
// after a moment.
func connectTo(t *testing.T, url string) *provider.Connection {
	t.Helper()
	org := &v1alpha1.Organization{
		ObjectMeta: metav1.ObjectMeta{Name: "acme", UID: "uid-1"},
		Spec: v1alpha1.OrganizationSpec{
			CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: "ncp-credentials"},
			Workplace:            v1alpha1.WorkplaceSpec{CompanyID: "company-1"},
		},
	}
	conn, err := NewConnector(Options{
		WorkplaceEndpoint: url, OrganizationEndpoint: url,
		ClientOptions: provider.ClientOptions{RequestTimeout: 5 * time.Second, MaxRetryDuration: time.Second},
	}).Connect(context.Background(), org, map[string][]byte{
		v1alpha1.SecretKeyAccessKey: []byte(testAK), v1alpha1.SecretKeySecretKey: []byte(testSK),
	})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	return conn
}

func newFake(t *testing.T) *ncpfake.Server {
	t.Helper()
	fake := ncpfake.NewServer(ncpfake.Options{AccessKey: testAK, SecretKey: testSK, CompanyIDs: []string{"company-1"}})
	t.Cleanup(fake.Close)
	return fake
}

// Observe reads no organization only from a 404 of the Organization API itself, and names it;
// every other answer is an error of the class that tells the user what to do, and creates nothing.
func TestObserveReadsNoOrganizationOnlyFromTheOrganizationAPI(t *testing.T) {
	ctx := context.Background()

	t.Run("404 from the Organization API", func(t *testing.T) {
		obs, err := connectTo(t, newFake(t).URL()).Organizations.Observe(ctx)
		if err != nil || obs.Exists {
			t.Fatalf("Observe = %+v, %v; want no organization", obs, err)
		}
		if want := "GET /open-api/v1/org answered HTTP 404 ORGANIZATION_NOT_FOUND"; obs.Evidence != want {
			t.Errorf("Evidence = %q, want %q", obs.Evidence, want)
		}
	})

	tests := []struct {
		answer   ncpfake.OrganizationAnswer
		class    error
		notClass []error
		says     string
	}{
		{ncpfake.OrgAnswerNoRoute, provider.ErrInvalid, []error{provider.ErrCredentials}, "wrong endpoint or path"},
		{ncpfake.OrgAnswerUnparseable, provider.ErrTransient, []error{provider.ErrInvalid}, "decoding"},
		{ncpfake.OrgAnswerEmpty, provider.ErrTransient, []error{provider.ErrInvalid}, "without an organization"},
		{ncpfake.OrgAnswerTryLater, provider.ErrTransient, []error{provider.ErrCredentials, provider.ErrInvalid}, "COMMON_102"},
		{ncpfake.OrgAnswerInternalError, provider.ErrTransient, []error{provider.ErrCredentials, provider.ErrInvalid}, "COMMON_103"},
	}
	for _, tt := range tests {
		t.Run(tt.answer.String(), func(t *testing.T) {
			fake := newFake(t)
			fake.SetOrganizationAnswer(tt.answer, -1)
			conn := connectTo(t, fake.URL())
			providertest.ObserveFailure{Class: tt.class, NotClass: tt.notClass, Says: tt.says, Secret: testSK}.Check(ctx, t, conn.Organizations)
		})
	}

	// Answers the fake does not give, from a server standing in for NCP.
	for name, a := range map[string]struct {
		body  string
		class error
	}{
		"404 without a code":                 {``, provider.ErrTransient},
		"404 Spring style":                   {`{"timestamp":1,"status":404,"error":"Not Found","message":"No message available"}`, provider.ErrTransient},
		"404 with errorCode 300 as a number": {`{"error":{"errorCode":300,"message":"Not Found Exception"}}`, provider.ErrInvalid},
	} {
		t.Run(name, func(t *testing.T) {
			conn := connectTo(t, providertest.StandIn(t, http.StatusNotFound, a.body))
			providertest.ObserveFailure{Class: a.class, Secret: testSK}.Check(ctx, t, conn.Organizations)
		})
	}
}

// COMMON_102 and COMMON_103 are retried and pass; a create through one is not taken for done.
func TestTemporaryAnswersAreRetried(t *testing.T) {
	ctx := context.Background()
	for _, answer := range []ncpfake.OrganizationAnswer{ncpfake.OrgAnswerTryLater, ncpfake.OrgAnswerInternalError} {
		t.Run(answer.String(), func(t *testing.T) {
			fake := newFake(t)
			conn := connectTo(t, fake.URL())
			fake.SetOrganizationAnswer(answer, 1)
			if obs, err := conn.Organizations.Observe(ctx); err != nil || obs.Exists {
				t.Fatalf("Observe after one temporary failure = %+v, %v; want no organization", obs, err)
			}
			fake.SetOrganizationAnswer(answer, 1)
			if _, err := conn.Organizations.Create(ctx, "x"); !errors.Is(err, provider.ErrTransient) {
				t.Fatalf("Create through a temporary failure: %v, want ErrTransient", err)
			}
			if fake.Organization(testAK) != nil {
				t.Fatal("an organization was created through a refused POST")
			}
			created, err := conn.Organizations.Create(ctx, "x")
			if err != nil || !created.Exists {
				t.Fatalf("Create = %+v, %v", created, err)
			}
		})
	}
}

// Deleting an organization that is already gone is done; one still there behind a wrong endpoint
// is not.
func TestDeleteAnOrganizationAlreadyGone(t *testing.T) {
	ctx := context.Background()
	fake := newFake(t)
	conn := connectTo(t, fake.URL())
	id := providertest.OrganizationDelete{
		Organizations: conn.Organizations,
		Description:   "x",
		// Behind a wrong path: the gateway has no route, which is no word on the organization.
		Fail: func() func() {
			fake.SetOrganizationAnswer(ncpfake.OrgAnswerNoRoute, -1)
			return func() { fake.SetOrganizationAnswer(ncpfake.OrgAnswerAsStored, 0) }
		},
		WantFailure: provider.ErrInvalid,
		Exists:      func() bool { return fake.Organization(testAK) != nil },
	}.Run(ctx, t)

	// The account left it and joined another: the one recorded is not this account's to delete.
	fake.SetOrganization(testAK, &ncpfake.Organization{OrganizationNo: 9000, MasterAccessKey: "AKOTHER"})
	if err := conn.Organizations.Delete(ctx, id); err != nil {
		t.Fatalf("Delete of an organization the account no longer belongs to: %v, want done", err)
	}
	if err := conn.Organizations.Delete(ctx, "9000"); !errors.Is(err, provider.ErrCredentials) {
		t.Fatalf("Delete by a member that is not the master: %v, want ErrCredentials", err)
	}
}

// A create whose read-back still shows no organization (a read that lags the write) is no
// observation of "none": the organization is the one the create's answer names, with its number
// (which a later deletion needs); when the answer names none, the caller gets a transient error
// and looks again, rather than record an organization without a number or create another.
func TestCreateReadBackThatLags(t *testing.T) {
	for name, tc := range map[string]struct {
		created string
		wantID  string
	}{
		"the create's answer names the organization": {`{"organizationNo":1001,"organizationName":"org-1001","organizationDesc":""}`, "1001"},
		"the create's answer names none":             {`{}`, ""},
	} {
		t.Run(name, func(t *testing.T) {
			url := providertest.StandInFunc(t, func(r *http.Request) (int, string) {
				if r.Method == http.MethodPost {
					return http.StatusCreated, tc.created
				}
				return http.StatusNotFound, `{"error":{"errorCode":"ORGANIZATION_NOT_FOUND","message":"not found"}}`
			})
			obs, err := connectTo(t, url).Organizations.Create(context.Background(), "acme")
			switch {
			case tc.wantID != "" && (err != nil || !obs.Exists || obs.ID != tc.wantID):
				t.Fatalf("Create = %+v, %v; want organization %s", obs, err, tc.wantID)
			case tc.wantID == "" && (!errors.Is(err, provider.ErrNotYetVisible) || !errors.Is(err, provider.ErrTransient) || obs.Exists):
				t.Fatalf("Create = %+v, %v; want ErrNotYetVisible (transient)", obs, err)
			}
		})
	}
}
