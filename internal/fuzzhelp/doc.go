// Package fuzzhelp is what the fuzz targets of orgsync's cloud clients (internal/ncp and
// internal/huaweicloud) share: transports that send a client's requests to a fake in process or
// answer them with fuzzed statuses, headers and bodies, and the checks of what a client made of an
// answer (text cleaned of control characters, a success that reads as its body decodes). The
// clients' own rules (error envelopes, signing, paging) stay in each fuzz target.
//
// It is imported by tests only; nothing in a binary depends on it.
package fuzzhelp
