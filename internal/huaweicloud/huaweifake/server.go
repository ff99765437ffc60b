// Package huaweifake is an in-memory fake of the Huawei Cloud services orgsync talks to: OneAccess
// (a tenant's organization units, behind a client-credentials bearer token) and Huawei Cloud
// Organizations (an account's organization and its organizational units, behind AK/SK
// SDK-HMAC-SHA256 signatures). One Fake serves both APIs; their paths do not overlap.
//
// The fake follows Huawei's documents, not orgsync's client: tokens expire after Options.TokenTTL
// and a refused token request answers 400 {"error_code","error_msg"}; signatures are verified (with
// its own implementation, not the client's) and an X-Sdk-Date 15 minutes or more away from the
// server clock is refused; OneAccess listings are paged by page number (offset, from 0; SetPaging
// numbers them from 1 as some tenants may) with a limit of 10 to 100 and hold what org_id and
// all_child select (see handleListUnits); unit codes are unique in
// the tenant, names unique among siblings, parents must exist and a unit with children cannot be
// deleted; an update leaves every field it sends empty as it was (so it cannot move a unit to the
// top level). Tests, the demo and cmd/fakehuawei drive it over HTTP, inspect or edit its state
// directly (OrgUnits, PutOrgUnit, Organization, ...) and inject faults (latency, throttling,
// unavailability, concurrent modification, updates accepted and not applied, a rate cap, all of
// them optionally for selected requests only; list pages that break off or do not add up:
// SetListFailure). A Fake is safe for concurrent use.
//
// Error codes: ORG.0011/0012/0014/0015, APIGW.0301/0308 and Organizations.1003, 1004-1006 and
// 1015 are Huawei's: an account in no organization gets 401 Organizations.1015 on GET
// /v1/organizations and every call under it, as Huawei's own Terraform provider reads it, and
// SetTemporaryFailure makes the Organizations API answer 400 Organizations.1004, 1005 or 1006 ("try
// again later"). The fake answers conditions Huawei documents no code for with codes of its own
// (ORG.0010 not found, ORG.0013 sibling name taken, ORG.0016 parent not found, ORG.0017 has
// children, ORG.0018 move into its own subtree, ORG.0019 invalid parameter, Organizations.1101-1107,
// 400 AUTH.0002 and AUTH.0003 refused token requests), and refused bearer tokens with 401
// {"error_code":"AUTH.0001"}. In undocumented-answers mode (SetUndocumentedErrors) the OneAccess ones
// become one code no client knows.
package huaweifake

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orgsync/orgsync/internal/fakeserver"
)

// Options configure a Fake.
type Options struct {
	// ClientID and ClientSecret are the OneAccess application's credentials; the token endpoint
	// refuses any other pair.
	ClientID, ClientSecret string
	// AccessKey and SecretKey are an Organizations account's key pair; more with AddAccount. An
	// empty AccessKey adds no account.
	AccessKey, SecretKey string
	// TokenTTL is the lifetime of issued tokens (expires_in); default 1800s.
	TokenTTL time.Duration
	// Faults are injected from the start; see SetFaults.
	Faults Faults
	// Options are the clock, the request hook and the undocumented-answers mode.
	fakeserver.Options
}

// Fake holds the state of the fake services and serves their HTTP APIs. Create it with New.
type Fake struct {
	now          func() time.Time
	log          *fakeserver.Log
	injector     fakeserver.Injector
	undocumented atomic.Bool

	mu            sync.Mutex
	clientID      string
	clientSecret  string
	tokenTTL      time.Duration
	tokens        map[string]time.Time // access token → expiry
	units         map[string]*OrgUnit  // OneAccess units by org_id
	unitOrder     []string             // org_ids in creation order
	unitWrites    []UnitWrite          // the write log (writes.go)
	accounts      map[string]*account  // Organizations accounts by access key
	seq           int64
	faults        Faults
	listing       listing // OneAccess paging and list failures
	tokensIssued  int
	orgsByAccount map[string]*organization
	temporary     temporaryFailure
}

// New returns a Fake configured by opts. It is an http.Handler; NewServer also starts a server.
func New(opts Options) *Fake {
	f := &Fake{
		now:           opts.Clock(),
		clientID:      opts.ClientID,
		clientSecret:  opts.ClientSecret,
		tokenTTL:      opts.TokenTTL,
		tokens:        make(map[string]time.Time),
		units:         make(map[string]*OrgUnit),
		accounts:      make(map[string]*account),
		orgsByAccount: make(map[string]*organization),
	}
	f.log = fakeserver.NewLog(f.now, opts.OnRequest)
	if f.tokenTTL <= 0 {
		f.tokenTTL = 1800 * time.Second
	}
	f.SetFaults(opts.Faults)
	f.SetUndocumentedErrors(opts.UndocumentedErrors)
	if opts.AccessKey != "" {
		f.AddAccount(opts.AccessKey, opts.SecretKey, "")
	}
	return f
}

// Server is a Fake served on a free port of 127.0.0.1. Its URL is the base of both APIs.
type Server struct {
	*Fake
	*fakeserver.Listener
}

// NewServer returns a Fake served on a free port of 127.0.0.1. Close it when done.
func NewServer(opts Options) *Server {
	fake := New(opts)
	return &Server{Fake: fake, Listener: fakeserver.Listen(fake)}
}

// api tells which service a path belongs to.
type api int

const (
	apiOneAccess api = iota
	apiOrganizations
)

// params are what ServeHTTP learnt about a request before handing it to its handler.
type params struct {
	id      string // the path's id segment, unescaped
	account string // Organizations: the access key that signed the request
}

type handlerFunc func(w http.ResponseWriter, r *http.Request, p params)

// route is a matched path: its service, the path's id parameter and the handlers by method.
type route struct {
	api      api
	id       string
	account  string
	token    bool // the token endpoint: no bearer token required
	handlers map[string]handlerFunc
}

const (
	tokenPath         = "/api/v2/tenant/token" //nolint:gosec // G101: a URL path, not a credential
	orgUnitsPath      = "/api/v2/tenant/organizations"
	organizationsPath = "/v1/organizations"
	rootsPath         = organizationsPath + "/roots"
	ousPath           = organizationsPath + "/organizational-units"
)

// ServeHTTP serves both APIs and logs every request. In order: injected latency, the path (404)
// and method (405), authentication (401), injected faults, then the API itself. Faults apply to
// the requests Faults.Select selects, or to all.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := f.log.Start(w, r, "")
	defer rec.Done()

	faults := f.currentFaults()
	selected := faults.selects(r)
	if selected && !fakeserver.Delay(r, faults.Latency) {
		writeUnavailable(rec)
		return
	}
	rt, ok := f.match(r.URL.Path)
	if !ok {
		writeError(rec, http.StatusNotFound, "APIGW.0101", "the API does not exist")
		return
	}
	handle, ok := rt.handlers[r.Method]
	if !ok {
		writeError(rec, http.StatusMethodNotAllowed, "APIGW.0101", "method not allowed")
		return
	}
	switch {
	case rt.token:
	case rt.api == apiOneAccess && !f.bearerValid(r):
		writeError(rec, http.StatusUnauthorized, codeTokenRefused, "access token invalid or expired")
		return
	case rt.api == apiOneAccess && !jsonContentType(r):
		// Every OneAccess call documents Content-Type application/json;charset=utf8 as mandatory;
		// what the service answers without it is not documented: the fake's own answer.
		writeError(rec, http.StatusBadRequest, codeInvalidParameter, "Content-Type must be application/json;charset=utf8")
		return
	case rt.api == apiOrganizations:
		ak, ok := f.verifySignature(r)
		if !ok {
			writeError(rec, http.StatusUnauthorized, codeSignatureFailed, "signature verification failed")
			return
		}
		rec.SetAccessKey(ak)
		rt.account = ak
	}
	if selected && f.injectFault(rec, rt.api, r.Method, faults) {
		return
	}
	if rt.api == apiOrganizations && f.answerTemporaryFailure(rec) {
		return
	}
	handle(rec, r, params{id: rt.id, account: rt.account})
}

// jsonContentType reports whether r says its content is JSON (application/json, any parameters).
func jsonContentType(r *http.Request) bool {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mediaType == "application/json"
}

// match finds the route of an unescaped path.
func (f *Fake) match(path string) (route, bool) {
	switch path {
	case tokenPath:
		return route{api: apiOneAccess, token: true, handlers: map[string]handlerFunc{http.MethodPost: f.handleToken}}, true
	case orgUnitsPath:
		return route{api: apiOneAccess, handlers: map[string]handlerFunc{
			http.MethodGet: f.handleListUnits, http.MethodPost: f.handleCreateUnit}}, true
	case organizationsPath:
		return route{api: apiOrganizations, handlers: map[string]handlerFunc{
			http.MethodGet: f.handleGetOrganization, http.MethodPost: f.handleCreateOrganization,
			http.MethodDelete: f.handleDeleteOrganization}}, true
	case rootsPath:
		return route{api: apiOrganizations, handlers: map[string]handlerFunc{http.MethodGet: f.handleListRoots}}, true
	case ousPath:
		return route{api: apiOrganizations, handlers: map[string]handlerFunc{
			http.MethodGet: f.handleListOUs, http.MethodPost: f.handleCreateOU}}, true
	}
	if id, ok := childSegment(path, orgUnitsPath); ok {
		return route{api: apiOneAccess, id: id, handlers: map[string]handlerFunc{
			http.MethodGet: f.handleGetUnit, http.MethodPut: f.handleUpdateUnit, http.MethodDelete: f.handleDeleteUnit}}, true
	}
	if id, ok := childSegment(path, ousPath); ok {
		return route{api: apiOrganizations, id: id, handlers: map[string]handlerFunc{
			http.MethodGet: f.handleGetOU, http.MethodPatch: f.handleRenameOU, http.MethodDelete: f.handleDeleteOU}}, true
	}
	return route{}, false
}

// childSegment returns the single non-empty segment below prefix.
func childSegment(path, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(path, prefix+"/")
	if !ok || rest == "" || strings.Contains(rest, "/") {
		return "", false
	}
	return rest, true
}

// maxBodyBytes bounds request bodies.
const maxBodyBytes = 1 << 20

// decodeBody decodes a JSON request body into v. On failure it answers the request itself with
// code and returns false.
func decodeBody(w http.ResponseWriter, r *http.Request, v any, code string) bool {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, code, "request body too large or unreadable")
		return false
	}
	if err := json.Unmarshal(data, v); err != nil {
		writeError(w, http.StatusBadRequest, code, "request body is not valid JSON")
		return false
	}
	return true
}

// errorBody is the error shape of OneAccess, Organizations and the API gateway.
type errorBody struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
	RequestID string `json:"request_id,omitempty"`
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, errorBody{ErrorCode: code, ErrorMsg: message, RequestID: newID("", 16)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may be gone; no one to tell
}
