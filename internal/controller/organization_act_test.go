package controller

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/inventory"
	"github.com/orgsync/orgsync/internal/provider"
)

// organizationsFns is a fake of the remote organization seam made of function fields, after
// crossplane-runtime's ExternalClientFns.
type organizationsFns struct {
	ObserveFn func(ctx context.Context) (provider.OrganizationObservation, error)
	CreateFn  func(ctx context.Context, description string) (provider.OrganizationObservation, error)
	DeleteFn  func(ctx context.Context, id string) error
}

var _ provider.Organizations = (*organizationsFns)(nil)

func (f *organizationsFns) Observe(ctx context.Context) (provider.OrganizationObservation, error) {
	return f.ObserveFn(ctx)
}
func (f *organizationsFns) Create(ctx context.Context, description string) (provider.OrganizationObservation, error) {
	return f.CreateFn(ctx, description)
}
func (f *organizationsFns) Delete(ctx context.Context, id string) error { return f.DeleteFn(ctx, id) }

func TestOrganizationActLayer(t *testing.T) {
	refused := fmt.Errorf("%w: 403", provider.ErrInvalid)
	deleting := func(o *v1alpha1.Organization) {
		o.DeletionTimestamp = &metav1.Time{Time: time.Now()}
		o.Finalizers = []string{Finalizer}
		o.Status.OrganizationNo = "org-1"
	}
	cases := map[string]struct {
		mutate    func(*v1alpha1.Organization)
		decision  organizationDecision
		createErr error
		deleteErr error
		// depts are the Organization's Departments, in the cache.
		depts []v1alpha1.Department
		// want is the Ready reason ("" for none), message a part of its message; event a part of
		// the one Event expected ("" for none).
		want, message, event string
		released, remembered bool
		remaining            int
	}{
		"creates the remote organization of an account in none, and remembers it": {
			decision: organizationDecision{action: orgActCreateRemote},
			want:     v1alpha1.ReasonSynced, message: "connected to NCP organization org-9", event: "Created NCP organization org-9", remembered: true,
		},
		"a failed create is reported, its Departments keep syncing": {
			decision: organizationDecision{action: orgActCreateRemote}, createErr: refused,
			want: v1alpha1.ReasonInvalidSpec, message: "creating the NCP organization failed (its Departments keep syncing)",
		},
		"a remote organization observed to exist is remembered": {
			decision: organizationDecision{ready: synced("connected")}, want: v1alpha1.ReasonSynced, remembered: true,
		},
		"deletes the live Departments of a deleting Organization, not the deleting ones": {
			mutate: deleting, decision: organizationDecision{action: orgActDeleteDepartments, ready: notReady(v1alpha1.ReasonDeleting, "waiting")},
			depts: []v1alpha1.Department{*testDepartment("eng", ""), *testDepartment("hq", "", func(d *v1alpha1.Department) {
				d.DeletionTimestamp = &metav1.Time{Time: time.Now()}
				d.Finalizers = []string{Finalizer}
			})},
			want: v1alpha1.ReasonDeleting, remaining: 1,
		},
		"deletes the remote organization, then releases": {
			mutate: deleting, decision: organizationDecision{action: orgActDeleteRemote},
			event: "Deleted NCP organization org-1", released: true,
		},
		"a remote organization that cannot be deleted keeps the finalizer, saying how to finish": {
			mutate: deleting, decision: organizationDecision{action: orgActDeleteRemote}, deleteErr: refused,
			want: v1alpha1.ReasonInvalidSpec, message: "set spec.deletionPolicy: Orphan",
		},
		"releases, saying what is left in place": {
			mutate: deleting, decision: organizationDecision{action: orgActRelease, orphaned: "the credentials Secret is gone"},
			event: "the credentials Secret is gone", released: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			org := &v1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "acme", UID: "uid-acme"}}
			if tc.mutate != nil {
				tc.mutate(org)
			}
			objs := []client.Object{org}
			for i := range tc.depts {
				objs = append(objs, &tc.depts[i])
			}
			k8s := fakeClient(t, objs...)
			recorder := events.NewFakeRecorder(10)
			r := &OrganizationReconciler{Shared: Shared{Client: k8s, Connections: &Connections{Connector: provider.Mux{}},
				Inventories: inventory.NewInventories(), Budgets: NewBudgets(), SyncPeriod: time.Hour}, Recorder: recorder}
			conn := &provider.Connection{Organizations: &organizationsFns{
				CreateFn: func(context.Context, string) (provider.OrganizationObservation, error) {
					return provider.OrganizationObservation{Exists: true, ID: "org-9"}, tc.createErr
				},
				DeleteFn: func(context.Context, string) error { return tc.deleteErr },
			}}
			s := &organizationSnapshot{org: org, deleting: isDeleting(org), conn: conn, departments: tc.depts}
			if tc.decision.ready.synced {
				s.observed = provider.OrganizationObservation{Exists: true, ID: "org-1"}
			}
			res := r.act(context.Background(), s, tc.decision)

			if res.ready.reason != tc.want || !strings.Contains(res.ready.message, tc.message) || res.released != tc.released {
				t.Errorf("result %+v, want %q containing %q, released %v", res, tc.want, tc.message, tc.released)
			}
			if tc.released && controllerutil.ContainsFinalizer(org, Finalizer) {
				t.Error("released with the finalizer on")
			}
			if _, remembered := r.fresh(org, conn); remembered != tc.remembered {
				t.Errorf("remembered %v, want %v", remembered, tc.remembered)
			}
			expectEvent(t, recorder, tc.event)
			if tc.depts != nil {
				var left v1alpha1.DepartmentList
				if err := k8s.List(context.Background(), &left); err != nil || len(left.Items) != tc.remaining {
					t.Errorf("%d Departments left (%v), want %d", len(left.Items), err, tc.remaining)
				}
			}
		})
	}
}

// fakeClient is a fake Kubernetes client holding objs, each read back into its object (with the
// resource version a write needs).
func fakeClient(t *testing.T, objs ...client.Object) client.Client {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	k8s := fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).Build()
	for _, obj := range objs {
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
			t.Fatal(err)
		}
	}
	return k8s
}

// expectEvent checks that recorder holds one Event containing want, or none when want is empty.
func expectEvent(t *testing.T, recorder *events.FakeRecorder, want string) {
	t.Helper()
	var got []string
	for len(recorder.Events) > 0 {
		got = append(got, <-recorder.Events)
	}
	if (want == "" && len(got) > 0) || (want != "" && (len(got) != 1 || !strings.Contains(got[0], want))) {
		t.Errorf("events %q, want one containing %q", got, want)
	}
}

// A remote organization deleted once is not deleted again when the release after it failed (a
// conflict on the finalizer's removal): the delete of an organization already gone has no
// documented answer (the fake's undocumented mode answers a 404 with a code no client knows), and
// the deletion would wait on it for good.
func TestADeletedRemoteOrganizationIsNotDeletedAgain(t *testing.T) {
	org := &v1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "acme", UID: "uid-acme"},
		Status: v1alpha1.OrganizationStatus{OrganizationNo: "org-1"}}
	r := &OrganizationReconciler{Shared: Shared{Client: fakeClient(t, org)}, Recorder: events.NewFakeRecorder(10)}
	deletes := 0
	conn := &provider.Connection{Organizations: &organizationsFns{DeleteFn: func(context.Context, string) error {
		deletes++
		if deletes > 1 {
			return fmt.Errorf("%w: HTTP 404 (code ORGANIZATION_GONE_UNKNOWN)", provider.ErrTransient)
		}
		return nil
	}}}
	for i := range 2 {
		if o, deleted := r.deleteRemote(context.Background(), org, conn); !deleted {
			t.Fatalf("reconcile %d: not deleted: %+v", i+1, o)
		}
	}
	if deletes != 1 {
		t.Fatalf("%d remote deletes, want 1", deletes)
	}
	org.Status.OrganizationNo = "org-2" // another remote organization: deleted in its turn
	if _, deleted := r.deleteRemote(context.Background(), org, conn); deleted || deletes != 2 {
		t.Fatalf("deleted %t after %d remote deletes, want the new organization's delete sent (and its failure)", deleted, deletes)
	}
}

// A create that the remote system answered but whose look after it shows no organization yet
// (its reads lag) is not made again while the looks still answer "none": the account belongs to
// an organization now. Once a look shows it, the wait ends.
func TestACreatedOrganizationNotVisibleYetIsNotCreatedAgain(t *testing.T) {
	ctx := context.Background()
	org := &v1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "acme", UID: "uid-acme"}}
	r := &OrganizationReconciler{Shared: Shared{Client: fakeClient(t, org)}, Recorder: events.NewFakeRecorder(10)}
	creates := 0
	conn := &provider.Connection{Organizations: &organizationsFns{
		CreateFn: func(context.Context, string) (provider.OrganizationObservation, error) {
			creates++
			return provider.OrganizationObservation{}, provider.ErrNotYetVisible
		},
	}}
	none := provider.OrganizationObservation{Evidence: "GET /open-api/v1/org answered HTTP 404 ORGANIZATION_NOT_FOUND"}
	reconcile := func(observed provider.OrganizationObservation) organizationActed {
		s := &organizationSnapshot{org: org, conn: conn, period: time.Hour, observed: observed}
		s.createdAt = r.createdNotSeen(org.UID, s.observed, s.period) // as gather does
		return r.act(ctx, s, decideRemoteOrganization(s, ctrl.Result{}))
	}
	for i := range 3 {
		if res := reconcile(none); res.ready.reason != v1alpha1.ReasonRemoteError || !strings.Contains(res.ready.message, "not visible yet") {
			t.Fatalf("reconcile %d: %+v, want RemoteError saying the organization is not visible yet", i+1, res.ready)
		}
	}
	if creates != 1 {
		t.Fatalf("%d creates, want 1: the lagging looks were taken for an account in no organization", creates)
	}
	reconcile(provider.OrganizationObservation{Exists: true, ID: "org-1"})
	reconcile(none) // the organization seen, then gone: created again
	if creates != 2 {
		t.Fatalf("%d creates after the organization was seen and then gone, want 2", creates)
	}
}

// An account's remote organization that another live Organization was observed with (the same
// account's credentials, another WORKPLACE company or OneAccess tenant) is not deleted for one of
// them: DeletionBlocked says how to finish. Once the other is gone or going, it is deleted.
func TestARemoteOrganizationAnotherOrganizationUsesIsNotDeleted(t *testing.T) {
	ctx := context.Background()
	org := &v1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "acme", UID: "uid-acme"},
		Status: v1alpha1.OrganizationStatus{OrganizationNo: "org-1"}}
	other := &v1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-b", Name: "subsidiary", UID: "uid-subsidiary"}}
	k8s := fakeClient(t, org, other)
	r := &OrganizationReconciler{Shared: Shared{Client: k8s}, Recorder: events.NewFakeRecorder(10)}
	deletes := 0
	conn := &provider.Connection{Organizations: &organizationsFns{DeleteFn: func(context.Context, string) error {
		deletes++
		return nil
	}}}
	r.remember(other, conn, provider.OrganizationObservation{Exists: true, ID: "org-1"})

	o, deleted := r.deleteRemote(ctx, org, conn)
	if deleted || deletes != 0 || o.reason != v1alpha1.ReasonDeletionBlocked || !strings.Contains(o.message, "deletionPolicy: Orphan") {
		t.Fatalf("deleted %t after %d deletes, %+v; want DeletionBlocked saying how to finish, and no delete", deleted, deletes, o)
	}
	if strings.Contains(o.message, other.Name) || strings.Contains(o.message, other.Namespace) {
		t.Errorf("the message %q names the other Organization, perhaps another tenant's", o.message)
	}

	// Another remote organization, or one the other no longer reports: deleted.
	r.remember(other, conn, provider.OrganizationObservation{Exists: true, ID: "org-2"})
	if _, deleted := r.deleteRemote(ctx, org, conn); !deleted || deletes != 1 {
		t.Fatalf("deleted %t after %d deletes, want the organization no other uses deleted", deleted, deletes)
	}

	// The other going: deleted.
	r.remoteDeleted.Delete(deletedKey(org)) // as if another manager had deleted it
	r.remember(other, conn, provider.OrganizationObservation{Exists: true, ID: "org-1"})
	if err := k8s.Delete(ctx, other); err != nil {
		t.Fatal(err)
	}
	if _, deleted := r.deleteRemote(ctx, org, conn); !deleted || deletes != 2 {
		t.Fatalf("deleted %t after %d deletes, want it deleted once the other Organization is gone", deleted, deletes)
	}
}

// A manager started again after the remote organization's delete but before the finalizer's
// removal (a conflict stopped it) does not delete the organization again: the status no longer
// names it, and the deletion finishes.
func TestARestartedManagerDoesNotDeleteTheRemoteOrganizationAgain(t *testing.T) {
	ctx := context.Background()
	now := metav1.Now()
	org := &v1alpha1.Organization{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "acme", UID: "uid-acme", DeletionTimestamp: &now, Finalizers: []string{Finalizer}},
		Spec:       v1alpha1.OrganizationSpec{DeletionPolicy: v1alpha1.DeletionPolicyDelete},
		Status:     v1alpha1.OrganizationStatus{OrganizationNo: "org-1", OrganizationName: "Acme"},
	}
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	conflicts := 1
	k8s := fake.NewClientBuilder().WithScheme(scheme).WithObjects(org).WithStatusSubresource(org).WithInterceptorFuncs(interceptor.Funcs{
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			if conflicts > 0 { // the finalizer's removal
				conflicts--
				return apierrors.NewConflict(v1alpha1.GroupVersion.WithResource("organizations").GroupResource(), obj.GetName(), errors.New("the object has been modified"))
			}
			return c.Update(ctx, obj, opts...)
		},
	}).Build()
	deletes := 0
	conn := &provider.Connection{Organizations: &organizationsFns{DeleteFn: func(context.Context, string) error {
		deletes++
		return nil
	}}}
	reconcile := func() organizationActed { // by a manager just started: nothing remembered
		r := &OrganizationReconciler{Shared: Shared{Client: k8s, Connections: &Connections{Connector: provider.Mux{}},
			Inventories: inventory.NewInventories(), Budgets: NewBudgets()}, Recorder: events.NewFakeRecorder(10)}
		latest := &v1alpha1.Organization{}
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(org), latest); err != nil {
			t.Fatal(err)
		}
		s := &organizationSnapshot{org: latest, deleting: true, conn: conn}
		return r.act(ctx, s, decideOrganizationDeletion(s))
	}
	if res := reconcile(); deletes != 1 {
		t.Fatalf("first reconcile: %d deletes, %+v; want the organization deleted", deletes, res.ready)
	}
	if res := reconcile(); deletes != 1 {
		t.Fatalf("%d remote deletes after a restart, want 1 (%+v)", deletes, res.ready)
	}
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(org), &v1alpha1.Organization{}); !apierrors.IsNotFound(err) {
		t.Fatalf("the Organization is still there (%v), want its deletion finished", err)
	}
}

// An approval is counted once its annotation is gone: a removal that fails (a conflict with a
// write the cache had not seen yet) does not count it, so the next reconcile counts it once.
func TestAnApprovalWhoseRemovalFailedIsCountedOnce(t *testing.T) {
	ctx := context.Background()
	org := budgetedOrganization(2, time.Hour)
	org.Annotations = map[string]string{v1alpha1.AnnotationApproveDeletions: "5"}
	conflicts := 1
	k8s := interceptor.NewClient(fakeClient(t, org).(client.WithWatch), interceptor.Funcs{
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			if conflicts > 0 {
				conflicts--
				return apierrors.NewConflict(v1alpha1.GroupVersion.WithResource("organizations").GroupResource(), obj.GetName(), errors.New("the object has been modified"))
			}
			return c.Update(ctx, obj, opts...)
		},
	})
	recorder := events.NewFakeRecorder(10)
	r := &OrganizationReconciler{Shared: Shared{Client: k8s, Budgets: NewBudgets()}, Recorder: recorder}

	failed := 0
	for range 2 { // each reconcile reads the object again
		latest := &v1alpha1.Organization{}
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(org), latest); err != nil {
			t.Fatal(err)
		}
		if err := r.takeApproval(ctx, latest, nil); err != nil {
			failed++
		}
	}
	if failed != 1 {
		t.Fatalf("%d reconciles failed, want the one whose removal met the conflict", failed)
	}
	if approved := r.Budgets.spent(org.UID).Approved; approved != 5 {
		t.Errorf("%d deletions approved, want the 5 the annotation asked for", approved)
	}
	expectEvent(t, recorder, "5 more remote deletions approved")
	latest := &v1alpha1.Organization{}
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(org), latest); err != nil || latest.Annotations[v1alpha1.AnnotationApproveDeletions] != "" {
		t.Errorf("annotations %v (%v), want the approval removed", latest.Annotations, err)
	}
}

// Two Organizations of one account deleted together (a namespace's deletion): the organization
// is deleted once, by the first; the second finds it deleted and finishes. And an Organization
// whose look shows its account in no organization any more no longer holds one back.
func TestASharedRemoteOrganizationIsDeletedOnce(t *testing.T) {
	ctx := context.Background()
	now := metav1.Now()
	deleting := func(name string) *v1alpha1.Organization {
		return &v1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, UID: types.UID("uid-" + name), DeletionTimestamp: &now, Finalizers: []string{Finalizer}},
			Spec: v1alpha1.OrganizationSpec{DeletionPolicy: v1alpha1.DeletionPolicyDelete}, Status: v1alpha1.OrganizationStatus{OrganizationNo: "org-1"}}
	}
	a, b := deleting("a"), deleting("b")
	r := &OrganizationReconciler{Shared: Shared{Client: fakeClient(t, a, b)}, Recorder: events.NewFakeRecorder(10)}
	var deletes []string
	conn := &provider.Connection{Organizations: &organizationsFns{DeleteFn: func(_ context.Context, id string) error {
		deletes = append(deletes, id)
		return nil
	}}}
	r.remember(a, conn, provider.OrganizationObservation{Exists: true, ID: "org-1"})
	r.remember(b, conn, provider.OrganizationObservation{Exists: true, ID: "org-1"})
	for _, org := range []*v1alpha1.Organization{a, b} {
		if o, deleted := r.deleteRemote(ctx, org, conn); !deleted {
			t.Fatalf("%s: not deleted: %+v", org.Name, o)
		}
	}
	if len(deletes) != 1 {
		t.Fatalf("remote deletes %q, want the one organization deleted once", deletes)
	}

	live := &v1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "live", UID: "uid-live"}}
	c := deleting("c")
	c.Status.OrganizationNo = "org-2"
	r = &OrganizationReconciler{Shared: Shared{Client: fakeClient(t, live, c)}, Recorder: events.NewFakeRecorder(10)}
	r.remember(live, conn, provider.OrganizationObservation{Exists: true, ID: "org-2"})
	none := &organizationSnapshot{org: live, conn: conn, observed: provider.OrganizationObservation{Evidence: "GET /open-api/v1/org answered HTTP 404 ORGANIZATION_NOT_FOUND"}}
	live.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve
	r.act(ctx, none, decideRemoteOrganization(none, ctrl.Result{}))
	if o, deleted := r.deleteRemote(ctx, c, conn); !deleted {
		t.Fatalf("held back by an Organization whose account is in no organization any more: %+v", o)
	}
}
