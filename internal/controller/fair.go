package controller

import (
	"context"
	"errors"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/inventory"
	"github.com/orgsync/orgsync/internal/provider"
)

// Every tenant shares the workers of each controller. Three rules keep one tenant's unreachable,
// stalling or throttled remote host from delaying another tenant's objects by more than one
// reconcile:
//
//   - every remote call has short deadlines for its connection and for the answer's headers
//     (--remote-call-timeout), and every listing a deadline of its own (inventory.ListTimeout);
//   - a worker waits for remote work at most maxRemoteWait: a listing, or an observation of the
//     remote organization, that takes longer goes on without it, and wakes the object when it
//     ends (remoteWaits);
//   - a namespace holds at most a share of each controller's workers (namespaceShare): its other
//     requests are parked until one of its reconciles ends, so that a namespace with a thousand
//     queued requests cannot hold every worker while another namespace's request waits.

// maxRemoteWait is the longest a worker waits for a listing or an observation of the remote
// organization; a remote host answering within it is handled in one reconcile.
const maxRemoteWait = time.Second

// queueSource is a source that hands the controller's queue to set, so that requests can be added
// from outside the watches (a listing that ended, a parked request's turn).
func queueSource(set func(workqueue.TypedRateLimitingInterface[reconcile.Request])) source.Source {
	return source.Func(func(_ context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
		set(q)
		return nil
	})
}

// remoteWaits wakes the objects whose reconcile gave up waiting for remote work when that work
// ends. Safe for concurrent use.
type remoteWaits struct {
	mu    sync.Mutex
	queue workqueue.TypedRateLimitingInterface[reconcile.Request]
	// waiting are the objects to wake when each piece of work (its done channel) ends.
	waiting map[<-chan struct{}]map[reconcile.Request]struct{}
}

// source is the controller's source of the wake-ups.
func (w *remoteWaits) source() source.Source {
	return queueSource(func(q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.queue = q
	})
}

// after wakes obj once done is closed.
func (w *remoteWaits) after(done <-chan struct{}, obj types.NamespacedName) {
	req := reconcile.Request{NamespacedName: obj}
	w.mu.Lock()
	defer w.mu.Unlock()
	if reqs, ok := w.waiting[done]; ok {
		reqs[req] = struct{}{}
		return
	}
	if w.waiting == nil {
		w.waiting = map[<-chan struct{}]map[reconcile.Request]struct{}{}
	}
	w.waiting[done] = map[reconcile.Request]struct{}{req: {}}
	go func() {
		<-done
		w.mu.Lock()
		reqs, q := w.waiting[done], w.queue
		delete(w.waiting, done)
		w.mu.Unlock()
		for req := range reqs {
			if q != nil {
				q.Add(req)
			}
		}
	}()
}

// listed makes sure inv rests on a listing that started at or after since, waiting for it at
// most maxRemoteWait; when it takes longer, obj is woken when it ends, and the error is a
// *inventory.ListingUnderWayError (failure: the condition is kept, nothing is retried).
func (w *remoteWaits) listed(ctx context.Context, inv *inventory.Inventory, since time.Time, conn *provider.Connection, obj types.NamespacedName) error {
	err := inv.ListedSinceWithin(ctx, since, conn, conn.Departments.List, maxRemoteWait)
	var underWay *inventory.ListingUnderWayError
	if errors.As(err, &underWay) {
		w.after(underWay.Done(), obj)
	}
	return err
}

// namespaceShare bounds the reconciles one namespace has under way in a controller. A request
// beyond the bound is parked, and added to the queue again when one of its namespace's
// reconciles ends. Safe for concurrent use.
type namespaceShare struct {
	// limit is the most reconciles of one namespace under way at once.
	limit int

	mu       sync.Mutex
	queue    workqueue.TypedRateLimitingInterface[reconcile.Request]
	underWay map[string]int
	// parked are the requests waiting for their namespace's turn, oldest first, once each.
	parked   map[string][]reconcile.Request
	isParked map[reconcile.Request]bool
}

// workerShares returns a controller's number of workers (at least one) and the share of them
// one namespace may hold.
func workerShares(maxConcurrent, perNamespace int) (int, *namespaceShare) {
	workers := max(1, maxConcurrent)
	return workers, &namespaceShare{limit: shareOf(workers, perNamespace)}
}

// shareOf returns the share of workers one namespace may hold: perNamespace when set (at most
// every worker), otherwise all but one, at least one: a single-tenant install keeps nearly all its
// workers, and whatever one namespace does, one worker stays free for the others.
func shareOf(workers, perNamespace int) int {
	if perNamespace > 0 {
		return min(perNamespace, workers)
	}
	return max(1, workers-1)
}

// source is the controller's source of the parked requests' turns.
func (s *namespaceShare) source() source.Source {
	return queueSource(func(q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.queue = q
	})
}

// wrap returns a reconciler that runs next within the namespace's share.
func (s *namespaceShare) wrap(next reconcile.Reconciler) reconcile.Reconciler {
	return reconcile.Func(func(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
		if !s.start(req) {
			return reconcile.Result{}, nil // parked: added again when its turn comes
		}
		defer s.finish(req.Namespace)
		return next.Reconcile(ctx, req)
	})
}

// start takes a turn for req, or parks it when its namespace has its share under way.
func (s *namespaceShare) start(req reconcile.Request) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.underWay == nil {
		s.underWay, s.parked, s.isParked = map[string]int{}, map[string][]reconcile.Request{}, map[reconcile.Request]bool{}
	}
	if s.underWay[req.Namespace] < s.limit {
		s.underWay[req.Namespace]++
		return true
	}
	if !s.isParked[req] {
		s.isParked[req] = true
		s.parked[req.Namespace] = append(s.parked[req.Namespace], req)
	}
	return false
}

// finish ends a turn of namespace and hands it to the namespace's oldest parked request.
func (s *namespaceShare) finish(namespace string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.underWay[namespace]--
	if s.underWay[namespace] == 0 {
		delete(s.underWay, namespace)
	}
	parked := s.parked[namespace]
	if len(parked) == 0 || s.queue == nil {
		return
	}
	next := parked[0]
	if len(parked) == 1 {
		delete(s.parked, namespace)
	} else {
		s.parked[namespace] = parked[1:]
	}
	delete(s.isParked, next)
	s.queue.Add(next)
}

// errObservationUnderWay says that the remote organization API has not answered within
// maxRemoteWait; the read goes on, and wakes the Organization when it ends.
var errObservationUnderWay = errors.New("the remote organization is being read")

// remoteUnderWay reports whether err says that remote work went on without the worker.
func remoteUnderWay(err error) bool {
	var listing *inventory.ListingUnderWayError
	return errors.As(err, &listing) || errors.Is(err, errObservationUnderWay)
}

// observations reads each Organization's remote organization apart from its worker. Safe for
// concurrent use.
type observations struct {
	mu    sync.Mutex
	calls map[types.UID]*observationCall
}

// observationCall is one read of a remote organization, under way or ended and not yet taken.
type observationCall struct {
	conn     *provider.Connection
	started  time.Time
	done     chan struct{}
	observed provider.OrganizationObservation
	err      error
}

// observe returns what org's remote organization API answers conn: the answer of the read with
// conn under way, or ended and not yet taken, that started at or after since, or of a new one. It
// waits at most maxRemoteWait; then errObservationUnderWay says so, and waits wakes org when the
// read ends.
func (o *observations) observe(ctx context.Context, org *v1alpha1.Organization, conn *provider.Connection, since time.Time,
	waits *remoteWaits) (provider.OrganizationObservation, error) {
	o.mu.Lock()
	c := o.calls[org.UID]
	if c == nil || c.conn != conn || c.started.Before(since) {
		c = &observationCall{conn: conn, started: time.Now(), done: make(chan struct{})}
		if o.calls == nil {
			o.calls = map[types.UID]*observationCall{}
		}
		o.calls[org.UID] = c
		go func() {
			// Bounded by the client's own deadlines; not ended when the worker gives up.
			c.observed, c.err = conn.Organizations.Observe(context.WithoutCancel(ctx))
			close(c.done)
		}()
	}
	o.mu.Unlock()
	timer := time.NewTimer(maxRemoteWait)
	defer timer.Stop()
	select {
	case <-c.done:
	case <-timer.C:
		waits.after(c.done, client.ObjectKeyFromObject(org))
		return provider.OrganizationObservation{}, errObservationUnderWay
	case <-ctx.Done():
		return provider.OrganizationObservation{}, ctx.Err()
	}
	o.mu.Lock()
	if o.calls[org.UID] == c {
		delete(o.calls, org.UID) // taken: the next reconcile that needs one reads again
	}
	o.mu.Unlock()
	return c.observed, c.err
}

// forget drops what is kept for the Organization with uid, once it is gone.
func (o *observations) forget(uid types.UID) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.calls, uid)
}
