package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
)

// globalOptions are the flags and streams every command shares.
type globalOptions struct {
	configFlags *genericclioptions.ConfigFlags
	streams     genericiooptions.IOStreams
	// color is --color: auto, always or never.
	color string
}

// run runs the plugin with args (without the program's name) and returns its exit code.
func run(ctx context.Context, args []string, streams genericiooptions.IOStreams) int {
	// controller-runtime's client logs through this; the plugin reports errors itself.
	ctrllog.SetLogger(logr.Discard())
	root := newRootCommand(streams)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	var code exitCode
	switch {
	case errors.As(err, &code):
		return int(code)
	case err != nil:
		fmt.Fprintf(streams.ErrOut, "error: %v\n", err)
		return exitError
	}
	return exitOK
}

// exitCode is what a command returns to end with an exit code of its own that is no error, as
// plan's 2 (something would change); run returns it and prints nothing.
type exitCode int

func (c exitCode) Error() string { return fmt.Sprintf("exit code %d", int(c)) }

// newRootCommand builds `kubectl orgsync` and its commands.
func newRootCommand(streams genericiooptions.IOStreams) *cobra.Command {
	g := &globalOptions{configFlags: genericclioptions.NewConfigFlags(true), streams: streams}
	root := &cobra.Command{
		Use:   "kubectl-orgsync",
		Short: "Export, plan and inspect orgsync's organization charts",
		Long: `kubectl orgsync works with the organization charts orgsync manages: tree shows what the
Organizations and Departments say about a chart, export writes a remote chart as Department
manifests for Git, and plan prints what applying manifests would change remotely.

It reads the cluster with your own Kubernetes permissions and the usual kubectl flags
(--kubeconfig, --context, -n/--namespace...). It exits 0 on success and 1 on an error,
which it prints to standard error as "error: ..."; plan exits 2 when something would change.`,
		Annotations: map[string]string{
			// Help and usage say "kubectl orgsync", as kubectl runs the plugin.
			cobra.CommandDisplayNameAnnotation: "kubectl orgsync",
		},
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return fmt.Errorf("%w\nSee '%s --help' for usage", err, cmd.CommandPath())
	})
	g.configFlags.AddFlags(root.PersistentFlags())
	root.PersistentFlags().StringVar(&g.color, "color", colorAuto, "Colour the output: auto (on a terminal, unless NO_COLOR is set), always or never")

	root.AddCommand(newTreeCommand(g))
	root.AddCommand(newExportCommand(g))
	root.AddCommand(newPlanCommand(g))
	return root
}
