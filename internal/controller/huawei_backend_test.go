package controller_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/huaweicloud/huaweifake"
	"github.com/orgsync/orgsync/internal/provider"
	"github.com/orgsync/orgsync/internal/testenv"
)

func init() { backends = append(backends, &huaweiBackend{}) }

// huaweiBackend is Huawei Cloud OneAccess and Organizations, served by huaweifake. A fake holds a
// single OneAccess tenant, so every account gets its own fake server, and the account's
// Organization points both services at it.
type huaweiBackend struct {
	mu           sync.Mutex
	tenants      map[string]*huaweiTenant // by account id (the client id)
	faults       huaweifake.Faults
	undocumented bool
}

// huaweiTenant is one account's fake, behind a recorder that logs department calls by unit code.
type huaweiTenant struct {
	fake   *huaweifake.Fake
	server *httptest.Server

	mu sync.Mutex
	// organizationAPIBroken makes Huawei Cloud Organizations calls answer 503.
	organizationAPIBroken bool
	codes                 map[string]string // org_id -> code, kept after a unit is deleted
	calls                 []remoteCall
}

const oneAccessUnitsPath = "/api/v2/tenant/organizations"

func (b *huaweiBackend) name() string                { return "Huawei Cloud" }
func (b *huaweiBackend) provider() v1alpha1.Provider { return v1alpha1.ProviderHuaweiCloud }
func (b *huaweiBackend) start()                      { b.tenants = map[string]*huaweiTenant{} }

func (b *huaweiBackend) stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, t := range b.tenants {
		t.server.Close()
	}
}

func (b *huaweiBackend) connector() provider.Connector {
	// Generous limits and short timeouts: the fakes are local, and a spec must not wait long.
	return testenv.HuaweiConnector(specClients)
}

func (b *huaweiBackend) newAccount() *account {
	a := &account{secret: testenv.NewHuaweiCredentials()}
	a.id = a.secret[v1alpha1.SecretKeyClientID]
	t := &huaweiTenant{fake: huaweifake.New(testenv.HuaweiFakeOptions(a.secret)), codes: map[string]string{}}
	t.server = httptest.NewServer(http.HandlerFunc(t.serve))
	a.mutateOrg = func(o *v1alpha1.Organization) {
		o.Spec.HuaweiCloud = &v1alpha1.HuaweiCloudSpec{OneAccessDomain: t.server.URL, OrganizationsEndpoint: t.server.URL}
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	t.fake.SetFaults(b.faults)
	t.fake.SetUndocumentedErrors(b.undocumented)
	b.tenants[a.id] = t
	return a
}

func (b *huaweiBackend) tenant(a *account) *huaweiTenant {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.tenants[a.id]
}

// serve passes the request to the fake and logs it with the code of the unit it addresses: the
// code in a create's body, or the code of the org_id in the path.
func (t *huaweiTenant) serve(w http.ResponseWriter, r *http.Request) {
	t.mu.Lock()
	broken := t.organizationAPIBroken
	t.mu.Unlock()
	if broken && strings.HasPrefix(r.URL.Path, "/v1/organizations") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"error_code":"Organizations.5000","error_msg":"service unavailable"}`))
		return
	}
	key := ""
	if id, ok := strings.CutPrefix(r.URL.Path, oneAccessUnitsPath+"/"); ok {
		key = t.codeOf(id)
	} else if r.URL.Path == oneAccessUnitsPath && r.Method == http.MethodPost {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		var unit struct {
			Code string `json:"code"`
		}
		_ = json.Unmarshal(body, &unit)
		key = unit.Code
	}
	rec := httptest.NewRecorder()
	t.fake.ServeHTTP(rec, r)
	t.mu.Lock()
	t.calls = append(t.calls, remoteCall{Method: r.Method, Key: key, Status: rec.Code})
	t.mu.Unlock()
	for name, values := range rec.Header() {
		w.Header()[name] = values
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// codeOf returns the code of the unit with the org_id, remembering it past the unit's deletion.
func (t *huaweiTenant) codeOf(id string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, u := range t.fake.OrgUnits() {
		t.codes[u.ID] = u.Code
	}
	return t.codes[id]
}

func (b *huaweiBackend) departments(a *account) map[string]remoteDepartment {
	units := b.tenant(a).fake.OrgUnits()
	codes := map[string]string{}
	for _, u := range units {
		codes[u.ID] = u.Code
	}
	out := map[string]remoteDepartment{}
	for _, u := range units {
		out[u.Code] = remoteDepartment{Parent: codes[u.ParentID], Name: u.Name}
	}
	return out
}

func (b *huaweiBackend) calls(a *account) []remoteCall {
	t := b.tenant(a)
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]remoteCall(nil), t.calls...)
}

func (b *huaweiBackend) put(a *account, key string, d remoteDepartment) {
	fake := b.tenant(a).fake
	unit := huaweifake.OrgUnit{Code: key, Name: d.Name, Category: "department"}
	if existing, ok := fake.OrgUnitByCode(key); ok {
		unit.ID = existing.ID
	}
	if d.Parent != "" {
		parent, _ := fake.OrgUnitByCode(d.Parent)
		unit.ParentID = parent.ID
	}
	fake.PutOrgUnit(unit)
}

func (b *huaweiBackend) hasOrganization(a *account) bool {
	_, ok := b.tenant(a).fake.Organization(a.secret[v1alpha1.SecretKeyAccessKey])
	return ok
}

func (b *huaweiBackend) setFaults(throttled, unavailable float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.faults = huaweifake.Faults{ThrottleFraction: throttled, UnavailableFraction: unavailable}
	for _, t := range b.tenants {
		t.fake.SetFaults(b.faults)
	}
}

func (b *huaweiBackend) departmentCredential() string { return v1alpha1.SecretKeyClientSecret }

func (b *huaweiBackend) remove(a *account, key string) {
	fake := b.tenant(a).fake
	if u, ok := fake.OrgUnitByCode(key); ok {
		fake.RemoveOrgUnit(u.ID)
	}
}

func (b *huaweiBackend) uniqueSiblingNames() bool { return true }

func (b *huaweiBackend) canTellNoOrganization() bool { return true }

// leaveOrganization does nothing: a new Huawei Cloud account belongs to no organization.
func (b *huaweiBackend) leaveOrganization(*account) {}

func (b *huaweiBackend) breakOrganizationAPI(a *account, broken bool) {
	t := b.tenant(a)
	t.mu.Lock()
	t.organizationAPIBroken = broken
	t.mu.Unlock()
}

func (b *huaweiBackend) setUndocumentedErrors(on bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.undocumented = on
	for _, t := range b.tenants {
		t.fake.SetUndocumentedErrors(on)
	}
}

// OneAccess units have no localized names and no display order.
// rejectedSpec sets a name with a slash, outside OneAccess's character set.
func (b *huaweiBackend) rejectedSpec(d *v1alpha1.Department) { d.Spec.Name = "R&D / Ops" }

func (b *huaweiBackend) supports(feature string) bool {
	return feature != featureI18nNames && feature != featureDisplayOrder
}
