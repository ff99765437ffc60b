package huaweifake

import (
	"cmp"
	"net/http"
	"regexp"
	"slices"
	"strconv"

	"github.com/orgsync/orgsync/internal/fakeserver"
)

// OrgUnit is a OneAccess organization unit as the fake stores it.
type OrgUnit struct {
	// ID is the org_id the API addresses the unit by.
	ID string
	// ParentID is the parent's org_id; empty for a top-level unit.
	ParentID string
	// Code is unique in the tenant.
	Code string
	// Name is unique among siblings.
	Name string
	// Category defaults to "department".
	Category string
}

// OneAccess codes (see the package comment for which are Huawei's).
const (
	codeNotFound         = "ORG.0010"
	codeNameRequired     = "ORG.0011"
	codeCodeExists       = "ORG.0012"
	codeNameTaken        = "ORG.0013"
	codeInvalidCode      = "ORG.0014"
	codeInvalidName      = "ORG.0015"
	codeParentNotFound   = "ORG.0016"
	codeHasChildren      = "ORG.0017"
	codeCycle            = "ORG.0018"
	codeInvalidParameter = "ORG.0019"
)

// OneAccess limits. "Letters" and "digits" are Unicode letters (\p{L}) and decimal digits (\p{Nd}):
// Huawei's documentation does not restrict them to ASCII.
var (
	validCode     = regexp.MustCompile(`^[\p{L}\p{Nd}_-]{1,64}$`)
	validName     = regexp.MustCompile(`^[\p{L}\p{Nd} _&-]{1,100}$`)
	validCategory = regexp.MustCompile(`^[\p{L}\p{Nd}_-]{1,64}$`)
)

const (
	defaultCategory  = "department"
	defaultUnitLimit = 20 // for a request without limit
	minUnitLimit     = 10
	maxUnitLimit     = 100
)

// unitWire is a unit in get and list answers; a root's parent_id is null.
type unitWire struct {
	OrgID    string  `json:"org_id"`
	OrgCode  string  `json:"org_code"`
	Name     string  `json:"name"`
	ParentID *string `json:"parent_id"`
	Category string  `json:"category"`
}

func (u *OrgUnit) wire() unitWire {
	w := unitWire{OrgID: u.ID, OrgCode: u.Code, Name: u.Name, Category: u.Category}
	if u.ParentID != "" {
		parent := u.ParentID
		w.ParentID = &parent
	}
	return w
}

// unitBody is the body of create and update; nil fields were not sent.
type unitBody struct {
	Code     *string `json:"code"`
	Name     *string `json:"name"`
	ParentID *string `json:"parent_id"`
	Category *string `json:"category"`
}

type orgIDBody struct {
	OrgID string `json:"org_id"`
}

// unitFailure is a rule a request broke: the status and code to answer with.
type unitFailure struct {
	status  int
	code    string
	message string
}

func (f *Fake) handleCreateUnit(w http.ResponseWriter, r *http.Request, _ params) {
	var body unitBody
	if !decodeBody(w, r, &body, codeInvalidParameter) {
		return
	}
	u := OrgUnit{Code: deref(body.Code), Name: deref(body.Name), ParentID: deref(body.ParentID), Category: deref(body.Category)}
	if u.Category == "" {
		u.Category = defaultCategory
	}
	f.mu.Lock()
	before := f.unitStateLocked(f.unitIDByCodeLocked(u.Code))
	failure := f.checkUnitLocked(&u, true)
	if failure == nil {
		u.ID = f.unitIDLocked()
		f.units[u.ID] = &u
		f.unitOrder = append(f.unitOrder, u.ID)
	}
	f.recordUnitWriteLocked(http.MethodPost, u.Code, cmp.Or(u.ID, f.unitIDByCodeLocked(u.Code)), before, failure == nil)
	f.mu.Unlock()
	if failure != nil {
		f.writeUnitFailure(w, failure)
		return
	}
	writeJSON(w, http.StatusCreated, orgIDBody{OrgID: u.ID})
}

func (f *Fake) handleGetUnit(w http.ResponseWriter, _ *http.Request, p params) {
	f.mu.Lock()
	u, ok := f.units[p.id]
	var answer unitWire
	if ok {
		answer = u.wire()
	}
	f.mu.Unlock()
	if !ok {
		f.writeUnitFailure(w, &unitFailure{http.StatusNotFound, codeNotFound, "organization does not exist"})
		return
	}
	writeJSON(w, http.StatusOK, answer)
}

func (f *Fake) handleUpdateUnit(w http.ResponseWriter, r *http.Request, p params) {
	var body unitBody
	if !decodeBody(w, r, &body, codeInvalidParameter) {
		return
	}
	faults := f.currentFaults()
	ignore := faults.selects(r) && fakeserver.Chance(faults.IgnoredUpdateFraction)
	f.mu.Lock()
	before := f.unitStateLocked(p.id)
	failure := f.updateUnitLocked(p.id, body, ignore)
	f.recordUnitWriteLocked(http.MethodPut, f.unitCodeLocked(p.id), p.id, before, failure == nil)
	f.mu.Unlock()
	if failure != nil {
		f.writeUnitFailure(w, failure)
		return
	}
	writeJSON(w, http.StatusOK, orgIDBody{OrgID: p.id})
}

// updateUnitLocked applies UpdateOrganization as Huawei's reference reads: code and name "if left
// empty, are not changed", and the other fields are optional, so every field absent or empty
// leaves the unit's value as it is. An empty parent_id in particular moves nothing: OneAccess
// documents no way to move a unit to the top level. With ignoreUpdates (a fault) the update is
// checked and answered as usual and changes nothing.
func (f *Fake) updateUnitLocked(id string, body unitBody, ignoreUpdates bool) *unitFailure {
	current, ok := f.units[id]
	if !ok {
		return &unitFailure{http.StatusNotFound, codeNotFound, "organization does not exist"}
	}
	next := *current
	for field, value := range map[*string]*string{&next.Code: body.Code, &next.Name: body.Name, &next.ParentID: body.ParentID, &next.Category: body.Category} {
		if value != nil && *value != "" {
			*field = *value
		}
	}
	if failure := f.checkUnitLocked(&next, false); failure != nil {
		return failure
	}
	if next.ParentID == id || (next.ParentID != "" && f.isBelowLocked(f.units[next.ParentID], id, true)) {
		return &unitFailure{http.StatusBadRequest, codeCycle, "an organization cannot move under itself or its descendants"}
	}
	if !ignoreUpdates {
		*current = next
	}
	return nil
}

// checkUnitLocked applies OneAccess's rules to a unit about to be created (isNew) or to replace
// the unit with the same ID.
func (f *Fake) checkUnitLocked(u *OrgUnit, isNew bool) *unitFailure {
	switch {
	case u.Name == "":
		return &unitFailure{http.StatusBadRequest, codeNameRequired, "name is required"}
	case !validCode.MatchString(u.Code):
		return &unitFailure{http.StatusBadRequest, codeInvalidCode, "code must be 1-64 letters, digits, _ or -"}
	case !validName.MatchString(u.Name):
		return &unitFailure{http.StatusBadRequest, codeInvalidName, "name must be 1-100 letters, digits, spaces, -, _ or &"}
	case !validCategory.MatchString(u.Category):
		return &unitFailure{http.StatusBadRequest, codeInvalidParameter, "invalid category"}
	}
	for _, other := range f.units {
		if other.ID == u.ID && !isNew {
			continue
		}
		if other.Code == u.Code {
			return &unitFailure{http.StatusBadRequest, codeCodeExists, "organization code already exists"}
		}
	}
	if _, ok := f.units[u.ParentID]; u.ParentID != "" && !ok {
		return &unitFailure{http.StatusBadRequest, codeParentNotFound, "parent organization does not exist"}
	}
	for _, other := range f.units {
		if (isNew || other.ID != u.ID) && other.ParentID == u.ParentID && other.Name == u.Name {
			return &unitFailure{http.StatusBadRequest, codeNameTaken, "organization name already exists at this level"}
		}
	}
	return nil
}

func (f *Fake) handleDeleteUnit(w http.ResponseWriter, _ *http.Request, p params) {
	f.mu.Lock()
	_, ok := f.units[p.id]
	code, before := f.unitCodeLocked(p.id), f.unitStateLocked(p.id)
	hasChildren := ok && slices.ContainsFunc(f.unitOrder, func(id string) bool { return f.units[id].ParentID == p.id })
	if ok && !hasChildren {
		f.removeUnitLocked(p.id)
	}
	f.recordUnitWriteLocked(http.MethodDelete, code, p.id, before, ok && !hasChildren)
	f.mu.Unlock()
	switch {
	case !ok:
		f.writeUnitFailure(w, &unitFailure{http.StatusNotFound, codeNotFound, "organization does not exist"})
	case hasChildren:
		f.writeUnitFailure(w, &unitFailure{http.StatusBadRequest, codeHasChildren, "organization has sub-organizations"})
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

type unitList struct {
	Total         int        `json:"total"`
	Organizations []unitWire `json:"organizations"`
}

// handleListUnits answers ListOrganizations as Huawei's reference defines it. offset is a page
// number (0 is the first page; SetPaging makes 1 the first) and limit the page size, 10 to 100.
// What is listed depends on org_id and all_child (default false):
//
//	no org_id, all_child=false: the roots only (parent_id null)
//	no org_id, all_child=true:  every unit except the roots
//	org_id=X,  all_child=false: X and its direct children
//	org_id=X,  all_child=true:  X and all its descendants
//
// X comes first, the others in creation order. total counts every unit listed, on all pages.
func (f *Fake) handleListUnits(w http.ResponseWriter, r *http.Request, _ params) {
	q := r.URL.Query()
	page, pageErr := intParam(q.Get("offset"), 0)
	limit, limitErr := intParam(q.Get("limit"), defaultUnitLimit)
	allChild, boolErr := boolParam(q.Get("all_child"))
	if pageErr != nil || limitErr != nil || boolErr != nil || page < 0 || limit < minUnitLimit || limit > maxUnitLimit {
		f.writeUnitFailure(w, &unitFailure{http.StatusBadRequest, codeInvalidParameter,
			"offset must be a page number from 0, limit an integer from 10 to 100, all_child true or false"})
		return
	}
	orgID := q.Get("org_id")

	f.mu.Lock()
	failAnswer, fails := f.listing.failures.Fails("")
	matched, ok := f.listLocked(orgID, allChild)
	paging := f.listing.paging
	f.mu.Unlock()
	switch {
	case fails && failAnswer == ListUnavailable:
		writeUnavailable(w)
		return
	case !ok:
		f.writeUnitFailure(w, &unitFailure{http.StatusNotFound, codeNotFound, "organization does not exist"})
		return
	}
	answer := unitList{Total: len(matched), Organizations: []unitWire{}}
	if first, ok := paging.firstUnit(page, limit); ok && first < len(matched) {
		answer.Organizations = matched[first:min(first+limit, len(matched))]
	}
	answer.Organizations = fakeserver.Page(answer.Organizations, fails, failAnswer)
	writeJSON(w, http.StatusOK, answer)
}

// listLocked returns what a listing with org_id and all_child holds; false when org_id is set and
// no unit has it.
func (f *Fake) listLocked(orgID string, allChild bool) ([]unitWire, bool) {
	var matched []unitWire
	if orgID != "" {
		self, ok := f.units[orgID]
		if !ok {
			return nil, false
		}
		matched = append(matched, self.wire())
	}
	for _, id := range f.unitOrder {
		u := f.units[id]
		var listed bool
		switch {
		case orgID == "":
			// A unit whose parent is gone (RemoveOrgUnit) still has a parent_id: it is no root.
			listed = (u.ParentID == "") != allChild
		case id != orgID:
			listed = f.isBelowLocked(u, orgID, allChild)
		}
		if listed {
			matched = append(matched, u.wire())
		}
	}
	return matched, true
}

// isBelowLocked reports whether u is a child of parent or, with deep, a descendant.
func (f *Fake) isBelowLocked(u *OrgUnit, parent string, deep bool) bool {
	if !deep {
		return u.ParentID == parent
	}
	// Bounded: PutOrgUnit can store a cycle, and dangling parents end the walk.
	for p, steps := u.ParentID, 0; p != "" && steps <= len(f.units); steps++ {
		if p == parent {
			return true
		}
		next, ok := f.units[p]
		if !ok {
			return false
		}
		p = next.ParentID
	}
	return false
}

func intParam(s string, fallback int) (int, error) {
	if s == "" {
		return fallback, nil
	}
	return strconv.Atoi(s)
}

func boolParam(s string) (bool, error) {
	if s == "" {
		return false, nil
	}
	return strconv.ParseBool(s)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// OrgUnits returns copies of the tenant's units in creation order.
func (f *Fake) OrgUnits() []OrgUnit {
	f.mu.Lock()
	defer f.mu.Unlock()
	units := make([]OrgUnit, 0, len(f.unitOrder))
	for _, id := range f.unitOrder {
		units = append(units, *f.units[id])
	}
	return units
}

// OrgUnitByCode returns the unit with the code.
func (f *Fake) OrgUnitByCode(code string) (OrgUnit, bool) {
	for _, u := range f.OrgUnits() {
		if u.Code == code {
			return u, true
		}
	}
	return OrgUnit{}, false
}

// PutOrgUnit stores u as it is, without the API's checks, replacing the unit with the same ID; an
// empty ID gets a new one. It returns the ID. Tests use it to create drift.
func (f *Fake) PutOrgUnit(u OrgUnit) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u.ID == "" {
		u.ID = f.unitIDLocked()
	}
	if _, exists := f.units[u.ID]; !exists {
		f.unitOrder = append(f.unitOrder, u.ID)
	}
	f.units[u.ID] = &u
	return u.ID
}

// RemoveOrgUnit deletes a unit without the API's checks; its children keep their ParentID.
func (f *Fake) RemoveOrgUnit(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removeUnitLocked(id)
}

func (f *Fake) removeUnitLocked(id string) {
	delete(f.units, id)
	f.unitOrder = slices.DeleteFunc(f.unitOrder, func(other string) bool { return other == id })
}
