package chart

import (
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/orgsync/orgsync/internal/testenv"
)

// kustomize builds a kustomization of config/ with the kubectl beside the control plane's
// binaries (testenv.Assets), skipping the test when there is none.
func kustomize(t *testing.T, dir string) []manifest {
	t.Helper()
	kubectl := filepath.Join(testenv.AssetsOrSkip(t), "kubectl")
	out, err := exec.Command(kubectl, "kustomize", filepath.Join(repoRoot, dir)).Output()
	if err != nil {
		t.Fatalf("kubectl kustomize %s: %v", dir, err)
	}
	var manifests []manifest
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
		manifests = append(manifests, manifest{template: dir, kind: meta.Kind, name: meta.Metadata.Name, namespace: meta.Metadata.Namespace, raw: doc})
	}
	return manifests
}

// TestInstallManifestHangsTogether builds config/default as `make build-installer` does for
// dist/install.yaml and checks that its objects refer to each other by their final names
// (namePrefix orgsync-, namespace orgsync-system).
func TestInstallManifestHangsTogether(t *testing.T) {
	manifests := kustomize(t, "config/default")
	var objects []string
	for _, m := range manifests {
		objects = append(objects, m.kind+" "+m.namespace+"/"+m.name)
	}
	slices.Sort(objects)
	want := []string{
		"ClusterRole /orgsync-department-editor-role",
		"ClusterRole /orgsync-department-viewer-role",
		"ClusterRole /orgsync-manager-role",
		"ClusterRole /orgsync-metrics-auth-role",
		"ClusterRole /orgsync-metrics-reader",
		"ClusterRole /orgsync-organization-editor-role",
		"ClusterRole /orgsync-organization-viewer-role",
		"ClusterRoleBinding /orgsync-manager-rolebinding",
		"ClusterRoleBinding /orgsync-metrics-auth-rolebinding",
		"CustomResourceDefinition /departments.orgsync.dev",
		"CustomResourceDefinition /organizations.orgsync.dev",
		"CustomResourceDefinition /remotetargets.orgsync.dev",
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
	checkBindings(t, manifests, sa)
	svc := one[corev1.Service](t, manifests, "Service")
	if len(svc.Spec.Selector) == 0 {
		t.Error("metrics Service selects nothing")
	}
	for k, v := range svc.Spec.Selector {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("metrics Service selects %s=%s, the manager Pod has %q", k, v, d.Spec.Template.Labels[k])
		}
	}
	if len(svc.Spec.Ports) != 1 || containerPort(c, svc.Spec.Ports[0].TargetPort.String()) != 8443 {
		t.Errorf("metrics Service ports %+v do not reach the container's metrics port 8443", svc.Spec.Ports)
	}
	if got := flags(t, c.Args)["metrics-bind-address"]; got != ":8443" {
		t.Errorf("--metrics-bind-address=%s, want :8443 (HTTPS, the manager's --metrics-secure default)", got)
	}
}

// TestPrometheusMonitorScrapesTheInstall builds config/prometheus and checks that its
// ServiceMonitor, in the install's namespace, selects the metrics Service of config/default and
// scrapes its port over HTTPS with a bearer token.
func TestPrometheusMonitorScrapesTheInstall(t *testing.T) {
	install := kustomize(t, "config/default")
	monitors := kustomize(t, "config/prometheus")
	sm := one[serviceMonitor](t, monitors, "ServiceMonitor")
	svc := one[corev1.Service](t, install, "Service")
	if sm.Metadata.Namespace != svc.Namespace {
		t.Errorf("ServiceMonitor in %q, the metrics Service in %q", sm.Metadata.Namespace, svc.Namespace)
	}
	selector, err := metav1.LabelSelectorAsSelector(&sm.Spec.Selector)
	if err != nil || selector.Empty() || !selector.Matches(labels.Set(svc.Labels)) {
		t.Errorf("ServiceMonitor selector %v (%v) does not select the metrics Service (labels %v)", selector, err, svc.Labels)
	}
	if len(sm.Spec.Endpoints) != 1 || len(svc.Spec.Ports) != 1 {
		t.Fatalf("ServiceMonitor endpoints %+v, Service ports %+v; want one each", sm.Spec.Endpoints, svc.Spec.Ports)
	}
	ep := sm.Spec.Endpoints[0]
	if ep.Port != svc.Spec.Ports[0].Name || ep.Path != "/metrics" || ep.Scheme != "https" || ep.BearerTokenFile == "" {
		t.Errorf("ServiceMonitor endpoint %+v: want https on /metrics of port %q with a bearer token", ep, svc.Spec.Ports[0].Name)
	}
}
