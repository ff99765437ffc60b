package chaos

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
	hwapi "github.com/orgsync/orgsync/internal/huaweicloud"
	"github.com/orgsync/orgsync/internal/huaweicloud/huaweifake"
)

// The fake Huawei Cloud account: a OneAccess application's client credentials and an
// Organizations key pair.
const (
	clientID     = "chaos-client-id"
	clientSecret = "chaos-client-secret"
)

// The fake's paths the recorder needs to tell apart.
const (
	orgUnitsPath           = "/api/v2/tenant/organizations"
	huaweiOrganizationPath = "/v1/organizations"
)

// huaweiCloud is the fake Huawei Cloud: the organization units of one OneAccess tenant, and
// Huawei Cloud Organizations.
//
// OneAccess addresses a unit, and its parent, by org_id; the runs, the invariants and the
// recorder speak of codes (a Department's external key). codes keeps every org_id the fake
// has given, deleted units' included, so that a write to a unit is recorded under its code even
// once the unit is gone.
type huaweiCloud struct {
	*huaweifake.Fake

	mu    sync.Mutex
	codes map[string]string // org_id → code
}

func newHuaweiCloud() *huaweiCloud {
	return &huaweiCloud{
		Fake: huaweifake.New(huaweifake.Options{
			ClientID: clientID, ClientSecret: clientSecret, AccessKey: accessKey, SecretKey: secretKey,
		}),
		codes: map[string]string{},
	}
}

// departments returns the units with their parents' codes. A parent the tenant does not hold
// (which the API never leaves behind) shows as an org_id no Department names.
func (c *huaweiCloud) departments() []remoteDepartment {
	units := c.OrgUnits()
	codes := make(map[string]string, len(units))
	for _, u := range units {
		codes[u.ID] = u.Code
	}
	out := make([]remoteDepartment, 0, len(units))
	for _, u := range units {
		parent := ""
		if u.ParentID != "" {
			parent = cmp.Or(codes[u.ParentID], "(unknown org_id "+u.ParentID+")")
		}
		out = append(out, remoteDepartment{Key: u.Code, Name: u.Name, Parent: parent, Category: u.Category})
	}
	return out
}

func (c *huaweiCloud) department(key string) (remoteDepartment, bool) {
	for _, d := range c.departments() {
		if d.Key == key {
			return d, true
		}
	}
	return remoteDepartment{}, false
}

func (c *huaweiCloud) putHandMade(key, name string) remoteDepartment {
	c.PutOrgUnit(huaweifake.OrgUnit{Code: key, Name: name, Category: hwapi.DefaultCategory})
	d, _ := c.department(key)
	return d
}

func (c *huaweiCloud) setFaults(throttle, unavailable float64) {
	c.SetFaults(huaweifake.Faults{ThrottleFraction: throttle, UnavailableFraction: unavailable})
}

// managerFlags point the Organizations API at url; the OneAccess tenant is the Organization's
// spec.huaweicloud.oneAccessDomain (see organization).
func (*huaweiCloud) managerFlags(url string, qps int, timeout time.Duration) []string {
	return []string{
		"--huaweicloud-allowed-domains", "127.0.0.1",
		"--huaweicloud-organizations-endpoint", url,
		"--huaweicloud-qps", strconv.Itoa(qps), "--huaweicloud-burst", strconv.Itoa(qps),
		"--huaweicloud-request-timeout", timeout.String(),
	}
}

// organization points the Organization's OneAccess domain at url: OneAccess has no manager
// flag, so every manager of a run reaches the tenant through the same listener, and its writes
// are recorded under that listener's client (which is why failover, which tells managers apart by
// their listeners, runs on NCP only).
func (*huaweiCloud) organization(url string) (*v1alpha1.Organization, *corev1.Secret) {
	org := newOrganization()
	org.Spec.Provider = v1alpha1.ProviderHuaweiCloud
	org.Spec.HuaweiCloud = &v1alpha1.HuaweiCloudSpec{OneAccessDomain: url}
	return org, newSecret(map[string]string{
		v1alpha1.SecretKeyClientID: clientID, v1alpha1.SecretKeyClientSecret: clientSecret,
		v1alpha1.SecretKeyAccessKey: accessKey, v1alpha1.SecretKeySecretKey: secretKey,
	})
}

// differs compares what OneAccess holds of a Department: name, parent and, when the spec sets
// one, category (a category the spec leaves unset is OneAccess's default, or whatever a person
// set in the console: not orgsync's to compare).
func (*huaweiCloud) differs(d *v1alpha1.Department, r remoteDepartment) string {
	if r.Name == d.Spec.Name && r.Parent == d.Spec.ParentExternalKey && (d.Spec.Category == "" || r.Category == d.Spec.Category) {
		return ""
	}
	return fmt.Sprintf("remote is %q under %s (category %s), spec says %q under %s (category %s)",
		r.Name, topLevel(r.Parent), r.Category, d.Spec.Name, topLevel(d.Spec.ParentExternalKey), cmp.Or(d.Spec.Category, "unset"))
}

// write returns the code of a unit a request creates (from its body), updates or deletes (from
// the org_id in its path).
func (c *huaweiCloud) write(req *http.Request) (string, bool) {
	switch {
	case req.Method == http.MethodPost && req.URL.Path == orgUnitsPath:
		body, err := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		var unit struct {
			Code string `json:"code"`
		}
		if err != nil || json.Unmarshal(body, &unit) != nil {
			return "", true // a write still, of nothing the fake will accept
		}
		return unit.Code, true
	case req.Method == http.MethodPut || req.Method == http.MethodDelete:
		id, ok := strings.CutPrefix(req.URL.Path, orgUnitsPath+"/")
		if !ok || id == "" || strings.Contains(id, "/") {
			return "", false
		}
		return c.codeOf(id), true
	}
	return "", false
}

// codeOf returns the code of the unit with org_id id, or id itself for an org_id the fake never
// gave.
func (c *huaweiCloud) codeOf(id string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if code, ok := c.codes[id]; ok {
		return code
	}
	for _, u := range c.OrgUnits() {
		c.codes[u.ID] = u.Code
	}
	return cmp.Or(c.codes[id], id)
}

// errorCode reads OneAccess's error_code.
func (*huaweiCloud) errorCode(body []byte) string {
	var e struct {
		Code string `json:"error_code"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	return e.Code
}

// orderingCodes are the fake's codes (see huaweifake) for a parent that does not exist
// (ORG.0016), a unit that still has children (ORG.0017) and a move under its own subtree
// (ORG.0018); and ORG.0013, a name a sibling holds: no two departments of a run's chart ever have
// the same name (every name carries its key), so only a write sent before, or instead of, another
// that frees the name could be refused it.
func (*huaweiCloud) orderingCodes() []string {
	return []string{"ORG.0013", "ORG.0016", "ORG.0017", "ORG.0018"}
}

func (*huaweiCloud) organizationAPI(path string) bool {
	return strings.HasPrefix(path, huaweiOrganizationPath)
}

func (*huaweiCloud) organizationAPIDown(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write([]byte(`{"error_code":"APIGW.0503","error_msg":"service unavailable"}`))
}
