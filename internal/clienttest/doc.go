// Package clienttest is what the tests and fuzz targets of orgsync's cloud clients (internal/ncp
// and internal/huaweicloud) share: transports that send a client's requests to a fake in process
// or answer them with fuzzed statuses, headers and bodies; the checks of what a client made of an
// answer (text cleaned of control characters, a success that reads as its body decodes, no
// secret in an error); a client built from a test configuration; the waits of a retry policy
// recorded instead of slept; and a listener counting the connections an endpoint must never get,
// whose accept loop also serves the controller suite's hosts that never answer. The clients' own
// rules (error envelopes, signing, paging) stay in each client's tests.
//
// It is imported by tests only; nothing in a binary depends on it.
package clienttest
