package controller

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"
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

// SetupIndexes registers the field indexes both controllers rely on.
func SetupIndexes(ctx context.Context, mgr ctrl.Manager) error {
	indexer := mgr.GetFieldIndexer()
	if err := indexer.IndexField(ctx, &v1alpha1.Department{}, indexDepartmentOrganization, func(o client.Object) []string {
		return []string{o.(*v1alpha1.Department).Spec.OrganizationRef.Name}
	}); err != nil {
		return err
	}
	if err := indexer.IndexField(ctx, &v1alpha1.Department{}, indexDepartmentKey, func(o client.Object) []string {
		d := o.(*v1alpha1.Department)
		return []string{orgScopedKey(d.Spec.OrganizationRef.Name, d.Key())}
	}); err != nil {
		return err
	}
	if err := indexer.IndexField(ctx, &v1alpha1.Department{}, indexDepartmentParent, func(o client.Object) []string {
		d := o.(*v1alpha1.Department)
		if d.Spec.ParentExternalKey == "" {
			return nil
		}
		return []string{orgScopedKey(d.Spec.OrganizationRef.Name, d.Spec.ParentExternalKey)}
	}); err != nil {
		return err
	}
	if err := indexer.IndexField(ctx, &v1alpha1.Organization{}, indexOrganizationSecret, func(o client.Object) []string {
		return []string{o.(*v1alpha1.Organization).Spec.CredentialsSecretRef.Name}
	}); err != nil {
		return err
	}
	return indexer.IndexField(ctx, &v1alpha1.Organization{}, indexOrganizationTarget, func(o client.Object) []string {
		if target := remoteTarget(o.(*v1alpha1.Organization)); target != "" {
			return []string{target}
		}
		return nil
	})
}

// departmentsWith lists the Departments in namespace whose index field equals value.
func departmentsWith(ctx context.Context, c client.Reader, namespace, index, value string, opts ...client.ListOption) ([]v1alpha1.Department, error) {
	var list v1alpha1.DepartmentList
	if err := c.List(ctx, &list, append([]client.ListOption{client.InNamespace(namespace), client.MatchingFields{index: value}}, opts...)...); err != nil {
		return nil, err
	}
	return list.Items, nil
}
