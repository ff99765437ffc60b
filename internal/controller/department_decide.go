package controller

import (
	rules "github.com/orgsync/orgsync/internal/decision"
)

// A Department's decisions are package decision's (decision.DecideSync and DecideDelete, over a
// decision.Snapshot): the manager gathers the snapshot (department_controller.go), and this file
// turns what a decision reports into the reconcile's outcome, in one place.

// decision is a Department decision with the outcome the reconcile reports for it.
type decision struct {
	rules.Decision
	outcome
}

// decided is d with its outcome.
func decided(d rules.Decision) decision {
	return decision{Decision: d, outcome: outcomeOf(d.Report)}
}

// outcomeOf is the outcome of a decision's report: the Ready condition and when to look again.
func outcomeOf(r rules.Report) outcome {
	switch {
	case r.Err != nil:
		return failure(r.Err)
	case r.Keep:
		return outcome{keepCondition: true}
	case r.Reason == "":
		return outcome{} // a delete or a release: the act reports
	case r.Synced():
		return synced(r.Message)
	}
	o := notReady(r.Reason, r.Message).withDrift(r.Drift)
	if r.Wait > 0 {
		o.result.RequeueAfter = r.Wait
	}
	return o
}
