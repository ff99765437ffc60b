package main

// The harness: a control plane, the fake clouds and orgsync's manager in one test process, for
// tests that run a command of the plugin against a remote chart and then watch the manager
// reconcile what it printed (export's round trip, plan's comparison with the fake's log).
//
//	h := startHarness(t)                                  // skips without bin/k8s
//	org, chart := h.newOrganization(ctx, t, "orgs", "acme", v1alpha1.ProviderNCP)
//	chart.seed(t, generatedChart(1000, v1alpha1.ProviderNCP))
//	h.relist(ctx, t, org)                                 // the manager lists the seeded chart
//	code, out, errOut := runPlugin(append([]string{"export", "acme", "-n", "orgs",
//	    "--kubeconfig", h.admin}, h.remoteFlags()...)...)
//	... create the objects ...
//	h.waitReady(ctx, t, org, 1000)
//	writes := chart.writes()                              // department creates, updates, deletes
//
// Beside it: runPlan runs `kubectl orgsync plan` in process, and apply stores Departments as
// kubectl apply would (manifestOf is one as a person writes it).

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/controller"
	"github.com/orgsync/orgsync/internal/fakeserver"
	"github.com/orgsync/orgsync/internal/huaweicloud/huaweifake"
	"github.com/orgsync/orgsync/internal/ncp/ncpfake"
	"github.com/orgsync/orgsync/internal/provider"
	"github.com/orgsync/orgsync/internal/testenv"
)

// controlPlane is testenv's control plane as the plugin's tests use it: a client (of the built-in
// kinds and orgsync's) and kubeconfig files for its users.
type controlPlane struct {
	client client.Client
	// kubeconfig writes a kubeconfig file for a user in groups and returns its path.
	kubeconfig func(name string, groups ...string) string
	cp         *testenv.ControlPlane
}

// startControlPlane starts a control plane with orgsync's CRDs for the test, or skips the test
// when bin/k8s is not built.
func startControlPlane(t *testing.T) controlPlane {
	t.Helper()
	ctrl.SetLogger(zap.New(zap.WriteTo(io.Discard)))
	cp := testenv.StartOrSkip(t, testenv.Options{})
	return controlPlane{client: cp.Client, cp: cp, kubeconfig: func(name string, groups ...string) string {
		path, err := cp.Kubeconfig(t.TempDir(), name, groups...)
		if err != nil {
			t.Fatal(err)
		}
		return path
	}}
}

// harness is a control plane with orgsync's CRDs (its client knows the built-in kinds too), the
// fake NCP, and orgsync's manager running in-process against both (Huawei Cloud tenants are
// started per Organization, see newOrganization). Everything stops when the test ends.
type harness struct {
	controlPlane
	// admin is the path of a kubeconfig file of a cluster admin, for --kubeconfig.
	admin string
	// ncp serves every NCP Organization of the harness (a company and an account each).
	ncp *ncpfake.Server
}

// startHarness starts the control plane, the fake NCP and the manager (high QPS, a sync period
// of ten minutes so that no resync happens within a test), or skips the test without bin/k8s.
func startHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{controlPlane: startControlPlane(t)}
	h.admin = h.kubeconfig("harness-admin", "system:masters")
	h.ncp = ncpfake.NewServer(ncpfake.Options{})
	t.Cleanup(h.ncp.Close)
	mgr, err := testenv.StartManager(context.Background(), testenv.ManagerOptions{
		Config: h.cp.Config, Scheme: h.cp.Scheme,
		Controllers: controller.Options{
			Connector: testenv.Connectors(h.ncp.URL(), testenv.FastClients), SyncPeriod: 10 * time.Minute, MaxConcurrentReconciles: 16,
		},
		// Several tests of the package start a harness, each with controllers of the same names.
		SkipNameValidation: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	// Registered after the control plane's cleanup, so it runs before it.
	t.Cleanup(func() {
		if err := mgr.Stop(); err != nil {
			t.Errorf("the manager stopped with an error: %v", err)
		}
	})
	return h
}

// remoteFlags are the plugin's flags that reach the harness's fakes as its manager does.
func (h *harness) remoteFlags() []string {
	return []string{
		"--ncp-workplace-endpoint=" + h.ncp.URL(), "--ncp-organization-endpoint=" + h.ncp.URL(),
		"--huaweicloud-allowed-domains=127.0.0.1", "--allow-insecure-endpoints",
		"--ncp-qps=1000", "--ncp-burst=1000", "--huaweicloud-qps=1000", "--huaweicloud-burst=1000",
	}
}

// remoteChart is one Organization's chart in a fake: an NCP company with its own account, or a
// Huawei Cloud tenant with its own fake server.
type remoteChart struct {
	provider v1alpha1.Provider
	// credentials are the Secret's data.
	credentials map[string]string
	// NCP: the shared fake, the company and the account's access key.
	ncp       *ncpfake.Server
	companyID string
	// Huawei Cloud: the tenant's own fake (OneAccess and Organizations).
	huawei *huaweifake.Server
}

// newOrganization creates, in namespace (created if missing), an Organization called name for
// provider p with its credentials Secret "<name>-credentials", and a fresh remote chart for it in
// the fakes; the remote organization exists already for NCP (the manager creates Huawei's when it
// first reconciles). It waits until the Organization is Ready.
func (h *harness) newOrganization(ctx context.Context, t *testing.T, namespace, name string, p v1alpha1.Provider) (*v1alpha1.Organization, *remoteChart) {
	t.Helper()
	if err := testenv.CreateNamespaces(ctx, h.client, namespace); err != nil {
		t.Fatal(err)
	}
	org := &v1alpha1.Organization{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: v1alpha1.OrganizationSpec{Provider: p,
			CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: name + "-credentials"}},
	}
	chart := &remoteChart{provider: p}
	switch p {
	case v1alpha1.ProviderNCP:
		account := testenv.NewNCPAccount(h.ncp.Fake)
		chart.ncp, chart.companyID, chart.credentials = h.ncp, account.CompanyID, account.Credentials()
		h.ncp.SetOrganization(account.AccessKey, &ncpfake.Organization{OrganizationDesc: "made beforehand"})
		org.Spec.Workplace.CompanyID = chart.companyID
	case v1alpha1.ProviderHuaweiCloud:
		tenant := testenv.NewHuaweiTenant()
		chart.huawei, chart.credentials = tenant.Server, tenant.Credentials
		t.Cleanup(chart.huawei.Close)
		org.Spec.HuaweiCloud = &v1alpha1.HuaweiCloudSpec{OneAccessDomain: chart.huawei.URL(), OrganizationsEndpoint: chart.huawei.URL()}
	default:
		t.Fatalf("no fake for provider %q", p)
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name + "-credentials", Namespace: namespace}, StringData: chart.credentials}
	if err := h.client.Create(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if err := h.client.Create(ctx, org); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WaitConverged(ctx, h.client, org, nil); err != nil {
		t.Fatal(err)
	}
	return org, chart
}

// seed stores depts in the remote chart directly (no request is logged), parents before their
// children (or already in the chart). Fields the provider does not hold are dropped (Huawei:
// i18nNames, emails, orders). The manager lists a chart when it reconciles the Organization, not
// when the chart changes: call relist after seeding a chart the manager has listed already.
func (r *remoteChart) seed(t *testing.T, depts []provider.Department) {
	t.Helper()
	orgIDs := map[string]string{} // Huawei org_id by code
	for _, d := range depts {
		switch r.provider {
		case v1alpha1.ProviderNCP:
			parent := d.ParentKey
			if parent == "" {
				parent = ncpfake.TopLevelParent
			}
			r.ncp.PutDepartment(r.companyID, ncpfake.Department{
				ExternalKey: d.Key, Name: d.Name, I18nNames: d.I18nNames, ParentExternalKey: parent,
				EmailAddress: d.EmailAddress, ExternalEmailReceive: d.ExternalEmailReceive, DisplayOrder: d.DisplayOrder,
			})
		case v1alpha1.ProviderHuaweiCloud:
			parentID, ok := orgIDs[d.ParentKey]
			if d.ParentKey != "" && !ok {
				parent, found := r.huawei.OrgUnitByCode(d.ParentKey)
				if !found {
					t.Fatalf("seed: %s comes before its parent %s", d.Key, d.ParentKey)
				}
				parentID = parent.ID
			}
			category := d.Category
			if category == "" {
				category = "department"
			}
			orgIDs[d.Key] = r.huawei.PutOrgUnit(huaweifake.OrgUnit{Code: d.Key, Name: d.Name, ParentID: parentID, Category: category})
		}
	}
}

// requests is every request the chart's fake received with its credentials, in arrival order.
func (r *remoteChart) requests() []fakeserver.Request {
	if r.provider == v1alpha1.ProviderHuaweiCloud {
		return r.huawei.Requests()
	}
	var out []fakeserver.Request
	for _, req := range r.ncp.Requests() {
		if req.AccessKey == r.credentials[v1alpha1.SecretKeyAccessKey] {
			out = append(out, req)
		}
	}
	return out
}

// writes is the requests that write the chart's departments: every request to the department API
// but reads (NCP WORKPLACE's /department, OneAccess's /api/v2/tenant/organizations), as
// "METHOD path".
func (r *remoteChart) writes() []string {
	var out []string
	for _, req := range r.requests() {
		department := strings.Contains(req.Path, "/department") || strings.HasPrefix(req.Path, "/api/v2/tenant/organizations")
		if department && req.Method != http.MethodGet {
			out = append(out, req.Method+" "+req.Path)
		}
	}
	return out
}

// pages counts the listing requests (GETs of the department API) the chart's fake answered.
func (r *remoteChart) pages() int {
	n := 0
	for _, req := range r.requests() {
		department := strings.Contains(req.Path, "/department") || strings.HasPrefix(req.Path, "/api/v2/tenant/organizations")
		if department && req.Method == http.MethodGet {
			n++
		}
	}
	return n
}

// generatedChart is a chart of n departments for provider p, parents first: about a tenth are
// top-level, each other department is under one made before it (up to five levels deep), and
// one key ("Sales_KR") is no valid object name. For NCP every department has i18n names, some
// an e-mail address accepting outside mail, and display orders with fractions; for Huawei some
// units have the category "team".
func generatedChart(n int, p v1alpha1.Provider) []provider.Department {
	depts := make([]provider.Department, 0, n)
	depth := map[string]int{}
	for i := range n {
		d := provider.Department{Key: fmt.Sprintf("dept-%04d", i), Name: fmt.Sprintf("Department %d", i)}
		if i == n/2 {
			d.Key = "Sales_KR"
		}
		if i%10 != 0 && i > 0 {
			parent := depts[(i*7)%i]
			if depth[parent.Key] >= 4 {
				parent = depts[(i*7)%i-(i*7)%i%10] // a top-level one
			}
			d.ParentKey = parent.Key
			depth[d.Key] = depth[parent.Key] + 1
		}
		switch p {
		case v1alpha1.ProviderNCP:
			d.I18nNames = map[string]string{"en_US": fmt.Sprintf("Department %d", i), "ko_KR": fmt.Sprintf("부서 %d", i)}
			d.DisplayOrder = fmt.Sprintf("%d.%d", i%7+1, i%3)
			if i%5 == 0 {
				d.EmailAddress = fmt.Sprintf("dept%d@example.com", i)
				d.ExternalEmailReceive = new(i%10 == 0)
			}
		case v1alpha1.ProviderHuaweiCloud:
			if i%4 == 0 {
				d.Category = "team"
			}
		}
		depts = append(depts, d)
	}
	return depts
}

// relist makes the manager list org's remote chart again now (the annotation
// orgsync.dev/reconcile-requested-at) and waits until it has.
func (h *harness) relist(ctx context.Context, t *testing.T, org *v1alpha1.Organization) {
	t.Helper()
	requested := time.Now().UTC().Format(time.RFC3339Nano)
	patch := client.MergeFrom(org.DeepCopy())
	if org.Annotations == nil {
		org.Annotations = map[string]string{}
	}
	org.Annotations[v1alpha1.AnnotationReconcileRequestedAt] = requested
	if err := h.client.Patch(ctx, org, patch); err != nil {
		t.Fatal(err)
	}
	eventually(ctx, t, "the manager listing the chart of "+org.Name, func() (bool, error) {
		if err := h.client.Get(ctx, client.ObjectKeyFromObject(org), org); err != nil {
			return false, err
		}
		return org.Status.LastHandledReconcileAt == requested, nil
	})
}

// waitReady waits until count Departments of org have converged (testenv.Converged: Ready for
// their current generation).
func (h *harness) waitReady(ctx context.Context, t *testing.T, org *v1alpha1.Organization, count int) {
	t.Helper()
	eventually(ctx, t, fmt.Sprintf("%d Departments of %s Ready", count, org.Name), func() (bool, error) {
		var list v1alpha1.DepartmentList
		if err := h.client.List(ctx, &list, client.InNamespace(org.Namespace)); err != nil {
			return false, err
		}
		ofOrg := slices.DeleteFunc(list.Items, func(d v1alpha1.Department) bool { return d.Spec.OrganizationRef.Name != org.Name })
		return testenv.CountConverged(ofOrg) >= count, nil
	})
}

// eventually polls condition every 100ms until it holds, failing the test when ctx ends first.
func eventually(ctx context.Context, t *testing.T, what string, condition func() (bool, error)) {
	t.Helper()
	err := testenv.Poll(ctx, 100*time.Millisecond, func(context.Context) (bool, string, error) {
		ok, err := condition()
		if err != nil {
			return false, "last error: " + err.Error(), nil
		}
		return ok, "", nil
	})
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// randomID names what no other test uses.
var randomID = testenv.RandomID

// TestHarness checks the harness itself: both providers' Organizations become Ready, a seeded
// chart lists in several pages, and reading writes nothing.
func TestHarness(t *testing.T) {
	h := startHarness(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, p := range []v1alpha1.Provider{v1alpha1.ProviderNCP, v1alpha1.ProviderHuaweiCloud} {
		_, chart := h.newOrganization(ctx, t, "harness", "org-"+string(p), p)
		chart.seed(t, generatedChart(250, p))
		before := chart.pages()
		o := defaultRemoteOptions(t, h.remoteFlags()...)
		org := &v1alpha1.Organization{}
		if err := h.client.Get(ctx, client.ObjectKey{Namespace: "harness", Name: "org-" + string(p)}, org); err != nil {
			t.Fatal(err)
		}
		depts, err := o.connectWith(ctx, org, bytesOf(chart.credentials), "the harness")
		if err != nil {
			t.Fatal(err)
		}
		all, err := depts.List(ctx)
		if err != nil || len(all) != 250 {
			t.Fatalf("%s: listed %d departments: %v", p, len(all), err)
		}
		if pages := chart.pages() - before; pages < 3 {
			t.Errorf("%s: the listing took %d pages, want several", p, pages)
		}
		if w := chart.writes(); len(w) != 0 {
			t.Errorf("%s: writes: %v", p, w)
		}
	}
}

func bytesOf(m map[string]string) map[string][]byte {
	out := make(map[string][]byte, len(m))
	for k, v := range m {
		out[k] = []byte(v)
	}
	return out
}

// runPlan runs `kubectl orgsync plan args...` in-process, as the plugin's main does, and returns
// its exit code and output.
func runPlan(ctx context.Context, stdin io.Reader, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(ctx, append([]string{"plan"}, args...), genericiooptions.IOStreams{In: stdin, Out: &out, ErrOut: &errOut})
	return code, out.String(), errOut.String()
}

// manifestOf is d as a person writes it: apiVersion, kind, name, namespace, annotations, spec.
func manifestOf(d v1alpha1.Department) map[string]any {
	metadata := map[string]any{"name": d.Name, "namespace": d.Namespace}
	if len(d.Annotations) > 0 {
		metadata["annotations"] = d.Annotations
	}
	return map[string]any{"apiVersion": v1alpha1.GroupVersion.String(), "kind": "Department", "metadata": metadata, "spec": d.Spec}
}

// apply stores depts as kubectl apply would: creates the new ones, replaces the spec of the others.
func apply(ctx context.Context, t *testing.T, c client.Client, depts []v1alpha1.Department) {
	t.Helper()
	for _, d := range depts {
		current := &v1alpha1.Department{}
		err := c.Get(ctx, client.ObjectKeyFromObject(&d), current)
		switch {
		case apierrors.IsNotFound(err):
			d := d.DeepCopy()
			if err := c.Create(ctx, d); err != nil {
				t.Fatalf("creating %s: %v", d.Name, err)
			}
		case err != nil:
			t.Fatal(err)
		default:
			current.Spec = d.Spec
			if err := c.Update(ctx, current); err != nil {
				t.Fatalf("updating %s: %v", d.Name, err)
			}
		}
	}
}
