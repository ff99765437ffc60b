package chaos

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// node is one department of a run's chart as its Department object should say.
type node struct {
	key, object, name, parent string // parent "" for top level
	category                  string // OneAccess's; "" leaves it unset
}

// chart is the chart the run's Department objects describe; the runs change it and the objects
// together, so that a change never makes a cycle.
//
// Its keys (c-N, new-N), names (letters, digits, spaces and -, each carrying its key, so that no
// two departments ever share one) and categories are valid for both clouds, and no change moves a
// department to the top level, which OneAccess has no way to do.
type chart struct {
	rng   *rand.Rand
	nodes map[string]*node // by key
	next  int              // numbering of new departments and objects
	// categories gives every fourth department a category, and changes it with the department's
	// name (OneAccess); the other departments leave it unset.
	categories bool
}

// categoryCycle is the order in which recategorise changes a category; OneAccess's console offers
// these four.
var categoryCycle = []string{"department", "unit", "company", "group"}

// newChart returns a roughly balanced tree of n departments of depth about 5 under one root, for
// the provider's Departments. Categories take no random draw: a seed makes the same choices on
// both clouds.
func newChart(n int, p v1alpha1.Provider, rng *rand.Rand) *chart {
	c := &chart{rng: rng, nodes: make(map[string]*node, n), categories: p == v1alpha1.ProviderHuaweiCloud}
	branching := max(2, int(math.Ceil(math.Pow(float64(n), 0.25))))
	for i := range n {
		parent := ""
		if i > 0 {
			parent = keyOf((i - 1) / branching)
		}
		c.add(keyOf(i), parent)
	}
	c.next = n
	return c
}

func keyOf(i int) string { return fmt.Sprintf("c-%d", i) }

func (c *chart) add(key, parent string) *node {
	n := &node{key: key, object: key, name: "Department " + key, parent: parent}
	if c.categories && len(c.nodes)%4 == 1 {
		n.category = categoryCycle[1]
	}
	c.nodes[key] = n
	return n
}

// recategorise changes n's category to the next one, when n sets one: a category once set stays
// set, as it would in a chart whose owner manages it.
func (c *chart) recategorise(n *node) {
	if i := slices.Index(categoryCycle, n.category); i >= 0 {
		n.category = categoryCycle[(i+1)%len(categoryCycle)]
	}
}

// department is n's Department object.
func (n *node) department() *v1alpha1.Department {
	d := &v1alpha1.Department{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: n.object},
		Spec: v1alpha1.DepartmentSpec{
			OrganizationRef:   v1alpha1.LocalObjectReference{Name: orgName},
			Name:              n.name,
			ParentExternalKey: n.parent,
			Category:          n.category,
		},
	}
	if n.object != n.key {
		d.Spec.ExternalKey = n.key
	}
	return d
}

// keys returns every key, sorted.
func (c *chart) keys() []string {
	out := make([]string, 0, len(c.nodes))
	for k := range c.nodes {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// subtree returns key and every department under it.
func (c *chart) subtree(key string) []string {
	children := map[string][]string{}
	for _, n := range c.nodes {
		children[n.parent] = append(children[n.parent], n.key)
	}
	out := []string{key}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

// pick returns up to k keys chosen at random among those ok accepts.
func (c *chart) pick(k int, ok func(*node) bool) []string {
	var candidates []string
	for _, key := range c.keys() {
		if ok(c.nodes[key]) {
			candidates = append(candidates, key)
		}
	}
	c.rng.Shuffle(len(candidates), func(i, j int) { candidates[i], candidates[j] = candidates[j], candidates[i] })
	return candidates[:min(k, len(candidates))]
}

// newParentFor returns a department key could move under without making a cycle, other than its
// current parent, or "" when there is none; never the top level.
func (c *chart) newParentFor(key string) string {
	below := map[string]bool{}
	for _, k := range c.subtree(key) {
		below[k] = true
	}
	options := c.pick(1, func(n *node) bool { return !below[n.key] && n.key != c.nodes[key].parent })
	if len(options) == 0 {
		return ""
	}
	return options[0]
}

// largestSubtreeUpTo returns the root of the largest subtree of at most size departments, and
// that subtree.
func (c *chart) largestSubtreeUpTo(size int) []string {
	var best []string
	for _, key := range c.keys() {
		if c.nodes[key].parent == "" {
			continue // never the whole chart
		}
		if sub := c.subtree(key); len(sub) <= size && len(sub) > len(best) {
			best = sub
		}
	}
	return best
}

// objects applies fn to the Department objects of keys with a few workers, in a random order, as a
// GitOps tool applying a folder would; it returns the first error.
func forEachObject(ctx context.Context, keys []string, fn func(context.Context, string) error) error {
	keys = slices.Clone(keys)
	rand.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] }) //nolint:gosec // G404: the order of apply, not a secret
	work := make(chan string)
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	for range 8 {
		wg.Go(func() {
			for key := range work {
				if err := fn(ctx, key); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	for _, k := range keys {
		select {
		case work <- k:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	return errors.Join(append(errs, ctx.Err())...)
}

// create creates the objects of keys.
func (c *chart) create(ctx context.Context, cl client.Client, keys []string) error {
	return forEachObject(ctx, keys, func(ctx context.Context, key string) error {
		return cl.Create(ctx, c.nodes[key].department())
	})
}

// update writes the specs of keys' objects as the chart now says.
func (c *chart) update(ctx context.Context, cl client.Client, keys []string) error {
	return forEachObject(ctx, keys, func(ctx context.Context, key string) error {
		want := c.nodes[key].department()
		var d v1alpha1.Department
		if err := cl.Get(ctx, client.ObjectKeyFromObject(want), &d); err != nil {
			return err
		}
		d.Spec = want.Spec
		return cl.Update(ctx, &d)
	})
}

// remove deletes the objects of keys and drops them from the chart.
func (c *chart) remove(ctx context.Context, cl client.Client, keys []string) error {
	objects := make(map[string]string, len(keys))
	for _, k := range keys {
		objects[k] = c.nodes[k].object
		delete(c.nodes, k)
	}
	return forEachObject(ctx, keys, func(ctx context.Context, key string) error {
		d := &v1alpha1.Department{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: objects[key]}}
		return client.IgnoreNotFound(cl.Delete(ctx, d))
	})
}

// handOver deletes the object holding key and creates another object, under a new name, that
// claims key with a new name and parent.
func (c *chart) handOver(ctx context.Context, cl client.Client, key string) error {
	n := c.nodes[key]
	old := &v1alpha1.Department{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: n.object}}
	if err := cl.Delete(ctx, old); err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	c.next++
	n.object = fmt.Sprintf("%s-v%d", key, c.next)
	n.name = "Department " + key + " handed over"
	c.recategorise(n)
	if p := c.newParentFor(key); p != "" {
		n.parent = p
	}
	return cl.Create(ctx, n.department())
}
