package decision

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/decision/decisiontest"
	"github.com/orgsync/orgsync/internal/inventory"
	"github.com/orgsync/orgsync/internal/provider"
)

// testDepartment is a Department of Organization "acme" (decisiontest.Department).
var testDepartment = decisiontest.Department

func remoteOf(d *v1alpha1.Department) *provider.Department {
	r := Desired(d, inventory.View{})
	return &r
}

func nameDiff(desired, observed provider.Department) provider.Fields {
	if desired.Name != observed.Name || desired.ParentKey != observed.ParentKey {
		return provider.Fields{provider.FieldName}
	}
	return nil
}

var connectedOrg = Organization{Name: "acme", Exists: true, Connected: true}

func TestDecideSync(t *testing.T) {
	dept := testDepartment("team", "div")
	parent := &provider.Department{Key: "div", RemoteID: "id-div"}
	other := testDepartment("other", "", func(d *v1alpha1.Department) { d.UID = "uid-other"; d.Spec.ExternalKey = "team" })
	renamed := remoteOf(dept)
	renamed.Name = "By hand"
	renamedAgain := remoteOf(dept)
	renamedAgain.Name = "By hand, again"
	// atTop is dept moved to the top level; underDiv is it as listed, under div.
	atTop := testDepartment("team", "")
	underDiv := remoteOf(dept)
	noTopLevel := func(desired, observed provider.Department) error {
		if desired.ParentKey == "" && observed.ParentKey != "" {
			return fmt.Errorf("%w: cannot move %q to the top level: keep it under a parent", provider.ErrUnsupported, desired.Key)
		}
		return nil
	}
	refusedDept := testDepartment("team", "div", func(d *v1alpha1.Department) {
		d.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse,
			Reason: v1alpha1.ReasonInvalidSpec, Message: "name taken", ObservedGeneration: 1}}
	})
	listed := time.Now()
	// wroteName is an update of the name answered before (or after) the chart's last listing began.
	wroteName := &WriteCheck{Generation: 1, Fields: provider.Fields{"name"}, Answered: listed.Add(-time.Second)}
	wroteNameLater := &WriteCheck{Generation: 1, Fields: provider.Fields{"name"}, Answered: listed.Add(time.Second)}
	wroteParent := &WriteCheck{Generation: 1, Fields: provider.Fields{"parentExternalKey"}, Answered: listed.Add(-time.Second)}
	wroteOldSpec := &WriteCheck{Generation: 0, Fields: provider.Fields{"name"}, Answered: listed.Add(-time.Second)}
	// afterUpdate is dept, its name to write, after the update w, in a listing begun at listed that
	// shows the remote department renamed.
	afterUpdate := func(w *WriteCheck) Snapshot {
		return Snapshot{Dept: dept, Org: connectedOrg, Diff: nameDiff, LastWrite: w,
			Remote: inventory.View{Complete: true, Parent: parent, Self: renamed, ListStarted: listed}}
	}

	cases := map[string]syncCase{
		"no Organization": {
			s:      Snapshot{Dept: dept, Org: Organization{Name: "acme"}},
			reason: v1alpha1.ReasonWaitingForOrganization, want: "does not exist",
		},
		"Organization not connected": {
			s:      Snapshot{Dept: dept, Org: Organization{Name: "acme", Exists: true}},
			reason: v1alpha1.ReasonWaitingForOrganization, want: "not connected",
		},
		"another Department holds the key": {
			s:      Snapshot{Dept: dept, Org: connectedOrg, Holder: other},
			reason: v1alpha1.ReasonConflict, want: `"other"`,
		},
		"a cycle": {
			s:      Snapshot{Dept: dept, Org: connectedOrg, Cycle: []string{"team", "div", "team"}},
			reason: v1alpha1.ReasonParentCycle, want: "team -> div -> team",
		},
		"the chart could not be listed": {
			s:      Snapshot{Dept: dept, Org: connectedOrg, ListErr: provider.ErrTransient},
			failed: true,
		},
		"the parent is not in the chart": {
			s:      Snapshot{Dept: dept, Org: connectedOrg, Remote: inventory.View{Complete: true}, Diff: nameDiff},
			reason: v1alpha1.ReasonWaitingForParent, want: `"div"`,
		},
		"absent: create, with the parent's remote id": {
			s:      Snapshot{Dept: dept, Org: connectedOrg, Remote: inventory.View{Complete: true, Parent: parent}, Diff: nameDiff},
			action: Create, reason: v1alpha1.ReasonSynced,
		},
		"present and equal: nothing to write": {
			s:      Snapshot{Dept: dept, Org: connectedOrg, Remote: inventory.View{Complete: true, Parent: parent, Self: remoteOf(dept)}, Diff: nameDiff},
			reason: v1alpha1.ReasonSynced,
		},
		"present and different: update": {
			s:      Snapshot{Dept: dept, Org: connectedOrg, Remote: inventory.View{Complete: true, Parent: parent, Self: renamed}, Diff: nameDiff},
			action: Update, reason: v1alpha1.ReasonSynced,
		},
		"moving under its own remote sub-department: wait, no write": {
			s: Snapshot{Dept: dept, Org: connectedOrg, Diff: nameDiff,
				Remote: inventory.View{Complete: true, Parent: parent, Self: renamed, ParentBelow: []string{"team", "x", "div"}}},
			reason: v1alpha1.ReasonWaitingForParent, want: `"div" is inside this department's subtree remotely (team > x > div)`,
		},
		"Observe and absent: Drifted, no write": {
			s: Snapshot{Dept: testDepartment("team", "div", func(d *v1alpha1.Department) { d.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve }),
				Org: connectedOrg, Remote: inventory.View{Complete: true, Parent: parent}, Diff: nameDiff},
			reason: v1alpha1.ReasonDrifted, want: "not creating",
		},
		"Observe and different: Drifted, no write": {
			s: Snapshot{Dept: testDepartment("team", "div", func(d *v1alpha1.Department) { d.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve }),
				Org: connectedOrg, Remote: inventory.View{Complete: true, Parent: parent, Self: renamed}, Diff: nameDiff},
			reason: v1alpha1.ReasonDrifted, want: "differs in name (managementPolicy Observe: not updating", drift: provider.Fields{provider.FieldName},
		},
		"refused values, nothing changed around them: keep the condition, no write": {
			s: Snapshot{Dept: dept, Org: connectedOrg, Remote: inventory.View{Complete: true, Parent: parent, SiblingsVersion: 7},
				Rejected: &Rejection{Generation: 1, SiblingsVersion: 7}, Diff: nameDiff},
		},
		"a move the remote system cannot make: UnsupportedChange saying what to do, no write": {
			s: Snapshot{Dept: atTop, Org: connectedOrg, Diff: nameDiff, Unsupported: noTopLevel,
				Remote: inventory.View{Complete: true, Self: underDiv}},
			reason: v1alpha1.ReasonUnsupportedChange, want: `cannot move "team" to the top level: keep it under a parent; nothing is sent until`,
		},
		"a move the remote system can make: update": {
			s: Snapshot{Dept: dept, Org: connectedOrg, Diff: nameDiff, Unsupported: noTopLevel,
				Remote: inventory.View{Complete: true, Parent: parent, Self: remoteOf(atTop)}},
			action: Update, reason: v1alpha1.ReasonSynced,
		},
		"an update the listing after it still shows undone: NotApplied naming the field, no write": {
			s:      afterUpdate(wroteName),
			reason: v1alpha1.ReasonNotApplied, want: "accepted the update of name but did not apply it",
		},
		"an update an earlier listing already showed applied, changed since: update": {
			s: Snapshot{Dept: dept, Org: connectedOrg, Diff: nameDiff, LastWrite: wroteName,
				Remote: inventory.View{Complete: true, Parent: parent, Self: renamed, ListStarted: listed, PrevListStarted: listed.Add(-time.Second / 2)}},
			action: Update, reason: v1alpha1.ReasonSynced,
		},
		"an update no listing has followed yet: nothing concluded, update": {
			s:      afterUpdate(wroteNameLater),
			action: Update, reason: v1alpha1.ReasonSynced,
		},
		"a field the last update did not write differs: update": {
			s:      afterUpdate(wroteParent),
			action: Update, reason: v1alpha1.ReasonSynced,
		},
		"an update of an older spec: update": {
			s:      afterUpdate(wroteOldSpec),
			action: Update, reason: v1alpha1.ReasonSynced,
		},
		"not applied, the remote department as it was then: keep the condition, no write": {
			s: Snapshot{Dept: dept, Org: connectedOrg, Diff: nameDiff,
				Remote:   inventory.View{Complete: true, Parent: parent, Self: renamed, ListStarted: listed, SiblingsVersion: 9},
				Rejected: &Rejection{Generation: 1, SiblingsVersion: 3, Remote: renamed}},
		},
		"not applied, the remote department changed since: try again": {
			s: Snapshot{Dept: dept, Org: connectedOrg, Diff: nameDiff,
				Remote:   inventory.View{Complete: true, Parent: parent, Self: renamedAgain, ListStarted: listed},
				Rejected: &Rejection{Generation: 1, Remote: renamed}},
			action: Update, reason: v1alpha1.ReasonSynced,
		},
		"not applied, the spec changed since: try again": {
			s: Snapshot{Dept: dept, Org: connectedOrg, Diff: nameDiff,
				Remote:   inventory.View{Complete: true, Parent: parent, Self: renamed, ListStarted: listed},
				Rejected: &Rejection{Generation: 0, Remote: renamed}},
			action: Update, reason: v1alpha1.ReasonSynced,
		},
		"refused values as the Ready condition records them (the plan): keep the condition, with the refusal": {
			s: Snapshot{Dept: refusedDept, Org: connectedOrg, Remote: inventory.View{Complete: true, Parent: parent, SiblingsVersion: 8},
				Rejected: RejectionOf(refusedDept), Diff: nameDiff},
			refused: true,
		},
		"refused values, a sibling changed since: try again": {
			s: Snapshot{Dept: dept, Org: connectedOrg, Remote: inventory.View{Complete: true, Parent: parent, SiblingsVersion: 8},
				Rejected: &Rejection{Generation: 1, SiblingsVersion: 7}, Diff: nameDiff},
			action: Create, reason: v1alpha1.ReasonSynced,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			tc.check(t, DecideSync(&tc.s), parent.RemoteID)
		})
	}
}

// syncCase is a case of TestDecideSync: what DecideSync decides from s.
type syncCase struct {
	s      Snapshot
	action Action
	reason string
	// failed: the chart could not be read, which the manager reports as a failed write.
	failed bool
	// refused: the condition is kept with the refusal it records.
	refused bool
	want    string // in the message
	// drift is what status.driftedFields records.
	drift provider.Fields
}

// check fails when d is not what tc wants; a create carries parentID.
func (tc syncCase) check(t *testing.T, d Decision, parentID string) {
	t.Helper()
	switch {
	case d.Action != tc.action:
		t.Fatalf("action = %v, want %v", d.Action, tc.action)
	case tc.failed:
		if d.Err == nil {
			t.Fatalf("report %+v, want the listing's failure", d.Report)
		}
		return
	case tc.reason == "":
		if !d.Keep || (d.Refused != nil) != tc.refused {
			t.Fatalf("report %+v changes the condition, or its refusal is not %v", d.Report, tc.refused)
		}
		return
	case d.Reason != tc.reason || !strings.Contains(d.Message, tc.want):
		t.Fatalf("reason %q, message %q; want %q containing %q", d.Reason, d.Message, tc.reason, tc.want)
	case !slices.Equal(d.Drift, tc.drift):
		t.Fatalf("drift %v, want %v", d.Drift, tc.drift)
	case d.Action == Create && d.Desired.ParentRemoteID != parentID:
		t.Fatalf("create without the parent's remote id: %+v", d.Desired)
	}
	assertWoken(t, d.Report)
}

func TestDecideDelete(t *testing.T) {
	dept := testDepartment("team", "div", func(d *v1alpha1.Department) { d.DeletionTimestamp = &metav1.Time{Time: time.Now()} })
	successor := testDepartment("renamed", "div", func(d *v1alpha1.Department) { d.UID = "uid-renamed"; d.Spec.ExternalKey = "team" })
	present := inventory.View{Complete: true, Self: remoteOf(dept)}

	cases := map[string]struct {
		s      Snapshot
		action Action
		reason string
		// failed: the chart could not be read, which the manager reports as a failed write.
		failed   bool
		want     string
		orphaned bool
	}{
		"handed over to a Department that claims the key": {
			s: Snapshot{Dept: dept, Org: connectedOrg, Successor: successor, Remote: present}, action: Release,
		},
		"Orphan policy leaves the remote department": {
			s: Snapshot{Dept: testDepartment("team", "div", func(d *v1alpha1.Department) { d.Spec.DeletionPolicy = v1alpha1.DeletionPolicyOrphan }),
				Org: connectedOrg, Remote: present},
			action: Release,
		},
		"the Organization goes with deletionPolicy Orphan: the remote chart stays": {
			s:      Snapshot{Dept: dept, Org: Organization{Name: "acme", Exists: true, Deleting: true, Orphans: true}, Remote: present},
			action: Release,
		},
		"paused: the deletion waits": {
			s: Snapshot{Dept: testDepartment("team", "div", func(d *v1alpha1.Department) {
				d.Annotations = map[string]string{v1alpha1.AnnotationPaused: "true"}
			}), Org: connectedOrg, Remote: present},
			reason: v1alpha1.ReasonPaused, want: "the deletion waits",
		},
		"the Organization is gone: left in place, with an event": {
			s: Snapshot{Dept: dept, Org: Organization{Name: "acme"}}, action: Release, orphaned: true,
		},
		"the Organization's credentials went with it": {
			s:      Snapshot{Dept: dept, Org: Organization{Name: "acme", Exists: true, Deleting: true}, CredentialsGone: true},
			action: Release, orphaned: true,
		},
		"the chart cannot be listed: nothing is concluded": {
			s: Snapshot{Dept: dept, Org: connectedOrg, ListErr: provider.ErrTransient}, failed: true,
		},
		"gone from the chart: release": {
			s: Snapshot{Dept: dept, Org: connectedOrg, Remote: inventory.View{Complete: true}}, action: Release,
		},
		"remote children first": {
			s:      Snapshot{Dept: dept, Org: connectedOrg, Remote: present, RemoteChildren: []string{"made-by-hand (no Department)"}},
			reason: v1alpha1.ReasonDeletionBlocked, want: "made-by-hand (no Department); the ones with no Department are not orgsync's to delete: delete or move them in the remote system, or give each a Department and delete it, or set deletionPolicy: Orphan",
		},
		"child objects first": {
			s:      Snapshot{Dept: dept, Org: connectedOrg, Remote: present, ObjectChildren: []string{"child"}, RemoteChildren: []string{"child"}},
			reason: v1alpha1.ReasonDeletionBlocked, want: "first: child",
		},
		"no children: delete": {
			s: Snapshot{Dept: dept, Org: connectedOrg, Remote: present}, action: Delete,
		},
		"deleted on its own: the delete waits for the grace period": {
			s: Snapshot{Dept: dept, Org: connectedOrg, Remote: present,
				Grace: DeletionWait{At: time.Date(2025, 3, 1, 9, 0, 11, 0, time.UTC), Left: 4 * time.Second, Grace: 10 * time.Second}},
			reason: v1alpha1.ReasonDeletionPending,
			want:   `remote department "team" is deleted at 2025-03-01T09:00:11Z, once no Department of Organization "acme" has been deleted for 10s, unless the Organization is deleted by then`,
		},
		"in the grace period, children still go first": {
			s: Snapshot{Dept: dept, Org: connectedOrg, Remote: present, ObjectChildren: []string{"child"},
				Grace: DeletionWait{Left: 4 * time.Second, Grace: 10 * time.Second}},
			reason: v1alpha1.ReasonDeletionBlocked, want: "first: child",
		},
		"in the grace period, a department already gone is released": {
			s: Snapshot{Dept: dept, Org: connectedOrg, Remote: inventory.View{Complete: true},
				Grace: DeletionWait{Left: 4 * time.Second, Grace: 10 * time.Second}},
			action: Release,
		},
		"the namespace is being deleted under an Orphan Organization: the remote chart stays": {
			s:      Snapshot{Dept: dept, Org: Organization{Name: "acme", Exists: true, Connected: true, Orphans: true}, Remote: present},
			action: Release,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			d := DecideDelete(&tc.s)
			if d.Action != tc.action {
				t.Fatalf("action = %v, want %v", d.Action, tc.action)
			}
			if tc.failed != (d.Err != nil) {
				t.Fatalf("failure %v, want one: %v", d.Err, tc.failed)
			}
			if (d.Orphaned != "") != tc.orphaned {
				t.Fatalf("orphaned event %q, want one: %v", d.Orphaned, tc.orphaned)
			}
			if tc.reason != "" && (d.Reason != tc.reason || !strings.Contains(d.Message, tc.want)) {
				t.Fatalf("reason %q, message %q; want %q containing %q", d.Reason, d.Message, tc.reason, tc.want)
			}
			if tc.reason != "" {
				assertWoken(t, d.Report)
			}
			if d.Reason == v1alpha1.ReasonDeletionPending && d.Wait != tc.s.Grace.Left {
				t.Fatalf("requeued after %v, want the rest of the grace period, %v", d.Wait, tc.s.Grace.Left)
			}
		})
	}
}

func TestNameHeld(t *testing.T) {
	held := provider.Department{Key: "b", ParentKey: "p", Name: "Y"}
	holderWantingX := testDepartment("b", "p", func(d *v1alpha1.Department) { d.Name = "dept-b"; d.Spec.Name = "X" })
	holderKeepingY := testDepartment("b", "p", func(d *v1alpha1.Department) { d.Name = "dept-b"; d.Spec.Name = "Y" })
	current := &provider.Department{Key: "a", ParentKey: "p", Name: "X"}
	cases := map[string]struct {
		holder  *v1alpha1.Department
		current *provider.Department
		want    []string
	}{
		"two siblings swapping names: rename one to an intermediate name first": {
			holder: holderWantingX, current: current,
			want: []string{`name "Y" is held by sibling department "b" (Department "dept-b"), which asks for this department's name "X"`,
				"cannot swap names directly", "intermediate name first"},
		},
		"a sibling keeping the name: tried again when it changes": {
			holder: holderKeepingY, current: current,
			want: []string{`name "Y" is held by sibling department "b" (Department "dept-b")`, "tried again when that one changes"},
		},
		"a new department: no swap": {
			holder: holderWantingX,
			want:   []string{`held by sibling department "b" (Department "dept-b")`, "tried again when that one changes"},
		},
		"a sibling no Department claims": {
			current: current,
			want:    []string{`held by sibling department "b" (no Department)`, "in the remote system"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := NameHeld("Y", held, tc.holder, tc.current)
			for _, want := range tc.want {
				if !strings.Contains(got, want) {
					t.Errorf("%q lacks %q", got, want)
				}
			}
		})
	}
}

// assertWoken fails when a not-Ready report has nothing that would decide for the object again: a
// watch, a delay or a backoff of its reason, its own wait, or a failure to back off on.
func assertWoken(t *testing.T, r Report) {
	t.Helper()
	if r.Keep || r.Synced() || r.Err != nil || r.Wait > 0 {
		return
	}
	if w, _ := Lookup(r.Reason); w.Watch == "" && w.Delay == 0 && !w.Resync && !w.Backoff {
		t.Fatalf("%s: no watch, delay or backoff wakes the object again", r.Reason)
	}
}

// A Department adopts the remote department its decision found in sync when that department
// existed before, and the Department has never synced under its key nor adopted one: the manager
// records it (status.adopted) and the plan reports it alike.
func TestAdopts(t *testing.T) {
	fresh := testDepartment("eng", "")
	synced := testDepartment("eng", "", func(d *v1alpha1.Department) { d.Status.ExternalKey = "eng" })
	adopted := testDepartment("eng", "", func(d *v1alpha1.Department) { d.Status.Adopted = true })
	for name, tc := range map[string]struct {
		dept            *v1alpha1.Department
		synced, existed bool
		want            bool
	}{
		"new, found existing and in sync: adopts":  {dept: fresh, synced: true, existed: true, want: true},
		"new, created by this write: no adoption":  {dept: fresh, synced: true},
		"new, not in sync: nothing yet":            {dept: fresh, existed: true},
		"synced under its key before: no adoption": {dept: synced, synced: true, existed: true},
		"adopted before: not again":                {dept: adopted, synced: true, existed: true},
	} {
		t.Run(name, func(t *testing.T) {
			if got := Adopts(tc.dept, tc.synced, tc.existed); got != tc.want {
				t.Fatalf("Adopts = %v, want %v", got, tc.want)
			}
		})
	}
}
