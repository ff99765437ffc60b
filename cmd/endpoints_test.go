package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/clienttest"
	"github.com/orgsync/orgsync/internal/controller"
	"github.com/orgsync/orgsync/internal/provider/remoteflags"
	"github.com/orgsync/orgsync/internal/testenv"
)

// A tenant who may create Organizations points their Huawei endpoints into the pod's network, the
// manager running with main's remote flags and no --allow-insecure-endpoints: the listener behind
// the endpoint sees no connection, and the Organization's condition names the field and the rule,
// never the address the host resolved to.
func TestTenantEndpointsIntoThePodsNetwork(t *testing.T) {
	ctrl.SetLogger(zap.New(zap.WriteTo(io.Discard)))
	cp := testenv.StartOrSkip(t, testenv.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	port, accepted := clienttest.CountingListener(t)

	// The documented Huawei domains, plus a name the admin allows that resolves to loopback.
	var remote remoteflags.Options
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	remote.Register(fs)
	if err := fs.Parse([]string{fmt.Sprintf("--huaweicloud-allowed-domains=*.huaweioneaccess.com,organizations.myhuaweicloud.com,localhost:%d", port)}); err != nil {
		t.Fatal(err)
	}
	if err := remote.Validate(); err != nil {
		t.Fatal(err)
	}
	mgr, err := testenv.StartManager(ctx, testenv.ManagerOptions{
		Config: cp.Admin, SkipNameValidation: true,
		Controllers: controller.Options{Connector: remote.Connectors(nil)},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = mgr.Stop() }()

	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "tenant-"}}
	if err := cp.Client.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "huawei", Namespace: ns.Name}, StringData: testenv.NewHuaweiCredentials()}
	if err := cp.Client.Create(ctx, secret); err != nil {
		t.Fatal(err)
	}
	localhost := fmt.Sprintf("https://localhost:%d", port)
	for _, tc := range []struct {
		name, oneAccessDomain, want string
	}{
		{"zone", fmt.Sprintf("https://[::ffff:127.0.0.1%%25.huaweioneaccess.com]:%d", port),
			"spec.huaweicloud.oneAccessDomain: " + fmt.Sprintf(`"https://[::ffff:127.0.0.1%%25.huaweioneaccess.com]:%d": an IPv6 zone is refused`, port)},
		{"oneaccess-loopback", localhost,
			`spec.huaweicloud.oneAccessDomain: host "localhost" resolves to a loopback, link-local, private`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			org := &v1alpha1.Organization{
				ObjectMeta: metav1.ObjectMeta{Name: tc.name, Namespace: ns.Name},
				Spec: v1alpha1.OrganizationSpec{
					Provider: v1alpha1.ProviderHuaweiCloud, CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: secret.Name},
					HuaweiCloud: &v1alpha1.HuaweiCloudSpec{OneAccessDomain: tc.oneAccessDomain},
				},
			}
			if err := cp.Client.Create(ctx, org); err != nil {
				t.Fatal(err)
			}
			ready := waitForReadyReason(ctx, t, cp.Client, client.ObjectKeyFromObject(org), v1alpha1.ReasonInvalidSpec)
			if !strings.Contains(ready.Message, tc.want) {
				t.Errorf("Ready message %q, want it to say %q", ready.Message, tc.want)
			}
			if tc.name != "zone" && (strings.Contains(ready.Message, "127.0.0.1") || strings.Contains(ready.Message, "::1")) {
				t.Errorf("Ready message %q shows the address localhost resolved to", ready.Message)
			}
		})
	}
	if n := accepted.Load(); n != 0 {
		t.Errorf("the listener behind the endpoints accepted %d connections, want none", n)
	}
}

// waitForReadyReason waits until the Organization at key has a Ready condition with reason, and
// returns it.
func waitForReadyReason(ctx context.Context, t *testing.T, c client.Client, key client.ObjectKey, reason string) metav1.Condition {
	t.Helper()
	var last metav1.Condition
	err := testenv.Poll(ctx, 200*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		org := &v1alpha1.Organization{}
		if err := c.Get(ctx, key, org); err != nil {
			return false, "", err
		}
		if cond := meta.FindStatusCondition(org.Status.Conditions, v1alpha1.ConditionReady); cond != nil {
			last = *cond
		}
		return last.Reason == reason, testenv.Readiness(org), nil
	})
	if err != nil {
		t.Fatalf("Organization %s: %v", key, err)
	}
	return last
}
