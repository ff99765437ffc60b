package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// cluster is what a command reads the cluster through: a typed client and the namespace that
// --namespace or the kubeconfig's context names.
type cluster struct {
	client    client.Client
	namespace string
	// departmentsREST reads Departments as a stream (departments).
	departmentsREST rest.Interface
}

// connect builds a client from kubectl's flags.
func (g *globalOptions) connect() (*cluster, error) {
	namespace, _, err := g.configFlags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, err
	}
	config, scheme, err := g.restConfig()
	if err != nil {
		return nil, err
	}
	c, err := client.New(config, client.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("connecting to the cluster: %w", err)
	}
	restConfig := rest.CopyConfig(config)
	restConfig.GroupVersion = &v1alpha1.GroupVersion
	restConfig.APIPath = "/apis"
	restConfig.NegotiatedSerializer = serializer.NewCodecFactory(scheme).WithoutConversion()
	departmentsREST, err := rest.RESTClientFor(restConfig)
	if err != nil {
		return nil, fmt.Errorf("connecting to the cluster: %w", err)
	}
	return &cluster{client: c, namespace: namespace, departmentsREST: departmentsREST}, nil
}

// restConfig is kubectl's configuration for a client of the plugin's own (its user agent, the API
// server's warnings written once each to standard error), and the scheme of the objects it reads.
func (g *globalOptions) restConfig() (*rest.Config, *runtime.Scheme, error) {
	config, err := g.configFlags.ToRESTConfig()
	if err != nil {
		return nil, nil, err
	}
	config = rest.CopyConfig(config)
	config.UserAgent = "kubectl-orgsync"
	config.WarningHandler = rest.NewWarningWriter(g.streams.ErrOut, rest.WarningWriterOptions{Deduplicate: true})
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		return nil, nil, err
	}
	// Secrets: the credentials an Organization names (remote.go).
	if err := corev1.AddToScheme(scheme); err != nil {
		return nil, nil, err
	}
	return config, scheme, nil
}

// organization returns the Organization called name, or, with no name, the only Organization in
// the namespace. Either error names the Organizations the namespace has.
func (c *cluster) organization(ctx context.Context, name string) (*v1alpha1.Organization, error) {
	if name != "" {
		org := &v1alpha1.Organization{}
		err := c.client.Get(ctx, client.ObjectKey{Namespace: c.namespace, Name: name}, org)
		if !apierrors.IsNotFound(err) {
			return org, explain(err)
		}
		msg := fmt.Sprintf("no Organization %q in namespace %q", name, c.namespace)
		if orgs, err := c.organizations(ctx); err == nil && len(orgs) > 0 {
			msg += fmt.Sprintf(" (it has %s)", strings.Join(names(orgs), ", "))
		}
		return nil, errors.New(msg)
	}
	orgs, err := c.organizations(ctx)
	switch {
	case err != nil:
		return nil, explain(err)
	case len(orgs) == 0:
		return nil, fmt.Errorf("no Organization in namespace %q; choose the namespace with -n", c.namespace)
	case len(orgs) > 1:
		return nil, fmt.Errorf("namespace %q has %d Organizations (%s); name one", c.namespace, len(orgs), strings.Join(names(orgs), ", "))
	}
	return &orgs[0], nil
}

// organizations lists the namespace's Organizations by name.
func (c *cluster) organizations(ctx context.Context) ([]v1alpha1.Organization, error) {
	var orgs v1alpha1.OrganizationList
	if err := c.client.List(ctx, &orgs, client.InNamespace(c.namespace)); err != nil {
		return nil, err
	}
	slices.SortFunc(orgs.Items, func(a, b v1alpha1.Organization) int { return strings.Compare(a.Name, b.Name) })
	return orgs.Items, nil
}

func names(orgs []v1alpha1.Organization) []string {
	names := make([]string, 0, len(orgs))
	for _, o := range orgs {
		names = append(names, o.Name)
	}
	return names
}

// departments lists the namespace's Departments in one request, without a page limit: the
// API server sends them all in one response, which is quicker than pages for a whole chart.
// The response is decoded item by item as it arrives, so that decoding overlaps the API server's
// encoding and the transfer (at 10,000 Departments each takes about as long as the other).
// The caller keeps those of its Organization (the CRD has no field selector for the reference).
func (c *cluster) departments(ctx context.Context) ([]v1alpha1.Department, error) {
	body, err := c.departmentsREST.Get().Namespace(c.namespace).Resource("departments").Stream(ctx)
	if err != nil {
		return nil, explain(err)
	}
	defer func() { _ = body.Close() }()
	depts, err := decodeDepartmentList(bufio.NewReaderSize(body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("reading the Departments of namespace %q: %w", c.namespace, err)
	}
	return depts, nil
}

// decodeDepartmentList decodes a DepartmentList's items from r one at a time.
func decodeDepartmentList(r io.Reader) ([]v1alpha1.Department, error) {
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	var depts []v1alpha1.Department
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, err
		}
		if key != "items" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, err
			}
			continue
		}
		tok, err := dec.Token()
		switch {
		case err != nil:
			return nil, err
		case tok == nil: // "items": null
			continue
		case tok != json.Delim('['):
			return nil, fmt.Errorf("items: unexpected %v", tok)
		}
		for dec.More() {
			depts = append(depts, v1alpha1.Department{})
			if err := dec.Decode(&depts[len(depts)-1]); err != nil {
				return nil, err
			}
		}
		if err := expectDelim(dec, ']'); err != nil {
			return nil, err
		}
	}
	return depts, expectDelim(dec, '}')
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != want {
		return fmt.Errorf("unexpected %v where %v was expected", tok, want)
	}
	return nil
}

// secretData reads the Secret namespace/name with one get and returns its data. Its errors name
// the Secret, never a value in it.
func (c *cluster) secretData(ctx context.Context, namespace, name string) (map[string][]byte, error) {
	secret := &corev1.Secret{}
	err := c.client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, secret)
	switch {
	case apierrors.IsNotFound(err):
		return nil, fmt.Errorf("no Secret %q in namespace %q: the Organization's spec.credentialsSecretRef names it", name, namespace)
	case apierrors.IsForbidden(err):
		return nil, fmt.Errorf("reading the credentials Secret %q in namespace %q: you need get on secrets there: %w", name, namespace, err)
	case err != nil:
		return nil, fmt.Errorf("reading the credentials Secret %q in namespace %q: %w", name, namespace, err)
	}
	return secret.Data, nil
}

// explain says what a missing CRD means; other errors pass as they are.
func explain(err error) error {
	if meta.IsNoMatchError(err) {
		return fmt.Errorf("the cluster has no orgsync API (%s): are orgsync's CRDs installed? %w", v1alpha1.GroupVersion, err)
	}
	return err
}
