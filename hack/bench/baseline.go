package main

import (
	"context"
	"fmt"
	"time"

	"github.com/orgsync/orgsync/internal/httpretry"
	"github.com/orgsync/orgsync/internal/ncp"
	ncpprovider "github.com/orgsync/orgsync/internal/provider/ncp"
)

// workers is the concurrency of the remote baseline, the manager's
// --max-concurrent-reconciles in the benchmark.
var workers = 20

// remoteBaseline creates the chart in companyID with a plain NCP client, one POST per department,
// level by level from the top so that every parent exists before its children, workers
// at a time, under the same rate limit as the manager's. It returns how long that took: the least
// time any controller creating the chart through this API at this rate could take.
func remoteBaseline(ctx context.Context, c chart, fakeURL, companyID string, limit rateLimit) (time.Duration, error) {
	client, err := ncp.New(ncp.Config{
		Credentials:          ncp.Credentials{AccessKey: accessKey, SecretKey: secretKey},
		WorkplaceEndpoint:    fakeURL,
		OrganizationEndpoint: fakeURL,
		Options:              httpretry.Options{QPS: limit.qps, Burst: limit.burst},
	})
	if err != nil {
		return 0, err
	}
	return c.topFirst(ctx, func(ctx context.Context, d chartDepartment) error {
		parent := d.parent
		if parent == "" {
			parent = ncp.TopLevelParent
		}
		_, err := client.CreateDepartment(ctx, companyID, ncp.Department{
			ExternalKey:       d.key,
			Name:              "Department " + d.key,
			ParentExternalKey: parent,
			DisplayOrder:      ncpprovider.DefaultDisplayOrder, // as the manager creates one
		})
		if err != nil {
			return fmt.Errorf("remote baseline: creating %s: %w", d.key, err)
		}
		return nil
	})
}
