package promcheck

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/ncp/ncpfake"
	"github.com/orgsync/orgsync/internal/testenv"
)

// root is the repository's root, seen from this module's folder.
const root = "../.."

// renderKit renders the chart with the alerts and the dashboard enabled and returns the
// PrometheusRule's spec (a rule file: groups) and the dashboard's JSON.
func renderKit(t *testing.T) (rules []byte, dashboard []byte) {
	t.Helper()
	ch, err := loader.LoadDir(filepath.Join(root, "dist", "chart"))
	if err != nil {
		t.Fatal(err)
	}
	values, err := chartutil.ToRenderValues(ch, map[string]any{
		"prometheusRule":   map[string]any{"enabled": true},
		"grafanaDashboard": map[string]any{"enabled": true},
	}, chartutil.ReleaseOptions{Name: "orgsync", Namespace: "orgsync-system", IsInstall: true}, chartutil.DefaultCapabilities)
	if err != nil {
		t.Fatal(err)
	}
	files, err := engine.Render(ch, values)
	if err != nil {
		t.Fatal(err)
	}
	var rule struct {
		Spec map[string]any `json:"spec"`
	}
	if err := yaml.Unmarshal([]byte(files["orgsync/templates/prometheusrule.yaml"]), &rule); err != nil {
		t.Fatalf("the PrometheusRule: %v", err)
	}
	if rules, err = yaml.Marshal(rule.Spec); err != nil {
		t.Fatal(err)
	}
	var cm corev1.ConfigMap
	if err := yaml.Unmarshal([]byte(files["orgsync/templates/grafana-dashboard.yaml"]), &cm); err != nil {
		t.Fatalf("the dashboard ConfigMap: %v", err)
	}
	return rules, []byte(cm.Data["orgsync.json"])
}

var promql = parser.NewParser(parser.Options{})

// metricNames parses expr with Prometheus's PromQL parser and adds the metric names it selects to
// names, each with where it was found.
func metricNames(t *testing.T, where, expr string, names map[string][]string) {
	t.Helper()
	e, err := promql.ParseExpr(expr)
	if err != nil {
		t.Errorf("%s: PromQL does not parse: %v\n%s", where, err, expr)
		return
	}
	found := 0
	parser.Inspect(e, func(node parser.Node, _ []parser.Node) error {
		vs, ok := node.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		name := vs.Name
		for _, m := range vs.LabelMatchers {
			if m.Name == model.MetricNameLabel && m.Type == labels.MatchEqual {
				name = m.Value
			}
		}
		if name == "" {
			t.Errorf("%s: a selector without a metric name: %s", where, vs)
			return nil
		}
		names[name] = append(names[name], where)
		found++
		return nil
	})
	if found == 0 {
		t.Errorf("%s: names no metric: %s", where, expr)
	}
}

// checkRules parses the rule file with Prometheus's rule parser (which also parses each
// expression, and each annotation as a template) and collects the metrics its alerts name.
func checkRules(t *testing.T, rules []byte, names map[string][]string) {
	t.Helper()
	groups, errs := rulefmt.Parse(rules, false, model.UTF8Validation, promql, slog.New(slog.DiscardHandler))
	for _, err := range errs {
		t.Errorf("the PrometheusRule's rules: %v", err)
	}
	if groups == nil {
		t.Fatalf("no rule groups in:\n%s", rules)
	}
	alerts := 0
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			alerts++
			metricNames(t, "alert "+r.Alert, r.Expr, names)
		}
	}
	if alerts < 5 {
		t.Errorf("%d alerts, want at least 5", alerts)
	}
}

// checkDashboard parses every query of the dashboard and collects the metrics they name.
func checkDashboard(t *testing.T, dashboard []byte, names map[string][]string) {
	t.Helper()
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(dashboard, &d); err != nil {
		t.Fatalf("the dashboard: %v", err)
	}
	queries := 0
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, target := range p.Targets {
			queries++
			metricNames(t, "panel "+p.Title, target.Expr, names)
		}
	}
	if queries == 0 {
		t.Fatal("the dashboard has no queries")
	}
}

// TestAlertsAndDashboardNameExportedMetrics parses the chart's rules and dashboard with
// Prometheus's parsers, then runs the manager (bin/manager as `make build` builds it) on a real
// control plane and the fake NCP, in a state that makes every metric of its own appear (a
// Department waiting for a parent, a delete held by the deletion budget), and wants every metric
// the rules and the dashboard name on its /metrics.
func TestAlertsAndDashboardNameExportedMetrics(t *testing.T) {
	rules, dashboard := renderKit(t)
	names := map[string][]string{}
	checkRules(t, rules, names)
	checkDashboard(t, dashboard, names)
	if t.Failed() {
		return
	}

	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		assets = filepath.Join(root, "bin", "k8s")
	}
	if _, err := testenv.CheckAssets(assets); err != nil {
		t.Skipf("the parsers pass; no live /metrics: %v", err)
	}
	metricsURL := startManager(t, assets)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var missing []string
	err := testenv.Poll(ctx, time.Second, func(ctx context.Context) (bool, string, error) {
		served, err := scrape(ctx, metricsURL)
		if err != nil {
			return false, err.Error(), nil
		}
		missing = missing[:0]
		for _, name := range slices.Sorted(maps.Keys(names)) {
			if !served[name] {
				missing = append(missing, fmt.Sprintf("%s (in %s)", name, strings.Join(slices.Compact(names[name]), ", ")))
			}
		}
		// The manager's own state as the alerts read it.
		for _, want := range []string{
			`orgsync_departments_not_ready{class="Progressing",organization="acme",organization_namespace="ops",reason="WaitingForParent"} 1`,
			`orgsync_deletions_held{organization="acme",organization_namespace="ops"} 1`,
			// The Organization reports the held delete on its Ready condition.
			`orgsync_organization_ready{organization="acme",organization_namespace="ops",reason="DeletionBudgetExceeded"} 0`,
			`orgsync_sync_period_seconds{organization="acme",organization_namespace="ops"} 30`,
		} {
			if !served[want] {
				missing = append(missing, want)
			}
		}
		return len(missing) == 0, "missing: " + strings.Join(missing, "; "), nil
	})
	if err != nil {
		t.Fatalf("the manager's /metrics lacks what the rules and the dashboard name: %v", err)
	}
	t.Logf("%d metrics named by the rules and the dashboard, all served: %s", len(names), strings.Join(slices.Sorted(maps.Keys(names)), ", "))
}

// sampleLine is a sample of the text exposition format: its name, its labels and its value.
var sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)`)

// scrape returns the metric names of every sample /metrics serves, and each sample's line.
func scrape(ctx context.Context, url string) (map[string]bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s %v", url, resp.Status, err)
	}
	served := map[string]bool{}
	for _, line := range strings.Split(string(body), "\n") {
		if m := sampleLine.FindStringSubmatch(line); m != nil {
			served[m[1]] = true
			served[strings.TrimSpace(line)] = true
		}
	}
	return served, nil
}

// startManager starts a control plane, the fake NCP and the manager built from the repository,
// with metrics on plain HTTP, and applies an Organization (deletion budget 0) with a Department
// that becomes Ready and is then deleted (held), and one whose parent does not exist. It returns
// the metrics URL.
func startManager(t *testing.T, assets string) string {
	t.Helper()
	cp, err := testenv.Start(testenv.Options{Assets: assets, CRDs: []string{filepath.Join(root, "config", "crd", "bases")}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cp.Stop() })
	dir := t.TempDir()
	kubeconfig, err := cp.AdminKubeconfig(dir, "manager")
	if err != nil {
		t.Fatal(err)
	}
	fake := ncpfake.New(ncpfake.Options{})
	remote := httptest.NewServer(fake)
	t.Cleanup(remote.Close)
	account := testenv.NewNCPAccount(fake)

	build := exec.Command("go", "build", "-o", filepath.Join(dir, "manager"), "./cmd")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the manager: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	manager := &testenv.Process{
		Name: "manager", Binary: filepath.Join(dir, "manager"), LogPath: filepath.Join(dir, "manager.log"),
		Args: []string{"--kubeconfig", kubeconfig, "--metrics-secure=false", "--metrics-bind-address", addr,
			"--health-probe-bind-address", "0", "--sync-period", "30s", "--allow-insecure-endpoints",
			"--ncp-workplace-endpoint", remote.URL, "--ncp-organization-endpoint", remote.URL},
	}
	if err := manager.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		manager.Stop()
		if t.Failed() {
			log, _ := os.ReadFile(manager.LogPath)
			t.Logf("manager log (last 3000 bytes):\n%s", log[max(0, len(log)-3000):])
		}
	})
	applyState(t, cp.Client, account)
	return "http://" + addr + "/metrics"
}

// applyState makes the state in which every metric of the manager's own has a sample.
func applyState(t *testing.T, k8s client.Client, account testenv.NCPAccount) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const ns = "ops"
	org := &v1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "acme"}}
	org.Spec.Provider = v1alpha1.ProviderNCP
	org.Spec.CredentialsSecretRef.Name = "ncp"
	org.Spec.Workplace.CompanyID = account.CompanyID
	org.Spec.DeletionBudget = &v1alpha1.DeletionBudget{MaxDeletions: 0}
	eng := department(ns, "eng", "")
	for _, obj := range []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "ncp"}, StringData: account.Credentials()},
		org, eng, department(ns, "orphan", "nowhere"),
	} {
		if err := k8s.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	if err := testenv.WaitConverged(ctx, k8s, eng, nil); err != nil {
		t.Fatalf("Department eng: %v", err)
	}
	if err := k8s.Delete(ctx, eng); err != nil { // held: the budget allows no deletion
		t.Fatal(err)
	}
}

func department(ns, name, parent string) *v1alpha1.Department {
	d := &v1alpha1.Department{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	d.Spec.OrganizationRef.Name = "acme"
	d.Spec.Name = name
	d.Spec.ParentExternalKey = parent
	return d
}

// freeAddr returns a loopback address with a port free now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String()
}
