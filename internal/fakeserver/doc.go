// Package fakeserver is the plumbing orgsync's fake API servers (ncpfake, huaweifake) share: the
// settings every fake takes (Options: clock, request hook, undocumented-answers mode), the
// faults they inject into requests (latency, throttling and unavailability by fraction, a rate
// cap with Retry-After), the list failures that break a listing off or make its pages not add up
// (ListFailures), the log of the requests they received, and the main of their commands
// (cmd/fakencp, cmd/fakehuawei: Main, Serve). Each fake keeps its own routes, state and error
// bodies; it tells the fault injector how to answer through Answers.
package fakeserver
