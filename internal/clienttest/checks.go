package clienttest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// Status maps any int to an HTTP status 100..599, keeping those already in range.
func Status(status int) int {
	if status >= 100 && status <= 599 {
		return status
	}
	return 100 + int(uint(status)%500)
}

// Success reports whether status is a 2xx.
func Success(status int) bool { return status >= 200 && status <= 299 }

// JSONRoundTrip is s as a JSON decoder returns it after json.Marshal (invalid UTF-8 becomes
// U+FFFD).
func JSONRoundTrip(s string) string {
	data, _ := json.Marshal(s)
	var out string
	_ = json.Unmarshal(data, &out)
	return out
}

// IsJSONObject reports whether body, trimmed, is one valid JSON object.
func IsJSONObject(body []byte) bool {
	trimmed := bytes.TrimSpace(body)
	return len(trimmed) > 0 && trimmed[0] == '{' && json.Valid(trimmed)
}

// CheckCleaned checks text a client cleaned from an answer (scrub.Clean): valid UTF-8 without
// control characters or U+FFFD, trimmed, at most maxRunes runes plus an ellipsis.
func CheckCleaned(t testing.TB, what, s string, maxRunes int) {
	t.Helper()
	switch {
	case !utf8.ValidString(s):
		t.Errorf("%s %q is not valid UTF-8", what, s)
	case strings.ContainsFunc(s, unicode.IsControl):
		t.Errorf("%s %q holds a control character", what, s)
	case strings.ContainsRune(s, utf8.RuneError):
		t.Errorf("%s %q holds U+FFFD", what, s)
	case s != strings.TrimSpace(s):
		t.Errorf("%s %q is not trimmed", what, s)
	case utf8.RuneCountInString(s) > maxRunes+1:
		t.Errorf("%s has %d runes, want at most %d", what, utf8.RuneCountInString(s), maxRunes+1)
	}
}

// CheckDecoded checks that a call answered with a success status returned what decoding the
// body gives: the call fails exactly when decoding does (decodeErr, which the caller also sets
// for a body that decodes to nothing usable), and otherwise returns want, as same judges.
func CheckDecoded[T any](t testing.TB, call string, got T, err error, want T, decodeErr error, same func(got, want T) bool) {
	t.Helper()
	if (decodeErr == nil) != (err == nil) || (err == nil && !same(got, want)) {
		t.Errorf("%s = %+v, %v; decoding gives %+v, %v", call, got, err, want, decodeErr)
	}
}

// CheckNoSecret checks that neither err's text nor fields (the error's struct, as %+v formats it)
// shows any of secrets.
func CheckNoSecret(t testing.TB, call string, err error, fields any, secrets ...string) {
	t.Helper()
	for _, secret := range secrets {
		if strings.Contains(err.Error(), secret) || strings.Contains(fmt.Sprintf("%+v", fields), secret) {
			t.Errorf("%s: the error shows a secret: %v", call, err)
		}
	}
}

// CheckIs checks that err matches every error of is and none of isNot (errors.Is).
func CheckIs(t testing.TB, err error, is, isNot []error) {
	t.Helper()
	for _, target := range is {
		if !errors.Is(err, target) {
			t.Errorf("errors.Is(%v, %v) = false", err, target)
		}
	}
	for _, target := range isNot {
		if errors.Is(err, target) {
			t.Errorf("errors.Is(%v, %v) = true", err, target)
		}
	}
}

// CheckEndpoints checks that build, given each endpoint of refused, fails exactly when refused
// says so, and that its error does not repeat a password from the endpoint (userinfo "user:pass"
// or "user:pw").
func CheckEndpoints(t testing.TB, name string, refused map[string]bool, build func(endpoint string) error) {
	t.Helper()
	for endpoint, wantErr := range refused {
		err := build(endpoint)
		if (err != nil) != wantErr {
			t.Errorf("%s(%q) err = %v, want error %v", name, endpoint, err, wantErr)
		}
		if err != nil && (strings.Contains(err.Error(), ":pass@") || strings.Contains(err.Error(), ":pw@")) {
			t.Errorf("%s(%q): the error %q repeats the URL's password", name, endpoint, err)
		}
	}
}
