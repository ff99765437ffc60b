package controller

import (
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
	rules "github.com/orgsync/orgsync/internal/decision"
	"github.com/orgsync/orgsync/internal/inventory/coalesce"
)

// Budgets keeps the deletion budget of every Organization (its own or the default): the remote deletions
// made in its current window, the ones a person approved beyond it, and the ones held now. The
// Organization reconciler loads it once from the manager's record of the Organization's chart
// (never from its status, which others may write), writes it back there and into the status,
// and adds approvals; Department reconciles ask it before each remote delete. Safe for
// concurrent use.
type Budgets struct {
	mu     sync.Mutex
	byOrg  map[types.UID]*budget
	events *coalesce.Queue[types.NamespacedName, client.Object] // wakes an Organization whose held deletions changed
}

type budget struct {
	loaded bool
	rules.Budget
	held map[string]bool // by external key
	// counted are the keys whose delete the current window counts already, until it is made: a
	// delete that failed (throttled, refused, unanswered) and is tried again counts once.
	counted map[string]bool
}

// NewBudgets returns an empty registry.
func NewBudgets() *Budgets {
	return &Budgets{byOrg: map[types.UID]*budget{}, events: coalesce.New[types.NamespacedName](coalesce.Latest[client.Object])}
}

func (b *Budgets) ofLocked(uid types.UID) *budget {
	bud := b.byOrg[uid]
	if bud == nil {
		bud = &budget{held: map[string]bool{}, counted: map[string]bool{}}
		b.byOrg[uid] = bud
	}
	return bud
}

// load takes the budget the manager recorded for an Organization the first time it is seen
// (after a restart).
func (b *Budgets) load(uid types.UID, recorded rules.Budget) {
	b.mu.Lock()
	defer b.mu.Unlock()
	bud := b.ofLocked(uid)
	if bud.loaded {
		return
	}
	bud.loaded = true
	bud.Budget = recorded
}

// loadFor loads org's budget from rec, the manager's record of org's chart, the first time org is
// seen (after a restart): what rec records when org holds the chart, nothing spent otherwise.
// Both reconcilers call it before they use the budget, so that a Department reconciled before
// its Organization counts its delete in the recorded budget, not in a new one that the
// Organization's load would then replace (and so let another allowance of deletes through).
func (b *Budgets) loadFor(org *v1alpha1.Organization, rec *v1alpha1.RemoteTarget) {
	if heldBy(rec, org) {
		b.load(org.UID, rules.RecordedBudget(rec.Spec.Deletions))
		return
	}
	b.load(org.UID, rules.Budget{})
}

// spent is where an Organization's budget stands, for the manager's record.
func (b *Budgets) spent(uid types.UID) rules.Budget {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ofLocked(uid).Budget
}

// approve lets n more deletions through.
func (b *Budgets) approve(uid types.UID, n int32) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ofLocked(uid).Approved += n
}

// reserve counts one remote delete of key against org's budget (decision.Budget.Reserve) and
// reports whether it may go ahead now; when it may not, key is held until a later reserve lets it
// through or forget. A delete of key the current window counts already, tried again after a
// failure, goes ahead without counting again: the budget counts departments deleted, not
// attempts. Once made or no longer wanted (done), a delete of key counts anew.
func (b *Budgets) reserve(org *v1alpha1.Organization, key string, now time.Time) bool {
	b.mu.Lock()
	bud := b.ofLocked(org.UID)
	ok := bud.counted[key] && bud.Running(org, now)
	if !ok {
		started := bud.WindowStart
		ok = bud.Reserve(org, now)
		if !bud.WindowStart.Equal(started) {
			clear(bud.counted)
		}
		if ok {
			bud.counted[key] = true
		}
	}
	wasHeld := bud.held[key]
	if ok {
		delete(bud.held, key)
	} else {
		bud.held[key] = true
	}
	b.mu.Unlock()
	if ok == wasHeld { // held now, or released from being held: the Organization's count changed
		b.wake(org)
	}
	return ok
}

// done records that the delete of key was made, or is no longer wanted (its Department released
// the remote department): a later one (of a department made again under the key) counts anew.
// A delete refused, or waiting (children, a pause), stays counted until then.
func (b *Budgets) done(org *v1alpha1.Organization, key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if bud := b.byOrg[org.UID]; bud != nil {
		delete(bud.counted, key)
	}
}

// forget stops counting key as held: its Department no longer waits to delete it.
func (b *Budgets) forget(org *v1alpha1.Organization, key string) {
	b.mu.Lock()
	bud := b.byOrg[org.UID]
	held := bud != nil && bud.held[key]
	if held {
		delete(bud.held, key)
	}
	b.mu.Unlock()
	if held {
		b.wake(org)
	}
}

// status is the budget's state as the Organization's status records it.
func (b *Budgets) status(uid types.UID) *v1alpha1.DeletionStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	bud := b.ofLocked(uid)
	return bud.Status(len(bud.held))
}

// drop forgets an Organization that is gone.
func (b *Budgets) drop(uid types.UID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.byOrg, uid)
}

func (b *Budgets) wake(org *v1alpha1.Organization) {
	nn := types.NamespacedName{Namespace: org.Namespace, Name: org.Name}
	b.events.Publish(nn, &v1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Namespace: nn.Namespace, Name: nn.Name}})
}
