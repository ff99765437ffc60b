// Package decimal reads the decimal strings remote charts order departments by (WORKPLACE's
// dispOrd, a Department's spec.displayOrder) as the numbers they are: "2", "2.0" and "02" are one.
// The NCP client compares with it, and the provider seam orders siblings with it.
package decimal

import "strings"

// Number is a decimal string read as the number it is. A string that is not a plain decimal (an
// optional sign, digits, an optional fraction) keeps its text and sorts after every number.
type Number struct {
	valid    bool
	negative bool
	// integer has no leading zeros ("0" for zero); fraction has no trailing zeros.
	integer, fraction string
	text              string
}

// Parse reads s, ignoring surrounding spaces.
func Parse(s string) Number {
	text := strings.TrimSpace(s)
	body := text
	negative := false
	if body != "" && (body[0] == '+' || body[0] == '-') {
		negative = body[0] == '-'
		body = body[1:]
	}
	integer, fraction, _ := strings.Cut(body, ".")
	if integer == "" && fraction == "" || !allDigits(integer) || !allDigits(fraction) {
		return Number{text: text}
	}
	integer = strings.TrimLeft(integer, "0")
	fraction = strings.TrimRight(fraction, "0")
	if integer == "" {
		integer = "0"
	}
	if integer == "0" && fraction == "" {
		negative = false
	}
	return Number{valid: true, negative: negative, integer: integer, fraction: fraction, text: text}
}

// Shortest is the number's shortest decimal spelling ("0002.50" is "2.5", "-0" is "0"), and
// whether it is a number at all (if not, the trimmed text).
func (o Number) Shortest() (string, bool) {
	if !o.valid {
		return o.text, false
	}
	s := o.integer
	if o.fraction != "" {
		s += "." + o.fraction
	}
	if o.negative {
		s = "-" + s
	}
	return s, true
}

// Negative reports whether it is a number below zero.
func (o Number) Negative() bool { return o.valid && o.negative }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Compare orders o and other as numbers; a string that is not one sorts after every number, by
// its text.
func (o Number) Compare(other Number) int {
	switch {
	case !o.valid && !other.valid:
		return strings.Compare(o.text, other.text)
	case !o.valid:
		return 1
	case !other.valid:
		return -1
	case o.negative != other.negative:
		if o.negative {
			return -1
		}
		return 1
	}
	magnitude := compareMagnitude(o, other)
	if o.negative {
		return -magnitude
	}
	return magnitude
}

// compareMagnitude compares |a| and |b|: a longer integer part is larger; then digit by digit,
// and fractions (without trailing zeros) compare as strings.
func compareMagnitude(a, b Number) int {
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
