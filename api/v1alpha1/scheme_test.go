package v1alpha1

import (
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
)

func TestSchemeHasKinds(t *testing.T) {
	s := runtime.NewScheme()
	if err := AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"Department", "DepartmentList", "Organization", "OrganizationList"} {
		if !s.Recognizes(GroupVersion.WithKind(k)) {
			t.Fatalf("%s not registered", k)
		}
	}
}
