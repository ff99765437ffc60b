package main

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// creators is the number of parallel creators applying the chart: one, as `kubectl apply -f`
// and the GitOps tools' apply loops send the objects of a sync one after another.
const creators = 1

// applyChart creates the chart's Department objects, deepest level first, creators at a time
// taking them in that order, and returns how long it took until the API server had accepted all
// of them: the least time the chart can take to converge.
func applyChart(ctx context.Context, k8s client.Client, c chart, namespace, org string) (time.Duration, error) {
	return createDeepestFirst(ctx, k8s, c, namespace, org)
}

// applyAlone is baseline (b0): the same creates in a namespace of their own before the manager
// runs, then the objects deleted again (no finalizer holds them: nothing has put one on yet) and
// gone before it returns, so that they cost the measured run nothing.
func applyAlone(ctx context.Context, cp *controlPlane, c chart) (time.Duration, error) {
	if err := cp.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: aloneNamespace}}); err != nil {
		return 0, fmt.Errorf("creating namespace %s: %w", aloneNamespace, err)
	}
	took, err := createDeepestFirst(ctx, cp.Client, c, aloneNamespace, orgName)
	if err != nil {
		return 0, err
	}
	if err := cp.Client.DeleteAllOf(ctx, &v1alpha1.Department{}, client.InNamespace(aloneNamespace)); err != nil {
		return 0, fmt.Errorf("deleting baseline (b0)'s Departments: %w", err)
	}
	for {
		var left v1alpha1.DepartmentList
		if err := cp.Client.List(ctx, &left, client.InNamespace(aloneNamespace), client.Limit(1)); err != nil {
			return 0, err
		}
		if len(left.Items) == 0 {
			return took, nil
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("waiting for baseline (b0)'s Departments to go: %w", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// createDeepestFirst creates the chart's Departments in namespace, deepest level first, creators
// at a time, and returns how long the API server took to accept all of them.
func createDeepestFirst(ctx context.Context, k8s client.Client, c chart, namespace, org string) (time.Duration, error) {
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
