package chaos

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Print writes each run's figures and invariants, and a verdict.
func Print(w io.Writer, results []Result) {
	for _, r := range results {
		verdict := "passed"
		if r.Failed() {
			verdict = "FAILED"
		}
		fmt.Fprintf(w, "\n== %s %s: %s in %.0fs (seed %d)\n", r.Provider, r.Run, verdict, r.Duration.Seconds(), r.Seed)
		fmt.Fprintf(w, "   kills survived: %d (%d with remote changes still to make)   failovers: %d", r.Kills, r.KillsMidWork, r.Failovers)
		if len(r.Takeovers) > 0 {
			took := make([]string, len(r.Takeovers))
			for i, t := range r.Takeovers {
				took[i] = t.Round(100 * time.Millisecond).String()
			}
			fmt.Fprintf(w, " (taken over after %s; lease duration %s, retry period %s)", strings.Join(took, ", "), leaseDuration, retryPeriod)
		}
		fmt.Fprintln(w)
		t := r.Tally
		fmt.Fprintf(w, "   remote requests: %d, writes: %d; faults injected: %d (429: %d, 503: %d, applied then timed out: %d, connections reset: %d)\n",
			t.Requests, r.Writes, t.Injected(), t.Throttled, t.Unavailable, t.Stalls, t.Resets)
		fmt.Fprintln(w, "   invariants (objects or remote departments checked in every state the run settled in; writes checked once):")
		for _, inv := range r.Report {
			mark := "ok  "
			if len(inv.Violations) > 0 {
				mark = "FAIL"
			}
			fmt.Fprintf(w, "   %s %-68s %6d checked, %d violated\n", mark, inv.Name, inv.Checked, len(inv.Violations))
			for i, v := range inv.Violations {
				if i == 10 {
					fmt.Fprintf(w, "        ... and %d more\n", len(inv.Violations)-10)
					break
				}
				fmt.Fprintf(w, "        %s\n", v)
			}
		}
		if r.Err != nil {
			fmt.Fprintf(w, "   error: %v\n", r.Err)
		}
		if r.WorkDir != "" {
			fmt.Fprintf(w, "   the managers' logs are in %s\n", r.WorkDir)
		}
	}
}
