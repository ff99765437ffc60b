package chart

import (
	"bytes"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

const (
	releaseName      = "orgsync"
	releaseNamespace = "orgsync-system"
	// repoRoot is where config/ lives, seen from this package's directory.
	repoRoot = "../.."
)

// manifest is one rendered YAML document.
type manifest struct {
	template string
	kind     string
	name     string
	raw      []byte
}

func loadChart(t *testing.T) *chart.Chart {
	t.Helper()
	ch, err := loader.LoadDir(".")
	if err != nil {
		t.Fatalf("loading the chart: %v", err)
	}
	return ch
}

// render renders the chart as `helm install orgsync dist/chart -n orgsync-system` would, with
// overrides in place of --set/-f values, and splits the output into documents.
func render(t *testing.T, overrides map[string]any) []manifest {
	t.Helper()
	ch := loadChart(t)
	values, err := chartutil.ToRenderValues(ch, overrides,
		chartutil.ReleaseOptions{Name: releaseName, Namespace: releaseNamespace, Revision: 1, IsInstall: true},
		chartutil.DefaultCapabilities)
	if err != nil {
		t.Fatalf("building render values: %v", err)
	}
	files, err := engine.Render(ch, values)
	if err != nil {
		t.Fatalf("rendering the chart: %v", err)
	}
	var out []manifest
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if !strings.HasSuffix(name, ".yaml") {
			continue // NOTES.txt and helpers
		}
		for _, doc := range splitYAML([]byte(files[name])) {
			var meta struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
				Metadata   struct {
					Name string `json:"name"`
				} `json:"metadata"`
			}
			if err := yaml.Unmarshal(doc, &meta); err != nil {
				t.Fatalf("%s: not YAML: %v\n%s", name, err, doc)
			}
			if meta.APIVersion == "" || meta.Kind == "" || meta.Metadata.Name == "" {
				t.Fatalf("%s: document without apiVersion, kind or metadata.name:\n%s", name, doc)
			}
			out = append(out, manifest{template: name, kind: meta.Kind, name: meta.Metadata.Name, raw: doc})
		}
	}
	return out
}

// splitYAML splits a multi-document YAML stream, dropping documents that hold only comments.
func splitYAML(data []byte) [][]byte {
	var docs [][]byte
	for _, doc := range bytes.Split(append([]byte("\n"), data...), []byte("\n---")) {
		meaningful := false
		for _, line := range strings.Split(string(doc), "\n") {
			if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
				meaningful = true
				break
			}
		}
		if meaningful {
			docs = append(docs, doc)
		}
	}
	return docs
}

// unmarshalStrict decodes YAML into a typed object as the API server does: field names are case
// sensitive and unknown or duplicate fields are errors, so that a misspelled field in a template
// (readOnlyRootFileSystem) fails the test instead of being dropped.
func unmarshalStrict(data []byte, into any) error {
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		return err
	}
	strictErrs, err := sigsjson.UnmarshalStrict(j, into)
	if err != nil {
		return err
	}
	return errors.Join(strictErrs...)
}

func decodeStrict(t *testing.T, m manifest, into any) {
	t.Helper()
	if err := unmarshalStrict(m.raw, into); err != nil {
		t.Fatalf("%s: %s %q does not decode strictly: %v", m.template, m.kind, m.name, err)
	}
}

// one returns the only rendered object of kind, decoded strictly into T.
func one[T any](t *testing.T, manifests []manifest, kind string) *T {
	t.Helper()
	var found []manifest
	for _, m := range manifests {
		if m.kind == kind {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		t.Fatalf("rendered %d objects of kind %s, want 1", len(found), kind)
	}
	obj := new(T)
	decodeStrict(t, found[0], obj)
	return obj
}

func kinds(manifests []manifest) []string {
	var ks []string
	for _, m := range manifests {
		ks = append(ks, m.kind)
	}
	slices.Sort(ks)
	return ks
}

// flags maps each --name=value argument to its value; a bare --name maps to "".
func flags(t *testing.T, args []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, arg := range args {
		name, value, _ := strings.Cut(strings.TrimPrefix(arg, "--"), "=")
		if _, dup := out[name]; dup {
			t.Errorf("flag --%s given twice", name)
		}
		out[name] = value
	}
	return out
}

// kustomizeDeployment is the manager Deployment of config/manager, the reference for the chart's
// security settings and probes.
func kustomizeDeployment(t *testing.T) *appsv1.Deployment {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "config/manager/manager.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range splitYAML(data) {
		if !bytes.Contains(doc, []byte("\nkind: Deployment\n")) {
			continue
		}
		var d appsv1.Deployment
		if err := unmarshalStrict(doc, &d); err != nil {
			t.Fatalf("config/manager/manager.yaml: %v", err)
		}
		return &d
	}
	t.Fatal("config/manager/manager.yaml holds no Deployment")
	return nil
}

func managerContainer(t *testing.T, d *appsv1.Deployment) corev1.Container {
	t.Helper()
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name == "manager" {
			return c
		}
	}
	t.Fatalf("Deployment %q has no container named manager", d.Name)
	return corev1.Container{}
}

func TestDefaultsRenderTheManagerAsTheKustomizeInstallDoes(t *testing.T) {
	manifests := render(t, nil)

	wantKinds := []string{"ClusterRole", "ClusterRoleBinding", "Deployment", "Role", "RoleBinding", "Service", "ServiceAccount"}
	if diff := cmp.Diff(wantKinds, kinds(manifests)); diff != "" {
		t.Errorf("rendered kinds (-want +got):\n%s", diff)
	}

	d := one[appsv1.Deployment](t, manifests, "Deployment")
	if d.Namespace != releaseNamespace {
		t.Errorf("Deployment namespace = %q, want %q", d.Namespace, releaseNamespace)
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 {
		t.Errorf("replicas = %v, want 1", d.Spec.Replicas)
	}
	c := managerContainer(t, d)
	if c.Image != "orgsync:latest" {
		t.Errorf("image = %q, want orgsync:latest", c.Image)
	}
	if diff := cmp.Diff([]string{"/manager"}, c.Command); diff != "" {
		t.Errorf("command (-want +got):\n%s", diff)
	}
	wantFlags := map[string]string{
		"leader-elect":              "true",
		"health-probe-bind-address": ":8081",
		"metrics-bind-address":      ":8080",
		"sync-period":               "10m",
		"max-concurrent-reconciles": "4",
		"ncp-qps":                   "10",
		"ncp-burst":                 "20",
		"zap-log-level":             "info",
	}
	if diff := cmp.Diff(wantFlags, flags(t, c.Args)); diff != "" {
		t.Errorf("manager flags (-want +got):\n%s", diff)
	}

	// The same hardening as config/manager: the kustomize Deployment is the reference.
	ref := kustomizeDeployment(t)
	refC := managerContainer(t, ref)
	if diff := cmp.Diff(ref.Spec.Template.Spec.SecurityContext, d.Spec.Template.Spec.SecurityContext); diff != "" {
		t.Errorf("pod securityContext differs from config/manager (-kustomize +chart):\n%s", diff)
	}
	if diff := cmp.Diff(refC.SecurityContext, c.SecurityContext); diff != "" {
		t.Errorf("container securityContext differs from config/manager (-kustomize +chart):\n%s", diff)
	}
	if diff := cmp.Diff(refC.LivenessProbe, c.LivenessProbe); diff != "" {
		t.Errorf("livenessProbe differs from config/manager (-kustomize +chart):\n%s", diff)
	}
	if diff := cmp.Diff(refC.ReadinessProbe, c.ReadinessProbe); diff != "" {
		t.Errorf("readinessProbe differs from config/manager (-kustomize +chart):\n%s", diff)
	}
	if diff := cmp.Diff(refC.Resources, c.Resources); diff != "" {
		t.Errorf("resources differ from config/manager (-kustomize +chart):\n%s", diff)
	}
	if diff := cmp.Diff(ref.Spec.Template.Spec.TerminationGracePeriodSeconds, d.Spec.Template.Spec.TerminationGracePeriodSeconds); diff != "" {
		t.Errorf("terminationGracePeriodSeconds differs from config/manager (-kustomize +chart):\n%s", diff)
	}

	// Spelled out as well, so that a change to both files at once is still noticed.
	sc := c.SecurityContext
	switch {
	case sc == nil:
		t.Fatal("manager container has no securityContext")
	case sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot:
		t.Error("runAsNonRoot is not true")
	case sc.RunAsUser == nil || *sc.RunAsUser != 65532:
		t.Errorf("runAsUser = %v, want 65532", sc.RunAsUser)
	case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
		t.Error("readOnlyRootFilesystem is not true")
	case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
		t.Error("allowPrivilegeEscalation is not false")
	case sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) != 0:
		t.Errorf("capabilities = %+v, want drop [ALL] and nothing added", sc.Capabilities)
	case sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault:
		t.Errorf("seccompProfile = %+v, want RuntimeDefault", sc.SeccompProfile)
	}
	for _, probe := range []struct {
		name string
		p    *corev1.Probe
		path string
	}{{"liveness", c.LivenessProbe, "/healthz"}, {"readiness", c.ReadinessProbe, "/readyz"}} {
		if probe.p == nil || probe.p.HTTPGet == nil {
			t.Errorf("%s probe is not an HTTP GET", probe.name)
			continue
		}
		if probe.p.HTTPGet.Path != probe.path || probe.p.HTTPGet.Port.String() != "health" {
			t.Errorf("%s probe = GET %s on port %s, want GET %s on port health", probe.name, probe.p.HTTPGet.Path, probe.p.HTTPGet.Port.String(), probe.path)
		}
	}
	if port := containerPort(c, "health"); port != 8081 {
		t.Errorf("container port health = %d, want 8081", port)
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if _, ok := c.Resources.Requests[r]; !ok {
			t.Errorf("no %s request", r)
		}
		if _, ok := c.Resources.Limits[r]; !ok {
			t.Errorf("no %s limit", r)
		}
	}

	// The objects refer to each other by the names they were rendered with.
	sa := one[corev1.ServiceAccount](t, manifests, "ServiceAccount")
	if d.Spec.Template.Spec.ServiceAccountName != sa.Name {
		t.Errorf("Deployment runs as %q, the chart's ServiceAccount is %q", d.Spec.Template.Spec.ServiceAccountName, sa.Name)
	}
	cr := one[rbacv1.ClusterRole](t, manifests, "ClusterRole")
	crb := one[rbacv1.ClusterRoleBinding](t, manifests, "ClusterRoleBinding")
	checkBinding(t, "ClusterRoleBinding", crb.RoleRef, crb.Subjects, "ClusterRole", cr.Name, sa)
	role := one[rbacv1.Role](t, manifests, "Role")
	rb := one[rbacv1.RoleBinding](t, manifests, "RoleBinding")
	checkBinding(t, "RoleBinding", rb.RoleRef, rb.Subjects, "Role", role.Name, sa)
	if role.Namespace != releaseNamespace || rb.Namespace != releaseNamespace {
		t.Errorf("leader election Role/RoleBinding in %q/%q, want the release namespace %q", role.Namespace, rb.Namespace, releaseNamespace)
	}
	if !grants(role.Rules, "coordination.k8s.io", "leases", "get", "list", "watch", "create", "update", "patch", "delete") {
		t.Errorf("leader election Role does not grant leases: %+v", role.Rules)
	}

	svc := one[corev1.Service](t, manifests, "Service")
	for k, v := range svc.Spec.Selector {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("metrics Service selects %s=%s, the manager Pod has %q", k, v, d.Spec.Template.Labels[k])
		}
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 8080 || containerPort(c, svc.Spec.Ports[0].TargetPort.String()) != 8080 {
		t.Errorf("metrics Service ports = %+v, want 8080 to the container's metrics port 8080", svc.Spec.Ports)
	}
}

func TestValuesReachTheManager(t *testing.T) {
	for _, tc := range []struct {
		name      string
		values    string
		wantFlags map[string]string // flags that must have these values
		noFlags   []string          // flags that must be absent
		noKinds   []string          // kinds that must not be rendered
		check     func(t *testing.T, d *appsv1.Deployment)
	}{
		{
			name: "sync period, rate limit and concurrency",
			values: `
syncPeriod: 30m
maxConcurrentReconciles: 8
ncp: {qps: 2.5, burst: 5}`,
			wantFlags: map[string]string{"sync-period": "30m", "max-concurrent-reconciles": "8", "ncp-qps": "2.5", "ncp-burst": "5"},
		},
		{
			name: "endpoints point the manager at another NCP",
			values: `
ncp:
  endpoints:
    workplace: http://fakencp.orgsync-system.svc:8090
    organization: http://fakencp.orgsync-system.svc:8090/organization`,
			wantFlags: map[string]string{
				"ncp-workplace-endpoint":    "http://fakencp.orgsync-system.svc:8090",
				"ncp-organization-endpoint": "http://fakencp.orgsync-system.svc:8090/organization",
			},
		},
		{
			name:      "default endpoints are not passed",
			noFlags:   []string{"ncp-workplace-endpoint", "ncp-organization-endpoint"},
			wantFlags: map[string]string{"leader-elect": "true"},
		},
		{
			name:      "leader election off drops its Role",
			values:    `leaderElection: {enabled: false}`,
			wantFlags: map[string]string{"leader-elect": "false"},
			noKinds:   []string{"Role", "RoleBinding"},
		},
		{
			name:      "metrics off",
			values:    `metrics: {enabled: false}`,
			wantFlags: map[string]string{"metrics-bind-address": "0"},
			noKinds:   []string{"Service"},
			check: func(t *testing.T, d *appsv1.Deployment) {
				if port := containerPort(managerContainer(t, d), "metrics"); port != 0 {
					t.Errorf("metrics port %d still declared", port)
				}
			},
		},
		{
			name:      "metrics on another port",
			values:    `metrics: {port: 9090}`,
			wantFlags: map[string]string{"metrics-bind-address": ":9090"},
			check: func(t *testing.T, d *appsv1.Deployment) {
				if port := containerPort(managerContainer(t, d), "metrics"); port != 9090 {
					t.Errorf("metrics container port = %d, want 9090", port)
				}
			},
		},
		{
			name: "image, replicas, resources and scheduling",
			values: `
image: {repository: registry.example.com/orgsync/manager, tag: v0.2.0, pullPolicy: Always}
replicas: 2
resources:
  requests: {cpu: 50m, memory: 100Mi}
  limits: {memory: 300Mi, cpu: null} # null removes a default, as with helm --set
nodeSelector: {kubernetes.io/os: linux}
tolerations:
- {key: dedicated, operator: Equal, value: operators, effect: NoSchedule}
affinity:
  nodeAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      nodeSelectorTerms:
      - matchExpressions:
        - {key: kubernetes.io/arch, operator: In, values: [amd64, arm64]}
podSecurityContext: {runAsNonRoot: true, runAsUser: 1000, fsGroup: 2000, seccompProfile: {type: RuntimeDefault}}
extraArgs: [--zap-devel]`,
			wantFlags: map[string]string{"zap-devel": ""},
			check: func(t *testing.T, d *appsv1.Deployment) {
				c := managerContainer(t, d)
				if c.Image != "registry.example.com/orgsync/manager:v0.2.0" || c.ImagePullPolicy != corev1.PullAlways {
					t.Errorf("image = %s (%s), want registry.example.com/orgsync/manager:v0.2.0 (Always)", c.Image, c.ImagePullPolicy)
				}
				if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
					t.Errorf("replicas = %v, want 2", d.Spec.Replicas)
				}
				if got := c.Resources.Limits[corev1.ResourceMemory]; got.Cmp(resource.MustParse("300Mi")) != 0 {
					t.Errorf("memory limit = %s, want 300Mi", got.String())
				}
				if _, ok := c.Resources.Limits[corev1.ResourceCPU]; ok {
					t.Error("cpu limit kept although the override sets it to null")
				}
				pod := d.Spec.Template.Spec
				if pod.NodeSelector["kubernetes.io/os"] != "linux" || len(pod.Tolerations) != 1 || pod.Tolerations[0].Key != "dedicated" {
					t.Errorf("nodeSelector %v, tolerations %+v not applied", pod.NodeSelector, pod.Tolerations)
				}
				if pod.Affinity == nil || pod.Affinity.NodeAffinity == nil {
					t.Error("affinity not applied")
				}
				if psc := pod.SecurityContext; psc == nil || psc.RunAsUser == nil || *psc.RunAsUser != 1000 || psc.FSGroup == nil || *psc.FSGroup != 2000 {
					t.Errorf("podSecurityContext = %+v, want runAsUser 1000, fsGroup 2000", psc)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var values map[string]any
			if err := yaml.Unmarshal([]byte(tc.values), &values); err != nil {
				t.Fatalf("test values: %v", err)
			}
			manifests := render(t, values)
			for _, kind := range tc.noKinds {
				if slices.Contains(kinds(manifests), kind) {
					t.Errorf("%s rendered", kind)
				}
			}
			d := one[appsv1.Deployment](t, manifests, "Deployment")
			got := flags(t, managerContainer(t, d).Args)
			for name, want := range tc.wantFlags {
				if value, ok := got[name]; !ok || value != want {
					t.Errorf("--%s = %q (present: %t), want %q", name, value, ok, want)
				}
			}
			for _, name := range tc.noFlags {
				if value, ok := got[name]; ok {
					t.Errorf("--%s=%s passed, want it absent", name, value)
				}
			}
			if tc.check != nil {
				tc.check(t, d)
			}
		})
	}
}

func TestServiceAccountCanBeBroughtAlong(t *testing.T) {
	manifests := render(t, map[string]any{"serviceAccount": map[string]any{"create": false, "name": "platform-orgsync"}})
	if slices.Contains(kinds(manifests), "ServiceAccount") {
		t.Error("ServiceAccount rendered although serviceAccount.create is false")
	}
	d := one[appsv1.Deployment](t, manifests, "Deployment")
	if got := d.Spec.Template.Spec.ServiceAccountName; got != "platform-orgsync" {
		t.Errorf("serviceAccountName = %q, want platform-orgsync", got)
	}
	crb := one[rbacv1.ClusterRoleBinding](t, manifests, "ClusterRoleBinding")
	if len(crb.Subjects) != 1 || crb.Subjects[0].Name != "platform-orgsync" {
		t.Errorf("ClusterRoleBinding subjects = %+v, want platform-orgsync", crb.Subjects)
	}
}

// permission is one (group, resource, verb) a rule grants, the unit RBAC authorizes by.
type permission struct{ group, resource, resourceName, nonResourceURL, verb string }

func permissions(rules []rbacv1.PolicyRule) []permission {
	seen := map[permission]bool{}
	for _, r := range rules {
		for _, verb := range r.Verbs {
			for _, url := range r.NonResourceURLs {
				seen[permission{nonResourceURL: url, verb: verb}] = true
			}
			names := r.ResourceNames
			if len(names) == 0 {
				names = []string{""}
			}
			for _, g := range r.APIGroups {
				for _, res := range r.Resources {
					for _, n := range names {
						seen[permission{group: g, resource: res, resourceName: n, verb: verb}] = true
					}
				}
			}
		}
	}
	return slices.SortedFunc(maps.Keys(seen), func(a, b permission) int {
		return strings.Compare(a.group+"/"+a.resource+"/"+a.resourceName+"/"+a.nonResourceURL+"/"+a.verb,
			b.group+"/"+b.resource+"/"+b.resourceName+"/"+b.nonResourceURL+"/"+b.verb)
	})
}

func grants(rules []rbacv1.PolicyRule, group, resource string, verbs ...string) bool {
	have := permissions(rules)
	for _, v := range verbs {
		if !slices.Contains(have, permission{group: group, resource: resource, verb: v}) {
			return false
		}
	}
	return true
}

func TestClusterRoleGrantsExactlyTheGeneratedRole(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "config/rbac/role.yaml"))
	if err != nil {
		t.Fatalf("%v (run `make manifests`)", err)
	}
	var generated rbacv1.ClusterRole
	if err := unmarshalStrict(data, &generated); err != nil {
		t.Fatalf("config/rbac/role.yaml: %v", err)
	}
	cr := one[rbacv1.ClusterRole](t, render(t, nil), "ClusterRole")
	if diff := cmp.Diff(permissions(generated.Rules), permissions(cr.Rules), cmp.AllowUnexported(permission{})); diff != "" {
		t.Errorf("dist/chart/templates/clusterrole.yaml grants other permissions than config/rbac/role.yaml, "+
			"which `make manifests` generates from the +kubebuilder:rbac markers; copy its rules into the chart "+
			"(-role.yaml +chart):\n%s", diff)
	}
}

func TestCRDsAreTheGeneratedOnes(t *testing.T) {
	bases, err := filepath.Glob(filepath.Join(repoRoot, "config/crd/bases/*.yaml"))
	if err != nil || len(bases) == 0 {
		t.Fatalf("no CRDs in config/crd/bases (%v); run `make manifests`", err)
	}
	want := map[string]apiextensionsv1.CustomResourceDefinition{}
	for _, path := range bases {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var crd apiextensionsv1.CustomResourceDefinition
		if err := unmarshalStrict(data, &crd); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		want[crd.Name] = crd
	}
	got := map[string]apiextensionsv1.CustomResourceDefinition{}
	for _, f := range loadChart(t).CRDObjects() {
		var crd apiextensionsv1.CustomResourceDefinition
		if err := unmarshalStrict(f.File.Data, &crd); err != nil {
			t.Fatalf("%s: %v", f.Filename, err)
		}
		got[crd.Name] = crd
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dist/chart/crds differs from config/crd/bases; run `make build-installer` to copy them (-generated +chart):\n%s", diff)
	}
}

func TestHelmignoreKeepsTheTestOutOfThePackage(t *testing.T) {
	ch := loadChart(t)
	var all []string
	for _, f := range ch.Raw {
		all = append(all, f.Name)
	}
	for _, name := range all {
		if strings.HasSuffix(name, ".go") || strings.HasPrefix(name, "testdata/") {
			t.Errorf("%s is packaged with the chart; .helmignore should leave it out", name)
		}
	}
}

func containerPort(c corev1.Container, name string) int32 {
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	return 0
}

func checkBinding(t *testing.T, kind string, ref rbacv1.RoleRef, subjects []rbacv1.Subject, roleKind, roleName string, sa *corev1.ServiceAccount) {
	t.Helper()
	if ref.Kind != roleKind || ref.Name != roleName || ref.APIGroup != rbacv1.GroupName {
		t.Errorf("%s refers to %s %q, want %s %q", kind, ref.Kind, ref.Name, roleKind, roleName)
	}
	want := []rbacv1.Subject{{Kind: "ServiceAccount", Name: sa.Name, Namespace: sa.Namespace}}
	if diff := cmp.Diff(want, subjects); diff != "" {
		t.Errorf("%s subjects (-want +got):\n%s", kind, diff)
	}
}

func TestSchemaRejectsMistypedValues(t *testing.T) {
	ch := loadChart(t)
	for _, values := range []string{
		`syncPeriod: ten minutes`,
		`ncp: {qps: fast}`,
		`ncp: {burst: 0}`,
		`ncp: {endpoint: {workplace: http://example.com}}`,
		`leaderElection: {enabled: "yes"}`,
		`metrics: {port: 70000}`,
		`image: {pullPolicy: Sometimes}`,
	} {
		var overrides map[string]any
		if err := yaml.Unmarshal([]byte(values), &overrides); err != nil {
			t.Fatal(err)
		}
		_, err := chartutil.ToRenderValues(ch, overrides,
			chartutil.ReleaseOptions{Name: releaseName, Namespace: releaseNamespace, IsInstall: true},
			chartutil.DefaultCapabilities)
		if err == nil {
			t.Errorf("values %s accepted; values.schema.json should reject them", values)
			continue
		}
		t.Logf("%s: %v", values, err)
	}
}
