package controller

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/orgsync/orgsync/api/v1alpha1"
	rules "github.com/orgsync/orgsync/internal/decision"
	"github.com/orgsync/orgsync/internal/inventory"
	"github.com/orgsync/orgsync/internal/provider"
)

// departmentsFns is a fake of the provider seam made of function fields, after crossplane-runtime's
// ExternalClientFns: each method calls its field. remoteChart sets them all; a case replaces one
// to answer otherwise.
type departmentsFns struct {
	ListFn        func(ctx context.Context) ([]provider.Department, error)
	DiffFn        func(desired, observed provider.Department) provider.Fields
	CreateFn      func(ctx context.Context, desired provider.Department) (provider.Department, error)
	UnsupportedFn func(desired, observed provider.Department) error
	UpdateFn      func(ctx context.Context, desired provider.Department) (provider.Department, error)
	DeleteFn      func(ctx context.Context, target provider.Department) error
}

var _ provider.Departments = (*departmentsFns)(nil)

func (f *departmentsFns) List(ctx context.Context) ([]provider.Department, error) {
	return f.ListFn(ctx)
}
func (f *departmentsFns) Diff(desired, observed provider.Department) provider.Fields {
	return f.DiffFn(desired, observed)
}

// Holds, WithDefaults and Export: a remote system that holds every field and gives none a default.
func (f *departmentsFns) Holds(provider.Field) bool                              { return true }
func (f *departmentsFns) WithDefaults(d provider.Department) provider.Department { return d }
func (f *departmentsFns) Export(provider.Department, *v1alpha1.DepartmentSpec)   {}
func (f *departmentsFns) Create(ctx context.Context, desired provider.Department) (provider.Department, error) {
	return f.CreateFn(ctx, desired)
}
func (f *departmentsFns) Unsupported(desired, observed provider.Department) error {
	return f.UnsupportedFn(desired, observed)
}
func (f *departmentsFns) Update(ctx context.Context, desired provider.Department) (provider.Department, error) {
	return f.UpdateFn(ctx, desired)
}
func (f *departmentsFns) Delete(ctx context.Context, target provider.Department) error {
	return f.DeleteFn(ctx, target)
}

// remoteChart is a remote system in memory behind a departmentsFns: it keeps what writes make of
// it, and the calls in order ("list", "create eng", ...).
type remoteChart struct {
	depts map[string]provider.Department
	calls []string
	fns   *departmentsFns
}

func newRemoteChart(depts ...provider.Department) *remoteChart {
	c := &remoteChart{depts: map[string]provider.Department{}}
	for _, d := range depts {
		c.depts[d.Key] = d
	}
	c.fns = &departmentsFns{
		ListFn: func(context.Context) ([]provider.Department, error) {
			c.calls = append(c.calls, "list")
			return slices.Collect(maps.Values(c.depts)), nil
		},
		DiffFn:        nameDiff,
		UnsupportedFn: func(provider.Department, provider.Department) error { return nil },
		CreateFn: func(_ context.Context, d provider.Department) (provider.Department, error) {
			c.calls = append(c.calls, "create "+d.Key)
			d.RemoteID = "id-" + d.Key
			c.depts[d.Key] = d
			return d, nil
		},
		UpdateFn: func(_ context.Context, d provider.Department) (provider.Department, error) {
			c.calls = append(c.calls, "update "+d.Key)
			c.depts[d.Key] = d
			return d, nil
		},
		DeleteFn: func(_ context.Context, d provider.Department) error {
			c.calls = append(c.calls, "delete "+d.Key)
			delete(c.depts, d.Key)
			return nil
		},
	}
	return c
}

// refuseDeletes makes every delete fail with err, sending nothing.
func (c *remoteChart) refuseDeletes(err error) {
	c.fns.DeleteFn = func(_ context.Context, d provider.Department) error {
		c.calls = append(c.calls, "delete "+d.Key)
		return err
	}
}

// refuse makes the next write of kind ("create", "update", "delete") fail with err after
// applying it when applied is true (a timeout whose write went through), or without.
func (c *remoteChart) refuse(kind string, err error, applied bool) {
	create, update, del := c.fns.CreateFn, c.fns.UpdateFn, c.fns.DeleteFn
	answer := func(ctx context.Context, d provider.Department) error {
		c.fns.CreateFn, c.fns.UpdateFn, c.fns.DeleteFn = create, update, del
		switch {
		case !applied:
			c.calls = append(c.calls, kind+" "+d.Key)
		case kind == "create":
			_, _ = create(ctx, d)
		case kind == "update":
			_, _ = update(ctx, d)
		default:
			_ = del(ctx, d)
		}
		return err
	}
	switch kind {
	case "create":
		c.fns.CreateFn = func(ctx context.Context, d provider.Department) (provider.Department, error) {
			return provider.Department{}, answer(ctx, d)
		}
	case "update":
		c.fns.UpdateFn = func(ctx context.Context, d provider.Department) (provider.Department, error) {
			return provider.Department{}, answer(ctx, d)
		}
	case "delete":
		c.fns.DeleteFn = answer
	}
}

// failNext is a write that fails once: of kind ("create", "update", "delete"), with err, made
// (applied) or not.
type failNext struct {
	kind    string
	err     error
	applied bool
}

// actRig runs the act layer for one Department against a remoteChart: the inventory rests on a
// listing of it, the Department is stored in a fake Kubernetes client (for its finalizer), and
// each reconcile builds the scope from the inventory as gather does.
type actRig struct {
	t *testing.T
	// release, when a case sets it, lets a listing it holds go on.
	release  func()
	r        *DepartmentReconciler
	remote   *remoteChart
	inv      *inventory.Inventory
	conn     *provider.Connection
	org      *v1alpha1.Organization
	recorder *events.FakeRecorder
}

func newActRig(t *testing.T, dept *v1alpha1.Department, remote *remoteChart) *actRig {
	t.Helper()
	k8s := fakeClient(t, dept)
	g := &actRig{
		t: t, remote: remote, recorder: events.NewFakeRecorder(100),
		inv:  inventory.New("ns", "acme", nil),
		conn: &provider.Connection{Departments: remote.fns},
		org:  &v1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "acme", UID: "uid-acme"}},
	}
	g.r = &DepartmentReconciler{Shared: Shared{Client: k8s, Budgets: NewBudgets()}, Recorder: g.recorder}
	if err := g.inv.ListedSince(context.Background(), time.Time{}, g.conn, g.conn.Departments.List); err != nil {
		t.Fatal(err)
	}
	remote.calls = nil
	return g
}

// scope gathers, as gatherRemote does from the inventory, what one reconcile decides from.
func (g *actRig) scope(dept *v1alpha1.Department) *departmentScope {
	s := &rules.Snapshot{Dept: dept, Org: connectedOrg, Organization: g.org, Holder: dept,
		Diff: g.conn.Departments.Diff, Unsupported: g.conn.Departments.Unsupported}
	sc := &departmentScope{s: s, conn: g.conn, inv: g.inv}
	if v, ok := g.r.failedWrites.LoadAndDelete(dept.UID); ok {
		sc.failed = v.(*failedWrite)
	}
	if v, ok := g.r.rejections.Load(dept.UID); ok {
		rej := v.(rules.Rejection)
		s.Rejected = &rej
	}
	s.Remote = g.inv.View(dept.Key(), dept.Spec.ParentExternalKey, isDeleting(dept))
	sc.failed.listed(s.Remote)
	for _, key := range s.Remote.Children {
		s.RemoteChildren = append(s.RemoteChildren, key+rules.UnmanagedSuffix)
	}
	if held, ok := g.inv.SiblingNamed(dept.Spec.ParentExternalKey, dept.Spec.Name, dept.Key()); ok && sc.failed != nil {
		sc.nameHolder = &heldName{sibling: held}
	}
	return sc
}

// reconcile decides once and acts once, as a reconcile does.
func (g *actRig) reconcile(dept *v1alpha1.Department) acted {
	sc := g.scope(dept)
	return g.r.act(context.Background(), sc, decideDepartment(sc))
}

func (g *actRig) events() []string {
	var out []string
	for len(g.recorder.Events) > 0 {
		out = append(out, <-g.recorder.Events)
	}
	return out
}

func remote(key, parent, name string) provider.Department {
	return provider.Department{Key: key, ParentKey: parent, Name: name, DisplayOrder: "1"}
}

// immediately reports whether o ends the reconcile on a fresh look: nothing concluded, the next
// reconcile at once.
func immediately(o outcome) bool {
	return o.keepCondition && o.err == nil && o.result.RequeueAfter == lookAgainAfter
}

// check looks at what a case's reconciles did.
type check func(t *testing.T, g *actRig, dept *v1alpha1.Department, results []acted)

// holds checks that the last reconcile reported reason, kept the finalizer and wrote nothing;
// below, when given, is the path a waiting move watches.
func holds(reason string, below ...string) check {
	return func(t *testing.T, _ *actRig, dept *v1alpha1.Department, res []acted) {
		last := res[len(res)-1]
		if last.reason != reason || last.released || last.wrote || !controllerutil.ContainsFinalizer(dept, Finalizer) {
			t.Errorf("last reconcile %+v, finalizers %v: want %s, the finalizer kept, nothing written", last, dept.Finalizers, reason)
		}
		if below != nil && !slices.Equal(last.below, below) {
			t.Errorf("waits below %q, want %q", last.below, below)
		}
	}
}

// backsOff checks that the last reconcile reported a RemoteError whose message contains part, for
// the workqueue's backoff, and left no failed write for another fresh look.
func backsOff(part string) check {
	return func(t *testing.T, g *actRig, dept *v1alpha1.Department, res []acted) {
		if last := res[len(res)-1]; last.reason != v1alpha1.ReasonRemoteError || last.err == nil || !strings.Contains(last.message, part) {
			t.Errorf("last reconcile %+v, want RemoteError containing %q, for backoff", last, part)
		}
		if _, ok := g.r.failedWrites.Load(dept.UID); ok {
			t.Error("the failure is remembered for another fresh look")
		}
	}
}

// syncedWithoutWrite checks that the last reconcile found the department in sync and wrote nothing.
func syncedWithoutWrite(t *testing.T, _ *actRig, _ *v1alpha1.Department, res []acted) {
	if last := res[len(res)-1]; !last.synced || last.wrote {
		t.Errorf("last reconcile %+v, want Synced without a write", last)
	}
}

// actOld makes a Department older than any listing.
func actOld(d *v1alpha1.Department) { d.CreationTimestamp = metav1.NewTime(time.Now().Add(-time.Hour)) }

// actDeleting makes an old Department that is being deleted, with its finalizer.
func actDeleting(d *v1alpha1.Department) {
	actOld(d)
	d.DeletionTimestamp = &metav1.Time{Time: time.Now()}
	d.Finalizers = []string{Finalizer}
}

// errActTransient is an answer that is no answer: the write may or may not have been made.
var errActTransient = fmt.Errorf("%w: POST answered 504", provider.ErrTransient)

// actCase is one case of the act layer: a Department, the remote chart, and what a run of
// reconciles must do.
type actCase struct {
	dept   *v1alpha1.Department
	remote []provider.Department
	// before runs after the rig's listing: writes by hand, refusals.
	before func(g *actRig, dept *v1alpha1.Department)
	// fail makes the next write of its kind fail.
	fail *failNext
	// afterFirst runs after the first reconcile.
	afterFirst func(g *actRig)
	// reconciles is how many reconciles run in a row (1 when zero).
	reconciles int
	// lookFirst: the first reconcile ends on a fresh look, with an immediate requeue.
	lookFirst bool
	wantCalls []string
	check     check
}

// actCreateCases are the cases of a live Department the chart lacks: creates and the fresh look
// after a failed write.
func actCreateCases() map[string]actCase {
	return map[string]actCase{
		"created: a department the chart lacks is created once, Synced, with its remote id": {
			dept: testDepartment("eng", "", actOld), wantCalls: []string{"create eng"},
			check: func(t *testing.T, g *actRig, dept *v1alpha1.Department, res []acted) {
				r := res[0]
				if !r.synced || !r.wrote || r.action != rules.Create || r.written == nil || r.written.RemoteID != "id-eng" {
					t.Errorf("result %+v, want a synced create with the remote id", r)
				}
				if g.inv.View("eng", "", false).Self == nil {
					t.Error("the inventory does not show the create")
				}
				if !controllerutil.ContainsFinalizer(dept, Finalizer) {
					t.Error("no finalizer before the create")
				}
			},
		},
		"looked before creating: a create resting on a listing older than the Department lists again and ends the reconcile": {
			// Younger than any listing (creationTimestamp has whole seconds, so "now" may be older).
			dept: testDepartment("by-hand", "", func(d *v1alpha1.Department) { d.CreationTimestamp = metav1.NewTime(time.Now().Add(time.Hour)) }),
			before: func(g *actRig, _ *v1alpha1.Department) {
				g.remote.depts["by-hand"] = remote("by-hand", "", "Dept by-hand") // made after the listing
			},
			lookFirst: true, reconciles: 2, wantCalls: []string{"list"},
			check: syncedWithoutWrite,
		},
		"adopt: a create refused as existing lists again, and the next reconcile updates the department it found": {
			dept: testDepartment("legacy", "", actOld),
			before: func(g *actRig, _ *v1alpha1.Department) {
				g.remote.depts["legacy"] = remote("legacy", "", "Legacy")
				g.remote.refuse("create", fmt.Errorf("%w: key taken", provider.ErrAlreadyExists), false)
			},
			lookFirst: true, reconciles: 2, wantCalls: []string{"create legacy", "list", "update legacy"},
			check: func(t *testing.T, g *actRig, _ *v1alpha1.Department, res []acted) {
				if !res[1].synced || res[1].action != rules.Update {
					t.Errorf("second reconcile %+v, want the adopting update", res[1])
				}
				if ev := g.events(); !slices.ContainsFunc(ev, func(e string) bool { return strings.Contains(e, "Updated") && strings.Contains(e, "name") }) {
					t.Errorf("events %q, want the update's", ev)
				}
			},
		},
		"one fresh look per failed write: the adopting update decided from it fails, and that is reported, not looked at again": {
			dept: testDepartment("legacy", "", actOld),
			before: func(g *actRig, _ *v1alpha1.Department) {
				g.remote.depts["legacy"] = remote("legacy", "", "Legacy")
				g.remote.refuse("create", fmt.Errorf("%w: key taken", provider.ErrAlreadyExists), false)
				list := g.remote.fns.ListFn
				g.remote.fns.ListFn = func(ctx context.Context) ([]provider.Department, error) {
					g.remote.refuse("update", errActTransient, false)
					return list(ctx)
				}
			},
			reconciles: 2, wantCalls: []string{"create legacy", "list", "update legacy"},
			check: backsOff("retrying with backoff"),
		},
		"the chart changed since the fresh look: a create refused while its parent was missing goes again once the parent is back": {
			dept:   testDepartment("child", "p", actOld),
			remote: []provider.Department{remote("p", "", "Dept p")},
			before: func(g *actRig, _ *v1alpha1.Department) {
				delete(g.remote.depts, "p") // deleted by hand: the inventory still shows it
				g.remote.refuse("create", fmt.Errorf("%w: HTTP 400 -9999", provider.ErrInvalid), false)
			},
			// The parent's Department, woken by the listing that shows it gone, puts it back.
			afterFirst: func(g *actRig) { g.inv.Put(remote("p", "", "Dept p")) },
			reconciles: 2, lookFirst: true, wantCalls: []string{"create child", "list", "create child"},
			check: func(t *testing.T, _ *actRig, _ *v1alpha1.Department, res []acted) {
				if !res[1].synced || res[1].action != rules.Create {
					t.Errorf("second reconcile %+v, want the create sent again", res[1])
				}
			},
		},
	}
}

// actFailureCases are the cases of a create that fails: refused, timed out, not listed again,
// throttled.
func actFailureCases() map[string]actCase {
	return map[string]actCase{
		"refused: a create refused for its values, decided again from the fresh listing, reports InvalidSpec naming the sibling and is not sent again": {
			dept:      testDepartment("b", "", actOld, func(d *v1alpha1.Department) { d.Spec.Name = "Taken" }),
			remote:    []provider.Department{remote("a", "", "Taken")},
			fail:      &failNext{"create", fmt.Errorf("%w: name in use", provider.ErrInvalid), false},
			lookFirst: true, reconciles: 3, wantCalls: []string{"create b", "list"},
			check: func(t *testing.T, g *actRig, dept *v1alpha1.Department, res []acted) {
				if res[1].reason != v1alpha1.ReasonInvalidSpec || !strings.Contains(res[1].message, `is held by sibling department "a"`) || res[1].action != rules.NoAction {
					t.Errorf("second reconcile %+v, want InvalidSpec naming the sibling, without a write", res[1])
				}
				if !res[2].keepCondition || res[2].action != rules.NoAction {
					t.Errorf("third reconcile %+v, want the refusal to stand without a write", res[2])
				}
				if _, ok := g.r.rejections.Load(dept.UID); !ok {
					t.Error("the refusal is not remembered")
				}
			},
		},
		"timeout that may have applied: a create that timed out and was made is found by the fresh listing, no second create": {
			dept:      testDepartment("eng", "", actOld),
			fail:      &failNext{"create", errActTransient, true},
			lookFirst: true, reconciles: 2, wantCalls: []string{"create eng", "list"},
			check: syncedWithoutWrite,
		},
		"relist and decide again: a create that timed out and was not made is reported, with backoff, and sent again only after it": {
			dept:       testDepartment("eng", "", actOld),
			fail:       &failNext{"create", errActTransient, false},
			reconciles: 3, wantCalls: []string{"create eng", "list", "create eng"},
			check: func(t *testing.T, _ *actRig, _ *v1alpha1.Department, res []acted) {
				if res[1].reason != v1alpha1.ReasonRemoteError || !errors.Is(res[1].err, provider.ErrTransient) {
					t.Errorf("second reconcile %+v, want RemoteError returned for backoff, without a write", res[1])
				}
				if !res[2].synced || res[2].action != rules.Create {
					t.Errorf("third reconcile %+v, want the create sent again", res[2])
				}
			},
		},
		"slow relist: the worker does not wait out a long listing after a failed write; the reconcile it wakes decides from it": {
			dept: testDepartment("eng", "", actOld),
			fail: &failNext{"create", errActTransient, false},
			before: func(g *actRig, _ *v1alpha1.Department) {
				release := make(chan struct{})
				list := g.remote.fns.ListFn
				g.remote.fns.ListFn = func(ctx context.Context) ([]provider.Department, error) {
					<-release // a chart that takes minutes to list
					return list(ctx)
				}
				g.t.Cleanup(func() {
					select {
					case <-release:
					default:
						close(release)
					}
				})
				started := time.Now()
				g.release = func() { // and wait for the listing the failed write started
					close(release)
					if err := g.inv.ListedSince(context.Background(), started, g.conn, g.conn.Departments.List); err != nil {
						g.t.Fatal(err)
					}
				}
			},
			afterFirst: func(g *actRig) { g.release() },
			reconciles: 2, wantCalls: []string{"create eng", "list"},
			check: func(t *testing.T, _ *actRig, _ *v1alpha1.Department, res []acted) {
				if !res[0].keepCondition || res[0].result.RequeueAfter != 0 || res[0].action != rules.NoAction {
					t.Errorf("first reconcile %+v, want it ended while the listing goes on, to be woken by it", res[0])
				}
				if res[1].reason != v1alpha1.ReasonRemoteError || res[1].action != rules.NoAction {
					t.Errorf("second reconcile %+v, want the failure reported from the listing, without a second create", res[1])
				}
			},
		},
		"relist fails: the write's failure is reported with the listing's": {
			dept: testDepartment("eng", "", actOld),
			before: func(g *actRig, _ *v1alpha1.Department) {
				g.remote.refuse("create", errActTransient, false)
				g.remote.fns.ListFn = func(context.Context) ([]provider.Department, error) {
					g.remote.calls = append(g.remote.calls, "list")
					return nil, fmt.Errorf("%w: listing answered 503", provider.ErrTransient)
				}
			},
			wantCalls: []string{"create eng", "list"},
			check:     backsOff("and listing the chart again failed"),
		},
		"throttled: no fresh look, the condition stays and the write waits": {
			dept:      testDepartment("eng", "", actOld),
			remote:    []provider.Department{remote("eng", "", "Old name")},
			fail:      &failNext{"update", fmt.Errorf("%w: 429", provider.ErrThrottled), false},
			wantCalls: []string{"update eng"},
			check: func(t *testing.T, _ *actRig, _ *v1alpha1.Department, res []acted) {
				if !res[0].keepCondition || res[0].result.RequeueAfter < time.Second {
					t.Errorf("result %+v, want the condition kept and a delayed retry", res[0])
				}
			},
		},
	}
}

// actUpdateCases are the cases of a live Department the chart shows differently: updates and moves.
func actUpdateCases() map[string]actCase {
	return map[string]actCase{
		"updated: a department that differs is updated once, with an Event, and the update is checked by the next listing": {
			dept:      testDepartment("eng", "", actOld),
			remote:    []provider.Department{remote("eng", "", "Old name")},
			wantCalls: []string{"update eng"},
			check: func(t *testing.T, g *actRig, dept *v1alpha1.Department, res []acted) {
				if !res[0].synced || !res[0].wrote || res[0].action != rules.Update {
					t.Errorf("result %+v, want a synced update", res[0])
				}
				if _, ok := g.r.writes.Load(dept.UID); !ok {
					t.Error("the update is not remembered for the listing that checks it")
				}
				if ev := g.events(); len(ev) != 1 || !strings.Contains(ev[0], "Updated") {
					t.Errorf("events %q, want one Updated", ev)
				}
			},
		},
		"moved: a move under a new parent is one update": {
			dept:      testDepartment("eng", "platform", actOld),
			remote:    []provider.Department{remote("hq", "", "Dept hq"), remote("platform", "", "Dept platform"), remote("eng", "hq", "Dept eng")},
			wantCalls: []string{"update eng"},
			check: func(t *testing.T, g *actRig, _ *v1alpha1.Department, res []acted) {
				if !res[0].synced || g.inv.View("eng", "", false).Self.ParentKey != "platform" {
					t.Errorf("result %+v, want eng under platform", res[0])
				}
			},
		},
		"moved, waiting at the write: a move that a move started since the decision would turn into a cycle waits": {
			dept:   testDepartment("b", "a", actOld),
			remote: []provider.Department{remote("a", "", "Dept a"), remote("b", "", "Dept b")},
			before: func(g *actRig, _ *v1alpha1.Department) {
				// a's move under b starts between b's decision (which diffs) and b's write.
				g.remote.fns.DiffFn = func(desired, observed provider.Department) provider.Fields {
					moveUnderWay(g.t, g.inv, "a", "b")
					return nameDiff(desired, observed)
				}
			},
			check: holds(v1alpha1.ReasonWaitingForParent, "b", "a"),
		},
		"moved, waiting: a move that a move under way would turn into a cycle waits, watching the path": {
			dept:   testDepartment("b", "a", actOld),
			remote: []provider.Department{remote("a", "", "Dept a"), remote("b", "", "Dept b")},
			before: func(g *actRig, _ *v1alpha1.Department) {
				moveUnderWay(g.t, g.inv, "a", "b")
			},
			check: holds(v1alpha1.ReasonWaitingForParent, "b", "a"),
		},
	}
}

// actDeleteCases are the cases of a deleting Department.
func actDeleteCases() map[string]actCase {
	return map[string]actCase{
		"deleted: a deleting Department deletes its remote department, then releases its finalizer": {
			dept:      testDepartment("eng", "", actDeleting),
			remote:    []provider.Department{remote("eng", "", "Dept eng")},
			wantCalls: []string{"delete eng"},
			check: func(t *testing.T, g *actRig, dept *v1alpha1.Department, res []acted) {
				if !res[0].released || controllerutil.ContainsFinalizer(dept, Finalizer) {
					t.Errorf("result %+v, finalizers %v: want released", res[0], dept.Finalizers)
				}
				if g.inv.View("eng", "", false).Self != nil {
					t.Error("the inventory still shows the deleted department")
				}
			},
		},
		"delete refused, already gone: the fresh listing shows it gone and the next reconcile releases": {
			dept:      testDepartment("eng", "", actDeleting),
			remote:    []provider.Department{remote("eng", "", "Dept eng")},
			fail:      &failNext{"delete", fmt.Errorf("%w: 404", provider.ErrTransient), true},
			lookFirst: true, reconciles: 2, wantCalls: []string{"delete eng", "list"},
			check: func(t *testing.T, _ *actRig, _ *v1alpha1.Department, res []acted) {
				if !res[1].released {
					t.Errorf("second reconcile %+v, want released without a delete", res[1])
				}
			},
		},
		"children block delete: a remote sub-department keeps the finalizer, with nothing sent": {
			dept:   testDepartment("eng", "", actDeleting),
			remote: []provider.Department{remote("eng", "", "Dept eng"), remote("team", "eng", "Team")},
			check:  holds(v1alpha1.ReasonDeletionBlocked),
		},
		"children block delete, seen late: a delete refused for a child made since is blocked by the fresh listing": {
			dept:   testDepartment("eng", "", actDeleting),
			remote: []provider.Department{remote("eng", "", "Dept eng")},
			before: func(g *actRig, _ *v1alpha1.Department) {
				g.remote.depts["team"] = remote("team", "eng", "Team")
				g.remote.refuse("delete", fmt.Errorf("%w: has children", provider.ErrHasChildren), false)
			},
			reconciles: 2, wantCalls: []string{"delete eng", "list"},
			check: func(t *testing.T, _ *actRig, _ *v1alpha1.Department, res []acted) {
				if res[1].reason != v1alpha1.ReasonDeletionBlocked || !strings.Contains(res[1].message, "team") || res[1].released {
					t.Errorf("second reconcile %+v, want DeletionBlocked naming team", res[1])
				}
			},
		},
		"delete refused with an answer the client does not know: DeletionBlocked, tried again later, counted once": {
			dept:   testDepartment("eng", "", actDeleting),
			remote: []provider.Department{remote("eng", "", "Dept eng")},
			before: func(g *actRig, _ *v1alpha1.Department) {
				g.org.Spec.DeletionBudget = &v1alpha1.DeletionBudget{MaxDeletions: 1}
				g.remote.refuseDeletes(fmt.Errorf("%w: HTTP 400 (code -4099): members left", provider.ErrInvalid))
			},
			reconciles: 6, wantCalls: []string{"delete eng", "list", "delete eng", "list", "delete eng", "list"},
			check: func(t *testing.T, g *actRig, _ *v1alpha1.Department, res []acted) {
				for i := 1; i < len(res); i += 2 {
					if r := res[i]; r.reason != v1alpha1.ReasonDeletionBlocked || r.result.RequeueAfter <= 0 || r.released ||
						!strings.Contains(r.message, "members left") || !strings.Contains(r.message, "deletionPolicy: Orphan") {
						t.Errorf("reconcile %d %+v, want DeletionBlocked with the answer and what to do, tried again later", i+1, r)
					}
				}
				if made := g.r.Budgets.spent(g.org.UID).Made; made != 1 {
					t.Errorf("%d deletions counted for one delete refused three times, want 1", made)
				}
			},
		},
		"a delete that keeps failing counts once in the deletion budget": {
			dept:   testDepartment("eng", "", actDeleting),
			remote: []provider.Department{remote("eng", "", "Dept eng")},
			before: func(g *actRig, _ *v1alpha1.Department) {
				g.org.Spec.DeletionBudget = &v1alpha1.DeletionBudget{MaxDeletions: 1}
				g.remote.refuseDeletes(fmt.Errorf("%w: 429", provider.ErrThrottled))
			},
			reconciles: 3, wantCalls: []string{"delete eng", "delete eng", "delete eng"},
			check: func(t *testing.T, g *actRig, _ *v1alpha1.Department, res []acted) {
				for i, r := range res {
					if r.reason == v1alpha1.ReasonDeletionBudgetExceeded {
						t.Fatalf("reconcile %d held by the budget, though no delete was made: %+v", i+1, r)
					}
				}
				if made := g.r.Budgets.spent(g.org.UID).Made; made != 1 {
					t.Errorf("%d deletions counted, want 1", made)
				}
			},
		},
		"delete held by the deletion budget: nothing sent, the finalizer kept": {
			dept:   testDepartment("eng", "", actDeleting),
			remote: []provider.Department{remote("eng", "", "Dept eng")},
			before: func(g *actRig, _ *v1alpha1.Department) {
				g.org.Spec.DeletionBudget = &v1alpha1.DeletionBudget{MaxDeletions: 0}
			},
			check: holds(v1alpha1.ReasonDeletionBudgetExceeded),
		}}
}

func TestActLayer(t *testing.T) {
	for _, cases := range []map[string]actCase{actCreateCases(), actFailureCases(), actUpdateCases(), actDeleteCases()} {
		for name, tc := range cases {
			t.Run(name, func(t *testing.T) { runActCase(t, tc) })
		}
	}
}

// runActCase runs tc's reconciles on a rig of its own and checks the remote calls and the results.
func runActCase(t *testing.T, tc actCase) {
	g := newActRig(t, tc.dept, newRemoteChart(tc.remote...))
	if tc.before != nil {
		tc.before(g, tc.dept)
	}
	if f := tc.fail; f != nil {
		g.remote.refuse(f.kind, f.err, f.applied)
	}
	var results []acted
	for range max(1, tc.reconciles) {
		if len(results) > 0 && results[len(results)-1].released {
			break
		}
		results = append(results, g.reconcile(tc.dept))
		if len(results) == 1 && tc.afterFirst != nil {
			tc.afterFirst(g)
		}
	}
	if tc.lookFirst && (!immediately(results[0].outcome) || results[0].released) {
		t.Errorf("first reconcile %+v, want a fresh look and an immediate requeue", results[0])
	}
	if !slices.Equal(g.remote.calls, tc.wantCalls) {
		t.Errorf("remote calls %q, want %q", g.remote.calls, tc.wantCalls)
	}
	tc.check(t, g, tc.dept, results)
}

// moveUnderWay starts the move of key under parent through the inventory's move guard and holds
// its write unanswered until the test ends: a move under way.
func moveUnderWay(t *testing.T, inv *inventory.Inventory, key, parent string) {
	t.Helper()
	started, release := make(chan struct{}), make(chan struct{})
	moved := remote(key, parent, "Dept "+key)
	go func() {
		_, _ = inv.Update(moved, func() (provider.Department, error) {
			close(started)
			<-release
			return moved, nil
		})
	}()
	t.Cleanup(func() { close(release) })
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatalf("the move of %s under %s did not start", key, parent)
	}
}

// A Department whose name was refused watches the departments around it until one changes. Woken
// by a wake-up that changed nothing it depends on (a sibling's move ending unmade), its refusal
// still stands and it keeps its condition; it watches on, since the wake-up spent its watch. On a
// chart it could not read, it does not: that outcome says when to look again, and a watch taken
// from no look would wake it at once, again and again.
func TestARefusedNameWatchesOn(t *testing.T) {
	dept := testDepartment("team", "div")
	g := newActRig(t, dept, newRemoteChart(remote("div", "", "Dept div"), remote("other", "", "Dept other")))
	var woken []string
	g.inv = inventory.New("ns", "acme", func(c inventory.Change) {
		for _, w := range c.Watchers {
			woken = append(woken, w.Name)
		}
	})
	if err := g.inv.ListedSince(context.Background(), time.Time{}, g.conn, g.conn.Departments.List); err != nil {
		t.Fatal(err)
	}
	g.r.rejections.Store(dept.UID, rules.Rejection{Generation: dept.Generation, SiblingsVersion: g.inv.View(dept.Key(), "div", false).SiblingsVersion})

	if res := g.reconcile(dept); !res.keepCondition {
		t.Fatalf("reconcile %+v: want the refusal kept", res)
	}
	_, _ = g.inv.Update(provider.Department{Key: "other", ParentKey: "div", Name: "Dept other"}, func() (provider.Department, error) {
		return provider.Department{}, provider.ErrInvalid
	})
	if !slices.Equal(woken, []string{"team"}) {
		t.Fatalf("woken %v by a move under div ending unmade, want team", woken)
	}

	woken = nil
	sc := g.scope(dept)
	sc.s.Remote, sc.s.ListErr = inventory.View{}, errors.New("the listing is under way")
	g.r.noteWaits(sc, acted{outcome: outcome{keepCondition: true}})
	if len(woken) != 0 {
		t.Fatalf("woken %v at once from a chart that could not be read", woken)
	}
}
