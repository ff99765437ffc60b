package main

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/controller"
	"github.com/orgsync/orgsync/internal/ncp/ncpfake"
	"github.com/orgsync/orgsync/internal/provider"
	ncpprovider "github.com/orgsync/orgsync/internal/provider/ncp"
	"github.com/orgsync/orgsync/internal/testenv"
)

// shardKey is the label the shards of the tests are cut by, as the README's example.
const shardKey = "sharding.orgsync.dev/key"

// parseScopeCase is one row of TestParseScope: the two flags and what parseScope makes of them.
type parseScopeCase struct {
	name                string
	namespaces, selects string
	wantNamespaces      []string
	wantSelector        string // "" : no selector (every object)
	wantErr             []string
}

// check runs parseScope on the row's flags and compares the scope, or the error, with the row's.
func (tc parseScopeCase) check(t *testing.T) {
	s, err := parseScope(tc.namespaces, tc.selects, true, "")
	if len(tc.wantErr) > 0 {
		tc.checkErr(t, err)
		return
	}
	if err != nil {
		t.Fatalf("parseScope(%q, %q): %v", tc.namespaces, tc.selects, err)
	}
	if !slices.Equal(s.namespaces, tc.wantNamespaces) {
		t.Errorf("namespaces %q, want %q", s.namespaces, tc.wantNamespaces)
	}
	switch {
	case tc.wantSelector == "" && s.selector != nil:
		t.Errorf("selector %q, want none (every object)", s.selector)
	case tc.wantSelector != "" && (s.selector == nil || s.selector.String() != tc.wantSelector):
		t.Errorf("selector %v, want %q", s.selector, tc.wantSelector)
	}
	if !s.watchSecrets {
		t.Error("watchSecrets lost")
	}
}

// checkErr wants err to contain every part of the row's wantErr.
func (tc parseScopeCase) checkErr(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("parseScope(%q, %q): no error, want one containing %q", tc.namespaces, tc.selects, tc.wantErr)
	}
	for _, want := range tc.wantErr {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("parseScope(%q, %q): error %q, want it to contain %q", tc.namespaces, tc.selects, err, want)
		}
	}
}

func TestParseScope(t *testing.T) {
	for _, tc := range []parseScopeCase{
		{name: "nothing set", wantNamespaces: nil},
		{name: "namespaces split on commas, trimmed, empty items dropped", namespaces: " team-a,team-b ,, team-c,", wantNamespaces: []string{"team-a", "team-b", "team-c"}},
		{name: "one namespace", namespaces: "orgsync-system", wantNamespaces: []string{"orgsync-system"}},
		{name: "only commas and spaces: every namespace", namespaces: " , ,", wantNamespaces: nil},
		{name: "upper case and underscore", namespaces: "team-a,Team_B", wantErr: []string{"--watch-namespaces=team-a,Team_B", `"Team_B" is not a namespace name`}},
		{name: "every bad namespace named", namespaces: "-a,ok,b.c", wantErr: []string{`"-a" is not a namespace name`, `"b.c" is not a namespace name`}},
		{name: "namespace longer than 63", namespaces: strings.Repeat("n", 64), wantErr: []string{"is not a namespace name", "63"}},
		{name: "one shard", selects: shardKey + "=shard1", wantSelector: shardKey + "=shard1"},
		{name: "set-based selector", selects: shardKey + " in (shard1,shard2)", wantSelector: shardKey + " in (shard1,shard2)"},
		{name: "objects without the shard label", selects: "!" + shardKey, wantSelector: "!" + shardKey},
		{name: "selector with namespaces", namespaces: "team-a", selects: shardKey + "=shard2", wantNamespaces: []string{"team-a"}, wantSelector: shardKey + "=shard2"},
		{name: "unterminated set", selects: shardKey + " in (shard1", wantErr: []string{"--watch-label-selector=" + shardKey + " in (shard1", "unable to parse requirement"}},
		{name: "no key", selects: "=shard1", wantErr: []string{"--watch-label-selector==shard1"}},
		{name: "two operators", selects: "a=b=c", wantErr: []string{"--watch-label-selector=a=b=c"}},
		{name: "leading comma", selects: ",", wantErr: []string{"--watch-label-selector=,"}},
		{name: "a value that is not a label value", selects: shardKey + "=shard 1", wantErr: []string{"--watch-label-selector="}},
		// labels.Parse(" ") is the selector that selects everything: refused, so that a shard's
		// manager misconfigured with a blank value does not take every shard's objects under a
		// Lease of its own, beside the other shards' leaders.
		{name: "blank selector selects everything", selects: " ", wantErr: []string{"--watch-label-selector= : selects everything; leave it empty instead"}},
		{name: "both flags wrong", namespaces: "A", selects: "a in (", wantErr: []string{"--watch-namespaces=A", "--watch-label-selector=a in ("}},
	} {
		t.Run(tc.name, tc.check)
	}

	// The empty flag and a selector that selects everything are not the same thing: the first is
	// every object under the default Lease, the second is refused.
	if s, err := parseScope("", "", false, ""); err != nil || s.selector != nil || s.watchSecrets {
		t.Errorf(`parseScope("", "", false, "") = %+v, %v; want no selector, no Secret watch, no error`, s, err)
	}
	s, err := parseScope("", shardKey+"=shard1", false, "")
	if err != nil {
		t.Fatal(err)
	}
	if !s.selector.Matches(labels.Set{shardKey: "shard1"}) || s.selector.Matches(labels.Set{shardKey: "shard2"}) || s.selector.Matches(labels.Set{}) {
		t.Errorf("selector %q matches the wrong objects", s.selector)
	}
}

func TestLeaderElectionID(t *testing.T) {
	id := func(namespaces, selector string) string {
		t.Helper()
		s, err := parseScope(namespaces, selector, false, "")
		if err != nil {
			t.Fatal(err)
		}
		return s.leaderElectionID()
	}
	if got := id("", ""); got != "orgsync.orgsync.dev" {
		t.Errorf("no selector: Lease %q, want orgsync.orgsync.dev", got)
	}
	if got := id("team-a", ""); got != "orgsync.orgsync.dev" {
		t.Errorf("namespaces without a selector: Lease %q, want orgsync.orgsync.dev", got)
	}

	shard1, shard2 := id("", shardKey+"=shard1"), id("", shardKey+"=shard2")
	// Pinned: a release that named a shard's Lease otherwise would, during a rolling update, run
	// the old and the new leader of one shard side by side.
	if shard1 != "orgsync-"+pinnedShard1Hash+".orgsync.dev" {
		t.Errorf("shard1: Lease %q changed (was orgsync-%s.orgsync.dev): old and new replicas would both lead", shard1, pinnedShard1Hash)
	}
	if shard1 == shard2 {
		t.Errorf("shard1 and shard2 share the Lease %q", shard1)
	}
	for _, other := range []string{shard2, id("", shardKey+"!=shard1"), id("", shardKey+" in (shard1)"), id("", "!"+shardKey), id("", "")} {
		if shard1 == other {
			t.Errorf("shard1's Lease %q is shared with another selector", shard1)
		}
	}
	// Stable: the same selector, parsed again or with its requirements in another order, names the
	// same Lease, so the replicas of one shard elect one leader.
	for range 3 {
		if got := id("", shardKey+"=shard1"); got != shard1 {
			t.Errorf("shard1 parsed again: Lease %q, want %q", got, shard1)
		}
	}
	if a, b := id("", "tier=gold,"+shardKey+"=shard1"), id("", shardKey+"=shard1, tier=gold"); a != b {
		t.Errorf("one selector written in two orders: Leases %q and %q", a, b)
	}
	if got := id("team-a,team-b", shardKey+"=shard1"); got != shard1 {
		t.Errorf("shard1 with --watch-namespaces: Lease %q, want %q", got, shard1)
	}

	idPattern := regexp.MustCompile(`^orgsync-[0-9a-f]{8}\.orgsync\.dev$`)
	for _, sel := range []string{shardKey + "=shard1", shardKey + "=" + strings.Repeat("x", 63), "a in (b,c),!d,e!=f"} {
		got := id("", sel)
		if !idPattern.MatchString(got) {
			t.Errorf("selector %q: Lease %q, want orgsync-<8 hex digits>.orgsync.dev", sel, got)
		}
		if problems := validation.IsDNS1123Subdomain(got); len(problems) > 0 {
			t.Errorf("selector %q: Lease %q is not a valid object name: %v", sel, got, problems)
		}
	}
}

// pinnedShard1Hash is the FNV-1a hash of "sharding.orgsync.dev/key=shard1".
const pinnedShard1Hash = "5335b0bd"

func TestScopeCacheOptions(t *testing.T) {
	s, err := parseScope("team-a,team-b", shardKey+"=shard1", true, "")
	if err != nil {
		t.Fatal(err)
	}
	o := s.cacheOptions()
	if got := slices.Sorted(maps.Keys(o.DefaultNamespaces)); !slices.Equal(got, []string{"team-a", "team-b"}) {
		t.Errorf("cached namespaces %q, want team-a and team-b", got)
	}
	if o.DefaultTransform == nil {
		t.Error("managed fields are cached")
	}
	byKind := map[string]string{}
	for obj, by := range o.ByObject {
		label := "<every object>"
		if by.Label != nil {
			label = by.Label.String()
		}
		byKind[fmt.Sprintf("%T", obj)] = label
	}
	want := map[string]string{
		"*v1.Secret":             v1alpha1.CredentialsLabel + "=true",
		"*v1alpha1.Organization": shardKey + "=shard1",
		"*v1alpha1.Department":   shardKey + "=shard1",
	}
	if !maps.Equal(byKind, want) {
		t.Errorf("cache by object %v, want %v", byKind, want)
	}

	all, err := parseScope("", "", false, "")
	if err != nil {
		t.Fatal(err)
	}
	o = all.cacheOptions()
	if o.DefaultNamespaces != nil || len(o.ByObject) != 1 {
		t.Errorf("no scope: namespaces %v and %d objects limited, want every namespace and Secrets only", o.DefaultNamespaces, len(o.ByObject))
	}
}

// recordingConnector is a provider.Connector that records the Organizations it is asked to
// connect before passing them on.
type recordingConnector struct {
	provider.Connector
	mu        sync.Mutex
	connected map[string]int // namespace/name: Connect calls
}

func (r *recordingConnector) Connect(ctx context.Context, org *v1alpha1.Organization, credentials map[string][]byte) (*provider.Connection, error) {
	r.mu.Lock()
	r.connected[org.Namespace+"/"+org.Name]++
	r.mu.Unlock()
	return r.Connector.Connect(ctx, org, credentials)
}

func (r *recordingConnector) organizations() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.connected)
}

// shard is one manager of the sharding test: its scope, its manager and what it connected.
type shard struct {
	name     string
	scope    scope
	mgr      ctrl.Manager
	recorder *recordingConnector
}

// startShard starts a manager built as main builds it for the scope of the flags given, with
// leader election in leaseNamespace and an NCP connector to the fake at ncpURL that records what
// it connects.
func startShard(ctx context.Context, t *testing.T, cfg *rest.Config, scheme *runtime.Scheme, leaseNamespace, ncpURL, name, selector string, watchSecrets bool) *shard {
	t.Helper()
	s, err := parseScope("", selector, watchSecrets, leaseNamespace)
	if err != nil {
		t.Fatal(err)
	}
	leaseDuration, renewDeadline, retryPeriod := 8*time.Second, 6*time.Second, 500*time.Millisecond
	skipNameValidation := true
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                        scheme,
		Metrics:                       metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress:        "0",
		Cache:                         s.cacheOptions(),
		LeaderElection:                true,
		LeaderElectionID:              s.leaderElectionID(),
		LeaderElectionNamespace:       leaseNamespace,
		LeaseDuration:                 &leaseDuration,
		RenewDeadline:                 &renewDeadline,
		RetryPeriod:                   &retryPeriod,
		LeaderElectionReleaseOnCancel: true,
		// Two managers in one process register controllers of the same names; main runs one.
		Controller: config.Controller{SkipNameValidation: &skipNameValidation},
	})
	if err != nil {
		t.Fatalf("%s: creating the manager: %v", name, err)
	}
	recorder := &recordingConnector{
		Connector: ncpprovider.NewConnector(ncpprovider.Options{
			WorkplaceEndpoint:    ncpURL,
			OrganizationEndpoint: ncpURL,
			ClientOptions:        provider.ClientOptions{QPS: 500, Burst: 100, RequestTimeout: 5 * time.Second, MaxRetryDuration: 5 * time.Second},
		}),
		connected: map[string]int{},
	}
	if err := controller.Setup(ctx, mgr, controller.Options{
		Connector:              provider.Mux{v1alpha1.ProviderNCP: recorder},
		WatchCredentialSecrets: s.watchSecrets,
	}); err != nil {
		t.Fatalf("%s: setting up the controllers: %v", name, err)
	}
	running := testenv.Run(ctx, mgr)
	t.Cleanup(func() {
		if err := running.Stop(); err != nil {
			t.Errorf("%s: the manager stopped with %v", name, err)
		}
	})
	return &shard{name: name, scope: s, mgr: mgr, recorder: recorder}
}

// readyReason reads obj again and returns the status and reason of its Ready condition, both
// empty when it has none.
func readyReason(ctx context.Context, c client.Client, obj client.Object) (status, reason string, err error) {
	if err := c.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
		return "", "", err
	}
	var conds []metav1.Condition
	switch o := obj.(type) {
	case *v1alpha1.Organization:
		conds = o.Status.Conditions
	case *v1alpha1.Department:
		conds = o.Status.Conditions
	}
	if c := meta.FindStatusCondition(conds, v1alpha1.ConditionReady); c != nil {
		return string(c.Status), c.Reason, nil
	}
	return "", "", nil
}

// TestShards runs two managers, shard1 and shard2, against one API server, as two Deployments with
// --leader-elect --watch-label-selector=sharding.orgsync.dev/key=shardN would: each reconciles the
// Organizations and Departments of its shard, connects only those, holds a Lease of its own, and
// neither touches an object of no shard. shard1 also watches credentials Secrets, and its cache
// holds only the labelled ones (issue 10, items 2 and 3).
func TestShards(t *testing.T) {
	assets := testenv.AssetsOrSkip(t)
	logs := &testenv.LogBuffer{}
	ctrl.SetLogger(zap.New(zap.WriteTo(logs)))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("end of the managers' logs:\n%s", logs.Tail(20000))
		}
	})
	cp := testenv.StartOrSkip(t, testenv.Options{Assets: assets})
	cfg, scheme, k8s := cp.Admin, cp.Scheme, cp.Client
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	const leaseNamespace, ns = "orgsync-system", "tenants"
	if err := testenv.CreateNamespaces(ctx, k8s, leaseNamespace, ns); err != nil {
		t.Fatal(err)
	}

	fake := ncpfake.NewServer(ncpfake.Options{})
	t.Cleanup(fake.Close)

	shards := []*shard{
		startShard(ctx, t, cfg, scheme, leaseNamespace, fake.URL(), "shard1", shardKey+"=shard1", true),
		startShard(ctx, t, cfg, scheme, leaseNamespace, fake.URL(), "shard2", shardKey+"=shard2", false),
	}
	waitElected(t, shards)

	// Five tenants, each its own NCP account and company, Secret, Organization and Department:
	// two per shard and one of no shard. Half of the Secrets carry the credentials label; the
	// others are read with a get all the same.
	tenants := []shardTenant{{"alpha", "shard1"}, {"bravo", "shard1"}, {"charlie", "shard2"}, {"delta", "shard2"}, {"echo", ""}}
	labelledSecrets := map[string]bool{"creds-alpha": true, "creds-charlie": true}
	var unsharded time.Time
	for _, tn := range tenants {
		createTenant(ctx, t, k8s, fake, ns, tn, labelledSecrets)
		if tn.shard == "" {
			unsharded = time.Now()
		}
	}

	// Every Organization and Department of a shard converges (Ready, for its generation), Synced.
	converging, stopConverging := context.WithTimeout(ctx, 30*time.Second)
	defer stopConverging()
	for _, tn := range tenants {
		if tn.shard != "" {
			checkTenantConverges(converging, t, k8s, fake, ns, tn)
		}
	}

	// The Organization of no shard: give the managers a few seconds since it was created.
	if wait := 3*time.Second - time.Since(unsharded); wait > 0 {
		time.Sleep(wait)
	}
	checkNoShardUntouched(ctx, t, k8s, fake, ns)

	// Each Organization connected by its shard's manager, and never by the other.
	for _, s := range shards {
		checkShardConnections(t, s, ns, tenants)
	}

	// One Lease per shard, each held, by different managers.
	checkOneLeasePerShard(ctx, t, k8s, leaseNamespace, shards)

	t.Run("shard1's cache holds its own Organizations and only labelled Secrets", func(t *testing.T) {
		checkShardCache(ctx, t, shards[0], ns)
	})
}

// shardTenant is one tenant of TestShards and the shard it belongs to ("" : none).
type shardTenant struct{ name, shard string }

// waitElected waits, 20s in all, until every shard's manager leads its Lease.
func waitElected(t *testing.T, shards []*shard) {
	t.Helper()
	elected := time.After(20 * time.Second)
	for _, s := range shards {
		select {
		case <-s.mgr.Elected():
		case <-elected:
			t.Fatalf("%s did not become the leader of its Lease %s in 20s", s.name, s.scope.leaderElectionID())
		}
	}
}

// createTenant gives the tenant an NCP account and company, and creates its Secret (labelled
// when labelledSecrets names it), Organization and Department with the tenant's shard label.
func createTenant(ctx context.Context, t *testing.T, k8s client.Client, fake *ncpfake.Server, ns string, tn shardTenant, labelledSecrets map[string]bool) {
	t.Helper()
	accessKey, secretKey, company := "AK-"+tn.name, "SK-"+tn.name, "company-"+tn.name
	fake.AddAccount(accessKey, secretKey)
	fake.AddCompany(company)
	var shardLabels map[string]string
	if tn.shard != "" {
		shardLabels = map[string]string{shardKey: tn.shard}
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "creds-" + tn.name},
		StringData: map[string]string{v1alpha1.SecretKeyAccessKey: accessKey, v1alpha1.SecretKeySecretKey: secretKey},
	}
	if labelledSecrets[secret.Name] {
		secret.Labels = map[string]string{v1alpha1.CredentialsLabel: "true"}
	}
	org := &v1alpha1.Organization{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: tn.name, Labels: shardLabels},
		Spec: v1alpha1.OrganizationSpec{
			CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: secret.Name},
			Workplace:            v1alpha1.WorkplaceSpec{CompanyID: company},
		},
	}
	dept := &v1alpha1.Department{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "dept-" + tn.name, Labels: shardLabels},
		Spec: v1alpha1.DepartmentSpec{
			OrganizationRef: v1alpha1.LocalObjectReference{Name: org.Name},
			Name:            "Department of " + tn.name,
		},
	}
	for _, obj := range []client.Object{secret, org, dept} {
		if err := k8s.Create(ctx, obj); err != nil {
			t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
		}
	}
}

// checkTenantConverges wants the tenant's Organization and Department Ready for their generation
// with reason Synced, and its department in its company at the fake.
func checkTenantConverges(ctx context.Context, t *testing.T, k8s client.Client, fake *ncpfake.Server, ns string, tn shardTenant) {
	t.Helper()
	for _, obj := range []testenv.Object{
		&v1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: tn.name}},
		&v1alpha1.Department{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "dept-" + tn.name}},
	} {
		if err := testenv.WaitConverged(ctx, k8s, obj, nil); err != nil {
			t.Fatalf("shard %s: %v", tn.shard, err)
		}
		if reason := testenv.Reason(obj); reason != v1alpha1.ReasonSynced {
			t.Fatalf("%T %s of %s: Ready with reason %q, want Synced", obj, obj.GetName(), tn.shard, reason)
		}
	}
	found := false
	for _, d := range fake.Departments("company-" + tn.name) {
		found = found || d.ExternalKey == "dept-"+tn.name
	}
	if !found {
		t.Errorf("company-%s holds no department dept-%s", tn.name, tn.name)
	}
}

// checkNoShardUntouched wants the tenant of no shard, echo, reconciled by neither manager: no
// Ready condition, and its credentials never used.
func checkNoShardUntouched(ctx context.Context, t *testing.T, k8s client.Client, fake *ncpfake.Server, ns string) {
	t.Helper()
	for _, obj := range []client.Object{
		&v1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "echo"}},
		&v1alpha1.Department{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "dept-echo"}},
	} {
		if status, reason, err := readyReason(ctx, k8s, obj); err != nil || status != "" {
			t.Errorf("%T %s of no shard: Ready %q, reason %q (%v); want no Ready condition, reconciled by neither shard", obj, obj.GetName(), status, reason, err)
		}
	}
	for _, r := range fake.Requests() {
		if r.AccessKey == "AK-echo" {
			t.Errorf("the credentials of the Organization of no shard were used: %s %s", r.Method, r.Path)
		}
	}
}

// checkShardConnections wants s to have connected each Organization of its shard and none other.
func checkShardConnections(t *testing.T, s *shard, ns string, tenants []shardTenant) {
	t.Helper()
	connected := s.recorder.organizations()
	t.Logf("%s (Lease %s) connected %v", s.name, s.scope.leaderElectionID(), connected)
	for _, tn := range tenants {
		key := ns + "/" + tn.name
		switch n := connected[key]; {
		case tn.shard == s.name && n == 0:
			t.Errorf("%s never connected its Organization %s", s.name, key)
		case tn.shard != s.name && n > 0:
			t.Errorf("%s connected %s, an Organization of shard %q, %d times", s.name, key, tn.shard, n)
		}
	}
	if len(connected) != 2 {
		t.Errorf("%s connected %d Organizations, want its 2", s.name, len(connected))
	}
}

// checkOneLeasePerShard wants one Lease per shard in leaseNamespace, each held, by different
// managers.
func checkOneLeasePerShard(ctx context.Context, t *testing.T, k8s client.Client, leaseNamespace string, shards []*shard) {
	t.Helper()
	leases := &coordinationv1.LeaseList{}
	if err := k8s.List(ctx, leases, client.InNamespace(leaseNamespace)); err != nil {
		t.Fatal(err)
	}
	holders := map[string]string{}
	for _, l := range leases.Items {
		holder := ""
		if l.Spec.HolderIdentity != nil {
			holder = *l.Spec.HolderIdentity
		}
		holders[l.Name] = holder
	}
	for _, s := range shards {
		id := s.scope.leaderElectionID()
		holder, ok := holders[id]
		switch {
		case !ok:
			t.Errorf("%s: no Lease %s in %s (Leases: %v)", s.name, id, leaseNamespace, holders)
		case holder == "":
			t.Errorf("%s: Lease %s is held by no one", s.name, id)
		}
	}
	if len(holders) != 2 || holders[shards[0].scope.leaderElectionID()] == holders[shards[1].scope.leaderElectionID()] {
		t.Errorf("Leases and holders %v, want two Leases held by two managers", holders)
	}
}

// checkShardCache wants the cache of s (shard1, which watches credentials Secrets) to hold its
// own Organizations alpha and bravo, and of the Secrets only the labelled ones.
func checkShardCache(ctx context.Context, t *testing.T, s *shard, ns string) {
	cache := s.mgr.GetCache()
	orgs := &v1alpha1.OrganizationList{}
	if err := cache.List(ctx, orgs, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range orgs.Items {
		names = append(names, o.Name)
	}
	if slices.Sort(names); !slices.Equal(names, []string{"alpha", "bravo"}) {
		t.Errorf("Organizations in shard1's cache: %v, want alpha and bravo", names)
	}

	secrets := cachedSecrets(ctx, t, cache, ns, []string{"creds-alpha", "creds-charlie"})
	if !slices.Equal(secrets, []string{"creds-alpha", "creds-charlie"}) {
		t.Errorf("Secrets in the cache of a manager watching credentials Secrets: %v, want only the labelled creds-alpha and creds-charlie", secrets)
	}
	plain := &metav1.PartialObjectMetadata{}
	plain.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	if err := cache.Get(ctx, types.NamespacedName{Namespace: ns, Name: "creds-bravo"}, plain); !apierrors.IsNotFound(err) {
		t.Errorf("the unlabelled Secret creds-bravo through the cache: %v, want not found", err)
	}
}

// cachedSecrets lists the names of the Secrets in ns through cache, sorted, up to 25 times 200ms
// apart until they are want, and returns the last list.
func cachedSecrets(ctx context.Context, t *testing.T, cache client.Reader, ns string, want []string) []string {
	t.Helper()
	var secrets []string
	for range 25 {
		list := &metav1.PartialObjectMetadataList{}
		list.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("SecretList"))
		if err := cache.List(ctx, list, client.InNamespace(ns)); err != nil {
			t.Fatal(err)
		}
		secrets = secrets[:0]
		for _, s := range list.Items {
			secrets = append(secrets, s.Name)
		}
		if slices.Sort(secrets); slices.Equal(secrets, want) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	return secrets
}

func TestParseScopeRefusesABadLeaseNamespace(t *testing.T) {
	if _, err := parseScope("", "", false, "orgsync-system"); err != nil {
		t.Fatalf("a valid Lease namespace refused: %v", err)
	}
	_, err := parseScope("", "", false, "Orgsync_System")
	if err == nil || !strings.Contains(err.Error(), "--leader-elect-resource-namespace=Orgsync_System") {
		t.Fatalf("error %v, want one naming --leader-elect-resource-namespace", err)
	}
}
