package ncpfake

import (
	"fmt"
	"net/http"
	"strings"
)

// OrganizationAnswer is an answer the Organization API (/open-api/v1/org and below) can be made to
// give instead of its own, to reproduce what the real service and its API gateway answer besides
// success: see SetOrganizationAnswer.
type OrganizationAnswer int

const (
	// OrgAnswerAsStored means the Organization API answers from its state (the default).
	OrgAnswerAsStored OrganizationAnswer = iota
	// OrgAnswerNoRoute means the API gateway answers every Organization API request as it answers a
	// path it has no route for, before authentication: 404
	// {"error":{"errorCode":"300","message":"Not Found Exception"}}. It is what a wrong endpoint or
	// path gets, never "no organization".
	OrgAnswerNoRoute
	// OrgAnswerUnparseable means GET /open-api/v1/org answers 200 with a body that is not JSON.
	OrgAnswerUnparseable
	// OrgAnswerEmpty means GET /open-api/v1/org answers 200 {}: no organization in it.
	OrgAnswerEmpty
	// OrgAnswerTryLater means every Organization API request answers 403 COMMON_102 ("failed to send
	// the email, please try again later"), a temporary failure.
	OrgAnswerTryLater
	// OrgAnswerInternalError means every Organization API request answers 403 COMMON_103 ("an internal
	// server error has occurred"), a temporary failure.
	OrgAnswerInternalError
)

// organizationAnswer is the answer in force and how many more requests it answers (every one while
// negative).
type organizationAnswer struct {
	answer OrganizationAnswer
	left   int
}

// SetOrganizationAnswer makes the next times Organization API requests it applies to (every one
// while times is negative) get answer instead of the API's own, changing nothing; then the API
// answers from its state again. SetOrganizationAnswer(OrgAnswerAsStored, 0) ends it at once.
// OrgAnswerUnparseable and OrgAnswerEmpty apply to GET /open-api/v1/org only, the others to every
// Organization API request. WORKPLACE is not affected. See SetOrganizationAnswerFor to answer one
// account's requests only.
func (f *Fake) SetOrganizationAnswer(answer OrganizationAnswer, times int) {
	f.SetOrganizationAnswerFor("", answer, times)
}

// SetOrganizationAnswerFor is SetOrganizationAnswer for the requests that carry accessKey in
// x-ncp-iam-access-key only ("": every request without an answer of its own).
func (f *Fake) SetOrganizationAnswerFor(accessKey string, answer OrganizationAnswer, times int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if answer == OrgAnswerAsStored || times == 0 {
		delete(f.orgAnswers, accessKey)
		return
	}
	if f.orgAnswers == nil {
		f.orgAnswers = map[string]organizationAnswer{}
	}
	f.orgAnswers[accessKey] = organizationAnswer{answer: answer, left: times}
}

// takeOrganizationAnswer returns the answer in force for a request, counting it, or
// OrgAnswerAsStored when none applies. beforeAuth selects the gateway's own answers (no route),
// which come before authentication; the others come after.
func (f *Fake) takeOrganizationAnswer(r *http.Request, beforeAuth bool) OrganizationAnswer {
	if p := r.URL.EscapedPath(); p != organizationPrefix && !strings.HasPrefix(p, organizationPrefix+"/") {
		return OrgAnswerAsStored
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	key := r.Header.Get(headerAccessKey)
	if _, own := f.orgAnswers[key]; !own {
		key = ""
	}
	current, ok := f.orgAnswers[key]
	if !ok {
		return OrgAnswerAsStored
	}
	a := current.answer
	switch {
	case a == OrgAnswerAsStored, beforeAuth != (a == OrgAnswerNoRoute):
		return OrgAnswerAsStored
	case (a == OrgAnswerUnparseable || a == OrgAnswerEmpty) &&
		(r.Method != http.MethodGet || r.URL.EscapedPath() != organizationPrefix):
		return OrgAnswerAsStored
	}
	if current.left > 0 {
		current.left--
		f.orgAnswers[key] = current
		if current.left == 0 {
			delete(f.orgAnswers, key)
		}
	}
	return a
}

// writeOrganizationAnswer answers w with a.
func writeOrganizationAnswer(w http.ResponseWriter, a OrganizationAnswer) {
	switch a {
	case OrgAnswerNoRoute:
		writeGatewayError(w, http.StatusNotFound, "300", "Not Found Exception")
	case OrgAnswerUnparseable:
		w.Header().Set("Content-Type", "text/html;charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("<html><body>Service maintenance</body></html>"))
	case OrgAnswerEmpty:
		writeJSON(w, http.StatusOK, struct{}{})
	case OrgAnswerTryLater:
		writeGatewayError(w, http.StatusForbidden, "COMMON_102", "Failed to send the email. Please try again later.")
	case OrgAnswerInternalError:
		writeGatewayError(w, http.StatusForbidden, "COMMON_103", "An internal server error has occurred.")
	}
}

// String names the answer.
func (a OrganizationAnswer) String() string {
	switch a {
	case OrgAnswerAsStored:
		return "as stored"
	case OrgAnswerNoRoute:
		return "gateway 404 errorCode 300"
	case OrgAnswerUnparseable:
		return "200 not JSON"
	case OrgAnswerEmpty:
		return "200 {}"
	case OrgAnswerTryLater:
		return "403 COMMON_102"
	case OrgAnswerInternalError:
		return "403 COMMON_103"
	}
	return fmt.Sprintf("OrganizationAnswer(%d)", int(a))
}
