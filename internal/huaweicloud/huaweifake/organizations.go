package huaweifake

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"time"
	"unicode"
	"unicode/utf8"
)

// Organizations codes: 1003 and 1015 are Huawei's; the others are the fake's (see the package
// comment).
const (
	// codeNoOrganization is Huawei's answer, with HTTP 401, for an account in no organization, on
	// GET /v1/organizations and the calls under it: "The organization is not found" (Huawei's own
	// Terraform provider reads it so, organizationNotFoundErrCodes in
	// huaweicloud/services/organizations).
	codeNoOrganization       = "Organizations.1015"
	codeOrganizationExists   = "Organizations.1101"
	codeOUNotFound           = "Organizations.1102"
	codeOUNameTaken          = "Organizations.1103"
	codeOUHasChildren        = "Organizations.1104"
	codeOUInvalidParameter   = "Organizations.1105"
	codeOUParentNotFound     = "Organizations.1106"
	codeOrganizationNotEmpty = "Organizations.1107"
)

const (
	defaultOULimit = 200
	maxOULimit     = 2000
	maxOUNameRunes = 64
)

// Organization is an account's organization.
type Organization struct {
	ID                    string `json:"id"`
	ManagementAccountID   string `json:"management_account_id"`
	ManagementAccountName string `json:"management_account_name"`
	URN                   string `json:"urn"`
	CreatedAt             string `json:"created_at"`
}

// Root is the root of an organization's tree.
type Root struct {
	Name string `json:"name"`
	ID   string `json:"id"`
	URN  string `json:"urn"`
}

// OrganizationalUnit is a unit of an organization's tree.
type OrganizationalUnit struct {
	ID        string `json:"id"`
	URN       string `json:"urn"`
	Name      string `json:"name"`
	CreatedAt string `json:"created_at"`
	// ParentID is the root's or another unit's ID; not part of the API's answers.
	ParentID string `json:"-"`
}

// organization is an organization's state: its root and its units in creation order.
type organization struct {
	Organization
	root  Root
	ous   map[string]*OrganizationalUnit
	order []string
}

// accountID derives a stable 32-hex-digit account ID from an access key.
func accountID(accessKey string) string {
	sum := sha256.Sum256([]byte(accessKey))
	return hex.EncodeToString(sum[:16])
}

func (f *Fake) handleCreateOrganization(w http.ResponseWriter, _ *http.Request, p params) {
	f.mu.Lock()
	_, exists := f.orgsByAccount[p.account]
	var org *organization
	if !exists {
		acct := accountID(p.account)
		id := newID("o-", 32)
		rootID := newID("r-", 4)
		org = &organization{
			Organization: Organization{
				ID: id, URN: "organizations::" + acct + ":organization:" + id, ManagementAccountID: acct,
				ManagementAccountName: "account_" + acct[:8], CreatedAt: f.now().UTC().Format(time.RFC3339),
			},
			root: Root{ID: rootID, URN: "organizations::" + acct + ":root:" + id + "/" + rootID, Name: "Root"},
			ous:  make(map[string]*OrganizationalUnit),
		}
		f.orgsByAccount[p.account] = org
	}
	f.mu.Unlock()
	if exists {
		writeError(w, http.StatusConflict, codeOrganizationExists, "the account already belongs to an organization")
		return
	}
	writeJSON(w, http.StatusCreated, map[string]Organization{"organization": org.Organization})
}

func (f *Fake) handleGetOrganization(w http.ResponseWriter, _ *http.Request, p params) {
	org, ok := f.Organization(p.account)
	if !ok {
		writeNoOrganization(w)
		return
	}
	writeJSON(w, http.StatusOK, map[string]Organization{"organization": org})
}

func (f *Fake) handleDeleteOrganization(w http.ResponseWriter, _ *http.Request, p params) {
	f.mu.Lock()
	org, ok := f.orgsByAccount[p.account]
	empty := ok && len(org.ous) == 0
	if empty {
		delete(f.orgsByAccount, p.account)
	}
	f.mu.Unlock()
	switch {
	case !ok:
		writeNoOrganization(w)
	case !empty:
		writeError(w, http.StatusBadRequest, codeOrganizationNotEmpty, "the organization still has organizational units")
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (f *Fake) handleListRoots(w http.ResponseWriter, _ *http.Request, p params) {
	f.mu.Lock()
	org, ok := f.orgsByAccount[p.account]
	var root Root
	if ok {
		root = org.root
	}
	f.mu.Unlock()
	if !ok {
		writeNoOrganization(w)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"roots": []Root{root}, "page_info": pageInfo{CurrentCount: 1}})
}

type pageInfo struct {
	NextMarker   string `json:"next_marker,omitempty"`
	CurrentCount int    `json:"current_count"`
}

type ouList struct {
	OUs      []OrganizationalUnit `json:"organizational_units"`
	PageInfo pageInfo             `json:"page_info"`
}

// handleListOUs lists the children of parent_id (every unit without it), in creation order,
// paged by limit and marker (the ID of the last unit of the previous page).
func (f *Fake) handleListOUs(w http.ResponseWriter, r *http.Request, p params) {
	q := r.URL.Query()
	limit, err := intParam(q.Get("limit"), defaultOULimit)
	if err != nil || limit < 1 || limit > maxOULimit {
		writeError(w, http.StatusBadRequest, codeOUInvalidParameter, "limit must be between 1 and 2000")
		return
	}
	parent, marker := q.Get("parent_id"), q.Get("marker")

	f.mu.Lock()
	org, ok := f.orgsByAccount[p.account]
	var matched []OrganizationalUnit
	parentFound := parent == ""
	if ok {
		parentFound = parentFound || parent == org.root.ID || org.ous[parent] != nil
		for _, id := range org.order {
			if ou := org.ous[id]; parent == "" || ou.ParentID == parent {
				matched = append(matched, *ou)
			}
		}
	}
	f.mu.Unlock()
	switch {
	case !ok:
		writeNoOrganization(w)
		return
	case !parentFound:
		writeError(w, http.StatusNotFound, codeOUParentNotFound, "parent does not exist")
		return
	}
	start := 0
	if marker != "" {
		i := slices.IndexFunc(matched, func(ou OrganizationalUnit) bool { return ou.ID == marker })
		if i < 0 {
			writeError(w, http.StatusBadRequest, codeOUInvalidParameter, "invalid marker")
			return
		}
		start = i + 1
	}
	page := matched[start:min(start+limit, len(matched))]
	answer := ouList{OUs: append([]OrganizationalUnit{}, page...), PageInfo: pageInfo{CurrentCount: len(page)}}
	if start+len(page) < len(matched) {
		answer.PageInfo.NextMarker = page[len(page)-1].ID
	}
	writeJSON(w, http.StatusOK, answer)
}

func (f *Fake) handleGetOU(w http.ResponseWriter, _ *http.Request, p params) {
	ou, ok := readOrganization(f, p.account, func(org *organization) *OrganizationalUnit {
		if ou := org.ous[p.id]; ou != nil {
			copied := *ou
			return &copied
		}
		return nil
	})
	switch {
	case !ok:
		writeNoOrganization(w)
	case ou == nil:
		writeError(w, http.StatusNotFound, codeOUNotFound, "organizational unit does not exist")
	default:
		writeJSON(w, http.StatusOK, map[string]OrganizationalUnit{"organizational_unit": *ou})
	}
}

type ouBody struct {
	Name     string `json:"name"`
	ParentID string `json:"parent_id"`
}

func (f *Fake) handleCreateOU(w http.ResponseWriter, r *http.Request, p params) {
	f.writeOU(w, r, p, http.StatusCreated, func(org *organization, body ouBody) (*unitFailure, OrganizationalUnit) {
		switch {
		case body.ParentID == "":
			return &unitFailure{http.StatusBadRequest, codeOUInvalidParameter, "parent_id is required"}, OrganizationalUnit{}
		case body.ParentID != org.root.ID && org.ous[body.ParentID] == nil:
			return &unitFailure{http.StatusNotFound, codeOUParentNotFound, "parent does not exist"}, OrganizationalUnit{}
		case org.siblingNamed(body.ParentID, body.Name, ""):
			return nameTaken(), OrganizationalUnit{}
		}
		id := newID("ou-", 32)
		ou := OrganizationalUnit{ID: id, URN: "organizations::" + org.ManagementAccountID + ":ou:" + org.ID + "/" + id,
			Name: body.Name, CreatedAt: f.now().UTC().Format(time.RFC3339), ParentID: body.ParentID}
		org.ous[id] = &ou
		org.order = append(org.order, id)
		return nil, ou
	})
}

func (f *Fake) handleRenameOU(w http.ResponseWriter, r *http.Request, p params) {
	f.writeOU(w, r, p, http.StatusOK, func(org *organization, body ouBody) (*unitFailure, OrganizationalUnit) {
		ou := org.ous[p.id]
		switch {
		case ou == nil:
			return &unitFailure{http.StatusNotFound, codeOUNotFound, "organizational unit does not exist"}, OrganizationalUnit{}
		case org.siblingNamed(ou.ParentID, body.Name, p.id):
			return nameTaken(), OrganizationalUnit{}
		}
		ou.Name = body.Name
		return nil, *ou
	})
}

// writeOU decodes and checks an organizational unit body, applies it to the caller's organization
// under the lock and answers with the unit or the failure.
func (f *Fake) writeOU(w http.ResponseWriter, r *http.Request, p params, status int,
	apply func(*organization, ouBody) (*unitFailure, OrganizationalUnit)) {
	var body ouBody
	if !decodeBody(w, r, &body, codeOUInvalidParameter) {
		return
	}
	if !validOUName(body.Name) {
		writeError(w, http.StatusBadRequest, codeOUInvalidParameter, "name must be 1-64 characters")
		return
	}
	f.mu.Lock()
	failure := &unitFailure{http.StatusUnauthorized, codeNoOrganization, messageNoOrganization}
	var ou OrganizationalUnit
	if org, ok := f.orgsByAccount[p.account]; ok {
		failure, ou = apply(org, body)
	}
	f.mu.Unlock()
	if failure != nil {
		writeError(w, failure.status, failure.code, failure.message)
		return
	}
	writeJSON(w, status, map[string]OrganizationalUnit{"organizational_unit": ou})
}

func nameTaken() *unitFailure {
	return &unitFailure{http.StatusConflict, codeOUNameTaken, "an organizational unit with this name already exists under the parent"}
}

func (f *Fake) handleDeleteOU(w http.ResponseWriter, _ *http.Request, p params) {
	f.mu.Lock()
	org, ok := f.orgsByAccount[p.account]
	found := ok && org.ous[p.id] != nil
	hasChildren := found && slices.ContainsFunc(org.order, func(id string) bool { return org.ous[id].ParentID == p.id })
	if found && !hasChildren {
		delete(org.ous, p.id)
		org.order = slices.DeleteFunc(org.order, func(id string) bool { return id == p.id })
	}
	f.mu.Unlock()
	switch {
	case !ok:
		writeNoOrganization(w)
	case !found:
		writeError(w, http.StatusNotFound, codeOUNotFound, "organizational unit does not exist")
	case hasChildren:
		writeError(w, http.StatusBadRequest, codeOUHasChildren, "the organizational unit has child units")
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// siblingNamed reports whether a unit other than except under parent has the name.
func (o *organization) siblingNamed(parent, name, except string) bool {
	for _, ou := range o.ous {
		if ou.ParentID == parent && ou.Name == name && ou.ID != except {
			return true
		}
	}
	return false
}

func validOUName(name string) bool {
	if !utf8.ValidString(name) || name == "" || utf8.RuneCountInString(name) > maxOUNameRunes {
		return false
	}
	return !slices.ContainsFunc([]rune(name), unicode.IsControl)
}

// messageNoOrganization is Huawei's error_msg for Organizations.1015.
const messageNoOrganization = "The organization is not found."

// writeNoOrganization answers a call from an account in no organization as Huawei does: 401
// Organizations.1015. A 401 is therefore not always a credentials problem.
func writeNoOrganization(w http.ResponseWriter) {
	writeError(w, http.StatusUnauthorized, codeNoOrganization, messageNoOrganization)
}

// readOrganization returns what read takes, under the lock, from the organization of the account
// with the access key, and false when the account has none.
func readOrganization[T any](f *Fake, accessKey string, read func(*organization) T) (T, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	org, ok := f.orgsByAccount[accessKey]
	if !ok {
		var none T
		return none, false
	}
	return read(org), true
}

// Organization returns the organization of the account with the access key.
func (f *Fake) Organization(accessKey string) (Organization, bool) {
	return readOrganization(f, accessKey, func(org *organization) Organization { return org.Organization })
}

// RootOf returns the root of the account's organization.
func (f *Fake) RootOf(accessKey string) (Root, bool) {
	return readOrganization(f, accessKey, func(org *organization) Root { return org.root })
}

// OrganizationalUnits returns copies of the units of the account's organization, in creation order.
func (f *Fake) OrganizationalUnits(accessKey string) []OrganizationalUnit {
	units, _ := readOrganization(f, accessKey, func(org *organization) []OrganizationalUnit {
		out := make([]OrganizationalUnit, 0, len(org.order))
		for _, id := range org.order {
			out = append(out, *org.ous[id])
		}
		return out
	})
	return units
}

// RemoveOrganization deletes the account's organization and its units, bypassing the API (an
// organization deleted in the console): the account then belongs to no organization.
func (f *Fake) RemoveOrganization(accessKey string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.orgsByAccount, accessKey)
}
