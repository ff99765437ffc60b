package main

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// fixtureNow is the "now" of the golden files.
var fixtureNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// deptOption changes a fixture Department.
type deptOption func(*v1alpha1.Department)

// department is a Department of Organization "acme" in namespace "orgs", synced under its parent
// unless an option says otherwise.
func department(name, displayName, parent string, opts ...deptOption) v1alpha1.Department {
	d := v1alpha1.Department{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "orgs", Generation: 1,
			CreationTimestamp: metav1.NewTime(fixtureNow.Add(-time.Hour))},
		Spec: v1alpha1.DepartmentSpec{
			OrganizationRef:   v1alpha1.LocalObjectReference{Name: "acme"},
			Name:              displayName,
			ParentExternalKey: parent,
		},
	}
	for _, o := range opts {
		o(&d)
	}
	key := d.Key()
	if d.Status.Conditions == nil {
		synced := metav1.NewTime(fixtureNow.Add(-30 * time.Minute))
		d.Status = v1alpha1.DepartmentStatus{ExternalKey: key, ParentExternalKey: parentOrTop(parent), LastSyncTime: &synced, ObservedGeneration: d.Generation}
		d.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonSynced,
			Message: fmt.Sprintf("remote department %q matches the spec", key), ObservedGeneration: d.Generation, LastTransitionTime: synced}}
	}
	return d
}

func parentOrTop(parent string) string {
	if parent == "" {
		return v1alpha1.TopLevelParentKey
	}
	return parent
}

func order(o string) deptOption { return func(d *v1alpha1.Department) { d.Spec.DisplayOrder = o } }

func externalKey(k string) deptOption { return func(d *v1alpha1.Department) { d.Spec.ExternalKey = k } }

func organizationRef(name string) deptOption {
	return func(d *v1alpha1.Department) { d.Spec.OrganizationRef.Name = name }
}

func created(ago time.Duration) deptOption {
	return func(d *v1alpha1.Department) { d.CreationTimestamp = metav1.NewTime(fixtureNow.Add(-ago)) }
}

// notReady gives the Department a Ready=False condition for its generation.
func notReady(reason, message string) deptOption {
	return func(d *v1alpha1.Department) {
		d.Status.ExternalKey = d.Key()
		d.Status.ObservedGeneration = d.Generation
		d.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse, Reason: reason,
			Message: message, ObservedGeneration: d.Generation, LastTransitionTime: metav1.NewTime(fixtureNow.Add(-time.Minute))}}
	}
}

// drifted records the fields a Drifted Department's remote department holds differently.
func drifted(fields ...string) deptOption {
	return func(d *v1alpha1.Department) { d.Status.DriftedFields = fields }
}

// noStatus leaves the Department as the manager has not seen it yet.
func noStatus() deptOption {
	return func(d *v1alpha1.Department) { d.Status.Conditions = []metav1.Condition{} }
}

// specChanged moves the spec a generation past its Synced condition.
func specChanged() deptOption {
	return func(d *v1alpha1.Department) {
		synced := metav1.NewTime(fixtureNow.Add(-30 * time.Minute))
		d.Status = v1alpha1.DepartmentStatus{ExternalKey: d.Key(), ParentExternalKey: parentOrTop(d.Spec.ParentExternalKey), LastSyncTime: &synced, ObservedGeneration: 1}
		d.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonSynced,
			Message: fmt.Sprintf("remote department %q matches the spec", d.Key()), ObservedGeneration: 1, LastTransitionTime: synced}}
		d.Generation = 2
	}
}

// organization is Organization "acme" in namespace "orgs", Ready, its chart listed five minutes
// before fixtureNow.
func organization(remote, unmanaged int32) *v1alpha1.Organization {
	listed := metav1.NewTime(fixtureNow.Add(-5 * time.Minute))
	return &v1alpha1.Organization{
		ObjectMeta: metav1.ObjectMeta{Name: "acme", Namespace: "orgs", Generation: 1},
		Spec:       v1alpha1.OrganizationSpec{CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: "acme-credentials"}, Workplace: v1alpha1.WorkplaceSpec{CompanyID: "acme"}},
		Status: v1alpha1.OrganizationStatus{
			ObservedGeneration: 1,
			Conditions: []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonSynced,
				Message: "connected", ObservedGeneration: 1, LastTransitionTime: listed}},
			Inventory: &v1alpha1.InventoryStatus{LastListTime: &listed, RemoteDepartments: remote, Unmanaged: unmanaged},
		},
	}
}

// fixtureChart is a chart with one of each thing tree shows: siblings ordered by display order
// (as numbers) and name, reasons of each kind, drift, a Department of another Organization, a
// key claimed twice, parents that are no Department (one remote, one missing, one unknown), a
// cycle with a subtree below it, and a name with a bidirectional control.
func fixtureChart() (*v1alpha1.Organization, []v1alpha1.Department) {
	org := organization(14, 3)
	org.Status.Departments = v1alpha1.DepartmentCounts{Total: 17, Ready: 8}
	depts := []v1alpha1.Department{
		department("acme", "ACME", ""),
		department("sales", "Sales", "acme", order("2")),
		department("rnd", "R&D", "acme", order("10"),
			notReady(v1alpha1.ReasonInvalidSpec, `the remote system rejected the department: name "R&D" may hold letters, digits, spaces, -, _ and & only (code 400)`)),
		department("hr", "Human Resources", "acme", order("2.0")),
		department("finance", "Finance", "acme", order("02"), externalKey("fin-01")),
		department("sales-seoul", "Seoul", "sales", order("1.5")),
		department("sales-busan", "Busan", "sales", order("1.25"),
			notReady(v1alpha1.ReasonDrifted, `remote department "sales-busan" differs in name, displayOrder (managementPolicy Observe: not updating it)`),
			drifted("name", "displayOrder")),
		department("sales-jeju", "Jeju", "sales", order("3"),
			notReady(v1alpha1.ReasonDrifted, `remote department "sales-jeju" does not exist (managementPolicy Observe: not creating it)`)),
		department("rnd-lab", "Lab", "rnd",
			notReady(v1alpha1.ReasonWaitingForParent, `parent department "rnd" does not exist remotely yet`)),
		department("hr-new", "Onboarding", "hr", noStatus()),
		department("hr-payroll", "Payroll", "hr", specChanged()),
		department("hr-old", "Payroll (old)", "hr", externalKey("hr-payroll"), created(30*time.Minute),
			notReady(v1alpha1.ReasonConflict, `Department "hr-payroll" of Organization "acme" already claims external key "hr-payroll"; rename one of them`)),
		department("archive", "Archive", "legacy-hq"),
		department("museum", "Museum", "gone",
			notReady(v1alpha1.ReasonWaitingForParent, `parent department "gone" does not exist remotely yet`)),
		department("limbo", "Limbo", "nowhere", notReady(v1alpha1.ReasonPaused, "paused by the annotation orgsync.dev/paused on Department limbo; remove it to resume")),
		department("loop-b", "Loop B", "loop-a",
			notReady(v1alpha1.ReasonParentCycle, "parentExternalKey forms a cycle: loop-b -> loop-a -> loop-b")),
		department("loop-a", "Loop A", "loop-b",
			notReady(v1alpha1.ReasonParentCycle, "parentExternalKey forms a cycle: loop-a -> loop-b -> loop-a")),
		department("loop-child", "Under the loop\u202etxt.exe", "loop-a",
			notReady(v1alpha1.ReasonWaitingForParent, `parent department "loop-a" does not exist remotely yet`)),
		department("other", "Other company", "", organizationRef("globex")),
	}
	return org, depts
}

// wideChart is a chart of n Departments, ten per parent, in the order a List returns them
// (by name), all Synced but one in a hundred waiting for its parent.
func wideChart(n int) (*v1alpha1.Organization, []v1alpha1.Department) {
	org := organization(int32(n), 0) //nolint:gosec // G115: n is a test size
	depts := make([]v1alpha1.Department, 0, n)
	for i := range n {
		parent := ""
		if i > 0 {
			parent = fmt.Sprintf("dept-%05d", (i-1)/10)
		}
		var opts []deptOption
		opts = append(opts, order(fmt.Sprintf("%d.%d", i%7, i%3)))
		if i%100 == 99 {
			opts = append(opts, notReady(v1alpha1.ReasonWaitingForParent, fmt.Sprintf("parent department %q does not exist remotely yet", parent)))
		}
		depts = append(depts, department(fmt.Sprintf("dept-%05d", i), fmt.Sprintf("Department %d", i), parent, opts...))
	}
	return org, depts
}

// dept is a Department of Organization "acme" in namespace whose object name is its key, without
// a status: what a manifest holds.
func dept(namespace, key, name, parent string, opts ...deptOption) v1alpha1.Department {
	d := v1alpha1.Department{
		ObjectMeta: metav1.ObjectMeta{Name: key, Namespace: namespace},
		Spec:       v1alpha1.DepartmentSpec{OrganizationRef: v1alpha1.LocalObjectReference{Name: "acme"}, Name: name, ParentExternalKey: parent},
	}
	for _, o := range opts {
		o(&d)
	}
	return d
}
