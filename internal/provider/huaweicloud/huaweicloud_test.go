package huaweicloud

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/httpretry"
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
	conn, err := NewConnector(fakeOptions()).
		Connect(context.Background(), organization(fake.URL()), credentials())
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	return conn, fake
}

// fakeOptions let a connector reach the fake: plain http on 127.0.0.1, which the manager allows
// only when told (--allow-insecure-endpoints, --huaweicloud-allowed-domains).
func fakeOptions() Options {
	return Options{
		Endpoints:     httpretry.EndpointPolicy{AllowedDomains: []string{"127.0.0.1"}, AllowInsecure: true},
		ClientOptions: provider.ClientOptions{RequestTimeout: 5 * time.Second, MaxRetryDuration: 5 * time.Second},
	}
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
	policy := httpretry.EndpointPolicy{AllowedDomains: []string{"oneaccess.example.com"}}
	_, err := NewConnector(Options{Endpoints: policy}).Connect(context.Background(), organization("oneaccess.example.com"), creds)
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

func TestListingWithAWrongClientSecretIsACredentialsError(t *testing.T) {
	fake := huaweifake.NewServer(huaweifake.Options{
		ClientID: testClientID, ClientSecret: testClientSecret, AccessKey: testAK, SecretKey: testSK,
	})
	t.Cleanup(fake.Close)
	creds := credentials()
	creds[v1alpha1.SecretKeyClientSecret] = []byte("not-the-client-secret")
	conn, err := NewConnector(fakeOptions()).
		Connect(context.Background(), organization(fake.URL()), creds)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	_, err = conn.Departments.List(context.Background())
	if !errors.Is(err, provider.ErrCredentials) {
		t.Fatalf("List with a wrong OneAccess client secret: %v, want ErrCredentials", err)
	}
	if strings.Contains(err.Error(), "not-the-client-secret") {
		t.Fatalf("the error shows the secret: %v", err)
	}
}

// Connect refuses, before any request, an Organization that names a host or a scheme the
// manager does not allow: both hosts would receive its credentials.
func TestConnectRefusesEndpointsTheManagerDoesNotAllow(t *testing.T) {
	documented := httpretry.EndpointPolicy{AllowedDomains: []string{"*.huaweioneaccess.com", "organizations.myhuaweicloud.com"}}
	cases := map[string]struct {
		policy   httpretry.EndpointPolicy
		spec     v1alpha1.HuaweiCloudSpec
		refused  string // the field named, or "" when accepted
		contains string
	}{
		"a tenant under the documented domain": {documented, v1alpha1.HuaweiCloudSpec{OneAccessDomain: "acme.huaweioneaccess.com"}, "", ""},
		"a host of the editor's choosing": {documented, v1alpha1.HuaweiCloudSpec{OneAccessDomain: "collector.example.net"},
			"spec.huaweicloud.oneAccessDomain", `host "collector.example.net" is not one the manager may send credentials to`},
		"the domain itself, not under it": {documented, v1alpha1.HuaweiCloudSpec{OneAccessDomain: "huaweioneaccess.com"},
			"spec.huaweicloud.oneAccessDomain", "allowed: *.huaweioneaccess.com, organizations.myhuaweicloud.com"},
		"a look-alike suffix": {documented, v1alpha1.HuaweiCloudSpec{OneAccessDomain: "acme.evilhuaweioneaccess.com"},
			"spec.huaweicloud.oneAccessDomain", "not one the manager may send credentials to"},
		"another Organizations endpoint": {documented, v1alpha1.HuaweiCloudSpec{OneAccessDomain: "acme.huaweioneaccess.com", OrganizationsEndpoint: "https://10.0.0.1:8443"},
			"spec.huaweicloud.organizationsEndpoint", `host "10.0.0.1"`},
		"plain http to an allowed host": {documented, v1alpha1.HuaweiCloudSpec{OneAccessDomain: "http://acme.huaweioneaccess.com"},
			"spec.huaweicloud.oneAccessDomain", "plain http is refused"},
		"plain http to loopback, without --allow-insecure-endpoints": {httpretry.EndpointPolicy{AllowedDomains: []string{"127.0.0.1"}},
			v1alpha1.HuaweiCloudSpec{OneAccessDomain: "http://127.0.0.1:8080"}, "spec.huaweicloud.oneAccessDomain", "--allow-insecure-endpoints"},
		"plain http to loopback, allowed": {httpretry.EndpointPolicy{AllowedDomains: []string{"127.0.0.1"}, AllowInsecure: true},
			v1alpha1.HuaweiCloudSpec{OneAccessDomain: "http://127.0.0.1:8080", OrganizationsEndpoint: "http://127.0.0.1:8080"}, "", ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			org := organization("")
			org.Spec.HuaweiCloud = &tc.spec
			_, err := NewConnector(Options{Endpoints: tc.policy}).Connect(context.Background(), org, credentials())
			if tc.refused == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, provider.ErrInvalid) || !strings.Contains(err.Error(), tc.refused) || !strings.Contains(err.Error(), tc.contains) {
				t.Fatalf("err = %v, want ErrInvalid naming %s and saying %q", err, tc.refused, tc.contains)
			}
			if strings.Contains(err.Error(), testClientSecret) || strings.Contains(err.Error(), testSK) {
				t.Errorf("error %q shows a credential", err)
			}
		})
	}
}
