package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"

	"github.com/spf13/pflag"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/provider"
	"github.com/orgsync/orgsync/internal/provider/remoteflags"
)

// remoteOptions are the flags saying how the plugin reaches the remote systems (shared by export
// and plan): the manager's own (remoteflags), so that the plugin sends an Organization's
// credentials only where the manager would.
type remoteOptions struct {
	remoteflags.Options

	// wrapTransport, when set, wraps the transport of the HTTP clients the connectors build
	// (the progress reporter counts pages with it).
	wrapTransport func(http.RoundTripper) http.RoundTripper
}

// addFlags adds the remote flags to fs.
func (o *remoteOptions) addFlags(fs *pflag.FlagSet) {
	goFlags := flag.NewFlagSet("remote", flag.ContinueOnError)
	o.Register(goFlags)
	fs.AddGoFlagSet(goFlags)
}

// validate refuses, before any request, the flag values the manager refuses at start.
func (o *remoteOptions) validate() error { return o.Validate() }

// connectors returns the provider connectors the manager builds from the same flags.
func (o *remoteOptions) connectors() provider.Mux { return o.Connectors(o.wrapTransport) }

// connect reads org's credentials Secret with the user's own Kubernetes permissions (a get of
// the Secret named by org.Spec.CredentialsSecretRef in org's namespace) and connects to org's
// remote chart with the manager's provider connectors, validating endpoints as the manager does.
// No request reaches the remote system before the returned Departments are used; their errors
// say which Organization and Secret they concern (a refused credential: errors.Is
// provider.ErrCredentials). No error carries a value of the Secret.
func (o *remoteOptions) connect(ctx context.Context, c *cluster, org *v1alpha1.Organization) (provider.Departments, error) {
	if err := o.validate(); err != nil { // before the Secret is read
		return nil, err
	}
	secretName := org.Spec.CredentialsSecretRef.Name
	credentials, err := c.secretData(ctx, org.Namespace, secretName)
	if err != nil {
		return nil, err
	}
	source := fmt.Sprintf("Organization %s/%s (Secret %q)", org.Namespace, org.Name, secretName)
	return o.connectWith(ctx, org, credentials, source)
}

// connectWith connects to org's remote chart with credentials given by the caller (the data of a
// Secret, key by key). source names where the credentials come from in errors ("Organization
// orgs/acme (Secret "acme-credentials")", "credentials file creds.env").
func (o *remoteOptions) connectWith(ctx context.Context, org *v1alpha1.Organization, credentials map[string][]byte, source string) (provider.Departments, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	conn, err := o.connectors().Connect(ctx, org, credentials)
	if err != nil {
		return nil, fmt.Errorf("connecting to the remote chart of %s: %w", source, err)
	}
	return &explainedDepartments{Departments: conn.Departments, source: source}, nil
}

// explainedDepartments says, in the errors of its listings, whose chart they concern and, for
// refused credentials, what to check. The plugin only reads: writes go through unwrapped.
type explainedDepartments struct {
	provider.Departments
	source string
}

func (d *explainedDepartments) explain(what string, err error) error {
	if errors.Is(err, provider.ErrCredentials) {
		return fmt.Errorf("%s the remote chart of %s: the remote system refused the credentials: %w", what, d.source, err)
	}
	return fmt.Errorf("%s the remote chart of %s: %w", what, d.source, err)
}

func (d *explainedDepartments) List(ctx context.Context) ([]provider.Department, error) {
	all, err := d.Departments.List(ctx)
	if err != nil {
		return nil, d.explain("listing", err)
	}
	return all, nil
}
