package huaweifake

import "github.com/orgsync/orgsync/internal/fakeserver"

// Paging is how the fake numbers the pages of a OneAccess listing (the offset parameter).
type Paging int

const (
	// PagesFromZero numbers pages from 0, as Huawei's ListOrganizations reference defines offset
	// ("page number, minimum 0"; its example asks for the first page with offset=0): offset=1 is
	// the second page. The default.
	PagesFromZero Paging = iota
	// PagesFromOne numbers pages from 1 and reads offset=0 as 1, so that offset=0 and offset=1
	// both answer the first page and offset=2 the second. The reference does not say that 1 is the
	// second page; a tenant answering this way must still be read completely.
	PagesFromOne
)

// SetPaging sets how listings number their pages from now on.
func (f *Fake) SetPaging(p Paging) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listing.paging = p
}

// firstUnit returns the position in a listing of the first unit on page, under the paging in
// force, and false when the page is out of range (an int overflow).
func (p Paging) firstUnit(page, limit int) (int, bool) {
	if p == PagesFromOne {
		page = max(page, 1) - 1
	}
	if page > (1<<31-1)/limit {
		return 0, false
	}
	return page * limit, true
}

// ListFailure makes OneAccess list requests (GET /api/v2/tenant/organizations) fail. It counts the
// valid list requests that pass authentication and the injected Faults.
type ListFailure = fakeserver.ListFailure

// ListAnswer is how a list request that a ListFailure fails is answered.
type ListAnswer = fakeserver.ListAnswer

const (
	// ListUnavailable answers 503 {"error_code":"APIGW.0503"}.
	ListUnavailable = fakeserver.ListUnavailable
	// ListEmptyPage answers 200 with no units and the listing's true total: a page that comes back
	// empty before the total is reached.
	ListEmptyPage = fakeserver.ListEmptyPage
	// ListShortPage answers 200 with the page less its last unit (a page of one comes back empty)
	// and the listing's true total: a page short of the limit before the total.
	ListShortPage = fakeserver.ListShortPage
)

// SetListFailure sets the list failure in force and restarts its count; nil removes it.
// ListFailure{After: 1, Count: 1} fails exactly the second list request;
// ListFailure{Every: 20, Answer: ListEmptyPage} answers one list page in twenty empty.
func (f *Fake) SetListFailure(lf *ListFailure) { f.listing.failures.Set(lf, "") }

// listing is how the fake answers listings: its paging and the list failure in force.
type listing struct {
	paging   Paging
	failures fakeserver.ListFailures
}
