package chart

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

// TestInstallManifestHangsTogether builds config/default as `make build-installer` does for
// dist/install.yaml and checks that its objects refer to each other by their final names
// (namePrefix orgsync-, namespace orgsync-system).
func TestInstallManifestHangsTogether(t *testing.T) {
	kubectl := filepath.Join(repoRoot, "bin/k8s/kubectl")
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		kubectl = filepath.Join(dir, "kubectl")
	}
	if _, err := os.Stat(kubectl); err != nil {
		t.Skipf("no kubectl at %s (`make envtest` builds it): %v", kubectl, err)
	}
	out, err := exec.Command(kubectl, "kustomize", filepath.Join(repoRoot, "config/default")).Output()
	if err != nil {
		t.Fatalf("kubectl kustomize config/default: %v", err)
	}
	var manifests []manifest
	var objects []string
	for _, doc := range splitYAML(out) {
		var meta struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			t.Fatal(err)
		}
		manifests = append(manifests, manifest{template: "install.yaml", kind: meta.Kind, name: meta.Metadata.Name, raw: doc})
		objects = append(objects, meta.Kind+" "+meta.Metadata.Namespace+"/"+meta.Metadata.Name)
	}
	slices.Sort(objects)
	want := []string{
		"ClusterRole /orgsync-manager-role",
		"ClusterRoleBinding /orgsync-manager-rolebinding",
		"CustomResourceDefinition /departments.orgsync.dev",
		"CustomResourceDefinition /organizations.orgsync.dev",
		"Deployment orgsync-system/orgsync-controller-manager",
		"Namespace /orgsync-system",
		"Role orgsync-system/orgsync-leader-election-role",
		"RoleBinding orgsync-system/orgsync-leader-election-rolebinding",
		"Service orgsync-system/orgsync-controller-manager-metrics-service",
		"ServiceAccount orgsync-system/orgsync-controller-manager",
	}
	if diff := cmp.Diff(want, objects); diff != "" {
		t.Fatalf("objects of config/default (-want +got):\n%s", diff)
	}

	sa := one[corev1.ServiceAccount](t, manifests, "ServiceAccount")
	d := one[appsv1.Deployment](t, manifests, "Deployment")
	if d.Spec.Template.Spec.ServiceAccountName != sa.Name {
		t.Errorf("Deployment runs as %q, the ServiceAccount is %q", d.Spec.Template.Spec.ServiceAccountName, sa.Name)
	}
	c := managerContainer(t, d)
	if c.Image != "orgsync:latest" || !slices.Contains(c.Args, "--leader-elect") {
		t.Errorf("manager container: image %s, args %v; want orgsync:latest with --leader-elect", c.Image, c.Args)
	}
	cr := one[rbacv1.ClusterRole](t, manifests, "ClusterRole")
	crb := one[rbacv1.ClusterRoleBinding](t, manifests, "ClusterRoleBinding")
	checkBinding(t, "ClusterRoleBinding", crb.RoleRef, crb.Subjects, "ClusterRole", cr.Name, sa)
	role := one[rbacv1.Role](t, manifests, "Role")
	rb := one[rbacv1.RoleBinding](t, manifests, "RoleBinding")
	checkBinding(t, "RoleBinding", rb.RoleRef, rb.Subjects, "Role", role.Name, sa)
	svc := one[corev1.Service](t, manifests, "Service")
	if len(svc.Spec.Selector) == 0 {
		t.Error("metrics Service selects nothing")
	}
	for k, v := range svc.Spec.Selector {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("metrics Service selects %s=%s, the manager Pod has %q", k, v, d.Spec.Template.Labels[k])
		}
	}
	if len(svc.Spec.Ports) != 1 || containerPort(c, svc.Spec.Ports[0].TargetPort.String()) != 8080 {
		t.Errorf("metrics Service ports %+v do not reach the container's metrics port 8080", svc.Spec.Ports)
	}
}
