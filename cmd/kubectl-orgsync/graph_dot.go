package main

import (
	"bytes"
	"strconv"
	"strings"
)

// dotDialect writes a graph in Graphviz's DOT language, left to right.
type dotDialect struct{}

func (dotDialect) comment(b *bytes.Buffer, text string) { b.WriteString("// " + clean(text) + "\n") }

func (dotDialect) begin(b *bytes.Buffer) {
	b.WriteString("digraph orgsync {\n")
	b.WriteString("  graph [rankdir=LR, charset=\"UTF-8\", fontname=\"sans-serif\", nodesep=0.15, ranksep=0.4];\n")
	b.WriteString("  node [shape=box, style=\"rounded,filled\", fontname=\"sans-serif\", fontsize=11];\n")
	b.WriteString("  edge [color=\"#6b7280\", arrowsize=0.6];\n")
}

func (dotDialect) clusterBegin(b *bytes.Buffer, id int, title string) {
	b.WriteString("  subgraph cluster_" + itoa(id) + " {\n    label=" + dotQuote(title) + ";\n    style=rounded;\n    color=\"#9ca3af\";\n")
}

func (dotDialect) clusterEnd(b *bytes.Buffer) { b.WriteString("  }\n") }

func (dotDialect) node(b *bytes.Buffer, id string, lines []string, class graphClass) {
	s := graphStyles[class]
	style := "rounded,filled"
	if s.dashed {
		style += ",dashed"
	}
	width := "1"
	if s.bold {
		width = "2"
	}
	b.WriteString("  " + id + " [label=" + dotLabel(lines) + ", class=\"" + string(class) + "\", style=\"" + style +
		"\", fillcolor=\"" + s.fill + "\", color=\"" + s.stroke + "\", fontcolor=\"" + s.text + "\", penwidth=" + width + "];\n")
}

// DOT's edge attributes by edge class.
var dotEdges = map[graphClass]string{
	edgePlain:  "",
	edgeNew:    "penwidth=2, color=\"#6d28d9\"",
	edgeOld:    "style=dashed, color=\"#9ca3af\"",
	edgeGone:   "style=dashed, color=\"#b91c1c\"",
	edgeFolded: "style=dotted, arrowhead=none",
	edgeCycle:  "color=\"#b91c1c\"",
}

func (dotDialect) edge(b *bytes.Buffer, from, to string, class graphClass, label string) {
	attrs := dotEdges[class]
	if label != "" {
		if attrs != "" {
			attrs += ", "
		}
		attrs += "label=" + dotQuote(label) + ", fontsize=9, fontname=\"sans-serif\""
	}
	b.WriteString("  " + from + " -> " + to)
	if attrs != "" {
		b.WriteString(" [" + attrs + "]")
	}
	b.WriteString(";\n")
}

func (dotDialect) end(b *bytes.Buffer, _ []graphClass) { b.WriteString("}\n") }

// dotLabel is lines as one DOT label, centred line by line.
func dotLabel(lines []string) string { return "\"" + joinEscaped(lines, dotEscape, "\\n") + "\"" }

// dotQuote is s as a quoted DOT string.
func dotQuote(s string) string { return "\"" + dotEscape(s) + "\"" }

// dotEscape escapes s for a quoted DOT string used as a label: control, format and bidirectional
// characters as clean writes them (line breaks included), then backslashes (which would start
// Graphviz's escapes \n, \l, \N...) and quotes.
func dotEscape(s string) string {
	s = clean(s)
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

func itoa(i int) string { return strconv.Itoa(i) }
