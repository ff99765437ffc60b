// Package scrub removes a client's secrets from text a remote service sent back, before that text
// is cut to the length an error, a log line or a condition holds: a service may echo a secret
// anywhere in a message, raw or escaped, and a cut made first would keep the secret's start.
// Clean is what both clients keep of such text.
package scrub

import (
	"encoding/json"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Replacement stands wherever a secret was.
const Replacement = "REDACTED"

// Ellipsis ends a text that was cut.
const Ellipsis = "…"

// minPrefixRunes is the shortest start of a secret that is still hidden where a text ends: shorter
// ones match ordinary words too often to mean anything.
const minPrefixRunes = 4

// Cut returns text with every secret replaced, in each form a service can echo it in (see forms),
// then cut to at most maxRunes runes and ended with Ellipsis when it was longer. The cut never
// splits a Replacement, and a start of a secret (minPrefixRunes or more) left where the text ends,
// by the service's own cut or by this one, is hidden too.
func Cut(text string, maxRunes int, secrets ...string) string {
	all := forms(secrets)
	if len(all) > 0 {
		text = replacer(all).Replace(text)
		text = hideTrailingPrefix(text, all, Replacement)
	}
	end := runeOffset(text, maxRunes)
	if end == len(text) {
		return text
	}
	end = outsideReplacement(text, end)
	return hideTrailingPrefix(text[:end], all, "") + Ellipsis
}

// forms lists the ways each secret can come back, longest first so that a longer form wins over
// a shorter one it contains: raw, query- and path-escaped (upper- and lower-case hex), and as the
// content of a JSON string (with and without HTML escaping, and with "/" escaped as "\/").
func forms(secrets []string) []string {
	seen := map[string]bool{}
	var all []string
	add := func(form string) {
		if form != "" && !seen[form] {
			seen[form] = true
			all = append(all, form)
		}
	}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, escaped := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
			add(escaped)
			add(lowerHex(escaped))
		}
		for _, quoted := range jsonForms(s) {
			add(quoted)
			add(strings.ReplaceAll(quoted, "/", `\/`))
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return len(all[i]) > len(all[j]) })
	return all
}

var percentHex = regexp.MustCompile(`%[0-9A-F]{2}`)

func lowerHex(escaped string) string {
	return percentHex.ReplaceAllStringFunc(escaped, strings.ToLower)
}

// jsonForms is s as the content of a JSON string, as encoders with and without HTML escaping write it.
func jsonForms(s string) []string {
	var out []string
	for _, escapeHTML := range []bool{true, false} {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(escapeHTML)
		if enc.Encode(s) == nil {
			quoted := strings.TrimSuffix(b.String(), "\n")
			out = append(out, quoted[1:len(quoted)-1])
		}
	}
	return out
}

func replacer(all []string) *strings.Replacer {
	pairs := make([]string, 0, 2*len(all))
	for _, form := range all {
		pairs = append(pairs, form, Replacement)
	}
	return strings.NewReplacer(pairs...)
}

// hideTrailingPrefix replaces with replacement the longest start of a form (minPrefixRunes runes
// or more) that text ends with.
func hideTrailingPrefix(text string, all []string, replacement string) string {
	for {
		n := trailingPrefixLen(text, all)
		if n == 0 {
			return text
		}
		text = text[:len(text)-n]
		if replacement != "" {
			return text + replacement
		}
	}
}

// trailingPrefixLen is the byte length of the longest proper start of a form, of minPrefixRunes
// runes or more, that text ends with; 0 when there is none.
func trailingPrefixLen(text string, all []string) int {
	longest := 0
	for _, form := range all {
		for n := len(form) - 1; n > longest; n-- {
			prefix := form[:n]
			if utf8.RuneCountInString(prefix) < minPrefixRunes {
				break
			}
			if utf8.RuneStart(form[n]) && strings.HasSuffix(text, prefix) {
				longest = n
				break
			}
		}
	}
	return longest
}

// runeOffset is the byte offset of text's rune number maxRunes, or len(text) when text has no
// more than maxRunes runes.
func runeOffset(text string, maxRunes int) int {
	n := 0
	for i := range text {
		if n == maxRunes {
			return i
		}
		n++
	}
	return len(text)
}

// outsideReplacement moves a cut at byte end back to the start of a Replacement it would split.
func outsideReplacement(text string, end int) int {
	from := max(0, end-len(Replacement)+1)
	if i := strings.Index(text[from:min(len(text), end+len(Replacement)-1)], Replacement); i >= 0 && from+i < end {
		return from + i
	}
	return end
}

// Clean makes text a remote service sent back safe for an error, a log line or a condition:
// control characters become spaces, invalid UTF-8 and U+FFFD (which stands for bytes lost before)
// are dropped, secrets are replaced and the result is cut (Cut), then trimmed.
func Clean(text string, maxRunes int, secrets ...string) string {
	printable := strings.Map(func(r rune) rune {
		switch {
		case r == utf8.RuneError:
			return -1
		case unicode.IsControl(r):
			return ' '
		}
		return r
	}, text)
	return strings.TrimSpace(Cut(printable, maxRunes, secrets...))
}
