package chart

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"helm.sh/helm/v3/pkg/chartutil"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/testenv"
)

// finalizerPolicy returns the rendered policy and its binding, or nils when none is rendered.
// servesPolicies are the capabilities of a cluster that serves MutatingAdmissionPolicy, as helm
// install reads them (group/version and group/version/kind).
func servesPolicies() *chartutil.Capabilities {
	caps := *chartutil.DefaultCapabilities
	caps.APIVersions = append(slices.Clone(caps.APIVersions), "admissionregistration.k8s.io/v1/MutatingAdmissionPolicy")
	return &caps
}

// finalizerPolicy returns the policy and its binding rendered on caps, or nils when none is.
func finalizerPolicy(t *testing.T, overrides map[string]any, caps *chartutil.Capabilities) (*admissionv1.MutatingAdmissionPolicy, *admissionv1.MutatingAdmissionPolicyBinding) {
	t.Helper()
	var policy *admissionv1.MutatingAdmissionPolicy
	var binding *admissionv1.MutatingAdmissionPolicyBinding
	for _, m := range renderOn(t, releaseName, releaseNamespace, overrides, caps) {
		switch m.kind {
		case "MutatingAdmissionPolicy":
			policy = &admissionv1.MutatingAdmissionPolicy{}
			decodeStrict(t, m, policy)
		case "MutatingAdmissionPolicyBinding":
			binding = &admissionv1.MutatingAdmissionPolicyBinding{}
			decodeStrict(t, m, binding)
		}
	}
	return policy, binding
}

func TestFinalizerPolicyFollowsTheReleaseScope(t *testing.T) {
	if policy, _ := finalizerPolicy(t, nil, chartutil.DefaultCapabilities); policy != nil {
		t.Fatal("a cluster that does not serve MutatingAdmissionPolicy gets one (its install would fail)")
	}
	if policy, _ := finalizerPolicy(t, map[string]any{"finalizerPolicy": map[string]any{"enabled": true}}, chartutil.DefaultCapabilities); policy == nil {
		t.Fatal("finalizerPolicy.enabled true renders no policy")
	}
	policy, binding := finalizerPolicy(t, nil, servesPolicies())
	if policy == nil || binding == nil {
		t.Fatal("the default install renders no finalizer policy and binding on a cluster that serves them")
	}
	if binding.Spec.PolicyName != policy.Name {
		t.Fatalf("the binding names policy %q, the policy is %q", binding.Spec.PolicyName, policy.Name)
	}
	if fp := policy.Spec.FailurePolicy; fp == nil || *fp != admissionv1.Ignore {
		t.Fatalf("failurePolicy %v: a policy that cannot run must admit the Department (the manager adds the finalizer)", fp)
	}
	mc := policy.Spec.MatchConstraints
	if mc == nil || len(mc.ResourceRules) != 1 || !slices.Equal(mc.ResourceRules[0].Resources, []string{"departments"}) ||
		!slices.Equal(mc.ResourceRules[0].Operations, []admissionv1.OperationType{admissionv1.Create}) {
		t.Fatalf("the policy matches %+v, want the creation of Departments only", mc)
	}
	if mc.NamespaceSelector != nil && len(mc.NamespaceSelector.MatchExpressions) > 0 || mc.ObjectSelector != nil && len(mc.ObjectSelector.MatchExpressions) > 0 {
		t.Fatalf("the default install reconciles every namespace, its policy selects %+v %+v", mc.NamespaceSelector, mc.ObjectSelector)
	}

	// A namespaced install, and a sharded one, put the finalizer on their own Departments only.
	policy, _ = finalizerPolicy(t, map[string]any{"watchNamespaces": []any{"a", "b"}, "shards": []any{"s1"}}, servesPolicies())
	ns, obj := policy.Spec.MatchConstraints.NamespaceSelector, policy.Spec.MatchConstraints.ObjectSelector
	if ns == nil || len(ns.MatchExpressions) != 1 || ns.MatchExpressions[0].Key != "kubernetes.io/metadata.name" ||
		!slices.Equal(ns.MatchExpressions[0].Values, []string{"a", "b"}) {
		t.Fatalf("namespaceSelector %+v, want the release's namespaces a and b", ns)
	}
	if obj == nil || len(obj.MatchExpressions) != 1 || obj.MatchExpressions[0].Key != "sharding.orgsync.dev/key" ||
		!slices.Equal(obj.MatchExpressions[0].Values, []string{"s1"}) {
		t.Fatalf("objectSelector %+v, want the release's shard s1", obj)
	}

	if policy, binding := finalizerPolicy(t, map[string]any{"finalizerPolicy": map[string]any{"enabled": false}}, servesPolicies()); policy != nil || binding != nil {
		t.Fatal("finalizerPolicy.enabled false still renders the policy")
	}
}

// TestFinalizerPolicyOnAnAPIServer installs the rendered policy of a sharded release into a real
// API server: a Department of its shard has the finalizer from its creation, one of another
// shard does not; and a Department that nothing has written a status for reads as in progress to
// kstatus (the CRD's status default), never as current.
func TestFinalizerPolicyOnAnAPIServer(t *testing.T) {
	cp := testenv.StartOrSkip(t, testenv.Options{CRDs: []string{"crds"}})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := cp.Client
	for _, m := range renderOn(t, releaseName, releaseNamespace, map[string]any{"shards": []any{"s1"}}, servesPolicies()) {
		if !strings.HasPrefix(m.kind, "MutatingAdmissionPolicy") {
			continue
		}
		obj := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(m.raw, &obj.Object); err != nil {
			t.Fatal(err)
		}
		if err := c.Create(ctx, obj); err != nil {
			t.Fatalf("creating %s %s: %v", m.kind, m.name, err)
		}
	}
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team"}}); err != nil {
		t.Fatal(err)
	}
	department := func(name, shard string) *v1alpha1.Department {
		return &v1alpha1.Department{
			ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: name, Labels: map[string]string{"sharding.orgsync.dev/key": shard}},
			Spec: v1alpha1.DepartmentSpec{
				OrganizationRef: v1alpha1.LocalObjectReference{Name: "acme"}, ExternalKey: name, Name: "Department " + name,
			},
		}
	}
	// The API server loads a new policy within moments, and its admission maps the CRD's kind a
	// moment after the CRD is served (until then a create is refused: "Resource kind ... not
	// found. There can be a delay between when CustomResourceDefinitions are created and when
	// they are available"): create Departments of the shard until one is admitted with the
	// finalizer.
	var admitted *v1alpha1.Department
	for i := 0; admitted == nil; i++ {
		d := department("ours-"+strings.Repeat("x", i%3)+string(rune('a'+i%26)), "s1")
		d.Name = d.Name + "-" + time.Now().Format("150405.000000")[7:]
		err := c.Create(ctx, d)
		if err != nil && !strings.Contains(err.Error(), "There can be a delay between when CustomResourceDefinitions are created") {
			t.Fatal(err)
		}
		if err == nil && slices.Contains(d.Finalizers, "orgsync.dev/finalizer") {
			admitted = d
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("no Department of the release's shard was admitted with the finalizer")
		case <-time.After(200 * time.Millisecond):
		}
	}
	other := department("theirs", "s2")
	if err := c.Create(ctx, other); err != nil {
		t.Fatal(err)
	}
	if len(other.Finalizers) != 0 {
		t.Fatalf("a Department of another shard was admitted with finalizers %v", other.Finalizers)
	}
	if err := c.Delete(ctx, other); err != nil {
		t.Fatalf("deleting the other shard's Department: %v", err)
	}

	// Nothing has written the admitted Department's status: kstatus must not call it current.
	var u unstructured.Unstructured
	u.SetGroupVersionKind(v1alpha1.GroupVersion.WithKind("Department"))
	if err := c.Get(ctx, client.ObjectKeyFromObject(admitted), &u); err != nil {
		t.Fatal(err)
	}
	res, err := status.Compute(&u)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != status.InProgressStatus {
		got, _, _ := unstructured.NestedFieldNoCopy(u.Object, "status")
		t.Fatalf("kstatus reads a Department without a written status as %s (%s), want InProgress; status is %v", res.Status, res.Message, got)
	}
	// The manager's typed reads see the default as no generation observed.
	var typed v1alpha1.Department
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &typed); err != nil {
		t.Fatal(err)
	}
	if typed.Status.ObservedGeneration != 0 || len(typed.Status.Conditions) != 0 {
		t.Fatalf("default status %+v, want nothing observed", typed.Status)
	}
}

// TestKustomizeFinalizerPolicyIsTheCharts keeps config/admission's policy, which the benchmark
// installs and kustomize users apply, the same as the chart's default render but for the names.
func TestKustomizeFinalizerPolicyIsTheCharts(t *testing.T) {
	chartPolicy, chartBinding := finalizerPolicy(t, nil, servesPolicies())
	raw, err := os.ReadFile(filepath.Join(repoRoot, "config", "admission", "finalizer_policy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var policy admissionv1.MutatingAdmissionPolicy
	var binding admissionv1.MutatingAdmissionPolicyBinding
	for _, doc := range splitYAML(raw) {
		m := manifest{raw: doc}
		switch {
		case strings.Contains(string(doc), "kind: MutatingAdmissionPolicyBinding"):
			decodeStrict(t, m, &binding)
		case strings.Contains(string(doc), "kind: MutatingAdmissionPolicy"):
			decodeStrict(t, m, &policy)
		}
	}
	if diff := cmp.Diff(chartPolicy.Spec, policy.Spec); diff != "" {
		t.Errorf("config/admission's policy differs from the chart's (-chart +kustomize):\n%s", diff)
	}
	if binding.Spec.PolicyName != policy.Name {
		t.Errorf("config/admission's binding names %q, its policy is %q", binding.Spec.PolicyName, policy.Name)
	}
	if chartBinding == nil {
		t.Fatal("the chart renders no binding")
	}
}
