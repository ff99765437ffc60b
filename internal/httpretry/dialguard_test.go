package httpretry

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
)

func TestForbidden(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1": true, "::1": true, "169.254.169.254": true, "fe80::1": true, "10.96.0.1": true,
		"172.16.0.1": true, "192.168.1.1": true, "fd00::1": true, "0.0.0.0": true, "::": true,
		"224.0.0.1": true, "ff02::1": true, "100.64.0.1": true, "0.1.2.3": true,
		"::ffff:127.0.0.1": true, "::ffff:10.96.0.1": true, "::ffff:169.254.169.254": true,
		"203.0.113.7": false, "2001:db8::1": false, "8.8.8.8": false, "::ffff:8.8.8.8": false,
		// NAT64 and 6to4 addresses reach the IPv4 address they carry.
		"64:ff9b::a9fe:a9fe": true, "64:ff9b::10.96.0.1": true, "64:ff9b:1::a00:1": true, "2002:a9fe:a9fe::1": true,
		"2002:7f00:1::1": true, "64:ff9b:1::808:808": true, "64:ff9b::808:808": false, "2002:808:808::1": false,
	} {
		if got := Forbidden(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Forbidden(%s) = %v, want %v", addr, got, want)
		}
	}
}

// The guarded client connects to a loopback server only when the policy names its address or
// allows insecure endpoints; otherwise the server sees no connection and the error names the
// host as given and the rule, not the address it resolved to.
func TestGuardedHTTPClient(t *testing.T) {
	cases := map[string]struct {
		policy  EndpointPolicy
		host    string
		refused bool
	}{
		"an allowed name resolving to loopback": {EndpointPolicy{AllowedDomains: []string{"localhost"}}, "localhost", true},
		"a loopback address no entry names":     {EndpointPolicy{AllowedDomains: []string{"10.0.0.1"}}, "127.0.0.1", true},
		"a loopback address an entry names":     {EndpointPolicy{AllowedDomains: []string{"127.0.0.1"}}, "127.0.0.1", false},
		"with --allow-insecure-endpoints":       {EndpointPolicy{AllowInsecure: true}, "localhost", false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var accepted atomic.Int32
			server := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			server.Config.ConnState = func(_ net.Conn, state http.ConnState) {
				if state == http.StateNew {
					accepted.Add(1)
				}
			}
			server.Start()
			defer server.Close()
			url := strings.Replace(server.URL, "127.0.0.1", tc.host, 1)
			resp, err := NewGuardedHTTPClient(tc.policy, 0).Get(url)
			if err == nil {
				_ = resp.Body.Close()
			}
			if got := errors.Is(err, ErrForbiddenAddress); got != tc.refused {
				t.Fatalf("err = %v, want refused %v", err, tc.refused)
			}
			if tc.refused && (accepted.Load() != 0 || tc.host == "localhost" && strings.Contains(err.Error(), "127.0.0.1")) {
				t.Errorf("%d connections; error %q", accepted.Load(), err)
			}
		})
	}
}
