package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"
)

// Values of -o.
const (
	outputText = ""
	outputJSON = "json"
	outputYAML = "yaml"
)

// treeOptions are the flags and arguments of `kubectl orgsync tree`.
type treeOptions struct {
	*globalOptions
	organization string
	output       string
	verbose      bool
	view         treeView
}

func newTreeCommand(g *globalOptions) *cobra.Command {
	o := &treeOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "tree [ORGANIZATION [DEPARTMENT]]",
		Short: "Print an Organization's departments as a tree, with what is wrong where",
		Long: `Print the departments of an Organization as a tree by parentExternalKey, from the
cluster's objects only: the Organization, its Departments and their statuses. Nothing is
asked of the remote system.

ORGANIZATION defaults to the only Organization in the namespace.

At the top: the Organization's Ready state; how many Departments there are, how many are Ready
and, by reason, how many are not; the size of the remote chart when orgsync last listed it and
how many remote departments have no Department (orgsync records their number, not their names).

Each department is shown as "name (key)". One that is not Ready shows its reason and the start
of its message (all of it with -v); one that is Drifted shows the fields that differ remotely.
Reason Pending means the manager has not reported on the Department's current spec yet.
Departments whose parent key no Department holds are grouped under
"parent KEY (not a Department: ...)", which says whether that parent exists remotely when a
child's status tells. Departments whose parents lead back to themselves are listed apart as
cycles. Siblings are ordered by spec.displayOrder, as a number, then by name.

On a terminal the output is coloured (green Ready, yellow waiting, red failing); it is plain
when piped or with --color=never. -o json and -o yaml print the tree as nested nodes (key,
name, object, reason, message, children) for scripts. -o mermaid and -o dot draw the chart
(Mermaid for a pull request or a wiki, Graphviz's dot for an SVG): each department with its name
and key, coloured by its Ready state, unmanaged parents dashed.

DEPARTMENT (a key or a Department's name) shows its subtree only; --depth N shows N levels and
counts the departments below. A Mermaid diagram larger than Mermaid's renderers accept (500
edges, 50,000 characters) is cut to its upper levels, with a note on standard error.`,
		Example: `  # The tree of the only Organization in the current namespace
  kubectl orgsync tree

  # A named Organization in another namespace, with whole messages
  kubectl orgsync tree acme -n orgs -v

  # The keys of the departments that are not Ready, with jq
  kubectl orgsync tree acme -o json | jq -r '.. | objects | select(.ready == false) | .key'

  # The engineering subtree, two levels deep, as an SVG
  kubectl orgsync tree acme eng --depth 2 -o dot | dot -Tsvg > eng.svg`,
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) >= 1 {
				o.organization = args[0]
			}
			if len(args) == 2 {
				o.view.department = args[1]
			}
			return o.run(cmd.Context())
		},
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", outputText, "Output format: json, yaml, mermaid or dot (default: the tree as text)")
	o.view.addFlags(cmd.Flags())
	cmd.Flags().BoolVarP(&o.verbose, "verbose", "v", false, "Print whole condition messages, and each Department's object name where it is not the key")
	return cmd
}

func (o *treeOptions) run(ctx context.Context) error {
	if !slices.Contains([]string{outputText, outputJSON, outputYAML, outputMermaid, outputDOT}, o.output) {
		return fmt.Errorf("--output must be json, yaml, mermaid or dot, not %q", o.output)
	}
	if err := o.view.validate(); err != nil {
		return err
	}
	colors, err := colorFor(o.color, o.streams.Out)
	if err != nil {
		return err
	}
	c, err := o.connect()
	if err != nil {
		return err
	}
	org, err := c.organization(ctx, o.organization)
	if err != nil {
		return err
	}
	depts, err := c.departments(ctx)
	if err != nil {
		return err
	}
	ch := buildChart(org, depts)
	if err := o.view.apply(ch); err != nil {
		return err
	}
	if o.output == outputMermaid || o.output == outputDOT {
		return writeGraph(o.streams.Out, o.streams.ErrOut, treeGraph(ch, o.view.department == ""), o.output)
	}
	if o.output != outputText {
		return renderData(o.streams.Out, ch, o.output)
	}
	return renderText(o.streams.Out, ch, textOptions{verbose: o.verbose, colors: colors, now: time.Now()})
}
