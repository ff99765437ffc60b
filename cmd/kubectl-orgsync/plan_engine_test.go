package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/controller"
	"github.com/orgsync/orgsync/internal/provider"
	hwprovider "github.com/orgsync/orgsync/internal/provider/huaweicloud"
	ncpprovider "github.com/orgsync/orgsync/internal/provider/ncp"
)

// planNow is the "now" of the engine's tests.
var planNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// planOrg is Organization orgs/acme, connected, with opts applied.
func planOrg(opts ...func(*v1alpha1.Organization)) *v1alpha1.Organization {
	org := &v1alpha1.Organization{
		ObjectMeta: metav1.ObjectMeta{Name: "acme", Namespace: "orgs", UID: "acme-uid", Generation: 1},
		Spec:       v1alpha1.OrganizationSpec{Provider: v1alpha1.ProviderNCP, Workplace: v1alpha1.WorkplaceSpec{CompanyID: "c1"}},
	}
	for _, o := range opts {
		o(org)
	}
	return org
}

func budgetOf(maxDeletions int32) func(*v1alpha1.Organization) {
	return func(o *v1alpha1.Organization) {
		o.Spec.DeletionBudget = &v1alpha1.DeletionBudget{MaxDeletions: maxDeletions}
	}
}

func orgAnnotated(key, value string) func(*v1alpha1.Organization) {
	return func(o *v1alpha1.Organization) { metav1.SetMetaDataAnnotation(&o.ObjectMeta, key, value) }
}

// want is a Department manifest as the API server returns it from a dry run: defaults filled in
// (the policies; displayOrder has none), no status, created now.
func want(key, name, parent string, opts ...deptOption) v1alpha1.Department {
	d := v1alpha1.Department{
		ObjectMeta: metav1.ObjectMeta{Name: key, Namespace: "orgs", Generation: 1, UID: types.UID("new-" + key),
			CreationTimestamp: metav1.NewTime(planNow)},
		Spec: v1alpha1.DepartmentSpec{OrganizationRef: v1alpha1.LocalObjectReference{Name: "acme"}, Name: name,
			ParentExternalKey: parent,
			DeletionPolicy:    v1alpha1.DeletionPolicyDelete, ManagementPolicy: v1alpha1.ManagementPolicyManage},
	}
	for _, o := range opts {
		o(&d)
	}
	return d
}

// have is a Department in the cluster, synced with its finalizer.
func have(key, name, parent string, opts ...deptOption) v1alpha1.Department {
	d := department(key, name, parent, opts...)
	d.UID = types.UID("uid-" + d.Name)
	d.Finalizers = []string{controller.Finalizer}
	d.Spec.DeletionPolicy = v1alpha1.DeletionPolicy(cmpOr(string(d.Spec.DeletionPolicy), string(v1alpha1.DeletionPolicyDelete)))
	d.Spec.ManagementPolicy = v1alpha1.ManagementPolicy(cmpOr(string(d.Spec.ManagementPolicy), string(v1alpha1.ManagementPolicyManage)))
	return d
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// refusedAt gives the Department a Ready condition InvalidSpec about generation.
func refusedAt(generation int64) deptOption {
	return func(d *v1alpha1.Department) {
		d.Status.ExternalKey = d.Key()
		d.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse,
			Reason: v1alpha1.ReasonInvalidSpec, Message: "the remote system rejected the department", ObservedGeneration: generation}}
	}
}

func remoteDept(key, name, parent string) provider.Department {
	return provider.Department{Key: key, Name: name, ParentKey: parent, DisplayOrder: "1"}
}

func annotated(key, value string) deptOption {
	return func(d *v1alpha1.Department) { metav1.SetMetaDataAnnotation(&d.ObjectMeta, key, value) }
}

func orphan() deptOption {
	return func(d *v1alpha1.Department) { d.Spec.DeletionPolicy = v1alpha1.DeletionPolicyOrphan }
}

func observe() deptOption {
	return func(d *v1alpha1.Department) { d.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve }
}

// brief is a plan's changes and waits in one line each, for comparison.
func brief(p organizationPlan) []string {
	var out []string
	for _, c := range p.Changes {
		line := c.Action + " " + c.Key
		if c.Adopt {
			line += " adopt"
		}
		if c.Held != "" {
			line += " held:" + c.Held
		}
		for _, f := range c.Fields {
			if c.Action == actionCreate {
				line += fmt.Sprintf(" %s=%v", f.Field, formatValue(f.New))
			} else {
				line += fmt.Sprintf(" %s=%v->%v", f.Field, formatValue(f.Old), formatValue(f.New))
			}
		}
		out = append(out, line)
	}
	for _, a := range p.Adopted {
		out = append(out, "adopted "+a)
	}
	for _, w := range p.Waiting {
		out = append(out, "wait "+w.Key+" "+w.Reason)
	}
	for _, u := range p.Unsupported {
		line := "cannot " + u.Action + " " + u.Key
		for _, f := range u.Fields {
			line += fmt.Sprintf(" %s=%v->%v", f.Field, formatValue(f.Old), formatValue(f.New))
		}
		out = append(out, line)
	}
	return out
}

func TestPlanOrganization(t *testing.T) {
	manyLeaves := func(n int) (cluster []v1alpha1.Department, remote []provider.Department, deletes []string) {
		cluster = append(cluster, have("root", "Root", ""))
		remote = append(remote, remoteDept("root", "Root", ""))
		for i := range n {
			key := fmt.Sprintf("leaf-%02d", i)
			cluster = append(cluster, have(key, key, "root"))
			remote = append(remote, remoteDept(key, key, "root"))
			deletes = append(deletes, "delete "+key)
		}
		return cluster, remote, deletes
	}
	leaves, leavesRemote, leafDeletes := manyLeaves(21)

	cases := map[string]struct {
		org      *v1alpha1.Organization
		desired  []v1alpha1.Department
		cluster  []v1alpha1.Department
		remote   []provider.Department
		keep     bool // --prune=false
		diff     func(desired, observed provider.Department) provider.Fields
		want     []string
		unmanged int
	}{
		"creates parents first whatever the manifests' order": {
			desired: []v1alpha1.Department{
				want("c", "C", "b"), want("b", "B", "a", order("2.5")), want("a", "A", "", func(d *v1alpha1.Department) {
					d.Spec.I18nNames = map[string]v1alpha1.LocalizedName{"en_US": "A"}
					d.Spec.EmailAddress, d.Spec.ExternalEmailReceive = new("a@example.com"), new(true)
				}),
				want("z", "Z", "exists"),
			},
			remote: []provider.Department{remoteDept("exists", "Exists", "")},
			want: []string{
				`create a name="A" i18nNames={en_US: "A"} emailAddress="a@example.com" externalEmailReceive=true displayOrder="1"`,
				`create z name="Z" parentExternalKey="exists" displayOrder="1"`,
				`create b name="B" parentExternalKey="a" displayOrder="2.5"`,
				`create c name="C" parentExternalKey="b" displayOrder="1"`,
			},
			unmanged: 1,
		},
		"updates name each field's old and new value, as the provider compares": {
			desired: []v1alpha1.Department{want("a", "New", "", order("2.0")), want("b", "B", "", order("3"))},
			cluster: []v1alpha1.Department{have("a", "Old", "", order("2")), have("b", "B", "")},
			remote:  []provider.Department{{Key: "a", Name: "Old", DisplayOrder: "2"}, {Key: "b", Name: "B", DisplayOrder: "1"}},
			want:    []string{`update a name="Old"->"New"`, `update b displayOrder="1"->"3"`},
		},
		"a move under a new parent comes after the parent's create": {
			desired: []v1alpha1.Department{want("team", "Team", "new-parent"), want("new-parent", "New parent", ""), want("old", "Old", "")},
			cluster: []v1alpha1.Department{have("team", "Team", "old"), have("old", "Old", "")},
			remote:  []provider.Department{remoteDept("old", "Old", ""), remoteDept("team", "Team", "old")},
			want:    []string{`create new-parent name="New parent" displayOrder="1"`, `move team parentExternalKey="old"->"new-parent"`},
		},
		"a move under what is still its own sub-department remotely comes after that one moves out": {
			// a > b > c remotely; the manifests move b (and c with it) to the top and a under c:
			// a's move alone the remote system refuses, so it comes second whatever the order of
			// the manifests, although b is not the parent it waits for.
			desired: []v1alpha1.Department{want("a", "A", "c"), want("b", "B", ""), want("c", "C", "b")},
			cluster: []v1alpha1.Department{have("a", "A", ""), have("b", "B", "a"), have("c", "C", "b")},
			remote:  []provider.Department{remoteDept("a", "A", ""), remoteDept("b", "B", "a"), remoteDept("c", "C", "b")},
			want:    []string{`move b parentExternalKey="a"->(none)`, `move a parentExternalKey=(none)->"c"`},
		},
		"two moves each possible alone but a cycle together are planned one after the other": {
			// x leaves a for the top; a goes under y and b under x. Decided from the same chart,
			// a under y and b under x make a > y > b > x > a: b's move comes after x's.
			desired: []v1alpha1.Department{want("a", "A", "y"), want("b", "B", "x"), want("x", "X", ""), want("y", "Y", "b")},
			cluster: []v1alpha1.Department{have("a", "A", ""), have("b", "B", ""), have("x", "X", "a"), have("y", "Y", "b")},
			remote: []provider.Department{remoteDept("a", "A", ""), remoteDept("b", "B", ""), remoteDept("x", "X", "a"),
				remoteDept("y", "Y", "b")},
			want: []string{`move a parentExternalKey=(none)->"y"`, `move x parentExternalKey="a"->(none)`, `move b parentExternalKey=(none)->"x"`},
		},
		"a move under a department inside its subtree that stays there waits": {
			desired:  []v1alpha1.Department{want("a", "A", "c"), want("b", "B", "a")},
			cluster:  []v1alpha1.Department{have("a", "A", ""), have("b", "B", "a")},
			remote:   []provider.Department{remoteDept("a", "A", ""), remoteDept("b", "B", "a"), remoteDept("c", "C (by hand)", "b")},
			want:     []string{"wait a WaitingForParent"},
			unmanged: 1,
		},
		"an Organization another holds the chart against changes nothing: its Departments wait, pruned ones are released": {
			org: planOrg(func(o *v1alpha1.Organization) {
				o.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionConnected, Status: metav1.ConditionFalse,
					Reason: v1alpha1.ReasonConflict, ObservedGeneration: 1}}
			}),
			desired:  []v1alpha1.Department{want("a", "A renamed", ""), want("new", "New", "")},
			cluster:  []v1alpha1.Department{have("a", "A", ""), have("gone", "Gone", "")},
			remote:   []provider.Department{remoteDept("a", "A", ""), remoteDept("gone", "Gone", "")},
			want:     []string{"release gone", "wait a WaitingForOrganization", "wait new WaitingForOrganization"},
			unmanged: 1,
		},
		"pruned Departments are deleted children first": {
			desired: []v1alpha1.Department{want("keep", "Keep", "")},
			cluster: []v1alpha1.Department{have("keep", "Keep", ""), have("x", "X", ""), have("y", "Y", "x"), have("z", "Z", "y"), have("w", "W", "x")},
			remote: []provider.Department{remoteDept("keep", "Keep", ""), remoteDept("x", "X", ""), remoteDept("y", "Y", "x"),
				remoteDept("z", "Z", "y"), remoteDept("w", "W", "x")},
			want: []string{"delete z", "delete w", "delete y", "delete x"},
		},
		"--prune=false leaves the Departments the manifests lack": {
			desired: []v1alpha1.Department{want("keep", "Keep", "")},
			cluster: []v1alpha1.Department{have("keep", "Keep", ""), have("x", "X", "")},
			remote:  []provider.Department{remoteDept("keep", "Keep", ""), remoteDept("x", "X", "")},
			keep:    true,
		},
		"the budget holds the deletes beyond it, and their parents": {
			org:     planOrg(budgetOf(1)),
			cluster: []v1alpha1.Department{have("x", "X", ""), have("y", "Y", "x"), have("z", "Z", "y")},
			remote:  []provider.Department{remoteDept("x", "X", ""), remoteDept("y", "Y", "x"), remoteDept("z", "Z", "y")},
			want:    []string{"delete z", "delete y held:budget", "delete x held:subtree"},
		},
		"approvals let more through": {
			org:     planOrg(budgetOf(1), orgAnnotated(v1alpha1.AnnotationApproveDeletions, "1")),
			cluster: []v1alpha1.Department{have("x", "X", ""), have("y", "Y", "x"), have("z", "Z", "y")},
			remote:  []provider.Department{remoteDept("x", "X", ""), remoteDept("y", "Y", "x"), remoteDept("z", "Z", "y")},
			want:    []string{"delete z", "delete y", "delete x held:budget"},
		},
		"deletions made in the current window count": {
			org: planOrg(budgetOf(2), func(o *v1alpha1.Organization) {
				o.Status.Deletions = &v1alpha1.DeletionStatus{WindowStart: &metav1.Time{Time: planNow.Add(-10 * time.Minute)}, Made: 2}
			}),
			cluster: []v1alpha1.Department{have("x", "X", "")},
			remote:  []provider.Department{remoteDept("x", "X", "")},
			want:    []string{"delete x held:budget"},
		},
		"a window that is over counts no more": {
			org: planOrg(budgetOf(2), func(o *v1alpha1.Organization) {
				o.Status.Deletions = &v1alpha1.DeletionStatus{WindowStart: &metav1.Time{Time: planNow.Add(-2 * time.Hour)}, Made: 2}
			}),
			cluster: []v1alpha1.Department{have("x", "X", "")},
			remote:  []provider.Department{remoteDept("x", "X", "")},
			want:    []string{"delete x"},
		},
		"without spec.deletionBudget the default budget applies": {
			desired: []v1alpha1.Department{want("root", "Root", "")},
			cluster: leaves,
			remote:  leavesRemote,
			want:    append(append([]string{}, leafDeletes[:20]...), "delete leaf-20 held:budget"),
		},
		"Orphan releases, and its parent's delete is blocked by the department left": {
			cluster: []v1alpha1.Department{have("x", "X", ""), have("y", "Y", "x", orphan())},
			remote:  []provider.Department{remoteDept("x", "X", ""), remoteDept("y", "Y", "x")},
			want:    []string{"release y", "wait x DeletionBlocked"},
			// y is left behind (released), x is still claimed by its deleting Department.
			unmanged: 1,
		},
		"Observe writes nothing and releases on delete": {
			desired:  []v1alpha1.Department{want("a", "New", "", observe()), want("b", "B", "", observe())},
			cluster:  []v1alpha1.Department{have("a", "Old", "", observe()), have("gone", "Gone", "", observe())},
			remote:   []provider.Department{remoteDept("a", "Old", ""), remoteDept("gone", "Gone", "")},
			want:     []string{"release gone", "wait a Drifted", "wait b Drifted"},
			unmanged: 1,
		},
		"an Organization's Observe covers its Departments": {
			org:      planOrg(func(o *v1alpha1.Organization) { o.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve }),
			desired:  []v1alpha1.Department{want("a", "New", "")},
			cluster:  []v1alpha1.Department{have("a", "Old", ""), have("gone", "Gone", "")},
			remote:   []provider.Department{remoteDept("a", "Old", ""), remoteDept("gone", "Gone", "")},
			want:     []string{"release gone", "wait a Drifted"},
			unmanged: 1,
		},
		"paused Departments wait, and so do their children": {
			desired: []v1alpha1.Department{want("p", "P", "", annotated(v1alpha1.AnnotationPaused, "true")), want("c", "C", "p"), want("ok", "OK", "")},
			cluster: []v1alpha1.Department{have("gone", "Gone", "", annotated(v1alpha1.AnnotationPaused, "true"))},
			remote:  []provider.Department{remoteDept("gone", "Gone", "")},
			want:    []string{`create ok name="OK" displayOrder="1"`, "wait c WaitingForParent", "wait p Paused", "wait gone Paused"},
		},
		"a paused Organization writes nothing": {
			org:     planOrg(orgAnnotated(v1alpha1.AnnotationPaused, "true")),
			desired: []v1alpha1.Department{want("a", "A", "")},
			want:    []string{"wait a Paused"},
		},
		"manifests adopt remote departments: an update when they differ, nothing when they match": {
			desired: []v1alpha1.Department{want("same", "Same", ""), want("differs", "New", "")},
			remote:  []provider.Department{remoteDept("same", "Same", ""), remoteDept("differs", "Old", ""), remoteDept("hand-made", "Hand", "")},
			want:    []string{`update differs adopt name="Old"->"New"`, "adopted same"},
			// hand-made is no change, only counted.
			unmanged: 1,
		},
		"a key handed to another object in Git is no delete (the new object takes the department over)": {
			desired: []v1alpha1.Department{want("renamed", "New name", "", externalKey("k"))},
			cluster: []v1alpha1.Department{have("old-object", "Old name", "", externalKey("k"))},
			remote:  []provider.Department{remoteDept("k", "Old name", "")},
			want:    []string{`update k adopt name="Old name"->"New name"`},
		},
		"a delete blocked by a hand-made sub-department waits": {
			cluster:  []v1alpha1.Department{have("x", "X", "")},
			remote:   []provider.Department{remoteDept("x", "X", ""), remoteDept("hand", "Hand", "x")},
			want:     []string{"wait x DeletionBlocked"},
			unmanged: 1,
		},
		"a delete under a parent a manifest keeps is blocked by it": {
			desired: []v1alpha1.Department{want("child", "Child", "x")},
			cluster: []v1alpha1.Department{have("x", "X", ""), have("child", "Child", "x")},
			remote:  []provider.Department{remoteDept("x", "X", ""), remoteDept("child", "Child", "x")},
			want:    []string{"wait x DeletionBlocked"},
		},
		"a Department gone remotely is re-created; a pruned one gone remotely is no change": {
			desired: []v1alpha1.Department{want("a", "A", "")},
			cluster: []v1alpha1.Department{have("a", "A", ""), have("b", "B", "")},
			want:    []string{`create a name="A" displayOrder="1"`},
		},
		"a conflict with a Department left in the cluster waits": {
			desired: []v1alpha1.Department{want("newcomer", "New", "", externalKey("k"))},
			cluster: []v1alpha1.Department{have("holder", "Holder", "", externalKey("k"))},
			remote:  []provider.Department{remoteDept("k", "Holder", "")},
			keep:    true,
			want:    []string{"wait k Conflict"},
		},
		"values the remote system refused are not sent again until the spec changes": {
			desired: []v1alpha1.Department{want("a", "R&D", "", refusedAt(1)), want("b", "B&B", "", refusedAt(1), func(d *v1alpha1.Department) { d.Generation = 2 })},
			cluster: []v1alpha1.Department{have("a", "R&D", "", refusedAt(1)), have("b", "B", "", refusedAt(1))},
			remote:  []provider.Department{remoteDept("a", "Old", ""), remoteDept("b", "B", "")},
			want:    []string{`update b name="B"->"B&B"`, "wait a InvalidSpec"},
		},
		"Huawei Cloud compares names, parents and categories only": {
			org:     planOrg(func(o *v1alpha1.Organization) { o.Spec.Provider = v1alpha1.ProviderHuaweiCloud }),
			desired: []v1alpha1.Department{want("a", "A", "", order("5")), want("b", "B", "", func(d *v1alpha1.Department) { d.Spec.Category = "team" })},
			cluster: []v1alpha1.Department{have("a", "A", ""), have("b", "B", "")},
			remote:  []provider.Department{remoteDept("a", "A", ""), remoteDept("b", "B", "")},
			diff:    hwprovider.Conventions{}.Diff,
			want:    []string{`update b category="department"->"team"`},
		},
		"fields a Department leaves unset are no change, whatever the remote department holds": {
			desired: []v1alpha1.Department{want("a", "A", ""), want("b", "B", "", order("2"))},
			cluster: []v1alpha1.Department{have("a", "A", ""), have("b", "B", "", order("1"))},
			remote: []provider.Department{
				{Key: "a", Name: "A", DisplayOrder: "7.0", EmailAddress: "a@example.com", ExternalEmailReceive: new(true),
					I18nNames: map[string]string{"en_US": "A"}, LeaderKey: "emp-1"},
				{Key: "b", Name: "B", DisplayOrder: "1.0", EmailAddress: "b@example.com", I18nNames: map[string]string{"en_US": "B"}},
			},
			want: []string{`update b displayOrder="1.0"->"2"`},
		},
		"an explicit empty value clears": {
			desired: []v1alpha1.Department{want("a", "A", "", func(d *v1alpha1.Department) {
				d.Spec.EmailAddress, d.Spec.I18nNames = new(""), map[string]v1alpha1.LocalizedName{}
			})},
			cluster: []v1alpha1.Department{have("a", "A", "")},
			remote:  []provider.Department{{Key: "a", Name: "A", DisplayOrder: "7.0", EmailAddress: "a@example.com", I18nNames: map[string]string{"en_US": "A"}}},
			want:    []string{`update a i18nNames={en_US: "A"}->(none) emailAddress="a@example.com"->(none)`},
		},
		"Huawei Cloud: a category the Department leaves unset is no change": {
			desired: []v1alpha1.Department{want("a", "A", "")},
			cluster: []v1alpha1.Department{have("a", "A", "")},
			remote:  []provider.Department{{Key: "a", Name: "A", Category: "company"}},
			diff:    hwprovider.Conventions{}.Diff,
			want:    nil,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			org := tc.org
			if org == nil {
				org = planOrg()
			}
			diff := tc.diff
			if diff == nil {
				diff = ncpprovider.Conventions{}.Diff
			}
			p := planOrganization(planInput{org: org, desired: tc.desired, cluster: tc.cluster, prune: !tc.keep,
				remote: tc.remote, diff: diff, now: planNow})
			if d := cmp.Diff(tc.want, brief(p)); d != "" {
				t.Errorf("plan (-want +got):\n%s", d)
			}
			if p.Unmanaged != tc.unmanged {
				t.Errorf("unmanaged: %d, want %d", p.Unmanaged, tc.unmanged)
			}
		})
	}
}

// TestPlanAMoveToTheTopLevelOnHuaweiCannotBeMade: OneAccess has no way to move a unit to the top
// level, so the plan lists the move apart (x), with what to do, and plans the rest as usual.
func TestPlanAMoveToTheTopLevelOnHuaweiCannotBeMade(t *testing.T) {
	huawei := planOrg(func(o *v1alpha1.Organization) { o.Spec.Provider = v1alpha1.ProviderHuaweiCloud })
	p := planOrganization(planInput{
		org:     huawei,
		desired: []v1alpha1.Department{want("hq", "HQ", ""), want("eng", "Engineering", ""), want("ops", "Operations 2", "hq")},
		cluster: []v1alpha1.Department{have("hq", "HQ", ""), have("eng", "Engineering", "hq"), have("ops", "Operations", "hq")},
		remote:  []provider.Department{remoteDept("hq", "HQ", ""), remoteDept("eng", "Engineering", "hq"), remoteDept("ops", "Operations", "hq")},
		prune:   true, diff: hwprovider.Conventions{}.Diff, unsupported: hwprovider.Conventions{}.Unsupported, now: planNow,
	})
	if got, want := brief(p), []string{`update ops name="Operations"->"Operations 2"`, `cannot move eng parentExternalKey="hq"->(none)`}; !cmp.Equal(got, want) {
		t.Errorf("plan = %q, want %q", got, want)
	}
	if len(p.Unsupported) != 1 || p.Unsupported[0].Reason != v1alpha1.ReasonUnsupportedChange ||
		!strings.Contains(p.Unsupported[0].Message, "cannot move unit \"eng\" to the top level") {
		t.Fatalf("unsupported = %+v", p.Unsupported)
	}

	var text bytes.Buffer
	if err := renderPlanText(&text, []organizationPlan{p}, palette{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"  x move    eng  cannot be made: the remote system offers no way to make this change: OneAccess cannot move unit \"eng\" to the top level",
		"      parentExternalKey:  \"hq\" -> (none)\n",
		"Plan: 0 to create, 1 to update, 0 to move, 0 to delete, 0 to release.\n1 change cannot be made (x)",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	if errs := unsupportedChanges([]organizationPlan{p}); len(errs) != 1 || !strings.HasPrefix(errs[0], "orgs/acme eng: ") {
		t.Errorf("unsupportedChanges = %q", errs)
	}

	// NCP can make the same move: it is planned.
	ncp := planOrganization(planInput{
		org: planOrg(), desired: []v1alpha1.Department{want("hq", "HQ", ""), want("eng", "Engineering", "")},
		cluster: []v1alpha1.Department{have("hq", "HQ", ""), have("eng", "Engineering", "hq")},
		remote:  []provider.Department{remoteDept("hq", "HQ", ""), remoteDept("eng", "Engineering", "hq")},
		prune:   true, diff: ncpprovider.Conventions{}.Diff, now: planNow,
	})
	if got := brief(ncp); !cmp.Equal(got, []string{`move eng parentExternalKey="hq"->(none)`}) || len(ncp.Unsupported) != 0 {
		t.Errorf("NCP plan = %q", got)
	}
}

func TestPlanFieldsOfAHuaweiCreate(t *testing.T) {
	p := planOrganization(planInput{
		org:     planOrg(func(o *v1alpha1.Organization) { o.Spec.Provider = v1alpha1.ProviderHuaweiCloud }),
		desired: []v1alpha1.Department{want("a", "A", "", func(d *v1alpha1.Department) { d.Spec.Category = "team" })},
		prune:   true, diff: hwprovider.Conventions{}.Diff, now: planNow,
	})
	if got := brief(p); !cmp.Equal(got, []string{`create a name="A" category="team"`}) {
		t.Errorf("plan: %q", got)
	}
}

func TestCheckKeysAndCycles(t *testing.T) {
	a := manifest{source: "a.yaml", dept: want("a", "A", "")}
	dup := manifest{source: "b.yaml", dept: want("other", "Other", "", externalKey("a"))}
	otherOrg := manifest{source: "c.yaml", dept: want("beta-a", "A", "", organizationRef("beta"), externalKey("a"))}
	err := checkKeys([]manifest{a, dup, otherOrg})
	if err == nil || !strings.Contains(err.Error(), `a.yaml: Department "a" and b.yaml: Department "other" both claim external key "a" of Organization "acme"`) {
		t.Errorf("checkKeys: %v", err)
	}
	if err := checkKeys([]manifest{a, otherOrg}); err != nil {
		t.Errorf("one key in two Organizations: %v", err)
	}

	cyclic := []v1alpha1.Department{want("a", "A", "c"), want("b", "B", "a"), want("c", "C", "b"), want("d", "D", "a"), want("e", "E", "")}
	err = checkCycles(cyclic, map[string]string{"a": "a.yaml", "b": "b.yaml"})
	if err == nil || err.Error() != "parentExternalKey forms a cycle: a -> c -> b -> a (a: a.yaml, c: in the cluster, b: b.yaml)" {
		t.Errorf("checkCycles: %v", err)
	}
	if err := checkCycles([]v1alpha1.Department{want("a", "A", ""), want("b", "B", "a"), want("c", "C", "missing")}, nil); err != nil {
		t.Errorf("a chart without cycle: %v", err)
	}
}
