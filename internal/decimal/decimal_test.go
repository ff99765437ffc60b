package decimal

import (
	"cmp"
	"testing"
)

func TestCompare(t *testing.T) {
	ordered := []string{"-2", "-1.5", "0", "0.05", "0.5", "1", "1.25", "1.5", "2", "9.99", "10", "100.1", "abc", "x"}
	for i := range ordered {
		for j := range ordered {
			if got, want := Parse(ordered[i]).Compare(Parse(ordered[j])), cmp.Compare(i, j); got != want {
				t.Errorf("compare(%q, %q) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
	for _, same := range [][2]string{{"2", "2.0"}, {"02", "2"}, {"0", "-0"}, {"1.50", "1.5"}, {"0.5", ".5"}, {"+3", "3"}, {" 4 ", "4"}} {
		if got := Parse(same[0]).Compare(Parse(same[1])); got != 0 {
			t.Errorf("compare(%q, %q) = %d, want 0 (one number)", same[0], same[1], got)
		}
	}
}

func TestShortest(t *testing.T) {
	cases := map[string]struct {
		want     string
		number   bool
		negative bool
	}{
		"0002.50": {"2.5", true, false},
		"2":       {"2", true, false},
		"-0.0":    {"0", true, false},
		"-1.10":   {"-1.1", true, true},
		".5":      {"0.5", true, false},
		"one":     {"one", false, false},
		"":        {"", false, false},
	}
	for in, tc := range cases {
		o := Parse(in)
		got, number := o.Shortest()
		if got != tc.want || number != tc.number || o.Negative() != tc.negative {
			t.Errorf("%q: Shortest() = %q, %v; Negative() = %v; want %q, %v, %v", in, got, number, o.Negative(), tc.want, tc.number, tc.negative)
		}
	}
}
