// Command chaos runs orgsync's chaos suite (package internal/chaos) at full size and prints, per
// run, the kills survived, the failovers, the faults injected and each invariant with its count.
// `make chaos` runs it after `make build envtest`:
//
//	go run ./hack/chaos                        # 500 departments, 12 kills, a subtree of 100, a minute's outage
//	go run ./hack/chaos -n 100 -kills 3 -outage 20s   # a quick try
//	go run ./hack/chaos -provider huaweicloud  # Huawei Cloud only (crash, faults, churn)
//	go run ./hack/chaos -runs faults -seed 13037307057456855739   # one run, repeated
//
// It exits 1 when a run fails; the failed run's manager logs are kept and their folder printed.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/orgsync/orgsync/internal/chaos"
	"github.com/orgsync/orgsync/internal/testenv"
)

func main() {
	binDir := flag.String("bin", "bin", "folder holding manager and k8s/ (kube-apiserver, etcd)")
	crdDir := flag.String("crds", filepath.Join("config", "crd", "bases"), "folder of the CRDs")
	cfg := chaos.Config{Log: os.Stdout, StrictTakeover: true}
	flag.IntVar(&cfg.Size, "n", 500, "departments in the chart")
	flag.IntVar(&cfg.Kills, "kills", 12, "SIGKILLs of the crash run, spread over converging, renaming and moving, and deleting a subtree")
	flag.IntVar(&cfg.Subtree, "subtree", 100, "size of the subtree the crash run deletes")
	flag.DurationVar(&cfg.OrganizationOutage, "outage", time.Minute, "how long the faults run keeps the Organization API down")
	flag.DurationVar(&cfg.Settle, "settle", 10*time.Minute, "longest wait for each step to converge")
	flag.Uint64Var(&cfg.Seed, "seed", 0, "seed of the runs' choices (0: a new one, printed)")
	providers := flag.String("provider", "both", "the cloud the runs are made against: ncp, huaweicloud or both (failover runs on ncp only)")
	runs := flag.String("runs", "", "comma-separated runs to make (crash, failover, faults, churn); empty: every one")
	flag.BoolVar(&cfg.Reorganise, "reorganise", false, "the crash run renames and moves every department at once, instead of a third renamed and half of those moved")
	flag.Parse()
	var err error
	if cfg.Providers, err = chaos.ParseProviders(*providers); err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(2)
	}
	if *runs != "" {
		cfg.Runs = strings.Split(*runs, ",")
	}
	cfg.Manager = filepath.Join(*binDir, "manager")
	cfg.Assets = filepath.Join(*binDir, "k8s")
	cfg.CRDs = *crdDir

	testenv.LogErrorsOnly()
	os.Exit(runAll(cfg))
}

// runAll runs every run until done or interrupted, prints them and returns the exit code.
func runAll(cfg chaos.Config) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	results := chaos.Run(ctx, cfg)
	chaos.Print(os.Stdout, results)
	if len(results) == 0 {
		fmt.Fprintln(os.Stderr, "chaos: no run completed")
		return 1
	}
	for _, r := range results {
		if r.Failed() {
			return 1
		}
	}
	return 0
}
