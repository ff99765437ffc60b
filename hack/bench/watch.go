package main

import (
	"context"
	"fmt"
	"sync"
	"time"

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

	mu        sync.Mutex
	converged map[string]bool // by name; false while seen but not converged
	count     int             // how many are true in converged
	done      chan struct{}   // closed when want Departments have converged
	at        time.Time       // when done was closed
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
	c := &convergence{want: want, converged: make(map[string]bool, want), done: make(chan struct{})}
	if _, err := informer.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    c.observe,
		UpdateFunc: func(_, obj any) { c.observe(obj) },
		DeleteFunc: c.forget,
	}); err != nil {
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
	c.setLocked(d.Name, converged(d))
	if c.at.IsZero() && c.count >= c.want {
		c.at = time.Now()
		close(c.done)
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
