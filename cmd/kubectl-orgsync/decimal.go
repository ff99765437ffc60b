package main

import "strings"

// decimal is a display order as a number: spec.displayOrder is a decimal string, and "2", "2.0"
// and "02" are one position (internal/ncp.EqualDisplayOrder compares them so). Strings that are
// not plain decimals keep their text and sort after every number.
type decimal struct {
	valid    bool
	negative bool
	// integer has no leading zeros ("0" for zero); fraction has no trailing zeros.
	integer, fraction string
	text              string
}

// parseDecimal reads s as internal/ncp's normalizeDecimal does: an optional sign, digits, an
// optional fraction.
func parseDecimal(s string) decimal {
	text := strings.TrimSpace(s)
	body := text
	negative := false
	if body != "" && (body[0] == '+' || body[0] == '-') {
		negative = body[0] == '-'
		body = body[1:]
	}
	integer, fraction, _ := strings.Cut(body, ".")
	if integer == "" && fraction == "" || !allDigits(integer) || !allDigits(fraction) {
		return decimal{text: text}
	}
	integer = strings.TrimLeft(integer, "0")
	fraction = strings.TrimRight(fraction, "0")
	if integer == "" {
		integer = "0"
	}
	if integer == "0" && fraction == "" {
		negative = false
	}
	return decimal{valid: true, negative: negative, integer: integer, fraction: fraction, text: text}
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// compareDecimal orders display orders as numbers; equal numbers compare equal whatever their
// spelling.
func compareDecimal(a, b decimal) int {
	switch {
	case !a.valid && !b.valid:
		return strings.Compare(a.text, b.text)
	case !a.valid:
		return 1
	case !b.valid:
		return -1
	case a.negative != b.negative:
		if a.negative {
			return -1
		}
		return 1
	}
	magnitude := compareMagnitude(a, b)
	if a.negative {
		return -magnitude
	}
	return magnitude
}

// compareMagnitude compares |a| and |b|: a longer integer part is larger; then digit by digit,
// and fractions (without trailing zeros) compare as strings.
func compareMagnitude(a, b decimal) int {
	if len(a.integer) != len(b.integer) {
		if len(a.integer) < len(b.integer) {
			return -1
		}
		return 1
	}
	if c := strings.Compare(a.integer, b.integer); c != 0 {
		return c
	}
	return strings.Compare(a.fraction, b.fraction)
}
