package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/provider"
	hwprovider "github.com/orgsync/orgsync/internal/provider/huaweicloud"
	ncpprovider "github.com/orgsync/orgsync/internal/provider/ncp"
)

// fixturePlans are two Organizations' plans with every kind of change and wait.
func fixturePlans() []organizationPlan {
	acme := planOrganization(planInput{
		org: planOrg(budgetOf(3), func(o *v1alpha1.Organization) {
			o.Status.Deletions = &v1alpha1.DeletionStatus{WindowStart: &metav1.Time{Time: planNow.Add(-5 * 60e9)}, Made: 1}
		}),
		desired: []v1alpha1.Department{
			want("eng", "Engineering", ""),
			want("eng-web", "Web", "platform"),
			want("platform", "Platform", "eng", func(d *v1alpha1.Department) {
				d.Spec.I18nNames = map[string]v1alpha1.LocalizedName{"en_US": "Platform", "ko_KR": "플랫폼"}
			}),
			want("sales", "Sales & Marketing", "", order("2")),
			want("legal", "Legal\u202etxt", ""),
			want("hr", "HR", "", annotated(v1alpha1.AnnotationPaused, "true")),
			want("museum", "Museum", "gone"),
			want("newcomer", "Newcomer", "", externalKey("archive")),
		},
		cluster: []v1alpha1.Department{
			have("eng", "Engineering", ""), have("eng-web", "Web", "eng"), have("sales", "Sales", ""),
			have("hr", "Human Resources", ""),
			have("archive", "Archive", ""),
			have("old", "Old", ""), have("old-a", "Old A", "old"), have("old-b", "Old B", "old"),
			have("old-a-1", "Old A 1", "old-a"),
			have("kept", "Kept", "", orphan()),
			have("blocked", "Blocked", ""),
		},
		remote: []provider.Department{
			remoteDept("eng", "Engineering", ""), remoteDept("eng-web", "Web", "eng"), remoteDept("sales", "Sales", ""),
			remoteDept("legal", "Legal", ""), remoteDept("hr", "Human Resources", ""), remoteDept("archive", "Archive", ""),
			remoteDept("old", "Old", ""), remoteDept("old-a", "Old A", "old"), remoteDept("old-b", "Old B", "old"),
			remoteDept("old-a-1", "Old A 1", "old-a"), remoteDept("kept", "Kept", ""),
			remoteDept("blocked", "Blocked", ""), remoteDept("hand-made", "Hand made", "blocked"),
		},
		prune: true, diff: ncpprovider.Conventions{}.Diff, now: planNow,
	})
	beta := planOrganization(planInput{
		org:     planOrg(func(o *v1alpha1.Organization) { o.Name = "beta" }),
		desired: []v1alpha1.Department{want("b", "B", "", organizationRef("beta"))},
		cluster: []v1alpha1.Department{have("b", "B", "", organizationRef("beta"))},
		remote:  []provider.Department{remoteDept("b", "B", "")},
		prune:   true, diff: ncpprovider.Conventions{}.Diff, now: planNow,
	})
	// A Huawei Cloud chart whose manifests move a unit to the top level: that cannot be made.
	gamma := planOrganization(planInput{
		org:     planOrg(func(o *v1alpha1.Organization) { o.Name = "gamma"; o.Spec.Provider = v1alpha1.ProviderHuaweiCloud }),
		desired: []v1alpha1.Department{want("unit", "Unit", "", organizationRef("gamma"))},
		cluster: []v1alpha1.Department{have("hq", "HQ", "", organizationRef("gamma")), have("unit", "Unit", "hq", organizationRef("gamma"))},
		remote:  []provider.Department{remoteDept("hq", "HQ", ""), remoteDept("unit", "Unit", "hq")},
		diff:    hwprovider.Conventions{}.Diff, unsupported: hwprovider.Conventions{}.Unsupported, now: planNow,
	})
	return []organizationPlan{acme, beta, gamma}
}

func TestPlanGolden(t *testing.T) {
	plans := fixturePlans()
	var text bytes.Buffer
	if err := renderPlanText(&text, plans, palette{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "plan.txt", text.Bytes())

	var colored bytes.Buffer
	if err := renderPlanText(&colored, plans, palette{on: true}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"  \x1b[32m+ create \x1b[0m platform\n", "  \x1b[31m- delete \x1b[0m old-a  \x1b[33mheld: the deletion budget is spent\x1b[0m\n"} {
		if !strings.Contains(colored.String(), want) {
			t.Errorf("coloured output lacks %q:\n%s", want, colored.String())
		}
	}

	var data bytes.Buffer
	if err := renderPlanJSON(&data, plans); err != nil {
		t.Fatal(err)
	}
	golden(t, "plan.json", data.Bytes())
	var doc planDocument
	if err := json.Unmarshal(data.Bytes(), &doc); err != nil || doc.FormatVersion != 1 || !doc.Changed {
		t.Errorf("plan.json: version %d, changed %v: %v", doc.FormatVersion, doc.Changed, err)
	}
}

func TestPlanTextWithoutChanges(t *testing.T) {
	plans := fixturePlans()[1:2]
	var text bytes.Buffer
	if err := renderPlanText(&text, plans, palette{}); err != nil {
		t.Fatal(err)
	}
	want := "Organization orgs/beta (ncp): 1 remote department\n  no changes\n\nNo changes: the remote charts match the manifests.\n"
	if text.String() != want || hasChanges(plans) {
		t.Errorf("got:\n%s", text.String())
	}
}

func TestPlanHelp(t *testing.T) {
	code, out, errOut := runPlugin("--help")
	if code != exitOK || !strings.Contains(out, "  plan ") {
		t.Errorf("--help does not offer plan: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runPlugin("plan", "--help")
	for _, want := range []string{"kubectl orgsync plan -k overlays/production", "--prune", "-o, --output", "--ncp-workplace-endpoint",
		"0 when nothing would change, 2 when something", "orgsync.dev/approve-deletions"} {
		if code != exitOK || !strings.Contains(out, want) {
			t.Errorf("plan --help: exit %d, lacks %q", code, want)
		}
	}
	code, _, errOut = runPlugin("plan", "extra")
	if code != exitError || errOut != "error: unknown command \"extra\" for \"kubectl orgsync plan\"\n" {
		t.Errorf("plan extra: exit %d, %q", code, errOut)
	}
}
