package chaos

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/ncp"
	"github.com/orgsync/orgsync/internal/ncp/ncpfake"
)

// The fake's paths the recorder needs to tell apart.
const (
	departmentPath   = "/organization/apigw/v2/company/"
	organizationPath = "/open-api/v1/org"
)

// ncpCloud is the fake NCP: WORKPLACE departments of one company and the NCP Organization API.
type ncpCloud struct{ *ncpfake.Fake }

func newNCPCloud() *ncpCloud {
	return &ncpCloud{ncpfake.New(ncpfake.Options{AccessKey: accessKey, SecretKey: secretKey, CompanyIDs: []string{companyID}})}
}

func fromWorkplace(d ncpfake.Department) remoteDepartment {
	parent := d.ParentExternalKey
	if parent == ncpfake.TopLevelParent {
		parent = ""
	}
	return remoteDepartment{Key: d.ExternalKey, Name: d.Name, Parent: parent, DisplayOrder: d.DisplayOrder}
}

func (c *ncpCloud) departments() []remoteDepartment {
	var out []remoteDepartment
	for _, d := range c.Departments(companyID) {
		out = append(out, fromWorkplace(d))
	}
	return out
}

func (c *ncpCloud) department(key string) (remoteDepartment, bool) {
	d, ok := c.Department(companyID, key)
	return fromWorkplace(d), ok
}

func (c *ncpCloud) putHandMade(key, name string) remoteDepartment {
	d := ncpfake.Department{ExternalKey: key, Name: name, ParentExternalKey: ncpfake.TopLevelParent, DisplayOrder: "1.0"}
	c.PutDepartment(companyID, d)
	return fromWorkplace(d)
}

func (c *ncpCloud) setFaults(throttle, unavailable float64) {
	c.SetFaults(ncpfake.Faults{ThrottleFraction: throttle, UnavailableFraction: unavailable})
}

func (*ncpCloud) managerFlags(url string, qps int, timeout time.Duration) []string {
	return []string{
		"--ncp-workplace-endpoint", url,
		"--ncp-organization-endpoint", url,
		"--ncp-qps", strconv.Itoa(qps), "--ncp-burst", strconv.Itoa(qps),
		"--ncp-request-timeout", timeout.String(),
	}
}

func (*ncpCloud) organization(string) (*v1alpha1.Organization, *corev1.Secret) {
	org := newOrganization()
	org.Spec.Workplace = v1alpha1.WorkplaceSpec{CompanyID: companyID}
	return org, newSecret(map[string]string{v1alpha1.SecretKeyAccessKey: accessKey, v1alpha1.SecretKeySecretKey: secretKey})
}

// differs compares what WORKPLACE holds of a Department: name, parent, display order.
func (*ncpCloud) differs(d *v1alpha1.Department, r remoteDepartment) string {
	// A display order the Department leaves unset is the remote department's own.
	if r.Name == d.Spec.Name && r.Parent == d.Spec.ParentExternalKey &&
		(d.Spec.DisplayOrder == "" || ncp.EqualDisplayOrder(r.DisplayOrder, d.Spec.DisplayOrder)) {
		return ""
	}
	return fmt.Sprintf("remote is %q under %s (order %s), spec says %q under %s (order %s)",
		r.Name, topLevel(r.Parent), r.DisplayOrder, d.Spec.Name, topLevel(d.Spec.ParentExternalKey), cmp.Or(d.Spec.DisplayOrder, "(unset)"))
}

func (*ncpCloud) write(req *http.Request) (string, bool) { return writtenKey(req) }

// errorCode reads WORKPLACE's numeric error code.
func (*ncpCloud) errorCode(body []byte) string {
	var e struct {
		Code json.Number `json:"code"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	return e.Code.String()
}

// The WORKPLACE codes of writes refused for ordering: parent missing, a cycle, children present.
func (*ncpCloud) orderingCodes() []string { return []string{"-4030", "-4031", "-4050"} }

func (*ncpCloud) organizationAPI(path string) bool { return strings.HasPrefix(path, organizationPath) }

func (*ncpCloud) organizationAPIDown(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write([]byte(`{"error":{"errorCode":"503","message":"Service Unavailable"}}`))
}

// writtenKey returns the external key of a WORKPLACE department write, and whether req is one.
func writtenKey(req *http.Request) (string, bool) {
	switch req.Method {
	case http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch:
	default:
		return "", false
	}
	rest, ok := strings.CutPrefix(req.URL.EscapedPath(), departmentPath)
	if !ok {
		return "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[1] != "department" {
		return "", false
	}
	key, err := url.PathUnescape(parts[2])
	return key, err == nil
}
