package fakeserver

import "sync"

// ListAnswer is how a list request that a fake's list failure fails is answered.
type ListAnswer int

const (
	// ListUnavailable answers as the service's unavailable endpoint does (a 503).
	ListUnavailable ListAnswer = iota
	// ListEmptyPage answers 200 with no rows and the listing's true total: a page that comes back
	// empty before the total is reached.
	ListEmptyPage
	// ListShortPage answers 200 with the page less its last row (a page of one comes back empty)
	// and the listing's true total: a page short of the page size before the total.
	ListShortPage
)

// ListFailure says which list requests a fake fails, counted from the moment it is set, and how:
// tests use it to break a listing off on a given page, or to have it come back with pages that do
// not add up to its total.
type ListFailure struct {
	// After is how many list requests are answered normally first.
	After int
	// Count is how many list requests fail after those; 0 means every later one (or every
	// Every-th one).
	Count int
	// Every, when above 1, fails only every Every-th list request after the first After (the
	// Every-th, the 2·Every-th, ...) instead of each one.
	Every int
	// Answer is how a failing list request is answered; ListUnavailable by default.
	Answer ListAnswer
}

// ListFailures is the list failure in force in a fake and the count of the list requests it has
// seen since it was set. The zero value fails nothing; it is safe for concurrent use.
type ListFailures struct {
	mu       sync.Mutex
	failure  *ListFailure // nil: none
	scope    string
	schedule ListSchedule
}

// Set puts a copy of lf in force and restarts the count; nil removes it. A scope that is not
// empty limits lf to the list requests of that scope (a fake's own division of its listings, such
// as NCP's companies): the others are neither counted nor failed.
func (l *ListFailures) Set(lf *ListFailure, scope string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failure, l.scope, l.schedule = nil, scope, ListSchedule{}
	if lf != nil {
		copied := *lf
		l.failure = &copied
	}
}

// Fails counts a list request of scope and reports whether the list failure in force fails it,
// and how it is to be answered.
func (l *ListFailures) Fails(scope string) (ListAnswer, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lf := l.failure
	if lf == nil || (l.scope != "" && l.scope != scope) {
		return 0, false
	}
	return lf.Answer, l.schedule.Fails(lf.After, lf.Count, lf.Every)
}

// ListSchedule counts the list requests since a fake's list failure was set and says which of
// them it fails: none of the first after, then every one (or, when every is above 1, every
// every-th: the every-th, the 2·every-th, ...), count of them at most (0: no limit). The zero
// value starts counting; it is not safe for concurrent use (the fake's lock guards it).
type ListSchedule struct {
	requests, failed int
}

// Fails counts one list request and reports whether the schedule fails it.
func (s *ListSchedule) Fails(after, count, every int) bool {
	n := s.requests
	s.requests++
	fails := n >= after && (every <= 1 || (n-after+1)%every == 0) && (count <= 0 || s.failed < count)
	if fails {
		s.failed++
	}
	return fails
}

// Page is the page of rows a list request is answered with: rows as they are, unless a list
// failure fails this request with ListEmptyPage (no rows) or ListShortPage (rows less the last).
// A request failed with ListUnavailable is answered before any page is read.
func Page[T any](rows []T, fails bool, answer ListAnswer) []T {
	if !fails {
		return rows
	}
	switch answer {
	case ListEmptyPage:
		return []T{}
	case ListShortPage:
		return rows[:max(0, len(rows)-1)]
	}
	return rows
}
