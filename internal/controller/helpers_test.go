package controller_test

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/testenv"
)

const (
	orgName    = "acme"
	secretName = "ncp-credentials"
	timeout    = 30 * time.Second
	// waitingStatusDelay is the suite's --waiting-status-delay.
	waitingStatusDelay = time.Second
	poll               = 100 * time.Millisecond
)

// tenant is one spec's world: a namespace, an account in the backend's fake, a credentials
// Secret and an Organization.
type tenant struct {
	backend backend
	acct    *account
	ns      string
}

// newTenant prepares a namespace and an account; withSecret and withOrganization create the
// Secret and the Organization.
func newTenant(b backend) *tenant {
	return &tenant{backend: b, acct: b.newAccount(), ns: newNamespace()}
}

// tenantPerSpec returns the tenant of the specs of a container: a new one of b before each spec.
func tenantPerSpec(b backend) *tenant {
	t := &tenant{}
	BeforeEach(func() { *t = *newTenant(b) })
	return t
}

// specGroups registers each group of specs of a container with the container's tenant: a new one
// of b before each spec.
func specGroups(b backend, groups ...func(t *tenant)) {
	t := tenantPerSpec(b)
	for _, group := range groups {
		group(t)
	}
}

func (t *tenant) createSecret() {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: t.ns, Name: secretName}, StringData: t.acct.secret}
	Expect(k8sClient.Create(suiteCtx, s)).To(Succeed())
}

func (t *tenant) organization(mutate ...func(*v1alpha1.Organization)) *v1alpha1.Organization {
	org := &v1alpha1.Organization{
		ObjectMeta: metav1.ObjectMeta{Namespace: t.ns, Name: orgName},
		Spec: v1alpha1.OrganizationSpec{
			Provider:             t.backend.provider(),
			CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: secretName},
			Description:          "orgsync test organization",
			Workplace:            v1alpha1.WorkplaceSpec{CompanyID: t.acct.companyID},
		},
	}
	if t.acct.mutateOrg != nil {
		t.acct.mutateOrg(org)
	}
	for _, m := range mutate {
		m(org)
	}
	return org
}

// setUp creates the Secret and the Organization and waits until the Organization is Ready.
func (t *tenant) setUp(mutate ...func(*v1alpha1.Organization)) {
	t.createSecret()
	Expect(k8sClient.Create(suiteCtx, t.organization(mutate...))).To(Succeed())
	Eventually(t.orgReason).WithTimeout(timeout).WithPolling(poll).Should(Equal(v1alpha1.ReasonSynced))
}

func (t *tenant) dept(name, parent, displayName string, mutate ...func(*v1alpha1.Department)) *v1alpha1.Department {
	d := &v1alpha1.Department{
		ObjectMeta: metav1.ObjectMeta{Namespace: t.ns, Name: name},
		Spec: v1alpha1.DepartmentSpec{
			OrganizationRef:   v1alpha1.LocalObjectReference{Name: orgName},
			Name:              displayName,
			ParentExternalKey: parent,
		},
	}
	for _, m := range mutate {
		m(d)
	}
	return d
}

func (t *tenant) create(depts ...*v1alpha1.Department) {
	for _, d := range depts {
		Expect(k8sClient.Create(suiteCtx, d)).To(Succeed(), "create Department %s", d.Name)
	}
}

func (t *tenant) get(name string) *v1alpha1.Department {
	d := &v1alpha1.Department{}
	Expect(k8sClient.Get(suiteCtx, types.NamespacedName{Namespace: t.ns, Name: name}, d)).To(Succeed())
	return d
}

// update applies change to the Department, retrying on conflicts.
func (t *tenant) update(name string, change func(*v1alpha1.Department)) {
	Eventually(func() error {
		d := t.get(name)
		change(d)
		return k8sClient.Update(suiteCtx, d)
	}).WithTimeout(timeout).Should(Succeed())
}

func (t *tenant) delete(names ...string) {
	for _, n := range names {
		d := &v1alpha1.Department{ObjectMeta: metav1.ObjectMeta{Namespace: t.ns, Name: n}}
		Expect(client.IgnoreNotFound(k8sClient.Delete(suiteCtx, d))).To(Succeed())
	}
}

// reason is the Department's Ready reason, "" when it has none yet and "stale" while its status
// describes an older generation (testenv.Reason).
func (t *tenant) reason(name string) string {
	d := &v1alpha1.Department{}
	if err := k8sClient.Get(suiteCtx, types.NamespacedName{Namespace: t.ns, Name: name}, d); err != nil {
		return "error: " + err.Error()
	}
	return testenv.Reason(d)
}

func (t *tenant) message(name string) string {
	c := meta.FindStatusCondition(t.get(name).Status.Conditions, v1alpha1.ConditionReady)
	if c == nil {
		return ""
	}
	return c.Message
}

// orgReason is the Organization's Ready reason, as reason is a Department's.
func (t *tenant) orgReason() string {
	org := &v1alpha1.Organization{}
	if err := k8sClient.Get(suiteCtx, types.NamespacedName{Namespace: t.ns, Name: orgName}, org); err != nil {
		return "error: " + err.Error()
	}
	return testenv.Reason(org)
}

// eventuallySynced waits until every named Department has converged (testenv.Converged) with
// reason Synced.
func (t *tenant) eventuallySynced(names ...string) {
	for _, n := range names {
		Eventually(t.reason).WithArguments(n).WithTimeout(timeout).WithPolling(poll).Should(Equal(v1alpha1.ReasonSynced), "Department %s", n)
	}
}

// gone reports whether the named Department no longer exists.
func (t *tenant) gone(name string) bool {
	err := k8sClient.Get(suiteCtx, types.NamespacedName{Namespace: t.ns, Name: name}, &v1alpha1.Department{})
	return apierrors.IsNotFound(err)
}

func (t *tenant) remote() map[string]remoteDepartment { return t.backend.departments(t.acct) }

func (t *tenant) writes() []remoteCall { return writes(t.backend.calls(t.acct)) }

// writesTo filters the department writes to key.
func (t *tenant) writesTo(key string) []remoteCall {
	var out []remoteCall
	for _, c := range t.writes() {
		if c.Key == key {
			out = append(out, c)
		}
	}
	return out
}

// parents maps each remote key to its parent key.
func parents(remote map[string]remoteDepartment) map[string]string {
	out := map[string]string{}
	for k, d := range remote {
		out[k] = d.Parent
	}
	return out
}

// indexOf returns the position of the first call with method and key, or fails.
func indexOf(calls []remoteCall, method, key string) int {
	for i, c := range calls {
		if c.Method == method && c.Key == key && c.Status < 300 {
			return i
		}
	}
	Fail(fmt.Sprintf("no successful %s of %q in %v", method, key, calls))
	return -1
}

// currentOrganization reads t's Organization as the API server holds it now.
func (t *tenant) currentOrganization() *v1alpha1.Organization {
	org := &v1alpha1.Organization{}
	Expect(k8sClient.Get(suiteCtx, types.NamespacedName{Namespace: t.ns, Name: orgName}, org)).To(Succeed())
	return org
}

// annotateOrganization sets (or, with "", removes) an annotation of t's Organization, retrying
// on a conflict with the manager's writes.
func (t *tenant) annotateOrganization(key, value string) {
	Eventually(func() error {
		org := t.currentOrganization()
		setAnnotation(org, key, value)
		return k8sClient.Update(suiteCtx, org)
	}).WithTimeout(timeout).Should(Succeed())
}

// annotate sets (or, with "", removes) an annotation of the named Department.
func (t *tenant) annotate(name, key, value string) {
	t.update(name, func(d *v1alpha1.Department) { setAnnotation(d, key, value) })
}

// expectRefused creates obj and expects admission to refuse it with an error naming want.
func expectRefused(obj client.Object, want string) {
	err := k8sClient.Create(suiteCtx, obj)
	Expect(err).To(HaveOccurred())
	Expect(err.Error()).To(ContainSubstring(want))
}

// setAnnotation sets an annotation of obj, or removes it when value is "".
func setAnnotation(obj metav1.Object, key, value string) {
	annotations := obj.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	if value == "" {
		delete(annotations, key)
	} else {
		annotations[key] = value
	}
	obj.SetAnnotations(annotations)
}

// orgCondition returns the condition of type conditionType of the named Organization: an empty
// one while it has none, and one whose Reason is the error while the Organization cannot be read.
func orgCondition(namespace, name, conditionType string) metav1.Condition {
	org := &v1alpha1.Organization{}
	if err := k8sClient.Get(suiteCtx, types.NamespacedName{Namespace: namespace, Name: name}, org); err != nil {
		return metav1.Condition{Reason: "error: " + err.Error()}
	}
	if c := meta.FindStatusCondition(org.Status.Conditions, conditionType); c != nil {
		return *c
	}
	return metav1.Condition{}
}

// orgReady returns the Ready condition of the named Organization, as orgCondition does.
func orgReady(namespace, name string) metav1.Condition {
	return orgCondition(namespace, name, v1alpha1.ConditionReady)
}
