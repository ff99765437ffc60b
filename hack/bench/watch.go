package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/decision"
)

// convergence watches the Departments of a namespace and tells when all of them have converged.
// It follows a watch rather than listing: with 10,000 objects a List every half second would cost
// more than the manager being measured.
type convergence struct {
	want int

	mu sync.Mutex
	// counting is on while converging: from the first create until every Department converged.
	counting  bool
	writes    kubeWriteCounts
	converged map[string]bool // by name; false while seen but not converged
	count     int             // how many are true in converged
	// convergedAt is when each Department first converged, by name.
	convergedAt map[string]time.Time
	done        chan struct{} // closed when want Departments have converged
	at          time.Time     // when done was closed
}

// watchConvergence starts watching the Departments of namespace until ctx ends, expecting want of
// them.
func watchConvergence(ctx context.Context, cfg *rest.Config, scheme *runtime.Scheme, namespace string, want int) (*convergence, error) {
	informers, err := cache.New(cfg, cache.Options{
		Scheme:            scheme,
		DefaultNamespaces: map[string]cache.Config{namespace: {}},
		DefaultTransform:  cache.TransformStripManagedFields(),
	})
	if err != nil {
		return nil, err
	}
	informer, err := informers.GetInformer(ctx, &v1alpha1.Department{})
	if err != nil {
		return nil, err
	}
	c := &convergence{want: want, converged: make(map[string]bool, want), convergedAt: make(map[string]time.Time, want), done: make(chan struct{})}
	if _, err := informer.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    c.observe,
		UpdateFunc: c.update,
		DeleteFunc: c.forget,
	}); err != nil {
		return nil, err
	}
	orgs, err := informers.GetInformer(ctx, &v1alpha1.Organization{})
	if err != nil {
		return nil, err
	}
	if _, err := orgs.AddEventHandler(toolscache.ResourceEventHandlerFuncs{UpdateFunc: c.organizationUpdate}); err != nil {
		return nil, err
	}
	go func() { _ = informers.Start(ctx) }()
	if !informers.WaitForCacheSync(ctx) {
		return nil, fmt.Errorf("watching Departments: the cache did not sync")
	}
	return c, nil
}

// converged reports whether the Department is Ready and its status describes its current
// generation, both in the Ready condition and in status.observedGeneration.
func converged(d *v1alpha1.Department) bool {
	return decision.Converged(d.Status.Conditions, d.Status.ObservedGeneration, d.Generation)
}

func (c *convergence) observe(obj any) {
	d, ok := obj.(*v1alpha1.Department)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ok = converged(d)
	c.setLocked(d.Name, ok)
	if _, seen := c.convergedAt[d.Name]; ok && !seen {
		c.convergedAt[d.Name] = time.Now()
	}
	if c.at.IsZero() && c.count >= c.want {
		c.at = time.Now()
		c.counting = false
		close(c.done)
	}
}

// kubeWriteCounts are the writes to the benchmark's objects while converging, as the watch saw
// them: each change of a Department's or the Organization's resourceVersion is one write.
type kubeWriteCounts struct {
	// departmentStatus changed a Department's status; departmentMetadata only its metadata (the
	// finalizer, annotations, labels); departmentSpec its spec (nobody's but the benchmark's, which
	// sends none while converging).
	departmentStatus, departmentMetadata, departmentSpec int
	// organization are the Organization's writes (its counts of Departments, mostly).
	organization int
}

func (k kubeWriteCounts) departments() int {
	return k.departmentStatus + k.departmentMetadata + k.departmentSpec
}

// startCounting starts counting writes; the count stops by itself when every Department converged.
func (c *convergence) startCounting() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counting = true
}

// counted returns the writes counted while converging.
func (c *convergence) counted() kubeWriteCounts {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writes
}

func (c *convergence) update(oldObj, newObj any) {
	before, okOld := oldObj.(*v1alpha1.Department)
	after, okNew := newObj.(*v1alpha1.Department)
	if okOld && okNew && before.ResourceVersion != after.ResourceVersion {
		c.mu.Lock()
		if c.counting {
			switch {
			case !equality.Semantic.DeepEqual(before.Status, after.Status):
				c.writes.departmentStatus++
			case before.Generation != after.Generation:
				c.writes.departmentSpec++
			default:
				c.writes.departmentMetadata++
			}
		}
		c.mu.Unlock()
	}
	c.observe(newObj)
}

func (c *convergence) organizationUpdate(oldObj, newObj any) {
	before, okOld := oldObj.(*v1alpha1.Organization)
	after, okNew := newObj.(*v1alpha1.Organization)
	if !okOld || !okNew || before.ResourceVersion == after.ResourceVersion {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counting {
		c.writes.organization++
	}
}

func (c *convergence) forget(obj any) {
	if tombstone, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = tombstone.Obj
	}
	if d, ok := obj.(*v1alpha1.Department); ok {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.setLocked(d.Name, false)
		delete(c.converged, d.Name)
	}
}

// setLocked records whether the named Department has converged, keeping count.
func (c *convergence) setLocked(name string, ok bool) {
	if c.converged[name] {
		c.count--
	}
	if ok {
		c.count++
	}
	c.converged[name] = ok
}

// progress returns how many Departments exist and how many of them have converged.
func (c *convergence) progress() (seen, done int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.converged), c.count
}

// wait waits until every expected Department has converged and returns when that happened,
// printing progress every interval.
func (c *convergence) wait(ctx context.Context, interval time.Duration) (time.Time, error) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-c.done:
			c.mu.Lock()
			at := c.at
			c.mu.Unlock()
			return at, nil
		case <-ctx.Done():
			seen, done := c.progress()
			return time.Time{}, fmt.Errorf("waiting for convergence (%d of %d Departments created, %d converged): %w", seen, c.want, done, ctx.Err())
		case <-tick.C:
			seen, done := c.progress()
			step("  converging: %d of %d Departments created, %d converged", seen, c.want, done)
		}
	}
}

// cascade returns, for each level of the chart (1 the top), when its first and its last
// Department converged, from applied (when the last object was created).
func (c *convergence) cascade(ch chart, applied time.Time) [][2]time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([][2]time.Duration, len(ch.levels))
	for l, level := range ch.levels {
		first, last := time.Duration(1<<62), time.Duration(0)
		for _, d := range level {
			at, ok := c.convergedAt[d.key]
			if !ok {
				continue
			}
			first, last = min(first, at.Sub(applied)), max(last, at.Sub(applied))
		}
		out[l] = [2]time.Duration{first, last}
	}
	return out
}
