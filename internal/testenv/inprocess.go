package testenv

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	ctrlconfig "sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/orgsync/orgsync/internal/controller"
)

// ManagerOptions say how to run the manager in process.
type ManagerOptions struct {
	// Config is the identity the manager acts as (an impersonating copy proves RBAC).
	Config *rest.Config
	// Scheme defaults to NewScheme.
	Scheme *runtime.Scheme
	// Controllers are the options of controller.Setup: the connector to the fakes above all.
	Controllers controller.Options
	// SkipNameValidation lets a test process start several managers, one after the other, whose
	// controllers have the same names.
	SkipNameValidation bool
}

// Manager is orgsync's manager running in the test's process: both controllers registered with
// controller.Setup on a ctrl.Manager, as cmd/main.go does, with no metrics or probe listener.
type Manager struct {
	ctrl.Manager
	cancel context.CancelFunc
	done   chan error
}

// StartManager starts the manager; it runs until ctx ends or Stop.
func StartManager(ctx context.Context, opts ManagerOptions) (*Manager, error) {
	if opts.Scheme == nil {
		opts.Scheme = NewScheme()
	}
	mgrOpts := ctrl.Options{
		Scheme:                 opts.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
	}
	if opts.SkipNameValidation {
		skip := true
		mgrOpts.Controller = ctrlconfig.Controller{SkipNameValidation: &skip}
	}
	mgr, err := ctrl.NewManager(opts.Config, mgrOpts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	if err := controller.Setup(ctx, mgr, opts.Controllers); err != nil {
		cancel()
		return nil, err
	}
	m := &Manager{Manager: mgr, cancel: cancel, done: make(chan error, 1)}
	go func() { m.done <- mgr.Start(ctx) }()
	return m, nil
}

// Stop stops the manager and returns the error it stopped with.
func (m *Manager) Stop() error {
	m.cancel()
	return <-m.done
}
