package chart

import (
	"bytes"
	"context"
	"os/exec"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"github.com/orgsync/orgsync/internal/testenv"
)

// access asks the API server, as one identity, whether it may do things.
type access struct {
	t    *testing.T
	ctx  context.Context
	as   kubernetes.Interface
	user string
}

// can reports whether the identity may do verb on group/resource in namespace ("": cluster-wide,
// every namespace at once).
func (a access) can(verb, group, resource, namespace string) bool {
	a.t.Helper()
	review, err := a.as.AuthorizationV1().SelfSubjectAccessReviews().Create(a.ctx, &authorizationv1.SelfSubjectAccessReview{
		Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{
			Verb: verb, Group: group, Resource: resource, Namespace: namespace,
		}},
	}, metav1.CreateOptions{})
	if err != nil {
		a.t.Fatalf("SelfSubjectAccessReview as %s: %v", a.user, err)
	}
	return review.Status.Allowed
}

// check is one access review and its expected answer.
type check struct {
	verb, group, resource, namespace string
	allowed                          bool
}

func (c check) String() string {
	where := "cluster-wide"
	if c.namespace != "" {
		where = "in " + c.namespace
	}
	group := c.group
	if group == "" {
		group = "core"
	}
	return c.verb + " " + group + "/" + c.resource + " " + where
}

// TestRenderedRBACOnAnAPIServer installs renders of the chart (CRDs, then every rendered object,
// with kubectl apply) into a real API server, and asks it, impersonating each release's
// ServiceAccount, what the manager may do: the default install may get Secrets but not list or
// watch them anywhere; a namespaced install (watchNamespaces) may do its work in its namespaces
// and read nothing outside them, not even cluster-wide (it may get those namespaces themselves,
// and no other); credentials.watch adds list and watch on
// Secrets in the manager's scope only.
func TestRenderedRBACOnAnAPIServer(t *testing.T) {
	cp := testenv.StartOrSkip(t, testenv.Options{CRDs: []string{"crds"}})
	admin, kubectl := cp.Admin, cp.Kubectl()
	kubeconfigPath, err := cp.AdminKubeconfig(t.TempDir(), "chart-admin")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cs := kubernetes.NewForConfigOrDie(admin)

	releases := []rbacRelease{
		{
			name: "orgsync", namespace: "orgsync-system",
			checks: []check{
				{"get", "", "secrets", "a", true},
				{"get", "", "secrets", "", true},
				{"list", "orgsync.dev", "departments", "", true},
				{"watch", "orgsync.dev", "organizations", "c", true},
				// The manager's own records of who holds each remote chart: cluster-scoped.
				{"create", "orgsync.dev", "remotetargets", "", true},
				// One Secret at a time: no listing or watching, in any namespace.
				{"list", "", "secrets", "a", false},
				{"watch", "", "secrets", "a", false},
				{"list", "", "secrets", "orgsync-system", false},
				{"list", "", "secrets", "", false},
				{"watch", "", "secrets", "", false},
				// Whether a Department's namespace is being deleted.
				{"get", "", "namespaces", "a", true},
				{"list", "", "namespaces", "", false},
			},
		},
		{
			name: "tenant", namespace: "tenant-system", values: `watchNamespaces: [a, b]`,
			checks: []check{
				{"get", "", "secrets", "a", true},
				{"get", "", "secrets", "b", true},
				{"list", "orgsync.dev", "departments", "a", true},
				{"watch", "orgsync.dev", "departments", "b", true},
				{"list", "orgsync.dev", "organizations", "a", true},
				{"update", "orgsync.dev", "organizations/status", "a", true},
				{"update", "orgsync.dev", "departments/finalizers", "b", true},
				{"create", "events.k8s.io", "events", "a", true},
				{"update", "coordination.k8s.io", "leases", "tenant-system", true},
				{"create", "authentication.k8s.io", "tokenreviews", "", true},
				{"update", "orgsync.dev", "remotetargets", "", true},
				{"list", "", "secrets", "a", false},
				{"watch", "", "secrets", "b", false},
				// Outside the watched namespaces.
				{"get", "", "secrets", "c", false},
				{"list", "orgsync.dev", "departments", "c", false},
				{"list", "orgsync.dev", "organizations", "c", false},
				{"watch", "orgsync.dev", "organizations", "c", false},
				{"create", "events.k8s.io", "events", "c", false},
				{"get", "", "secrets", "tenant-system", false},
				{"list", "orgsync.dev", "organizations", "tenant-system", false},
				// Cluster-wide.
				{"get", "", "secrets", "", false},
				{"list", "orgsync.dev", "departments", "", false},
				{"list", "orgsync.dev", "organizations", "", false},
				{"watch", "orgsync.dev", "organizations", "", false},
				{"list", "", "secrets", "", false},
				{"create", "events.k8s.io", "events", "", false},
				// Its own namespaces (a request for a namespace is made in that namespace), and no other.
				{"get", "", "namespaces", "a", true},
				{"get", "", "namespaces", "b", true},
				{"get", "", "namespaces", "c", false},
				{"get", "", "namespaces", "tenant-system", false},
				{"get", "", "namespaces", "", false},
				{"list", "", "namespaces", "", false},
				{"watch", "", "namespaces", "", false},
			},
		},
		{
			name: "watcher", namespace: "watcher-system", values: `{watchNamespaces: [a], credentials: {watch: true}}`,
			checks: []check{
				{"get", "", "secrets", "a", true},
				{"list", "", "secrets", "a", true},
				{"watch", "", "secrets", "a", true},
				{"list", "", "secrets", "b", false},
				{"watch", "", "secrets", "c", false},
				{"get", "", "secrets", "c", false},
				{"list", "", "secrets", "", false},
				{"watch", "", "secrets", "", false},
			},
		},
		{
			name: "cluster", namespace: "cluster-system", values: `credentials: {watch: true}`,
			checks: []check{
				{"list", "", "secrets", "", true},
				{"watch", "", "secrets", "", true},
				{"create", "", "secrets", "a", false},
				{"update", "", "secrets", "a", false},
			},
		},
	}

	for _, ns := range []string{"a", "b", "c", "orgsync-system", "tenant-system", "watcher-system", "cluster-system"} {
		if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	identities := make([]access, len(releases))
	for i, r := range releases {
		identities[i] = installRelease(ctx, t, admin, kubectl, kubeconfigPath, r)
	}
	waitUntilAllowed(t, releases, identities)
	for i, r := range releases {
		t.Run(r.name, func(t *testing.T) {
			a := identities[i]
			a.t = t
			for _, c := range r.checks {
				if got := a.can(c.verb, c.group, c.resource, c.namespace); got != c.allowed {
					t.Errorf("%s may %s: %t, want %t", a.user, c, got, c.allowed)
				}
			}
		})
	}
}

// rbacRelease is a release of the chart and the access reviews its ServiceAccount must pass.
type rbacRelease struct {
	name, namespace, values string
	checks                  []check
}

// installRelease renders the release and applies every object with kubectl, and returns the
// identity of the ServiceAccount the chart created and the Deployment runs as.
func installRelease(ctx context.Context, t *testing.T, admin *rest.Config, kubectl, kubeconfigPath string, r rbacRelease) access {
	t.Helper()
	var overrides map[string]any
	if err := yaml.Unmarshal([]byte(r.values), &overrides); err != nil {
		t.Fatal(err)
	}
	manifests := renderRelease(t, r.name, r.namespace, overrides)
	var stream bytes.Buffer
	var sa string
	for _, m := range manifests {
		stream.WriteString("---\n")
		stream.Write(bytes.TrimLeft(m.raw, "\n"))
		stream.WriteString("\n")
		if m.kind == "ServiceAccount" {
			sa = m.name
		}
	}
	apply := exec.CommandContext(ctx, kubectl, "--kubeconfig", kubeconfigPath, "apply", "--server-side", "-f", "-")
	apply.Stdin = &stream
	if out, err := apply.CombinedOutput(); err != nil {
		t.Fatalf("release %s: kubectl apply of the rendered chart: %v\n%s", r.name, err, out)
	}
	if sa == "" {
		t.Fatalf("release %s renders no ServiceAccount", r.name)
	}
	cfg := rest.CopyConfig(admin)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: "system:serviceaccount:" + r.namespace + ":" + sa}
	return access{t: t, ctx: ctx, as: kubernetes.NewForConfigOrDie(cfg), user: cfg.Impersonate.UserName}
}

// waitUntilAllowed waits until every allowed check passes before a denial is trusted: the
// authorizer learns of new bindings through its informers.
func waitUntilAllowed(t *testing.T, releases []rbacRelease, identities []access) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for i, r := range releases {
		for _, c := range r.checks {
			for c.allowed && !identities[i].can(c.verb, c.group, c.resource, c.namespace) {
				if time.Now().After(deadline) {
					t.Fatalf("release %s (%s): may not %s", r.name, r.values, c)
				}
				time.Sleep(200 * time.Millisecond)
			}
		}
	}
}
