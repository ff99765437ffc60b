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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
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
	template  string
	kind      string
	name      string
	namespace string // set for kustomize output only
	raw       []byte
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
	return renderRelease(t, releaseName, releaseNamespace, overrides)
}

// renderRelease renders the chart as `helm install <name> dist/chart -n <namespace>` would.
func renderRelease(t *testing.T, name, namespace string, overrides map[string]any) []manifest {
	t.Helper()
	return renderOn(t, name, namespace, overrides, chartutil.DefaultCapabilities)
}

// renderOn renders the chart as `helm install` would on a cluster with caps.
func renderOn(t *testing.T, name, namespace string, overrides map[string]any, caps *chartutil.Capabilities) []manifest {
	t.Helper()
	files, err := renderFilesOn(t, name, namespace, overrides, caps)
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

// renderFiles renders the chart's templates, returning Helm's error (a template's fail, say).
func renderFiles(t *testing.T, overrides map[string]any) (map[string]string, error) {
	t.Helper()
	return renderFilesAs(t, releaseName, releaseNamespace, overrides)
}

func renderFilesAs(t *testing.T, name, namespace string, overrides map[string]any) (map[string]string, error) {
	t.Helper()
	return renderFilesOn(t, name, namespace, overrides, chartutil.DefaultCapabilities)
}

func renderFilesOn(t *testing.T, name, namespace string, overrides map[string]any, caps *chartutil.Capabilities) (map[string]string, error) {
	t.Helper()
	ch := loadChart(t)
	values, err := chartutil.ToRenderValues(ch, overrides,
		chartutil.ReleaseOptions{Name: name, Namespace: namespace, Revision: 1, IsInstall: true},
		caps)
	if err != nil {
		t.Fatalf("building render values: %v", err)
	}
	return engine.Render(ch, values)
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

// named returns the rendered object of kind with name, decoded strictly into T.
func named[T any](t *testing.T, manifests []manifest, kind, name string) *T {
	t.Helper()
	for _, m := range manifests {
		if m.kind == kind && m.name == name {
			obj := new(T)
			decodeStrict(t, m, obj)
			return obj
		}
	}
	t.Fatalf("no %s %q rendered", kind, name)
	return nil
}

func names(manifests []manifest) []string {
	var ns []string
	for _, m := range manifests {
		ns = append(ns, m.kind+" "+m.name)
	}
	slices.Sort(ns)
	return ns
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
	data, err := os.ReadFile(filepath.Join(repoRoot, "config", "manager", "manager.yaml"))
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

	wantObjects := []string{
		"ClusterRole orgsync-department-editor-role",
		"ClusterRole orgsync-department-viewer-role",
		"ClusterRole orgsync-manager-role",
		"ClusterRole orgsync-metrics-auth-role",
		"ClusterRole orgsync-metrics-reader",
		"ClusterRole orgsync-organization-editor-role",
		"ClusterRole orgsync-organization-viewer-role",
		"ClusterRoleBinding orgsync-manager-rolebinding",
		"ClusterRoleBinding orgsync-metrics-auth-rolebinding",
		"Deployment orgsync-controller-manager",
		"NetworkPolicy orgsync",
		"Role orgsync-leader-election-role",
		"RoleBinding orgsync-leader-election-rolebinding",
		"Service orgsync-metrics",
		"ServiceAccount orgsync",
	}
	if diff := cmp.Diff(wantObjects, names(manifests)); diff != "" {
		t.Errorf("rendered objects (-want +got):\n%s", diff)
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
		"metrics-bind-address":      ":8443",
		"metrics-secure":            "true",
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
	checkHardenedAsKustomize(t, ref, d)

	// Spelled out as well, so that a change to both files at once is still noticed.
	checkSecurityContext(t, c.SecurityContext)
	checkProbesAndResources(t, c)

	// The objects refer to each other by the names they were rendered with.
	sa := one[corev1.ServiceAccount](t, manifests, "ServiceAccount")
	if d.Spec.Template.Spec.ServiceAccountName != sa.Name {
		t.Errorf("Deployment runs as %q, the chart's ServiceAccount is %q", d.Spec.Template.Spec.ServiceAccountName, sa.Name)
	}
	role, rb := checkBindings(t, manifests, sa)
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
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 8443 || containerPort(c, svc.Spec.Ports[0].TargetPort.String()) != 8443 {
		t.Errorf("metrics Service ports = %+v, want 8443 to the container's metrics port 8443", svc.Spec.Ports)
	}
	// The kustomize install serves metrics on the same port, through the same flags.
	refFlags := flags(t, refC.Args)
	if refFlags["metrics-bind-address"] != ":8443" || containerPort(refC, "metrics") != 8443 {
		t.Errorf("config/manager: --metrics-bind-address=%s, metrics port %d; want :8443 as the chart",
			refFlags["metrics-bind-address"], containerPort(refC, "metrics"))
	}
	if secure, set := refFlags["metrics-secure"]; set && secure != "true" {
		t.Errorf("config/manager passes --metrics-secure=%s; the chart's default is true", secure)
	}
}

// checkHardenedAsKustomize wants the chart's Deployment d hardened as config/manager's ref: the
// same security contexts, probes, resources and termination grace period.
func checkHardenedAsKustomize(t *testing.T, ref, d *appsv1.Deployment) {
	t.Helper()
	c, refC := managerContainer(t, d), managerContainer(t, ref)
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
}

// checkSecurityContext wants the manager container's securityContext spelled out: non-root
// 65532, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp.
func checkSecurityContext(t *testing.T, sc *corev1.SecurityContext) {
	t.Helper()
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
}

// checkProbesAndResources wants the liveness and readiness probes on the health port 8081, and
// cpu and memory requests and limits.
func checkProbesAndResources(t *testing.T, c corev1.Container) {
	t.Helper()
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
}

// valuesCase is one row of TestValuesReachTheManager: values and what the chart renders of them.
type valuesCase struct {
	name      string
	values    string
	wantFlags map[string]string // flags that must have these values
	noFlags   []string          // flags that must be absent
	noKinds   []string          // kinds that must not be rendered
	noObjects []string          // "Kind name" of objects that must not be rendered
	check     func(t *testing.T, d *appsv1.Deployment)
}

func TestValuesReachTheManager(t *testing.T) {
	for _, tc := range []valuesCase{
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
allowInsecureEndpoints: true
ncp:
  endpoints:
    workplace: http://fakencp.orgsync-system.svc:8090
    organization: http://fakencp.orgsync-system.svc:8090/organization`,
			wantFlags: map[string]string{
				"ncp-workplace-endpoint":    "http://fakencp.orgsync-system.svc:8090",
				"ncp-organization-endpoint": "http://fakencp.orgsync-system.svc:8090/organization",
				"allow-insecure-endpoints":  "",
			},
		},
		{
			name:      "plain http allowed through extraArgs",
			values:    `{ncp: {endpoints: {workplace: "http://fakencp:8090"}}, extraArgs: [--allow-insecure-endpoints]}`,
			wantFlags: map[string]string{"ncp-workplace-endpoint": "http://fakencp:8090", "allow-insecure-endpoints": ""},
		},
		{
			name:      "https endpoints need no allowInsecureEndpoints",
			values:    `ncp: {endpoints: {workplace: "https://workplace.example.com"}}`,
			wantFlags: map[string]string{"ncp-workplace-endpoint": "https://workplace.example.com"},
			noFlags:   []string{"allow-insecure-endpoints"},
		},
		{
			name:      "Huawei Cloud allowed domains",
			values:    `huaweicloud: {allowedDomains: ["*.huaweioneaccess.com", "organizations.myhuaweicloud.com", "orgs.example.com"]}`,
			wantFlags: map[string]string{"huaweicloud-allowed-domains": "*.huaweioneaccess.com,organizations.myhuaweicloud.com,orgs.example.com"},
		},
		{
			name: "default endpoints, domains and plain http are not passed",
			noFlags: []string{"ncp-workplace-endpoint", "ncp-organization-endpoint",
				"huaweicloud-allowed-domains", "allow-insecure-endpoints", "metrics-cert-path"},
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
			values:    `metrics: {enabled: false, serviceMonitor: {enabled: true}}`,
			wantFlags: map[string]string{"metrics-bind-address": "0"},
			noFlags:   []string{"metrics-secure"},
			noKinds:   []string{"Service", "ServiceMonitor"},
			noObjects: []string{"ClusterRole orgsync-metrics-auth-role", "ClusterRoleBinding orgsync-metrics-auth-rolebinding", "ClusterRole orgsync-metrics-reader"},
			check:     checkNoMetricsPort,
		},
		{
			name:      "metrics over plain HTTP need no authorisation roles",
			values:    `metrics: {secure: false, port: 8080}`,
			wantFlags: map[string]string{"metrics-bind-address": ":8080", "metrics-secure": "false"},
			noObjects: []string{"ClusterRole orgsync-metrics-auth-role", "ClusterRoleBinding orgsync-metrics-auth-rolebinding", "ClusterRole orgsync-metrics-reader"},
		},
		{
			name:      "metrics certificate from a Secret",
			values:    `metrics: {certSecretName: orgsync-metrics-cert}`,
			wantFlags: map[string]string{"metrics-secure": "true", "metrics-cert-path": "/tmp/k8s-metrics-server/metrics-certs"},
			check:     checkMetricsCertMounted,
		},
		{
			name:      "metrics on another port",
			values:    `metrics: {port: 9090}`,
			wantFlags: map[string]string{"metrics-bind-address": ":9090"},
			check:     checkMetricsPort9090,
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
			check:     checkImageAndScheduling,
		},
	} {
		t.Run(tc.name, tc.run)
	}
}

// run renders the row's values and checks the objects, the manager's flags and the row's check.
func (tc valuesCase) run(t *testing.T) {
	var values map[string]any
	if err := yaml.Unmarshal([]byte(tc.values), &values); err != nil {
		t.Fatalf("test values: %v", err)
	}
	manifests := render(t, values)
	tc.checkObjects(t, manifests)
	d := one[appsv1.Deployment](t, manifests, "Deployment")
	tc.checkFlags(t, flags(t, managerContainer(t, d).Args))
	if tc.check != nil {
		tc.check(t, d)
	}
}

// checkObjects wants none of the row's noKinds and noObjects rendered.
func (tc valuesCase) checkObjects(t *testing.T, manifests []manifest) {
	t.Helper()
	for _, kind := range tc.noKinds {
		if slices.Contains(kinds(manifests), kind) {
			t.Errorf("%s rendered", kind)
		}
	}
	for _, object := range tc.noObjects {
		if slices.Contains(names(manifests), object) {
			t.Errorf("%s rendered", object)
		}
	}
}

// checkFlags wants the manager's flags got to hold the row's wantFlags and none of its noFlags.
func (tc valuesCase) checkFlags(t *testing.T, got map[string]string) {
	t.Helper()
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
}

// checkNoMetricsPort wants the manager container to declare no metrics port.
func checkNoMetricsPort(t *testing.T, d *appsv1.Deployment) {
	if port := containerPort(managerContainer(t, d), "metrics"); port != 0 {
		t.Errorf("metrics port %d still declared", port)
	}
}

// checkMetricsCertMounted wants the Secret orgsync-metrics-cert mounted, read-only, where
// --metrics-cert-path reads it.
func checkMetricsCertMounted(t *testing.T, d *appsv1.Deployment) {
	c := managerContainer(t, d)
	want := []corev1.VolumeMount{{Name: "metrics-certs", MountPath: "/tmp/k8s-metrics-server/metrics-certs", ReadOnly: true}}
	if diff := cmp.Diff(want, c.VolumeMounts); diff != "" {
		t.Errorf("volumeMounts (-want +got):\n%s", diff)
	}
	vols := d.Spec.Template.Spec.Volumes
	if len(vols) != 1 || vols[0].Name != "metrics-certs" || vols[0].Secret == nil || vols[0].Secret.SecretName != "orgsync-metrics-cert" {
		t.Errorf("volumes = %+v, want metrics-certs from the Secret orgsync-metrics-cert", vols)
	}
}

// checkMetricsPort9090 wants the manager container's metrics port to be 9090.
func checkMetricsPort9090(t *testing.T, d *appsv1.Deployment) {
	if port := containerPort(managerContainer(t, d), "metrics"); port != 9090 {
		t.Errorf("metrics container port = %d, want 9090", port)
	}
}

// checkImageAndScheduling wants the image, replicas, resources, scheduling and pod security
// context of the row "image, replicas, resources and scheduling".
func checkImageAndScheduling(t *testing.T, d *appsv1.Deployment) {
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
	for _, name := range []string{"orgsync-manager-rolebinding", "orgsync-metrics-auth-rolebinding"} {
		crb := named[rbacv1.ClusterRoleBinding](t, manifests, "ClusterRoleBinding", name)
		if len(crb.Subjects) != 1 || crb.Subjects[0].Name != "platform-orgsync" {
			t.Errorf("ClusterRoleBinding %s subjects = %+v, want platform-orgsync", name, crb.Subjects)
		}
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
	data, err := os.ReadFile(filepath.Join(repoRoot, "config", "rbac", "role.yaml"))
	if err != nil {
		t.Fatalf("%v (run `make manifests`)", err)
	}
	var generated rbacv1.ClusterRole
	if err := unmarshalStrict(data, &generated); err != nil {
		t.Fatalf("config/rbac/role.yaml: %v", err)
	}
	cr := named[rbacv1.ClusterRole](t, render(t, nil), "ClusterRole", "orgsync-manager-role")
	if diff := cmp.Diff(permissions(generated.Rules), permissions(cr.Rules), cmp.AllowUnexported(permission{})); diff != "" {
		t.Errorf("dist/chart/templates/clusterrole.yaml grants other permissions than config/rbac/role.yaml, "+
			"which `make manifests` generates from the +kubebuilder:rbac markers; copy its rules into the chart "+
			"(-role.yaml +chart):\n%s", diff)
	}
}

func TestCRDsAreTheGeneratedOnes(t *testing.T) {
	bases, err := filepath.Glob(filepath.Join(repoRoot, "config", "crd", "bases", "*.yaml"))
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

// checkBindings checks that the manager's ClusterRoles (its own and metrics-auth) and its leader
// election Role are bound to sa by the names they were rendered with, and returns the Role and its
// RoleBinding.
func checkBindings(t *testing.T, manifests []manifest, sa *corev1.ServiceAccount) (*rbacv1.Role, *rbacv1.RoleBinding) {
	t.Helper()
	for _, pair := range [][2]string{
		{"orgsync-manager-role", "orgsync-manager-rolebinding"},
		{"orgsync-metrics-auth-role", "orgsync-metrics-auth-rolebinding"},
	} {
		cr := named[rbacv1.ClusterRole](t, manifests, "ClusterRole", pair[0])
		crb := named[rbacv1.ClusterRoleBinding](t, manifests, "ClusterRoleBinding", pair[1])
		checkBinding(t, "ClusterRoleBinding "+crb.Name, crb.RoleRef, crb.Subjects, "ClusterRole", cr.Name, sa)
	}
	role := one[rbacv1.Role](t, manifests, "Role")
	rb := one[rbacv1.RoleBinding](t, manifests, "RoleBinding")
	checkBinding(t, "RoleBinding", rb.RoleRef, rb.Subjects, "Role", role.Name, sa)
	return role, rb
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
		`metrics: {secure: "no"}`,
		`metrics: {serviceMonitor: {enabled: "yes"}}`,
		`metrics: {serviceMonitor: {interval: often}}`,
		`metrics: {serviceMonitor: {endpoint: {scheme: https}}}`,
		`prometheusRule: {enabled: "yes"}`,
		`prometheusRule: {departmentNotReadyFor: an hour}`,
		`prometheusRule: {departmentNotReadyFor: 1.5h}`,
		`prometheusRule: {listingMissedSyncPeriods: 1}`,
		`prometheusRule: {remoteErrorRatio: 10}`,
		`prometheusRule: {runbookURL: docs/operations.md}`,
		`prometheusRule: {alerts: []}`,
		`grafanaDashboard: {labels: {grafana_dashboard: 1}}`,
		`grafanaDashboard: {namespace: Monitoring}`,
		`podDisruptionBudget: {maxUnavailable: 0}`,
		`podDisruptionBudget: {maxUnavailable: "half"}`,
		`podDisruptionBudget: {minAvailable: 1}`,
		`huaweicloud: {allowedDomains: "*.huaweioneaccess.com"}`,
		`huaweicloud: {allowedDomains: ["*.huaweioneaccess.com,organizations.myhuaweicloud.com"]}`,
		`huaweicloud: {allowedDomains: ["orgs.example.com "]}`,
		`huaweicloud: {allowedDomain: [orgs.example.com]}`,
		`allowInsecureEndpoints: "true"`,
		`watchNamespaces: "a,b"`,
		`watchNamespaces: ["a,b"]`,
		`watchNamespaces: [Team-A]`,
		`watchNamespaces: [a, a]`,
		`credentials: {watch: "yes"}`,
		`credentials: {watched: true}`,
		`shards: s1`,
		`shards: [Shard1]`,
		`shards: [s_1]`,
		`shards: [-s1]`,
		`shards: ["sharding.orgsync.dev/key=s1"]`,
		`shards: [s1, s1]`,
		`networkPolicy: {enabled: "yes"}`,
		`networkPolicy: {metricsNamespaces: monitoring}`,
		`networkPolicy: {metricsNamespaces: [Monitoring]}`,
		`networkPolicy: {egress: {remote: {ipBlocks: [{except: [10.0.0.0/8]}]}}}`,
		`networkPolicy: {egress: {apiServer: {ports: []}}}`,
		`networkPolicy: {egress: {apiServerCIDRs: [10.0.0.1/32]}}`,
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

// readManifest decodes the only object of a file in config/ strictly into T.
func readManifest[T any](t *testing.T, path string) *T {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, path))
	if err != nil {
		t.Fatal(err)
	}
	obj := new(T)
	if err := unmarshalStrict(data, obj); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return obj
}

func TestMetricsRolesAreTheKustomizeOnes(t *testing.T) {
	manifests := render(t, nil)
	for _, tc := range []struct{ file, name string }{
		{"config/rbac/metrics_auth_role.yaml", "orgsync-metrics-auth-role"},
		{"config/rbac/metrics_reader_role.yaml", "orgsync-metrics-reader"},
		{"config/rbac/organization_editor_role.yaml", "orgsync-organization-editor-role"},
		{"config/rbac/organization_viewer_role.yaml", "orgsync-organization-viewer-role"},
		{"config/rbac/department_editor_role.yaml", "orgsync-department-editor-role"},
		{"config/rbac/department_viewer_role.yaml", "orgsync-department-viewer-role"},
	} {
		want := readManifest[rbacv1.ClusterRole](t, tc.file)
		got := named[rbacv1.ClusterRole](t, manifests, "ClusterRole", tc.name)
		if diff := cmp.Diff(permissions(want.Rules), permissions(got.Rules), cmp.AllowUnexported(permission{})); diff != "" {
			t.Errorf("ClusterRole %s grants other permissions than %s (-kustomize +chart):\n%s", tc.name, tc.file, diff)
		}
	}
	checkTenantRoles(t, manifests)
	// Spelled out: what the metrics filter (cmd/metricsauth.go) needs, and what it checks.
	auth := named[rbacv1.ClusterRole](t, manifests, "ClusterRole", "orgsync-metrics-auth-role")
	if !grants(auth.Rules, "authentication.k8s.io", "tokenreviews", "create") ||
		!grants(auth.Rules, "authorization.k8s.io", "subjectaccessreviews", "create") {
		t.Errorf("metrics-auth-role does not grant create on tokenreviews and subjectaccessreviews: %+v", auth.Rules)
	}
	reader := named[rbacv1.ClusterRole](t, manifests, "ClusterRole", "orgsync-metrics-reader")
	if want := []permission{{nonResourceURL: "/metrics", verb: "get"}}; !slices.Equal(want, permissions(reader.Rules)) {
		t.Errorf("metrics-reader grants %+v, want only get on /metrics", permissions(reader.Rules))
	}
}

// serviceMonitor is the part of prometheus-operator's ServiceMonitor the chart renders; the
// chart's module does not depend on prometheus-operator, and a strict decode into this type
// still catches misspelled or misplaced fields.
type serviceMonitor struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Spec       struct {
		Endpoints []serviceMonitorEndpoint `json:"endpoints"`
		Selector  metav1.LabelSelector     `json:"selector"`
	} `json:"spec"`
}

// serviceMonitorEndpoint is one scrape of a ServiceMonitor.
type serviceMonitorEndpoint struct {
	Path            string         `json:"path"`
	Port            string         `json:"port"`
	Interval        string         `json:"interval,omitempty"`
	Scheme          string         `json:"scheme"`
	BearerTokenFile string         `json:"bearerTokenFile,omitempty"`
	TLSConfig       map[string]any `json:"tlsConfig,omitempty"`
}

// serviceMonitorCase is one row of TestServiceMonitorScrapesTheMetricsService: values and the
// scrape they make.
type serviceMonitorCase struct {
	name, values                string
	wantScheme, wantBearerToken string
	wantTLS                     map[string]any
	wantInterval                string
	wantLabels                  map[string]string
}

func TestServiceMonitorScrapesTheMetricsService(t *testing.T) {
	if slices.Contains(kinds(render(t, nil)), "ServiceMonitor") {
		t.Error("ServiceMonitor rendered by default; it needs prometheus-operator's CRDs")
	}
	ref := readManifest[serviceMonitor](t, "config/prometheus/monitor.yaml")
	for _, tc := range []serviceMonitorCase{
		{
			name:            "https with the scraper's token",
			values:          `metrics: {serviceMonitor: {enabled: true}}`,
			wantScheme:      "https",
			wantBearerToken: "/var/run/secrets/kubernetes.io/serviceaccount/token",
			wantTLS:         map[string]any{"insecureSkipVerify": true},
		},
		{
			name: "verified certificate, interval and labels",
			values: `
metrics:
  certSecretName: orgsync-metrics-cert
  serviceMonitor:
    enabled: true
    interval: 30s
    labels: {release: kube-prometheus-stack}
    tlsConfig: {ca: {secret: {name: orgsync-metrics-cert, key: ca.crt}}, serverName: orgsync-metrics.orgsync-system.svc}`,
			wantScheme:      "https",
			wantBearerToken: "/var/run/secrets/kubernetes.io/serviceaccount/token",
			wantTLS: map[string]any{
				"ca":         map[string]any{"secret": map[string]any{"name": "orgsync-metrics-cert", "key": "ca.crt"}},
				"serverName": "orgsync-metrics.orgsync-system.svc",
			},
			wantInterval: "30s",
			wantLabels:   map[string]string{"release": "kube-prometheus-stack"},
		},
		{
			name:       "plain http without a token",
			values:     `metrics: {secure: false, serviceMonitor: {enabled: true}}`,
			wantScheme: "http",
		},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, ref) })
	}
}

// run renders the row's values and wants a ServiceMonitor beside the metrics Service, selecting
// it, with the row's labels and scrape; the default https scrape is ref's (config/prometheus).
func (tc serviceMonitorCase) run(t *testing.T, ref *serviceMonitor) {
	var values map[string]any
	if err := yaml.Unmarshal([]byte(tc.values), &values); err != nil {
		t.Fatal(err)
	}
	manifests := render(t, values)
	sm := one[serviceMonitor](t, manifests, "ServiceMonitor")
	svc := one[corev1.Service](t, manifests, "Service")
	if sm.APIVersion != ref.APIVersion || sm.Metadata.Namespace != releaseNamespace {
		t.Errorf("ServiceMonitor %s in %q, want %s in the release namespace", sm.APIVersion, sm.Metadata.Namespace, ref.APIVersion)
	}
	for k, v := range tc.wantLabels {
		if sm.Metadata.Labels[k] != v {
			t.Errorf("ServiceMonitor label %s = %q, want %q", k, sm.Metadata.Labels[k], v)
		}
	}
	selector, err := metav1.LabelSelectorAsSelector(&sm.Spec.Selector)
	if err != nil || selector.Empty() || !selector.Matches(labels.Set(svc.Labels)) {
		t.Errorf("ServiceMonitor selector %v (%v) does not select the metrics Service (labels %v)", selector, err, svc.Labels)
	}
	if len(sm.Spec.Endpoints) != 1 {
		t.Fatalf("ServiceMonitor endpoints = %+v, want one", sm.Spec.Endpoints)
	}
	tc.checkEndpoint(t, sm.Spec.Endpoints[0], svc, ref)
}

// checkEndpoint wants ep to scrape /metrics on svc's port with the row's scheme, token, interval
// and TLS, and, for the default https scrape, as ref's endpoint does.
func (tc serviceMonitorCase) checkEndpoint(t *testing.T, ep serviceMonitorEndpoint, svc *corev1.Service, ref *serviceMonitor) {
	t.Helper()
	if ep.Path != "/metrics" || len(svc.Spec.Ports) != 1 || ep.Port != svc.Spec.Ports[0].Name {
		t.Errorf("ServiceMonitor scrapes %s on port %q; want /metrics on the Service's port %+v", ep.Path, ep.Port, svc.Spec.Ports)
	}
	if ep.Scheme != tc.wantScheme || ep.BearerTokenFile != tc.wantBearerToken || ep.Interval != tc.wantInterval {
		t.Errorf("ServiceMonitor endpoint: scheme %q, bearerTokenFile %q, interval %q; want %q, %q, %q",
			ep.Scheme, ep.BearerTokenFile, ep.Interval, tc.wantScheme, tc.wantBearerToken, tc.wantInterval)
	}
	if diff := cmp.Diff(tc.wantTLS, ep.TLSConfig); diff != "" {
		t.Errorf("ServiceMonitor tlsConfig (-want +got):\n%s", diff)
	}
	if tc.wantScheme == "https" && tc.wantInterval == "" {
		// The default scrape is config/prometheus's.
		refEp := ref.Spec.Endpoints[0]
		if ep.Scheme != refEp.Scheme || ep.BearerTokenFile != refEp.BearerTokenFile || ep.Port != refEp.Port || !cmp.Equal(ep.TLSConfig, refEp.TLSConfig) {
			t.Errorf("ServiceMonitor endpoint %+v differs from config/prometheus/monitor.yaml's %+v", ep, refEp)
		}
	}
}

func TestValuesTheManagerWouldRefuseFailTheInstall(t *testing.T) {
	for _, tc := range []struct{ values, wantErr string }{
		{`ncp: {endpoints: {workplace: "http://fakencp:8090"}}`, "allowInsecureEndpoints"},
		{`ncp: {endpoints: {organization: "HTTP://fakencp:8090/organization"}}`, "allowInsecureEndpoints"},
		{`metrics: {secure: false, certSecretName: orgsync-metrics-cert}`, "metrics.secure"},
		// The flags that need other RBAC come from the values that render it.
		{`extraArgs: [--watch-namespaces=a]`, "watchNamespaces"},
		{`extraArgs: [--watch-credentials-secrets]`, "credentials.watch"},
		{`{shards: [s1], extraArgs: ["--watch-label-selector=team=a"]}`, "shards"},
	} {
		var values map[string]any
		if err := yaml.Unmarshal([]byte(tc.values), &values); err != nil {
			t.Fatal(err)
		}
		_, err := renderFiles(t, values)
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("values %s: render error %v, want one naming %s", tc.values, err, tc.wantErr)
		}
	}
}

// checkTenantRoles wants the roles a cluster admin gives tenants aggregated to the built-in
// edit, admin and view roles, and none of them to grant a verb on a status subresource or on the
// manager's records.
func checkTenantRoles(t *testing.T, manifests []manifest) {
	t.Helper()
	for name, aggregates := range map[string][]string{
		"orgsync-organization-editor-role": {"edit", "admin"},
		"orgsync-department-editor-role":   {"edit", "admin"},
		"orgsync-organization-viewer-role": {"view"},
		"orgsync-department-viewer-role":   {"view"},
	} {
		role := named[rbacv1.ClusterRole](t, manifests, "ClusterRole", name)
		for _, to := range aggregates {
			if role.Labels["rbac.authorization.k8s.io/aggregate-to-"+to] != "true" {
				t.Errorf("ClusterRole %s is not aggregated to %s: labels %v", name, to, role.Labels)
			}
		}
		for _, p := range permissions(role.Rules) {
			if strings.Contains(p.resource, "/") || p.resource == "remotetargets" || p.group != "orgsync.dev" {
				t.Errorf("ClusterRole %s grants %+v", name, p)
			}
		}
	}
}
