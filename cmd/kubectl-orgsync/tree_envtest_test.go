package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/testenv"
)

// TestTreeAgainstAControlPlane runs `kubectl orgsync tree` against a real API server holding the
// CRDs, an Organization and Departments whose statuses were written through the status
// subresource, as the manager writes them, and reads the cluster through a kubeconfig file as a
// user would.
func TestTreeAgainstAControlPlane(t *testing.T) {
	cp := startControlPlane(t)
	k8s, kubeconfig := cp.client, cp.kubeconfig
	adminConfig := kubeconfig("tree-admin", "system:masters")

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := testenv.CreateNamespaces(ctx, k8s, "orgs", "two-orgs", "empty"); err != nil {
		t.Fatal(err)
	}

	storeTreeFixtures(ctx, t, k8s)

	t.Run("the only Organization of the namespace, as text", func(t *testing.T) {
		code, out, errOut := runPlugin("tree", "--kubeconfig", adminConfig, "-n", "orgs")
		if code != exitOK || errOut != "" {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
		want := `Organization acme in namespace orgs: Ready
Departments: 7, 3 Ready, 4 not Ready (1 Drifted, 1 ParentCycle, 1 Pending, 1 WaitingForParent)
Remote chart: 9 departments
5 remote departments have no Department (the cluster keeps their number, not their names; 1 is a parent below)

ACME (acme)
├── IT (it)  WaitingForParent: parent department "acme" does not exist remotely yet
├── Sales (sales)
└── Human Resources (hr)  Drifted [name]
parent legacy-hq (not a Department: exists remotely)
└── Archive (archive)

Cycles (parentExternalKey leads back to the department; not in the tree above):
cycle loop-a -> loop-b -> loop-a
├── Loop A (loop-a)  ParentCycle: parentExternalKey forms a cycle: loop-a -> loop-b -> loop-a
└── Loop B (loop-b)  Pending: not reconciled yet
`
		if diff := cmp.Diff(want, out); diff != "" {
			t.Errorf("output differs (-want +got):\n%s", diff)
		}
	})

	t.Run("named, as JSON", func(t *testing.T) { checkTreeJSON(t, adminConfig) })

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"a missing Organization", []string{"tree", "nope", "-n", "orgs"},
			`error: no Organization "nope" in namespace "orgs" (it has acme)` + "\n"},
		{"a namespace of two Organizations", []string{"tree", "-n", "two-orgs"},
			`error: namespace "two-orgs" has 2 Organizations (globex, initech); name one` + "\n"},
		{"a namespace without one", []string{"tree", "-n", "empty"},
			`error: no Organization in namespace "empty"; choose the namespace with -n` + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runPlugin(append(tc.args, "--kubeconfig", adminConfig)...)
			if code != exitError || out != "" || errOut != tc.want {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 and %q", code, out, errOut, tc.want)
			}
		})
	}

	t.Run("a user who may not read Organizations", func(t *testing.T) {
		code, out, errOut := runPlugin("tree", "-n", "orgs", "--kubeconfig", kubeconfig("nobody"))
		if code != exitError || out != "" || !strings.HasPrefix(errOut, "error: ") || !strings.Contains(errOut, "forbidden") {
			t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 and the API server's refusal", code, out, errOut)
		}
	})
}

// checkTreeJSON runs tree acme -o json and wants the document of the fixtures: 7 Departments,
// two roots, one cycle, hr Drifted in name.
func checkTreeJSON(t *testing.T, adminConfig string) {
	code, out, errOut := runPlugin("tree", "acme", "--kubeconfig", adminConfig, "--namespace=orgs", "-o", "json")
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var doc treeDocument
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if doc.Organization.Name != "acme" || doc.Organization.Departments.Total != 6 || doc.Counts.Total != 7 || len(doc.Tree) != 2 || len(doc.Cycles) != 1 {
		t.Errorf("document %+v", doc)
	}
	if hr := doc.Tree[0].Children[2]; hr.Key != "hr" || hr.Drift == nil || !cmp.Equal(hr.Drift.Fields, []string{"name"}) {
		t.Errorf("hr: %+v, want Drifted in name", hr)
	}
}

// TestTree10000AgainstAControlPlane times `kubectl orgsync tree` over 10,000 Departments stored
// in a real API server, statuses included: the List, the decoding, the tree and its printing.
// Storing them takes a minute or more, so it runs only with ORGSYNC_TREE_10000=1.
func TestTree10000AgainstAControlPlane(t *testing.T) {
	if os.Getenv("ORGSYNC_TREE_10000") != "1" {
		t.Skip("set ORGSYNC_TREE_10000=1 to store 10,000 Departments and time tree over them")
	}
	cp := startControlPlane(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	if err := testenv.CreateNamespaces(ctx, cp.client, "orgs"); err != nil {
		t.Fatal(err)
	}
	org, depts := wideChart(10000)
	org.ResourceVersion = ""
	status := org.Status
	if err := cp.client.Create(ctx, org); err != nil {
		t.Fatal(err)
	}
	org.Status = status
	if err := cp.client.Status().Update(ctx, org); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	storeWithStatuses(ctx, t, cp.client, depts)
	t.Logf("stored 10,000 Departments with statuses in %s", time.Since(start).Round(time.Second))

	config := cp.kubeconfig("tree-admin", "system:masters")
	for range 3 {
		start := time.Now()
		code, out, errOut := runPlugin("tree", "acme", "-n", "orgs", "--kubeconfig", config)
		elapsed := time.Since(start)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if !strings.HasPrefix(out, "Organization acme in namespace orgs: Ready\nDepartments: 10000, 9900 Ready, 100 not Ready (100 WaitingForParent)\n") {
			t.Fatalf("output begins:\n%s", out[:min(len(out), 500)])
		}
		t.Logf("tree of 10,000 Departments: %s, %d lines", elapsed.Round(time.Millisecond), strings.Count(out, "\n"))
	}
}

// storeWithStatuses creates depts, 16 at a time, each then with its status (at its generation)
// through the status subresource, and fails t with the first error.
func storeWithStatuses(ctx context.Context, t *testing.T, c client.Client, depts []v1alpha1.Department) {
	t.Helper()
	work := make(chan *v1alpha1.Department)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for d := range work {
				if err := storeWithStatus(ctx, c, d); err != nil {
					select {
					case errs <- fmt.Errorf("%s: %w", d.Name, err):
					default:
					}
				}
			}
		})
	}
	for i := range depts {
		work <- &depts[i]
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
}

// storeWithStatus creates d and writes its status, at the generation the API server gave it.
func storeWithStatus(ctx context.Context, c client.Client, d *v1alpha1.Department) error {
	status := d.Status
	d.CreationTimestamp = metav1.Time{}
	if err := c.Create(ctx, d); err != nil {
		return err
	}
	d.Status = status
	d.Status.ObservedGeneration = d.Generation
	for i := range d.Status.Conditions {
		d.Status.Conditions[i].ObservedGeneration = d.Generation
	}
	return c.Status().Update(ctx, d)
}

// createWithStatus stores obj, then, if setStatus is not nil, the status it sets through the
// status subresource.
func createWithStatus(ctx context.Context, t *testing.T, k8s client.Client, obj client.Object, setStatus func()) {
	t.Helper()
	if err := k8s.Create(ctx, obj); err != nil {
		t.Fatalf("creating %s: %v", obj.GetName(), err)
	}
	if setStatus == nil {
		return
	}
	setStatus()
	if err := k8s.Status().Update(ctx, obj); err != nil {
		t.Fatalf("writing the status of %s: %v", obj.GetName(), err)
	}
}

// readyCondition is a Ready condition of reason at generation: True for Synced, else False.
func readyCondition(reason, message string, generation int64, now metav1.Time) []metav1.Condition {
	status := metav1.ConditionFalse
	if reason == v1alpha1.ReasonSynced {
		status = metav1.ConditionTrue
	}
	return []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: status, Reason: reason, Message: message,
		ObservedGeneration: generation, LastTransitionTime: now}}
}

// treeFixture is a Department of TestTreeAgainstAControlPlane and the reason of its status ("" :
// not reconciled yet, no status).
type treeFixture struct {
	name, displayName, parent, order string
	reason, message                  string
}

// store creates the fixture's Department of Organization acme in orgs, with its status.
func (f treeFixture) store(ctx context.Context, t *testing.T, k8s client.Client, now metav1.Time) {
	t.Helper()
	d := &v1alpha1.Department{
		ObjectMeta: metav1.ObjectMeta{Name: f.name, Namespace: "orgs"},
		Spec: v1alpha1.DepartmentSpec{OrganizationRef: v1alpha1.LocalObjectReference{Name: "acme"}, Name: f.displayName,
			ParentExternalKey: f.parent, DisplayOrder: f.order},
	}
	var setStatus func()
	if f.reason != "" {
		setStatus = func() { f.setStatus(d, now) }
	}
	createWithStatus(ctx, t, k8s, d, setStatus)
}

// setStatus writes into d the status the manager would write for the fixture's reason.
func (f treeFixture) setStatus(d *v1alpha1.Department, now metav1.Time) {
	d.Status.ExternalKey, d.Status.ObservedGeneration = d.Key(), d.Generation
	d.Status.ParentExternalKey = parentOrTop(f.parent)
	message := f.message
	if message == "" {
		message = `remote department "` + f.name + `" matches the spec`
	}
	d.Status.Conditions = readyCondition(f.reason, message, d.Generation, now)
	if f.reason == v1alpha1.ReasonDrifted {
		d.Status.DriftedFields = []string{"name"} // as its message says
	}
	if f.reason == v1alpha1.ReasonSynced {
		d.Status.LastSyncTime = &now
	}
}

// storeTreeFixtures stores the Organization acme in orgs, Ready, with its Departments in every
// state tree shows, and two Organizations without status in two-orgs.
func storeTreeFixtures(ctx context.Context, t *testing.T, k8s client.Client) {
	t.Helper()
	now := metav1.Now()
	org := &v1alpha1.Organization{
		ObjectMeta: metav1.ObjectMeta{Name: "acme", Namespace: "orgs"},
		Spec: v1alpha1.OrganizationSpec{CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: "acme-credentials"},
			Workplace: v1alpha1.WorkplaceSpec{CompanyID: "acme"}},
	}
	createWithStatus(ctx, t, k8s, org, func() {
		org.Status.ObservedGeneration = org.Generation
		org.Status.Conditions = readyCondition(v1alpha1.ReasonSynced, "the remote organization matches the spec", org.Generation, now)
		org.Status.Departments = v1alpha1.DepartmentCounts{Total: 6, Ready: 3}
		org.Status.Inventory = &v1alpha1.InventoryStatus{RemoteDepartments: 9, Unmanaged: 5}
	})
	for _, f := range []treeFixture{
		{"acme", "ACME", "", "", v1alpha1.ReasonSynced, ""},
		{"sales", "Sales", "acme", "2", v1alpha1.ReasonSynced, ""},
		{"hr", "Human Resources", "acme", "10", v1alpha1.ReasonDrifted, `remote department "hr" differs in name (managementPolicy Observe: not updating it)`},
		{"it", "IT", "acme", "2.0", v1alpha1.ReasonWaitingForParent, `parent department "acme" does not exist remotely yet`},
		{"archive", "Archive", "legacy-hq", "", v1alpha1.ReasonSynced, ""},
		{"loop-a", "Loop A", "loop-b", "", v1alpha1.ReasonParentCycle, "parentExternalKey forms a cycle: loop-a -> loop-b -> loop-a"},
		{"loop-b", "Loop B", "loop-a", "", "", ""}, // not reconciled yet: no status
	} {
		f.store(ctx, t, k8s, now)
	}
	for _, name := range []string{"globex", "initech"} {
		createWithStatus(ctx, t, k8s, &v1alpha1.Organization{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "two-orgs"},
			Spec: v1alpha1.OrganizationSpec{CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: "credentials"},
				Workplace: v1alpha1.WorkplaceSpec{CompanyID: name}},
		}, nil)
	}
}
