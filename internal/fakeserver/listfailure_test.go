package fakeserver

import (
	"slices"
	"testing"
)

// ListFailures counts only the list requests of its scope, restarts its count when set again and
// fails nothing once removed.
func TestListFailures(t *testing.T) {
	var l ListFailures
	if _, fails := l.Fails("c1"); fails {
		t.Fatal("the zero ListFailures failed a list request")
	}
	l.Set(&ListFailure{After: 1, Count: 1, Answer: ListEmptyPage}, "c1")
	got := []bool{}
	for _, scope := range []string{"c2", "c1", "c2", "c1", "c1"} {
		answer, fails := l.Fails(scope)
		if fails && answer != ListEmptyPage {
			t.Fatalf("answer = %v, want ListEmptyPage", answer)
		}
		got = append(got, fails)
	}
	if want := []bool{false, false, false, true, false}; !slices.Equal(got, want) {
		t.Errorf("fails = %v, want %v (c2 neither counted nor failed; the second c1 request fails once)", got, want)
	}
	l.Set(&ListFailure{}, "")
	if _, fails := l.Fails("c2"); !fails {
		t.Error("a failure without a scope spared a list request")
	}
	l.Set(nil, "")
	if _, fails := l.Fails("c1"); fails {
		t.Error("a removed failure still fails list requests")
	}
}
