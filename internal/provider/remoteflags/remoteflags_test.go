package remoteflags

import (
	"flag"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// TestValidate parses each command line with the registered flags: what it refuses names the
// flag and its value; the defaults, and credentials sent only where they may go, pass.
func TestValidate(t *testing.T) {
	const fake = "--ncp-workplace-endpoint=http://127.0.0.1:18080"
	refused := map[string]string{ // argument → what the error names
		fake: "--ncp-workplace-endpoint", // http without --allow-insecure-endpoints, loopback or not
		"--huaweicloud-organizations-endpoint=ftp://x":       "--huaweicloud-organizations-endpoint",
		"--huaweicloud-allowed-domains=https://evil.example": "--huaweicloud-allowed-domains=https://evil.example",
		"--huaweicloud-allowed-domains=*.":                   "--huaweicloud-allowed-domains=*.",
		"--huaweicloud-allowed-domains=orgs.example.com:0":   "--huaweicloud-allowed-domains=orgs.example.com:0",
		"--huaweicloud-allowed-domains=[fe80::1%eth0]:443":   "--huaweicloud-allowed-domains=[fe80::1%eth0]:443",
		"--huaweicloud-burst=0":                              "--huaweicloud-burst=0: must be at least 1",
		"--ncp-burst=-1":                                     "--ncp-burst=-1",
		"--ncp-qps=0":                                        "--ncp-qps=0: must be greater than 0",
		"--huaweicloud-qps=-5":                               "--huaweicloud-qps=-5",
		"--ncp-request-timeout=-1s":                          "--ncp-request-timeout=-1s",
		"--huaweicloud-request-timeout=0s":                   "--huaweicloud-request-timeout=0s",
		"--remote-max-retry-after=0s":                        "--remote-max-retry-after=0s",
		"--remote-call-timeout=0s":                           "--remote-call-timeout=0s: must be greater than 0",
	}
	accepted := [][]string{
		nil,
		{"--allow-insecure-endpoints", fake},
		{"--huaweicloud-organizations-endpoint=https://orgs.internal.example"},
		{"--huaweicloud-allowed-domains=127.0.0.1,::1"},
		{"--huaweicloud-allowed-domains=orgs.example.com:8443,[2001:db8::1]:8443,*.example.net"},
		{"--huaweicloud-allowed-domains="}, // allows nothing
	}
	validate := func(args ...string) error {
		var o Options
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		o.Register(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return o.Validate()
	}
	for arg, want := range refused {
		if err := validate(arg); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one naming %s", arg, err, want)
		}
	}
	for _, args := range accepted {
		if err := validate(args...); err != nil {
			t.Errorf("%q refused: %v", args, err)
		}
	}
	// Every flag out of range is named at once.
	if err := (&Options{}).Validate(); err == nil || strings.Count(err.Error(), "\n")+1 != 9 {
		t.Fatalf("all zero: %v, want nine flags named", err)
	}
}

// Every provider an Organization can name has a connector.
func TestConnectors(t *testing.T) {
	mux := (&Options{HuaweiAllowedDomains: "*.huaweioneaccess.com"}).Connectors(nil)
	for _, p := range []v1alpha1.Provider{v1alpha1.ProviderNCP, v1alpha1.ProviderHuaweiCloud} {
		if mux[p] == nil {
			t.Errorf("no connector for provider %q", p)
		}
	}
}
