// Package provider is the seam between orgsync's controllers and the remote systems that hold
// organization charts. The controllers speak only the types and interfaces declared here; each
// cloud (NCP today) implements them in its own package, and no HTTP detail crosses the seam.
//
// The contract follows Crossplane's managed reconciler: Observe never writes; Create and Delete
// are idempotent ("already exists" on create and "not found" on delete are success), so a crash
// between a remote write and a status write repeats nothing harmful; the controller, not the
// provider, decides when to requeue.
package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// Department is the provider-neutral desired or observed state of one remote department.
type Department struct {
	// Key is the department's external key, its identity in the remote system.
	Key string
	// ParentKey is the parent's external key; empty for a top-level department.
	ParentKey string
	// Name is the display name.
	Name string
	// I18nNames maps a locale such as ko_KR to a localized name.
	I18nNames map[string]string
	// EmailAddress is the department's e-mail address.
	EmailAddress string
	// ExternalEmailReceive says whether the department accepts e-mail from outside.
	ExternalEmailReceive bool
	// DisplayOrder is the position among siblings, a decimal number as a string.
	DisplayOrder string
	// Category is the kind of unit, for providers that have one (OneAccess: "department").
	Category string
	// RemoteID is the provider's own identifier of the department (OneAccess org_id), when it
	// has one besides the key. In a desired state it is a hint from an earlier observation that
	// spares a lookup; providers must verify it still names Key.
	RemoteID string
	// ParentRemoteID is, in a desired state, a hint for the parent's RemoteID.
	ParentRemoteID string
}

// DepartmentObservation is what Observe found.
type DepartmentObservation struct {
	// Exists is true when the remote system holds a department with the key.
	Exists bool
	// UpToDate is true when the remote department matches the desired state semantically.
	UpToDate bool
	// Diff names the fields that differ, for messages and events.
	Diff []string
	// Remote is the department as the remote system holds it (zero when it does not exist).
	Remote Department
}

// Departments manages the departments of one company (NCP WORKPLACE company).
type Departments interface {
	// Observe reads the department desired.Key and compares it with desired. It never writes.
	Observe(ctx context.Context, desired Department) (DepartmentObservation, error)
	// Exists reports whether a department with the key exists remotely.
	Exists(ctx context.Context, key string) (bool, error)
	// Create creates the department and returns it as created (with its RemoteID). When one
	// with the key already exists it is adopted and brought to the desired state instead.
	Create(ctx context.Context, desired Department) (Department, error)
	// Update brings an existing department to the desired state, including a move to another parent.
	Update(ctx context.Context, desired Department) error
	// Delete deletes the department target.Key (target.RemoteID is a hint, as for Create); a
	// department that does not exist counts as deleted.
	Delete(ctx context.Context, target Department) error
}

// OrganizationObservation is the remote organization the credentials belong to.
type OrganizationObservation struct {
	// Exists is false when the account belongs to no organization.
	Exists bool
	// ID is the organization's identifier (NCP: organizationNo).
	ID string
	// Name is the organization's name.
	Name string
	// MasterMemberName is the name of the organization's master (management) account.
	MasterMemberName string
	// MemberStatusCode is the calling account's member status.
	MemberStatusCode string
}

// Organizations manages the remote organization the credentials belong to.
type Organizations interface {
	// Observe reads the caller's organization. It never writes.
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
	// ErrThrottled: the remote system asked to slow down, even after the client's own retries.
	ErrThrottled = errors.New("throttled by the remote system")
	// ErrTransient: any other failure that may pass by itself (5xx, network).
	ErrTransient = errors.New("remote system unavailable")
)

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
	c, ok := m[providerOf(org)]
	if !ok {
		return nil, fmt.Errorf("%w: provider %q is not supported by this manager", ErrInvalid, providerOf(org))
	}
	conn, err := c.Connect(ctx, org, credentials)
	if err != nil {
		return nil, err
	}
	return Instrument(string(providerOf(org)), conn), nil
}

// Forget forgets org in the Connector of its provider.
func (m Mux) Forget(org *v1alpha1.Organization) {
	if c, ok := m[providerOf(org)]; ok {
		c.Forget(org)
	}
}

func providerOf(org *v1alpha1.Organization) v1alpha1.Provider {
	if org.Spec.Provider == "" {
		return v1alpha1.ProviderNCP
	}
	return org.Spec.Provider
}
