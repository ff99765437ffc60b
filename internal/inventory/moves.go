package inventory

import (
	"errors"
	"time"

	"github.com/orgsync/orgsync/internal/provider"
)

// moves holds the moves under way, and those whose write failed in a way that leaves open whether
// it was made, by department key. Two moves decided at once from the same chart may each be
// possible alone and form a cycle together, so the chart's paths are walked with each of these
// departments under its new parent as well as under its listed one. Guarded by Inventory.mu.
type moves struct {
	moving map[string]move
}

// move is a write that may have moved a department under parent. ended is when its write failed
// without saying whether it was made (zero while under way): a listing started after it tells.
// earlier is the department's previous move, when its answer was lost too and no listing has told
// yet: a new move does not undo what an earlier one may have done.
type move struct {
	parent  string
	ended   time.Time
	earlier *move
}

// parents are the parents this move and the earlier ones may have put the department under.
func (m *move) parents() []string {
	var parents []string
	for ; m != nil; m = m.earlier {
		parents = append(parents, m.parent)
	}
	return parents
}

// MoveWaitsError is Update's refusal to send a move whose new parent is, or may be, inside the
// department's own remote subtree once the moves under way are made.
type MoveWaitsError struct {
	// Below is the remote path from the department down to its new parent; Seq is when the move
	// was refused, for Watch.
	Below []string
	Seq   uint64
}

func (e *MoveWaitsError) Error() string { return "the move waits for a move under way" }

// Update makes update, the remote write of desired (a department the chart may hold under another
// parent), and records its result (Put) when it succeeds. When desired moves the department, the
// write is a guarded move: it is not sent, and Update returns a *MoveWaitsError, when the new
// parent is, or may be, inside the department's subtree, counting the moves under way and those
// whose answer was lost; otherwise the move is under way until update returns (the caller makes
// one move of a department at a time), and, if update
// failed with provider.ErrTransient or panicked (an answer that is no answer may hide a move that
// was made), until a listing that started after it shows the department.
func (inv *Inventory) Update(desired provider.Department, update func() (provider.Department, error)) (updated provider.Department, err error) {
	refused, started := inv.beginMove(desired.Key, desired.ParentKey)
	if refused != nil {
		return provider.Department{}, refused
	}
	answered := false
	if started {
		// Deferred, so that a write that panics does not leave a move under way for good: it is
		// held as one whose answer was lost.
		defer func() {
			inv.endMove(desired.Key, desired.ParentKey, answered && err == nil, !answered || errors.Is(err, provider.ErrTransient))
		}()
	}
	updated, err = update()
	answered = true
	if err == nil {
		inv.Put(updated)
	}
	return updated, err
}

// beginMove records a write that may move key under parent as under way, unless parent is, or may
// be, inside key's subtree: then it returns the refusal and records nothing. started says whether
// endMove must be called.
func (inv *Inventory) beginMove(key, parent string) (refused *MoveWaitsError, started bool) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if d, ok := inv.byKey[key]; !ok || d.ParentKey == parent {
		return nil, false
	}
	if below := inv.pathDownLocked(key, parent); below != nil {
		return &MoveWaitsError{Below: below, Seq: inv.seq}, false
	}
	m := move{parent: parent}
	if prev, ok := inv.moving[key]; ok {
		m.earlier = &prev
	}
	inv.moving[key] = m
	return nil, true
}

// endMove ends a move beginMove recorded. One that was made is in the chart already (Put), and
// replaces what earlier moves whose answer was lost may have done: the Departments waiting under
// their parents are woken. One that may or may not have been made stays until a listing that
// started after it. One that was not made is forgotten, its earlier moves stay, and the
// Departments waiting for the departments under its new parent are woken (nothing changed that a
// listing or a put would announce).
func (inv *Inventory) endMove(key, parent string, moved, mayHaveMoved bool) {
	inv.mu.Lock()
	change := inv.newChange(true)
	m := inv.moving[key]
	switch {
	case moved:
		delete(inv.moving, key)
		for _, p := range m.earlier.parents() {
			inv.wakeLocked(&change, p)
		}
	case mayHaveMoved:
		inv.moving[key] = move{parent: parent, ended: time.Now(), earlier: m.earlier}
	default:
		if m.earlier != nil {
			inv.moving[key] = *m.earlier
		} else {
			delete(inv.moving, key)
		}
		inv.wakeLocked(&change, parent)
	}
	inv.mu.Unlock()
	inv.announce(change)
}

// settleMovesLocked forgets the moves whose answer was lost before listStarted and that the
// listing read: it shows whether each was made; either way, it is decided. The Departments
// waiting under their new parents are woken.
func (inv *Inventory) settleMovesLocked(change *Change, listStarted time.Time, read map[string]bool) {
	for key, m := range inv.moving {
		if !m.ended.IsZero() && m.ended.Before(listStarted) && read[key] {
			delete(inv.moving, key)
			for _, p := range m.parents() {
				inv.wakeLocked(change, p)
			}
		}
	}
}

// pathDownLocked returns the remote path from key down to below (both included) when below is, or
// may be, in key's remote subtree, else nil: the walk up from below follows each department's
// listed parent and, for one whose move is under way or undecided, its new parent too. It ends at
// the top, at departments the chart lacks, and at departments already walked (a remote cycle made
// by hand).
func (inv *Inventory) pathDownLocked(key, below string) []string {
	if _, ok := inv.byKey[below]; !ok || below == key {
		return nil
	}
	child := map[string]string{below: ""} // each department walked, by the one it was reached from
	for queue := []string{below}; len(queue) > 0; queue = queue[1:] {
		k := queue[0]
		for _, p := range inv.parentsLocked(k) {
			if p == key {
				return pathFrom(key, k, child)
			}
			if _, seen := child[p]; seen || p == "" {
				continue
			}
			if _, ok := inv.byKey[p]; ok {
				child[p] = k
				queue = append(queue, p)
			}
		}
	}
	return nil
}

// parentsLocked is k's listed parent and, when k's moves are under way or undecided, their new
// ones.
func (inv *Inventory) parentsLocked(k string) []string {
	parents := []string{inv.byKey[k].ParentKey}
	if m, ok := inv.moving[k]; ok {
		parents = append(parents, m.parents()...)
	}
	return parents
}

// pathFrom is the path key > at > ... down the departments child records each was reached from.
func pathFrom(key, at string, child map[string]string) []string {
	path := []string{key}
	for ; at != ""; at = child[at] {
		path = append(path, at)
	}
	return path
}
