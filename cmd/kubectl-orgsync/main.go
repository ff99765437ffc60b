// Command kubectl-orgsync is the kubectl plugin of orgsync: `kubectl orgsync tree` prints an
// Organization's departments as a tree, with what is wrong where, from the cluster's objects;
// `export` writes a remote chart as Department manifests; `plan` prints the remote changes that
// applying manifests would cause.
//
// Installed on PATH (or through krew, krew/orgsync.yaml), kubectl runs it as `kubectl orgsync`.
// It takes kubectl's connection flags (--kubeconfig, --context, -n...) and exits 0 on success,
// 1 on an error, which it prints to standard error as "error: ...", and plan 2 when something
// would change.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr})
	stop()
	os.Exit(code)
}
