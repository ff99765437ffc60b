package httpretry

import (
	"strconv"
	"strings"
)

// Answer names a service's answer for a message that must say what was read, such as "GET
// /open-api/v1/org answered HTTP 404 ORGANIZATION_NOT_FOUND": the method, path, status and code
// only, never the server's message, headers or body (which could echo what was sent). Both
// clouds' API errors name their answers with it.
func Answer(method, path string, status int, code string) string {
	answer := strings.TrimSpace(method+" "+path) + " answered HTTP " + strconv.Itoa(status)
	if code != "" {
		answer += " " + code
	}
	return answer
}

// ErrorText is the text of a client's API error: "CLIENT: CALL: HTTP STATUS (code CODE): MESSAGE
// (NOTE) (after N attempts)", each part left out when it is empty (the attempt count when the
// call made one attempt). Like Answer, it holds what the client decoded and cleaned (the code and
// message), never headers, query strings or raw bodies. Both clouds' API errors read so.
type ErrorText struct {
	// Client names the client ("ncp", "huaweicloud").
	Client string
	// Call names the call: its service, method and path, space separated.
	Call string
	// Status, Code and Message are the answer's HTTP status, service code and decoded message.
	Status        int
	Code, Message string
	// Note says what the answer means where its status and code do not say it plainly.
	Note string
	// Attempts is how many attempts the call made.
	Attempts int
}

// String is the text; a client's APIError returns it as its Error.
func (t ErrorText) String() string {
	var b strings.Builder
	b.WriteString(t.Client + ": ")
	if call := strings.TrimSpace(t.Call); call != "" {
		b.WriteString(call + ": ")
	}
	b.WriteString("HTTP " + strconv.Itoa(t.Status))
	if t.Code != "" {
		b.WriteString(" (code " + t.Code + ")")
	}
	if t.Message != "" {
		b.WriteString(": " + t.Message)
	}
	if t.Note != "" {
		b.WriteString(" (" + t.Note + ")")
	}
	if t.Attempts > 1 {
		b.WriteString(" (after " + strconv.Itoa(t.Attempts) + " attempts)")
	}
	return b.String()
}
