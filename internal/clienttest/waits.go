package clienttest

import (
	"context"
	"sync"
	"time"
)

// RecordWaits replaces a policy's Sleep (pass &policy.Sleep) with one that records each wait and
// returns at once (with the context's error, as a sleep cut short would). The waits are read once
// the calls are done.
func RecordWaits(sleep *func(ctx context.Context, d time.Duration) error) *[]time.Duration {
	var mu sync.Mutex
	waits := &[]time.Duration{}
	*sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		*waits = append(*waits, d)
		return ctx.Err()
	}
	return waits
}
