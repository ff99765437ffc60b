package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// The metrics endpoint's default addresses: kubebuilder's HTTPS port, and the plain HTTP port
// controller-runtime has always used, for local runs with --metrics-secure=false.
const (
	defaultSecureMetricsAddr   = ":8443"
	defaultInsecureMetricsAddr = ":8080"
)

// metricsFlags are the flags of the metrics endpoint.
type metricsFlags struct {
	// addr is --metrics-bind-address: empty for the default of the mode, "0" to disable.
	addr string
	// secure serves HTTPS and lets through only requests whose bearer token the API server
	// authenticates (TokenReview) and authorises for get on /metrics (SubjectAccessReview).
	secure bool
	// certPath is the directory of a serving certificate and key (certName and certKey in it);
	// empty: a self-signed certificate generated at start.
	certPath, certName, certKey string
	// reviews bound the reviews of tokens; zero: defaultReviewLimits.
	reviews reviewLimits
}

// bindAddress is the address the endpoint binds to, the default of the mode when none is given.
func (f metricsFlags) bindAddress() string {
	switch {
	case f.addr != "":
		return f.addr
	case f.secure:
		return defaultSecureMetricsAddr
	default:
		return defaultInsecureMetricsAddr
	}
}

// validate refuses a certificate that is named but cannot be used, instead of letting
// controller-runtime fall back to a self-signed one without a word.
func (f metricsFlags) validate() error {
	if f.certPath == "" {
		return nil
	}
	if !f.secure {
		return fmt.Errorf("--metrics-cert-path=%s: needs --metrics-secure (plain HTTP serves no certificate)", f.certPath)
	}
	var errs []error
	for _, file := range []struct{ flag, name string }{{"metrics-cert-name", f.certName}, {"metrics-cert-key", f.certKey}} {
		path := filepath.Join(f.certPath, file.name)
		if _, err := os.Stat(path); err != nil {
			errs = append(errs, fmt.Errorf("--%s=%s: %w", file.flag, file.name, err))
		}
	}
	return errors.Join(errs...)
}

// metricsOptions are the options of the manager's metrics server, as kubebuilder lays them out:
// secure, it serves HTTPS and authenticates each request with a TokenReview and authorises it with
// a SubjectAccessReview (get on the non-resource URL /metrics) through the API server, which the
// manager's metrics-auth-role permits; otherwise plain HTTP, open to anyone who reaches the port.
func metricsOptions(f metricsFlags) metricsserver.Options {
	opts := metricsserver.Options{
		BindAddress:   f.bindAddress(),
		SecureServing: f.secure,
		// HTTP/2 is disabled on the metrics endpoint against the HTTP/2 stream cancellation
		// (rapid reset) attacks, as kubebuilder does unless asked otherwise.
		TLSOpts: []func(*tls.Config){func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} }},
	}
	if f.secure {
		limits := f.reviews
		if limits == (reviewLimits{}) {
			limits = defaultReviewLimits
		}
		opts.FilterProvider = authorizeScrapes(limits)
		// Without a directory, controller-runtime generates a self-signed certificate; with one,
		// it serves that certificate and reloads it when the files change (cert-manager renewals).
		opts.CertDir, opts.CertName, opts.KeyName = f.certPath, f.certName, f.certKey
	}
	return opts
}
