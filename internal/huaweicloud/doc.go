// Package huaweicloud is the HTTP client orgsync uses to talk to Huawei Cloud: OneAccess, whose
// organization units of a tenant hold the department tree, and Huawei Cloud Organizations, the
// multi-account organization with its organizational units.
//
// The two services authenticate differently. OneAccess takes a bearer token obtained with the
// OAuth client-credentials grant; OneAccessClient caches it until shortly before it expires and,
// when a call is answered 401 anyway, fetches a new one and repeats the call once. Organizations
// takes requests signed with an access key pair (SDK-HMAC-SHA256, see Sign).
//
// Both clients share their transport rules with the NCP client: every call takes a context, one
// http.Client serves all requests, each attempt has its own timeout, a rate limiter (injectable
// and shareable) gates every attempt, and transient failures are retried with exponential backoff
// and full jitter, honouring Retry-After. Throttling (HTTP 429, APIGW.0308) and Organizations'
// concurrent-modification conflict (409 Organizations.1003) are retried for every method, since
// the request was refused before it changed anything; 5xx answers and network failures only for
// idempotent calls. Errors are *APIError values that match this package's sentinel errors with
// errors.Is; only answers the package recognises match a specific one (an unknown 400 is
// ErrInvalidRequest and ErrUnrecognized, never ErrNotFound or ErrHasChildren). Secrets (secret key, security token, client secret, access tokens, Authorization
// headers) never appear in errors, logs or formatted values.
package huaweicloud
