package coalesce

import (
	"runtime"
	"testing"
	"time"
)

func sum(pending, next int) int { return pending + next }

// A reader that does not keep up holds the publishers up in no way, costs one goroutine, and
// receives every event, merged per key: nothing is dropped.
func TestQueueCoalescesForABusyReaderAndDropsNothing(t *testing.T) {
	q := New[string](sum)
	events := q.Events() // a reader that subscribed and does not read yet
	before := runtime.NumGoroutine()
	keys := []string{"a", "b", "c"}
	const published = 10000
	for i := range published {
		q.Publish(keys[i%len(keys)], 1) // no reader yet: must not block
	}
	if n := runtime.NumGoroutine() - before; n > 1 {
		t.Fatalf("%d goroutines for %d events, want at most 1", n, published)
	}
	// One event may be on its way to the reader; the others wait, one per key.
	if p := q.Pending(); p > len(keys) {
		t.Fatalf("%d pending events for %d keys", p, len(keys))
	}
	total := 0
	for total < published {
		select {
		case e := <-events:
			total += e.Object
		case <-time.After(5 * time.Second):
			t.Fatalf("received %d of %d events", total, published)
		}
	}
	if total != published {
		t.Fatalf("received %d events, want %d", total, published)
	}
}

// Events reach the reader in the order their keys were first published, and the goroutine that
// delivers them ends once none is pending.
func TestQueueDeliversOldestKeyFirstAndThenRests(t *testing.T) {
	q := New[string](Latest[string])
	before := runtime.NumGoroutine()
	events := q.Events()
	for _, k := range []string{"b", "a", "b", "c"} {
		q.Publish(k, k)
	}
	var got []string
	for range 3 {
		got = append(got, (<-events).Object)
	}
	// "b" may have been handed over before its second publish: then that one follows "c".
	if got[0] != "b" || got[1] != "a" || got[2] != "c" && got[2] != "b" {
		t.Fatalf("delivered %v, want b, a, c", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for q.Pending() > 0 || runtime.NumGoroutine() > before {
		select {
		case <-events:
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after delivering everything, %d before", runtime.NumGoroutine(), before)
		}
		time.Sleep(time.Millisecond)
	}
}

// Without a subscriber (a process with no controller, as `kubectl orgsync plan`), events wait,
// merged, and no goroutine waits for a reader that never comes.
func TestQueueWithoutASubscriberStartsNoGoroutine(t *testing.T) {
	q := New[string](sum)
	before := runtime.NumGoroutine()
	for range 1000 {
		q.Publish("org", 1)
	}
	if n := runtime.NumGoroutine() - before; n > 0 || q.Pending() != 1 {
		t.Fatalf("%d goroutines, %d pending events, want none and one", n, q.Pending())
	}
	if e := <-q.Events(); e.Object != 1000 {
		t.Fatalf("the subscriber received %d events merged, want 1000", e.Object)
	}
}
