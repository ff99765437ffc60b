package provider

import "strings"

// DisplayOrder is a display order read as the number it is: Department.DisplayOrder is a decimal
// string, and "2", "2.0" and "02" are one position. A string that is not a plain decimal (an
// optional sign, digits, an optional fraction) keeps its text and sorts after every number.
type DisplayOrder struct {
	valid    bool
	negative bool
	// integer has no leading zeros ("0" for zero); fraction has no trailing zeros.
	integer, fraction string
	text              string
}

// ParseDisplayOrder reads s, ignoring surrounding spaces.
func ParseDisplayOrder(s string) DisplayOrder {
	text := strings.TrimSpace(s)
	body := text
	negative := false
	if body != "" && (body[0] == '+' || body[0] == '-') {
		negative = body[0] == '-'
		body = body[1:]
	}
	integer, fraction, _ := strings.Cut(body, ".")
	if integer == "" && fraction == "" || !allDigits(integer) || !allDigits(fraction) {
		return DisplayOrder{text: text}
	}
	integer = strings.TrimLeft(integer, "0")
	fraction = strings.TrimRight(fraction, "0")
	if integer == "" {
		integer = "0"
	}
	if integer == "0" && fraction == "" {
		negative = false
	}
	return DisplayOrder{valid: true, negative: negative, integer: integer, fraction: fraction, text: text}
}

// CompareDisplayOrder orders two display orders as the remote chart orders siblings: as numbers,
// equal numbers equal whatever their spelling (Compare).
func CompareDisplayOrder(a, b string) int {
	return ParseDisplayOrder(a).Compare(ParseDisplayOrder(b))
}

// Shortest is the order's shortest decimal spelling ("0002.50" is "2.5"), and whether it is a
// number at all.
func (o DisplayOrder) Shortest() (string, bool) {
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

// Negative reports whether the order is a number below zero.
func (o DisplayOrder) Negative() bool { return o.valid && o.negative }

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
func (o DisplayOrder) Compare(other DisplayOrder) int {
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
func compareMagnitude(a, b DisplayOrder) int {
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
