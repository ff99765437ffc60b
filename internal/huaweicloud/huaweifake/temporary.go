package huaweifake

import "net/http"

// TemporaryFailure is one of the failures Huawei Cloud Organizations documents as temporary: HTTP
// 400 with a code that says an internal dependency failed and the call should be tried again later.
type TemporaryFailure string

// The temporary failures of Huawei Cloud Organizations.
const (
	// InternalTokenFailure: Organizations could not get its internal token.
	InternalTokenFailure TemporaryFailure = "Organizations.1004"
	// CBCFailure: Organizations could not reach CBC (billing).
	CBCFailure TemporaryFailure = "Organizations.1005"
	// AssumeRoleFailure: Organizations could not assume its agency role.
	AssumeRoleFailure TemporaryFailure = "Organizations.1006"
)

var temporaryMessages = map[TemporaryFailure]string{
	InternalTokenFailure: "Failed to obtain the internal token. Try again later.",
	CBCFailure:           "Failed to call CBC. Try again later.",
	AssumeRoleFailure:    "Failed to assume the agency role. Try again later.",
}

// temporaryFailure is the failure in force and how many more requests it answers (every one while
// negative).
type temporaryFailure struct {
	failure TemporaryFailure
	left    int
}

// SetTemporaryFailure makes the next times authenticated Organizations requests (every one while
// times is negative) answer 400 {"error_code": failure, "error_msg": "... Try again later."},
// changing nothing; then the API answers as usual again. SetTemporaryFailure("", 0) ends it at
// once. OneAccess is not affected. A failure other than the three documented ones panics.
func (f *Fake) SetTemporaryFailure(failure TemporaryFailure, times int) {
	if _, known := temporaryMessages[failure]; failure != "" && !known {
		panic("huaweifake: not a documented temporary failure: " + string(failure))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.temporary = temporaryFailure{failure: failure, left: times}
	if failure == "" || times == 0 {
		f.temporary = temporaryFailure{}
	}
}

// answerTemporaryFailure answers w with the temporary failure in force, if any, and reports
// whether it did.
func (f *Fake) answerTemporaryFailure(w http.ResponseWriter) bool {
	f.mu.Lock()
	t := f.temporary
	if t.failure != "" && t.left > 0 {
		f.temporary.left--
		if f.temporary.left == 0 {
			f.temporary = temporaryFailure{}
		}
	}
	f.mu.Unlock()
	if t.failure == "" {
		return false
	}
	writeError(w, http.StatusBadRequest, string(t.failure), temporaryMessages[t.failure])
	return true
}
