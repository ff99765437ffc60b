package huaweicloud

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/internal/clienttest"
	"github.com/orgsync/orgsync/internal/httpretry"
	"github.com/orgsync/orgsync/internal/provider"
)

// A tenant cannot turn its Organization into a port scanner of the cluster network: an endpoint
// that hides an address behind an IPv6 zone, or a name that resolves to loopback, is refused with
// a message naming the field and the rule, and nothing ever connects to the listener behind it.
func TestEndpointsIntoThePodsNetworkNeverConnect(t *testing.T) {
	cases := map[string]struct {
		allowed func(port int) []string
		domain  string // with %d for the listener's port
		want    string
	}{
		"an address behind an IPv6 zone that ends like an allowed domain": {
			func(int) []string { return []string{"*.huaweioneaccess.com"} },
			"https://[::ffff:127.0.0.1%%25.huaweioneaccess.com]:%d",
			"an IPv6 zone is refused",
		},
		"an allowed name that resolves to loopback": {
			func(port int) []string { return []string{"localhost", fmt.Sprintf("localhost:%d", port)} },
			"https://localhost:%d",
			`spec.huaweicloud.oneAccessDomain: host "localhost" resolves to a loopback, link-local, private`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			port, accepted := clienttest.CountingListener(t)
			domain := fmt.Sprintf(tc.domain, port)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			org := organization(domain)
			conn, err := NewConnector(Options{Endpoints: httpretry.EndpointPolicy{AllowedDomains: tc.allowed(port)}}).Connect(ctx, org, credentials())
			if err == nil {
				_, err = conn.Departments.List(ctx)
			}
			if err == nil || !strings.HasPrefix(err.Error(), "spec.huaweicloud.oneAccessDomain: ") || !strings.Contains(err.Error(), tc.want) ||
				!errors.Is(err, provider.ErrEndpointRefused) {
				t.Errorf("err = %v, want a refusal saying %q", err, tc.want)
			}
			if testing.Verbose() {
				t.Log(err)
			}
			if conn != nil { // the Organizations endpoint is refused the same way, naming its field
				_, err := conn.Organizations.Observe(ctx)
				if !errors.Is(err, provider.ErrEndpointRefused) || !strings.HasPrefix(err.Error(), `spec.huaweicloud.organizationsEndpoint: host "localhost" resolves to`) {
					t.Errorf("Observe: err = %v, want a refusal naming spec.huaweicloud.organizationsEndpoint", err)
				}
			}
			if err != nil && strings.Contains(err.Error(), "127.0.0.1") && !strings.Contains(domain, "127.0.0.1") {
				t.Errorf("the refusal %q shows the address the host resolved to", err)
			}
			if n := accepted.Load(); n != 0 {
				t.Errorf("the listener accepted %d connections, want none", n)
			}
		})
	}
}
