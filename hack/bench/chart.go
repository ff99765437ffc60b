package main

import (
	"context"
	"fmt"
	"math"
	"time"

	"golang.org/x/sync/errgroup"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// chartDepth is the number of levels of the generated chart.
const chartDepth = 5

// chartDepartment is one department of the generated chart.
type chartDepartment struct {
	key    string // d-<level>-<index>; also the object's name
	parent string // "" for a top-level department
	level  int    // 1 is the top
}

// chart is a department tree of chartDepth levels, levels[0] the top.
type chart struct {
	levels [][]chartDepartment
}

// newChart returns a roughly balanced tree of n departments in chartDepth levels: one root, then
// levels growing by the branching factor b for which 1 + b + b² + b³ + b⁴ ≈ n, the last level
// taking what is left. The children of a level are spread evenly over its parents.
func newChart(n int) (chart, error) {
	if n < chartDepth {
		return chart{}, fmt.Errorf("a chart of depth %d needs at least %d departments, not %d", chartDepth, chartDepth, n)
	}
	b := branching(n)
	sizes := make([]int, chartDepth)
	rest := n
	for l := range chartDepth - 1 {
		sizes[l] = max(1, int(math.Round(math.Pow(b, float64(l)))))
		// Leave at least one department for each deeper level.
		sizes[l] = min(sizes[l], rest-(chartDepth-1-l))
		rest -= sizes[l]
	}
	sizes[chartDepth-1] = rest

	var c chart
	for l, size := range sizes {
		level := make([]chartDepartment, size)
		for i := range level {
			level[i] = chartDepartment{key: fmt.Sprintf("d-%d-%d", l+1, i), level: l + 1}
			if l > 0 {
				parents := c.levels[l-1]
				level[i].parent = parents[i*len(parents)/size].key
			}
		}
		c.levels = append(c.levels, level)
	}
	return c, nil
}

// branching solves 1 + b + b² + ... + b^(chartDepth-1) = n for b ≥ 1 by bisection.
func branching(n int) float64 {
	sum := func(b float64) float64 {
		s, p := 0.0, 1.0
		for range chartDepth {
			s += p
			p *= b
		}
		return s
	}
	lo, hi := 1.0, float64(n)
	for range 100 {
		mid := (lo + hi) / 2
		if sum(mid) < float64(n) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// topFirst calls each for every department of the chart, level by level from the top, workers
// at a time, every department of a level before any of the next, and returns how long it took.
func (c chart) topFirst(ctx context.Context, each func(context.Context, chartDepartment) error) (time.Duration, error) {
	start := time.Now()
	for _, level := range c.levels {
		g, ctx := errgroup.WithContext(ctx)
		g.SetLimit(workers)
		for _, d := range level {
			g.Go(func() error { return each(ctx, d) })
		}
		if err := g.Wait(); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

// size is the number of departments of the chart.
func (c chart) size() int {
	n := 0
	for _, level := range c.levels {
		n += len(level)
	}
	return n
}

// deepestFirst lists the departments level by level, the deepest level first: the order that
// makes the operator wait for parents the most.
func (c chart) deepestFirst() []chartDepartment {
	var out []chartDepartment
	for l := len(c.levels) - 1; l >= 0; l-- {
		out = append(out, c.levels[l]...)
	}
	return out
}

// object is the Department object of d in namespace, under the Organization org.
func (d chartDepartment) object(namespace, org string) *v1alpha1.Department {
	return &v1alpha1.Department{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: d.key},
		Spec: v1alpha1.DepartmentSpec{
			OrganizationRef:   v1alpha1.LocalObjectReference{Name: org},
			Name:              "Department " + d.key,
			ParentExternalKey: d.parent,
		},
	}
}
