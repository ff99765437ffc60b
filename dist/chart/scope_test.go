package chart

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// renderYAML renders the chart with values given as YAML.
func renderYAML(t *testing.T, values string) []manifest {
	t.Helper()
	var overrides map[string]any
	if err := yaml.Unmarshal([]byte(values), &overrides); err != nil {
		t.Fatalf("test values: %v", err)
	}
	return render(t, overrides)
}

// all returns every rendered object of kind, decoded strictly into T.
func all[T any](t *testing.T, manifests []manifest, kind string) []*T {
	t.Helper()
	var out []*T
	for _, m := range manifests {
		if m.kind == kind {
			obj := new(T)
			decodeStrict(t, m, obj)
			out = append(out, obj)
		}
	}
	return out
}

// generatedRole is config/rbac/role.yaml, the manager's rules as `make manifests` generates them.
func generatedRole(t *testing.T) *rbacv1.ClusterRole {
	t.Helper()
	return readManifest[rbacv1.ClusterRole](t, "config/rbac/role.yaml")
}

// plus returns the permissions of rules with extra ones added.
func plus(rules []rbacv1.PolicyRule, extra ...rbacv1.PolicyRule) []permission {
	return permissions(append(slices.Clone(rules), extra...))
}

var listWatchSecrets = rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"list", "watch"}}

// rulesOf is every rule the rendered Roles and ClusterRoles grant, by "Kind namespace/name".
func rulesOf(t *testing.T, manifests []manifest) map[string][]rbacv1.PolicyRule {
	t.Helper()
	out := map[string][]rbacv1.PolicyRule{}
	for _, cr := range all[rbacv1.ClusterRole](t, manifests, "ClusterRole") {
		out["ClusterRole "+cr.Name] = cr.Rules
	}
	for _, r := range all[rbacv1.Role](t, manifests, "Role") {
		out["Role "+r.Namespace+"/"+r.Name] = r.Rules
	}
	return out
}

func TestCredentialsSecretsAreListedOnlyWhenWatched(t *testing.T) {
	t.Run("default: get only", func(t *testing.T) {
		manifests := render(t, nil)
		cr := named[rbacv1.ClusterRole](t, manifests, "ClusterRole", "orgsync-manager-role")
		if !grants(cr.Rules, "", "secrets", "get") {
			t.Errorf("manager ClusterRole does not grant get on secrets: %+v", cr.Rules)
		}
		for object, rules := range rulesOf(t, manifests) {
			for _, verb := range []string{"list", "watch", "*"} {
				if grants(rules, "", "secrets", verb) || grants(rules, "*", "secrets", verb) || grants(rules, "", "*", verb) {
					t.Errorf("%s grants %s on secrets; the default install reads one Secret at a time", object, verb)
				}
			}
		}
		c := managerContainer(t, one[appsv1.Deployment](t, manifests, "Deployment"))
		if value, ok := flags(t, c.Args)["watch-credentials-secrets"]; ok {
			t.Errorf("--watch-credentials-secrets%s passed by default", value)
		}
	})
	t.Run("credentials.watch: list and watch, and the flag", func(t *testing.T) {
		manifests := renderYAML(t, `credentials: {watch: true}`)
		cr := named[rbacv1.ClusterRole](t, manifests, "ClusterRole", "orgsync-manager-role")
		want := plus(generatedRole(t).Rules, listWatchSecrets)
		if diff := cmp.Diff(want, permissions(cr.Rules), cmp.AllowUnexported(permission{})); diff != "" {
			t.Errorf("manager ClusterRole with credentials.watch: want config/rbac/role.yaml plus list and watch on secrets (-want +got):\n%s", diff)
		}
		c := managerContainer(t, one[appsv1.Deployment](t, manifests, "Deployment"))
		if value, ok := flags(t, c.Args)["watch-credentials-secrets"]; !ok || value != "" {
			t.Errorf("--watch-credentials-secrets: present %t, value %q; want the bare flag", ok, value)
		}
	})
}

func TestWatchNamespacesRenderRolesInThoseNamespacesOnly(t *testing.T) {
	for _, tc := range []struct {
		name, values string
		wantRules    []permission
	}{
		{"namespaces", `watchNamespaces: [a, b]`, permissions(generatedRole(t).Rules)},
		{"namespaces with credentials.watch", `{watchNamespaces: [a, b], credentials: {watch: true}}`, plus(generatedRole(t).Rules, listWatchSecrets)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			manifests := renderYAML(t, tc.values)
			sa := one[corev1.ServiceAccount](t, manifests, "ServiceAccount")

			// A Role and its RoleBinding in each watched namespace, with the manager's rules.
			checkManagerRolesInAAndB(t, manifests, tc.wantRules, sa)

			// No cluster-wide grant of anything the manager reads.
			checkNoClusterWideGrant(t, manifests)
			// What stays: leader election in the release namespace, metrics authorisation.
			le := named[rbacv1.Role](t, manifests, "Role", "orgsync-leader-election-role")
			if le.Namespace != releaseNamespace || !grants(le.Rules, "coordination.k8s.io", "leases", "get", "create", "update") {
				t.Errorf("leader-election Role in %q grants %+v; want leases in %q", le.Namespace, le.Rules, releaseNamespace)
			}
			named[rbacv1.ClusterRole](t, manifests, "ClusterRole", "orgsync-metrics-auth-role")

			c := managerContainer(t, one[appsv1.Deployment](t, manifests, "Deployment"))
			if got := flags(t, c.Args)["watch-namespaces"]; got != "a,b" {
				t.Errorf("--watch-namespaces=%q, want a,b", got)
			}
		})
	}
}

// checkManagerRolesInAAndB wants a Role orgsync-manager-role granting wantRules, bound to sa,
// in the namespaces a and b and in no other.
func checkManagerRolesInAAndB(t *testing.T, manifests []manifest, wantRules []permission, sa *corev1.ServiceAccount) {
	t.Helper()
	roles := map[string]*rbacv1.Role{}
	for _, r := range all[rbacv1.Role](t, manifests, "Role") {
		if r.Name == "orgsync-manager-role" {
			roles[r.Namespace] = r
		}
	}
	bindings := map[string]*rbacv1.RoleBinding{}
	for _, rb := range all[rbacv1.RoleBinding](t, manifests, "RoleBinding") {
		if rb.Name == "orgsync-manager-rolebinding" {
			bindings[rb.Namespace] = rb
		}
	}
	for _, ns := range []string{"a", "b"} {
		role, rb := roles[ns], bindings[ns]
		if role == nil || rb == nil {
			t.Fatalf("namespace %s: Role %v, RoleBinding %v; want orgsync-manager-role and its binding", ns, role != nil, rb != nil)
		}
		if diff := cmp.Diff(wantRules, permissions(role.Rules), cmp.AllowUnexported(permission{})); diff != "" {
			t.Errorf("Role %s/%s grants (-want +got):\n%s", ns, role.Name, diff)
		}
		checkBinding(t, "RoleBinding "+ns+"/"+rb.Name, rb.RoleRef, rb.Subjects, "Role", role.Name, sa)
	}
	if len(roles) != 2 || len(bindings) != 2 {
		t.Errorf("manager Roles in %v, RoleBindings in %v; want a and b only", slices.Sorted(maps.Keys(roles)), slices.Sorted(maps.Keys(bindings)))
	}
}

// checkNoClusterWideGrant wants no ClusterRole or ClusterRoleBinding to grant the manager
// anything it reads, and every RoleBinding to refer to a Role.
func checkNoClusterWideGrant(t *testing.T, manifests []manifest) {
	t.Helper()
	for _, object := range []string{"ClusterRole orgsync-manager-role", "ClusterRoleBinding orgsync-manager-rolebinding"} {
		if slices.Contains(names(manifests), object) {
			t.Errorf("%s rendered in namespaced mode", object)
		}
	}
	// The ClusterRoles the chart binds (not the tenant roles, which it only ships) grant nothing
	// of the manager's namespaced work: of orgsync.dev, only the manager's own cluster-scoped
	// records.
	bound := map[string]bool{}
	for _, crb := range all[rbacv1.ClusterRoleBinding](t, manifests, "ClusterRoleBinding") {
		bound[crb.RoleRef.Name] = true
	}
	for _, cr := range all[rbacv1.ClusterRole](t, manifests, "ClusterRole") {
		if !bound[cr.Name] {
			continue
		}
		for _, p := range permissions(cr.Rules) {
			if (p.group == "orgsync.dev" && p.resource != "remotetargets") || p.group == "*" || p.resource == "secrets" || p.resource == "*" || p.resource == "events" {
				t.Errorf("ClusterRole %s grants %+v in namespaced mode", cr.Name, p)
			}
		}
	}
	for _, rb := range all[rbacv1.RoleBinding](t, manifests, "RoleBinding") {
		if rb.RoleRef.Kind != "Role" {
			t.Errorf("RoleBinding %s/%s refers to a %s", rb.Namespace, rb.Name, rb.RoleRef.Kind)
		}
	}
}

func TestShardsRenderADeploymentEach(t *testing.T) {
	defaults := managerContainer(t, one[appsv1.Deployment](t, render(t, nil), "Deployment"))
	manifests := renderYAML(t, `{shards: [s1, s2], replicas: 2, metrics: {serviceMonitor: {enabled: true}}}`)
	sa := one[corev1.ServiceAccount](t, manifests, "ServiceAccount")

	deployments := all[appsv1.Deployment](t, manifests, "Deployment")
	var got []string
	for _, d := range deployments {
		got = append(got, d.Name)
	}
	if diff := cmp.Diff([]string{"orgsync-s1", "orgsync-s2"}, got); diff != "" {
		t.Fatalf("Deployments (-want +got):\n%s", diff)
	}
	svc := one[corev1.Service](t, manifests, "Service")
	for i, d := range deployments {
		checkShardDeployment(t, d, deployments[1-i], []string{"s1", "s2"}[i], defaults, sa, svc)
	}
	sm := one[serviceMonitor](t, manifests, "ServiceMonitor")
	if selector, err := metav1.LabelSelectorAsSelector(&sm.Spec.Selector); err != nil || !selector.Matches(labels.Set(svc.Labels)) {
		t.Errorf("ServiceMonitor selector %v (%v) does not select the metrics Service %v", selector, err, svc.Labels)
	}

	// With replicas > 1 each shard's Deployment has its own PodDisruptionBudget.
	var budgets []string
	for _, m := range manifests {
		if m.kind == "PodDisruptionBudget" {
			budgets = append(budgets, m.name)
		}
	}
	if diff := cmp.Diff([]string{"orgsync-s1", "orgsync-s2"}, budgets); diff != "" {
		t.Errorf("PodDisruptionBudgets (-want +got):\n%s", diff)
	}

	// The shards share the RBAC of the unsharded install; leader election covers every shard's
	// Lease (orgsync-<hash>.orgsync.dev), so it must not be limited to resource names.
	others := func(manifests []manifest) []string {
		return names(slices.DeleteFunc(slices.Clone(manifests), func(m manifest) bool {
			return m.kind == "Deployment" || m.kind == "ServiceMonitor" || m.kind == "PodDisruptionBudget"
		}))
	}
	if diff := cmp.Diff(others(render(t, nil)), others(manifests)); diff != "" {
		t.Errorf("objects besides the Deployments differ from the unsharded install's (-unsharded +sharded):\n%s", diff)
	}
	le := named[rbacv1.Role](t, manifests, "Role", "orgsync-leader-election-role")
	for _, r := range le.Rules {
		if slices.Contains(r.Resources, "leases") && len(r.ResourceNames) > 0 {
			t.Errorf("leader-election Role limits leases to %v; each shard has its own Lease", r.ResourceNames)
		}
	}

	notes, err := renderFiles(t, map[string]any{"shards": []any{"s1", "s2"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := notes["orgsync/templates/NOTES.txt"]; !strings.Contains(n, "sharding.orgsync.dev/key") {
		t.Errorf("NOTES.txt does not tell which label the shards select:\n%s", n)
	}
}

// checkShardDeployment wants the Deployment d of shard to run the manager as the unsharded
// defaults do, as sa, with the shard's selector, owning its own Pods only (not other's), and
// reached by the metrics Service svc.
func checkShardDeployment(t *testing.T, d, other *appsv1.Deployment, shard string, defaults corev1.Container, sa *corev1.ServiceAccount, svc *corev1.Service) {
	t.Helper()
	c := managerContainer(t, d)

	// The defaults' flags, and the shard's selector.
	want := flags(t, defaults.Args)
	want["watch-label-selector"] = "sharding.orgsync.dev/key=" + shard
	if diff := cmp.Diff(want, flags(t, c.Args)); diff != "" {
		t.Errorf("%s: manager flags (-want +got):\n%s", d.Name, diff)
	}
	if d.Namespace != releaseNamespace || d.Spec.Template.Spec.ServiceAccountName != sa.Name {
		t.Errorf("%s: in %q as %q; want %q as %q", d.Name, d.Namespace, d.Spec.Template.Spec.ServiceAccountName, releaseNamespace, sa.Name)
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
		t.Errorf("%s: replicas %v, want 2 (replicas is per shard)", d.Name, d.Spec.Replicas)
	}
	if diff := cmp.Diff(defaults.SecurityContext, c.SecurityContext); diff != "" {
		t.Errorf("%s: securityContext differs from the unsharded Deployment's:\n%s", d.Name, diff)
	}

	// Each Deployment owns its own Pods only; the metrics Service reaches all of them.
	selector, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		t.Fatal(err)
	}
	if !selector.Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("%s: selector %s does not match its Pods %v", d.Name, selector, d.Spec.Template.Labels)
	}
	if selector.Matches(labels.Set(other.Spec.Template.Labels)) {
		t.Errorf("%s: selector %s also matches %s's Pods %v", d.Name, selector, other.Name, other.Spec.Template.Labels)
	}
	if !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("metrics Service selects %v, not %s's Pods %v", svc.Spec.Selector, d.Name, d.Spec.Template.Labels)
	}
	if containerPort(c, svc.Spec.Ports[0].TargetPort.String()) != svc.Spec.Ports[0].Port {
		t.Errorf("%s: no container port %s for the metrics Service", d.Name, svc.Spec.Ports[0].TargetPort.String())
	}
}
