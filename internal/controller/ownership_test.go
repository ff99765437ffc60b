package controller_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// Issue 19, item 4: who holds a remote chart, which Department holds a key and how much of the
// deletion budget is spent are the manager's own records, not the status, which anyone allowed
// to write it could set; the roles tenants are given cannot write it.
var _ = Describe("Ownership no tenant can fake", func() {
	It("is not taken by status writes, even across a restart of the manager: the chart, a key and the deletion budget stay", func() {
		b := backendOf[*ncpBackend]()
		holder := newTenant(b)
		holder.setUp(func(o *v1alpha1.Organization) {
			o.Spec.DeletionBudget = &v1alpha1.DeletionBudget{MaxDeletions: 1}
		})
		holder.create(holder.dept("hq", "", "HQ"), holder.dept("ops", "", "Ops"), holder.dept("temp", "", "Temp"))
		holder.eventuallySynced("hq", "ops", "temp")
		// A younger Department claiming ops's key.
		holder.create(holder.dept("ops-new", "", "Ops (new)", func(d *v1alpha1.Department) { d.Spec.ExternalKey = "ops" }))
		Eventually(holder.reason).WithArguments("ops-new").WithTimeout(timeout).Should(Equal(v1alpha1.ReasonConflict))

		// Another namespace, with working credentials for the same company.
		other := &tenant{backend: b, acct: holder.acct, ns: newNamespace()}
		other.createSecret()
		Expect(k8sClient.Create(suiteCtx, other.organization())).To(Succeed())
		Eventually(other.orgReason).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonConflict))
		Expect(orgReady(other.ns, orgName).Message).To(HaveSuffix("is unavailable to this Organization"),
			"a Conflict across namespaces says only that the chart is unavailable")
		Expect(orgReady(other.ns, orgName).Message).NotTo(ContainSubstring(holder.ns))
		other.create(other.dept("intruder", "", "Intruder"))

		// While no manager runs, someone allowed to write status (a CI robot, a role granting
		// every verb of the group) writes what would give the other namespace the chart, ops-new
		// the key, and spend the holder's budget.
		restartManager(func() {
			writeStatus(other.organization(), func(o *v1alpha1.Organization) {
				o.Status.Inventory = &v1alpha1.InventoryStatus{RemoteDepartments: 3, LastListTime: &metav1.Time{Time: time.Now()}}
				setTrue(&o.Status.Conditions, v1alpha1.ConditionConnected, o.Generation)
				setTrue(&o.Status.Conditions, v1alpha1.ConditionReady, o.Generation)
			})
			writeStatus(holder.organization(), func(o *v1alpha1.Organization) {
				o.Status.Inventory = nil
				o.Status.Deletions = &v1alpha1.DeletionStatus{WindowStart: &metav1.Time{Time: time.Now()}, Made: 1}
			})
			writeStatus(holder.dept("ops-new", "", ""), func(d *v1alpha1.Department) {
				d.Status.ExternalKey, d.Status.LastSyncTime = "ops", &metav1.Time{Time: time.Now()}
			})
			writeStatus(holder.dept("ops", "", ""), func(d *v1alpha1.Department) {
				d.Status.ExternalKey, d.Status.LastSyncTime = "", nil
			})
		})

		// The chart stays with its holder, and the other namespace is told Conflict again.
		Eventually(other.orgReason).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonConflict))
		Eventually(holder.orgReason).WithTimeout(timeout).Should(Equal(v1alpha1.ReasonSynced))
		Expect(orgCondition(holder.ns, orgName, v1alpha1.ConditionConnected).Status).To(Equal(metav1.ConditionTrue))

		// The key stays with the older Department: it writes it, ops-new is refused.
		Eventually(holder.reason).WithArguments("ops-new").WithTimeout(timeout).Should(Equal(v1alpha1.ReasonConflict))
		holder.update("ops", func(d *v1alpha1.Department) { d.Spec.Name = "Operations" })
		Eventually(func() string { return holder.remote()["ops"].Name }).WithTimeout(timeout).Should(Equal("Operations"))
		Expect(holder.reason("ops-new")).To(Equal(v1alpha1.ReasonConflict))

		// The budget spent is the manager's record (nothing spent yet), not the status.
		holder.delete("temp")
		Eventually(func() bool { _, ok := holder.remote()["temp"]; return ok }).WithTimeout(timeout).Should(BeFalse(),
			"the one deletion the budget allows goes through")
		Eventually(holder.gone).WithArguments("temp").WithTimeout(timeout).Should(BeTrue())

		// The other namespace's Department never reached the chart.
		Consistently(func() bool { _, ok := holder.remote()["intruder"]; return ok }).WithTimeout(2 * syncPeriod).Should(BeFalse())
		Expect(other.reason("intruder")).To(Equal(v1alpha1.ReasonWaitingForOrganization))
	})

	It("ships roles for tenants: an editor can manage its chart and cannot write status, a viewer only reads, neither touches the manager's records", func() {
		ns := newNamespace()
		for _, role := range []string{"orgsync-organization-editor-role", "orgsync-department-editor-role"} {
			Expect(aggregationLabels(role)).To(HaveKeyWithValue("rbac.authorization.k8s.io/aggregate-to-edit", "true"), role)
			Expect(aggregationLabels(role)).To(HaveKeyWithValue("rbac.authorization.k8s.io/aggregate-to-admin", "true"), role)
		}
		for _, role := range []string{"orgsync-organization-viewer-role", "orgsync-department-viewer-role"} {
			Expect(aggregationLabels(role)).To(HaveKeyWithValue("rbac.authorization.k8s.io/aggregate-to-view", "true"), role)
		}
		// envtest runs no controller-manager, so the built-in edit and view roles do not
		// aggregate: the shipped roles are bound directly, as edit would grant them.
		editor := tenantClient(ns, "tenant-editor", "orgsync-organization-editor-role", "orgsync-department-editor-role")
		viewer := tenantClient(ns, "tenant-viewer", "orgsync-organization-viewer-role", "orgsync-department-viewer-role")

		t := &tenant{backend: backendOf[*ncpBackend](), acct: &account{companyID: "tenant-roles"}, ns: ns}
		org, dept := t.organization(), t.dept("hq", "", "HQ")
		Expect(editor.Create(suiteCtx, org)).To(Succeed())
		Expect(editor.Create(suiteCtx, dept)).To(Succeed())
		Eventually(func() error {
			Expect(editor.Get(suiteCtx, client.ObjectKeyFromObject(dept), dept)).To(Succeed())
			dept.Spec.Name = "Headquarters"
			return editor.Update(suiteCtx, dept)
		}).WithTimeout(timeout).Should(Succeed())

		Expect(editor.Get(suiteCtx, client.ObjectKeyFromObject(org), org)).To(Succeed())
		org.Status.Inventory = &v1alpha1.InventoryStatus{RemoteDepartments: 1}
		Expect(apierrors.IsForbidden(editor.Status().Update(suiteCtx, org))).To(BeTrue(), "an editor writes no Organization status")
		Expect(editor.Get(suiteCtx, client.ObjectKeyFromObject(dept), dept)).To(Succeed())
		dept.Status.ExternalKey = "hq"
		Expect(apierrors.IsForbidden(editor.Status().Update(suiteCtx, dept))).To(BeTrue(), "an editor writes no Department status")
		patch := client.RawPatch(types.MergePatchType, []byte(`{"status":{"deletions":{"made":5}}}`))
		Expect(apierrors.IsForbidden(editor.Status().Patch(suiteCtx, org, patch))).To(BeTrue(), "an editor patches no status")

		var orgs v1alpha1.OrganizationList
		Expect(viewer.List(suiteCtx, &orgs, client.InNamespace(ns))).To(Succeed())
		Expect(orgs.Items).To(HaveLen(1))
		Expect(viewer.Get(suiteCtx, client.ObjectKeyFromObject(dept), &v1alpha1.Department{})).To(Succeed())
		Expect(apierrors.IsForbidden(viewer.Create(suiteCtx, t.dept("ops", "", "Ops")))).To(BeTrue(), "a viewer creates nothing")
		Expect(apierrors.IsForbidden(viewer.Status().Update(suiteCtx, dept))).To(BeTrue(), "a viewer writes no status")

		for _, user := range []string{"tenant-editor", "tenant-viewer"} {
			for _, verb := range []string{"get", "list", "create", "update", "delete"} {
				Expect(allowed(user, verb, "remotetargets", "")).To(BeFalse(), "%s may %s the manager's records", user, verb)
			}
		}

		Expect(editor.Delete(suiteCtx, dept)).To(Succeed())
		Expect(editor.Delete(suiteCtx, org)).To(Succeed())
	})
})

// writeStatus writes the status of obj (its namespace and name set) as change makes it, as a
// cluster admin.
func writeStatus[T client.Object](obj T, change func(T)) {
	Eventually(func() error {
		if err := k8sClient.Get(suiteCtx, client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		change(obj)
		return k8sClient.Status().Update(suiteCtx, obj)
	}).WithTimeout(timeout).Should(Succeed())
}

func setTrue(conditions *[]metav1.Condition, conditionType string, generation int64) {
	meta.SetStatusCondition(conditions, metav1.Condition{Type: conditionType, Status: metav1.ConditionTrue,
		Reason: v1alpha1.ReasonSynced, Message: "written by someone else", ObservedGeneration: generation})
}

// aggregationLabels are the labels of the installed ClusterRole name.
func aggregationLabels(name string) map[string]string {
	role := &rbacv1.ClusterRole{}
	Expect(k8sClient.Get(suiteCtx, types.NamespacedName{Name: name}, role)).To(Succeed(), "ClusterRole %s is installed", name)
	return role.Labels
}

// tenantClient binds the ClusterRoles roles to user in namespace and returns a client acting as
// that user.
func tenantClient(namespace, user string, roles ...string) client.Client {
	for _, role := range roles {
		Expect(k8sClient.Create(suiteCtx, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: user + "-" + role},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}},
		})).To(Succeed())
	}
	cfg := rest.CopyConfig(restCfg)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	return c
}

// allowed asks the API server whether user may verb orgsync.dev's resource in namespace ("":
// cluster-wide).
func allowed(user, verb, resource, namespace string) bool {
	review := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: user,
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Verb: verb, Group: v1alpha1.GroupVersion.Group, Resource: resource, Namespace: namespace,
		},
	}}
	Expect(k8sClient.Create(suiteCtx, review)).To(Succeed())
	return review.Status.Allowed
}
