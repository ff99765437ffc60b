// Package decisiontest builds the objects that the unit tests of the decisions (package decision)
// and of the manager's act layer (package controller) decide for, alike in both.
package decisiontest

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// Department is the Department key of Organization "acme" in namespace "ns", under parent (the
// top level when empty), at generation 1 with UID "uid-"+key, changed by each of mutate.
func Department(key, parent string, mutate ...func(*v1alpha1.Department)) *v1alpha1.Department {
	d := &v1alpha1.Department{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: key, UID: types.UID("uid-" + key), Generation: 1},
		Spec: v1alpha1.DepartmentSpec{
			OrganizationRef:   v1alpha1.LocalObjectReference{Name: "acme"},
			Name:              "Dept " + key,
			ParentExternalKey: parent,
			DisplayOrder:      "1",
		},
	}
	for _, m := range mutate {
		m(d)
	}
	return d
}
