package controller

import (
	"context"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/internal/inventory"
	"github.com/orgsync/orgsync/internal/provider"
)

// Options configure both controllers.
type Options struct {
	// Connector connects Organizations to their remote systems.
	Connector provider.Connector
	// SyncPeriod is how often every object is observed again; default 10 minutes.
	SyncPeriod time.Duration
	// MaxConcurrentReconciles bounds parallel reconciles of each kind; default 4.
	MaxConcurrentReconciles int
	// MaxConcurrentReconcilesPerNamespace bounds those of one namespace, of each kind; default
	// all of MaxConcurrentReconciles but one, at least one.
	MaxConcurrentReconcilesPerNamespace int
	// DeletionGrace is how long a Department deleted on its own waits before it deletes its
	// remote department, under an Organization whose deletionPolicy is Orphan; default
	// DefaultDeletionGrace.
	DeletionGrace time.Duration
	// WatchCredentialSecrets wakes an Organization when its credentials Secret changes, for
	// Secrets labelled v1alpha1.CredentialsLabel (the manager's cache must be limited to those);
	// without it, the Secret is read again at each Organization reconcile only.
	WatchCredentialSecrets bool
	// WaitingStatusDelay and WaitingStatusMaxDelay hold back a new Department's first waiting
	// state while its chart is still arriving (waiting.go); defaults DefaultWaitingStatusDelay and
	// DefaultWaitingStatusMaxDelay.
	WaitingStatusDelay, WaitingStatusMaxDelay time.Duration
}

// Setup registers the indexes and the Organization and Department controllers with mgr.
func Setup(ctx context.Context, mgr ctrl.Manager, opts Options) error {
	if opts.SyncPeriod <= 0 {
		opts.SyncPeriod = 10 * time.Minute
	}
	if opts.MaxConcurrentReconciles <= 0 {
		opts.MaxConcurrentReconciles = 4
	}
	departments, err := setupIndexes(ctx, mgr)
	if err != nil {
		return err
	}
	connections := &Connections{APIReader: mgr.GetAPIReader(), Connector: opts.Connector}
	inventories := inventory.NewInventories()
	budgets := NewBudgets()
	if err := mgr.Add(newStateMetrics(mgr.GetCache(), inventories, budgets, opts.SyncPeriod)); err != nil {
		return err
	}
	shared := Shared{
		Client:                  mgr.GetClient(),
		Connections:             connections,
		Inventories:             inventories,
		Departments:             departments,
		Budgets:                 budgets,
		SyncPeriod:              opts.SyncPeriod,
		MaxConcurrentReconciles: opts.MaxConcurrentReconciles,
		NamespaceShare:          opts.MaxConcurrentReconcilesPerNamespace,
	}
	if err := (&OrganizationReconciler{
		Shared:                 shared,
		Recorder:               mgr.GetEventRecorder("orgsync-organization"),
		WatchCredentialSecrets: opts.WatchCredentialSecrets,
	}).SetupWithManager(mgr); err != nil {
		return err
	}
	return (&DepartmentReconciler{
		Shared:                shared,
		Recorder:              mgr.GetEventRecorder("orgsync-department"),
		DeletionGrace:         opts.DeletionGrace,
		WaitingStatusDelay:    opts.WaitingStatusDelay,
		WaitingStatusMaxDelay: opts.WaitingStatusMaxDelay,
	}).SetupWithManager(mgr)
}

// Shared is what the Organization and Department reconcilers are both built with: one client,
// one set of connections, inventories, deletion budgets and Department indexes, one sync period
// and the same bounds on their workers (each reconciler has its own workers).
type Shared struct {
	client.Client
	Connections *Connections
	Inventories *inventory.Inventories
	// Budgets holds the Organizations' deletion budgets.
	Budgets *Budgets
	// Departments finds Departments by the indexes of indexes.go.
	Departments *departmentIndex
	// SyncPeriod is how often an Organization's remote chart is listed and its remote
	// organization observed, and a synced Department looked at again.
	SyncPeriod time.Duration
	// MaxConcurrentReconciles bounds the parallel reconciles of each reconciler: one
	// Organization's listing, slowed by its throttled share of the remote API, must not hold up
	// the others.
	MaxConcurrentReconciles int
	// NamespaceShare bounds those of one namespace, so that one tenant's objects cannot hold every
	// worker; zero: all of MaxConcurrentReconciles but one, at least one.
	NamespaceShare int
}
