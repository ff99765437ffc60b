package inventory

import (
	"sync"

	"k8s.io/apimachinery/pkg/types"
)

// Inventory is the remote chart of one Organization and what coordinates reading and writing
// it. Its five concerns share one lock and each keeps its state beside its methods: the chart
// (chart.go), listing coordination and the writes under way (listing.go), change versions and
// the changes announced (changes.go), wake-up registrations (wakeups.go) and the guard against
// moves that close a loop (moves.go). Safe for concurrent use.
type Inventory struct {
	namespace, organization string
	// publish hands a change to the Department controller; nil publishes nothing.
	publish func(Change)

	mu sync.Mutex
	chart
	listings
	changeVersions
	wakeups
	moves
}

// New returns the empty, incomplete inventory of the Organization namespace/organization, whose
// changes go to publish (nil: nowhere, as for a plan).
func New(namespace, organization string, publish func(Change)) *Inventory {
	return &Inventory{
		namespace: namespace, organization: organization, publish: publish,
		chart: newChart(), changeVersions: changeVersions{versions: map[string]uint64{}},
		wakeups: wakeups{watchers: map[string]map[types.NamespacedName]struct{}{}, woken: map[string]uint64{}},
		moves:   moves{moving: map[string]move{}},
	}
}
