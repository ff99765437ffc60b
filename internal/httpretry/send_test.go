package httpretry

import (
	"net/url"
	"testing"
)

func TestResolve(t *testing.T) {
	cases := map[string]struct {
		base, path, query string
		want              string
	}{
		"a plain path":                     {"https://api.example.com", "/v1/orgs", "", "/v1/orgs"},
		"escaped segments stay escaped":    {"https://api.example.com", "/v1/orgs/a%2Fb%20c", "", "/v1/orgs/a%2Fb%20c"},
		"after the endpoint's own path":    {"https://api.example.com/gw", "/v1/orgs/%EB%B6%80", "", "/gw/v1/orgs/%EB%B6%80"},
		"with a query":                     {"https://api.example.com", "/v1/orgs", "limit=10&offset=0", "/v1/orgs?limit=10&offset=0"},
		"an escaped endpoint path is kept": {"https://api.example.com/a%20b", "/c", "", "/a%20b/c"},
	}
	for name, tc := range cases {
		base, err := url.Parse(tc.base)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Resolve(base, tc.path, tc.query)
		if err != nil || got.RequestURI() != tc.want {
			t.Errorf("%s: Resolve = %v, %v; want request URI %q", name, got, err, tc.want)
		}
	}
	if _, err := Resolve(&url.URL{Scheme: "https", Host: "x"}, "/%zz", ""); err == nil {
		t.Error("Resolve accepted an invalid escape")
	}
}
