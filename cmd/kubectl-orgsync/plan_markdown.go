package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// Values of plan's -o.
var planOutputs = []string{outputText, outputJSON, outputMarkdown, outputMermaid, outputDOT}

const outputMarkdown = "markdown"

// renderPlan writes plans in format to w; notes on what a diagram leaves out go to notes.
func renderPlan(w, notes io.Writer, plans []organizationPlan, format string, colors palette) error {
	switch format {
	case outputJSON:
		return renderPlanJSON(w, plans)
	case outputMarkdown:
		return renderPlanMarkdown(w, plans)
	case outputMermaid, outputDOT:
		return writeGraph(w, notes, planGraph(plans), format)
	}
	return renderPlanText(w, plans, colors)
}

// Limits of the comment: GitHub refuses a comment over 65,536 characters; the lists on top stop
// after markdownListed entries each, and the whole plan is cut to fit.
const (
	markdownMaxSize = 60000
	markdownListed  = 15
)

// renderPlanMarkdown writes a pull-request comment a reviewer reads in one screen: the counts,
// the deletes and moves, the held deletes with what releases them, the changes that cannot be
// made, the diagram, and the whole plan folded in <details>.
func renderPlanMarkdown(w io.Writer, plans []organizationPlan) error {
	var b strings.Builder
	s := summarize(plans)
	b.WriteString("### orgsync plan: ")
	switch {
	case !hasChanges(plans) && s.Unsupported == 0:
		b.WriteString("no changes\n\nThe remote charts match the manifests.\n")
	default:
		b.WriteString(s.counts())
		if s.Unsupported > 0 {
			fmt.Fprintf(&b, ", **%d cannot be made**", s.Unsupported)
		}
		b.WriteString("\n\n")
		markdownCounts(&b, plans)
		markdownDeletesAndMoves(&b, plans)
		markdownHeld(&b, plans)
		markdownUnsupported(&b, plans)
		b.WriteString("```mermaid\n")
		d, diagram := mermaidDrawing(planGraph(plans))
		b.Write(diagram)
		b.WriteString("```\n")
		if d.limited {
			fmt.Fprintf(&b, "\n%d of %d departments drawn (Mermaid's renderers refuse larger diagrams); `-o dot` draws them all.\n", d.shown, d.total)
		}
	}
	var text strings.Builder
	if err := renderPlanText(&text, plans, palette{}); err != nil {
		return err
	}
	full := text.String()
	if room := markdownMaxSize - b.Len() - 200; len(full) > room {
		full = cutLines(full, max(room, 0))
	}
	fence := codeFence(full)
	fmt.Fprintf(&b, "\n<details><summary>The whole plan (%s)</summary>\n\n%stext\n%s%s\n</details>\n", count(len(allChanges(plans)), "change"), fence, full, fence)
	_, err := io.WriteString(w, b.String())
	return err
}

// markdownCounts is a table of the counts by Organization, when there are several.
func markdownCounts(b *strings.Builder, plans []organizationPlan) {
	if len(plans) < 2 {
		return
	}
	b.WriteString("| Organization | create | update | move | delete | held | release | waiting | cannot |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, p := range plans {
		s := summarize([]organizationPlan{p})
		fmt.Fprintf(b, "| %s | %d | %d | %d | %d | %d | %d | %d | %d |\n", markdownText(p.Namespace+"/"+p.Name),
			s.Create, s.Update, s.Move, s.Delete, s.Held, s.Release, s.Waiting, s.Unsupported)
	}
	b.WriteString("\n")
}

// located is a change with its Organization.
type located struct {
	plan   *organizationPlan
	change planChange
}

func allChanges(plans []organizationPlan) []located {
	var out []located
	for i := range plans {
		for _, c := range plans[i].Changes {
			out = append(out, located{&plans[i], c})
		}
	}
	return out
}

// markdownDeletesAndMoves lists the deletes, then the moves: what a reviewer checks first.
func markdownDeletesAndMoves(b *strings.Builder, plans []organizationPlan) {
	var list []string
	pictures := map[*organizationPlan]*planPicture{}
	for _, action := range []string{actionDelete, actionMove} {
		for _, l := range allChanges(plans) {
			if l.change.Action != action {
				continue
			}
			c := l.change
			pp := pictures[l.plan]
			if pp == nil {
				pp = newPlanPicture(organizationPlan{context: l.plan.context})
				pictures[l.plan] = pp
			}
			item := fmt.Sprintf("- **%s** %s (%s)", action, markdownText(pp.name(c.Key)), codeSpan(c.Key))
			if len(plans) > 1 {
				item += " in " + markdownText(l.plan.Namespace+"/"+l.plan.Name)
			}
			switch {
			case action == actionMove:
				from, to := parentChange(c.Fields)
				item += ": " + markdownText(from) + " → " + markdownText(to)
			case c.Held == heldByBudget:
				item += ": held by the deletion budget"
			case c.Held == heldBySubtree:
				item += ": held until its held sub-departments go"
			}
			list = append(list, item)
		}
	}
	if len(list) == 0 {
		return
	}
	b.WriteString("**Deletes and moves**\n\n")
	writeListed(b, list)
}

// parentChange is a move's old and new parent, "(top level)" for none.
func parentChange(fields []fieldChange) (from, to string) {
	for _, f := range fields {
		if f.Field == "parentExternalKey" {
			return parentText(f.Old), parentText(f.New)
		}
	}
	return "", ""
}

func parentText(v any) string {
	if s, _ := v.(string); s != "" && s != v1alpha1.TopLevelParentKey {
		return s
	}
	return "(top level)"
}

// markdownHeld says, for each Organization, how many deletes its budget holds and what releases
// them.
func markdownHeld(b *strings.Builder, plans []organizationPlan) {
	for _, p := range plans {
		bud := p.Budget
		if bud == nil || bud.Held == 0 {
			continue
		}
		fmt.Fprintf(b, "**Held deletes**: the deletion budget of %s (%d per %s; %d made in the current window, %d approved beyond it) holds %d of %d deletes. "+
			"They go as the window ends (%d per window), or at once when approved:\n\n",
			markdownText(p.Namespace+"/"+p.Name), bud.MaxDeletions, shortDuration(bud.Window), bud.Made, bud.Approved, bud.Held, bud.Deletes, bud.MaxDeletions)
		fmt.Fprintf(b, "```sh\nkubectl annotate --overwrite organization %s -n %s %s=%d\n```\n\n", p.Name, p.Namespace, v1alpha1.AnnotationApproveDeletions, bud.Held)
	}
}

// markdownUnsupported lists the changes that cannot be made, with what to do instead.
func markdownUnsupported(b *strings.Builder, plans []organizationPlan) {
	var list []string
	for _, p := range plans {
		for _, u := range p.Unsupported {
			list = append(list, fmt.Sprintf("- **%s** %s: %s", u.Action, codeSpan(u.Key), markdownText(u.Message)))
		}
	}
	if len(list) == 0 {
		return
	}
	b.WriteString("**Cannot be made** (plan exits 1): the remote system offers no way to make these changes\n\n")
	writeListed(b, list)
}

// writeListed writes the first markdownListed items of list, and how many more the whole plan
// holds.
func writeListed(b *strings.Builder, list []string) {
	for i, item := range list {
		if i == markdownListed {
			fmt.Fprintf(b, "- … and %d more in the whole plan below\n", len(list)-i)
			break
		}
		b.WriteString(item + "\n")
	}
	b.WriteString("\n")
}

// markdownText escapes s for Markdown text within a line: control, format and bidirectional
// characters as clean writes them, then a backslash before each character that could start
// emphasis, code, a link, HTML, a table cell, a mention (@) or an issue reference (#) (CommonMark
// allows it before any ASCII punctuation).
func markdownText(s string) string {
	var b strings.Builder
	for _, r := range clean(s) {
		if strings.ContainsRune(markdownSpecial, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

const markdownSpecial = "\\`*_[]<>|#@~!&"

// codeSpan is s as a `code span`; a backquote in s, which would close it, is written as '.
func codeSpan(s string) string { return "`" + strings.ReplaceAll(clean(s), "`", "'") + "`" }

// codeFence is a fence longer than any run of backquotes in s.
func codeFence(s string) string {
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// cutLines cuts s to at most size bytes, at a line's end, and says how many lines it left out.
func cutLines(s string, size int) string {
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for i, l := range lines {
		if b.Len()+len(l) > size {
			fmt.Fprintf(&b, "… %d more lines: run kubectl orgsync plan for the whole plan\n", len(lines)-i)
			break
		}
		b.WriteString(l)
	}
	return b.String()
}

// counts says how many changes of each kind: "1 to create, 0 to update, 0 to move, 2 to delete
// (1 held), 0 to release".
func (s planSummary) counts() string {
	held := ""
	if s.Held > 0 {
		held = fmt.Sprintf(" (%d held)", s.Held)
	}
	return fmt.Sprintf("%d to create, %d to update, %d to move, %d to delete%s, %d to release", s.Create, s.Update, s.Move, s.Delete, held, s.Release)
}
