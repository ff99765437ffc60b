package huaweicloud

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// OneAccess limits on organization units.
const (
	MaxCodeLength   = 64  // characters in a code
	MaxNameLength   = 100 // characters in a name
	MaxOUNameLength = 64  // characters in an Organizations organizational unit name
)

// ValidCode reports whether OneAccess accepts code as an organization unit's code: 1 to 64
// characters, each a letter, a digit, "_" or "-".
//
// Huawei's documentation says "letters" and "digits" without restricting them to ASCII. This
// package, and huaweifake, read them as Unicode letters and decimal digits (unicode.IsLetter,
// unicode.IsDigit), so Korean or Chinese names pass; a tenant that is stricter answers ORG.0014,
// which surfaces as ErrInvalidRequest like any other rejected value.
func ValidCode(code string) bool {
	return validChars(code, MaxCodeLength, "_-")
}

// ValidName reports whether OneAccess accepts name as an organization unit's name: 1 to 100
// characters, each a letter, a digit, a space, "-", "_" or "&" (letters and digits as in
// ValidCode).
func ValidName(name string) bool {
	return validChars(name, MaxNameLength, " -_&")
}

// ValidOUName reports whether name fits Organizations' organizational unit names: 1 to 64
// characters, none of them a control character.
func ValidOUName(name string) bool {
	n := utf8.RuneCountInString(name)
	if n == 0 || n > MaxOUNameLength || !utf8.ValidString(name) {
		return false
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

func validChars(s string, maxLen int, extra string) bool {
	if s == "" || !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxLen {
		return false
	}
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			continue
		}
		if !strings.ContainsRune(extra, r) {
			return false
		}
	}
	return true
}
