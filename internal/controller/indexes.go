package controller

import (
	"context"

	toolscache "k8s.io/client-go/tools/cache"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// Field indexes on the manager's cache. Department keys are unique per Organization, so the
// indexed values are "<organization>/<key>".
const (
	// indexDepartmentOrganization: Departments by spec.organizationRef.name.
	indexDepartmentOrganization = "department.organization"
	// indexDepartmentKey: Departments by "<organization>/<externalKey>".
	indexDepartmentKey = "department.key"
	// indexDepartmentParent: Departments by "<organization>/<parentExternalKey>".
	indexDepartmentParent = "department.parent"
	// indexOrganizationSecret: Organizations by spec.credentialsSecretRef.name.
	indexOrganizationSecret = "organization.secret"
	// indexOrganizationTarget: Organizations, cluster-wide, by the remote chart they manage.
	indexOrganizationTarget = "organization.target"
)

func orgScopedKey(organization, key string) string {
	return organization + "/" + key
}

// setupIndexes registers the field indexes both controllers rely on and returns the index of
// Departments they read through (departmentIndex).
func setupIndexes(ctx context.Context, mgr ctrl.Manager) (*departmentIndex, error) {
	departments, err := newDepartmentIndex(ctx, mgr)
	if err != nil {
		return nil, err
	}
	indexer := mgr.GetFieldIndexer()
	if err := indexer.IndexField(ctx, &v1alpha1.Organization{}, indexOrganizationSecret, func(o client.Object) []string {
		return []string{o.(*v1alpha1.Organization).Spec.CredentialsSecretRef.Name}
	}); err != nil {
		return nil, err
	}
	return departments, indexer.IndexField(ctx, &v1alpha1.Organization{}, indexOrganizationTarget, func(o client.Object) []string {
		if target := remoteTarget(o.(*v1alpha1.Organization)); target != "" {
			return []string{target}
		}
		return nil
	})
}

// departmentIndexes are the Department indexes: each returns the value of a Department,
// "<organization>/..." as the const block above says.
var departmentIndexes = map[string]func(d *v1alpha1.Department) string{
	indexDepartmentOrganization: func(d *v1alpha1.Department) string { return d.Spec.OrganizationRef.Name },
	indexDepartmentKey:          func(d *v1alpha1.Department) string { return orgScopedKey(d.Spec.OrganizationRef.Name, d.Key()) },
	indexDepartmentParent: func(d *v1alpha1.Department) string {
		if d.Spec.ParentExternalKey == "" {
			return ""
		}
		return orgScopedKey(d.Spec.OrganizationRef.Name, d.Spec.ParentExternalKey)
	},
}

// departmentIndex finds the Departments of a namespace by an index of departmentIndexes. Where
// the manager's cache gives the Departments' informer itself, the indexes are the informer's
// own, each value once, "<namespace>/<value>": controller-runtime's field indexes keep every
// value twice (for the namespace and for all namespaces), which at 50,000 Departments was a
// fifth of the manager's memory. Otherwise (a cache of several namespaces) they are
// controller-runtime's field indexes, read with a List.
type departmentIndex struct {
	// indexer is the informer's; nil: reader with controller-runtime's field indexes.
	indexer toolscache.Indexer
	reader  client.Reader
}

func newDepartmentIndex(ctx context.Context, mgr ctrl.Manager) (*departmentIndex, error) {
	informer, err := mgr.GetCache().GetInformer(ctx, &v1alpha1.Department{}, cache.BlockUntilSynced(false))
	if err != nil {
		return nil, err
	}
	if shared, ok := informer.(toolscache.SharedIndexInformer); ok {
		indexers := toolscache.Indexers{}
		for name, value := range departmentIndexes {
			indexers[name] = func(obj any) ([]string, error) {
				d, ok := obj.(*v1alpha1.Department)
				if !ok {
					return nil, nil
				}
				if v := value(d); v != "" {
					return []string{d.Namespace + "/" + v}, nil
				}
				return nil, nil
			}
		}
		if err := shared.AddIndexers(indexers); err != nil {
			return nil, err
		}
		return &departmentIndex{indexer: shared.GetIndexer()}, nil
	}
	for name, value := range departmentIndexes {
		if err := mgr.GetFieldIndexer().IndexField(ctx, &v1alpha1.Department{}, name, func(o client.Object) []string {
			if v := value(o.(*v1alpha1.Department)); v != "" {
				return []string{v}
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return &departmentIndex{reader: mgr.GetCache()}, nil
}

// departmentsWith returns the Departments in namespace whose index field equals value: read-only
// copies of the cached objects' structs (their maps and slices are the cache's), which callers
// must not modify.
func (x *departmentIndex) departmentsWith(ctx context.Context, namespace, index, value string) ([]v1alpha1.Department, error) {
	if x.indexer == nil {
		var list v1alpha1.DepartmentList
		if err := x.reader.List(ctx, &list, client.InNamespace(namespace), client.MatchingFields{index: value}, client.UnsafeDisableDeepCopy); err != nil {
			return nil, err
		}
		return list.Items, nil
	}
	items, err := x.indexer.ByIndex(index, namespace+"/"+value)
	if err != nil {
		return nil, err
	}
	depts := make([]v1alpha1.Department, 0, len(items))
	for _, item := range items {
		if d, ok := item.(*v1alpha1.Department); ok {
			depts = append(depts, *d)
		}
	}
	return depts, nil
}
