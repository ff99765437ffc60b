package provider

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Metrics of the calls that cross the seam, labelled by provider, operation and outcome, served
// on the manager's /metrics endpoint.
var (
	operationsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "orgsync_remote_operations_total",
		Help: "Operations orgsync performed on remote systems, by provider, operation and result.",
	}, []string{"provider", "operation", "result"})
	operationSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "orgsync_remote_operation_duration_seconds",
		Help:    "Duration of operations on remote systems, retries included.",
		Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
	}, []string{"provider", "operation"})
)

func init() {
	metrics.Registry.MustRegister(operationsTotal, operationSeconds)
}

// result names the class of err for the result label.
func result(err error) string {
	for _, c := range []struct {
		class error
		name  string
	}{
		{ErrCredentials, "credentials"}, {ErrInvalid, "invalid"}, {ErrParentNotFound, "parent_not_found"},
		{ErrHasChildren, "has_children"}, {ErrAlreadyExists, "already_exists"}, {ErrUnsupported, "unsupported"},
		{ErrThrottled, "throttled"}, {ErrTransient, "transient"}, {ErrIncompleteListing, "incomplete_listing"},
	} {
		if errors.Is(err, c.class) {
			return c.name
		}
	}
	if err != nil {
		return "error"
	}
	return "ok"
}

// track starts timing one operation; the function it returns records it with its final error.
// Use as `defer track(provider, operation)(&err)`.
func track(providerName, operation string) func(*error) {
	start := time.Now()
	return func(err *error) {
		operationsTotal.WithLabelValues(providerName, operation, result(*err)).Inc()
		operationSeconds.WithLabelValues(providerName, operation).Observe(time.Since(start).Seconds())
	}
}

// Instrument wraps conn so that every operation is counted and timed under providerName.
func Instrument(providerName string, conn *Connection) *Connection {
	return &Connection{
		Departments:   &instrumentedDepartments{Conventions: conn.Departments, provider: providerName, next: conn.Departments},
		Organizations: &instrumentedOrganizations{provider: providerName, next: conn.Organizations},
	}
}

// instrumentedDepartments counts and times the calls; the conventions read nothing remote and
// pass through.
type instrumentedDepartments struct {
	Conventions
	provider string
	next     Departments
}

func (d *instrumentedDepartments) List(ctx context.Context) (all []Department, err error) {
	defer track(d.provider, "list_departments")(&err)
	return d.next.List(ctx)
}

func (d *instrumentedDepartments) Create(ctx context.Context, desired Department) (created Department, err error) {
	defer track(d.provider, "create_department")(&err)
	return d.next.Create(ctx, desired)
}

func (d *instrumentedDepartments) Update(ctx context.Context, desired Department) (updated Department, err error) {
	defer track(d.provider, "update_department")(&err)
	return d.next.Update(ctx, desired)
}

func (d *instrumentedDepartments) Delete(ctx context.Context, target Department) (err error) {
	defer track(d.provider, "delete_department")(&err)
	return d.next.Delete(ctx, target)
}

type instrumentedOrganizations struct {
	provider string
	next     Organizations
}

func (o *instrumentedOrganizations) Observe(ctx context.Context) (obs OrganizationObservation, err error) {
	defer track(o.provider, "observe_organization")(&err)
	return o.next.Observe(ctx)
}

func (o *instrumentedOrganizations) Create(ctx context.Context, description string) (obs OrganizationObservation, err error) {
	defer track(o.provider, "create_organization")(&err)
	return o.next.Create(ctx, description)
}

func (o *instrumentedOrganizations) Delete(ctx context.Context, id string) (err error) {
	defer track(o.provider, "delete_organization")(&err)
	return o.next.Delete(ctx, id)
}
