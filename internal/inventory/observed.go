package inventory

import (
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// Lookup returns the inventory of the Organization with uid, if this manager keeps one; unlike Of
// it makes none.
func (s *Inventories) Lookup(uid types.UID) (*Inventory, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv, ok := s.byOrg[uid]
	return inv, ok
}

// ListedAt is when the chart was last listed completely; false before the first complete listing.
func (inv *Inventory) ListedAt() (time.Time, bool) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	return inv.listedAt, inv.complete
}
