package provider

import (
	"sync"

	"golang.org/x/time/rate"
	"k8s.io/apimachinery/pkg/types"

	"github.com/orgsync/orgsync/internal/httpretry"
)

// Limiters hands out one rate limiter per Organization and remote service, so that every call
// made for an Organization shares it. A limiter outlives the clients that use it: a client
// rebuilt after a credential rotation does not get a fresh burst. Safe for concurrent use.
type Limiters struct {
	// QPS and Burst shape every limiter handed out.
	QPS   float64
	Burst int

	mu       sync.Mutex
	limiters map[limiterKey]*httpretry.Throttle
}

type limiterKey struct {
	organization types.UID
	service      string
}

// For returns the limiter of the Organization with UID organization for service.
func (l *Limiters) For(organization types.UID, service string) *httpretry.Throttle {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.limiters == nil {
		l.limiters = map[limiterKey]*httpretry.Throttle{}
	}
	key := limiterKey{organization: organization, service: service}
	limiter, ok := l.limiters[key]
	if !ok {
		limiter = httpretry.NewThrottle(rate.NewLimiter(rate.Limit(l.QPS), l.Burst))
		l.limiters[key] = limiter
	}
	return limiter
}

// Forget drops every limiter of the Organization with UID organization.
func (l *Limiters) Forget(organization types.UID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for key := range l.limiters {
		if key.organization == organization {
			delete(l.limiters, key)
		}
	}
}
