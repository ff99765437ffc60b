package controller

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// The shared lifecycle runs the kind's reconcile on the object read, writes its status with one
// patch and none when nothing changed, and leaves alone an object that is released.
func TestReconcileObject(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	released := testDepartment("gone", "", func(d *v1alpha1.Department) {
		d.DeletionTimestamp = &metav1.Time{Time: time.Now()}
		d.Finalizers = []string{"someone-else"}
	})
	var patches int
	k8s := fake.NewClientBuilder().WithScheme(scheme).WithObjects(testDepartment("eng", ""), released).
		WithStatusSubresource(&v1alpha1.Department{}).
		WithInterceptorFuncs(interceptor.Funcs{SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
			patches++
			return c.SubResource(sub).Patch(ctx, obj, p, opts...)
		}}).Build()
	ctx := context.Background()
	reconcileWith := func(name string, run func(*v1alpha1.Department) (outcome, bool)) (ctrl.Result, bool) {
		var ran bool
		result, err := reconcileObject(ctx, k8s, ctrl.Request{NamespacedName: client.ObjectKey{Namespace: "ns", Name: name}}, &v1alpha1.Department{},
			func(_ context.Context, d *v1alpha1.Department) (outcome, bool) { ran = true; return run(d) })
		if err != nil {
			t.Fatal(err)
		}
		return result, ran
	}

	result, _ := reconcileWith("eng", func(d *v1alpha1.Department) (outcome, bool) {
		d.Status.RemoteID = "id-eng"
		return outcome{result: ctrl.Result{RequeueAfter: time.Minute}}, false
	})
	stored := &v1alpha1.Department{}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: "ns", Name: "eng"}, stored); err != nil || stored.Status.RemoteID != "id-eng" || patches != 1 {
		t.Errorf("after a change: remote id %q, %d patches (%v), want id-eng and 1", stored.Status.RemoteID, patches, err)
	}
	if result.RequeueAfter != time.Minute {
		t.Errorf("result %+v, want the run's", result)
	}
	reconcileWith("eng", func(*v1alpha1.Department) (outcome, bool) { return outcome{}, false })
	if patches != 1 {
		t.Errorf("%d patches after a reconcile that changed nothing, want still 1", patches)
	}
	reconcileWith("eng", func(d *v1alpha1.Department) (outcome, bool) { d.Status.RemoteID = "other"; return outcome{}, true })
	if patches != 1 {
		t.Errorf("%d patches after a release, want still 1", patches)
	}
	if _, ran := reconcileWith("gone", func(*v1alpha1.Department) (outcome, bool) { return outcome{}, false }); ran {
		t.Error("ran for a deleting object without orgsync's finalizer")
	}
	if _, ran := reconcileWith("missing", func(*v1alpha1.Department) (outcome, bool) { return outcome{}, false }); ran {
		t.Error("ran for an object that does not exist")
	}
}

func TestPausedOutcome(t *testing.T) {
	cases := map[string]struct {
		deleting    bool
		on, effect  string
		wantMessage string
	}{
		"an Organization": {effect: ": no remote call is made for it or its Departments",
			wantMessage: "paused by the annotation orgsync.dev/paused: no remote call is made for it or its Departments; remove it to resume"},
		"a Department paused by its Organization": {on: ` on Organization "acme"`,
			wantMessage: `paused by the annotation orgsync.dev/paused on Organization "acme"; remove it to resume`},
		"a deletion": {deleting: true, on: ` on Department "eng"`,
			wantMessage: `the deletion waits: paused by the annotation orgsync.dev/paused on Department "eng"; remove it to let the deletion finish`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			o := pausedOutcome(tc.deleting, tc.on, tc.effect)
			if o.reason != v1alpha1.ReasonPaused || o.message != tc.wantMessage {
				t.Errorf("%s: %q, want Paused: %q", name, o.message, tc.wantMessage)
			}
		})
	}
}
