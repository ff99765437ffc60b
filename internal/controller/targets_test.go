package controller

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

func TestTenantURLNormalisesSpellingsOfOneTenant(t *testing.T) {
	cases := map[string]struct {
		spellings []string
		want      string
	}{
		"a bare host, case, a trailing slash and the default port": {
			spellings: []string{"acme.example.com", "https://ACME.example.com/", "https://acme.example.com:443", "HTTPS://Acme.Example.Com:443//", "acme.example.com.", "acme.example.com:443"},
			want:      "https://acme.example.com",
		},
		"http with its default port": {
			spellings: []string{"http://127.0.0.1:80/", "HTTP://127.0.0.1"},
			want:      "http://127.0.0.1",
		},
		"another port is kept": {
			spellings: []string{"http://LOCALHOST:8080/", "http://localhost:8080//"},
			want:      "http://localhost:8080",
		},
		"a port with leading zeros is the port the dialer reads": {
			spellings: []string{"acme.example.com:0443", "https://acme.example.com:000443/"},
			want:      "https://acme.example.com",
		},
		"a base path keeps its case, not its trailing slash or dot segments": {
			spellings: []string{"https://gw.example.com/OneAccess/", "gw.example.com/OneAccess", "https://gw.example.com/x/../OneAccess/."},
			want:      "https://gw.example.com/OneAccess",
		},
		"an IPv6 host": {
			spellings: []string{"https://[::1]:443/", "[::1]"},
			want:      "https://[::1]",
		},
		"user information, query and fragment do not make another tenant": {
			spellings: []string{"https://someone@acme.example.com/?x=1#top"},
			want:      "https://acme.example.com",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			for _, s := range tc.spellings {
				if got := tenantURL(s); got != tc.want {
					t.Errorf("tenantURL(%q) = %q, want %q", s, got, tc.want)
				}
			}
		})
	}
}

func TestRemoteTargetTellsTargetsApart(t *testing.T) {
	huawei := func(domain string) *v1alpha1.Organization {
		return &v1alpha1.Organization{Spec: v1alpha1.OrganizationSpec{Provider: v1alpha1.ProviderHuaweiCloud, HuaweiCloud: &v1alpha1.HuaweiCloudSpec{OneAccessDomain: domain}}}
	}
	ncp := func(site v1alpha1.Site, company string) *v1alpha1.Organization {
		return &v1alpha1.Organization{Spec: v1alpha1.OrganizationSpec{Site: site, Workplace: v1alpha1.WorkplaceSpec{CompanyID: company}}}
	}
	same := [][2]*v1alpha1.Organization{
		{huawei("acme.example.com"), huawei("https://ACME.example.com:443/")},
		{ncp("", "c1798784"), ncp("public", "c1798784")},
	}
	for _, p := range same {
		if a, b := remoteTarget(p[0]), remoteTarget(p[1]); a != b {
			t.Errorf("%q and %q should be one target", a, b)
		}
	}
	different := [][2]*v1alpha1.Organization{
		{huawei("acme.example.com"), huawei("acme.example.com:8443")},
		{huawei("acme.example.com"), huawei("http://acme.example.com")},
		{huawei("acme.example.com"), huawei("other.example.com")},
		// The companyId is an opaque key, compared exactly; each site is its own service.
		{ncp("public", "c1798784"), ncp("public", "C1798784")},
		{ncp("public", "c1798784"), ncp("fin", "c1798784")},
	}
	for _, p := range different {
		if a, b := remoteTarget(p[0]), remoteTarget(p[1]); a == b {
			t.Errorf("%q should be two targets", a)
		}
	}
	if got := remoteTarget(huawei("https://ACME.example.com:443/")); got != "Huawei Cloud OneAccess tenant https://acme.example.com" {
		t.Errorf("remoteTarget = %q", got)
	}
}

// targetConflictCase is an Organization, the others claiming its target, the manager's record
// of who holds it, and what targetConflict must say.
type targetConflictCase struct {
	org    v1alpha1.Organization
	others []v1alpha1.Organization
	// record names the holder the manager recorded ("" none) by namespace/name; gone says it no
	// longer exists.
	record string
	gone   bool
	// holder is the Organization the message names, "" for one from another namespace, of which
	// the message says only that the chart is unavailable; conflict false means org may go on.
	conflict bool
	holder   string
}

// conflictEpoch is the creation time the claimants of TestTargetConflict count from.
var conflictEpoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// claimant is an Organization of company-1 in namespace, created that long after conflictEpoch.
func claimant(namespace, name string, created time.Duration, mutate ...func(*v1alpha1.Organization)) v1alpha1.Organization {
	o := v1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{
		Namespace: namespace, Name: name, UID: types.UID(namespace + "/" + name),
		CreationTimestamp: metav1.NewTime(conflictEpoch.Add(created)),
	}, Spec: v1alpha1.OrganizationSpec{Workplace: v1alpha1.WorkplaceSpec{CompanyID: "company-1"}}}
	for _, m := range mutate {
		m(&o)
	}
	return o
}

func TestTargetConflict(t *testing.T) {
	// What status says, which anyone allowed to write it could set, changes nothing.
	statusSaysHolding := func(o *v1alpha1.Organization) {
		o.Status.Inventory = &v1alpha1.InventoryStatus{}
		o.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionConnected, Status: metav1.ConditionTrue}}
	}
	deleting := func(o *v1alpha1.Organization) { o.DeletionTimestamp = &metav1.Time{Time: conflictEpoch.Add(time.Hour)} }

	cases := map[string]targetConflictCase{
		"alone": {
			org: claimant("a", "acme", 0),
		},
		"the recorded holder": {
			org: claimant("a", "acme", time.Hour), others: []v1alpha1.Organization{claimant("a", "first", 0)}, record: "a/acme",
		},
		"a holder in another namespace keeps the chart against an older newcomer, unnamed": {
			org:      claimant("a", "acme", 0),
			others:   []v1alpha1.Organization{claimant("b", "payroll", time.Hour)},
			record:   "b/payroll",
			conflict: true,
		},
		"a status that claims the chart takes nothing from the recorded holder": {
			org:      claimant("a", "acme", 0, statusSaysHolding),
			others:   []v1alpha1.Organization{claimant("b", "payroll", time.Hour)},
			record:   "b/payroll",
			conflict: true,
		},
		"an older Organization of another namespace that holds nothing does not block": {
			org:    claimant("b", "payroll", time.Hour),
			others: []v1alpha1.Organization{claimant("a", "acme", 0, statusSaysHolding)},
		},
		"one namespace: the older blocks the newer, named, while no one holds the chart": {
			org:      claimant("a", "second", time.Hour),
			others:   []v1alpha1.Organization{claimant("a", "first", 0)},
			conflict: true, holder: "a/first",
		},
		"one namespace: first by name when created the same second": {
			org:      claimant("a", "second", 0),
			others:   []v1alpha1.Organization{claimant("a", "first", 0)},
			conflict: true, holder: "a/first",
		},
		"one namespace: an older one being deleted does not block": {
			org:    claimant("a", "second", time.Hour),
			others: []v1alpha1.Organization{claimant("a", "first", 0, deleting)},
		},
		"one namespace: the holder keeps the chart against an older one, named": {
			org:      claimant("a", "first", 0),
			others:   []v1alpha1.Organization{claimant("a", "second", time.Hour)},
			record:   "a/second",
			conflict: true, holder: "a/second",
		},
		"a holder being deleted keeps the chart until it is gone": {
			org:      claimant("a", "acme", time.Hour),
			others:   []v1alpha1.Organization{claimant("b", "payroll", 0, deleting)},
			record:   "b/payroll",
			conflict: true,
		},
		"a holder that is gone holds nothing": {
			org:    claimant("a", "acme", time.Hour),
			record: "b/payroll", gone: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) { checkTargetConflict(t, tc) })
	}
}

// checkTargetConflict runs targetConflict for tc.org among tc.others and checks the outcome and
// what its message names.
func checkTargetConflict(t *testing.T, tc targetConflictCase) {
	t.Helper()
	claimants := append([]v1alpha1.Organization{tc.org}, tc.others...)
	var rec *v1alpha1.RemoteTarget
	if ns, name, ok := strings.Cut(tc.record, "/"); ok {
		rec = &v1alpha1.RemoteTarget{Spec: v1alpha1.RemoteTargetSpec{Holder: v1alpha1.TargetHolder{Namespace: ns, Name: name, UID: types.UID(tc.record)}}}
	}
	o, conflict := targetConflict(&tc.org, rec, tc.gone, claimants)
	if conflict != tc.conflict {
		t.Fatalf("conflict = %v (%q), want %v", conflict, o.message, tc.conflict)
	}
	if !conflict {
		return
	}
	if o.reason != v1alpha1.ReasonConflict || !strings.Contains(o.message, "NCP WORKPLACE company company-1 (site public)") {
		t.Errorf("outcome = %s %q", o.reason, o.message)
	}
	if tc.holder != "" {
		if !strings.Contains(o.message, "Organization "+tc.holder+" ") {
			t.Errorf("message %q does not name %s", o.message, tc.holder)
		}
		return
	}
	if want := "NCP WORKPLACE company company-1 (site public) is unavailable to this Organization"; o.message != want {
		t.Errorf("message %q, want only %q", o.message, want)
	}
}
