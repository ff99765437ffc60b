package controller_test

import (
	"cmp"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/ncp/ncpfake"
	"github.com/orgsync/orgsync/internal/provider"
	"github.com/orgsync/orgsync/internal/testenv"
)

// backend is a remote system behind a provider, run as an in-process fake. The scenarios are
// written once against this interface and run for every backend.
type backend interface {
	name() string
	provider() v1alpha1.Provider
	start()
	stop()
	connector() provider.Connector
	// newAccount makes a fresh account (credentials and company) in the fake.
	newAccount() *account
	// departments is what the remote system holds for the account, by key.
	departments(a *account) map[string]remoteDepartment
	// calls is every remote call made with the account's credentials, in order.
	calls(a *account) []remoteCall
	// put creates or overwrites a department directly in the remote system, bypassing orgsync
	// (drift, or a department that existed before orgsync).
	put(a *account, key string, d remoteDepartment)
	// hasOrganization reports whether the account belongs to a remote organization.
	hasOrganization(a *account) bool
	// setFaults makes the fake answer a fraction of all calls as throttled or unavailable.
	setFaults(throttled, unavailable float64)
	// supports reports whether the remote system holds a department field (featureI18nNames,
	// featureDisplayOrder); scenarios check that a backend ignores the fields it lacks.
	supports(feature string) bool
	// rejectedSpec changes a Department so that it passes admission but the remote system
	// rejects it.
	rejectedSpec(d *v1alpha1.Department)
	// remove deletes a department directly in the remote system, bypassing orgsync.
	remove(a *account, key string)
	// uniqueSiblingNames reports whether the remote system refuses two siblings of one name.
	uniqueSiblingNames() bool
	// departmentCredential is the Secret key the department API authenticates with.
	departmentCredential() string
	// breakOrganizationAPI makes the remote organization API (only) fail for the account.
	breakOrganizationAPI(a *account, broken bool)
	// canTellNoOrganization reports whether the remote system answers "no organization" in a way
	// the documents define (not so in the undocumented-answers mode of NCP).
	canTellNoOrganization() bool
	// leaveOrganization takes the account out of its remote organization, bypassing orgsync.
	leaveOrganization(a *account)
	// setUndocumentedErrors makes every failure the documents do not define answer 400 with a
	// code and message the client has never seen.
	setUndocumentedErrors(on bool)
}

// Department fields that not every remote system has.
const (
	featureI18nNames    = "i18nNames"
	featureDisplayOrder = "displayOrder"
)

// account is one tenant of a fake: what goes into the Secret and the Organization's spec.
type account struct {
	secret    map[string]string
	companyID string
	// id identifies the account in the fake's request log.
	id string
	// mutateOrg, when set, completes the account's Organization (a provider's own spec).
	mutateOrg func(*v1alpha1.Organization)
}

type remoteDepartment struct {
	Parent       string // "" for a top-level department
	Name         string
	I18nNames    map[string]string
	DisplayOrder string
}

type remoteCall struct {
	Method string
	Key    string // the department's key, "" for organization calls
	Status int
}

func (c remoteCall) write() bool { return c.Method != "GET" }

// writes filters calls to the department writes (create, update, delete).
func writes(calls []remoteCall) []remoteCall {
	var out []remoteCall
	for _, c := range calls {
		if c.write() && c.Key != "" {
			out = append(out, c)
		}
	}
	return out
}

// randomID names what no other spec uses.
var randomID = testenv.RandomID

// specClients are the remote clients' options of the suite's manager: generous limits and short
// retries, since the fakes are local and a spec must not wait long. A request is given the
// manager's default time (30s): the fakes answer at once, and a host that never answers
// (fair_workers_test.go) holds a call as long as it would in production.
var specClients = provider.ClientOptions{QPS: 500, Burst: 100, RequestTimeout: 30 * time.Second, MaxRetryDuration: 5 * time.Second, MaxRetryAfter: specMaxRetryAfter}

// specMaxRetryAfter is the suite's --remote-max-retry-after: short, so that a hold is seen to end.
const specMaxRetryAfter = 2 * time.Second

var backends = []backend{&ncpBackend{}}

// backendOf returns the suite's backend of type B, for specs of one cloud.
func backendOf[B backend]() B {
	for _, b := range backends {
		if found, ok := b.(B); ok {
			return found
		}
	}
	panic(fmt.Sprintf("no backend of type %T", *new(B)))
}

// forEachBackend runs specs once per backend, each in a Context named after it.
func forEachBackend(specs func(b backend)) {
	for _, b := range backends {
		Context(b.name(), func() { specs(b) })
	}
}

// ncpBackend is NCP WORKPLACE and NCP Organization, served by ncpfake behind a handler that can
// make the Organization API fail for chosen accounts.
type ncpBackend struct {
	server *ncpfake.Fake
	http   *httptest.Server
	// brokenOrganizationAPI holds the access keys whose Organization API calls answer 503.
	brokenOrganizationAPI sync.Map
	// retryAfter, when set, answers every WORKPLACE request 429 with it as Retry-After.
	retryAfter atomic.Pointer[string]
}

func (b *ncpBackend) name() string                { return "NCP" }
func (b *ncpBackend) provider() v1alpha1.Provider { return v1alpha1.ProviderNCP }
func (b *ncpBackend) start() {
	b.server = ncpfake.New(ncpfake.Options{})
	b.http = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, broken := b.brokenOrganizationAPI.Load(r.Header.Get("x-ncp-iam-access-key")); broken && strings.HasPrefix(r.URL.Path, "/open-api/") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"error":{"errorCode":"500","message":"endpoint error"}}`))
			return
		}
		if retryAfter := b.retryAfter.Load(); retryAfter != nil && !strings.HasPrefix(r.URL.Path, "/open-api/") {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", *retryAfter)
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"error":{"errorCode":"420","message":"rate limited"}}`))
			return
		}
		b.server.ServeHTTP(w, r)
	}))
}
func (b *ncpBackend) stop() {
	if b.http != nil {
		b.http.Close()
	}
}

func (b *ncpBackend) connector() provider.Connector {
	return testenv.NCPConnector(b.http.URL, specClients)
}

func (b *ncpBackend) newAccount() *account {
	ncp := testenv.NewNCPAccount(b.server)
	a := &account{secret: ncp.Credentials(), companyID: ncp.CompanyID, id: ncp.AccessKey}
	if b.server.UndocumentedErrors() {
		// No document says how the Organization API answers an account in no organization, so
		// orgsync cannot decide to create one from such an answer: the account already has one.
		b.server.SetOrganization(a.id, &ncpfake.Organization{OrganizationDesc: "made beforehand"})
	}
	return a
}

func (b *ncpBackend) departments(a *account) map[string]remoteDepartment {
	out := map[string]remoteDepartment{}
	for _, d := range b.server.Departments(a.companyID) {
		parent := d.ParentExternalKey
		if parent == ncpfake.TopLevelParent {
			parent = ""
		}
		out[d.ExternalKey] = remoteDepartment{Parent: parent, Name: d.Name, I18nNames: d.I18nNames, DisplayOrder: d.DisplayOrder}
	}
	return out
}

func (b *ncpBackend) calls(a *account) []remoteCall {
	var out []remoteCall
	for _, r := range b.server.Requests() {
		if r.AccessKey != a.id {
			continue
		}
		key := ""
		if i := strings.LastIndex(r.Path, "/department/"); i >= 0 {
			key = r.Path[i+len("/department/"):]
		}
		out = append(out, remoteCall{Method: r.Method, Key: key, Status: r.Status})
	}
	return out
}

func (b *ncpBackend) put(a *account, key string, d remoteDepartment) {
	parent := d.Parent
	if parent == "" {
		parent = ncpfake.TopLevelParent
	}
	b.server.PutDepartment(a.companyID, ncpfake.Department{
		ExternalKey: key, Name: d.Name, I18nNames: d.I18nNames, ParentExternalKey: parent,
		DisplayOrder: cmp.Or(d.DisplayOrder, "1.0"),
	})
}

func (b *ncpBackend) hasOrganization(a *account) bool { return b.server.Organization(a.id) != nil }

func (b *ncpBackend) supports(string) bool { return true }

// rejectedSpec sets an address with a trailing dot: admission's pattern lets it through,
// WORKPLACE's validation does not.
func (b *ncpBackend) rejectedSpec(d *v1alpha1.Department) {
	d.Spec.EmailAddress = new("team@example.com.")
}

func (b *ncpBackend) departmentCredential() string { return v1alpha1.SecretKeySecretKey }

func (b *ncpBackend) remove(a *account, key string) { b.server.RemoveDepartment(a.companyID, key) }

func (b *ncpBackend) uniqueSiblingNames() bool { return false }

func (b *ncpBackend) canTellNoOrganization() bool { return !b.server.UndocumentedErrors() }

func (b *ncpBackend) leaveOrganization(a *account) { b.server.SetOrganization(a.id, nil) }

func (b *ncpBackend) breakOrganizationAPI(a *account, broken bool) {
	if broken {
		b.brokenOrganizationAPI.Store(a.id, true)
	} else {
		b.brokenOrganizationAPI.Delete(a.id)
	}
}

func (b *ncpBackend) setUndocumentedErrors(on bool) { b.server.SetUndocumentedErrors(on) }

func (b *ncpBackend) setFaults(throttled, unavailable float64) {
	b.server.SetFaults(ncpfake.Faults{ThrottleFraction: throttled, UnavailableFraction: unavailable})
}

// keysOf returns the sorted keys of m.
func keysOf[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
