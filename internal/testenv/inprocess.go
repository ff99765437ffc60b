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
	exited chan struct{}
	err    error // why it stopped; read after exited is closed
}

// StartManager sets up and starts the manager; it runs until ctx ends or Stop.
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
	if err := controller.Setup(ctx, mgr, opts.Controllers); err != nil {
		return nil, err
	}
	return Run(ctx, mgr), nil
}

// Run starts mgr, set up by the caller (a test of cmd/ sets it up as main does); it runs until ctx
// ends or Stop.
func Run(ctx context.Context, mgr ctrl.Manager) *Manager {
	ctx, cancel := context.WithCancel(ctx)
	m := &Manager{Manager: mgr, cancel: cancel, exited: make(chan struct{})}
	go func() { m.err = mgr.Start(ctx); close(m.exited) }()
	return m
}

// Stop stops the manager and returns the error it stopped with.
func (m *Manager) Stop() error {
	m.cancel()
	<-m.exited
	return m.err
}

// Exited is closed when the manager has stopped, on its own or by Stop; Err then says why.
func (m *Manager) Exited() <-chan struct{} { return m.exited }

// Err is the error the manager stopped with; call it after Exited is closed.
func (m *Manager) Err() error { return m.err }
