package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/spf13/pflag"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/clienttest"
	"github.com/orgsync/orgsync/internal/huaweicloud/huaweifake"
	"github.com/orgsync/orgsync/internal/ncp/ncpfake"
	"github.com/orgsync/orgsync/internal/provider"
)

// fakeCluster is a cluster holding objs, read through controller-runtime's fake client.
func fakeCluster(t *testing.T, namespace string, objs ...runtime.Object) *cluster {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := corev1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	return &cluster{client: fake.NewClientBuilder().WithScheme(scheme).WithRuntimeObjects(objs...).Build(), namespace: namespace}
}

// defaultRemoteOptions are the flags' defaults, plus insecure endpoints for the fakes.
func defaultRemoteOptions(t *testing.T, args ...string) *remoteOptions {
	t.Helper()
	o := &remoteOptions{}
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.addFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return o
}

func ncpOrganization(name, secret string) *v1alpha1.Organization {
	return &v1alpha1.Organization{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "orgs"},
		Spec: v1alpha1.OrganizationSpec{Provider: v1alpha1.ProviderNCP,
			CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: secret},
			Workplace:            v1alpha1.WorkplaceSpec{CompanyID: "acme"}},
	}
}

func secretOf(name string, data map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "orgs"}, Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

func TestRemoteConnectNCP(t *testing.T) {
	server := ncpfake.NewServer(ncpfake.Options{AccessKey: "ak-1", SecretKey: "sk-very-secret", CompanyIDs: []string{"acme"}})
	defer server.Close()
	server.PutDepartment("acme", ncpfake.Department{ExternalKey: "eng", Name: "Engineering", ParentExternalKey: "#", DisplayOrder: "1"})

	c := fakeCluster(t, "orgs",
		secretOf("good", map[string]string{"accessKey": "ak-1", "secretKey": "sk-very-secret"}),
		secretOf("refused", map[string]string{"accessKey": "ak-1", "secretKey": "sk-wrong-and-secret"}),
	)
	ctx := context.Background()
	o := defaultRemoteOptions(t, "--ncp-workplace-endpoint="+server.URL(), "--allow-insecure-endpoints")

	depts, err := o.connect(ctx, c, ncpOrganization("acme", "good"))
	if err != nil {
		t.Fatal(err)
	}
	all, err := depts.List(ctx)
	if err != nil || len(all) != 1 || all[0].Key != "eng" || all[0].Name != "Engineering" {
		t.Fatalf("List: %v, %+v", err, all)
	}

	depts, err = o.connect(ctx, c, ncpOrganization("acme", "refused"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = depts.List(ctx)
	if !errors.Is(err, provider.ErrCredentials) || !strings.Contains(err.Error(), "refused the credentials") ||
		!strings.Contains(err.Error(), `Secret "refused"`) {
		t.Errorf("List with refused credentials: %v", err)
	}
	if err != nil && strings.Contains(err.Error(), "sk-wrong-and-secret") {
		t.Errorf("the error shows the secret key: %v", err)
	}

	_, err = o.connect(ctx, c, ncpOrganization("acme", "missing"))
	if err == nil || !strings.Contains(err.Error(), `no Secret "missing" in namespace "orgs"`) {
		t.Errorf("missing Secret: %v", err)
	}
	c = fakeCluster(t, "orgs", secretOf("partial", map[string]string{"accessKey": "ak-1"}))
	_, err = o.connect(ctx, c, ncpOrganization("acme", "partial"))
	if !errors.Is(err, provider.ErrCredentials) || !strings.Contains(err.Error(), `no key "secretKey"`) {
		t.Errorf("incomplete Secret: %v", err)
	}
}

func TestRemoteConnectHuaweiEndpointPolicy(t *testing.T) {
	server := huaweifake.NewServer(huaweifake.Options{ClientID: "client", ClientSecret: "client-secret-value", AccessKey: "ak", SecretKey: "sk"})
	defer server.Close()
	org := &v1alpha1.Organization{
		ObjectMeta: metav1.ObjectMeta{Name: "acme", Namespace: "orgs"},
		Spec: v1alpha1.OrganizationSpec{Provider: v1alpha1.ProviderHuaweiCloud,
			CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: "hw"},
			HuaweiCloud:          &v1alpha1.HuaweiCloudSpec{OneAccessDomain: server.URL(), OrganizationsEndpoint: server.URL()}},
	}
	c := fakeCluster(t, "orgs", secretOf("hw", map[string]string{
		"clientId": "client", "clientSecret": "client-secret-value", "accessKey": "ak", "secretKey": "sk"}))
	ctx := context.Background()

	// The default allowed domains are Huawei's: a tenant on 127.0.0.1 is refused before any request.
	_, err := defaultRemoteOptions(t, "--allow-insecure-endpoints").connect(ctx, c, org)
	if !errors.Is(err, provider.ErrInvalid) || !strings.Contains(err.Error(), "oneAccessDomain") {
		t.Errorf("a OneAccess domain off the allowlist: %v", err)
	}
	// Plain http is refused without --allow-insecure-endpoints.
	_, err = defaultRemoteOptions(t, "--huaweicloud-allowed-domains=127.0.0.1").connect(ctx, c, org)
	if err == nil {
		t.Error("plain http without --allow-insecure-endpoints was accepted")
	}
	if n := len(server.Requests()); n != 0 {
		t.Errorf("refused endpoints received %d requests", n)
	}

	depts, err := defaultRemoteOptions(t, "--huaweicloud-allowed-domains=127.0.0.1", "--allow-insecure-endpoints").connect(ctx, c, org)
	if err != nil {
		t.Fatal(err)
	}
	server.PutOrgUnit(huaweifake.OrgUnit{Code: "eng", Name: "Engineering", Category: "department"})
	all, err := depts.List(ctx)
	if err != nil || len(all) != 1 || all[0].Key != "eng" {
		t.Fatalf("List: %v, %+v", err, all)
	}
}

// The plugin takes the manager's remote flags (remoteflags, tested there): a boolean one needs no
// value, and what the manager refuses, the plugin refuses.
func TestRemoteFlagValidation(t *testing.T) {
	cases := map[string]struct {
		args []string
		want string
	}{
		"defaults":           {},
		"http with insecure": {args: []string{"--ncp-workplace-endpoint=http://127.0.0.1:1", "--allow-insecure-endpoints"}},
		"zero qps":           {args: []string{"--ncp-qps=0"}, want: "--ncp-qps=0: must be greater than 0"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := defaultRemoteOptions(t, tc.args...).validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// On a terminal the plugin counts the pages of a listing; the counting must not replace the
// guarded dialer: a OneAccess domain the allowlist names, but that resolves to loopback, is still
// refused before any connection, naming the field.
func TestRemoteProgressKeepsTheDialGuard(t *testing.T) {
	port, accepted := clienttest.CountingListener(t)
	org := &v1alpha1.Organization{
		ObjectMeta: metav1.ObjectMeta{Name: "acme", Namespace: "orgs"},
		Spec: v1alpha1.OrganizationSpec{Provider: v1alpha1.ProviderHuaweiCloud,
			CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: "hw"},
			HuaweiCloud:          &v1alpha1.HuaweiCloudSpec{OneAccessDomain: fmt.Sprintf("https://localhost:%d", port)}},
	}
	o := defaultRemoteOptions(t, fmt.Sprintf("--huaweicloud-allowed-domains=localhost:%d", port))
	var out strings.Builder
	o.wrapTransport = (&progress{w: &out, on: true, now: time.Now}).transport
	credentials := map[string][]byte{"clientId": []byte("client"), "clientSecret": []byte("s"), "accessKey": []byte("ak"), "secretKey": []byte("sk")}
	depts, err := o.connectWith(context.Background(), org, credentials, "test")
	if err != nil {
		t.Fatal(err)
	}
	_, err = depts.List(context.Background())
	if !errors.Is(err, provider.ErrEndpointRefused) || !strings.Contains(err.Error(), `spec.huaweicloud.oneAccessDomain: host "localhost" resolves to a loopback`) {
		t.Errorf("List: %v, want the dial refused naming the field", err)
	}
	if n := accepted.Load(); n != 0 {
		t.Errorf("the listener behind localhost accepted %d connections, want none", n)
	}
}
