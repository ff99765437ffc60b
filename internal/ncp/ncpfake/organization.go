package ncpfake

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Organization is an NCP organization (a group of accounts under a master account), as seen by
// one of its member accounts.
type Organization struct {
	// OrganizationNo identifies the organization. SetOrganization allocates one when it is 0.
	OrganizationNo int64
	// OrganizationName is the organization's name; the fake generates "org-<no>".
	OrganizationName string
	// OrganizationDesc is the description given when the organization was created.
	OrganizationDesc string
	// MasterMemberNo, MasterMemberName and MasterMemberEmailAddress describe the master account.
	// When left empty in SetOrganization they are filled from the master account.
	MasterMemberNo           int64
	MasterMemberName         string
	MasterMemberEmailAddress string
	// MasterAccessKey is the access key of the master account. SetOrganization defaults it to the
	// account being made a member.
	MasterAccessKey string
}

const (
	firstOrganizationNo = 1001
	firstMemberNo       = 2600001
)

// account is an NCP account: its credentials and its membership of an organization.
type account struct {
	accessKey string
	secretKey string
	canSign   bool // false for accounts known only as organization members
	memberNo  int64
	orgNo     int64 // 0: no organization
	joinedAt  time.Time
}

// organization is an organization as stored; the master member fields override the master
// account's own when set.
type organization struct {
	no              int64
	name, desc      string
	masterAccessKey string
	masterMemberNo  int64
	masterName      string
	masterEmail     string
	createdAt       time.Time
}

// accountLocked returns an account, creating one that cannot sign if needed. f.mu must be held.
func (f *Fake) accountLocked(accessKey string) *account {
	a, ok := f.accounts[accessKey]
	if !ok {
		a = &account{accessKey: accessKey, memberNo: f.nextMemNo}
		f.nextMemNo++
		f.accounts[accessKey] = a
	}
	return a
}

func memberName(a *account) string  { return fmt.Sprintf("Member %d", a.memberNo) }
func memberEmail(a *account) string { return fmt.Sprintf("member%d@example.com", a.memberNo) }

// Organization returns a copy of the organization an account belongs to; nil if none.
func (f *Fake) Organization(accessKey string) *Organization {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.accounts[accessKey]
	if !ok || a.orgNo == 0 {
		return nil
	}
	o, ok := f.orgs[a.orgNo]
	if !ok {
		return nil
	}
	org := f.exportLocked(o)
	return &org
}

// SetOrganization makes an account a member of org, or of no organization when org is nil.
// An org whose OrganizationNo is 0 or unknown is created; a known one is updated with the fields
// given. Empty fields are filled in: the name "org-<no>", the master account (the account itself)
// and the master member fields (from the master account). The account need not be able to sign.
func (f *Fake) SetOrganization(accessKey string, org *Organization) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.accountLocked(accessKey)
	if org == nil {
		a.orgNo = 0
		return
	}
	no := org.OrganizationNo
	if no == 0 {
		no = f.nextOrgNo
	}
	f.nextOrgNo = max(f.nextOrgNo, no+1)
	o, ok := f.orgs[no]
	if !ok {
		o = &organization{no: no, name: fmt.Sprintf("org-%d", no), masterAccessKey: accessKey, createdAt: f.now()}
		f.orgs[no] = o
	}
	if org.OrganizationName != "" {
		o.name = org.OrganizationName
	}
	o.desc = org.OrganizationDesc
	if org.MasterAccessKey != "" {
		o.masterAccessKey = org.MasterAccessKey
	}
	o.masterMemberNo = org.MasterMemberNo
	o.masterName = org.MasterMemberName
	o.masterEmail = org.MasterMemberEmailAddress
	master := f.accountLocked(o.masterAccessKey)
	if master.orgNo == 0 {
		master.orgNo, master.joinedAt = no, f.now()
	}
	if a.orgNo != no {
		a.orgNo, a.joinedAt = no, f.now()
	}
}

// exportLocked renders a stored organization, filling the master member fields from the master
// account. f.mu must be held.
func (f *Fake) exportLocked(o *organization) Organization {
	org := Organization{
		OrganizationNo:           o.no,
		OrganizationName:         o.name,
		OrganizationDesc:         o.desc,
		MasterMemberNo:           o.masterMemberNo,
		MasterMemberName:         o.masterName,
		MasterMemberEmailAddress: o.masterEmail,
		MasterAccessKey:          o.masterAccessKey,
	}
	master := f.accountLocked(o.masterAccessKey)
	if org.MasterMemberNo == 0 {
		org.MasterMemberNo = master.memberNo
	}
	if org.MasterMemberName == "" {
		org.MasterMemberName = memberName(master)
	}
	if org.MasterMemberEmailAddress == "" {
		org.MasterMemberEmailAddress = memberEmail(master)
	}
	return org
}

// organizationView is the answer of GET /open-api/v1/org.
type organizationView struct {
	OrganizationNo           int64  `json:"organizationNo"`
	OrganizationName         string `json:"organizationName"`
	OrganizationDesc         string `json:"organizationDesc"`
	MasterMemberNo           int64  `json:"masterMemberNo"`
	MasterMemberName         string `json:"masterMemberName"`
	MasterMemberEmailAddress string `json:"masterMemberEmailAddress"`
	MasterMemberYn           string `json:"masterMemberYn"`
	MemberNo                 int64  `json:"memberNo"`
	JoinYmdt                 *int64 `json:"joinYmdt"`
	MemberStatusCode         string `json:"memberStatusCode"`
	RegYmdt                  *int64 `json:"regYmdt"`
}

// createdOrganization is the answer of POST /open-api/v1/org.
type createdOrganization struct {
	OrganizationNo   int64  `json:"organizationNo"`
	OrganizationName string `json:"organizationName"`
	OrganizationDesc string `json:"organizationDesc"`
}

// createOrganizationBody is the body of POST /open-api/v1/org.
type createOrganizationBody struct {
	OrganizationDesc string `json:"organizationDesc"`
}

func epochMillis(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	ms := t.UnixMilli()
	return &ms
}

// handleGetOrganization serves GET /open-api/v1/org: the caller's organization.
func (f *Fake) handleGetOrganization(w http.ResponseWriter, r *http.Request, _ route) {
	accessKey := r.Header.Get(headerAccessKey)
	f.mu.Lock()
	a := f.accountLocked(accessKey)
	o, ok := f.orgs[a.orgNo]
	var v organizationView
	if ok {
		org := f.exportLocked(o)
		v = organizationView{
			OrganizationNo:           org.OrganizationNo,
			OrganizationName:         org.OrganizationName,
			OrganizationDesc:         org.OrganizationDesc,
			MasterMemberNo:           org.MasterMemberNo,
			MasterMemberName:         org.MasterMemberName,
			MasterMemberEmailAddress: org.MasterMemberEmailAddress,
			MasterMemberYn:           yn(org.MasterAccessKey == accessKey),
			MemberNo:                 a.memberNo,
			JoinYmdt:                 epochMillis(a.joinedAt),
			MemberStatusCode:         "JOIN",
			RegYmdt:                  epochMillis(o.createdAt),
		}
	}
	f.mu.Unlock()
	if !ok {
		f.writeNoOrganization(w)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// writeNoOrganization answers GET /open-api/v1/org from an account in no organization. The answer
// is not documented (see SetUndocumentedErrors); the fake's is a 404 from the Organization API
// itself, with a code of its own in the gateway's error shape, not one of the gateway's numeric
// codes: the only answer orgsync reads as "no organization" (see ncp.ErrNoOrganization).
func (f *Fake) writeNoOrganization(w http.ResponseWriter) {
	if f.answerUndocumented(w) {
		return
	}
	writeGatewayError(w, http.StatusNotFound, "ORGANIZATION_NOT_FOUND", "the account does not belong to an organization")
}

func yn(b bool) string {
	if b {
		return "Y"
	}
	return "N"
}

// handleCreateOrganization serves POST /open-api/v1/org: the caller creates an organization and
// becomes its master, unless it already belongs to one.
func (f *Fake) handleCreateOrganization(w http.ResponseWriter, r *http.Request, _ route) {
	raw, ok := readBody(w, r)
	if !ok {
		return
	}
	var body createOrganizationBody
	if err := decodeStrict(raw, &body); err != nil && err != errEmptyBody {
		writeGatewayError(w, http.StatusBadRequest, "100", decodeFieldError(err).Message)
		return
	}

	accessKey := r.Header.Get(headerAccessKey)
	f.mu.Lock()
	a := f.accountLocked(accessKey)
	member := a.orgNo != 0
	var created createdOrganization
	if !member {
		no := f.nextOrgNo
		f.nextOrgNo++
		now := f.now()
		o := &organization{no: no, name: fmt.Sprintf("org-%d", no), desc: body.OrganizationDesc, masterAccessKey: accessKey, createdAt: now}
		f.orgs[no] = o
		a.orgNo, a.joinedAt = no, now
		created = createdOrganization{OrganizationNo: o.no, OrganizationName: o.name, OrganizationDesc: o.desc}
	}
	f.mu.Unlock()
	if member {
		if f.answerUndocumented(w) {
			return
		}
		writeGatewayError(w, http.StatusConflict, "COMMON_301", "already a member of an organization")
		return
	}
	writeJSON(w, http.StatusCreated, created)
}

// handleDeleteOrganization serves DELETE /open-api/v1/org/{organizationNo}: only the master
// account may delete; every member leaves.
func (f *Fake) handleDeleteOrganization(w http.ResponseWriter, r *http.Request, rt route) {
	no, err := strconv.ParseInt(rt.orgNo, 10, 64)
	accessKey := r.Header.Get(headerAccessKey)
	f.mu.Lock()
	o, exists := f.orgs[no]
	isMaster := exists && err == nil && o.masterAccessKey == accessKey
	if isMaster {
		delete(f.orgs, no)
		for _, a := range f.accounts {
			if a.orgNo == no {
				a.orgNo, a.joinedAt = 0, time.Time{}
			}
		}
	}
	f.mu.Unlock()
	switch {
	case (err != nil || !exists) && f.answerUndocumented(w):
	case err != nil || !exists:
		writeGatewayError(w, http.StatusNotFound, "ORGANIZATION_NOT_FOUND", "organization not found: "+rt.orgNo)
	case !isMaster:
		writeGatewayError(w, http.StatusForbidden, "COMMON_101", "only the master account can delete the organization")
	default:
		writeJSON(w, http.StatusOK, map[string]string{"result": "SUCCESS"})
	}
}

// RemoveOrganization deletes organization no, bypassing the API (an organization deleted in the
// console): every member account then belongs to no organization.
func (f *Fake) RemoveOrganization(no int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.orgs, no)
	for _, a := range f.accounts {
		if a.orgNo == no {
			a.orgNo, a.joinedAt = 0, time.Time{}
		}
	}
}
