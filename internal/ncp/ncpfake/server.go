// Package ncpfake is an in-memory fake of the parts of NAVER Cloud Platform that orgsync talks to:
// the WORKPLACE Organization v2 department API and the Organization API.
//
// The fake follows the wire contract the real services are documented to follow: the API Gateway's
// signature v2 authentication, WORKPLACE's validation rules and error bodies, and the Organization
// API's membership rules. Tests, the demo and cmd/fakencp drive it over HTTP, inspect or edit its
// state directly (Departments, PutDepartment, Requests, Counts, ...) and inject faults (latency, throttling,
// unavailability, a rate cap, a listing that breaks off or whose pages do not add up: SetListFailure). Failures the documents do not define get the fake's own answers, or
// one unrecognisable answer in undocumented-answers mode (SetUndocumentedErrors). The Organization
// API can be made to answer as its gateway does for a wrong path (404 errorCode 300), with a 200
// that holds no organization, or with its temporary 403s COMMON_102 and COMMON_103
// (SetOrganizationAnswer). A Fake is safe for concurrent use.
package ncpfake

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orgsync/orgsync/internal/fakeserver"
)

// Options configure a Fake.
type Options struct {
	// AccessKey and SecretKey are the primary account's credentials. More accounts can be added
	// with AddAccount. An empty AccessKey adds no account.
	AccessKey, SecretKey string
	// CompanyIDs are the WORKPLACE companies that exist; requests naming any other company get 404.
	CompanyIDs []string
	// Faults are injected from the start; see SetFaults to change them later.
	Faults Faults
	// Options are the clock, the request hook and the undocumented-answers mode.
	fakeserver.Options
}

// Fake holds the state of the fake NCP services and serves their HTTP APIs. Create it with New.
type Fake struct {
	now          func() time.Time
	log          *fakeserver.Log
	faults       fakeserver.Injector
	undocumented atomic.Bool
	counts       requestCounts

	mu        sync.Mutex
	accounts  map[string]*account // by access key
	companies map[string]*company // by WORKPLACE companyId
	orgs      map[int64]*organization
	nextOrgNo int64
	nextMemNo int64

	listFailures fakeserver.ListFailures

	// orgAnswers are the answers SetOrganizationAnswerFor set, by access key ("": every account).
	orgAnswers map[string]organizationAnswer
}

// New returns a Fake configured by opts. It is an http.Handler; NewServer also starts a server.
func New(opts Options) *Fake {
	f := &Fake{
		now:       opts.Clock(),
		accounts:  make(map[string]*account),
		companies: make(map[string]*company),
		orgs:      make(map[int64]*organization),
		nextOrgNo: firstOrganizationNo,
		nextMemNo: firstMemberNo,
	}
	f.log = fakeserver.NewLog(f.now, opts.OnRequest)
	if opts.AccessKey != "" {
		f.AddAccount(opts.AccessKey, opts.SecretKey)
	}
	for _, id := range opts.CompanyIDs {
		f.AddCompany(id)
	}
	f.SetFaults(opts.Faults)
	f.SetUndocumentedErrors(opts.UndocumentedErrors)
	return f
}

// Server is a Fake served on a free port of 127.0.0.1. Its URL is the base of both the WORKPLACE
// and the Organization API.
type Server struct {
	*Fake
	*fakeserver.Listener
}

// NewServer returns a Fake configured by opts, served on a free port of 127.0.0.1.
// Close it when done.
func NewServer(opts Options) *Server {
	f := New(opts)
	return &Server{Fake: f, Listener: fakeserver.Listen(f)}
}

// AddAccount adds an account that can sign requests, or changes the secret key of an existing one.
func (f *Fake) AddAccount(accessKey, secretKey string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.accountLocked(accessKey)
	a.secretKey = secretKey
	a.canSign = true
}

// AddCompany makes a WORKPLACE company exist. Adding an existing company changes nothing.
func (f *Fake) AddCompany(companyID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.companyLocked(companyID)
}

// apiKind tells which service a route belongs to: they answer throttling differently.
type apiKind int

const (
	apiWorkplace apiKind = iota
	apiOrganization
)

// route is a matched path: the service, the path parameters and the handlers by method.
type route struct {
	api       apiKind
	companyID string // WORKPLACE routes
	deptKey   string // WORKPLACE department routes
	orgNo     string // DELETE /open-api/v1/org/{organizationNo}
	handlers  map[string]func(http.ResponseWriter, *http.Request, route)
}

const (
	workplacePrefix    = "/organization/apigw/v2/company/"
	organizationPrefix = "/open-api/v1/org"
)

// ServeHTTP serves both APIs. Every request is logged (see Requests) and every request to a
// WORKPLACE route counted (see Counts). In order: the injected latency, the path (404) and method
// (405), authentication (401), injected faults (429/403/503), then the API itself.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := f.log.Start(w, r, r.Header.Get(headerAccessKey))
	defer rec.Done()

	rt, ok := f.match(r)
	if ok && rt.api == apiWorkplace {
		f.counts.add(rt.companyID, r.Method)
	}
	faults := f.faults.Faults()
	if !fakeserver.Delay(r, faults.Latency) {
		writeUnavailable(rec)
		return
	}
	if a := f.takeOrganizationAnswer(r, true); a != OrgAnswerAsStored {
		writeOrganizationAnswer(rec, a)
		return
	}
	if !ok {
		writeGatewayError(rec, http.StatusNotFound, "300", "Not Found")
		return
	}
	handle, ok := rt.handlers[r.Method]
	if !ok {
		rec.Header().Set("Allow", allowed(rt))
		writeGatewayError(rec, http.StatusMethodNotAllowed, "100", "Method Not Allowed")
		return
	}
	if !f.authenticate(r) {
		writeGatewayError(rec, http.StatusUnauthorized, "200", "Authentication Failed")
		return
	}
	if f.injectFault(rec, rt.api, faults) {
		return
	}
	if a := f.takeOrganizationAnswer(r, false); a != OrgAnswerAsStored {
		writeOrganizationAnswer(rec, a)
		return
	}
	handle(rec, r, rt)
}

// match finds the route of a request path. Path parameters are unescaped one segment at a time so
// that an escaped "/" stays inside its parameter.
func (f *Fake) match(r *http.Request) (route, bool) {
	p := r.URL.EscapedPath()
	if rest, ok := strings.CutPrefix(p, workplacePrefix); ok {
		return f.matchWorkplace(rest)
	}
	if p == organizationPrefix {
		return route{api: apiOrganization, handlers: map[string]func(http.ResponseWriter, *http.Request, route){
			http.MethodGet:  f.handleGetOrganization,
			http.MethodPost: f.handleCreateOrganization,
		}}, true
	}
	if rest, ok := strings.CutPrefix(p, organizationPrefix+"/"); ok && rest != "" && !strings.Contains(rest, "/") {
		no, err := url.PathUnescape(rest)
		if err != nil {
			return route{}, false
		}
		return route{api: apiOrganization, orgNo: no, handlers: map[string]func(http.ResponseWriter, *http.Request, route){
			http.MethodDelete: f.handleDeleteOrganization,
		}}, true
	}
	return route{}, false
}

// matchWorkplace matches what follows the WORKPLACE prefix: {companyId}/department[/{externalKey}].
func (f *Fake) matchWorkplace(rest string) (route, bool) {
	parts := strings.Split(rest, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] != "department" {
		return route{}, false
	}
	companyID, err := url.PathUnescape(parts[0])
	if err != nil {
		return route{}, false
	}
	if len(parts) == 2 {
		return route{api: apiWorkplace, companyID: companyID, handlers: map[string]func(http.ResponseWriter, *http.Request, route){
			http.MethodGet: f.handleListDepartments,
		}}, true
	}
	key, err := url.PathUnescape(parts[2])
	if err != nil || key == "" {
		return route{}, false
	}
	return route{api: apiWorkplace, companyID: companyID, deptKey: key, handlers: map[string]func(http.ResponseWriter, *http.Request, route){
		http.MethodGet:    f.handleGetDepartment,
		http.MethodPost:   f.handleCreateDepartment,
		http.MethodPut:    f.handleUpdateDepartment,
		http.MethodDelete: f.handleDeleteDepartment,
	}}, true
}

// allowed lists a route's methods for the Allow header, in a stable order.
func allowed(rt route) string {
	var methods []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		if _, ok := rt.handlers[m]; ok {
			methods = append(methods, m)
		}
	}
	return strings.Join(methods, ", ")
}

// maxBodyBytes is the largest request body accepted; larger ones get 413.
const maxBodyBytes = 1 << 20

// readBody reads a request body of at most maxBodyBytes. When the body is too large or cannot be
// read it answers the request itself and returns false.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if r.ContentLength > maxBodyBytes {
		writeGatewayError(w, http.StatusRequestEntityTooLarge, "430", "request entity too large")
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeGatewayError(w, http.StatusRequestEntityTooLarge, "430", "request entity too large")
		return nil, false
	case err != nil:
		writeGatewayError(w, http.StatusBadRequest, "100", "request body could not be read")
		return nil, false
	}
	return body, true
}

// gatewayError is the body of errors raised by the API Gateway and by the Organization API.
type gatewayError struct {
	Error gatewayErrorDetail `json:"error"`
}

type gatewayErrorDetail struct {
	ErrorCode string `json:"errorCode"`
	Message   string `json:"message"`
}

func writeGatewayError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, gatewayError{Error: gatewayErrorDetail{ErrorCode: code, Message: message}})
}

// writeJSON answers with status and v encoded as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	// The client may be gone; there is no one left to tell about a write error.
	_ = json.NewEncoder(w).Encode(v)
}
