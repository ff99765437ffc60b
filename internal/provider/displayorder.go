package provider

import "github.com/orgsync/orgsync/internal/decimal"

// DisplayOrder is a display order read as the number it is: Department.DisplayOrder is a decimal
// string, and "2", "2.0" and "02" are one position; one that is not a number sorts after every
// number, by its text.
type DisplayOrder = decimal.Number

// ParseDisplayOrder reads s, ignoring surrounding spaces.
func ParseDisplayOrder(s string) DisplayOrder { return decimal.Parse(s) }

// CompareDisplayOrder orders two display orders as the remote chart orders siblings: as numbers,
// equal numbers equal whatever their spelling.
func CompareDisplayOrder(a, b string) int {
	return decimal.Parse(a).Compare(decimal.Parse(b))
}
