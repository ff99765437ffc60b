package inventory

import (
	"sync"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/orgsync/orgsync/internal/inventory/coalesce"
)

// Inventories holds the inventory of every Organization this manager syncs, and the queue on
// which their changes reach the Department controller. Safe for concurrent use.
type Inventories struct {
	mu      sync.Mutex
	byOrg   map[types.UID]*Inventory
	changes *coalesce.Queue[changeKey, Change]
}

// changeKey is what changes are coalesced by: those orgsync's writes made and those a listing
// found are told apart (the holders of the keys a listing changed are woken; a writer knows).
type changeKey struct {
	namespace, organization string
	written                 bool
}

// NewInventories returns an empty registry.
func NewInventories() *Inventories {
	return &Inventories{byOrg: map[types.UID]*Inventory{}, changes: coalesce.New[changeKey](Change.merge)}
}

// Of returns the inventory of the Organization with uid, named namespace/name, made empty the
// first time.
func (s *Inventories) Of(uid types.UID, namespace, name string) *Inventory {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv, ok := s.byOrg[uid]
	if !ok {
		inv = New(namespace, name, s.publish)
		s.byOrg[uid] = inv
	}
	return inv
}

// Forget drops the inventory of the Organization with uid.
func (s *Inventories) Forget(uid types.UID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byOrg, uid)
}

// Changes is the channel on which the inventories' changes reach the Department controller
// (source.Channel), coalesced per Organization while it is busy (package coalesce).
func (s *Inventories) Changes() <-chan event.TypedGenericEvent[Change] { return s.changes.Events() }

func (s *Inventories) publish(c Change) {
	s.changes.Publish(changeKey{namespace: c.Namespace, organization: c.Organization, written: c.Written}, c)
}
