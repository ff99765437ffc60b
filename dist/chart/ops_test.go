package chart

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

func TestPodDisruptionBudgetOnlyWithMoreThanOneReplica(t *testing.T) {
	for _, values := range []string{`{}`, `replicas: 1`, `replicas: 0`, `{replicas: 3, podDisruptionBudget: {enabled: false}}`} {
		if pdbs := all[policyv1.PodDisruptionBudget](t, renderYAML(t, values), "PodDisruptionBudget"); len(pdbs) != 0 {
			t.Errorf("values %s: %d PodDisruptionBudgets rendered, want none", values, len(pdbs))
		}
	}
	for _, tc := range []struct {
		values string
		want   string // maxUnavailable
	}{
		{`replicas: 2`, "1"},
		{`{replicas: 3, podDisruptionBudget: {maxUnavailable: 2}}`, "2"},
		{`{replicas: 4, podDisruptionBudget: {maxUnavailable: "50%"}}`, "50%"},
		{`{replicas: 2, shards: [s1, s2]}`, "1"},
	} {
		manifests := renderYAML(t, tc.values)
		deployments := all[appsv1.Deployment](t, manifests, "Deployment")
		pdbs := all[policyv1.PodDisruptionBudget](t, manifests, "PodDisruptionBudget")
		if len(pdbs) != len(deployments) {
			t.Fatalf("values %s: %d PodDisruptionBudgets for %d Deployments, want one each", tc.values, len(pdbs), len(deployments))
		}
		for _, d := range deployments {
			// Exactly one budget covers the Deployment's Pods, and it covers no other Deployment's.
			var covering []string
			for _, pdb := range pdbs {
				sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
				if err != nil || sel.Empty() {
					t.Fatalf("PodDisruptionBudget %s: selector %v (%v)", pdb.Name, pdb.Spec.Selector, err)
				}
				if sel.Matches(labels.Set(d.Spec.Template.Labels)) {
					covering = append(covering, pdb.Name)
					if pdb.Namespace != releaseNamespace || pdb.Spec.MaxUnavailable == nil || pdb.Spec.MaxUnavailable.String() != tc.want || pdb.Spec.MinAvailable != nil {
						t.Errorf("values %s: PodDisruptionBudget %s in %q, maxUnavailable %v, minAvailable %v; want maxUnavailable %s in %s",
							tc.values, pdb.Name, pdb.Namespace, pdb.Spec.MaxUnavailable, pdb.Spec.MinAvailable, tc.want, releaseNamespace)
					}
				}
			}
			if len(covering) != 1 {
				t.Errorf("values %s: the Pods of Deployment %s are covered by %v, want one PodDisruptionBudget", tc.values, d.Name, covering)
			}
		}
	}
}

func TestOperationsKitIsOptIn(t *testing.T) {
	for _, kind := range []string{"PrometheusRule", "ConfigMap"} {
		if slices.Contains(kinds(render(t, nil)), kind) {
			t.Errorf("%s rendered by default; the operations kit is opt-in", kind)
		}
	}
}

// prometheusRule is the part of prometheus-operator's PrometheusRule the chart renders, decoded
// strictly (the chart's module does not depend on prometheus-operator). hack/promcheck parses the
// rules with Prometheus's own parsers.
type prometheusRule struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Spec       struct {
		Groups []struct {
			Name  string `json:"name"`
			Rules []struct {
				Alert       string            `json:"alert"`
				Expr        string            `json:"expr"`
				For         string            `json:"for,omitempty"`
				Labels      map[string]string `json:"labels"`
				Annotations map[string]string `json:"annotations"`
			} `json:"rules"`
		} `json:"groups"`
	} `json:"spec"`
}

// operationsAnchors are the headings of docs/operations.md as GitHub makes anchors of them.
func operationsAnchors(t *testing.T) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	drop := regexp.MustCompile(`[^\p{L}\p{N} _-]`)
	for _, line := range strings.Split(string(data), "\n") {
		if title, ok := strings.CutPrefix(strings.TrimLeft(line, "#"), " "); ok && strings.HasPrefix(line, "#") {
			anchors[strings.ReplaceAll(drop.ReplaceAllString(strings.ToLower(title), ""), " ", "-")] = true
		}
	}
	return anchors
}

func TestPrometheusRuleAlertsSayWhatToDo(t *testing.T) {
	manifests := renderYAML(t, `
prometheusRule:
  enabled: true
  labels: {release: kube-prometheus-stack}
  departmentNotReadyFor: 1h30m
  listingMissedSyncPeriods: 4
  remoteErrorRatio: 0.25`)
	rule := one[prometheusRule](t, manifests, "PrometheusRule")
	if rule.APIVersion != "monitoring.coreos.com/v1" || rule.Metadata.Namespace != releaseNamespace || rule.Metadata.Labels["release"] != "kube-prometheus-stack" {
		t.Errorf("PrometheusRule %s in %q, labels %v", rule.APIVersion, rule.Metadata.Namespace, rule.Metadata.Labels)
	}
	anchors := operationsAnchors(t)
	docs := "https://github.com/orgsync/orgsync/blob/main/docs/operations.md#"
	var alerts []string
	for _, g := range rule.Spec.Groups {
		for _, r := range g.Rules {
			alerts = append(alerts, r.Alert)
			anchor := strings.ToLower(r.Alert)
			if !anchors[anchor] {
				t.Errorf("%s: docs/operations.md has no section #%s", r.Alert, anchor)
			}
			if r.Annotations["runbook_url"] != docs+anchor || !strings.Contains(r.Annotations["description"], docs+anchor) {
				t.Errorf("%s: runbook_url %q, description %q; want both to link %s", r.Alert, r.Annotations["runbook_url"], r.Annotations["description"], docs+anchor)
			}
			if r.Annotations["summary"] == "" || r.Labels["severity"] == "" {
				t.Errorf("%s: no summary or severity", r.Alert)
			}
		}
	}
	want := []string{"OrgsyncDepartmentNotReady", "OrgsyncDeletionsHeld", "OrgsyncCredentialsRefused", "OrgsyncRemoteChartNotListed", "OrgsyncChartNearMemoryLimit", "OrgsyncRemoteErrors"}
	if diff := cmp.Diff(want, alerts); diff != "" {
		t.Errorf("alerts (-want +got):\n%s", diff)
	}
	// The thresholds reach the expressions, durations in seconds.
	exprs := fmt.Sprint(rule.Spec.Groups)
	for _, s := range []string{"> 5400\n", "> 4 * max by", "> 0.25\n", "> 40000\n"} {
		if !strings.Contains(exprs, s) {
			t.Errorf("no %q in the rules' expressions:\n%s", s, exprs)
		}
	}

	own := one[prometheusRule](t, renderYAML(t, `prometheusRule: {enabled: true, runbookURL: "https://wiki.example.com/orgsync-operations"}`), "PrometheusRule")
	for _, r := range own.Spec.Groups[0].Rules {
		if want := "https://wiki.example.com/orgsync-operations#" + strings.ToLower(r.Alert); r.Annotations["runbook_url"] != want {
			t.Errorf("%s: runbook_url %q, want %q", r.Alert, r.Annotations["runbook_url"], want)
		}
	}
}

func TestGrafanaDashboardConfigMap(t *testing.T) {
	file, err := os.ReadFile(filepath.Join("dashboards", "orgsync.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		values          string
		wantNamespace   string
		wantLabels      map[string]string
		wantAnnotations map[string]string
	}{
		{`grafanaDashboard: {enabled: true}`, releaseNamespace, map[string]string{"grafana_dashboard": "1"}, nil},
		{`grafanaDashboard: {enabled: true, namespace: monitoring, labels: {grafana_dashboard: "orgsync"}, annotations: {grafana_folder: Operators}}`,
			"monitoring", map[string]string{"grafana_dashboard": "orgsync"}, map[string]string{"grafana_folder": "Operators"}},
	} {
		cm := one[corev1.ConfigMap](t, renderYAML(t, tc.values), "ConfigMap")
		if cm.Namespace != tc.wantNamespace || !cmp.Equal(tc.wantAnnotations, cm.Annotations, cmpopts.EquateEmpty()) {
			t.Errorf("values %s: ConfigMap in %q with annotations %v", tc.values, cm.Namespace, cm.Annotations)
		}
		for k, v := range tc.wantLabels {
			if cm.Labels[k] != v {
				t.Errorf("values %s: label %s=%q, want %q", tc.values, k, cm.Labels[k], v)
			}
		}
		var got, want any
		if err := json.Unmarshal([]byte(cm.Data["orgsync.json"]), &got); err != nil {
			t.Fatalf("the ConfigMap's orgsync.json is not JSON: %v", err)
		}
		if err := json.Unmarshal(file, &want); err != nil {
			t.Fatalf("dashboards/orgsync.json: %v", err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("the ConfigMap's dashboard differs from dashboards/orgsync.json (-file +rendered):\n%s", diff)
		}
	}
}
