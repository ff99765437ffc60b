package main

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
)

// The chart as a picture: tree and plan build a graph (graph_tree.go, graph_plan.go), and a
// dialect writes it in Mermaid (graph_mermaid.go) or Graphviz DOT (graph_dot.go). Node IDs are
// n1, n2... in the order they are written, never derived from names; every label goes through
// clean (control, format and bidirectional characters as \u escapes) and then the language's
// own escaping.

// Values of -o that draw the chart.
const (
	outputMermaid = "mermaid"
	outputDOT     = "dot"
)

// graphClass says how a node or an edge is drawn; each dialect maps it to its own style.
type graphClass string

// Classes of nodes: a department's Ready state (tree), a change (plan), and the others.
const (
	classReady       graphClass = "ready"
	classWaiting     graphClass = "waiting"
	classFailing     graphClass = "failing"
	classUnmanaged   graphClass = "unmanaged" // a remote department no Department holds
	classFolded      graphClass = "folded"    // departments not drawn (--depth, or the size limit)
	classContext     graphClass = "context"   // plan: unchanged, drawn to show where a change is
	classCreate      graphClass = "create"
	classUpdate      graphClass = "update"
	classRename      graphClass = "rename"
	classMove        graphClass = "move"
	classDelete      graphClass = "delete"
	classHeld        graphClass = "held"
	classRelease     graphClass = "release"
	classUnsupported graphClass = "unsupported"
)

// Classes of edges (a node's edge from its parent, and the extra edges).
const (
	edgePlain  graphClass = ""
	edgeNew    graphClass = "new"    // a move's new parent, a create's parent
	edgeOld    graphClass = "old"    // a move's old parent
	edgeGone   graphClass = "gone"   // a delete's parent
	edgeFolded graphClass = "folded" // to the departments not drawn
	edgeCycle  graphClass = "cycle"  // parentExternalKey leads back
)

// graphStyle is how a class of node is drawn in both languages.
type graphStyle struct {
	fill, stroke, text string
	dashed, bold       bool
}

var graphStyles = map[graphClass]graphStyle{
	classReady:       {fill: "#dcfce7", stroke: "#15803d", text: "#14532d"},
	classWaiting:     {fill: "#fef9c3", stroke: "#a16207", text: "#713f12"},
	classFailing:     {fill: "#fee2e2", stroke: "#b91c1c", text: "#7f1d1d"},
	classUnmanaged:   {fill: "#f3f4f6", stroke: "#6b7280", text: "#374151", dashed: true},
	classFolded:      {fill: "#ffffff", stroke: "#9ca3af", text: "#4b5563", dashed: true},
	classContext:     {fill: "#ffffff", stroke: "#9ca3af", text: "#374151"},
	classCreate:      {fill: "#dcfce7", stroke: "#15803d", text: "#14532d", bold: true},
	classUpdate:      {fill: "#fef9c3", stroke: "#a16207", text: "#713f12"},
	classRename:      {fill: "#e0f2fe", stroke: "#0369a1", text: "#0c4a6e", bold: true},
	classMove:        {fill: "#ede9fe", stroke: "#6d28d9", text: "#4c1d95", bold: true},
	classDelete:      {fill: "#fee2e2", stroke: "#b91c1c", text: "#7f1d1d", bold: true, dashed: true},
	classHeld:        {fill: "#ffedd5", stroke: "#c2410c", text: "#7c2d12", dashed: true},
	classRelease:     {fill: "#f3f4f6", stroke: "#6b7280", text: "#374151", dashed: true},
	classUnsupported: {fill: "#fee2e2", stroke: "#7f1d1d", text: "#7f1d1d", bold: true},
}

// gnode is a node of the picture; the tree of children is what folding cuts.
type gnode struct {
	lines []string
	class graphClass
	// edge and edgeLabel draw the edge from the node's parent.
	edge      graphClass
	edgeLabel string
	children  []*gnode
	// folded counts departments below the node that are not drawn (--depth).
	folded int
	// summary: the node stands for no department (it counts unnamed ones).
	summary bool
}

// gedge is an edge besides the tree's: a move's old parent, a cycle's way back.
type gedge struct {
	from, to *gnode
	class    graphClass
	label    string
}

// gcluster is what one Organization contributes to the picture.
type gcluster struct {
	// title, when not empty, frames the cluster (a subgraph).
	title string
	roots []*gnode
	extra []gedge
}

// graph is a picture: comments on top, then clusters.
type graph struct {
	comments []string
	clusters []*gcluster
}

// dialect writes a graph in one language.
type dialect interface {
	// comment writes one comment line; comments come before begin.
	comment(b *bytes.Buffer, text string)
	begin(b *bytes.Buffer)
	clusterBegin(b *bytes.Buffer, id int, title string)
	clusterEnd(b *bytes.Buffer)
	node(b *bytes.Buffer, id string, lines []string, class graphClass)
	edge(b *bytes.Buffer, from, to string, class graphClass, label string)
	end(b *bytes.Buffer, used []graphClass)
}

// Limits of Mermaid's renderers as GitHub and GitLab run them (Mermaid's defaults): a diagram of
// more than 500 edges or 50,000 characters is refused.
const (
	mermaidMaxEdges    = 500
	mermaidMaxTextSize = 50000
)

// drawing is a graph and the nodes a size limit leaves out of it.
type drawing struct {
	g      *graph
	hidden map[*gnode]bool
	// shown and total count the departments drawn and those of the graph (with those --depth
	// folded); limited: a size limit hides some.
	shown, total int
	limited      bool
}

// write writes d in language l, and returns it and how many edges it has.
func (d *drawing) write(l dialect) ([]byte, int) {
	var b bytes.Buffer
	comments := d.g.comments
	if d.shown < d.total {
		comments = append(slices.Clip(comments), fmt.Sprintf("%d of %d departments drawn; the others are folded", d.shown, d.total))
	}
	for _, c := range comments {
		l.comment(&b, c)
	}
	l.begin(&b)
	w := &graphWriter{b: &b, l: l, d: d, ids: map[*gnode]string{}, used: map[graphClass]bool{}}
	for i, c := range d.g.clusters {
		if c.title != "" {
			l.clusterBegin(&b, i+1, c.title)
		}
		w.nodes(c.roots, "")
		w.foldRoots(c.roots)
		for _, e := range c.extra {
			from, to := w.ids[e.from], w.ids[e.to]
			if from != "" && to != "" {
				w.edges = append(w.edges, pendingEdge{from, to, e.class, e.label})
			}
		}
		if c.title != "" {
			l.clusterEnd(&b)
		}
	}
	for _, e := range w.edges {
		l.edge(&b, e.from, e.to, e.class, e.label)
	}
	var used []graphClass
	for c := range graphStyles {
		if w.used[c] {
			used = append(used, c)
		}
	}
	slices.Sort(used)
	l.end(&b, used)
	return b.Bytes(), len(w.edges)
}

// joinEscaped escapes each of lines and joins them with sep: a label of several lines.
func joinEscaped(lines []string, escape func(string) string, sep string) string {
	escaped := make([]string, len(lines))
	for i, l := range lines {
		escaped[i] = escape(l)
	}
	return strings.Join(escaped, sep)
}

type pendingEdge struct {
	from, to string
	class    graphClass
	label    string
}

// graphWriter walks a drawing: nodes where they are (inside their cluster), edges after all
// nodes.
type graphWriter struct {
	b     *bytes.Buffer
	l     dialect
	d     *drawing
	next  int
	ids   map[*gnode]string
	used  map[graphClass]bool
	edges []pendingEdge
}

func (w *graphWriter) id() string {
	w.next++
	return "n" + strconv.Itoa(w.next)
}

func (w *graphWriter) emit(lines []string, class graphClass) string {
	id := w.id()
	w.used[class] = true
	w.l.node(w.b, id, lines, class)
	return id
}

// nodes writes ns and what is drawn below them; parent is their parent's ID, or "".
func (w *graphWriter) nodes(ns []*gnode, parent string) {
	for _, n := range ns {
		if w.d.hidden[n] {
			continue
		}
		id := w.emit(n.lines, n.class)
		w.ids[n] = id
		if parent != "" {
			w.edges = append(w.edges, pendingEdge{parent, id, n.edge, n.edgeLabel})
		}
		w.nodes(n.children, id)
		if folded := n.folded + w.hiddenBelow(n.children); folded > 0 {
			f := w.emit([]string{"… " + count(folded, "more department") + " below"}, classFolded)
			w.edges = append(w.edges, pendingEdge{id, f, edgeFolded, ""})
		}
	}
}

// foldRoots writes one node for the roots a size limit leaves out.
func (w *graphWriter) foldRoots(roots []*gnode) {
	if n := w.hiddenBelow(roots); n > 0 {
		w.emit([]string{"… " + count(n, "more department") + " at this level and below"}, classFolded)
	}
}

// hiddenBelow counts the departments of the hidden nodes among ns and below them.
func (w *graphWriter) hiddenBelow(ns []*gnode) int {
	n := 0
	for _, c := range ns {
		if w.d.hidden[c] {
			n += size(c)
		}
	}
	return n
}

// size counts the departments of n's subtree, n included, with those --depth folded.
func size(n *gnode) int {
	s := 1 + n.folded
	for _, c := range n.children {
		s += size(c)
	}
	return s
}

// draw is the drawing of g with every node.
func draw(g *graph) *drawing {
	d := &drawing{g: g, hidden: map[*gnode]bool{}}
	var walk func(ns []*gnode)
	walk = func(ns []*gnode) {
		for _, n := range ns {
			if !n.summary {
				d.shown++
				d.total += 1 + n.folded
			}
			walk(n.children)
		}
	}
	for _, c := range g.clusters {
		walk(c.roots)
	}
	return d
}

// limit is the drawing of g with the first maxNodes nodes in breadth-first order (the upper
// levels whole, siblings in their order); the others are hidden, and folded into a node that
// counts them below the last drawn ancestor.
func limit(g *graph, maxNodes int) *drawing {
	d := draw(g)
	var queue []*gnode
	for _, c := range g.clusters {
		queue = append(queue, c.roots...)
	}
	kept := 0
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if kept >= maxNodes {
			d.hidden[n] = true
			continue
		}
		kept++
		queue = append(queue, n.children...)
	}
	d.shown, d.limited = kept, true
	return d
}

// mermaidDrawing is g drawn within what Mermaid's renderers accept: every node when it fits,
// otherwise as many as fit, in breadth-first order.
func mermaidDrawing(g *graph) (*drawing, []byte) {
	d := draw(g)
	out, edges := d.write(mermaidDialect{})
	if fitsMermaid(out, edges) {
		return d, out
	}
	for n := min(d.shown, mermaidMaxEdges-10); n > 0; n = n * 4 / 5 {
		d = limit(g, n)
		if out, edges = d.write(mermaidDialect{}); fitsMermaid(out, edges) {
			return d, out
		}
	}
	d = limit(g, 0)
	out, _ = d.write(mermaidDialect{})
	return d, out
}

// fitsMermaid reports whether Mermaid's default limits accept a diagram: its length as
// JavaScript counts it (UTF-16 code units), and its edges.
func fitsMermaid(out []byte, edges int) bool {
	units := 0
	for _, r := range string(out) {
		units += utf16.RuneLen(r)
	}
	return units <= mermaidMaxTextSize && edges <= mermaidMaxEdges
}

// writeGraph writes g as format (mermaid or dot) to w; a Mermaid diagram too large for Mermaid's
// renderers is folded, and a note says so on notes.
func writeGraph(w, notes io.Writer, g *graph, format string) error {
	var d *drawing
	var out []byte
	if format == outputMermaid {
		d, out = mermaidDrawing(g)
	} else {
		d = draw(g)
		out, _ = d.write(dotDialect{})
	}
	if d.limited {
		fmt.Fprintf(notes, "note: %d of %d departments drawn, the others folded: Mermaid's renderers refuse a diagram of more than %d edges or %d characters (-o dot draws them all; tree draws a subtree, or fewer levels with --depth)\n",
			d.shown, d.total, mermaidMaxEdges, mermaidMaxTextSize)
	}
	_, err := w.Write(out)
	return err
}
