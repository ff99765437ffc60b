package remoteflags

import (
	"flag"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// parse registers the flags on a new flag set and parses args.
func parse(t *testing.T, args ...string) *Options {
	t.Helper()
	o := &Options{}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	o.Register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestValidate(t *testing.T) {
	cases := map[string]struct {
		args []string
		want string // "" when valid
	}{
		"defaults":                  {nil, ""},
		"http to the fake, allowed": {[]string{"--allow-insecure-endpoints", "--ncp-workplace-endpoint=http://127.0.0.1:18080"}, ""},
		"http to the fake, loopback or not, refused without the flag": {[]string{"--ncp-workplace-endpoint=http://127.0.0.1:18080"}, "--ncp-workplace-endpoint"},
		"an endpoint neither http nor https":                          {[]string{"--huaweicloud-organizations-endpoint=ftp://x"}, "--huaweicloud-organizations-endpoint"},
		"https anywhere":                                              {[]string{"--huaweicloud-organizations-endpoint=https://orgs.internal.example"}, ""},
		"a pattern with a scheme":                                     {[]string{"--huaweicloud-allowed-domains=https://evil.example"}, "--huaweicloud-allowed-domains=https://evil.example"},
		"a bare wildcard":                                             {[]string{"--huaweicloud-allowed-domains=*."}, "--huaweicloud-allowed-domains=*."},
		"an IP address":                                               {[]string{"--huaweicloud-allowed-domains=127.0.0.1,::1"}, ""},
		"zero burst":                                                  {[]string{"--huaweicloud-burst=0"}, "--huaweicloud-burst=0"},
		"negative NCP burst":                                          {[]string{"--ncp-burst=-1"}, "--ncp-burst=-1"},
		"zero qps":                                                    {[]string{"--ncp-qps=0"}, "--ncp-qps=0"},
		"negative Huawei qps":                                         {[]string{"--huaweicloud-qps=-5"}, "--huaweicloud-qps=-5"},
		"negative timeout":                                            {[]string{"--ncp-request-timeout=-1s"}, "--ncp-request-timeout=-1s"},
		"zero Huawei timeout":                                         {[]string{"--huaweicloud-request-timeout=0s"}, "--huaweicloud-request-timeout=0s"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := parse(t, tc.args...).Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one naming %s", err, tc.want)
			}
		})
	}
	// Every flag out of range is named at once.
	if err := (&Options{}).Validate(); err == nil || strings.Count(err.Error(), "\n")+1 != 6 {
		t.Fatalf("all zero: %v, want six flags named", err)
	}
}

// Every provider an Organization can name has a connector.
func TestConnectors(t *testing.T) {
	mux := parse(t).Connectors(nil)
	for _, p := range []v1alpha1.Provider{v1alpha1.ProviderNCP, v1alpha1.ProviderHuaweiCloud} {
		if mux[p] == nil {
			t.Errorf("no connector for provider %q", p)
		}
	}
}
