package controller

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/provider"
)

func TestDecideOrganization(t *testing.T) {
	org := func(mutate ...func(*v1alpha1.Organization)) *v1alpha1.Organization {
		o := &v1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "acme", UID: "uid-acme", Generation: 2}}
		for _, m := range mutate {
			m(o)
		}
		return o
	}
	deleting := func(o *v1alpha1.Organization) { o.DeletionTimestamp = &metav1.Time{Time: time.Now()} }
	deletesRemote := func(o *v1alpha1.Organization) {
		o.Spec.DeletionPolicy = v1alpha1.DeletionPolicyDelete
		o.Status.OrganizationNo = "org-1"
	}
	ready := func(o *v1alpha1.Organization) {
		o.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, ObservedGeneration: 2}}
	}
	observeOnly := func(o *v1alpha1.Organization) { o.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve }
	listed := func(s *organizationSnapshot) *organizationSnapshot {
		s.conn, s.chart, s.nextListing = &provider.Connection{}, &chartSummary{}, time.Minute
		return s
	}
	conflict := notReady(v1alpha1.ReasonConflict, "Organization ns/older already manages it")
	transient := fmt.Errorf("%w: 503", provider.ErrTransient)

	cases := map[string]struct {
		s *organizationSnapshot
		// want is the Ready reason ("" with keep: the condition stays), wantConnected the
		// Connected one ("" with keepConnected).
		want, wantConnected string
		keep, keepConnected bool
		action              organizationAction
		message             string
	}{
		"paused: no remote call, Connected stays": {
			s: &organizationSnapshot{org: org(), paused: true}, want: v1alpha1.ReasonPaused, keepConnected: true,
			message: "no remote call is made for it or its Departments",
		},
		"a Kubernetes read failed: both retried": {
			s: &organizationSnapshot{org: org(), readErr: errors.New("cache")}, keep: true, keepConnected: true,
		},
		"another Organization keeps the chart: Conflict on both": {
			s: &organizationSnapshot{org: org(), conflict: &conflict}, want: v1alpha1.ReasonConflict, wantConnected: v1alpha1.ReasonConflict,
		},
		"no connection: credentials on both": {
			s:    &organizationSnapshot{org: org(), connErr: fmt.Errorf("%w: secret gone", provider.ErrCredentials)},
			want: v1alpha1.ReasonCredentialsInvalid, wantConnected: v1alpha1.ReasonCredentialsInvalid,
		},
		"the chart cannot be listed: RemoteError on both": {
			s:    &organizationSnapshot{org: org(), conn: &provider.Connection{}, listErr: transient},
			want: v1alpha1.ReasonRemoteError, wantConnected: v1alpha1.ReasonRemoteError,
		},
		"observed lately and Ready: nothing new": {
			s:    listed(&organizationSnapshot{org: org(ready), last: &observation{}}),
			keep: true, wantConnected: v1alpha1.ReasonSynced,
		},
		"observed lately, the status not Ready yet: Synced from the observation": {
			s:    listed(&organizationSnapshot{org: org(), last: &observation{observed: provider.OrganizationObservation{ID: "org-1"}}}),
			want: v1alpha1.ReasonSynced, wantConnected: v1alpha1.ReasonSynced, message: "organization org-1",
		},
		"the organization API fails: its Departments keep syncing": {
			s:    listed(&organizationSnapshot{org: org(), observeErr: transient}),
			want: v1alpha1.ReasonRemoteError, wantConnected: v1alpha1.ReasonSynced, message: "its Departments keep syncing",
		},
		"an answer that does not tell: RemoteError, nothing created": {
			s:    listed(&organizationSnapshot{org: org(), observeErr: fmt.Errorf("%w: 400 E999", provider.ErrInvalid)}),
			want: v1alpha1.ReasonRemoteError, wantConnected: v1alpha1.ReasonSynced, message: "does not tell whether",
		},
		"the Organizations endpoint refused before any request: InvalidSpec naming the field": {
			s: listed(&organizationSnapshot{org: org(), observeErr: provider.EndpointRefused(
				errors.New(`spec.huaweicloud.organizationsEndpoint: host "x" resolves to a loopback address`))}),
			want: v1alpha1.ReasonInvalidSpec, wantConnected: v1alpha1.ReasonSynced, message: "spec.huaweicloud.organizationsEndpoint: host",
		},
		"no organization, Observe: Drifted": {
			s:    listed(&organizationSnapshot{org: org(observeOnly)}),
			want: v1alpha1.ReasonDrifted, wantConnected: v1alpha1.ReasonSynced,
		},
		"no organization: create one": {
			s:      listed(&organizationSnapshot{org: org()}),
			action: orgActCreateRemote, wantConnected: v1alpha1.ReasonSynced,
		},
		"connected: Synced": {
			s:    listed(&organizationSnapshot{org: org(), observed: provider.OrganizationObservation{Exists: true, ID: "org-1"}}),
			want: v1alpha1.ReasonSynced, wantConnected: v1alpha1.ReasonSynced, message: "connected to NCP organization org-1",
		},
		"deleting, paused: the deletion waits": {
			s:    &organizationSnapshot{org: org(deleting), deleting: true, paused: true},
			want: v1alpha1.ReasonPaused, keepConnected: true, message: "the deletion waits",
		},
		"deleting with Departments: they are deleted first": {
			s: &organizationSnapshot{org: org(deleting), deleting: true, departments: []v1alpha1.Department{
				{ObjectMeta: metav1.ObjectMeta{Name: "eng"}}, {ObjectMeta: metav1.ObjectMeta{Name: "hq"}}}},
			want: v1alpha1.ReasonDeleting, keepConnected: true, action: orgActDeleteDepartments, message: "waiting for 2 Departments to be deleted: eng, hq",
		},
		"deleting, Orphan: released": {
			s:    &organizationSnapshot{org: org(deleting), deleting: true},
			keep: true, keepConnected: true, action: orgActRelease,
		},
		"deleting, Delete, the Secret gone: released, the remote organization left": {
			s:    &organizationSnapshot{org: org(deleting, deletesRemote), deleting: true, secretGone: true},
			keep: true, keepConnected: true, action: orgActRelease, message: "the credentials Secret is gone",
		},
		"deleting, Delete, no connection: reported": {
			s:    &organizationSnapshot{org: org(deleting, deletesRemote), deleting: true, connErr: transient},
			want: v1alpha1.ReasonRemoteError, keepConnected: true,
		},
		"deleting, Delete: the remote organization goes": {
			s:    &organizationSnapshot{org: org(deleting, deletesRemote), deleting: true, conn: &provider.Connection{}},
			keep: true, keepConnected: true, action: orgActDeleteRemote,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			d := decideOrganization(tc.s)
			if d.action != tc.action {
				t.Errorf("action %v, want %v", d.action, tc.action)
			}
			expectCondition(t, "Ready", d.ready, tc.want, tc.keep || tc.action == orgActCreateRemote)
			expectCondition(t, "Connected", d.connected, tc.wantConnected, tc.keepConnected)
			if got := d.ready.message + d.orphaned; !strings.Contains(got, tc.message) {
				t.Errorf("message %q, want it to contain %q", got, tc.message)
			}
		})
	}
}

// expectCondition checks that o reports reason, or keeps the condition when keep is set (or
// reports nothing, for a decision whose act reports).
func expectCondition(t *testing.T, condition string, o outcome, reason string, keep bool) {
	t.Helper()
	if keep && reason == "" {
		if !o.keepCondition && o.reason != "" {
			t.Errorf("%s %+v, want the condition kept", condition, o)
		}
		return
	}
	if o.reason != reason {
		t.Errorf("%s %+v, want %s", condition, o, reason)
	}
}

func TestHeldDeletionsOverrideReadyUnlessPaused(t *testing.T) {
	org := &v1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Name: "acme"}}
	held := &v1alpha1.DeletionStatus{Held: 3, Made: 20}
	if o := withHeldDeletions(org, held, synced("ok")); o.reason != v1alpha1.ReasonDeletionBudgetExceeded || o.result.RequeueAfter != time.Minute ||
		!strings.Contains(o.message, "orgsync.dev/approve-deletions=3") {
		t.Errorf("held: %+v", o)
	}
	if o := withHeldDeletions(org, held, notReady(v1alpha1.ReasonPaused, "paused")); o.reason != v1alpha1.ReasonPaused {
		t.Errorf("paused: %+v", o)
	}
	if o := withHeldDeletions(org, &v1alpha1.DeletionStatus{}, synced("ok")); o.reason != v1alpha1.ReasonSynced {
		t.Errorf("none held: %+v", o)
	}
}
