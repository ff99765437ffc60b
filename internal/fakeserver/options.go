package fakeserver

import "time"

// Options are the settings every fake takes; each fake's own Options embed them beside its
// credentials and faults.
type Options struct {
	// Now is the fake's clock: the window of request signatures and timestamps, token expiry, the
	// times it reports and logs. It is called concurrently. Defaults to time.Now.
	Now func() time.Time
	// OnRequest, when set, is called after each request has been answered, outside the fake's
	// lock. cmd/fakencp and cmd/fakehuawei log requests with it.
	OnRequest func(Request)
	// UndocumentedErrors starts the fake in undocumented-answers mode; see the fake's
	// SetUndocumentedErrors.
	UndocumentedErrors bool
}

// Clock returns Now, or time.Now when Now is nil.
func (o Options) Clock() func() time.Time {
	if o.Now == nil {
		return time.Now
	}
	return o.Now
}
