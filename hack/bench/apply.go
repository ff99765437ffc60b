package main

import (
	"cmp"
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
// runs, watched as the measured run is; then baseline (w0): one status write per Department, the final status the manager
// writes, top level first, workers at a time, with no manager running: the least time the status
// writes of the cascade take on this API server, which can only start once the root has arrived.
// Then the objects are deleted again (no finalizer holds them: nothing has put one on yet) and
// gone before it returns, so that they cost the measured run nothing.
func applyAlone(ctx context.Context, cp *controlPlane, c chart) (created, statuses time.Duration, err error) {
	if err := cp.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: aloneNamespace}}); err != nil {
		return 0, 0, fmt.Errorf("creating namespace %s: %w", aloneNamespace, err)
	}
	// The measured run is watched (convergence, writes): so is this one, so that the benchmark's
	// own watch weighs on both alike and the slowdown b / b0 is the manager's.
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	if _, err := watchConvergence(watchCtx, cp.Config, cp.Scheme, aloneNamespace, c.size()); err != nil {
		return 0, 0, err
	}
	if created, err = createDeepestFirst(ctx, cp.Client, c, aloneNamespace, orgName); err != nil {
		return 0, 0, err
	}
	if statuses, err = writeStatusesTopFirst(ctx, cp.Client, c, aloneNamespace); err != nil {
		return 0, 0, err
	}
	return created, statuses, deleteAlone(ctx, cp)
}

// writeStatusesTopFirst writes to each Department of the chart in namespace the status the manager
// writes once it is synced (a merge patch of the status subresource, as the manager's), level by
// level from the top, workers at a time, and returns how long that took.
func writeStatusesTopFirst(ctx context.Context, k8s client.Client, c chart, namespace string) (time.Duration, error) {
	return c.topFirst(ctx, func(ctx context.Context, d chartDepartment) error {
		obj := &v1alpha1.Department{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: d.key}}
		before := obj.DeepCopy()
		now := metav1.Now()
		obj.Status = v1alpha1.DepartmentStatus{
			ExternalKey: d.key, ParentExternalKey: cmp.Or(d.parent, v1alpha1.TopLevelParentKey), RemoteID: "remote-" + d.key,
			LastSyncTime: &now, ObservedGeneration: 1,
			Conditions: []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, ObservedGeneration: 1,
				LastTransitionTime: now, Reason: v1alpha1.ReasonSynced, Message: fmt.Sprintf("remote department %q matches the spec", d.key)}},
		}
		if err := k8s.Status().Patch(ctx, obj, client.MergeFrom(before)); err != nil {
			return fmt.Errorf("writing the status of Department %s: %w", d.key, err)
		}
		return nil
	})
}

// deleteAlone deletes baseline (b0)'s Departments and waits until they are gone.
func deleteAlone(ctx context.Context, cp *controlPlane) error {
	if err := cp.Client.DeleteAllOf(ctx, &v1alpha1.Department{}, client.InNamespace(aloneNamespace)); err != nil {
		return fmt.Errorf("deleting baseline (b0)'s Departments: %w", err)
	}
	for {
		var left v1alpha1.DepartmentList
		if err := cp.Client.List(ctx, &left, client.InNamespace(aloneNamespace), client.Limit(1)); err != nil {
			return err
		}
		if len(left.Items) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for baseline (b0)'s Departments to go: %w", ctx.Err())
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
