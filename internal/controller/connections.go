package controller

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sync/singleflight"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/provider"
)

// Connections hands out one provider connection per Organization, rebuilt when the Organization's
// spec or its credentials Secret changes, so credentials rotate without a restart.
//
// The manager holds no Secret in a cache and needs no permission to list them: it reads the one
// Secret an Organization names, with a get, when it first connects the Organization and at every
// Organization reconcile (Refresh: each sync period, each change of the Organization, and each
// change of a Secret labelled orgsync.dev/credentials=true when the manager watches those).
// Department reconciles use the connection as it is (Get).
type Connections struct {
	// APIReader reads Secrets directly from the API server.
	APIReader client.Reader
	// Connector builds connections for the Organization's provider.
	Connector provider.Connector

	// reads makes concurrent first connections of one Organization read its Secret once.
	reads singleflight.Group

	mu    sync.Mutex
	conns map[types.UID]cachedConnection
}

type cachedConnection struct {
	// settings are the Organization's settings the connection was made with.
	settings      string
	secretVersion string
	connection    *provider.Connection
}

// Get returns the connection for org: the one made last while org's connection settings are the
// same, or a new one from its Secret. A missing Secret or key is a provider.ErrCredentials error.
func (c *Connections) Get(ctx context.Context, org *v1alpha1.Organization, allowStale bool) (*provider.Connection, error) {
	if cached, ok := c.cached(org); ok && cached.settings == connectionSettings(org) {
		return cached.connection, nil
	}
	return c.Refresh(ctx, org, allowStale)
}

// Refresh reads org's Secret again and returns a connection made from it, the same one as before
// when neither the Secret nor org's connection settings changed. When allowStale is true and the
// Secret is gone, the last connection made for org is returned: a GitOps prune may delete the
// Secret together with the objects that still need it to clean up. Otherwise a Secret that is
// gone ends the connection, and every Department of org learns it at its next reconcile.
func (c *Connections) Refresh(ctx context.Context, org *v1alpha1.Organization, allowStale bool) (*provider.Connection, error) {
	secretKey := types.NamespacedName{Namespace: org.Namespace, Name: org.Spec.CredentialsSecretRef.Name}
	// Concurrent callers for one Organization share one read, and one connection.
	v, err, _ := c.reads.Do(string(org.UID)+"|"+connectionSettings(org)+"|"+fmt.Sprint(allowStale), func() (any, error) {
		secret := &corev1.Secret{}
		err := c.APIReader.Get(ctx, secretKey, secret)
		cached, ok := c.cached(org)
		switch {
		case apierrors.IsNotFound(err) && ok && allowStale:
			return cached.connection, nil
		case apierrors.IsNotFound(err):
			c.drop(org)
			return nil, secretNotFound(secretKey)
		case err != nil:
			return nil, fmt.Errorf("reading secret %q: %w", secretKey.Name, err)
		case ok && cached.settings == connectionSettings(org) && cached.secretVersion == secret.ResourceVersion:
			return cached.connection, nil
		}
		conn, err := c.Connector.Connect(ctx, org, secret.Data)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.conns == nil {
			c.conns = map[types.UID]cachedConnection{}
		}
		c.conns[org.UID] = cachedConnection{settings: connectionSettings(org), secretVersion: secret.ResourceVersion, connection: conn}
		return conn, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*provider.Connection), nil
}

// connectionSettings is what of org's spec a connection depends on. Comparing it rather than the
// generation keeps both controllers on one connection (and its token cache) while their caches
// hold different copies of the Organization.
func connectionSettings(org *v1alpha1.Organization) string {
	settings := fmt.Sprintf("%s|%s|%s", org.Spec.Provider, org.Spec.Site, org.Spec.Workplace.CompanyID)
	if hw := org.Spec.HuaweiCloud; hw != nil {
		settings += "|" + hw.OneAccessDomain + "|" + hw.OrganizationsEndpoint
	}
	return settings
}

// ErrSecretNotFound is a provider.ErrCredentials error for a credentials Secret that does not exist.
var ErrSecretNotFound = errors.New("credentials secret not found")

func secretNotFound(key types.NamespacedName) error {
	return fmt.Errorf("%w: %w: secret %q in namespace %q", provider.ErrCredentials, ErrSecretNotFound, key.Name, key.Namespace)
}

// Forget drops what is kept for org, once it is gone.
func (c *Connections) Forget(org *v1alpha1.Organization) {
	c.mu.Lock()
	delete(c.conns, org.UID)
	c.mu.Unlock()
	c.Connector.Forget(org)
}

// drop forgets org's connection but not its limiters: the Organization still exists.
func (c *Connections) drop(org *v1alpha1.Organization) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.conns, org.UID)
}

func (c *Connections) cached(org *v1alpha1.Organization) (cachedConnection, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	conn, ok := c.conns[org.UID]
	return conn, ok
}
