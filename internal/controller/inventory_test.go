package controller

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// The deletion budget's wake-ups follow the one event policy: an Organization whose held
// deletions keep changing while its controller is busy is woken, once per pending wake-up; none
// is dropped, however many there were.
func TestBudgetWakeUpsAreCoalescedNotDropped(t *testing.T) {
	b := NewBudgets()
	orgs := []*v1alpha1.Organization{
		{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "a", UID: "a"}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "b", UID: "b"}},
	}
	for i := range 5000 { // far more than a channel's buffer
		b.wake(orgs[i%len(orgs)])
	}
	if p := b.events.Pending(); p > len(orgs) {
		t.Fatalf("%d wake-ups pending for %d Organizations", p, len(orgs))
	}
	woken := map[string]bool{}
	for len(woken) < len(orgs) {
		select {
		case e := <-b.events.Events():
			woken[e.Object.GetName()] = true
		case <-time.After(5 * time.Second):
			t.Fatalf("woken %v, want every Organization", woken)
		}
	}
}
