package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/decision"
	"github.com/orgsync/orgsync/internal/provider"
	hwprovider "github.com/orgsync/orgsync/internal/provider/huaweicloud"
	ncpprovider "github.com/orgsync/orgsync/internal/provider/ncp"
)

// smallNCPChart is a remote WORKPLACE chart in the order a listing could give it.
func smallNCPChart() []provider.Department {
	return []provider.Department{
		{Key: "eng-platform", ParentKey: "eng", Name: "플랫폼팀", I18nNames: map[string]string{"en_US": "Platform"}, DisplayOrder: "2.0"},
		{Key: "eng", Name: "기술본부", I18nNames: map[string]string{"en_US": "Engineering", "ko_KR": "기술본부"}, DisplayOrder: "1.0",
			EmailAddress: "eng@example.com", ExternalEmailReceive: new(true)},
		{Key: "Sales_KR", Name: "영업본부", DisplayOrder: "2.0", EmailAddress: "sales@example.com"},
		{Key: "eng-data", ParentKey: "eng", Name: "데이터팀", DisplayOrder: "1.50"},
		{Key: "sales-seoul", ParentKey: "Sales_KR", Name: "서울영업팀", DisplayOrder: "1.0"},
		{Key: "홍보팀", Name: "홍보팀", DisplayOrder: "3.0"},
	}
}

func smallHuaweiChart() []provider.Department {
	return []provider.Department{
		{Key: "eng", Name: "Engineering", Category: "department", RemoteID: "u-1"},
		{Key: "eng_platform", ParentKey: "eng", Name: "Platform", Category: "team", RemoteID: "u-2", ParentRemoteID: "u-1"},
		{Key: "eng-data", ParentKey: "eng", Name: "Data", Category: "department", RemoteID: "u-3", ParentRemoteID: "u-1"},
		{Key: "sales", Name: "Sales & Marketing", Category: "department", RemoteID: "u-4"},
	}
}

func TestExportGolden(t *testing.T) {
	cases := map[string]struct {
		provider v1alpha1.Provider
		chart    []provider.Department
	}{
		"export-ncp.yaml":    {v1alpha1.ProviderNCP, smallNCPChart()},
		"export-huawei.yaml": {v1alpha1.ProviderHuaweiCloud, smallHuaweiChart()},
	}
	for file, tc := range cases {
		t.Run(file, func(t *testing.T) {
			res := buildManifests(exportInput{provider: tc.provider, organization: "acme", namespace: "orgs", remote: tc.chart})
			if len(res.skipped) > 0 {
				t.Fatalf("skipped: %+v", res.skipped)
			}
			var out bytes.Buffer
			if err := writeStream(&out, res.manifests); err != nil {
				t.Fatal(err)
			}
			golden(t, file, out.Bytes())

			// The same chart in another listing order gives the same output.
			reversed := slices.Clone(tc.chart)
			slices.Reverse(reversed)
			res = buildManifests(exportInput{provider: tc.provider, organization: "acme", namespace: "orgs", remote: reversed})
			var again bytes.Buffer
			if err := writeStream(&again, res.manifests); err != nil {
				t.Fatal(err)
			}
			if again.String() != out.String() {
				t.Errorf("another listing order gives another output:\n%s", again.String())
			}
		})
	}
}

// TestExportDirGolden shows the folders, files and kustomizations of --output-dir.
func TestExportDirGolden(t *testing.T) {
	res := buildManifests(exportInput{provider: v1alpha1.ProviderNCP, organization: "acme", namespace: "orgs", remote: smallNCPChart()})
	dir := filepath.Join(t.TempDir(), "chart")
	folders, err := writeOutputDir(dir, res.manifests)
	if err != nil || folders != 3 {
		t.Fatalf("wrote %d folders: %v", folders, err)
	}
	var listing bytes.Buffer
	err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		data, err := os.ReadFile(path) //nolint:gosec // G304: the test's own directory
		listing.WriteString("# " + filepath.ToSlash(rel) + "\n")
		listing.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "export-dir.txt", listing.Bytes())
	if err := checkOutputDir(dir); err == nil || !strings.Contains(err.Error(), "is not empty") {
		t.Errorf("a second export into the same directory: %v", err)
	}
}

// TestExportMatchesProviderDiff checks the round trip in memory: each manifest, as the controller
// makes a desired state of it, has no difference with the remote department, for both providers.
func TestExportMatchesProviderDiff(t *testing.T) {
	cases := map[v1alpha1.Provider]struct {
		chart []provider.Department
		diff  func(desired, observed provider.Department) provider.Fields
	}{
		v1alpha1.ProviderNCP:         {generatedChart(300, v1alpha1.ProviderNCP), ncpprovider.Conventions{}.Diff},
		v1alpha1.ProviderHuaweiCloud: {generatedChart(300, v1alpha1.ProviderHuaweiCloud), hwprovider.Conventions{}.Diff},
	}
	for p, tc := range cases {
		res := buildManifests(exportInput{provider: p, organization: "acme", remote: tc.chart})
		if len(res.manifests) != len(tc.chart) || len(res.skipped) != 0 {
			t.Fatalf("%s: %d manifests, skipped %+v", p, len(res.manifests), res.skipped)
		}
		remote := map[string]provider.Department{}
		for _, d := range tc.chart {
			remote[d.Key] = d
		}
		for _, m := range res.manifests {
			dept := v1alpha1.Department{ObjectMeta: metav1.ObjectMeta{Name: m.Metadata.Name}, Spec: m.Spec}
			observed := remote[dept.Key()]
			if diff := tc.diff(decision.DesiredDepartment(&dept, &observed), observed); len(diff) > 0 {
				t.Errorf("%s: %s differs in %v", p, dept.Key(), diff)
			}
			// What export read is what the Department manages: nothing is left to the remote
			// chart but blanks.
			if diff := tc.diff(decision.DesiredDepartment(&dept, &provider.Department{}), observed); len(diff) > 0 {
				t.Errorf("%s: %s leaves %v unmanaged", p, dept.Key(), diff)
			}
		}
	}
}

func TestExportSkipsWhatNoDepartmentHolds(t *testing.T) {
	long := strings.Repeat("k", 37)
	chart := []provider.Department{
		{Key: "ok", Name: "OK", DisplayOrder: "1"},
		{Key: "line-break", Name: "two\nlines", DisplayOrder: "1"},
		{Key: "with space", Name: "Spaced", DisplayOrder: "1"},
		{Key: long, Name: "Long", DisplayOrder: "1"},
		{Key: "child-of-long", ParentKey: long, Name: "Orphan", DisplayOrder: "1"},
		{Key: "child-of-line-break", ParentKey: "line-break", Name: "Child", DisplayOrder: "1"},
		{Key: "negative", Name: "Negative", DisplayOrder: "-1"},
		{Key: "empty-order", Name: "Empty"},
		{Key: "padded", Name: "Padded", DisplayOrder: "00000000002.5000"},
		{Key: "bad-locale", Name: "Locale", DisplayOrder: "1", I18nNames: map[string]string{"x": "X"}},
		{Key: "bad-email", Name: "Mail", DisplayOrder: "1", EmailAddress: "not an address"},
		{Key: "cycle-a", ParentKey: "cycle-b", Name: "A", DisplayOrder: "1"},
		{Key: "cycle-b", ParentKey: "cycle-a", Name: "B", DisplayOrder: "1"},
		{Key: "blank", Name: "\u200b", DisplayOrder: "1"},
	}
	res := buildManifests(exportInput{provider: v1alpha1.ProviderNCP, organization: "acme", remote: chart})
	var got []string
	for _, s := range res.skipped {
		got = append(got, s.key)
	}
	want := []string{"bad-email", "bad-locale", "blank", "child-of-long", "cycle-a", "cycle-b", long, "line-break", "negative", "with space"}
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	var written []string
	for _, m := range res.manifests {
		written = append(written, m.key+"="+m.Spec.DisplayOrder)
	}
	// The child of a skipped department is written under its parent key; a long padded order is
	// written in its shortest spelling; no order is left out (not managed).
	if diff := cmp.Diff([]string{"child-of-line-break=1", "ok=1", "padded=2.5", "empty-order="}, written); diff != "" {
		t.Errorf("written (-want +got):\n%s", diff)
	}

	hw := buildManifests(exportInput{provider: v1alpha1.ProviderHuaweiCloud, organization: "acme", remote: []provider.Department{
		{Key: "unicode-category", Name: "U", Category: "부서"},
		{Key: "unlisted-parent", ParentKey: "(unlisted org_id u-9)", Name: "P"},
	}})
	if len(hw.skipped) != 2 || len(hw.manifests) != 0 {
		t.Errorf("Huawei: skipped %+v, wrote %d", hw.skipped, len(hw.manifests))
	}
}

func TestExportNames(t *testing.T) {
	existing := []v1alpha1.Department{
		// A Department named like a remote key but holding another key keeps its name.
		{ObjectMeta: metav1.ObjectMeta{Name: "taken"}, Spec: v1alpha1.DepartmentSpec{ExternalKey: "other"}},
		// One that holds the key by its name is the same object.
		{ObjectMeta: metav1.ObjectMeta{Name: "mine"}},
	}
	names := assignNames([]string{"Sales_KR", "mine", "ok.dotted", "taken", "영업", "a..b"}, existing, "")
	want := map[string]string{
		"Sales_KR":  "sales-kr-" + hashPrefix("Sales_KR", 8),
		"mine":      "mine",
		"ok.dotted": "ok.dotted",
		"taken":     "taken-" + hashPrefix("taken", 8),
		"영업":        "dept-" + hashPrefix("영업", 8),
		"a..b":      "a-b-" + hashPrefix("a..b", 8),
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	// A key that a Department of the Organization claims keeps that Department's name.
	acme := v1alpha1.LocalObjectReference{Name: "acme"}
	names = assignNames([]string{"eng", "Sales_KR"}, []v1alpha1.Department{
		{ObjectMeta: metav1.ObjectMeta{Name: "engineering"}, Spec: v1alpha1.DepartmentSpec{OrganizationRef: acme, ExternalKey: "eng"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "sales"}, Spec: v1alpha1.DepartmentSpec{OrganizationRef: acme, ExternalKey: "Sales_KR"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "eng"}, Spec: v1alpha1.DepartmentSpec{OrganizationRef: v1alpha1.LocalObjectReference{Name: "other"}}},
	}, "acme")
	if diff := cmp.Diff(map[string]string{"eng": "engineering", "Sales_KR": "sales"}, names); diff != "" {
		t.Errorf("claimed keys (-want +got):\n%s", diff)
	}
	// A generated name that another key holds as its own gets a longer hash.
	clash := "sales-kr-" + hashPrefix("Sales_KR", 8)
	names = assignNames([]string{"Sales_KR", clash}, nil, "")
	if names[clash] != clash || names["Sales_KR"] != "sales-kr-"+hashPrefix("Sales_KR", 16) {
		t.Errorf("clash: %v", names)
	}
}

func TestExportUnmanagedOnly(t *testing.T) {
	existing := []v1alpha1.Department{
		{ObjectMeta: metav1.ObjectMeta{Name: "eng"}, Spec: v1alpha1.DepartmentSpec{OrganizationRef: v1alpha1.LocalObjectReference{Name: "acme"}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "sales"}, Spec: v1alpha1.DepartmentSpec{OrganizationRef: v1alpha1.LocalObjectReference{Name: "acme"}, ExternalKey: "Sales_KR"}},
		// Another Organization's Department covers nothing of acme's.
		{ObjectMeta: metav1.ObjectMeta{Name: "eng-data"}, Spec: v1alpha1.DepartmentSpec{OrganizationRef: v1alpha1.LocalObjectReference{Name: "other"}}},
	}
	res := buildManifests(exportInput{provider: v1alpha1.ProviderNCP, organization: "acme", remote: smallNCPChart(), existing: existing, unmanagedOnly: true})
	var got []string
	for _, m := range res.manifests {
		got = append(got, m.Metadata.Name)
	}
	// eng-data is another Organization's object name: its remote department gets a generated name.
	want := []string{"sales-seoul", "eng-data-" + hashPrefix("eng-data", 8), "eng-platform", "dept-" + hashPrefix("홍보팀", 8)}
	if diff := cmp.Diff(want, got); diff != "" || res.covered != 2 {
		t.Errorf("unmanaged (-want +got):\n%s\ncovered %d", diff, res.covered)
	}
}

func TestReadCredentialsFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	env := write("ncp.env", "# NCP\naccessKey=AK1\n\nsecretKey=s3cr=et\n")
	got, err := readCredentialsFile(env)
	if err != nil || string(got["accessKey"]) != "AK1" || string(got["secretKey"]) != "s3cr=et" {
		t.Errorf("env file: %v %q", err, got)
	}
	manifest := write("secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\ndata:\n  accessKey: QUsx\nstringData:\n  secretKey: plain\n")
	got, err = readCredentialsFile(manifest)
	if err != nil || string(got["accessKey"]) != "AK1" || string(got["secretKey"]) != "plain" {
		t.Errorf("Secret manifest: %v %q", err, got)
	}
	bad := write("bad", "accessKey=AK1\nthis-is-the-secret-value\n")
	_, err = readCredentialsFile(bad)
	if err == nil || !strings.Contains(err.Error(), "line 2") || strings.Contains(err.Error(), "this-is-the-secret-value") {
		t.Errorf("a bad line: %v", err)
	}
}

func hashPrefix(key string, n int) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])[:n]
}
