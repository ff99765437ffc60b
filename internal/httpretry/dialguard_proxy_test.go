package httpretry_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/orgsync/orgsync/internal/clienttest"
	"github.com/orgsync/orgsync/internal/httpretry"
)

// With a proxy in the environment, the guard checks the host a request asks the proxy to reach
// before anything is sent, and lets the connection to the proxy itself (the admin's) through.
func TestGuardedHTTPClientThroughAProxy(t *testing.T) {
	port, accepted := clienttest.CountingListener(t)
	t.Setenv("HTTPS_PROXY", fmt.Sprintf("http://127.0.0.1:%d", port))
	t.Setenv("NO_PROXY", "")
	client := httpretry.NewGuardedHTTPClient(httpretry.EndpointPolicy{AllowedDomains: []string{"*.example.com", "203.0.113.7"}}, 0)

	_, err := client.Get("https://10.0.0.1/")
	var refused *httpretry.ForbiddenAddressError
	if !errors.As(err, &refused) || refused.Host != "10.0.0.1" || accepted.Load() != 0 {
		t.Fatalf("a private address through the proxy: err %v, %d connections to the proxy; want refused before any", err, accepted.Load())
	}
	_, err = client.Get("https://203.0.113.7/")
	if errors.Is(err, httpretry.ErrForbiddenAddress) || accepted.Load() != 1 {
		t.Fatalf("a public address through the proxy: err %v, %d connections to the proxy; want one", err, accepted.Load())
	}
}
