package controller

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/orgsync/orgsync/api/v1alpha1"
	rules "github.com/orgsync/orgsync/internal/decision"
)

// namespaceAPI answers namespace reads as the API server would, and counts them.
type namespaceAPI struct {
	client.Reader
	deleting *time.Time
	err      error
	reads    int
}

func (a *namespaceAPI) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	a.reads++
	if a.err != nil {
		return a.err
	}
	obj.SetName(key.Name)
	if a.deleting != nil {
		obj.SetDeletionTimestamp(&metav1.Time{Time: *a.deleting})
	}
	return nil
}

func TestNamespaceReader(t *testing.T) {
	ctx := context.Background()
	created := time.Now().Add(-time.Hour)
	dept := testDepartment("team", "", func(d *v1alpha1.Department) { d.CreationTimestamp = metav1.Time{Time: created} })
	namespaces := schema.GroupResource{Resource: "namespaces"}

	t.Run("a namespace not being deleted is read again for a later time only", func(t *testing.T) {
		api := &namespaceAPI{}
		n := newNamespaceReader(api)
		since := time.Now()
		if terminating, err := n.terminating(ctx, dept, since); terminating || err != nil {
			t.Fatalf("terminating %t, %v; want false", terminating, err)
		}
		if terminating, err := n.terminating(ctx, dept, since); terminating || err != nil || api.reads != 1 {
			t.Fatalf("terminating %t, %v after %d reads; want false from the first reading", terminating, err, api.reads)
		}
		deleted := time.Now()
		api.deleting = &deleted
		if terminating, err := n.terminating(ctx, dept, time.Now()); !terminating || err != nil || api.reads != 2 {
			t.Fatalf("terminating %t, %v after %d reads; want true from a second reading", terminating, err, api.reads)
		}
		if terminating, _ := n.terminating(ctx, dept, time.Now().Add(time.Minute)); !terminating || api.reads != 2 {
			t.Fatalf("terminating %t after %d reads; want true without a third: a namespace being deleted stays so", terminating, api.reads)
		}
		// A namespace of the same name made after: a Department in it is not being deleted with it.
		api.deleting = nil
		young := testDepartment("team", "", func(d *v1alpha1.Department) { d.CreationTimestamp = metav1.Time{Time: deleted.Add(time.Minute)} })
		if terminating, _ := n.terminating(ctx, young, time.Now()); terminating || api.reads != 3 {
			t.Fatalf("terminating %t after %d reads; want false, read again", terminating, api.reads)
		}
	})
	t.Run("gone: deleted", func(t *testing.T) {
		n := newNamespaceReader(&namespaceAPI{err: apierrors.NewNotFound(namespaces, "ns")})
		if terminating, err := n.terminating(ctx, dept, time.Now()); !terminating || err != nil {
			t.Fatalf("terminating %t, %v; want true", terminating, err)
		}
	})
	t.Run("forbidden: not known to be deleted, said once, read again later", func(t *testing.T) {
		api := &namespaceAPI{err: apierrors.NewForbidden(namespaces, "ns", errors.New("no RBAC"))}
		n := newNamespaceReader(api)
		for range 2 {
			if terminating, err := n.terminating(ctx, dept, time.Now()); terminating || err != nil {
				t.Fatalf("terminating %t, %v; want false without an error", terminating, err)
			}
		}
		if !n.forbidden.Load() || api.reads != 2 {
			t.Fatalf("forbidden noted %t after %d reads", n.forbidden.Load(), api.reads)
		}
	})
	t.Run("another failure is returned", func(t *testing.T) {
		n := newNamespaceReader(&namespaceAPI{err: apierrors.NewServiceUnavailable("etcd")})
		if _, err := n.terminating(ctx, dept, time.Now()); err == nil {
			t.Fatal("no error")
		}
	})
}

func TestDeletionRunsRecordTheLatestDeletionPerOrganization(t *testing.T) {
	runs := newDeletionRuns()
	uid := 0
	at := func(org string, deleted time.Time) *v1alpha1.Department {
		uid++
		return testDepartment("team", "", func(d *v1alpha1.Department) {
			d.UID = types.UID(fmt.Sprint(uid))
			d.Spec.OrganizationRef.Name = org
			d.DeletionTimestamp = &metav1.Time{Time: deleted}
		})
	}
	now := time.Now().Truncate(time.Second).Add(time.Minute) // the API server's clock, ahead
	runs.note(at("acme", now))
	runs.note(at("acme", now.Add(-3*time.Second))) // delivered late
	runs.note(at("other", now.Add(5*time.Second)))
	runs.note(testDepartment("live", "")) // not being deleted
	if got := runs.lastOf(types.NamespacedName{Namespace: "ns", Name: "acme"}); !got.Equal(now) {
		t.Fatalf("acme: %v, want %v", got, now)
	}

	// A manager whose clock runs ahead of the API server's counts a deletion from when it saw it:
	// else a deletion stamped 30 s "ago" would find its grace over before it began.
	skewed := at("skewed", time.Now().Add(-30*time.Second))
	before := time.Now()
	runs.note(skewed)
	if got := runs.deletedAt(skewed); got.Before(before) {
		t.Fatalf("a deletion stamped 30s before it was seen counts from %v, want at least %v", got, before)
	}
	if got := runs.lastOf(types.NamespacedName{Namespace: "ns", Name: "skewed"}); got.Before(before) {
		t.Fatalf("skewed's latest deletion: %v, want at least %v", got, before)
	}
	// Seen again later (a status write), it still counts from the first sight.
	first := runs.deletedAt(skewed)
	time.Sleep(2 * time.Millisecond)
	if got := runs.deletedAt(skewed); !got.Equal(first) {
		t.Fatalf("seen again: counts from %v, want the first sight %v", got, first)
	}
	if got := runs.lastOf(types.NamespacedName{Namespace: "elsewhere", Name: "acme"}); !got.IsZero() {
		t.Fatalf("another namespace's acme: %v, want none", got)
	}
}

// What the reconciler remembers of a Department goes with the object, also when its finalizer was
// removed by hand and no reconcile of it comes again.
func TestForgetGoneDropsWhatIsRememberedOfADepartment(t *testing.T) {
	r := &DepartmentReconciler{deletions: newDeletionRuns()}
	dept := testDepartment("team", "", func(d *v1alpha1.Department) {
		d.UID = "uid-team"
		d.DeletionTimestamp = &metav1.Time{Time: time.Now()}
	})
	r.rejections.Store(dept.UID, rules.Rejection{})
	r.writes.Store(dept.UID, &rules.WriteCheck{})
	r.failedWrites.Store(dept.UID, &failedWrite{})
	r.deletions.note(dept)
	r.forgetGone().Delete(context.Background(), event.DeleteEvent{Object: dept}, nil)
	if _, ok := r.rejections.Load(dept.UID); ok {
		t.Error("the rejection is still remembered")
	}
	if _, ok := r.writes.Load(dept.UID); ok {
		t.Error("the write check is still remembered")
	}
	if _, ok := r.failedWrites.Load(dept.UID); ok {
		t.Error("the failed write is still remembered")
	}
	if _, ok := r.deletions.seen[dept.UID]; ok {
		t.Error("the first sight of the deletion is still remembered")
	}
}
