// Package provider is the seam between orgsync's controllers and the remote systems that hold
// organization charts. The controllers speak only the types and interfaces declared here; each
// cloud (NCP today) implements them in its own package, and no HTTP detail crosses the seam.
//
// The contract follows Crossplane's managed reconciler, read for a tree: the controller observes a
// whole chart with one paged listing and decides from it; providers write and classify their
// errors, and only answers the documents define get a class of their own. Anything else is an
// error the controller answers by looking again, never a conclusion ("absent", "gone",
// "duplicate"). The controller, not the provider, decides when to requeue.
package provider

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// Department is the provider-neutral desired or observed state of one remote department.
//
// A desired state holds, for every field its Department leaves unset, the value the latest
// listing shows (decision.DesiredDepartment), so that a provider whose update replaces
// the whole department sends those back as they are; Category is the exception (see there).
type Department struct {
	// Key is the department's external key, its identity in the remote system.
	Key string
	// ParentKey is the parent's external key; empty for a top-level department.
	ParentKey string
	// Name is the display name.
	Name string
	// I18nNames maps a locale such as ko_KR to a localized name; nil when none is known (a
	// listing that showed none), empty when there are none.
	I18nNames map[string]string
	// EmailAddress is the department's e-mail address.
	EmailAddress string
	// ExternalEmailReceive says whether the department accepts e-mail from outside; nil when the
	// remote system did not say (and, in a desired state, leaves it to the remote system).
	ExternalEmailReceive *bool
	// DisplayOrder is the position among siblings, a decimal number as a string
	// (CompareDisplayOrder).
	DisplayOrder string
	// Category is the kind of unit, for providers that have one (OneAccess). Empty in a desired
	// state, it is not managed: a create uses the provider's default (Conventions.WithDefaults),
	// an update leaves it as it is, and it is no difference.
	Category string
	// LeaderKey is the external key of the department's leader (WORKPLACE deptLeaderExternalKey),
	// empty when it has none. orgsync never sets it: a desired state carries the observed one, so
	// that an update that replaces the whole department keeps it.
	LeaderKey string
	// RemoteID is the provider's own identifier of the department (OneAccess org_id), when it
	// has one besides the key; in a desired state, the one the latest listing shows.
	RemoteID string
	// ParentRemoteID is the parent's RemoteID, when the provider has them; in a desired state,
	// the one the latest listing shows.
	ParentRemoteID string
}

// Departments manages the departments of one remote chart (an NCP WORKPLACE company, a OneAccess
// tenant). The controllers decide from a listing of the whole chart (List), so a department is
// never read one at a time: Create, Update and Delete are given what the listing knows (the
// department's and its parent's RemoteID).
type Departments interface {
	// Conventions compare as the remote system does (Diff, Unsupported).
	Conventions
	// List reads every department of the chart with the paged list calls the documents define.
	// It returns the whole chart or an error, never part of it.
	List(ctx context.Context) ([]Department, error)
	// Create creates the department and returns it as created (with its RemoteID). A key that
	// already exists is an ErrAlreadyExists error: the controller adopts the department from a
	// fresh listing, so that fields its Department leaves unset are kept as listed.
	Create(ctx context.Context, desired Department) (Department, error)
	// Update brings the existing department desired.Key (desired.RemoteID) to the desired state,
	// including a move to another parent that Unsupported allows, and returns it as written.
	Update(ctx context.Context, desired Department) (Department, error)
	// Delete deletes the department target.Key (target.RemoteID). Every failure is an error, "not
	// found" included: a 404 can also mean a wrong company or endpoint, so the controller decides
	// "gone" from a fresh listing, not from the answer.
	Delete(ctx context.Context, target Department) error
}

// OrganizationObservation is the remote organization the credentials belong to.
type OrganizationObservation struct {
	// Exists is false when the account belongs to no organization. Observe says so only on an
	// answer that can mean nothing else, because the controller then creates one: any other
	// answer is an error.
	Exists bool
	// Evidence names the answer that showed no organization when Exists is false, for the Event
	// and log line of a creation, such as "GET /open-api/v1/org answered HTTP 404
	// ORGANIZATION_NOT_FOUND": the call, status and code only (never a message or a body, which
	// could echo what was sent), at most MaxEvidenceLength bytes.
	Evidence string
	// ID is the organization's identifier (NCP: organizationNo).
	ID string
	// Name is the organization's name.
	Name string
	// MasterMemberName is the name of the organization's master (management) account.
	MasterMemberName string
	// MemberStatusCode is the calling account's member status.
	MemberStatusCode string
}

// MaxEvidenceLength bounds OrganizationObservation.Evidence.
const MaxEvidenceLength = 200

// Evidence bounds an answer's description for OrganizationObservation.Evidence.
func Evidence(answer string) string {
	if len(answer) <= MaxEvidenceLength {
		return answer
	}
	cut := MaxEvidenceLength - len("…")
	for cut > 0 && !utf8.RuneStart(answer[cut]) {
		cut--
	}
	return answer[:cut] + "…"
}

// NoOrganization reads the error of a client's look at the organization: an error that is
// noOrganization (the client's sentinel for the one answer its vendor gives for an account in no
// organization) and names the answer it read (an Answer method) is an observation of none, with
// that answer as its Evidence; any other error is classify's, for the controller to look again.
func NoOrganization(err, noOrganization error, classify func(error) error) (OrganizationObservation, error) {
	var answered interface{ Answer() string }
	if errors.Is(err, noOrganization) && errors.As(err, &answered) {
		return OrganizationObservation{Evidence: Evidence(answered.Answer())}, nil
	}
	return OrganizationObservation{}, classify(err)
}

// Organizations manages the remote organization the credentials belong to.
type Organizations interface {
	// Observe reads the caller's organization. It never writes. It reports Exists false (with the
	// Evidence) only on the answer the provider's documents define for an account in no
	// organization; any other answer is an error.
	Observe(ctx context.Context) (OrganizationObservation, error)
	// Create creates an organization with the caller as its master account.
	Create(ctx context.Context, description string) (OrganizationObservation, error)
	// Delete deletes the organization; one that does not exist counts as deleted.
	Delete(ctx context.Context, id string) error
}

// Connection is a connected provider for one Organization object.
type Connection struct {
	Departments   Departments
	Organizations Organizations
}

// Error classes every provider maps its failures to, tested with errors.Is. The error's message is
// safe to show to users: providers never put credentials in it.
var (
	// ErrCredentials: the credentials are missing, incomplete or rejected by the remote system.
	ErrCredentials = errors.New("credentials invalid")
	// ErrInvalid: the remote system rejected the values; retrying the same request cannot succeed.
	ErrInvalid = errors.New("rejected by the remote system")
	// ErrParentNotFound: the parent department does not exist remotely.
	ErrParentNotFound = errors.New("parent department not found")
	// ErrHasChildren: the department still has sub-departments remotely.
	ErrHasChildren = errors.New("department has sub-departments")
	// ErrAlreadyExists: a department with the key already exists remotely.
	ErrAlreadyExists = errors.New("department already exists")
	// ErrUnsupported: the remote system offers no way to make this change; the message says what
	// to do instead. Nothing was sent.
	ErrUnsupported = errors.New("the remote system offers no way to make this change")
	// ErrThrottled: the remote system asked to slow down, even after the client's own retries.
	ErrThrottled = errors.New("throttled by the remote system")
	// ErrTransient: any other failure that may pass by itself (5xx, network).
	ErrTransient = errors.New("remote system unavailable")
	// ErrIncompleteListing: List read pages that did not add up to the total the remote system
	// reported, however often it read them (a page empty or short before the total, a total that
	// changed while paging). Nothing may be concluded from such a listing; it passes when the
	// chart stops changing, or never when the remote system pages in a way the provider cannot
	// read (the error says which).
	ErrIncompleteListing = errors.New("the remote chart could not be read completely")
)

// PartialListingError is an ErrIncompleteListing error that carries the departments the listing
// did read. They exist (or did while it ran); nothing may be concluded from a department missing
// from them, nor from what they say of one that the chart knew already.
type PartialListingError struct {
	Departments []Department
	Err         error
}

func (e *PartialListingError) Error() string { return e.Err.Error() }
func (e *PartialListingError) Unwrap() error { return e.Err }

// ErrNotYetVisible is the error of a Create whose organization the read-back does not show yet
// (the remote system may answer reads from a replica that lags): the organization was created,
// so the caller looks again rather than create another.
var ErrNotYetVisible = fmt.Errorf("%w: the organization was created but is not visible yet", ErrTransient)

// ReadBack is a Create's result from the look (Observe's obs and err) it takes after creating, or
// after an "already exists": an organization the look does not show is ErrNotYetVisible.
func ReadBack(obs OrganizationObservation, err error) (OrganizationObservation, error) {
	if err == nil && !obs.Exists {
		return OrganizationObservation{}, ErrNotYetVisible
	}
	return obs, err
}

// Connector connects to the remote system of one Organization object with the credentials read
// from its Secret (the Secret's data, key by key). Implementations keep per-Organization state
// such as the rate limiter shared by all of its calls; Forget drops it.
type Connector interface {
	Connect(ctx context.Context, org *v1alpha1.Organization, credentials map[string][]byte) (*Connection, error)
	Forget(org *v1alpha1.Organization)
}

// Mux is a Connector that dispatches to the Connector registered for an Organization's
// spec.provider (ncp when empty).
type Mux map[v1alpha1.Provider]Connector

// Connect connects with the Connector of org's provider.
func (m Mux) Connect(ctx context.Context, org *v1alpha1.Organization, credentials map[string][]byte) (*Connection, error) {
	c, ok := m[Of(org)]
	if !ok {
		return nil, fmt.Errorf("%w: provider %q is not supported by this manager", ErrInvalid, Of(org))
	}
	conn, err := c.Connect(ctx, org, credentials)
	if err != nil {
		return nil, err
	}
	return Instrument(string(Of(org)), conn), nil
}

// Forget forgets org in the Connector of its provider.
func (m Mux) Forget(org *v1alpha1.Organization) {
	if c, ok := m[Of(org)]; ok {
		c.Forget(org)
	}
}

// Of is the provider an Organization names: spec.provider, NCP when it is empty.
func Of(org *v1alpha1.Organization) v1alpha1.Provider {
	if org.Spec.Provider == "" {
		return v1alpha1.ProviderNCP
	}
	return org.Spec.Provider
}
