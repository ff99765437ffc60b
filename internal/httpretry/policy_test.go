package httpretry

import (
	"strings"
	"testing"
)

// TestEndpointPolicyMatchesParsedHosts holds the cases of the allowlist: it compares the host an
// endpoint URL connects to (no zone, no user information, any case, with or without a trailing
// dot) and its port, never the text around them.
func TestEndpointPolicyMatchesParsedHosts(t *testing.T) {
	documented := []string{"*.huaweioneaccess.com", "organizations.myhuaweicloud.com"}
	cases := map[string]struct {
		allowed  []string
		raw      string
		insecure bool
		want     string // a part of the refusal, or "" when allowed
	}{
		"a tenant under a wildcard":               {documented, "acme.huaweioneaccess.com", false, ""},
		"a base URL with a path":                  {documented, "https://organizations.myhuaweicloud.com/v1/", false, ""},
		"upper case":                              {documented, "https://ACME.HuaweiOneAccess.com", false, ""},
		"a trailing dot":                          {documented, "https://acme.huaweioneaccess.com.", false, ""},
		"the default port named":                  {documented, "https://acme.huaweioneaccess.com:443", false, ""},
		"another port":                            {documented, "https://acme.huaweioneaccess.com:8443", false, "port 8443"},
		"a port an entry names":                   {[]string{"orgs.example.com:8443"}, "https://orgs.example.com:8443", false, ""},
		"the default port, entry names another":   {[]string{"orgs.example.com:8443"}, "https://orgs.example.com", false, "port 443"},
		"a wildcard with a port":                  {[]string{"*.example.com:8443"}, "https://a.example.com:8443", false, ""},
		"the domain itself":                       {documented, "https://huaweioneaccess.com", false, "not one the manager"},
		"a look-alike suffix":                     {documented, "https://acme.evilhuaweioneaccess.com", false, "not one the manager"},
		"an IPv6 zone ending like a domain":       {documented, "https://[::ffff:10.96.0.1%25.huaweioneaccess.com]:443", false, "IPv6 zone is refused"},
		"an IPv6 zone on a named address":         {[]string{"fe80::1"}, "https://[fe80::1%25eth0]", false, "zone"},
		"user information before an allowed host": {documented, "https://evil.example.net@acme.huaweioneaccess.com", false, "user information"},
		"user information with a password":        {documented, "https://u:p@acme.huaweioneaccess.com", false, "user information"},
		"an IP literal no entry names":            {documented, "https://10.0.0.1", false, "not one the manager"},
		"an IP literal an entry names":            {[]string{"10.0.0.1"}, "https://10.0.0.1", false, ""},
		"an IPv4-mapped form of a named address":  {[]string{"10.0.0.1"}, "https://[::ffff:10.0.0.1]", false, ""},
		"an IPv6 literal an entry names":          {[]string{"[2001:db8::1]:8443"}, "https://[2001:db8::1]:8443", false, ""},
		"a name is not an address":                {[]string{"10.0.0.1"}, "https://10.0.0.1.nip.io", false, "not one the manager"},
		"an empty list allows nothing":            {nil, "https://acme.huaweioneaccess.com", false, "allows no host"},
		"plain http refused":                      {documented, "http://acme.huaweioneaccess.com", false, "plain http"},
		"plain http to the fakes, any port":       {[]string{"127.0.0.1"}, "http://127.0.0.1:18080", true, ""},
		"not a URL":                               {documented, "https://exa mple.com", false, "not a base URL"},
		"a port with leading zeros":               {documented, "https://acme.huaweioneaccess.com:0443", false, "without leading zeros"},
		"port zero":                               {documented, "https://acme.huaweioneaccess.com:0", false, "from 1 to 65535"},
		"a full-width host":                       {documented, "https://ａｃｍｅ.huaweioneaccess.com", false, "must be ASCII"},
		"an invisible character in the host":      {documented, "https://ac\u00adme.huaweioneaccess.com", false, "must be ASCII"},
		"a punycode host":                         {[]string{"*.example.com"}, "https://xn--80ak6aa92e.example.com", false, ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := EndpointPolicy{AllowedDomains: tc.allowed, AllowInsecure: tc.insecure}.Check("spec.x", tc.raw)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "spec.x: ")):
				t.Fatalf("err = %v, want a refusal naming spec.x and saying %q", err, tc.want)
			}
		})
	}
}

func TestValidDomainPattern(t *testing.T) {
	for pattern, want := range map[string]bool{
		"example.com": true, "*.example.com": true, "example.com:8443": true, "*.example.com:8443": true,
		"10.0.0.1": true, "10.0.0.1:8443": true, "::1": true, "[::1]:8443": true,
		"": false, "*.": false, "https://example.com": false, "example.com/x": false, "*.10.0.0.1": false,
		"example.com:0": false, "example.com:x": false, "u@example.com": false, "[fe80::1%eth0]": false,
	} {
		if got := ValidDomainPattern(pattern); got != want {
			t.Errorf("ValidDomainPattern(%q) = %v, want %v", pattern, got, want)
		}
	}
}
