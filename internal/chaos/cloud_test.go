package chaos

import (
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
	hwapi "github.com/orgsync/orgsync/internal/huaweicloud"
	"github.com/orgsync/orgsync/internal/huaweicloud/huaweifake"
)

// A Huawei Cloud run's chart must be one OneAccess accepts: otherwise its objects end InvalidSpec
// and the run proves nothing about the manager.
func TestHuaweiChartIsValidForOneAccess(t *testing.T) {
	c := newChart(500, v1alpha1.ProviderHuaweiCloud, rand.New(rand.NewPCG(1, 2))) //nolint:gosec // G404: test choices
	categories := 0
	for _, key := range c.keys() {
		nd := c.nodes[key]
		for _, name := range []string{nd.name, "Renamed " + key, "Moved " + key, "Renamed during the outage " + key, "Department " + key + " handed over"} {
			if !hwapi.ValidName(name) {
				t.Errorf("name %q is not a valid OneAccess name", name)
			}
		}
		if !hwapi.ValidCode(key) {
			t.Errorf("key %q is not a valid OneAccess code", key)
		}
		if nd.category != "" {
			categories++
		}
		// Every change a run makes keeps a set category set, and never moves to the top level.
		c.recategorise(nd)
		if p := c.newParentFor(key); p == "" && nd.parent != "" {
			t.Errorf("%s: no new parent but the top level", key)
		}
	}
	for _, key := range handMadeKeys {
		if !hwapi.ValidCode(key) || !hwapi.ValidName("Made by hand "+key) {
			t.Errorf("hand-made %s is not valid for OneAccess", key)
		}
	}
	if categories != 125 {
		t.Errorf("%d departments set a category, want a quarter of 500", categories)
	}
	if ncp := newChart(500, v1alpha1.ProviderNCP, rand.New(rand.NewPCG(1, 2))); ncp.nodes["c-1"].category != "" { //nolint:gosec // G404: test choices
		t.Errorf("an NCP chart sets a category")
	}
}

// The recorder names a OneAccess write by the code of its unit: from the body of a create, from
// the org_id in the path of an update or delete, also once the unit is gone.
func TestHuaweiWriteKeys(t *testing.T) {
	c := newHuaweiCloud()
	id := c.PutOrgUnit(huaweifake.OrgUnit{Code: "c-7", Name: "Department c-7", Category: "department"})
	cases := []struct {
		method, path, body string
		key                string
		write              bool
	}{
		{http.MethodPost, orgUnitsPath, `{"code":"c-8","name":"Department c-8"}`, "c-8", true},
		{http.MethodPut, orgUnitsPath + "/" + id, `{"name":"Renamed c-7"}`, "c-7", true},
		{http.MethodGet, orgUnitsPath + "/" + id, "", "", false},
		{http.MethodGet, orgUnitsPath + "?offset=0&limit=100", "", "", false},
		{http.MethodPost, "/api/v2/tenant/token", "grant_type=client_credentials", "", false},
		{http.MethodPost, huaweiOrganizationPath, "", "", false},
	}
	for _, tc := range cases {
		req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
		key, write := c.write(req)
		if key != tc.key || write != tc.write {
			t.Errorf("%s %s: %q, %v; want %q, %v", tc.method, tc.path, key, write, tc.key, tc.write)
		}
		if body, _ := io.ReadAll(req.Body); string(body) != tc.body {
			t.Errorf("%s %s: the fake would read %q, want %q", tc.method, tc.path, body, tc.body)
		}
	}
	c.RemoveOrgUnit(id)
	if key, _ := c.write(httptest.NewRequest(http.MethodDelete, orgUnitsPath+"/"+id, nil)); key != "c-7" {
		t.Errorf("DELETE of a unit gone: %q, want c-7", key)
	}
}

func TestDiffers(t *testing.T) {
	spec := func(name, parent, category string) *v1alpha1.Department {
		return &v1alpha1.Department{
			ObjectMeta: metav1.ObjectMeta{Name: "c-1"},
			Spec:       v1alpha1.DepartmentSpec{Name: name, ParentExternalKey: parent, Category: category},
		}
	}
	ordered := func(d *v1alpha1.Department, order string) *v1alpha1.Department {
		d.Spec.DisplayOrder = order
		return d
	}
	cases := map[string]struct {
		cloud  cloud
		d      *v1alpha1.Department
		remote remoteDepartment
		differ bool
	}{
		"NCP, as the spec says":        {&ncpCloud{}, spec("A", "", ""), remoteDepartment{Name: "A", DisplayOrder: "1.0"}, false},
		"NCP, another parent":          {&ncpCloud{}, spec("A", "c-0", ""), remoteDepartment{Name: "A", DisplayOrder: "1.0"}, true},
		"NCP, another order":           {&ncpCloud{}, ordered(spec("A", "", ""), "1"), remoteDepartment{Name: "A", DisplayOrder: "2.0"}, true},
		"NCP, an order the spec omits": {&ncpCloud{}, spec("A", "", ""), remoteDepartment{Name: "A", DisplayOrder: "2.0"}, false},
		"NCP ignores category":         {&ncpCloud{}, spec("A", "", "unit"), remoteDepartment{Name: "A", DisplayOrder: "1"}, false},
		"OneAccess, as the spec says": {&huaweiCloud{}, spec("A", "c-0", "unit"),
			remoteDepartment{Name: "A", Parent: "c-0", Category: "unit"}, false},
		"OneAccess, another name":              {&huaweiCloud{}, spec("A", "", ""), remoteDepartment{Name: "B", Category: "department"}, true},
		"OneAccess, another category":          {&huaweiCloud{}, spec("A", "", "unit"), remoteDepartment{Name: "A", Category: "group"}, true},
		"OneAccess, a category the spec omits": {&huaweiCloud{}, spec("A", "", ""), remoteDepartment{Name: "A", Category: "group"}, false},
		"OneAccess has no display order":       {&huaweiCloud{}, spec("A", "", ""), remoteDepartment{Name: "A"}, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := tc.cloud.differs(tc.d, tc.remote); (got != "") != tc.differ {
				t.Errorf("differs: %q, want a difference: %v", got, tc.differ)
			}
		})
	}
}
