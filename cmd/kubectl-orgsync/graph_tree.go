package main

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// treeView is what part of the chart tree shows: a subtree and a number of levels.
type treeView struct {
	// department is the key (or Department object name) of the subtree to show; "" shows all.
	department string
	// depth is how many levels to show, 1 being the top; 0 shows all.
	depth int
}

func (v *treeView) addFlags(fs *pflag.FlagSet) {
	fs.IntVar(&v.depth, "depth", 0, "Show this many levels of departments (1: the top level only), and count the departments below; 0 shows every level")
}

func (v treeView) validate() error {
	if v.depth < 0 {
		return fmt.Errorf("--depth must be 0 (every level) or more, not %d", v.depth)
	}
	return nil
}

// apply narrows c to the view: the department's subtree (its parents drawn above it are not
// shown), then depth levels of it, the departments below counted on their last shown ancestor.
func (v treeView) apply(c *chart) error {
	if err := v.validate(); err != nil {
		return err
	}
	if v.department != "" {
		n := c.find(v.department)
		if n == nil {
			return fmt.Errorf("no department %q in Organization %s: give a key or a Department's name", v.department, c.org.Name)
		}
		c.roots, c.cycles = []*node{n}, nil
	}
	if v.depth > 0 {
		for _, r := range c.roots {
			cut(r, v.depth)
		}
		for _, cy := range c.cycles {
			for _, m := range cy.members {
				cut(m, v.depth)
			}
		}
	}
	return nil
}

// find is the node of key, or of the Department named so, among the chart's nodes.
func (c *chart) find(key string) *node {
	var byName *node
	var walk func(ns []*node) *node
	walk = func(ns []*node) *node {
		for _, n := range ns {
			if n.key == key && !n.duplicate {
				return n
			}
			if n.dept != nil && n.dept.Name == key && byName == nil {
				byName = n
			}
			if found := walk(visibleChildren(n)); found != nil {
				return found
			}
		}
		return nil
	}
	all := c.roots
	for _, cy := range c.cycles {
		all = append(all[:len(all):len(all)], cy.members...)
	}
	if n := walk(all); n != nil {
		return n
	}
	return byName
}

// cut keeps levels levels of n's subtree (n is level 1) and counts the departments below on the
// last kept ones.
func cut(n *node, levels int) {
	if levels == 1 {
		for _, c := range visibleChildren(n) {
			n.folded += descendants(c) + 1
		}
		n.children = inCycleOnly(n.children)
		return
	}
	for _, c := range visibleChildren(n) {
		cut(c, levels-1)
	}
}

// descendants counts the departments below n.
func descendants(n *node) int {
	s := n.folded
	for _, c := range visibleChildren(n) {
		s += descendants(c) + 1
	}
	return s
}

// visibleChildren are n's children but the members of a cycle, which hang under the cycle.
func visibleChildren(n *node) []*node {
	var out []*node
	for _, c := range n.children {
		if !c.inCycle {
			out = append(out, c)
		}
	}
	return out
}

func inCycleOnly(ns []*node) []*node {
	var out []*node
	for _, c := range ns {
		if c.inCycle {
			out = append(out, c)
		}
	}
	return out
}

// treeGraph is the chart as a picture: each department "name / key" coloured by its Ready state
// (a reason when it is not Ready), parents no Department holds dashed as unmanaged, the cycles,
// and, when whole (not a subtree), the number of unmanaged remote departments whose names the
// cluster does not keep.
func treeGraph(c *chart, whole bool) *graph {
	cl := &gcluster{}
	for _, n := range c.roots {
		cl.roots = append(cl.roots, pictureNode(n))
	}
	for _, cy := range c.cycles {
		members := make([]*gnode, len(cy.members))
		for i, m := range cy.members {
			members[i] = pictureNode(m)
			cl.roots = append(cl.roots, members[i])
		}
		// members[i]'s parent is members[i+1]: the way back.
		for i := range members {
			cl.extra = append(cl.extra, gedge{from: members[(i+1)%len(members)], to: members[i], class: edgeCycle, label: "cycle"})
		}
	}
	if inv := c.org.Status.Inventory; inv != nil && whole {
		if unnamed := int(inv.Unmanaged) - c.remoteParents; unnamed > 0 {
			cl.roots = append(cl.roots, &gnode{class: classUnmanaged, summary: true,
				lines: []string{count(unnamed, "remote department") + " with no Department", "(the cluster keeps their number, not their names)"}})
		}
	}
	status := "Ready"
	if !c.orgStatus.ready {
		status = "not Ready: " + c.orgStatus.reason
	}
	return &graph{
		comments: []string{fmt.Sprintf("Organization %s in namespace %s: %s; %d departments, %d Ready", c.org.Name, c.org.Namespace, status, c.counts.total, c.counts.ready)},
		clusters: []*gcluster{cl},
	}
}

// pictureNode is n and the subtree below it.
func pictureNode(n *node) *gnode {
	g := &gnode{folded: n.folded}
	if n.dept == nil {
		g.class = classUnmanaged
		g.lines = []string{n.key, "not a Department: " + map[remoteState]string{
			remoteExists: "exists remotely", remoteMissing: "missing remotely", remoteUnknown: "remote or missing",
		}[n.remote]}
	} else {
		g.class = map[health]graphClass{healthSynced: classReady, healthWaiting: classWaiting, healthFailing: classFailing}[n.readiness.health]
		g.lines = []string{n.dept.Spec.Name, n.key}
		if !n.readiness.ready {
			reason := n.readiness.reason
			if d := n.drift; d != nil && d.absent {
				reason += " (absent remotely)"
			} else if d != nil {
				reason += " (" + strings.Join(d.fields, ", ") + ")"
			}
			g.lines = append(g.lines, reason)
		}
	}
	for _, c := range visibleChildren(n) {
		g.children = append(g.children, pictureNode(c))
	}
	return g
}
