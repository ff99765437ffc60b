package controller_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
)

// The suite runs in two processes: this one and a second run of the same test binary, each with
// its own control plane, fakes and manager, each running a share of the specs. A spec spends most
// of its time waiting (for a resync, a grace period, a Consistently window), not computing, so
// the two shares run side by side on two cores in about the time of the longer one. Ginkgo's own
// parallel mode needs the ginkgo command; this keeps `go test ./internal/controller` whole.
//
// The second process runs the specs whose full text matches one of secondShard, the first the
// others. A run that names its specs (-ginkgo.focus, -ginkgo.skip, -ginkgo.label-filter, ...),
// a dry run, a coverage profile, or ORGSYNC_SUITE_PROCESSES=1 runs every spec in this process.

// secondShard holds the specs of the second process: every scenario's run against the fakes
// answering the failures no document defines with codes the client has never seen
// (forEveryBackend), the deletions timed by the grace period and the listings that do not add
// up. The two shares took 614 and 598 s on two cores shared with other work.
var secondShard = []string{"answering undocumented failures", "Deleting a chart together", "Listings that do not add up"}

const (
	// suiteShardEnv tells the second process that it is one.
	suiteShardEnv = "ORGSYNC_SUITE_SHARD"
	// suiteProcessesEnv set to 1 runs every spec in one process.
	suiteProcessesEnv = "ORGSYNC_SUITE_PROCESSES"
)

// runSuite runs the specs of this process, and those of the second process beside them when the
// run is sharded; it fails t when the second process fails.
func runSuite(t *testing.T, description string) {
	suiteConfig, reporterConfig := GinkgoConfiguration()
	if os.Getenv(suiteShardEnv) != "" {
		suiteConfig.FocusStrings = secondShard
		reporterConfig.SilenceSkips = true // the other process's specs
		RunSpecs(t, description+" (second process)", suiteConfig, reporterConfig)
		return
	}
	if !shardable(suiteConfig, reporterConfig) {
		RunSpecs(t, description, suiteConfig, reporterConfig)
		return
	}
	var second *secondProcess
	startSecondShard = func() (err error) {
		second, err = startSecondProcess(suiteConfig, reporterConfig)
		return err
	}
	suiteConfig.SkipStrings = secondShard
	reporterConfig.SilenceSkips = true
	RunSpecs(t, description, suiteConfig, reporterConfig)
	if second != nil {
		second.wait(t, reporterConfig)
	}
}

// startSecondShard, when the run is sharded, starts the second process. BeforeSuite calls it once
// this process's control plane is up, so that two control planes do not start at once on a busy
// machine.
var startSecondShard func() error

// shardable reports whether the run may be split: it runs every spec, once, with no coverage
// profile (-test.coverprofile, -test.cpuprofile, ...) and no report but the JSON one.
func shardable(s types.SuiteConfig, r types.ReporterConfig) bool {
	if os.Getenv(suiteProcessesEnv) == "1" || s.DryRun || s.ParallelTotal > 1 {
		return false
	}
	if len(s.FocusStrings)+len(s.SkipStrings)+len(s.FocusFiles)+len(s.SkipFiles) > 0 || s.LabelFilter != "" || s.SemVerFilter != "" {
		return false
	}
	if r.JUnitReport != "" || r.TeamcityReport != "" || r.GoJSONReport != "" {
		return false
	}
	profiled := false
	flag.VisitAll(func(f *flag.Flag) {
		profiled = profiled || strings.HasSuffix(f.Name, "profile") && f.Value.String() != ""
	})
	return !profiled
}

// secondProcess is the second run of the test binary and what it printed.
type secondProcess struct {
	cmd    *exec.Cmd
	output bytes.Buffer
	// report is where it writes its JSON report, merged into this process's when done.
	report string
}

// startSecondProcess starts the test binary again, with this process's flags and random seed, for
// TestControllers alone, as the second process.
func startSecondProcess(s types.SuiteConfig, r types.ReporterConfig) (*secondProcess, error) {
	args := append(slices.Clone(os.Args[1:]), "-test.run=^TestControllers$", "-test.v=false", fmt.Sprintf("-ginkgo.seed=%d", s.RandomSeed))
	p := &secondProcess{}
	if r.JSONReport != "" {
		p.report = r.JSONReport + ".second"
		args = append(args, "-ginkgo.json-report="+p.report)
	}
	p.cmd = exec.Command(os.Args[0], args...) //nolint:gosec // G204: this test binary
	p.cmd.Env = append(os.Environ(), suiteShardEnv+"=2")
	p.cmd.Stdout, p.cmd.Stderr = &p.output, &p.output
	// Should this process die, the second one is interrupted: Ginkgo then stops its control plane.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the suite's second process: %w", err)
	}
	return p, nil
}

// wait waits for the second process, fails t with its output when it failed (shows it with -v
// otherwise), and merges its JSON report into this process's.
func (p *secondProcess) wait(t *testing.T, r types.ReporterConfig) {
	err := p.cmd.Wait()
	switch {
	case err != nil:
		t.Errorf("the suite's second process (the specs matching %q) failed: %v\n%s", secondShard, err, p.output.String())
	case testing.Verbose():
		t.Logf("the suite's second process (the specs matching %q):\n%s", secondShard, p.output.String())
	}
	if p.report != "" {
		if err := mergeReports(r.JSONReport, p.report); err != nil {
			t.Errorf("merging the second process's JSON report: %v", err)
		}
	}
}

// mergeReports appends the reports of the JSON report file from to those of into, and removes from.
func mergeReports(into, from string) error {
	var reports []json.RawMessage
	for _, path := range []string{into, from} {
		data, err := os.ReadFile(path) //nolint:gosec // G304: the report paths of the run's flags
		if err != nil {
			return err
		}
		var some []json.RawMessage
		if err := json.Unmarshal(data, &some); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		reports = append(reports, some...)
	}
	data, err := json.MarshalIndent(reports, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(into, data, 0o600); err != nil {
		return err
	}
	return os.Remove(from)
}
