package huaweicloud

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/huaweicloud/huaweifake"
	"github.com/orgsync/orgsync/internal/provider"
)

const (
	testClientID, testClientSecret = "client-id", "client-secret-value"
	testAK, testSK                 = "AKTEST", "sk-secret-value"
)

func connect(t *testing.T) (*provider.Connection, *huaweifake.Server) {
	t.Helper()
	fake := huaweifake.NewServer(huaweifake.Options{
		ClientID: testClientID, ClientSecret: testClientSecret, AccessKey: testAK, SecretKey: testSK,
	})
	t.Cleanup(fake.Close)
	conn, err := NewConnector(Options{ClientOptions: provider.ClientOptions{RequestTimeout: 5 * time.Second, MaxRetryDuration: 5 * time.Second}}).
		Connect(context.Background(), organization(fake.URL()), credentials())
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	return conn, fake
}

func organization(url string) *v1alpha1.Organization {
	return &v1alpha1.Organization{
		ObjectMeta: metav1.ObjectMeta{Name: "acme", UID: "uid-1"},
		Spec: v1alpha1.OrganizationSpec{
			Provider:             v1alpha1.ProviderHuaweiCloud,
			CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: "hw-credentials"},
			HuaweiCloud:          &v1alpha1.HuaweiCloudSpec{OneAccessDomain: url, OrganizationsEndpoint: url},
		},
	}
}

func credentials() map[string][]byte {
	return map[string][]byte{
		v1alpha1.SecretKeyClientID: []byte(testClientID), v1alpha1.SecretKeyClientSecret: []byte(testClientSecret),
		v1alpha1.SecretKeyAccessKey: []byte(testAK), v1alpha1.SecretKeySecretKey: []byte(testSK),
	}
}

func TestConnectNamesTheMissingKeyButNoValue(t *testing.T) {
	creds := credentials()
	delete(creds, v1alpha1.SecretKeyClientSecret)
	_, err := NewConnector(Options{}).Connect(context.Background(), organization("oneaccess.example.com"), creds)
	if !errors.Is(err, provider.ErrCredentials) {
		t.Fatalf("err = %v, want ErrCredentials", err)
	}
	for _, want := range []string{"hw-credentials", v1alpha1.SecretKeyClientSecret} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if strings.Contains(err.Error(), testSK) || strings.Contains(err.Error(), testClientID) {
		t.Errorf("error %q shows a credential", err)
	}
}

func TestDepartmentsLifecycle(t *testing.T) {
	ctx := context.Background()
	conn, fake := connect(t)
	depts := conn.Departments

	root := provider.Department{Key: "hq", Name: "Head office", DisplayOrder: "1", I18nNames: map[string]string{"ko_KR": "본사"}}
	team := provider.Department{Key: "eng", ParentKey: "hq", Name: "Engineering"}

	if _, err := depts.Create(ctx, team); !errors.Is(err, provider.ErrParentNotFound) {
		t.Fatalf("create under a missing parent: %v, want ErrParentNotFound", err)
	}
	created, err := depts.Create(ctx, root)
	if err != nil || created.RemoteID == "" {
		t.Fatalf("create: %+v, %v", created, err)
	}
	if _, err := depts.Create(ctx, team); err != nil {
		t.Fatalf("create child: %v", err)
	}

	obs, err := depts.Observe(ctx, root)
	if err != nil || !obs.Exists || !obs.UpToDate || obs.Remote.RemoteID != created.RemoteID {
		t.Fatalf("observe: %+v, %v (i18nNames and displayOrder are not compared)", obs, err)
	}
	obs, err = depts.Observe(ctx, provider.Department{Key: "eng", Name: "Engineering", RemoteID: "stale-id"})
	if err != nil || !obs.Exists || strings.Join(obs.Diff, ",") != "parentExternalKey" {
		t.Fatalf("observe with a stale hint: %+v, %v", obs, err)
	}

	// Adopt: the code exists; Create brings the unit to the desired state.
	if _, err := depts.Create(ctx, provider.Department{Key: "eng", Name: "Platform"}); err != nil {
		t.Fatalf("adopt: %v", err)
	}
	if u, _ := fake.OrgUnitByCode("eng"); u.Name != "Platform" || u.ParentID != "" {
		t.Fatalf("adopted unit = %+v, want renamed and moved to the top", u)
	}
	if err := depts.Update(ctx, team); err != nil {
		t.Fatalf("update: %v", err)
	}
	if err := depts.Delete(ctx, provider.Department{Key: "hq"}); !errors.Is(err, provider.ErrHasChildren) {
		t.Fatalf("delete with children: %v, want ErrHasChildren", err)
	}
	for _, key := range []string{"eng", "hq", "hq"} {
		if err := depts.Delete(ctx, provider.Department{Key: key}); err != nil {
			t.Fatalf("delete %s: %v", key, err)
		}
	}
	if exists, err := depts.Exists(ctx, "hq"); err != nil || exists {
		t.Fatalf("exists after delete: %v, %v", exists, err)
	}
}

func TestDepartmentsRecreatedUnitIsFoundAgain(t *testing.T) {
	ctx := context.Background()
	conn, fake := connect(t)
	if _, err := conn.Departments.Create(ctx, provider.Department{Key: "hq", Name: "HQ"}); err != nil {
		t.Fatal(err)
	}
	old, _ := fake.OrgUnitByCode("hq")
	fake.RemoveOrgUnit(old.ID)
	newID := fake.PutOrgUnit(huaweifake.OrgUnit{Code: "hq", Name: "HQ", Category: "department"})

	obs, err := conn.Departments.Observe(ctx, provider.Department{Key: "hq", Name: "HQ", RemoteID: old.ID})
	if err != nil || !obs.Exists || obs.Remote.RemoteID != newID {
		t.Fatalf("observe after the unit was recreated: %+v, %v; want org_id %s", obs, err, newID)
	}
}

func TestDepartmentsRejectInvalidValuesBeforeAnyCall(t *testing.T) {
	conn, fake := connect(t)
	fake.ResetRequests()
	for _, d := range []provider.Department{
		{Key: "hq", Name: "Head office!"},
		{Key: "h q", Name: "HQ"},
		{Key: "hq", ParentKey: "a/b", Name: "HQ"},
	} {
		if _, err := conn.Departments.Observe(context.Background(), d); !errors.Is(err, provider.ErrInvalid) {
			t.Errorf("observe %+v: %v, want ErrInvalid", d, err)
		}
		if _, err := conn.Departments.Create(context.Background(), d); !errors.Is(err, provider.ErrInvalid) {
			t.Errorf("create %+v: %v, want ErrInvalid", d, err)
		}
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests reached OneAccess", n)
	}
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

func TestOrganizationObserveChecksOneAccessCredentials(t *testing.T) {
	fake := huaweifake.NewServer(huaweifake.Options{
		ClientID: testClientID, ClientSecret: testClientSecret, AccessKey: testAK, SecretKey: testSK,
	})
	t.Cleanup(fake.Close)
	creds := credentials()
	creds[v1alpha1.SecretKeyClientSecret] = []byte("not-the-client-secret")
	conn, err := NewConnector(Options{ClientOptions: provider.ClientOptions{RequestTimeout: 5 * time.Second, MaxRetryDuration: 5 * time.Second}}).
		Connect(context.Background(), organization(fake.URL()), creds)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	_, err = conn.Organizations.Observe(context.Background())
	if !errors.Is(err, provider.ErrCredentials) {
		t.Fatalf("Observe with a wrong OneAccess client secret: %v, want ErrCredentials", err)
	}
	if strings.Contains(err.Error(), "not-the-client-secret") {
		t.Fatalf("the error shows the secret: %v", err)
	}
}
