package controller

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// DefaultDeletionGrace is how long a Department deleted on its own waits before it deletes its
// remote department, when its Organization's deletionPolicy is Orphan: the Departments and the
// Organization that kubectl delete -f, a GitOps tool or the namespace controller deletes
// "together" reach the API server within it, and an Organization seen deleting by then leaves
// the chart in place. kubectl sends its deletes one by one at 5 per second, so the wait runs from
// the last Department deletion seen in the Organization: a chart of any size deleted by one
// kubectl call is one run of deletions less than a second apart.
const DefaultDeletionGrace = 10 * time.Second

// deletionRuns remembers, per Organization, the latest deletion among its Departments, as the
// informer delivers them: a Department's grace runs until grace after it. A deletion counts from
// its deletionTimestamp or, when later, from when this manager first saw it: deletionTimestamp is
// the API server's clock, and a manager whose clock runs ahead of it would otherwise find the
// grace over before it began.
type deletionRuns struct {
	mu     sync.Mutex
	latest map[types.NamespacedName]time.Time
	// seen is when this manager first saw each deleting Department, by UID.
	seen map[types.UID]time.Time
}

func newDeletionRuns() *deletionRuns {
	return &deletionRuns{latest: map[types.NamespacedName]time.Time{}, seen: map[types.UID]time.Time{}}
}

// note records dept's deletion, if it is being deleted.
func (d *deletionRuns) note(dept *v1alpha1.Department) {
	if dept.DeletionTimestamp.IsZero() {
		return
	}
	org := types.NamespacedName{Namespace: dept.Namespace, Name: dept.Spec.OrganizationRef.Name}
	d.mu.Lock()
	defer d.mu.Unlock()
	at := d.deletedAtLocked(dept)
	if at.After(d.latest[org]) {
		d.latest[org] = at
	}
	// Runs that ended long ago change no deadline: forget them.
	for k, t := range d.latest {
		if time.Since(t) > time.Hour {
			delete(d.latest, k)
		}
	}
	for uid, t := range d.seen {
		if time.Since(t) > time.Hour {
			delete(d.seen, uid)
		}
	}
}

// forget drops what is remembered of the Department with uid.
func (d *deletionRuns) forget(uid types.UID) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.seen, uid)
}

// deletedAt is when dept's deletion counts from: its deletionTimestamp, or when this manager
// first saw it deleting if that is later.
func (d *deletionRuns) deletedAt(dept *v1alpha1.Department) time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.deletedAtLocked(dept)
}

func (d *deletionRuns) deletedAtLocked(dept *v1alpha1.Department) time.Time {
	first, ok := d.seen[dept.UID]
	if !ok {
		first = time.Now()
		d.seen[dept.UID] = first
	}
	if at := dept.DeletionTimestamp.Time; at.After(first) {
		return at
	}
	return first
}

// lastOf returns the latest deletionTimestamp seen among the Departments of org.
func (d *deletionRuns) lastOf(org types.NamespacedName) time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.latest[org]
}

// handler records every Department deletion the informer delivers, the ones of its first listing
// included, and enqueues nothing: the Department's own watch does.
func (d *deletionRuns) handler() handler.TypedEventHandler[client.Object, reconcile.Request] {
	record := func(obj client.Object) {
		if dept, ok := obj.(*v1alpha1.Department); ok {
			d.note(dept)
		}
	}
	return handler.Funcs{
		CreateFunc: func(_ context.Context, e event.CreateEvent, _ workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			record(e.Object)
		},
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, _ workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			record(e.ObjectNew)
		},
	}
}

// deleteAfter is when a deleting Department whose Organization's deletionPolicy is Orphan may
// delete its remote department: grace after its own deletion (deletedAt) or, when later, after
// the last deletion of a Department of its Organization. deletionTimestamps have whole seconds:
// the deletion may have come up to a second after the one recorded.
func deleteAfter(deletedAt, lastInOrganization time.Time, grace time.Duration) time.Time {
	from := deletedAt
	if lastInOrganization.After(from) {
		from = lastInOrganization
	}
	return from.Add(time.Second + grace)
}

// namespaceReader tells whether a namespace is being deleted, reading its metadata from the API
// server (not a cache: a namespaced install may not list namespaces). A namespace that is being
// deleted stays so, and a Department created after that deletion began is in a new namespace of
// the same name: that answer is kept. A namespace not being deleted is read again, except by the
// Departments that only need a reading made after a time it was made after.
type namespaceReader struct {
	reader client.Reader

	mu   sync.Mutex
	seen map[string]namespaceSeen
	// forbidden is set once reading a namespace was forbidden (the RBAC of an older install):
	// said once in the log, not at each Department.
	forbidden atomic.Bool
}

// namespaceSeen is one reading of a namespace.
type namespaceSeen struct {
	at time.Time
	// deleting is the namespace's deletionTimestamp, when it is being deleted.
	deleting *time.Time
}

func newNamespaceReader(reader client.Reader) *namespaceReader {
	return &namespaceReader{reader: reader, seen: map[string]namespaceSeen{}}
}

// terminating reports whether dept's namespace is being deleted, from a reading made at
// notBefore or later. When the namespace may not be read, it reports false: the grace period
// alone then tells a namespace deletion from a Department's.
func (n *namespaceReader) terminating(ctx context.Context, dept *v1alpha1.Department, notBefore time.Time) (bool, error) {
	n.mu.Lock()
	seen, ok := n.seen[dept.Namespace]
	n.mu.Unlock()
	switch {
	case ok && seen.deletes(dept):
		return true, nil // a namespace being deleted stays so
	case ok && seen.deleting == nil && !seen.at.Before(notBefore):
		return false, nil
	}
	seen, err := n.read(ctx, dept.Namespace)
	if err != nil {
		return false, err
	}
	n.remember(dept.Namespace, seen)
	return seen.deletes(dept), nil
}

// deletes reports whether the deletion this reading saw concerns dept: dept was created before
// it began (a Department created after is in a new namespace of the same name).
func (s namespaceSeen) deletes(dept *v1alpha1.Department) bool {
	return s.deleting != nil && !dept.CreationTimestamp.After(*s.deleting)
}

// read reads the namespace name now.
func (n *namespaceReader) read(ctx context.Context, name string) (namespaceSeen, error) {
	at := time.Now()
	ns := &metav1.PartialObjectMetadata{}
	ns.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Namespace"))
	err := n.reader.Get(ctx, client.ObjectKey{Name: name}, ns)
	seen := namespaceSeen{at: at}
	switch {
	case apierrors.IsNotFound(err):
		// Gone: it was deleted (the Department is a leftover of the cache).
		seen.deleting = &at
	case apierrors.IsForbidden(err):
		if n.forbidden.CompareAndSwap(false, true) {
			logf.FromContext(ctx).Info("reading Namespaces is forbidden (grant get on namespaces): a Department deleted with its namespace "+
				"follows its Organization's deletionPolicy only when the Organization is deleted within the grace period", "namespace", name)
		}
	case err != nil:
		return seen, err
	case !ns.DeletionTimestamp.IsZero():
		seen.deleting = &ns.DeletionTimestamp.Time
	}
	return seen, nil
}

// remember keeps a reading of the namespace name unless a later one is kept already, and forgets
// readings of namespaces no Department asked about for a while: they are of no use.
func (n *namespaceReader) remember(name string, seen namespaceSeen) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if old, ok := n.seen[name]; !ok || seen.at.After(old.at) {
		n.seen[name] = seen
	}
	for k, s := range n.seen {
		if seen.at.Sub(s.at) > time.Hour {
			delete(n.seen, k)
		}
	}
}
