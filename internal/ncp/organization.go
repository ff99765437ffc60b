package ncp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/orgsync/orgsync/internal/scrub"
)

const organizationPath = "/open-api/v1/org"

// Organization is the NCP multi-account organization the caller's account
// belongs to. Fields the service did not return are zero.
type Organization struct {
	// OrganizationNo is the organization's number; it addresses DeleteOrganization.
	OrganizationNo int64
	// OrganizationName is the organization's name.
	OrganizationName string
	// OrganizationDesc is the description given at creation.
	OrganizationDesc string
	// MasterMemberNo is the member number of the master account.
	MasterMemberNo int64
	// MasterMemberName is the master account's user name.
	MasterMemberName string
	// MasterMemberEmailAddress is the master account's (masked) e-mail address.
	MasterMemberEmailAddress string
	// MasterMemberYn is "Y" when the caller is the master account, else "N".
	MasterMemberYn string
	// MemberNo is the caller's member number.
	MemberNo int64
	// JoinYmdt is when the caller joined, in epoch milliseconds; nil when unknown.
	JoinYmdt *int64
	// RegYmdt is when the organization was created, in epoch milliseconds; nil when unknown.
	RegYmdt *int64
	// MemberStatusCode is the caller's membership status, such as "JOIN".
	MemberStatusCode string
}

// IsMaster reports whether the caller is the organization's master account.
func (o *Organization) IsMaster() bool { return strings.EqualFold(o.MasterMemberYn, "Y") }

type organizationResponse struct {
	OrganizationNo           flexInt64    `json:"organizationNo"`
	OrganizationName         flexString   `json:"organizationName"`
	OrganizationDesc         flexString   `json:"organizationDesc"`
	MasterMemberNo           flexInt64    `json:"masterMemberNo"`
	MasterMemberName         flexString   `json:"masterMemberName"`
	MasterMemberEmailAddress flexString   `json:"masterMemberEmailAddress"`
	MasterMemberYn           flexString   `json:"masterMemberYn"`
	MemberNo                 flexInt64    `json:"memberNo"`
	JoinYmdt                 flexOptInt64 `json:"joinYmdt"`
	RegYmdt                  flexOptInt64 `json:"regYmdt"`
	MemberStatusCode         flexString   `json:"memberStatusCode"`
}

func (r *organizationResponse) organization() Organization {
	return Organization{
		OrganizationNo:           int64(r.OrganizationNo),
		OrganizationName:         string(r.OrganizationName),
		OrganizationDesc:         string(r.OrganizationDesc),
		MasterMemberNo:           int64(r.MasterMemberNo),
		MasterMemberName:         string(r.MasterMemberName),
		MasterMemberEmailAddress: string(r.MasterMemberEmailAddress),
		MasterMemberYn:           string(r.MasterMemberYn),
		MemberNo:                 int64(r.MemberNo),
		JoinYmdt:                 r.JoinYmdt.ptr(),
		RegYmdt:                  r.RegYmdt.ptr(),
		MemberStatusCode:         string(r.MemberStatusCode),
	}
}

// GetOrganization returns the organization the caller's account belongs to.
// The answer for an account in no organization is not documented: only a 404
// from the Organization API itself matches ErrNoOrganization (see there). The
// gateway's 404 errorCode 300 matches ErrNoRoute; a 200 answer without an
// organization number, or one that cannot be decoded, is an error that says
// nothing about membership, like any other failure.
func (c *Client) GetOrganization(ctx context.Context) (*Organization, error) {
	var resp organizationResponse
	if err := c.do(ctx, call{method: http.MethodGet, base: c.organizationBase, path: organizationPath}, &resp); err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound && apiErr.namesNoOrganization() {
			return nil, fmt.Errorf("%w: %w", ErrNoOrganization, err)
		}
		return nil, err
	}
	org := resp.organization()
	if org.OrganizationNo <= 0 {
		return nil, fmt.Errorf("ncp: GET %s: %w", organizationPath, errNoOrganizationInAnswer)
	}
	return &org, nil
}

// CreateOrganization creates an organization whose master is the caller's
// account. It fails with ErrAlreadyExists when the account already belongs
// to one. Like every POST it is not retried after it may have reached the
// service: on a retryable error, observe with GetOrganization first.
func (c *Client) CreateOrganization(ctx context.Context, description string) (*Organization, error) {
	var resp organizationResponse
	body := struct {
		OrganizationDesc string `json:"organizationDesc"`
	}{description}
	if err := c.do(ctx, call{method: http.MethodPost, base: c.organizationBase, path: organizationPath, body: body}, &resp); err != nil {
		return nil, err
	}
	org := resp.organization()
	return &org, nil
}

// DeleteOrganization deletes the organization; only its master account may.
// It fails with ErrForbidden when the caller is not the master. What it answers
// for an unknown number is not documented (the fake answers 404).
func (c *Client) DeleteOrganization(ctx context.Context, organizationNo int64) error {
	if organizationNo <= 0 {
		return fmt.Errorf("ncp: organization number %d: %w", organizationNo, ErrInvalidRequest)
	}
	path := organizationPath + "/" + strconv.FormatInt(organizationNo, 10)
	var resp struct {
		Result flexString `json:"result"`
	}
	if err := c.do(ctx, call{method: http.MethodDelete, base: c.organizationBase, path: path}, &resp); err != nil {
		return err
	}
	if resp.Result != "" && !strings.EqualFold(string(resp.Result), "SUCCESS") {
		return fmt.Errorf("ncp: DELETE %s: result %q", path, scrub.Clean(string(resp.Result), 64))
	}
	return nil
}
