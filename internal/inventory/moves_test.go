package inventory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/orgsync/orgsync/internal/provider"
)

// listOf is a listing that shows ds.
func listOf(ds []provider.Department) ListFunc {
	return func(context.Context) ([]provider.Department, error) { return ds, nil }
}

// listed makes inv rest on a listing of ds that started now.
func listed(t *testing.T, inv *Inventory, ds []provider.Department) {
	t.Helper()
	if err := inv.ListedSince(context.Background(), time.Now(), nil, listOf(ds)); err != nil {
		t.Fatal(err)
	}
}

// under is d's department moved under parent.
func under(key, parent string) provider.Department {
	return provider.Department{Key: key, ParentKey: parent, Name: key}
}

// sent is an update that the remote system makes as sent.
func sent(d provider.Department) func() (provider.Department, error) {
	return func() (provider.Department, error) { return d, nil }
}

func TestInventoryViewFindsAParentInsideTheSubtree(t *testing.T) {
	inv := New("ns", "acme", nil)
	// a > b > c; x is top-level; loop-1 and loop-2 form a cycle made by hand.
	listed(t, inv, depts("a", "", "b", "a", "c", "b", "x", "", "loop-1", "loop-2", "loop-2", "loop-1"))
	cases := []struct {
		key, parent string
		want        []string
	}{
		{"a", "c", []string{"a", "b", "c"}},
		{"a", "b", []string{"a", "b"}},
		{"b", "x", nil},    // elsewhere
		{"c", "a", nil},    // an ancestor, not a descendant
		{"b", "a", nil},    // where it is: no move
		{"x", "gone", nil}, // a parent the chart lacks
		{"x", "loop-1", nil},
		{"loop-1", "loop-2", nil}, // already its parent
	}
	for _, tc := range cases {
		if got := inv.View(tc.key, tc.parent, false).ParentBelow; !slices.Equal(got, tc.want) {
			t.Errorf("View(%q, %q).ParentBelow = %v, want %v", tc.key, tc.parent, got, tc.want)
		}
	}
}

// Two moves decided from the same chart may each be possible alone and close a loop together:
// the second to start waits, with the path down to its new parent, until the first has ended.
func TestInventoryStartsNoMoveThatAMoveUnderWayTurnsIntoACycle(t *testing.T) {
	var woken []types.NamespacedName
	inv := New("ns", "acme", func(c Change) { woken = append(woken, c.Watchers...) })
	listed(t, inv, depts("a", "", "b", "", "x", "a", "y", "b"))
	waiter := types.NamespacedName{Namespace: "ns", Name: "b"}
	refused := errors.New("refused")
	// Each possible alone: a under y, b under x. Together: a > y > b > x > a.
	_, err := inv.Update(under("a", "y"), func() (provider.Department, error) {
		_, err := inv.Update(under("b", "x"), func() (provider.Department, error) {
			t.Fatal("b's move was sent while a's was under way")
			return provider.Department{}, nil
		})
		var waits *MoveWaitsError
		if !errors.As(err, &waits) || !slices.Equal(waits.Below, []string{"b", "y", "a", "x"}) {
			t.Fatalf("b under x with a's move under way: %v; want the path b > y > a > x", err)
		}
		if v := inv.View("b", "x", false); !slices.Equal(v.ParentBelow, waits.Below) {
			t.Fatalf("a decision sees the move under way: ParentBelow %v", v.ParentBelow)
		}
		inv.Watch(waiter, waits.Seq, WaitBelow(waits.Below)...)
		if len(woken) != 0 {
			t.Fatalf("woken %v as it started to watch, with nothing changed since the refusal", woken)
		}
		return provider.Department{}, refused // a's move fails: nothing changed remotely
	})
	if !errors.Is(err, refused) {
		t.Fatalf("a's move: %v, want its write's error", err)
	}
	// ...but b may go now, and is woken.
	if !slices.Equal(woken, []types.NamespacedName{waiter}) {
		t.Fatalf("woken %v, want %v", woken, waiter)
	}
	if _, err := inv.Update(under("b", "x"), sent(under("b", "x"))); err != nil {
		t.Fatalf("b under x once a's move ended: %v", err)
	}
}

// A move whose answer was lost (a timeout, a 5xx) may have been made: until a listing that started
// after it shows the department, moves are checked with it made as well as not.
func TestInventoryHoldsAnUndecidedMoveUntilAListingTells(t *testing.T) {
	var woken []types.NamespacedName
	inv := New("ns", "acme", func(c Change) { woken = append(woken, c.Watchers...) })
	chart := depts("a", "", "b", "", "x", "a", "y", "b")
	listed(t, inv, chart)
	lost := fmt.Errorf("timeout: %w", provider.ErrTransient)
	if _, err := inv.Update(under("a", "y"), func() (provider.Department, error) { return provider.Department{}, lost }); !errors.Is(err, lost) {
		t.Fatalf("a under y: %v", err)
	}
	var waits *MoveWaitsError
	if _, err := inv.Update(under("b", "x"), sent(under("b", "x"))); !errors.As(err, &waits) {
		t.Fatalf("b under x while a may be under y: %v, want a *MoveWaitsError", err)
	}
	waiter := types.NamespacedName{Namespace: "ns", Name: "b"}
	inv.Watch(waiter, waits.Seq, WaitBelow(waits.Below)...)
	// A listing that started after it shows a where it was: the move was not made.
	time.Sleep(time.Millisecond)
	listed(t, inv, chart)
	if !slices.Equal(woken, []types.NamespacedName{waiter}) {
		t.Fatalf("woken %v, want %v", woken, waiter)
	}
	if _, err := inv.Update(under("b", "x"), sent(under("b", "x"))); err != nil {
		t.Fatalf("b under x once the listing told: %v", err)
	}
}

// Update is the only way to move a department, and the move it guards ends however the write
// does: made, lost (held until a listing tells), refused, or a write that panics.
func TestInventoryUpdateEndsTheMoveHoweverTheWriteEnds(t *testing.T) {
	for name, tc := range map[string]struct {
		write     func() (provider.Department, error)
		wantChart string // where the chart shows a
		wantWaits bool   // whether b under a waits: a is, or may be, under y, which is under b
	}{
		"made": {write: sent(under("a", "y")), wantChart: "y", wantWaits: true},
		"answer lost": {write: func() (provider.Department, error) {
			return provider.Department{}, provider.ErrTransient
		}, wantWaits: true},
		"refused": {write: func() (provider.Department, error) {
			return provider.Department{}, provider.ErrInvalid
		}},
		"panicked: held as lost": {write: func() (provider.Department, error) { panic("write") }, wantWaits: true},
	} {
		t.Run(name, func(t *testing.T) {
			inv := New("ns", "acme", nil)
			listed(t, inv, depts("a", "", "b", "", "y", "b", "x", ""))
			func() {
				defer func() { _ = recover() }()
				_, _ = inv.Update(under("a", "y"), tc.write)
			}()
			if got := inv.View("a", "", false).Self.ParentKey; got != tc.wantChart {
				t.Fatalf("a is under %q in the chart, want %q", got, tc.wantChart)
			}
			var waits *MoveWaitsError
			_, err := inv.Update(under("b", "a"), sent(under("b", "a")))
			if got := errors.As(err, &waits); got != tc.wantWaits {
				t.Fatalf("b under a: %v; waits: %v, want %v", err, got, tc.wantWaits)
			}
		})
	}
	// An update that moves nothing is not a move: nothing to wait for, nothing held.
	inv := New("ns", "acme", nil)
	listed(t, inv, depts("a", "", "b", "a"))
	renamed := under("b", "a")
	renamed.Name = "B"
	if _, err := inv.Update(renamed, sent(renamed)); err != nil || inv.View("b", "a", false).Self.Name != "B" {
		t.Fatalf("a rename: %v, chart %+v", err, inv.View("b", "a", false).Self)
	}
	if len(inv.moving) != 0 {
		t.Fatalf("moves recorded for a rename: %v", inv.moving)
	}
}

// Only a listing that started after a move's answer was lost, and that read the department,
// settles the move: one already under way may have been read before the write, and one whose
// pages did not add up may simply lack the department.
func TestInventorySettlesALostMoveOnlyByALaterListingThatReadIt(t *testing.T) {
	chart := depts("a", "", "b", "", "x", "a", "y", "b")
	withoutA := depts("b", "", "x", "a", "y", "b")
	inv := New("ns", "acme", nil)
	listed(t, inv, chart)
	waits := func() bool {
		var w *MoveWaitsError
		_, err := inv.Update(under("b", "x"), func() (provider.Department, error) { return provider.Department{}, provider.ErrInvalid })
		return errors.As(err, &w)
	}

	// A listing under way when the answer is lost.
	reading, release, done := startListing(inv, chart)
	<-reading
	_, _ = inv.Update(under("a", "y"), func() (provider.Department, error) { return provider.Department{}, provider.ErrTransient })
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !waits() {
		t.Fatal("a listing that started before the answer was lost settled the move")
	}

	// A later listing whose pages did not add up and that lacks a.
	time.Sleep(time.Millisecond)
	if err := inv.ListedSince(context.Background(), time.Now(), nil, func(context.Context) ([]provider.Department, error) {
		return nil, &provider.PartialListingError{Departments: withoutA, Err: errors.New("short page")}
	}); err != nil {
		t.Fatal(err)
	}
	if !waits() {
		t.Fatal("a listing that did not read a settled its move")
	}

	listed(t, inv, chart)
	if waits() {
		t.Fatal("a later listing that read a did not settle its move")
	}
}

// A new move of a department whose last move's answer was lost does not undo what that move may
// have done: the guard still counts the department as possibly under the earlier parent until a
// listing tells, or until a later move is made (then the Departments waiting under the earlier
// parent are woken: the department has left it either way).
func TestInventoryANewMoveKeepsAnEarlierUndecidedOne(t *testing.T) {
	lost := func() (provider.Department, error) { return provider.Department{}, provider.ErrTransient }
	for name, tc := range map[string]struct {
		second    func() (provider.Department, error)
		wantBelow bool // whether a under c still waits: c may be under b, which is under a
		wantWake  bool
	}{
		"the new move is made":     {second: sent(under("c", "y")), wantWake: true},
		"the new move is refused":  {second: func() (provider.Department, error) { return provider.Department{}, provider.ErrInvalid }, wantBelow: true},
		"the new move is lost too": {second: lost, wantBelow: true},
	} {
		t.Run(name, func(t *testing.T) {
			var woken []types.NamespacedName
			inv := New("ns", "acme", func(c Change) { woken = append(woken, c.Watchers...) })
			listed(t, inv, depts("a", "", "b", "a", "c", "x", "x", "", "y", ""))
			if _, err := inv.Update(under("c", "b"), lost); !errors.Is(err, provider.ErrTransient) {
				t.Fatalf("c under b: %v", err)
			}
			v := inv.View("a", "c", false)
			if !slices.Equal(v.ParentBelow, []string{"a", "b", "c"}) {
				t.Fatalf("a under c while c may be under b: ParentBelow %v, want a > b > c", v.ParentBelow)
			}
			waiter := types.NamespacedName{Namespace: "ns", Name: "a"}
			inv.Watch(waiter, v.Seq, WaitBelow(v.ParentBelow)...)
			woken = nil
			_, _ = inv.Update(under("c", "y"), tc.second)
			if below := inv.View("a", "c", false).ParentBelow; (below != nil) != tc.wantBelow {
				t.Fatalf("ParentBelow %v after c's second move; want a path: %t", below, tc.wantBelow)
			}
			if got := slices.Contains(woken, waiter); got != tc.wantWake {
				t.Fatalf("woken %v; want a woken: %t", woken, tc.wantWake)
			}
		})
	}
}
