package main

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// creators is the number of parallel creators applying the chart: one, as `kubectl apply -f`
// and the GitOps tools' apply loops send the objects of a sync one after another.
const creators = 1

// applyChart creates the chart's Department objects, deepest level first, creators at a time
// taking them in that order, and returns how long it took until the API server had accepted all
// of them: the least time the chart can take to converge.
func applyChart(ctx context.Context, k8s client.Client, c chart, namespace, org string) (time.Duration, error) {
	start := time.Now()
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(creators)
	for _, d := range c.deepestFirst() {
		g.Go(func() error {
			if err := k8s.Create(ctx, d.object(namespace, org)); err != nil {
				return fmt.Errorf("creating Department %s: %w", d.key, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}
