package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/ncp/ncpfake"
	"github.com/orgsync/orgsync/internal/provider"
)

// TestExportEdgeChartRoundTrip exports small charts made of the values charts made by hand hold
// (keys with capitals, underscores, dots, Hangul, 36 characters, or a kustomize file's name; names
// with spaces around them or that YAML reads as other types; several locales, none, e-mail
// receipt true, false and never set; decimal and ten-digit display orders; a deep chain; a parent
// missing remotely) into a directory, plans it (nothing to change), applies it as kustomize
// builds it, and checks that the manager makes no remote write.
func TestExportEdgeChartRoundTrip(t *testing.T) {
	h := startHarness(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	long := strings.Repeat("a", 36)
	longUpper := "X" + strings.Repeat("b", 35)
	charts := map[v1alpha1.Provider][]provider.Department{
		v1alpha1.ProviderNCP: {
			{Key: "Root_HQ", Name: " HQ ", DisplayOrder: "1", EmailAddress: "hq@acme.example", ExternalEmailReceive: new(true),
				I18nNames: map[string]string{"en_US": "Head Office", "ko_KR": "본사", "zh_Hans_CN": "总部"}},
			{Key: "eng.platform", ParentKey: "Root_HQ", Name: "yes", DisplayOrder: "0.5", I18nNames: map[string]string{}},
			{Key: "기술", ParentKey: "eng.platform", Name: "null", DisplayOrder: "10"},
			{Key: long, ParentKey: "기술", Name: "0o17", DisplayOrder: "2"},
			{Key: longUpper, ParentKey: long, Name: "- dash: colon # hash", DisplayOrder: "1.25"},
			{Key: "kustomization", Name: "Kustomization", DisplayOrder: "9999999999"},
			{Key: "spoof", ParentKey: "Root_HQ", Name: "Payroll\u202Etxt.exe\u2066x\u2069", DisplayOrder: "3",
				I18nNames: map[string]string{"en_US": "Pay\u200Broll"}},
			{Key: "d1", ParentKey: "kustomization", Name: "D1", DisplayOrder: "1"},
			{Key: "d2", ParentKey: "d1", Name: "D2", DisplayOrder: "1"},
			{Key: "d3", ParentKey: "d2", Name: "D3", DisplayOrder: "1"},
			{Key: "d4", ParentKey: "d3", Name: "D4", DisplayOrder: "1"},
			{Key: "d5", ParentKey: "d4", Name: "D5", DisplayOrder: "1"},
			{Key: "d6", ParentKey: "d5", Name: "D6", DisplayOrder: "1"},
			{Key: "d7", ParentKey: "d6", Name: "D7", DisplayOrder: "1"},
			{Key: "d8", ParentKey: "d7", Name: "D8", DisplayOrder: "1"},
		},
		v1alpha1.ProviderHuaweiCloud: {
			{Key: "HR_Dept", Name: " R & D "},
			{Key: "hr-team", ParentKey: "HR_Dept", Name: "Team", Category: "team"},
			{Key: "kustomization", ParentKey: "HR_Dept", Name: "K", Category: "Unit_2"},
			{Key: "ops", Name: "yes", Category: "department"},
			{Key: "ops-1", ParentKey: "ops", Name: "1", Category: ""},
		},
	}
	for p, depts := range charts {
		t.Run(string(p), func(t *testing.T) {
			edgeRoundTrip(ctx, t, h, p, depts)
		})
	}
}

// edgeRoundTrip exports the edge chart depts of provider p into a directory, plans it (nothing
// to change), applies it as kustomize builds it, and wants the manager to make no remote write.
func edgeRoundTrip(ctx context.Context, t *testing.T, h *harness, p v1alpha1.Provider, depts []provider.Department) {
	namespace := "edge-" + string(p)
	org, chart := h.newOrganization(ctx, t, namespace, "acme", p)
	chart.seed(t, depts)
	ready := len(depts)
	if p == v1alpha1.ProviderNCP {
		depts = putNCPEdgeDepartments(chart, depts)
		ready = len(depts) - 1
	}
	h.relist(ctx, t, org)
	dir := exportEdgeChart(t, h, p, namespace, len(depts))
	checkDirNoFormatCharacters(t, dir)
	planArgs := append([]string{"-k", dir, "--kubeconfig", h.admin}, h.remoteFlags()...)
	if code, out, errOut := runPlan(ctx, nil, planArgs...); code != exitOK || errOut != "" || !strings.Contains(out, "No changes") {
		t.Errorf("plan of the export: exit %d, stderr %q\n%s", code, errOut, out)
	}
	loaded, err := loadManifests(manifestSources{kustomize: []string{dir}}, nil, namespace)
	if err != nil {
		t.Fatalf("kustomize build of the export: %v", err)
	}
	if len(loaded) != len(depts) {
		t.Errorf("%d Departments exported, want %d", len(loaded), len(depts))
	}
	for i := range loaded {
		if err := h.client.Create(ctx, &loaded[i].dept); err != nil {
			t.Fatalf("the API server refuses %s: %v", loaded[i].dept.Name, err)
		}
	}
	h.waitReady(ctx, t, org, ready)
	if writes := chart.writes(); len(writes) != 0 {
		t.Errorf("%d remote writes after applying the export, want none: %v", len(writes), writes)
	}
}

// putNCPEdgeDepartments adds to the NCP chart a department whose e-mail receipt was never set and
// one whose parent is gone remotely (its Department waits for the parent, without a write), and
// returns depts with their keys.
func putNCPEdgeDepartments(chart *remoteChart, depts []provider.Department) []provider.Department {
	chart.ncp.PutDepartment(chart.companyID, ncpfake.Department{ExternalKey: "no-receipt", Name: "No receipt",
		ParentExternalKey: ncpfake.TopLevelParent, EmailAddress: "x@acme.example", DisplayOrder: "3"})
	receive := false
	chart.ncp.PutDepartment(chart.companyID, ncpfake.Department{ExternalKey: "orphan", Name: "Orphan",
		ParentExternalKey: "ghost", ExternalEmailReceive: &receive, DisplayOrder: "1"})
	return append(depts, provider.Department{Key: "no-receipt"}, provider.Department{Key: "orphan"})
}

// exportEdgeChart exports Organization acme of namespace into a new directory, wants it to say it
// wrote count Departments (after a warning about the orphan for NCP), and returns the directory.
func exportEdgeChart(t *testing.T, h *harness, p v1alpha1.Provider, namespace string, count int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "chart")
	args := append([]string{"export", "acme", "-n", namespace, "--kubeconfig", h.admin, "--output-dir", dir}, h.remoteFlags()...)
	wantErr := ""
	if p == v1alpha1.ProviderNCP {
		wantErr = `warning: remote department "orphan": its parent "ghost" is not in the remote chart: its Department will wait for it (WaitingForParent)` + "\n"
	}
	wantErr += fmt.Sprintf("wrote %d Departments in ", count)
	if code, out, errOut := runPlugin(args...); code != exitOK || out != "" || !strings.HasPrefix(errOut, wantErr) {
		t.Fatalf("export: exit %d, stdout %q, stderr %q, want it to start %q", code, out, errOut, wantErr)
	}
	return dir
}
