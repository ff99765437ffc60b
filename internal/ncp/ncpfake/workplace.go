package ncpfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/orgsync/orgsync/internal/fakeserver"
)

// Department is a WORKPLACE department as the fake stores it.
type Department struct {
	// ExternalKey identifies the department within its company (deptExternalKey on the wire).
	ExternalKey string
	// Name is the department's name.
	Name string
	// I18nNames maps a locale such as "ko_KR" to the localised name; nil when none was sent.
	I18nNames map[string]string
	// ParentExternalKey is the parent's external key, or "#" for a top-level department.
	ParentExternalKey string
	// EmailAddress is deptEmailAddress; empty when none.
	EmailAddress string
	// ExternalEmailReceive is externalEmailReceiveYn; nil when it was not sent.
	ExternalEmailReceive *bool
	// DisplayOrder is dispOrd as stored, normalised to a decimal with a fractional digit ("2" is
	// stored as "2.0"). PutDepartment keeps a value that is not a decimal as it is.
	DisplayOrder string
	// LeaderExternalKey is deptLeaderExternalKey, the leader a person chose in WORKPLACE (set it
	// with PutDepartment); nil when none. The documented add and edit bodies have no such field,
	// yet GET returns it: the fake reads an edit as replacing the whole department, so a PUT
	// that does not send it back clears it.
	LeaderExternalKey *string
}

// TopLevelParent is the parent external key of a top-level department.
const TopLevelParent = "#"

// WORKPLACE limits.
const (
	maxPathParamLen = 36
	maxFieldLen     = 100
	maxDispOrdLen   = 10
	defaultLimit    = 20
	maxLimit        = 100
)

// WORKPLACE service error codes.
const (
	codeInvalid         = -4020
	codeMalformed       = -4000
	codeParentNotFound  = -4030
	codeCycle           = -4031
	codeNotFound        = -4040
	codeCompanyNotFound = -4041
	codeHasChildren     = -4050
	codeAlreadyExists   = -4090
)

// company is one WORKPLACE company's departments, in creation order.
type company struct {
	departments map[string]*Department
	order       []string
	writes      []DepartmentWrite // the write log (writes.go)
}

// companyLocked returns a company, creating it if needed. f.mu must be held.
func (f *Fake) companyLocked(companyID string) *company {
	c, ok := f.companies[companyID]
	if !ok {
		c = &company{departments: make(map[string]*Department)}
		f.companies[companyID] = c
	}
	return c
}

// Departments returns deep copies of a company's departments in creation order; nil for an unknown
// company.
func (f *Fake) Departments(companyID string) []Department {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.companies[companyID]
	if !ok {
		return nil
	}
	out := make([]Department, 0, len(c.order))
	for _, key := range c.order {
		out = append(out, cloneDepartment(*c.departments[key]))
	}
	return out
}

// Department returns a deep copy of one department.
func (f *Fake) Department(companyID, key string) (Department, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.companies[companyID]
	if !ok {
		return Department{}, false
	}
	d, ok := c.departments[key]
	if !ok {
		return Department{}, false
	}
	return cloneDepartment(*d), true
}

// PutDepartment creates or replaces a department directly, as an edit made outside orgsync would
// (drift). It bypasses HTTP and every validation, including the parent's existence; it creates the
// company if needed. A replaced department keeps its place in creation order. DisplayOrder is
// normalised when it is a decimal.
func (f *Fake) PutDepartment(companyID string, d Department) {
	d = cloneDepartment(d)
	if normalised, ok := normaliseDispOrd(d.DisplayOrder); ok {
		d.DisplayOrder = normalised
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.companyLocked(companyID).put(&d)
}

// RemoveDepartment deletes a department directly, even one with sub-departments.
func (f *Fake) RemoveDepartment(companyID, key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.companies[companyID]; ok {
		c.remove(key)
	}
}

func (c *company) put(d *Department) {
	if _, ok := c.departments[d.ExternalKey]; !ok {
		c.order = append(c.order, d.ExternalKey)
	}
	c.departments[d.ExternalKey] = d
}

func (c *company) remove(key string) {
	if _, ok := c.departments[key]; !ok {
		return
	}
	delete(c.departments, key)
	c.order = slices.DeleteFunc(c.order, func(k string) bool { return k == key })
}

func (c *company) hasChildren(key string) bool {
	for _, d := range c.departments {
		if d.ParentExternalKey == key {
			return true
		}
	}
	return false
}

// wouldCycle reports whether making parent the parent of key puts key inside its own subtree.
// Direct edits may have left dangling parents or cycles elsewhere; the walk stops at either.
func (c *company) wouldCycle(key, parent string) bool {
	seen := make(map[string]bool)
	for p := parent; p != TopLevelParent && !seen[p]; {
		if p == key {
			return true
		}
		seen[p] = true
		d, ok := c.departments[p]
		if !ok {
			return false
		}
		p = d.ParentExternalKey
	}
	return false
}

func cloneDepartment(d Department) Department {
	d.I18nNames = maps.Clone(d.I18nNames)
	if d.ExternalEmailReceive != nil {
		v := *d.ExternalEmailReceive
		d.ExternalEmailReceive = &v
	}
	if d.LeaderExternalKey != nil {
		v := *d.LeaderExternalKey
		d.LeaderExternalKey = &v
	}
	return d
}

// departmentBody is the body of POST and PUT, and their echo. Pointers tell a missing field from
// an empty one.
type departmentBody struct {
	Name                   *string           `json:"name,omitempty"`
	I18nNames              map[string]string `json:"i18nNames,omitempty"`
	DeptExternalKey        *string           `json:"deptExternalKey,omitempty"`
	ParentDeptExternalKey  *string           `json:"parentDeptExternalKey,omitempty"`
	DeptEmailAddress       *string           `json:"deptEmailAddress,omitempty"`
	ExternalEmailReceiveYn *bool             `json:"externalEmailReceiveYn,omitempty"`
	DispOrd                *string           `json:"dispOrd,omitempty"`
	// DeptLeaderExternalKey is not in the documented bodies; a client that read it may send it
	// back so that an edit keeps it.
	DeptLeaderExternalKey *string `json:"deptLeaderExternalKey,omitempty"`
}

// department converts a validated body.
func (b departmentBody) department() Department {
	d := Department{
		ExternalKey:          *b.DeptExternalKey,
		Name:                 *b.Name,
		I18nNames:            maps.Clone(b.I18nNames),
		ParentExternalKey:    *b.ParentDeptExternalKey,
		ExternalEmailReceive: b.ExternalEmailReceiveYn,
		LeaderExternalKey:    b.DeptLeaderExternalKey,
	}
	if b.DeptEmailAddress != nil {
		d.EmailAddress = *b.DeptEmailAddress
	}
	d.DisplayOrder, _ = normaliseDispOrd(*b.DispOrd)
	return d
}

// departmentView is a department as GET returns it.
type departmentView struct {
	TenantID               string            `json:"tenantId"`
	CompanyID              string            `json:"companyId"`
	ExternalKey            string            `json:"externalKey"`
	Name                   string            `json:"name"`
	I18nNames              map[string]string `json:"i18nNames"`
	ParentDeptExternalKey  string            `json:"parentDeptExternalKey"`
	DeptLeaderExternalKey  *string           `json:"deptLeaderExternalKey"`
	DeptEmailAddress       *string           `json:"deptEmailAddress"`
	ExternalEmailReceiveYn bool              `json:"externalEmailReceiveYn"`
	DispOrd                string            `json:"dispOrd"`
}

// view renders a stored department. Fields never set read back as null (strings, maps) or false
// (externalEmailReceiveYn), as a Java service with default values would answer.
func view(companyID string, d *Department) departmentView {
	v := departmentView{
		TenantID:               companyID,
		CompanyID:              companyID,
		ExternalKey:            d.ExternalKey,
		Name:                   d.Name,
		I18nNames:              maps.Clone(d.I18nNames),
		ParentDeptExternalKey:  d.ParentExternalKey,
		ExternalEmailReceiveYn: d.ExternalEmailReceive != nil && *d.ExternalEmailReceive,
		DispOrd:                d.DisplayOrder,
		DeptLeaderExternalKey:  d.LeaderExternalKey,
	}
	if d.EmailAddress != "" {
		email := d.EmailAddress
		v.DeptEmailAddress = &email
	}
	return v
}

// departmentList is the answer of the list call.
type departmentList struct {
	Elements   []departmentView `json:"elements"`
	TotalCount int              `json:"totalCount"`
}

// workplaceError is WORKPLACE's own error body.
type workplaceError struct {
	Status  int          `json:"status"`
	Code    int          `json:"code"`
	Errors  []fieldError `json:"errors"`
	Message string       `json:"message"`
}

// fieldError is one entry of workplaceError.Errors.
type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func writeWorkplaceError(w http.ResponseWriter, status, code int, message string, errs ...fieldError) {
	if errs == nil {
		errs = []fieldError{}
	}
	writeJSON(w, status, workplaceError{Status: status, Code: code, Errors: errs, Message: message})
}

// writeInvalid answers 400 with field errors; the message is the first one's.
func writeInvalid(w http.ResponseWriter, code int, errs ...fieldError) {
	writeWorkplaceError(w, http.StatusBadRequest, code, errs[0].Message, errs...)
}

// checkPath validates the path parameters and the company's existence, answering the request
// when they are not valid.
func (f *Fake) checkPath(w http.ResponseWriter, rt route) bool {
	var errs []fieldError
	if utf8.RuneCountInString(rt.companyID) > maxPathParamLen {
		errs = append(errs, fieldError{"companyId", fmt.Sprintf("companyId must be at most %d characters", maxPathParamLen)})
	}
	if utf8.RuneCountInString(rt.deptKey) > maxPathParamLen {
		errs = append(errs, fieldError{"externalKey", fmt.Sprintf("externalKey must be at most %d characters", maxPathParamLen)})
	}
	if errs != nil {
		writeInvalid(w, codeInvalid, errs...)
		return false
	}
	f.mu.Lock()
	_, ok := f.companies[rt.companyID]
	f.mu.Unlock()
	if !ok {
		writeWorkplaceError(w, http.StatusNotFound, codeCompanyNotFound, "company not found")
		return false
	}
	return true
}

// handleListDepartments serves GET .../department?offset=N&limit=M.
func (f *Fake) handleListDepartments(w http.ResponseWriter, r *http.Request, rt route) {
	answer, fails := f.listFailures.Fails(rt.companyID)
	if fails && answer == ListUnavailable {
		writeUnavailable(w)
		return
	}
	if !f.checkPath(w, rt) {
		return
	}
	q := r.URL.Query()
	offset, err := queryInt(q.Get("offset"), 0)
	if err != nil || offset < 0 {
		writeInvalid(w, codeInvalid, fieldError{"offset", "offset must be a non-negative integer"})
		return
	}
	limit, err := queryInt(q.Get("limit"), defaultLimit)
	if err != nil || limit < 1 || limit > maxLimit {
		writeInvalid(w, codeInvalid, fieldError{"limit", fmt.Sprintf("limit must be an integer between 1 and %d", maxLimit)})
		return
	}

	f.mu.Lock()
	c, ok := f.companies[rt.companyID]
	if !ok { // removed since checkPath
		f.mu.Unlock()
		writeWorkplaceError(w, http.StatusNotFound, codeCompanyNotFound, "company not found")
		return
	}
	list := departmentList{Elements: []departmentView{}, TotalCount: len(c.order)}
	if offset < int64(len(c.order)) {
		end := min(int64(len(c.order)), offset+limit)
		for _, key := range c.order[offset:end] {
			list.Elements = append(list.Elements, view(rt.companyID, c.departments[key]))
		}
	}
	f.mu.Unlock()
	list.Elements = fakeserver.Page(list.Elements, fails, answer)
	writeJSON(w, http.StatusOK, list)
}

// queryInt parses an optional integer query parameter.
func queryInt(s string, def int64) (int64, error) {
	if s == "" {
		return def, nil
	}
	return strconv.ParseInt(s, 10, 64)
}

// handleGetDepartment serves GET .../department/{externalKey}.
func (f *Fake) handleGetDepartment(w http.ResponseWriter, _ *http.Request, rt route) {
	if !f.checkPath(w, rt) {
		return
	}
	f.mu.Lock()
	d, ok := f.companyLocked(rt.companyID).departments[rt.deptKey]
	var v departmentView
	if ok {
		v = view(rt.companyID, d)
	}
	f.mu.Unlock()
	if !ok {
		f.writeDepartmentNotFound(w, rt.deptKey)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// The answers below are not documented; see SetUndocumentedErrors.

func (f *Fake) writeDepartmentNotFound(w http.ResponseWriter, key string) {
	if f.answerUndocumented(w) {
		return
	}
	writeWorkplaceError(w, http.StatusNotFound, codeNotFound, "department not found: "+key)
}

func (f *Fake) writeAlreadyExists(w http.ResponseWriter, key string) {
	if f.answerUndocumented(w) {
		return
	}
	writeWorkplaceError(w, http.StatusConflict, codeAlreadyExists, "department already exists: "+key)
}

func (f *Fake) writeParentNotFound(w http.ResponseWriter, parent string) {
	if f.answerUndocumented(w) {
		return
	}
	writeInvalid(w, codeParentNotFound, fieldError{"parentDeptExternalKey", "parent department not found: " + parent})
}

func (f *Fake) writeHasChildren(w http.ResponseWriter, key string) {
	if f.answerUndocumented(w) {
		return
	}
	writeWorkplaceError(w, http.StatusBadRequest, codeHasChildren, "department has sub-departments: "+key)
}

// placement is where a create or an update would put a department, read under the fake's lock.
type placement struct {
	// exists: the department exists; parentExists: its parent does (the top level,
	// TopLevelParent, always does); cycle: the parent is the department or one of its
	// descendants.
	exists, parentExists, cycle bool
}

// place reads d's placement in a company and, when accept allows that placement, stores d, and
// records the write (method) in the company's write log, applied or not; all
// under the lock, so that no other write comes between the check and the write.
func (f *Fake) place(method, companyID string, d Department, accept func(placement) bool) placement {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.companyLocked(companyID)
	before, exists := c.departments[d.ExternalKey]
	_, parentExists := c.departments[d.ParentExternalKey]
	p := placement{exists: exists, parentExists: parentExists || d.ParentExternalKey == TopLevelParent}
	p.cycle = p.exists && p.parentExists && c.wouldCycle(d.ExternalKey, d.ParentExternalKey)
	accepted := accept(p)
	if accepted {
		c.put(&d)
	}
	c.record(method, d.ExternalKey, before, accepted)
	return p
}

// handleCreateDepartment serves POST .../department/{externalKey}.
func (f *Fake) handleCreateDepartment(w http.ResponseWriter, r *http.Request, rt route) {
	body, ok := f.departmentRequest(w, r, rt)
	if !ok {
		return
	}
	d := body.department()
	switch p := f.place(http.MethodPost, rt.companyID, d, func(p placement) bool { return !p.exists && p.parentExists }); {
	case p.exists:
		f.writeAlreadyExists(w, d.ExternalKey)
	case !p.parentExists:
		f.writeParentNotFound(w, d.ParentExternalKey)
	default:
		writeJSON(w, http.StatusCreated, body)
	}
}

// handleUpdateDepartment serves PUT .../department/{externalKey}. A new parentDeptExternalKey
// moves the department, unless that would put it inside its own subtree. What the edit does with
// a field its body leaves out is not documented; the fake reads it pessimistically: the body
// replaces the whole department, so every field it leaves out is cleared, the leader
// (deptLeaderExternalKey, which a GET returns but the documented body lacks) included.
func (f *Fake) handleUpdateDepartment(w http.ResponseWriter, r *http.Request, rt route) {
	body, ok := f.departmentRequest(w, r, rt)
	if !ok {
		return
	}
	d := body.department()
	switch p := f.place(http.MethodPut, rt.companyID, d, func(p placement) bool { return p.exists && p.parentExists && !p.cycle }); {
	case !p.exists:
		f.writeDepartmentNotFound(w, d.ExternalKey)
	case !p.parentExists:
		f.writeParentNotFound(w, d.ParentExternalKey)
	case p.cycle:
		writeInvalid(w, codeCycle, fieldError{"parentDeptExternalKey",
			fmt.Sprintf("department cannot be moved under itself or its sub-department: %s", d.ParentExternalKey)})
	default:
		writeJSON(w, http.StatusOK, body)
	}
}

// handleDeleteDepartment serves DELETE .../department/{externalKey}.
func (f *Fake) handleDeleteDepartment(w http.ResponseWriter, _ *http.Request, rt route) {
	if !f.checkPath(w, rt) {
		return
	}
	f.mu.Lock()
	c := f.companyLocked(rt.companyID)
	before, exists := c.departments[rt.deptKey]
	hasChildren := exists && c.hasChildren(rt.deptKey)
	if exists && !hasChildren {
		c.remove(rt.deptKey)
	}
	c.record(http.MethodDelete, rt.deptKey, before, exists && !hasChildren)
	f.mu.Unlock()

	switch {
	case !exists:
		f.writeDepartmentNotFound(w, rt.deptKey)
	case hasChildren:
		f.writeHasChildren(w, rt.deptKey)
	default:
		w.WriteHeader(http.StatusOK)
	}
}

// departmentRequest checks the path, reads, decodes and validates the body of POST and PUT,
// answering the request itself when any of that fails.
func (f *Fake) departmentRequest(w http.ResponseWriter, r *http.Request, rt route) (departmentBody, bool) {
	if !f.checkPath(w, rt) {
		return departmentBody{}, false
	}
	raw, ok := readBody(w, r)
	if !ok {
		return departmentBody{}, false
	}
	var body departmentBody
	if err := decodeStrict(raw, &body); err != nil {
		writeInvalid(w, codeMalformed, decodeFieldError(err))
		return departmentBody{}, false
	}
	if errs := body.validate(rt.deptKey); errs != nil {
		writeInvalid(w, codeInvalid, errs...)
		return departmentBody{}, false
	}
	return body, true
}

// errEmptyBody is returned by decodeStrict for a body with no JSON value.
var errEmptyBody = errors.New("request body is required")

// decodeStrict decodes a single JSON value, rejecting wrong types and trailing data. Unknown
// fields are ignored, as the real service ignores them.
func decodeStrict(raw []byte, v any) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return errEmptyBody
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

// decodeFieldError describes a decoding error, naming the field when the error is a wrong type.
func decodeFieldError(err error) fieldError {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return fieldError{typeErr.Field, fmt.Sprintf("%s must be of type %s, not %s", typeErr.Field, typeErr.Type, typeErr.Value)}
	}
	if errors.Is(err, errEmptyBody) {
		return fieldError{"body", err.Error()}
	}
	return fieldError{"body", "malformed JSON: " + err.Error()}
}

// emailPattern is a loose check that a value looks like an e-mail address.
var emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s.]+$`)

// validate applies WORKPLACE's field rules; pathKey is the {externalKey} of the path. It returns
// nil when the body is valid.
func (b departmentBody) validate(pathKey string) []fieldError {
	var errs []fieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, fieldError{field, fmt.Sprintf(format, args...)})
	}
	required := func(field string, v *string, maxLen int) {
		switch {
		case v == nil:
			add(field, "%s is null", field)
		case strings.TrimSpace(*v) == "":
			add(field, "%s must not be empty", field)
		case utf8.RuneCountInString(*v) > maxLen:
			add(field, "%s must be at most %d characters", field, maxLen)
		}
	}

	required("name", b.Name, maxFieldLen)
	for _, locale := range slices.Sorted(maps.Keys(b.I18nNames)) {
		if utf8.RuneCountInString(b.I18nNames[locale]) > maxFieldLen {
			add("i18nNames", "i18nNames[%s] must be at most %d characters", locale, maxFieldLen)
		}
	}
	required("deptExternalKey", b.DeptExternalKey, maxFieldLen)
	if k := b.DeptExternalKey; k != nil && strings.TrimSpace(*k) != "" {
		switch {
		case *k == TopLevelParent:
			add("deptExternalKey", "deptExternalKey must not be %s", TopLevelParent)
		case *k != pathKey:
			add("deptExternalKey", "deptExternalKey does not match path")
		}
	}
	required("parentDeptExternalKey", b.ParentDeptExternalKey, maxFieldLen)
	if e := b.DeptEmailAddress; e != nil && *e != "" {
		switch {
		case utf8.RuneCountInString(*e) > maxFieldLen:
			add("deptEmailAddress", "deptEmailAddress must be at most %d characters", maxFieldLen)
		case !emailPattern.MatchString(*e):
			add("deptEmailAddress", "deptEmailAddress is not an e-mail address")
		}
	}
	required("dispOrd", b.DispOrd, maxDispOrdLen)
	if o := b.DispOrd; o != nil && strings.TrimSpace(*o) != "" && utf8.RuneCountInString(*o) <= maxDispOrdLen {
		if _, ok := normaliseDispOrd(*o); !ok {
			add("dispOrd", "dispOrd must be a decimal number")
		}
	}
	return errs
}

// dispOrdPattern is a decimal number: an optional sign, digits, and optional fractional digits.
var dispOrdPattern = regexp.MustCompile(`^([+-]?)([0-9]+)(?:\.([0-9]+))?$`)

// normaliseDispOrd renders a decimal as the service reads it back: no leading zeros, no trailing
// fractional zeros, at least one fractional digit ("2" -> "2.0", "03" -> "3.0", "1.50" -> "1.5").
// It reports false when s is not a decimal.
func normaliseDispOrd(s string) (string, bool) {
	m := dispOrdPattern.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	sign, whole, frac := m[1], strings.TrimLeft(m[2], "0"), strings.TrimRight(m[3], "0")
	if whole == "" {
		whole = "0"
	}
	if frac == "" {
		frac = "0"
	}
	if sign == "+" || (whole == "0" && frac == "0") {
		sign = ""
	}
	return sign + whole + "." + frac, true
}
