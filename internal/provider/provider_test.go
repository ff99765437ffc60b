package provider

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEvidenceIsBounded(t *testing.T) {
	cases := map[string]struct {
		answer string
		want   string // "" for a cut answer
	}{
		"short":           {"GET /open-api/v1/org answered HTTP 404 ORGANIZATION_NOT_FOUND", "GET /open-api/v1/org answered HTTP 404 ORGANIZATION_NOT_FOUND"},
		"exactly at max":  {strings.Repeat("a", MaxEvidenceLength), strings.Repeat("a", MaxEvidenceLength)},
		"long":            {strings.Repeat("a", 3*MaxEvidenceLength), ""},
		"long, multibyte": {strings.Repeat("조직", MaxEvidenceLength), ""},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got := Evidence(c.answer)
			if len(got) > MaxEvidenceLength || !utf8.ValidString(got) {
				t.Fatalf("Evidence = %q (%d bytes), want at most %d bytes of valid UTF-8", got, len(got), MaxEvidenceLength)
			}
			if c.want != "" && got != c.want {
				t.Errorf("Evidence = %q, want %q", got, c.want)
			}
			if c.want == "" && !strings.HasSuffix(got, "…") {
				t.Errorf("Evidence = %q, want it cut with an ellipsis", got)
			}
		})
	}
}
