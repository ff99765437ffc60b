package huaweifake

import "net/http"

// The OneAccess documents define the success answers, the 400 {"error_code","error_msg"} shape and
// the validation codes ORG.0011, ORG.0014 and ORG.0015; remote-apis.md adds ORG.0012 for a code
// that exists. They do not say what OneAccess answers for a unit that does not exist, a parent that
// does not exist, a delete refused while the unit has children, a sibling name taken or a move
// under the unit's own subtree. The fake normally answers those with codes of its own choosing
// (404 ORG.0010, 400 ORG.0016, ORG.0017, ORG.0013, ORG.0018). In undocumented-answers mode it
// answers them, and a code that exists, with one error no client can recognise, so that tests can
// show that code does not rest on the fake's choices to decide that something is absent, duplicate
// or has children.
const (
	codeUndocumented    = "ORG.9999"
	messageUndocumented = "未知错误：操作失败" // "unknown error: the operation failed"
)

// undocumentedFailures are the codes replaced in undocumented-answers mode.
var undocumentedFailures = map[string]bool{
	codeNotFound:       true,
	codeCodeExists:     true,
	codeNameTaken:      true,
	codeParentNotFound: true,
	codeHasChildren:    true,
	codeCycle:          true,
}

// SetUndocumentedErrors switches undocumented-answers mode on or off. In that mode every OneAccess
// failure the documents do not define is answered with HTTP 400 and a code and message no client
// has seen:
//
//	{"error_code":"ORG.9999","error_msg":"未知错误：操作失败"}
//
// That is: GET, PUT or DELETE of a unit that does not exist, and a listing whose org_id does not
// exist; POST or PUT of a code that already exists; POST or PUT under a parent_id that does not
// exist; DELETE of a unit that still has children; POST or PUT of a name a sibling has; PUT moving
// a unit under itself or its descendants. State changes exactly as in normal mode (a refused call
// changes nothing); every other answer, validation errors (ORG.0011, ORG.0014, ORG.0015, ORG.0019)
// and authentication included, is the same in both modes. The Organizations API is not affected.
// Requests being answered while the mode changes may see either.
func (f *Fake) SetUndocumentedErrors(on bool) { f.undocumented.Store(on) }

// UndocumentedErrors reports whether undocumented-answers mode is on.
func (f *Fake) UndocumentedErrors() bool { return f.undocumented.Load() }

// writeUnitFailure answers a refused OneAccess request: as the failure says, or, in
// undocumented-answers mode and for a failure the documents do not define, with the
// undocumented-answers error.
func (f *Fake) writeUnitFailure(w http.ResponseWriter, failure *unitFailure) {
	if f.undocumented.Load() && undocumentedFailures[failure.code] {
		writeError(w, http.StatusBadRequest, codeUndocumented, messageUndocumented)
		return
	}
	writeError(w, failure.status, failure.code, failure.message)
}
