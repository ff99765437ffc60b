package controller

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/orgsync/orgsync/api/v1alpha1"
	rules "github.com/orgsync/orgsync/internal/decision"
	"github.com/orgsync/orgsync/internal/inventory"
	"github.com/orgsync/orgsync/internal/provider"
)

// collectorFunc makes a collector of one collect function, for testutil.
type collectorFunc func(ch chan<- prometheus.Metric)

func (f collectorFunc) Describe(ch chan<- *prometheus.Desc) { prometheus.DescribeByCollect(f, ch) }
func (f collectorFunc) Collect(ch chan<- prometheus.Metric) { f(ch) }

func department(name, org string, created time.Time, cond *metav1.Condition) *v1alpha1.Department {
	d := &v1alpha1.Department{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: name, CreationTimestamp: metav1.NewTime(created)}}
	d.Spec.OrganizationRef.Name = org
	if cond != nil {
		cond.Type = v1alpha1.ConditionReady
		d.Status.Conditions = []metav1.Condition{*cond}
	}
	return d
}

func TestDepartmentStateMetrics(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	ago := func(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d)) }
	depts := []*v1alpha1.Department{
		department("ready", "acme", now.Add(-time.Hour), &metav1.Condition{Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonSynced, LastTransitionTime: ago(time.Hour)}),
		department("orphan-1", "acme", now.Add(-time.Hour), &metav1.Condition{Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonWaitingForParent, LastTransitionTime: ago(10 * time.Minute)}),
		department("orphan-2", "acme", now.Add(-time.Hour), &metav1.Condition{Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonWaitingForParent, LastTransitionTime: ago(30 * time.Minute)}),
		department("held", "acme", now.Add(-time.Hour), &metav1.Condition{Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonDeletionBudgetExceeded, LastTransitionTime: ago(time.Minute)}),
		department("new", "other", now.Add(-2*time.Minute), nil),
	}
	want := `
# HELP orgsync_departments Departments of the Organization in this manager's cache: the chart size its memory grows with (docs/operations.md#memory).
# TYPE orgsync_departments gauge
orgsync_departments{organization="acme",organization_namespace="team-a"} 4
orgsync_departments{organization="other",organization_namespace="team-a"} 1
# HELP orgsync_departments_not_ready Departments whose Ready condition is not True, by Organization, reason (Unknown before the first status) and class (Progressing, Suspended, Failing).
# TYPE orgsync_departments_not_ready gauge
orgsync_departments_not_ready{class="Progressing",organization="acme",organization_namespace="team-a",reason="WaitingForParent"} 2
orgsync_departments_not_ready{class="Progressing",organization="other",organization_namespace="team-a",reason="Unknown"} 1
orgsync_departments_not_ready{class="Suspended",organization="acme",organization_namespace="team-a",reason="DeletionBudgetExceeded"} 1
# HELP orgsync_departments_not_ready_max_age_seconds How long the Department that has been not Ready longest has been so (since its Ready condition last changed, or since it was created), by Organization, reason and class.
# TYPE orgsync_departments_not_ready_max_age_seconds gauge
orgsync_departments_not_ready_max_age_seconds{class="Progressing",organization="acme",organization_namespace="team-a",reason="WaitingForParent"} 1800
orgsync_departments_not_ready_max_age_seconds{class="Progressing",organization="other",organization_namespace="team-a",reason="Unknown"} 120
orgsync_departments_not_ready_max_age_seconds{class="Suspended",organization="acme",organization_namespace="team-a",reason="DeletionBudgetExceeded"} 60
`
	c := collectorFunc(func(ch chan<- prometheus.Metric) { collectDepartments(ch, depts, now) })
	if err := testutil.CollectAndCompare(c, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}

func TestOrganizationStateMetrics(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	org := func(name string, uid types.UID, reason string, status metav1.ConditionStatus) v1alpha1.Organization {
		o := v1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: name, UID: uid}}
		o.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: status, Reason: reason}}
		return o
	}
	acme := org("acme", "uid-acme", v1alpha1.ReasonSynced, metav1.ConditionTrue)
	acme.Spec.SyncPeriod = &metav1.Duration{Duration: 5 * time.Minute}
	acme.Status.Deletions = &v1alpha1.DeletionStatus{Held: 7} // the manager's own count wins once loaded
	refused := org("refused", "uid-refused", v1alpha1.ReasonCredentialsInvalid, metav1.ConditionFalse)
	refused.Status.Deletions = &v1alpha1.DeletionStatus{Held: 2}

	budgets := NewBudgets()
	budgets.load(acme.UID, rules.Budget{})
	budgets.reserve(&acme, "k1", now) // within the budget: not held
	inventories := inventory.NewInventories()
	m := newStateMetrics(nil, inventories, budgets, 10*time.Minute)
	want := `
# HELP orgsync_deletions_held Remote deletes of the Organization's departments held now by its deletion budget, waiting for orgsync.dev/approve-deletions or the next window.
# TYPE orgsync_deletions_held gauge
orgsync_deletions_held{organization="acme",organization_namespace="team-a"} 0
orgsync_deletions_held{organization="refused",organization_namespace="team-a"} 2
# HELP orgsync_organization_ready 1 when the Organization's Ready condition is True, 0 otherwise; reason is the condition's (Unknown before the first status).
# TYPE orgsync_organization_ready gauge
orgsync_organization_ready{organization="acme",organization_namespace="team-a",reason="Synced"} 1
orgsync_organization_ready{organization="refused",organization_namespace="team-a",reason="CredentialsInvalid"} 0
# HELP orgsync_remote_chart_listed_timestamp_seconds When this manager last listed the Organization's remote chart completely (Unix time); before its first complete listing, when this manager first reported the Organization.
# TYPE orgsync_remote_chart_listed_timestamp_seconds gauge
orgsync_remote_chart_listed_timestamp_seconds{organization="acme",organization_namespace="team-a"} 1.8e+09
orgsync_remote_chart_listed_timestamp_seconds{organization="refused",organization_namespace="team-a"} 1.8e+09
# HELP orgsync_sync_period_seconds The Organization's sync period: how often its remote chart is listed (spec.syncPeriod, or the manager's --sync-period).
# TYPE orgsync_sync_period_seconds gauge
orgsync_sync_period_seconds{organization="acme",organization_namespace="team-a"} 300
orgsync_sync_period_seconds{organization="refused",organization_namespace="team-a"} 600
`
	orgs := []v1alpha1.Organization{acme, refused}
	c := collectorFunc(func(ch chan<- prometheus.Metric) { m.collectOrganizations(ch, orgs, now) })
	if err := testutil.CollectAndCompare(c, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	// Never listed: the time it was first reported, not the time of each scrape.
	later := now.Add(time.Hour)
	if got := m.listedAt("uid-refused", later); !got.Equal(now) {
		t.Errorf("never listed, scraped again an hour later: listed at %v, want the first report %v", got, now)
	}
	// Listed: the time of the listing.
	before := time.Now()
	inv := inventories.Of("uid-refused", "team-a", "refused")
	if err := inv.ListedSince(context.Background(), time.Time{}, nil, func(context.Context) ([]provider.Department, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	if got := m.listedAt("uid-refused", later); got.Before(before) || got.After(time.Now()) {
		t.Errorf("listed at %v, want the listing's time, after %v", got, before)
	}
	m.collectOrganizations(make(chan prometheus.Metric, 100), orgs[:1], later)
	m.listedAt("uid-acme", now) // acme, never listed, is remembered from here on
	m.collectOrganizations(make(chan prometheus.Metric, 100), orgs[1:], later)
	if _, kept := m.firstSeen["uid-acme"]; kept {
		t.Error("an Organization gone is still remembered")
	}
}
