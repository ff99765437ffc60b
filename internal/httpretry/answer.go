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
