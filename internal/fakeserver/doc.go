// Package fakeserver is the plumbing orgsync's fake API servers (ncpfake, huaweifake) share: the
// faults they inject into requests (latency, throttling and unavailability by fraction, a rate
// cap with Retry-After), the log of the requests they received, and the main of their commands
// (cmd/fakencp, cmd/fakehuawei: Main, Serve). Each fake keeps its own routes, state and error
// bodies; it tells the fault injector how to answer through Answers.
package fakeserver
