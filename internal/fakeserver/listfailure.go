package fakeserver

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
