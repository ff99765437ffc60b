package controller

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/orgsync/orgsync/api/v1alpha1"
	rules "github.com/orgsync/orgsync/internal/decision"
	"github.com/orgsync/orgsync/internal/inventory"
)

// The labels of the state metrics. They are not called namespace: Prometheus's scrape adds the
// target's own namespace label, which would rename the object's to exported_namespace.
var (
	orgLabels        = []string{"organization_namespace", "organization"}
	departmentLabels = []string{"organization_namespace", "organization", "reason", "class"}
)

// The metrics of what the manager's objects look like, read at each scrape from its cache and
// memory; the alerts and the dashboard of the Helm chart are written against them
// (docs/operations.md#alerts-and-dashboard).
var (
	departmentsNotReadyDesc = prometheus.NewDesc("orgsync_departments_not_ready",
		"Departments whose Ready condition is not True, by Organization, reason (Unknown before the first status) and class (Progressing, Suspended, Failing).",
		departmentLabels, nil)
	departmentsNotReadySecondsDesc = prometheus.NewDesc("orgsync_departments_not_ready_max_age_seconds",
		"How long the Department that has been not Ready longest has been so (since its Ready condition last changed, or since it was created), by Organization, reason and class.",
		departmentLabels, nil)
	organizationReadyDesc = prometheus.NewDesc("orgsync_organization_ready",
		"1 when the Organization's Ready condition is True, 0 otherwise; reason is the condition's (Unknown before the first status).",
		append(orgLabels, "reason"), nil)
	deletionsHeldDesc = prometheus.NewDesc("orgsync_deletions_held",
		"Remote deletes of the Organization's departments held now by its deletion budget, waiting for orgsync.dev/approve-deletions or the next window.",
		orgLabels, nil)
	chartListedDesc = prometheus.NewDesc("orgsync_remote_chart_listed_timestamp_seconds",
		"When this manager last listed the Organization's remote chart completely (Unix time); before its first complete listing, when this manager first reported the Organization.",
		orgLabels, nil)
	departmentsDesc = prometheus.NewDesc("orgsync_departments",
		"Departments of the Organization in this manager's cache: the chart size its memory grows with (docs/operations.md#memory).",
		orgLabels, nil)
	syncPeriodDesc = prometheus.NewDesc("orgsync_sync_period_seconds",
		"The Organization's sync period: how often its remote chart is listed (spec.syncPeriod, or the manager's --sync-period).",
		orgLabels, nil)
)

// stateMetrics reports the state metrics while this manager is the leader (the only one that
// reconciles, and so the only one whose memory is current): a Runnable of the manager that
// registers its collector with controller-runtime's registry when it starts and removes it when
// it stops.
type stateMetrics struct {
	reader      client.Reader // the manager's cache
	inventories *inventory.Inventories
	budgets     *Budgets
	syncPeriod  time.Duration

	mu        sync.Mutex
	firstSeen map[types.UID]time.Time // Organizations never listed: since when they are reported
}

func newStateMetrics(reader client.Reader, inventories *inventory.Inventories, budgets *Budgets, syncPeriod time.Duration) *stateMetrics {
	return &stateMetrics{reader: reader, inventories: inventories, budgets: budgets, syncPeriod: syncPeriod, firstSeen: map[types.UID]time.Time{}}
}

// Start registers the collector until ctx ends. A second manager in the same process (tests)
// finds the first one's registered and reports nothing of its own.
func (m *stateMetrics) Start(ctx context.Context) error {
	if err := metrics.Registry.Register(m); err != nil {
		if are := (prometheus.AlreadyRegisteredError{}); errors.As(err, &are) {
			ctrl.Log.WithName("metrics").Info("state metrics already reported by another manager in this process")
			<-ctx.Done()
			return nil
		}
		return err
	}
	<-ctx.Done()
	metrics.Registry.Unregister(m)
	return nil
}

// NeedLeaderElection: only the leader's memory (listings, held deletions) is current.
func (m *stateMetrics) NeedLeaderElection() bool { return true }

func (m *stateMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{departmentsNotReadyDesc, departmentsNotReadySecondsDesc, organizationReadyDesc,
		deletionsHeldDesc, chartListedDesc, syncPeriodDesc, departmentsDesc} {
		ch <- d
	}
}

// Collect reads the Organizations and Departments from the cache, without copying them.
func (m *stateMetrics) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	now := time.Now()
	var orgs v1alpha1.OrganizationList
	if err := m.reader.List(ctx, &orgs, client.UnsafeDisableDeepCopy); err != nil {
		ch <- prometheus.NewInvalidMetric(organizationReadyDesc, err)
		return
	}
	m.collectOrganizations(ch, orgs.Items, now)
	depts, err := cachedDepartments(ctx, m.reader)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(departmentsNotReadyDesc, err)
		return
	}
	collectDepartments(ch, depts, now)
}

// cachedDepartments returns the Departments of the cache c, not to be modified: read from its
// informer's store where it has one, so that a scrape of a chart of 50,000 Departments does not
// copy them into a list (tens of megabytes, at each scrape); listed otherwise.
func cachedDepartments(ctx context.Context, c client.Reader) ([]*v1alpha1.Department, error) {
	if informers, ok := c.(cache.Informers); ok {
		informer, err := informers.GetInformer(ctx, &v1alpha1.Department{}, cache.BlockUntilSynced(false))
		if err != nil {
			return nil, err
		}
		if indexed, ok := informer.(toolscache.SharedIndexInformer); ok {
			items := indexed.GetStore().List()
			depts := make([]*v1alpha1.Department, 0, len(items))
			for _, item := range items {
				if d, ok := item.(*v1alpha1.Department); ok {
					depts = append(depts, d)
				}
			}
			return depts, nil
		}
	}
	var list v1alpha1.DepartmentList
	if err := c.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	depts := make([]*v1alpha1.Department, len(list.Items))
	for i := range list.Items {
		depts[i] = &list.Items[i]
	}
	return depts, nil
}

func (m *stateMetrics) collectOrganizations(ch chan<- prometheus.Metric, orgs []v1alpha1.Organization, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := make(map[types.UID]bool, len(orgs))
	for i := range orgs {
		org := &orgs[i]
		seen[org.UID] = true
		labels := []string{org.Namespace, org.Name}
		ready, reason := 0.0, "Unknown"
		if cond := meta.FindStatusCondition(org.Status.Conditions, v1alpha1.ConditionReady); cond != nil {
			reason = cond.Reason
			if cond.Status == metav1.ConditionTrue {
				ready = 1
			}
		}
		gauge(ch, organizationReadyDesc, ready, append(labels, reason)...)
		held := 0
		if n, ok := m.budgets.heldOf(org.UID); ok {
			held = n
		} else if org.Status.Deletions != nil {
			held = int(org.Status.Deletions.Held)
		}
		gauge(ch, deletionsHeldDesc, float64(held), labels...)
		gauge(ch, syncPeriodDesc, syncPeriodOf(org, m.syncPeriod).Seconds(), labels...)
		gauge(ch, chartListedDesc, float64(m.listedAt(org.UID, now).UnixMilli())/1e3, labels...)
	}
	for uid := range m.firstSeen {
		if !seen[uid] {
			delete(m.firstSeen, uid)
		}
	}
}

// listedAt is when the Organization's chart was last listed, or when it was first reported.
func (m *stateMetrics) listedAt(uid types.UID, now time.Time) time.Time {
	if inv, ok := m.inventories.Lookup(uid); ok {
		if at, listed := inv.ListedAt(); listed {
			delete(m.firstSeen, uid)
			return at
		}
	}
	if _, ok := m.firstSeen[uid]; !ok {
		m.firstSeen[uid] = now
	}
	return m.firstSeen[uid]
}

// notReadyKey groups the Departments that are not Ready.
type notReadyKey struct{ namespace, organization, reason, class string }

func collectDepartments(ch chan<- prometheus.Metric, depts []*v1alpha1.Department, now time.Time) {
	type group struct {
		count  int
		oldest time.Time
	}
	groups := map[notReadyKey]*group{}
	sizes := map[types.NamespacedName]int{}
	for _, d := range depts {
		sizes[organizationOf(d)]++
		cond := meta.FindStatusCondition(d.Status.Conditions, v1alpha1.ConditionReady)
		if cond != nil && cond.Status == metav1.ConditionTrue {
			continue
		}
		since, reason, status := d.CreationTimestamp.Time, "Unknown", metav1.ConditionUnknown
		if cond != nil {
			since, reason, status = cond.LastTransitionTime.Time, cond.Reason, cond.Status
		}
		key := notReadyKey{d.Namespace, d.Spec.OrganizationRef.Name, reason, rules.ClassOf(status, reason).String()}
		g := groups[key]
		if g == nil {
			g = &group{oldest: since}
			groups[key] = g
		}
		g.count++
		if since.Before(g.oldest) {
			g.oldest = since
		}
	}
	for org, n := range sizes {
		gauge(ch, departmentsDesc, float64(n), org.Namespace, org.Name)
	}
	for k, g := range groups {
		gauge(ch, departmentsNotReadyDesc, float64(g.count), k.namespace, k.organization, k.reason, k.class)
		gauge(ch, departmentsNotReadySecondsDesc, max(0, now.Sub(g.oldest).Seconds()), k.namespace, k.organization, k.reason, k.class)
	}
}

// heldOf is how many deletes are held now for the Organization with uid; false when this manager
// has not loaded its budget yet.
func (b *Budgets) heldOf(uid types.UID) (int, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	bud := b.byOrg[uid]
	if bud == nil || !bud.loaded {
		return 0, false
	}
	return len(bud.held), true
}

// gauge sends one gauge sample of desc.
func gauge(ch chan<- prometheus.Metric, desc *prometheus.Desc, value float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, value, labels...)
}
