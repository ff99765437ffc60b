// Package httpretry is the call loop orgsync's HTTP clients share: every attempt waits for a rate
// limiter and runs under its own timeout; a failed attempt is repeated after an exponential
// backoff with full jitter, never shorter than the server's Retry-After, while the retry policy
// allows it and the attempt count, the retry budget and the context's deadline leave room.
//
// The retry policy is the same for every client: a request the server refused before acting on it
// (throttling) is repeated whatever its method; a 5xx answer or a network failure is repeated for
// idempotent calls only, because a POST may have been applied; a request that provably never left
// (the connection could not be opened) is repeated for every method. Each client says which of
// these a failed attempt is (see Failure); its own error types stay its own, and read alike
// (Answer, ErrorText).
//
// One attempt is the same for both clients too: Resolve joins the endpoint and the escaped path,
// Send sends the request with the client's credentials, ReadAtMost reads a bounded answer and
// DecodeJSON decodes a successful one.
package httpretry
