package main

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/duration"
)

// messageWidth is how many characters of a condition's message a line shows without --verbose.
const messageWidth = 60

// textOptions says how to print a chart for a person.
type textOptions struct {
	// verbose prints messages whole, and the object's name where it is not the key.
	verbose bool
	colors  palette
	// now is when the listing is read, for "listed 5m ago".
	now time.Time
}

// renderText prints c as a tree: the counts, then the top-level departments and the parents that
// no Department holds, then the cycles.
func renderText(w io.Writer, c *chart, o textOptions) error {
	r := &textRenderer{w: bufio.NewWriterSize(w, 64<<10), o: o}
	r.header(c)
	if len(c.roots) > 0 || len(c.cycles) > 0 {
		r.line("")
	}
	for _, n := range c.roots {
		r.line(r.label(n))
		r.children(n, "")
	}
	if len(c.cycles) > 0 {
		if len(c.roots) > 0 {
			r.line("")
		}
		r.line("Cycles (parentExternalKey leads back to the department; not in the tree above):")
		for _, cy := range c.cycles {
			r.line("cycle " + clean(strings.Join(cy.keys(), " -> ")))
			for i, m := range cy.members {
				r.child(m, "", i == len(cy.members)-1)
			}
		}
	}
	return r.w.Flush()
}

type textRenderer struct {
	w *bufio.Writer
	o textOptions
}

func (r *textRenderer) line(s string) {
	_, _ = r.w.WriteString(s)
	_ = r.w.WriteByte('\n')
}

func (r *textRenderer) header(c *chart) {
	org := c.org
	status := r.o.colors.paint(healthSynced, "Ready")
	if !c.orgStatus.ready {
		status = r.o.colors.paint(c.orgStatus.health, "not Ready, "+r.reasonText(c.orgStatus, nil))
	}
	r.line(fmt.Sprintf("Organization %s in namespace %s: %s", clean(org.Name), clean(org.Namespace), status))

	if c.counts.total == 0 {
		r.line("Departments: none refer to this Organization")
	} else {
		s := fmt.Sprintf("Departments: %d, %s", c.counts.total, r.o.colors.paint(healthSynced, strconv.Itoa(c.counts.ready)+" Ready"))
		if notReady := c.counts.total - c.counts.ready; notReady > 0 {
			var parts []string
			for _, reason := range reasonsByCount(c.counts.notReady) {
				parts = append(parts, r.o.colors.paint(notReadyHealth(reason), fmt.Sprintf("%d %s", c.counts.notReady[reason], clean(reason))))
			}
			s += fmt.Sprintf(", %d not Ready (%s)", notReady, strings.Join(parts, ", "))
		}
		r.line(s)
	}

	inv := org.Status.Inventory
	if inv == nil {
		r.line("Remote chart: not listed yet")
	} else {
		s := fmt.Sprintf("Remote chart: %d departments", inv.RemoteDepartments)
		if inv.LastListTime != nil {
			s += ", listed " + duration.HumanDuration(r.o.now.Sub(inv.LastListTime.Time)) + " ago"
		}
		r.line(s)
		if inv.Unmanaged > 0 {
			s := fmt.Sprintf("%d remote %s no Department (the cluster keeps their number, not their names", inv.Unmanaged, plural(int(inv.Unmanaged), "department has", "departments have"))
			if c.remoteParents > 0 {
				s += fmt.Sprintf("; %d %s below", c.remoteParents, plural(c.remoteParents, "is a parent", "are parents"))
			}
			r.line(s + ")")
		}
	}
	if d := org.Status.Deletions; d != nil && d.Held > 0 {
		r.line(r.o.colors.paint(healthWaiting, fmt.Sprintf("Deletion budget: %d remote %s held; kubectl annotate --overwrite organization %s -n %s %s=%d lets them through",
			d.Held, plural(int(d.Held), "deletion", "deletions"), clean(org.Name), clean(org.Namespace), "orgsync.dev/approve-deletions", d.Held)))
	}
}

// children prints n's children below it; prefix is what the lines of n's level begin with.
func (r *textRenderer) children(n *node, prefix string) {
	var shown []*node
	for _, c := range n.children {
		if !c.inCycle {
			shown = append(shown, c)
		}
	}
	for i, c := range shown {
		r.child(c, prefix, i == len(shown)-1 && n.folded == 0)
	}
	if n.folded > 0 {
		r.line(prefix + "└── … " + count(n.folded, "more department") + " below (--depth)")
	}
}

func (r *textRenderer) child(n *node, prefix string, last bool) {
	branch, below := "├── ", "│   "
	if last {
		branch, below = "└── ", "    "
	}
	r.line(prefix + branch + r.label(n))
	r.children(n, prefix+below)
}

// label is one node's text: "name (key)" and, when it is not Ready, its reason.
func (r *textRenderer) label(n *node) string {
	if n.dept == nil {
		return "parent " + clean(n.key) + " (not a Department: " + map[remoteState]string{
			remoteExists:  "exists remotely",
			remoteMissing: "missing remotely",
			remoteUnknown: "remote or missing",
		}[n.remote] + ")"
	}
	s := clean(n.dept.Spec.Name) + " (" + clean(n.key) + ")"
	if r.o.verbose && n.dept.Name != n.key {
		s += " [Department " + clean(n.dept.Name) + "]"
	}
	if !n.readiness.ready {
		s += "  " + r.reasonText(n.readiness, n.drift)
	}
	return r.o.colors.paint(n.readiness.health, s)
}

// reasonText is "Reason: message", the message cut short unless verbose; a Drifted reason names
// the fields that differ instead, its message following only when verbose.
func (r *textRenderer) reasonText(rd readiness, d *drift) string {
	s := clean(rd.reason)
	if d != nil {
		if d.absent {
			s += " [absent remotely]"
		} else {
			s += " [" + clean(strings.Join(d.fields, ", ")) + "]"
		}
		if !r.o.verbose {
			return s
		}
	}
	if rd.message == "" {
		return s
	}
	msg := clean(rd.message)
	if !r.o.verbose {
		msg = truncate(msg, messageWidth)
	}
	return s + ": " + msg
}

// reasonsByCount orders reasons by how many Departments report them, most first, then by name.
func reasonsByCount(byReason map[string]int) []string {
	return slices.SortedFunc(maps.Keys(byReason), func(a, b string) int {
		if byReason[a] != byReason[b] {
			return byReason[b] - byReason[a]
		}
		return strings.Compare(a, b)
	})
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// truncate cuts s to width characters, ending it with an ellipsis when it cut.
func truncate(s string, width int) string {
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	runes := []rune(s)
	return strings.TrimRightFunc(string(runes[:width-1]), unicode.IsSpace) + "…"
}

// clean makes s safe to print on a terminal on one line: names may hold bidirectional controls
// and invisible format characters (the CRD allows them), and a message quotes remote answers.
// Those and control characters are written as \u escapes.
func clean(s string) string {
	if strings.IndexFunc(s, unsafeRune) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unsafeRune(r) {
			fmt.Fprintf(&b, `\u%04X`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// unsafeRune reports whether r is shown as an escape rather than written: control characters,
// format characters (Unicode category Cf: bidirectional controls, zero-width characters), the line
// and paragraph separators, and the replacement character that stands for invalid UTF-8.
func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' || r == utf8.RuneError
}
