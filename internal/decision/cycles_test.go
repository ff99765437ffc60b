package decision

import (
	"slices"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

func TestCycle(t *testing.T) {
	chart := []v1alpha1.Department{
		claimant("a", "a", 0, parent("b")),
		claimant("b", "b", 0, parent("a")),
		// c claims b too, younger: the walk follows b's holder, not c.
		claimant("c", "b", 5, parent("top")),
		claimant("d", "d", 0, parent("a")),
		claimant("e", "e", 0, parent("nowhere")),
	}
	parentOf := func(key string) (string, bool, error) {
		var claimants []v1alpha1.Department
		for _, d := range chart {
			if d.Key() == key {
				claimants = append(claimants, d)
			}
		}
		p, ok := ParentOf(Each(claimants))
		return p, ok, nil
	}
	for name, want := range map[string][]string{
		"a": {"a", "b", "a"},
		"d": nil, // below the cycle, not in it
		"e": nil, // ends at a key no Department holds
	} {
		i := slices.IndexFunc(chart, func(d v1alpha1.Department) bool { return d.Name == name })
		got, err := Cycle(&chart[i], parentOf)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%s: %v %v, want %v", name, got, err, want)
		}
	}
	self := claimant("s", "s", 0, parent("s"))
	if got, _ := Cycle(&self, parentOf); !slices.Equal(got, []string{"s", "s"}) {
		t.Errorf("its own parent: %v", got)
	}
}

func TestCycles(t *testing.T) {
	chart := []v1alpha1.Department{
		claimant("c", "c", 0, parent("b")),
		claimant("b", "b", 0, parent("c")),
		// A younger claimant of b would break the loop, but the older holds the key, even when
		// the younger's status says it synced.
		claimant("b-new", "b", 5, parent("top"), synced),
		claimant("into", "a", 0, parent("c")), // below the loop, not in it
		claimant("self", "s", 0, parent("s")),
		claimant("top", "top", 0),
		claimant("x", "x", 0, parent("y")),
		claimant("y", "y", 0, parent("z")),
		claimant("z", "z", 0, parent("x")),
	}
	var got []string
	for _, loop := range Cycles(Each(chart)) {
		var keys []string
		for _, d := range loop {
			keys = append(keys, d.Name)
		}
		got = append(got, strings.Join(keys, ">"))
	}
	if want := []string{"b>c", "self", "x>y>z"}; !slices.Equal(got, want) {
		t.Errorf("Cycles = %v, want %v", got, want)
	}
}
