package main

import (
	"bytes"
	"strings"
)

// mermaidDialect writes a graph as a Mermaid flowchart, left to right: GitHub and GitLab draw it
// from a ```mermaid block.
type mermaidDialect struct{}

func (mermaidDialect) comment(b *bytes.Buffer, text string) {
	b.WriteString("%% " + mermaidComment(text) + "\n")
}

func (mermaidDialect) begin(b *bytes.Buffer) { b.WriteString("flowchart LR\n") }

func (mermaidDialect) clusterBegin(b *bytes.Buffer, id int, title string) {
	b.WriteString("  subgraph c" + itoa(id) + "[\"" + mermaidText(title) + "\"]\n")
}

func (mermaidDialect) clusterEnd(b *bytes.Buffer) { b.WriteString("  end\n") }

func (mermaidDialect) node(b *bytes.Buffer, id string, lines []string, class graphClass) {
	b.WriteString("  " + id + "[\"" + joinEscaped(lines, mermaidText, "<br>") + "\"]:::" + string(class) + "\n")
}

// Mermaid's arrows by edge class: dotted for what goes or is left out, thick for a new parent.
var mermaidArrows = map[graphClass]string{
	edgePlain: "-->", edgeNew: "==>", edgeOld: "-.->", edgeGone: "-.->", edgeFolded: "-.-", edgeCycle: "-->",
}

func (mermaidDialect) edge(b *bytes.Buffer, from, to string, class graphClass, label string) {
	b.WriteString("  " + from + " " + mermaidArrows[class])
	if label != "" {
		b.WriteString("|\"" + mermaidText(label) + "\"|")
	}
	b.WriteString(" " + to + "\n")
}

func (mermaidDialect) end(b *bytes.Buffer, used []graphClass) {
	for _, c := range used {
		s := graphStyles[c]
		b.WriteString("  classDef " + string(c) + " fill:" + s.fill + ",stroke:" + s.stroke + ",color:" + s.text)
		if s.bold {
			b.WriteString(",stroke-width:2px")
		}
		if s.dashed {
			b.WriteString(",stroke-dasharray:5 3")
		}
		b.WriteString("\n")
	}
}

// mermaidText escapes s for a quoted Mermaid label: control, format and bidirectional characters
// as clean writes them, then Mermaid's entity codes (#quot; #35;...) for what its parser or the
// HTML of the label would read: quotes, #, ;, &, <, >, backquotes (markdown strings), backslashes
// and % (Mermaid takes a %%{...}%% directive, which reconfigures the whole diagram, from anywhere
// in its text, quoted labels included). Brackets and the rest stay as they are within the quotes.
func mermaidText(s string) string {
	s = clean(s)
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString("#quot;")
		case '#', ';', '&', '<', '>', '`', '\\', '|', '%':
			b.WriteString("#" + itoa(int(r)) + ";")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mermaidComment makes s one safe line of a %% comment.
func mermaidComment(s string) string {
	return strings.ReplaceAll(clean(s), "%%", "% %")
}
