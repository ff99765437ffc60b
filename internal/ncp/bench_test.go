package ncp

import (
	"context"
	"fmt"
	"testing"

	"golang.org/x/time/rate"

	"github.com/orgsync/orgsync/internal/httpretry"
	"github.com/orgsync/orgsync/internal/ncp/ncpfake"
)

// The benchmarks measure the client's own cost (signing, encoding, decoding,
// the HTTP round trip on loopback) against the in-process fake, with the
// rate limiter out of the way.

func newBenchClient(b *testing.B) (*Client, *ncpfake.Server) {
	b.Helper()
	srv := newFake(b)
	c := newFakeClient(b, srv, func(cfg *Config) { cfg.Limiter = httpretry.NewThrottle(rate.NewLimiter(rate.Inf, 1)) })
	return c, srv
}

func reportThroughput(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func BenchmarkGetDepartment(b *testing.B) {
	c, srv := newBenchClient(b)
	srv.PutDepartment(fakeCompany, ncpfake.Department{ExternalKey: "sales", Name: "Sales",
		I18nNames: map[string]string{"ko_KR": "영업", "en_US": "Sales"}, ParentExternalKey: "#", DisplayOrder: "1"})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.GetDepartment(ctx, fakeCompany, "sales"); err != nil {
			b.Fatal(err)
		}
	}
	reportThroughput(b)
}

func BenchmarkCreateDepartment(b *testing.B) {
	c, _ := newBenchClient(b)
	ctx := context.Background()
	// Keys are unique across the benchmark's repeated runs, which share no fake.
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := Department{ExternalKey: fmt.Sprintf("bench-%d", i), Name: "Bench", ParentExternalKey: TopLevelParent, DisplayOrder: "1"}
		if _, err := c.CreateDepartment(ctx, fakeCompany, d); err != nil {
			b.Fatal(err)
		}
	}
	reportThroughput(b)
}

// BenchmarkListDepartments lists 250 departments, three pages per
// operation; req/s counts list operations, not pages.
func BenchmarkListDepartments(b *testing.B) {
	c, srv := newBenchClient(b)
	for i := range 250 {
		srv.PutDepartment(fakeCompany, ncpfake.Department{ExternalKey: fmt.Sprintf("d%03d", i), Name: fmt.Sprintf("Department %d", i),
			ParentExternalKey: "#", DisplayOrder: fmt.Sprint(i)})
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		list, err := c.ListDepartments(ctx, fakeCompany)
		if err != nil {
			b.Fatal(err)
		}
		if len(list) != 250 {
			b.Fatalf("%d departments, want 250", len(list))
		}
	}
	reportThroughput(b)
}
