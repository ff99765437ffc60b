package scrub

import (
	"net/url"
	"strings"
	"testing"
)

const secret = "sk/9f+8e=7d&q?z"

func TestCut(t *testing.T) {
	dots := func(n int) string { return strings.Repeat(".", n) }
	cases := map[string]struct {
		text     string
		maxRunes int
		secrets  []string
		want     string
	}{
		"short text, no secret":      {text: "bad key", maxRunes: 10, want: "bad key"},
		"long text is cut":           {text: "ééééé", maxRunes: 3, want: "ééé…"},
		"exactly maxRunes is kept":   {text: "abc", maxRunes: 3, want: "abc"},
		"raw secret":                 {text: "bad key " + secret + "!", maxRunes: 100, secrets: []string{secret}, want: "bad key REDACTED!"},
		"query-escaped secret":       {text: "k=" + url.QueryEscape(secret), maxRunes: 100, secrets: []string{secret}, want: "k=REDACTED"},
		"path-escaped secret":        {text: "/x/" + url.PathEscape(secret) + "/y", maxRunes: 100, secrets: []string{secret}, want: "/x/REDACTED/y"},
		"lower-case hex escapes":     {text: "k=sk%2f9f%2b8e%3d7d%26q%3fz", maxRunes: 100, secrets: []string{secret}, want: "k=REDACTED"},
		"JSON-escaped secret":        {text: `{"k":"sk\/9f+8e=7d\u0026q?z"}`, maxRunes: 100, secrets: []string{secret}, want: `{"k":"REDACTED"}`},
		"empty secrets are ignored":  {text: "abc", maxRunes: 10, secrets: []string{"", ""}, want: "abc"},
		"every secret":               {text: "a b", maxRunes: 30, secrets: []string{"a", "b"}, want: "REDACTED REDACTED"},
		"scrubbed before the cut":    {text: dots(8) + secret + dots(20), maxRunes: 10, secrets: []string{secret}, want: dots(8) + "…"},
		"replacement kept whole":     {text: dots(2) + secret + dots(20), maxRunes: 12, secrets: []string{secret}, want: dots(2) + "REDACTED" + dots(2) + "…"},
		"start of a secret at a cut": {text: dots(4) + "sk/9f+8e=XXXXXXXX", maxRunes: 10, secrets: []string{secret}, want: dots(4) + "…"},
		"escaped start at a cut":     {text: dots(4) + "sk%2F9f%2BXXXXXX", maxRunes: 10, secrets: []string{secret}, want: dots(4) + "…"},
		"start of a secret at the end": {text: "bad key sk/9f+8", maxRunes: 100, secrets: []string{secret},
			want: "bad key REDACTED"},
		"three runes are not a secret": {text: "bad key sk/", maxRunes: 100, secrets: []string{secret}, want: "bad key sk/"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := Cut(tc.text, tc.maxRunes, tc.secrets...); got != tc.want {
				t.Errorf("Cut(%q, %d) = %q, want %q", tc.text, tc.maxRunes, got, tc.want)
			}
		})
	}
}

// TestCutNearTheEdge echoes the secret, in every form, at each position around the cut: no part of
// it of minPrefixRunes runes or more survives.
func TestCutNearTheEdge(t *testing.T) {
	const maxRunes = 300
	for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
		for at := 280; at <= 310; at++ {
			text := strings.Repeat(".", at) + form + strings.Repeat(".", 400)
			got := Cut(text, maxRunes, secret)
			if part := LeakedPart(got, secret, form); part != "" {
				t.Fatalf("secret as %q at %d: %q shows %q", form, at, got, part)
			}
			if n := len([]rune(got)); n > maxRunes+1 {
				t.Fatalf("secret at %d: %d runes", at, n)
			}
		}
	}
}

func TestClean(t *testing.T) {
	cases := map[string]struct {
		text     string
		maxRunes int
		want     string
	}{
		"control characters become spaces, then the ends are trimmed": {"\tline one\nline two\x00", 100, "line one line two"},
		"invalid UTF-8 and U+FFFD are dropped":                        {"bad \xff\xfe bytes \ufffd\xc3", 100, "bad  bytes"},
		"a secret is replaced":                                        {"key " + secret + " refused", 100, "key " + Replacement + " refused"},
		"a long text is cut after the secret is replaced":             {secret + " and more words", len(Replacement) + 3, Replacement + " an" + Ellipsis},
	}
	for name, tc := range cases {
		if got := Clean(tc.text, tc.maxRunes, secret); got != tc.want {
			t.Errorf("%s: Clean(%q) = %q, want %q", name, tc.text, got, tc.want)
		}
	}
}
