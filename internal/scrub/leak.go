package scrub

import "strings"

// LeakedPart returns the first part of minPrefixRunes runes or more of any of secrets that text
// shows, or "" when it shows none. Tests use it to check what reaches an error or a condition.
func LeakedPart(text string, secrets ...string) string {
	for _, s := range secrets {
		r := []rune(s)
		for i := 0; i+minPrefixRunes <= len(r); i++ {
			if part := string(r[i : i+minPrefixRunes]); strings.Contains(text, part) {
				return part
			}
		}
	}
	return ""
}
