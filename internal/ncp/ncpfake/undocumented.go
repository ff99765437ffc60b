package ncpfake

import "net/http"

// The NCP documents define success answers and validation errors, but not what WORKPLACE answers
// for a missing department, a duplicate key, a missing parent or a delete refused while
// sub-departments exist, nor what the Organization API answers for an account that belongs to no
// organization, already belongs to one, or names an organization that does not exist. The fake
// normally answers those with codes of its own choosing (404 -4040, 409 -4090, 400 -4030, 400
// -4050, 404 ORGANIZATION_NOT_FOUND, 409 COMMON_301). In undocumented-answers mode it
// answers all of them with one error no client can recognise, so that tests can show that code
// does not rest on the fake's choices to decide that something is absent, duplicate or has
// children.
const (
	codeUndocumented    = -9999
	messageUndocumented = "알 수 없는 오류가 발생했습니다" // "an unknown error occurred"
)

// SetUndocumentedErrors switches undocumented-answers mode on or off. In that mode every failure
// the documents do not define is answered with HTTP 400 and a body of WORKPLACE's validation-error
// shape with a code and message no client has seen:
//
//	{"status":400,"code":-9999,"errors":[],"message":"알 수 없는 오류가 발생했습니다"}
//
// That is: GET, PUT or DELETE of a department that does not exist; POST of an external key that
// already exists; POST or PUT under a parent that does not exist; DELETE of a department that
// still has sub-departments; and the Organization API's GET /open-api/v1/org from an account that
// belongs to no organization, POST /open-api/v1/org from one that already belongs to one, and
// DELETE of an organization number that does not exist. State changes exactly as in normal mode (a refused call changes
// nothing); every other answer is the same in both modes. Requests being answered while the mode
// changes may see either.
func (f *Fake) SetUndocumentedErrors(on bool) { f.undocumented.Store(on) }

// UndocumentedErrors reports whether the undocumented-answers mode is on.
func (f *Fake) UndocumentedErrors() bool { return f.undocumented.Load() }

// answerUndocumented answers w with the undocumented-answers error and reports true when that mode
// is on; otherwise it writes nothing and reports false.
func (f *Fake) answerUndocumented(w http.ResponseWriter) bool {
	if !f.undocumented.Load() {
		return false
	}
	writeWorkplaceError(w, http.StatusBadRequest, codeUndocumented, messageUndocumented)
	return true
}
