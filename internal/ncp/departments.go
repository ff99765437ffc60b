package ncp

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/orgsync/orgsync/internal/decimal"
)

// TopLevelParent is the ParentExternalKey of a top-level department.
const TopLevelParent = "#"

// Department is a WORKPLACE department of a company.
type Department struct {
	// ExternalKey identifies the department; it is the last path segment of
	// its URL (sent as deptExternalKey, read back as externalKey).
	ExternalKey string
	// Name is the department's display name (name).
	Name string
	// I18nNames maps a locale such as ko_KR or en_US to a localised name (i18nNames).
	I18nNames map[string]string
	// ParentExternalKey is the parent's external key, TopLevelParent ("#")
	// for a top-level department (parentDeptExternalKey).
	ParentExternalKey string
	// EmailAddress is the department's e-mail address (deptEmailAddress).
	EmailAddress string
	// ExternalEmailReceive says whether the department receives external
	// e-mail (externalEmailReceiveYn); nil leaves it to the service.
	ExternalEmailReceive *bool
	// DisplayOrder orders departments in the organisation chart (dispOrd), a
	// decimal string; the service normalises it ("2" reads back as "2.0"),
	// compare with EqualDisplayOrder.
	DisplayOrder string

	// TenantID is read-only (tenantId).
	TenantID string
	// CompanyID is read-only (companyId).
	CompanyID string
	// LeaderExternalKey is the leader's external key, nil when none (deptLeaderExternalKey). GET
	// and the list return it; the documented edit body has no such field, but an edit may replace
	// the whole department, so a PUT sends it back as read (nil is not sent).
	LeaderExternalKey *string
	// DeptNo is read-only, the service's own number for the department (deptNo), when returned.
	DeptNo string
	// ParentDeptNo is read-only, the parent's deptNo ("#" for a root), when returned.
	ParentDeptNo string
}

// departmentRequest is the body of POST and PUT. A PUT may replace the
// department, so the caller sends every field it means to keep: an empty
// e-mail or name map clears it. A nil name map, external-mail flag or leader
// is not sent (nothing was read to send back).
type departmentRequest struct {
	Name                   string            `json:"name"`
	I18nNames              map[string]string `json:"i18nNames,omitzero"`
	DeptExternalKey        string            `json:"deptExternalKey"`
	ParentDeptExternalKey  string            `json:"parentDeptExternalKey"`
	DeptLeaderExternalKey  *string           `json:"deptLeaderExternalKey,omitempty"`
	DeptEmailAddress       string            `json:"deptEmailAddress"`
	ExternalEmailReceiveYn *bool             `json:"externalEmailReceiveYn,omitempty"`
	DispOrd                string            `json:"dispOrd"`
}

// departmentResponse is a department as GET, list and the POST/PUT echo return it.
type departmentResponse struct {
	TenantID               flexString    `json:"tenantId"`
	CompanyID              flexString    `json:"companyId"`
	ExternalKey            flexString    `json:"externalKey"`
	DeptExternalKey        flexString    `json:"deptExternalKey"`
	Name                   flexString    `json:"name"`
	I18nNames              flexStringMap `json:"i18nNames"`
	ParentDeptExternalKey  flexString    `json:"parentDeptExternalKey"`
	DeptLeaderExternalKey  *flexString   `json:"deptLeaderExternalKey"`
	DeptEmailAddress       flexString    `json:"deptEmailAddress"`
	ExternalEmailReceiveYn flexBool      `json:"externalEmailReceiveYn"`
	DispOrd                flexString    `json:"dispOrd"`
	DeptNo                 flexString    `json:"deptNo"`
	ParentDeptNo           flexString    `json:"parentDeptNo"`
}

type departmentPage struct {
	Elements   []departmentResponse `json:"elements"`
	TotalCount flexOptInt64         `json:"totalCount"`
}

func newDepartmentRequest(d Department) departmentRequest {
	return departmentRequest{
		Name:                   d.Name,
		I18nNames:              d.I18nNames,
		DeptExternalKey:        d.ExternalKey,
		ParentDeptExternalKey:  d.ParentExternalKey,
		DeptLeaderExternalKey:  d.LeaderExternalKey,
		DeptEmailAddress:       d.EmailAddress,
		ExternalEmailReceiveYn: d.ExternalEmailReceive,
		DispOrd:                d.DisplayOrder,
	}
}

func (r *departmentResponse) department() Department {
	d := Department{
		ExternalKey:          cmp.Or(string(r.ExternalKey), string(r.DeptExternalKey)),
		Name:                 string(r.Name),
		I18nNames:            r.I18nNames,
		ParentExternalKey:    string(r.ParentDeptExternalKey),
		EmailAddress:         string(r.DeptEmailAddress),
		ExternalEmailReceive: r.ExternalEmailReceiveYn.ptr(),
		DisplayOrder:         string(r.DispOrd),
		TenantID:             string(r.TenantID),
		CompanyID:            string(r.CompanyID),
		DeptNo:               string(r.DeptNo),
		ParentDeptNo:         string(r.ParentDeptNo),
	}
	if r.DeptLeaderExternalKey != nil {
		leader := string(*r.DeptLeaderExternalKey)
		d.LeaderExternalKey = &leader
	}
	return d
}

// GetDepartment returns the department with the given external key. A 404
// answer matches ErrNotFound; since WORKPLACE's answer for a missing
// department is not documented, any other error (a 400 with an unknown code)
// says nothing about whether the department exists.
func (c *Client) GetDepartment(ctx context.Context, companyID, externalKey string) (*Department, error) {
	path, err := departmentPath(companyID, externalKey)
	if err != nil {
		return nil, err
	}
	var resp departmentResponse
	if err := c.do(ctx, call{method: http.MethodGet, base: c.workplaceBase, path: path}, &resp); err != nil {
		return nil, err
	}
	d := resp.department()
	if d.ExternalKey == "" {
		d.ExternalKey = externalKey
	}
	return &d, nil
}

// CreateDepartment adds d under d.ExternalKey and returns what the service
// echoed. A 409 answer (an existing key) matches ErrAlreadyExists and a 400
// (a missing parent, a field WORKPLACE rejects, or an answer the client does
// not know) ErrInvalidRequest; the APIError's Code tells them apart where the
// service's codes are known. A POST is never retried after it may have
// reached the service: on a retryable error, observe before retrying.
func (c *Client) CreateDepartment(ctx context.Context, companyID string, d Department) (*Department, error) {
	return c.writeDepartment(ctx, http.MethodPost, companyID, d)
}

// UpdateDepartment replaces the department d.ExternalKey with d (moving it
// when ParentExternalKey changed) and returns what the service echoed.
func (c *Client) UpdateDepartment(ctx context.Context, companyID string, d Department) (*Department, error) {
	return c.writeDepartment(ctx, http.MethodPut, companyID, d)
}

func (c *Client) writeDepartment(ctx context.Context, method, companyID string, d Department) (*Department, error) {
	path, err := departmentPath(companyID, d.ExternalKey)
	if err != nil {
		return nil, err
	}
	var resp departmentResponse
	cl := call{method: method, base: c.workplaceBase, path: path, body: newDepartmentRequest(d)}
	if err := c.do(ctx, cl, &resp); err != nil {
		return nil, err
	}
	echoed := resp.department()
	if echoed.ExternalKey == "" && echoed.Name == "" {
		// No (or an unrecognised) body: the service accepted what was sent.
		echoed = d
		echoed.I18nNames = maps.Clone(d.I18nNames)
	}
	if echoed.ExternalKey == "" {
		echoed.ExternalKey = d.ExternalKey
	}
	return &echoed, nil
}

// DeleteDepartment removes a department. A 404 answer (no such department)
// matches ErrNotFound, a 400 (for example while it has sub-departments, or an
// answer the client does not know) ErrInvalidRequest. A DELETE is retried
// after a lost response, so ErrNotFound can also mean that an earlier attempt
// deleted it: treat it as deleted. No other error means it is gone.
func (c *Client) DeleteDepartment(ctx context.Context, companyID, externalKey string) error {
	path, err := departmentPath(companyID, externalKey)
	if err != nil {
		return err
	}
	return c.do(ctx, call{method: http.MethodDelete, base: c.workplaceBase, path: path}, nil)
}

// ListDepartments returns every department of the company, in the service's
// order, fetching pages of ListPageSize by offset until totalCount departments
// were read. It returns the whole company or an error, never part of it: a
// partial listing cannot tell a department that is absent from one that was
// not read.
//
// A listing is complete only when its pages add up: as many distinct
// departments (by external key) as the totalCount it reported, no page empty or
// short of the page size before that count is reached, and the same totalCount
// on every page. Pages are read at different moments, so a department that a
// concurrent change shifts onto a later page is read twice (it is returned
// once, in its first place, with what the later page said) and one shifted the
// other way is missed; a totalCount that changes while paging shows that the
// chart changed under the listing. A listing that does not add up is read
// again after a backoff, up to listAttempts times, and then reported as a
// *ListingError (ErrIncompleteListing, retryable). A change that leaves every
// count as it was cannot be told: callers must not conclude that a department
// is gone from a listing that overlapped their own writes.
//
// WORKPLACE documents totalCount in every answer. An answer without one is a
// listing that does not add up: nothing shows that every department was read (a
// page short of the page size may be the service's own cap on it).
func (c *Client) ListDepartments(ctx context.Context, companyID string) ([]Department, error) {
	path, err := companyPath(companyID)
	if err != nil {
		return nil, err
	}
	path += "/department"
	for attempt := 1; ; attempt++ {
		all, err := c.listDepartmentsOnce(ctx, path)
		var incomplete *ListingError
		if !errors.As(err, &incomplete) {
			return all, err
		}
		incomplete.Attempts = attempt
		if attempt == listAttempts {
			return nil, err
		}
		if waitErr := c.retry.Backoff(ctx, "ncp: listing departments", attempt); waitErr != nil {
			return nil, fmt.Errorf("%w (not listed again: %v)", err, waitErr)
		}
	}
}

// listAttempts is how many times ListDepartments reads a listing whose pages do
// not add up before it reports it.
const listAttempts = 3

// ErrIncompleteListing matches a *ListingError.
var ErrIncompleteListing = errors.New("ncp: department listing incomplete")

// ListingError says how a listing's pages did not add up, in its last reading.
// It is retryable: the listing may add up when read again.
type ListingError struct {
	// Distinct is how many distinct departments (by external key) were read.
	Distinct int
	// Total is the totalCount the listing reported (on its first page); -1 when it reported none.
	Total int64
	// Pages is how many pages were read.
	Pages int
	// Reason says what did not add up.
	Reason string
	// Attempts is how many times the listing was read.
	Attempts int
	// Read holds the distinct departments the last reading did read: they exist (or did while it
	// ran), but a department missing from them may exist too.
	Read []Department
}

func (e *ListingError) Error() string {
	of := fmt.Sprintf(" of totalCount %d", e.Total)
	if e.Total < 0 {
		of = ""
	}
	msg := fmt.Sprintf("ncp: department listing incomplete: %d distinct departments%s after %d pages: %s",
		e.Distinct, of, e.Pages, e.Reason)
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" (listed %d times)", e.Attempts)
	}
	return msg
}

// Is makes a ListingError match ErrIncompleteListing.
func (e *ListingError) Is(target error) bool { return target == ErrIncompleteListing }

// listDepartmentsOnce reads every page once and checks that they add up.
func (c *Client) listDepartmentsOnce(ctx context.Context, path string) ([]Department, error) {
	var (
		all   []Department
		seen  = make(map[string]int) // position in all, by external key
		total *int64                 // totalCount as the first page reported it
	)
	incomplete := func(pages int, reason string, args ...any) error {
		e := &ListingError{Distinct: len(all), Total: -1, Pages: pages, Reason: fmt.Sprintf(reason, args...), Read: all}
		if total != nil {
			e.Total = *total
		}
		return e
	}
	for pageNo, offset := 0, 0; ; pageNo++ {
		var page departmentPage
		query := "offset=" + strconv.Itoa(offset) + "&limit=" + strconv.Itoa(c.listPageSize)
		if err := c.do(ctx, call{method: http.MethodGet, base: c.workplaceBase, path: path, query: query}, &page); err != nil {
			return nil, err
		}
		switch {
		case len(page.Elements) > c.listPageSize:
			// More than asked for: nothing but the page's size bounds what one answer may hold.
			return nil, incomplete(pageNo+1, "the page at offset %d held %d rows, more than the %d asked for", offset, len(page.Elements), c.listPageSize)
		case page.TotalCount.set && page.TotalCount.value > int64(c.maxListed):
			return nil, incomplete(pageNo+1, "totalCount %d is more than the %d departments a listing takes (--max-remote-departments)",
				page.TotalCount.value, c.maxListed)
		}
		if page.TotalCount.set {
			if total == nil {
				total = &page.TotalCount.value
			} else if *total != page.TotalCount.value {
				return nil, incomplete(pageNo+1, "totalCount changed to %d on the page at offset %d: the chart changed while it was listed",
					page.TotalCount.value, offset)
			}
		}
		if all == nil {
			all = make([]Department, 0, max(len(page.Elements), int(min(page.TotalCount.value, 10_000))))
		}
		for i := range page.Elements {
			d := page.Elements[i].department()
			if at, ok := seen[d.ExternalKey]; ok && d.ExternalKey != "" {
				all[at] = d
				continue
			}
			seen[d.ExternalKey] = len(all)
			all = append(all, d)
		}
		offset += len(page.Elements)
		switch {
		case total == nil:
			return nil, incomplete(pageNo+1, "the answer at offset %d has no totalCount", offset-len(page.Elements))
		case int64(offset) >= *total:
			switch {
			case int64(len(all)) < *total:
				// Rows that repeat a department read on an earlier page stand for departments
				// shifted past the pages read: the chart changed while it was listed.
				return nil, incomplete(pageNo+1, "%d of the %d rows repeated a department already read", offset-len(all), offset)
			case int64(len(all)) > *total:
				return nil, incomplete(pageNo+1, "more departments than totalCount")
			}
			return all, nil
		case len(page.Elements) == 0:
			return nil, incomplete(pageNo+1, "the page at offset %d came back empty", offset)
		case len(page.Elements) < c.listPageSize:
			return nil, incomplete(pageNo+1, "the page at offset %d came back short (%d of %d)",
				offset-len(page.Elements), len(page.Elements), c.listPageSize)
		}
	}
}

func companyPath(companyID string) (string, error) {
	if err := checkPathSegment("company ID", companyID); err != nil {
		return "", err
	}
	return "/organization/apigw/v2/company/" + url.PathEscape(companyID), nil
}

func departmentPath(companyID, externalKey string) (string, error) {
	path, err := companyPath(companyID)
	if err != nil {
		return "", err
	}
	if err := checkPathSegment("department external key", externalKey); err != nil {
		return "", err
	}
	return path + "/department/" + url.PathEscape(externalKey), nil
}

// checkPathSegment rejects values that cannot address a single resource:
// empty ones would address the collection, and "." or ".." are resolved
// away by proxies even when escaped.
func checkPathSegment(what, value string) error {
	if value == "" || value == "." || value == ".." {
		return fmt.Errorf("ncp: %s %q cannot be used in a URL path: %w", what, value, ErrInvalidRequest)
	}
	return nil
}

// EqualDisplayOrder reports whether two display orders are the same decimal
// number ("2", "2.0" and "02" are equal). Values that are not decimals are
// compared as trimmed strings.
func EqualDisplayOrder(a, b string) bool {
	na, okA := normalizeDecimal(a)
	nb, okB := normalizeDecimal(b)
	if okA && okB {
		return na == nb
	}
	return strings.TrimSpace(a) == strings.TrimSpace(b)
}

// normalizeDecimal returns the canonical form of a plain decimal number
// (optional sign, digits, optional fraction): no leading zeros in the integer
// part, no trailing zeros in the fraction, no sign on zero.
func normalizeDecimal(s string) (string, bool) {
	if normalized, ok := decimal.Parse(s).Shortest(); ok {
		return normalized, true
	}
	return "", false
}
