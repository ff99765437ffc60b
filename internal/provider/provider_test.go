package provider

import (
	"errors"
	"fmt"
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

// answeredError is a client error that names the answer it read.
type answeredError struct{ error }

func (answeredError) Answer() string { return "GET /org answered HTTP 404 NONE" }

func (e answeredError) Unwrap() error { return e.error }

// NoOrganization reads "no organization" only from the client's sentinel on an error that names
// its answer; anything else is the classification's.
func TestNoOrganization(t *testing.T) {
	errNone := errors.New("no organization")
	classify := func(err error) error { return fmt.Errorf("%w: %w", ErrTransient, err) }
	cases := map[string]struct {
		err          error
		wantEvidence string
	}{
		"sentinel with its answer":   {answeredError{fmt.Errorf("read: %w", errNone)}, "GET /org answered HTTP 404 NONE"},
		"sentinel without an answer": {fmt.Errorf("read: %w", errNone), ""},
		"another answer":             {answeredError{errors.New("boom")}, ""},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			obs, err := NoOrganization(c.err, errNone, classify)
			switch {
			case obs.Exists:
				t.Fatalf("NoOrganization = %+v, want no organization observed as existing", obs)
			case c.wantEvidence != "" && (err != nil || obs.Evidence != c.wantEvidence):
				t.Errorf("NoOrganization = %+v, %v; want evidence %q", obs, err, c.wantEvidence)
			case c.wantEvidence == "" && !errors.Is(err, ErrTransient):
				t.Errorf("NoOrganization = %+v, %v; want the classified error", obs, err)
			}
		})
	}
}
