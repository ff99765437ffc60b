package main

import (
	"fmt"
	"testing"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/provider"
	ncpprovider "github.com/orgsync/orgsync/internal/provider/ncp"
)

// BenchmarkPlan10000 plans a chart of 10,000 departments five levels deep in which the manifests
// rename a tenth, create 1,000 new ones and prune 1,000 leaves.
func BenchmarkPlan10000(b *testing.B) {
	const n = 10000
	var desired, cluster []v1alpha1.Department
	var remote []provider.Department
	for i := range n {
		key := fmt.Sprintf("d%05d", i)
		parent := ""
		if i >= 10 {
			parent = fmt.Sprintf("d%05d", i/10-1+1)
			if i/10 == 0 {
				parent = ""
			}
		}
		name := "Department " + key
		cluster = append(cluster, have(key, name, parent))
		remote = append(remote, provider.Department{Key: key, Name: name, ParentKey: parent, DisplayOrder: "1"})
		switch {
		case i%10 == 9 && i > n/2:
			// pruned
		case i%10 == 3:
			desired = append(desired, want(key, name+" renamed", parent))
		default:
			desired = append(desired, want(key, name, parent))
		}
	}
	for i := range 1000 {
		desired = append(desired, want(fmt.Sprintf("new%04d", i), "New", fmt.Sprintf("d%05d", i)))
	}
	b.ResetTimer()
	for range b.N {
		p := planOrganization(planInput{org: planOrg(budgetOf(10000)), desired: desired, cluster: cluster, prune: true,
			remote: remote, diff: ncpprovider.Conventions{}.Diff, now: planNow})
		if len(p.Changes) < 2000 {
			b.Fatalf("%d changes", len(p.Changes))
		}
	}
}
