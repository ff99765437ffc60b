package controller

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/orgsync/orgsync/api/v1alpha1"
	rules "github.com/orgsync/orgsync/internal/decision"
	"github.com/orgsync/orgsync/internal/provider"
)

func testDepartment(key, parent string, mutate ...func(*v1alpha1.Department)) *v1alpha1.Department {
	d := &v1alpha1.Department{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: key, UID: types.UID("uid-" + key), Generation: 1},
		Spec: v1alpha1.DepartmentSpec{
			OrganizationRef:   v1alpha1.LocalObjectReference{Name: "acme"},
			Name:              "Dept " + key,
			ParentExternalKey: parent,
			DisplayOrder:      "1",
		},
	}
	for _, m := range mutate {
		m(d)
	}
	return d
}

func remoteOf(d *v1alpha1.Department) *provider.Department {
	r := desiredDepartment(d, remoteView{})
	return &r
}

func nameDiff(desired, observed provider.Department) provider.Fields {
	if desired.Name != observed.Name || desired.ParentKey != observed.ParentKey {
		return provider.Fields{provider.FieldName}
	}
	return nil
}

var connectedOrg = organizationState{name: "acme", exists: true, connected: true}

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
	listed := time.Now()
	// wroteName is an update of the name answered before (or after) the chart's last listing began.
	wroteName := &writeCheck{generation: 1, fields: provider.Fields{"name"}, answered: listed.Add(-time.Second)}
	wroteNameLater := &writeCheck{generation: 1, fields: provider.Fields{"name"}, answered: listed.Add(time.Second)}
	wroteParent := &writeCheck{generation: 1, fields: provider.Fields{"parentExternalKey"}, answered: listed.Add(-time.Second)}
	wroteOldSpec := &writeCheck{generation: 0, fields: provider.Fields{"name"}, answered: listed.Add(-time.Second)}
	// afterUpdate is dept, its name to write, after the update w, in a listing begun at listed that
	// shows the remote department renamed.
	afterUpdate := func(w *writeCheck) departmentSnapshot {
		return departmentSnapshot{dept: dept, org: connectedOrg, diff: nameDiff, lastWrite: w,
			remote: remoteView{complete: true, parent: parent, self: renamed, listStarted: listed}}
	}

	cases := map[string]struct {
		s      departmentSnapshot
		action action
		reason string
		want   string // in the message
		// drift is what status.driftedFields records.
		drift provider.Fields
	}{
		"no Organization": {
			s:      departmentSnapshot{dept: dept, org: organizationState{name: "acme"}},
			reason: v1alpha1.ReasonWaitingForOrganization, want: "does not exist",
		},
		"Organization not connected": {
			s:      departmentSnapshot{dept: dept, org: organizationState{name: "acme", exists: true}},
			reason: v1alpha1.ReasonWaitingForOrganization, want: "not connected",
		},
		"another Department holds the key": {
			s:      departmentSnapshot{dept: dept, org: connectedOrg, holder: other},
			reason: v1alpha1.ReasonConflict, want: `"other"`,
		},
		"a cycle": {
			s:      departmentSnapshot{dept: dept, org: connectedOrg, cycle: []string{"team", "div", "team"}},
			reason: v1alpha1.ReasonParentCycle, want: "team -> div -> team",
		},
		"the chart could not be listed": {
			s:      departmentSnapshot{dept: dept, org: connectedOrg, listErr: provider.ErrTransient},
			reason: v1alpha1.ReasonRemoteError,
		},
		"the parent is not in the chart": {
			s:      departmentSnapshot{dept: dept, org: connectedOrg, remote: remoteView{complete: true}, diff: nameDiff},
			reason: v1alpha1.ReasonWaitingForParent, want: `"div"`,
		},
		"absent: create, with the parent's remote id": {
			s:      departmentSnapshot{dept: dept, org: connectedOrg, remote: remoteView{complete: true, parent: parent}, diff: nameDiff},
			action: actCreate, reason: v1alpha1.ReasonSynced,
		},
		"present and equal: nothing to write": {
			s:      departmentSnapshot{dept: dept, org: connectedOrg, remote: remoteView{complete: true, parent: parent, self: remoteOf(dept)}, diff: nameDiff},
			reason: v1alpha1.ReasonSynced,
		},
		"present and different: update": {
			s:      departmentSnapshot{dept: dept, org: connectedOrg, remote: remoteView{complete: true, parent: parent, self: renamed}, diff: nameDiff},
			action: actUpdate, reason: v1alpha1.ReasonSynced,
		},
		"moving under its own remote sub-department: wait, no write": {
			s: departmentSnapshot{dept: dept, org: connectedOrg, diff: nameDiff,
				remote: remoteView{complete: true, parent: parent, self: renamed, parentBelow: []string{"team", "x", "div"}}},
			reason: v1alpha1.ReasonWaitingForParent, want: `"div" is inside this department's subtree remotely (team > x > div)`,
		},
		"Observe and absent: Drifted, no write": {
			s: departmentSnapshot{dept: testDepartment("team", "div", func(d *v1alpha1.Department) { d.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve }),
				org: connectedOrg, remote: remoteView{complete: true, parent: parent}, diff: nameDiff},
			reason: v1alpha1.ReasonDrifted, want: "not creating",
		},
		"Observe and different: Drifted, no write": {
			s: departmentSnapshot{dept: testDepartment("team", "div", func(d *v1alpha1.Department) { d.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve }),
				org: connectedOrg, remote: remoteView{complete: true, parent: parent, self: renamed}, diff: nameDiff},
			reason: v1alpha1.ReasonDrifted, want: "differs in name (managementPolicy Observe: not updating", drift: provider.Fields{provider.FieldName},
		},
		"refused values, nothing changed around them: keep the condition, no write": {
			s: departmentSnapshot{dept: dept, org: connectedOrg, remote: remoteView{complete: true, parent: parent, siblingsVersion: 7},
				rejected: &rejection{generation: 1, siblingsVersion: 7}, diff: nameDiff},
		},
		"a move the remote system cannot make: UnsupportedChange saying what to do, no write": {
			s: departmentSnapshot{dept: atTop, org: connectedOrg, diff: nameDiff, unsupported: noTopLevel,
				remote: remoteView{complete: true, self: underDiv}},
			reason: v1alpha1.ReasonUnsupportedChange, want: `cannot move "team" to the top level: keep it under a parent; nothing is sent until`,
		},
		"a move the remote system can make: update": {
			s: departmentSnapshot{dept: dept, org: connectedOrg, diff: nameDiff, unsupported: noTopLevel,
				remote: remoteView{complete: true, parent: parent, self: remoteOf(atTop)}},
			action: actUpdate, reason: v1alpha1.ReasonSynced,
		},
		"an update the listing after it still shows undone: NotApplied naming the field, no write": {
			s:      afterUpdate(wroteName),
			reason: v1alpha1.ReasonNotApplied, want: "accepted the update of name but did not apply it",
		},
		"an update an earlier listing already showed applied, changed since: update": {
			s: departmentSnapshot{dept: dept, org: connectedOrg, diff: nameDiff, lastWrite: wroteName,
				remote: remoteView{complete: true, parent: parent, self: renamed, listStarted: listed, prevListStarted: listed.Add(-time.Second / 2)}},
			action: actUpdate, reason: v1alpha1.ReasonSynced,
		},
		"an update no listing has followed yet: nothing concluded, update": {
			s:      afterUpdate(wroteNameLater),
			action: actUpdate, reason: v1alpha1.ReasonSynced,
		},
		"a field the last update did not write differs: update": {
			s:      afterUpdate(wroteParent),
			action: actUpdate, reason: v1alpha1.ReasonSynced,
		},
		"an update of an older spec: update": {
			s:      afterUpdate(wroteOldSpec),
			action: actUpdate, reason: v1alpha1.ReasonSynced,
		},
		"not applied, the remote department as it was then: keep the condition, no write": {
			s: departmentSnapshot{dept: dept, org: connectedOrg, diff: nameDiff,
				remote:   remoteView{complete: true, parent: parent, self: renamed, listStarted: listed, siblingsVersion: 9},
				rejected: &rejection{generation: 1, siblingsVersion: 3, remote: renamed}},
		},
		"not applied, the remote department changed since: try again": {
			s: departmentSnapshot{dept: dept, org: connectedOrg, diff: nameDiff,
				remote:   remoteView{complete: true, parent: parent, self: renamedAgain, listStarted: listed},
				rejected: &rejection{generation: 1, remote: renamed}},
			action: actUpdate, reason: v1alpha1.ReasonSynced,
		},
		"not applied, the spec changed since: try again": {
			s: departmentSnapshot{dept: dept, org: connectedOrg, diff: nameDiff,
				remote:   remoteView{complete: true, parent: parent, self: renamed, listStarted: listed},
				rejected: &rejection{generation: 0, remote: renamed}},
			action: actUpdate, reason: v1alpha1.ReasonSynced,
		},
		"refused values, a sibling changed since: try again": {
			s: departmentSnapshot{dept: dept, org: connectedOrg, remote: remoteView{complete: true, parent: parent, siblingsVersion: 8},
				rejected: &rejection{generation: 1, siblingsVersion: 7}, diff: nameDiff},
			action: actCreate, reason: v1alpha1.ReasonSynced,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			d := decideSync(&tc.s)
			if d.action != tc.action {
				t.Fatalf("action = %v, want %v", d.action, tc.action)
			}
			if tc.reason == "" {
				if !d.keepCondition {
					t.Fatalf("outcome %+v changes the condition", d.outcome)
				}
				return
			}
			if d.reason != tc.reason || !strings.Contains(d.message, tc.want) {
				t.Fatalf("reason %q, message %q; want %q containing %q", d.reason, d.message, tc.reason, tc.want)
			}
			if !slices.Equal(d.drift, tc.drift) {
				t.Fatalf("drift %v, want %v", d.drift, tc.drift)
			}
			if d.action == actCreate && d.desired.ParentRemoteID != parent.RemoteID {
				t.Fatalf("create without the parent's remote id: %+v", d.desired)
			}
			assertWoken(t, d.outcome)
		})
	}
}

func TestDecideDelete(t *testing.T) {
	dept := testDepartment("team", "div", func(d *v1alpha1.Department) { d.DeletionTimestamp = &metav1.Time{Time: time.Now()} })
	successor := testDepartment("renamed", "div", func(d *v1alpha1.Department) { d.UID = "uid-renamed"; d.Spec.ExternalKey = "team" })
	present := remoteView{complete: true, self: remoteOf(dept)}

	cases := map[string]struct {
		s        departmentSnapshot
		action   action
		reason   string
		want     string
		orphaned bool
	}{
		"handed over to a Department that claims the key": {
			s: departmentSnapshot{dept: dept, org: connectedOrg, successor: successor, remote: present}, action: actRelease,
		},
		"Orphan policy leaves the remote department": {
			s: departmentSnapshot{dept: testDepartment("team", "div", func(d *v1alpha1.Department) { d.Spec.DeletionPolicy = v1alpha1.DeletionPolicyOrphan }),
				org: connectedOrg, remote: present},
			action: actRelease,
		},
		"the Organization goes with deletionPolicy Orphan: the remote chart stays": {
			s:      departmentSnapshot{dept: dept, org: organizationState{name: "acme", exists: true, deleting: true, orphans: true}, remote: present},
			action: actRelease,
		},
		"paused: the deletion waits": {
			s: departmentSnapshot{dept: testDepartment("team", "div", func(d *v1alpha1.Department) {
				d.Annotations = map[string]string{v1alpha1.AnnotationPaused: "true"}
			}), org: connectedOrg, remote: present},
			reason: v1alpha1.ReasonPaused, want: "the deletion waits",
		},
		"the Organization is gone: left in place, with an event": {
			s: departmentSnapshot{dept: dept, org: organizationState{name: "acme"}}, action: actRelease, orphaned: true,
		},
		"the Organization's credentials went with it": {
			s:      departmentSnapshot{dept: dept, org: organizationState{name: "acme", exists: true, deleting: true}, credentialsGone: true},
			action: actRelease, orphaned: true,
		},
		"the chart cannot be listed: nothing is concluded": {
			s: departmentSnapshot{dept: dept, org: connectedOrg, listErr: provider.ErrTransient}, reason: v1alpha1.ReasonRemoteError,
		},
		"gone from the chart: release": {
			s: departmentSnapshot{dept: dept, org: connectedOrg, remote: remoteView{complete: true}}, action: actRelease,
		},
		"remote children first": {
			s:      departmentSnapshot{dept: dept, org: connectedOrg, remote: present, remoteChildren: []string{"made-by-hand (no Department)"}},
			reason: v1alpha1.ReasonDeletionBlocked, want: "made-by-hand (no Department); the ones with no Department are not orgsync's to delete: delete or move them in the remote system, or give each a Department and delete it, or set deletionPolicy: Orphan",
		},
		"child objects first": {
			s:      departmentSnapshot{dept: dept, org: connectedOrg, remote: present, objectChildren: []string{"child"}, remoteChildren: []string{"child"}},
			reason: v1alpha1.ReasonDeletionBlocked, want: "first: child",
		},
		"no children: delete": {
			s: departmentSnapshot{dept: dept, org: connectedOrg, remote: present}, action: actDelete,
		},
		"deleted on its own: the delete waits for the grace period": {
			s: departmentSnapshot{dept: dept, org: connectedOrg, remote: present,
				grace: deletionWait{at: time.Date(2025, 3, 1, 9, 0, 11, 0, time.UTC), left: 4 * time.Second, grace: 10 * time.Second}},
			reason: v1alpha1.ReasonDeletionPending,
			want:   `remote department "team" is deleted at 2025-03-01T09:00:11Z, once no Department of Organization "acme" has been deleted for 10s, unless the Organization is deleted by then`,
		},
		"in the grace period, children still go first": {
			s: departmentSnapshot{dept: dept, org: connectedOrg, remote: present, objectChildren: []string{"child"},
				grace: deletionWait{left: 4 * time.Second, grace: 10 * time.Second}},
			reason: v1alpha1.ReasonDeletionBlocked, want: "first: child",
		},
		"in the grace period, a department already gone is released": {
			s: departmentSnapshot{dept: dept, org: connectedOrg, remote: remoteView{complete: true},
				grace: deletionWait{left: 4 * time.Second, grace: 10 * time.Second}},
			action: actRelease,
		},
		"the namespace is being deleted under an Orphan Organization: the remote chart stays": {
			s:      departmentSnapshot{dept: dept, org: organizationState{name: "acme", exists: true, connected: true, orphans: true}, remote: present},
			action: actRelease,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			d := decideDelete(&tc.s)
			if d.action != tc.action {
				t.Fatalf("action = %v, want %v", d.action, tc.action)
			}
			if (d.orphaned != "") != tc.orphaned {
				t.Fatalf("orphaned event %q, want one: %v", d.orphaned, tc.orphaned)
			}
			if tc.reason != "" && (d.reason != tc.reason || !strings.Contains(d.message, tc.want)) {
				t.Fatalf("reason %q, message %q; want %q containing %q", d.reason, d.message, tc.reason, tc.want)
			}
			if tc.reason != "" {
				assertWoken(t, d.outcome)
			}
			if d.reason == v1alpha1.ReasonDeletionPending && d.result.RequeueAfter != tc.s.grace.left {
				t.Fatalf("requeued after %v, want the rest of the grace period, %v", d.result.RequeueAfter, tc.s.grace.left)
			}
		})
	}
}

func TestDeleteAfter(t *testing.T) {
	deleted := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	dept := testDepartment("team", "div", func(d *v1alpha1.Department) { d.DeletionTimestamp = &metav1.Time{Time: deleted} })
	for name, tc := range map[string]struct {
		last time.Time
		want time.Time
	}{
		// deletionTimestamp has whole seconds: the deletion may have come up to a second later.
		"deleted on its own: grace after the second of its deletion": {want: deleted.Add(11 * time.Second)},
		"others deleted before it":                                   {last: deleted.Add(-5 * time.Second), want: deleted.Add(11 * time.Second)},
		"others still being deleted after it (kubectl, one by one)":  {last: deleted.Add(30 * time.Second), want: deleted.Add(41 * time.Second)},
	} {
		t.Run(name, func(t *testing.T) {
			if got := deleteAfter(dept.DeletionTimestamp.Time, tc.last, 10*time.Second); !got.Equal(tc.want) {
				t.Fatalf("deleteAfter = %v, want %v", got, tc.want)
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
			got := nameHeld("Y", held, tc.holder, tc.current)
			for _, want := range tc.want {
				if !strings.Contains(got, want) {
					t.Errorf("%q lacks %q", got, want)
				}
			}
		})
	}
}

// assertWoken fails when a not-Ready outcome has nothing that would reconcile the object again.
func assertWoken(t *testing.T, o outcome) {
	t.Helper()
	if o.ready != metav1.ConditionFalse {
		return
	}
	if w, _ := rules.Lookup(o.reason); o.result.RequeueAfter == 0 && o.err == nil && w.Watch == "" {
		t.Fatalf("%s: no watch, delay or backoff wakes the object again", o.reason)
	}
}

// Every reason an object can be not Ready names how it is woken again, and notReady and failure
// honour it: a delay requeues, a backoff returns the error.
func TestEveryNotReadyReasonHasAWakeUp(t *testing.T) {
	for _, reason := range v1alpha1.Reasons {
		if reason == v1alpha1.ReasonSynced {
			continue
		}
		w, ok := rules.Lookup(reason)
		if !ok || (w.Watch == "" && w.Delay == 0 && !w.Resync && !w.Backoff) {
			t.Errorf("reason %s has no wake-up", reason)
			continue
		}
		o := notReady(reason, "message").withResync(time.Minute)
		if (w.Delay != 0 || w.Resync) && o.result.RequeueAfter <= 0 {
			t.Errorf("reason %s: its delay is not requeued: %+v", reason, o.result)
		}
	}
	for _, err := range []error{provider.ErrTransient, provider.ErrInvalid, provider.ErrCredentials, provider.ErrHasChildren, provider.ErrAlreadyExists, provider.ErrUnsupported} {
		o := failure(err)
		assertWoken(t, o)
		if w, _ := rules.Lookup(o.reason); w.Backoff && o.err == nil {
			t.Errorf("%v gives %s without an error to back off on", err, o.reason)
		}
	}
	if !slices.Contains(v1alpha1.Reasons, v1alpha1.ReasonDeleting) {
		t.Fatal("v1alpha1.Reasons is incomplete")
	}
}
