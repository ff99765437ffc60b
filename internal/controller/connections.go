package controller

import (
	"context"
	"errors"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/provider"
)

// Connections hands out one provider connection per Organization, rebuilt when the Organization's
// spec or its credentials Secret changes, so credentials rotate without a restart.
//
// Secret metadata comes from the manager's cache (a metadata-only informer, so Secret data is not
// held in memory for every Secret of the cluster); the data is read from the API server only when
// the Secret's resourceVersion changes.
type Connections struct {
	// Cache reads Secret metadata.
	Cache client.Reader
	// APIReader reads Secret data directly from the API server.
	APIReader client.Reader
	// Connector builds connections for the Organization's provider.
	Connector provider.Connector

	mu    sync.Mutex
	conns map[types.UID]cachedConnection
}

type cachedConnection struct {
	// settings are the Organization's settings the connection was made with.
	settings      string
	secretVersion string
	connection    *provider.Connection
}

// Get returns the connection for org. A missing Secret or key is a provider.ErrCredentials error.
// When allowStale is true and the Secret is gone, the last connection made for org is returned:
// a GitOps prune may delete the Secret together with the objects that still need it to clean up.
func (c *Connections) Get(ctx context.Context, org *v1alpha1.Organization, allowStale bool) (*provider.Connection, error) {
	secretKey := types.NamespacedName{Namespace: org.Namespace, Name: org.Spec.CredentialsSecretRef.Name}
	meta := &metav1.PartialObjectMetadata{}
	meta.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	err := c.Cache.Get(ctx, secretKey, meta)
	if apierrors.IsNotFound(err) {
		if cached, ok := c.cached(org); ok && allowStale {
			return cached.connection, nil
		}
		return nil, secretNotFound(secretKey)
	}
	if err != nil {
		return nil, fmt.Errorf("reading secret %q: %w", secretKey.Name, err)
	}
	if cached, ok := c.cached(org); ok && cached.settings == connectionSettings(org) && cached.secretVersion == meta.ResourceVersion {
		return cached.connection, nil
	}

	secret := &corev1.Secret{}
	if err := c.APIReader.Get(ctx, secretKey, secret); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, secretNotFound(secretKey)
		}
		return nil, fmt.Errorf("reading secret %q: %w", secretKey.Name, err)
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

func (c *Connections) cached(org *v1alpha1.Organization) (cachedConnection, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	conn, ok := c.conns[org.UID]
	return conn, ok
}
