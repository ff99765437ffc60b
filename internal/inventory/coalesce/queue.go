// Package coalesce is the one policy by which orgsync's publishers hand events to a controller:
// the inventory's changes to the Department controller and the deletion budget's wake-ups to the
// Organization controller.
//
// A publisher never waits for the controller and never loses an event that something waits for.
// Each subscriber (a Queue) holds at most one pending event per key: an event published while
// another for the same key is still pending is merged into it, by the Queue's merge function.
// One goroutine per Queue, started when an event is pending and a controller has subscribed, and
// ended when none is pending, hands the pending events to the channel the controller reads,
// oldest key first. So the memory a Queue
// holds is bounded by the number of distinct keys, not by the rate of events, and a controller
// that falls behind receives fewer, merged events rather than a goroutine per event or none.
package coalesce

import (
	"sync"

	"sigs.k8s.io/controller-runtime/pkg/event"
)

// Queue delivers events of type T, coalesced by key K, on the channel Events returns. Safe for
// concurrent use.
type Queue[K comparable, T any] struct {
	merge func(pending, next T) T
	out   chan event.TypedGenericEvent[T]

	mu sync.Mutex
	// order holds the keys with a pending event, oldest first; pending their events.
	order   []K
	pending map[K]T
	// subscribed is set once a reader asked for the channel; delivering while the goroutine that
	// hands pending events to out runs.
	subscribed, delivering bool
}

// New returns an empty Queue that merges an event published while another for its key is
// pending with merge(pending, next).
func New[K comparable, T any](merge func(pending, next T) T) *Queue[K, T] {
	return &Queue[K, T]{merge: merge, out: make(chan event.TypedGenericEvent[T]), pending: map[K]T{}}
}

// Latest is the merge that keeps the newest event: for events that only say "look again".
func Latest[T any](_, next T) T { return next }

// Events is the channel a controller reads the events from (controller-runtime's
// source.Channel). Delivery starts with the first call: until a controller subscribes (and in a
// process that has none, as `kubectl orgsync plan`), events only wait, merged by key.
func (q *Queue[K, T]) Events() <-chan event.TypedGenericEvent[T] {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.subscribed = true
	q.deliverLocked()
	return q.out
}

// Publish queues v under key, merged into the pending event for key if there is one. It never
// blocks on the reader.
func (q *Queue[K, T]) Publish(key K, v T) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if old, ok := q.pending[key]; ok {
		q.pending[key] = q.merge(old, v)
	} else {
		q.pending[key] = v
		q.order = append(q.order, key)
	}
	q.deliverLocked()
}

// deliverLocked starts the delivering goroutine when a subscriber waits for pending events and
// none runs.
func (q *Queue[K, T]) deliverLocked() {
	if q.subscribed && !q.delivering && len(q.order) > 0 {
		q.delivering = true
		go q.deliver()
	}
}

// Pending counts the keys with an event not yet handed to the reader.
func (q *Queue[K, T]) Pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.order)
}

// deliver hands the pending events to the reader, oldest key first, until none is left. An event
// being handed over is no longer pending: one published meanwhile for its key is a new event.
func (q *Queue[K, T]) deliver() {
	for {
		q.mu.Lock()
		if len(q.order) == 0 {
			q.delivering = false
			q.order = nil // let the grown array go
			q.mu.Unlock()
			return
		}
		key := q.order[0]
		q.order = q.order[1:]
		v := q.pending[key]
		delete(q.pending, key)
		q.mu.Unlock()
		q.out <- event.TypedGenericEvent[T]{Object: v}
	}
}
