package controller

import (
	"context"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"

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
}

// Setup registers the indexes and the Organization and Department controllers with mgr.
func Setup(ctx context.Context, mgr ctrl.Manager, opts Options) error {
	if opts.SyncPeriod <= 0 {
		opts.SyncPeriod = 10 * time.Minute
	}
	if opts.MaxConcurrentReconciles <= 0 {
		opts.MaxConcurrentReconciles = 4
	}
	if err := SetupIndexes(ctx, mgr); err != nil {
		return err
	}
	connections := &Connections{Cache: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Connector: opts.Connector}
	inventories := NewInventories()
	if err := (&OrganizationReconciler{
		Client:                  mgr.GetClient(),
		Recorder:                mgr.GetEventRecorder("orgsync-organization"),
		Connections:             connections,
		Inventories:             inventories,
		SyncPeriod:              opts.SyncPeriod,
		MaxConcurrentReconciles: opts.MaxConcurrentReconciles,
	}).SetupWithManager(mgr); err != nil {
		return err
	}
	return (&DepartmentReconciler{
		Client:                  mgr.GetClient(),
		Recorder:                mgr.GetEventRecorder("orgsync-department"),
		Connections:             connections,
		Inventories:             inventories,
		SyncPeriod:              opts.SyncPeriod,
		MaxConcurrentReconciles: opts.MaxConcurrentReconciles,
	}).SetupWithManager(mgr)
}
