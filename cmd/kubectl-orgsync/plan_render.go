package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// planFormatVersion is the version of plan's JSON document; it changes only when a field changes
// meaning or goes away.
const planFormatVersion = 1

// planDocument is plan's JSON output.
type planDocument struct {
	FormatVersion int `json:"formatVersion"`
	// Changed is true when applying would change something (exit code 2).
	Changed       bool               `json:"changed"`
	Summary       planSummary        `json:"summary"`
	Organizations []organizationPlan `json:"organizations"`
}

// planSummary counts the changes of every Organization.
type planSummary struct {
	Create  int `json:"create"`
	Update  int `json:"update"`
	Move    int `json:"move"`
	Delete  int `json:"delete"`
	Held    int `json:"held"`
	Release int `json:"release"`
	Waiting int `json:"waiting"`
	// Unsupported counts the changes that cannot be made (exit code 1).
	Unsupported int `json:"unsupported"`
}

func summarize(plans []organizationPlan) planSummary {
	var s planSummary
	for _, p := range plans {
		s.Waiting += len(p.Waiting)
		s.Unsupported += len(p.Unsupported)
		for _, c := range p.Changes {
			switch c.Action {
			case actionCreate:
				s.Create++
			case actionUpdate:
				s.Update++
			case actionMove:
				s.Move++
			case actionDelete:
				s.Delete++
				if c.Held != "" {
					s.Held++
				}
			case actionRelease:
				s.Release++
			}
		}
	}
	return s
}

func renderPlanJSON(w io.Writer, plans []organizationPlan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(planDocument{FormatVersion: planFormatVersion, Changed: hasChanges(plans), Summary: summarize(plans), Organizations: plans})
}

// Markers of the text output, as terraform's.
var actionMarkers = map[string]string{
	actionCreate: "+", actionUpdate: "~", actionMove: ">", actionDelete: "-", actionRelease: "!",
}

// actionColors colour the text output's changes on a terminal: creates green, deletes red, the
// others yellow.
var actionColors = map[string]health{
	actionCreate: healthSynced, actionUpdate: healthWaiting, actionMove: healthWaiting,
	actionDelete: healthFailing, actionRelease: healthWaiting,
}

func renderPlanText(w io.Writer, plans []organizationPlan, colors palette) error {
	var b strings.Builder
	for i, p := range plans {
		if i > 0 {
			b.WriteString("\n")
		}
		renderOrganizationPlan(&b, p, colors)
	}
	s := summarize(plans)
	b.WriteString("\n")
	switch {
	case !hasChanges(plans) && s.Unsupported == 0:
		b.WriteString("No changes: the remote charts match the manifests.\n")
	case !hasChanges(plans):
		b.WriteString("No changes can be made.\n")
	default:
		b.WriteString("Plan: " + s.counts() + ".\n")
	}
	if s.Unsupported > 0 {
		fmt.Fprintf(&b, "%s cannot be made (x): the remote system offers no way to make %s; the manager would send nothing for %s and report UnsupportedChange.\n",
			count(s.Unsupported, "change"), pronounFor(s.Unsupported), pronounFor(s.Unsupported))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func renderOrganizationPlan(b *strings.Builder, p organizationPlan, colors palette) {
	fmt.Fprintf(b, "Organization %s/%s (%s): %s", p.Namespace, p.Name, p.Provider, count(p.RemoteDepartments, "remote department"))
	switch {
	case p.Paused:
		fmt.Fprintf(b, "; paused (%s): no remote call is made", v1alpha1.AnnotationPaused)
	case p.Observe:
		b.WriteString("; managementPolicy Observe: no remote write is made")
	}
	b.WriteString("\n")
	if len(p.Changes) == 0 && len(p.Unsupported) == 0 {
		b.WriteString("  no changes\n")
	}
	for _, c := range p.Changes {
		b.WriteString("  " + colors.paint(actionColors[c.Action], fmt.Sprintf("%s %-7s", actionMarkers[c.Action], c.Action)) + " " + safe(c.Key))
		if c.Department != c.Key {
			fmt.Fprintf(b, " (Department %s)", safe(c.Department))
		}
		switch {
		case c.Adopt:
			b.WriteString("  adopts the existing remote department")
		case c.Held == heldByBudget:
			b.WriteString("  " + colors.paint(healthWaiting, "held: the deletion budget is spent"))
		case c.Held == heldBySubtree:
			b.WriteString("  " + colors.paint(healthWaiting, "held: waits for held sub-departments"))
		case c.Action == actionRelease:
			b.WriteString("  the Department goes, the remote department stays")
		}
		b.WriteString("\n")
		writeFields(b, c.Fields, c.Action == actionCreate)
	}
	for _, u := range p.Unsupported {
		b.WriteString("  " + colors.paint(healthFailing, fmt.Sprintf("x %-7s", u.Action)) + " " + safe(u.Key))
		if u.Department != u.Key {
			fmt.Fprintf(b, " (Department %s)", safe(u.Department))
		}
		b.WriteString("  " + colors.paint(healthFailing, "cannot be made") + ": " + safe(u.Message) + "\n")
		writeFields(b, u.Fields, false)
	}
	if len(p.Adopted) > 0 {
		fmt.Fprintf(b, "  = adopt   %s: existing remote departments that match, taken over without a write\n", strings.Join(safeAll(p.Adopted), ", "))
	}
	if len(p.Waiting) > 0 {
		b.WriteString("  Waiting, no remote write:\n")
		for _, w := range p.Waiting {
			what := "    " + safe(w.Key)
			if w.Department != w.Key {
				what += " (Department " + safe(w.Department) + ")"
			}
			if w.Deleting {
				what += ", to delete,"
			}
			fmt.Fprintf(b, "%s %s: %s\n", what, w.Reason, safe(w.Message))
		}
	}
	if bud := p.Budget; bud != nil && bud.Deletes > 0 {
		fmt.Fprintf(b, "  Deletion budget: %d per %s, %d made in the current window, %d approved beyond it: %d of %d deletes now",
			bud.MaxDeletions, shortDuration(bud.Window), bud.Made, bud.Approved, bud.Deletes-bud.Held, bud.Deletes)
		if bud.Held > 0 {
			fmt.Fprintf(b, ", %d held until approved:\n    kubectl annotate --overwrite organization %s -n %s %s=%d\n",
				bud.Held, p.Name, p.Namespace, v1alpha1.AnnotationApproveDeletions, bud.Held)
		} else {
			b.WriteString("\n")
		}
	}
	if p.Unmanaged > 0 {
		fmt.Fprintf(b, "  %s no Department covers: left alone\n", count(p.Unmanaged, "remote department"))
	}
}

// writeFields prints the fields of a change, aligned: the new value of a create, old -> new
// otherwise.
func writeFields(b *strings.Builder, fields []fieldChange, create bool) {
	width := 0
	for _, f := range fields {
		width = max(width, len(f.Field))
	}
	for _, f := range fields {
		if create {
			fmt.Fprintf(b, "      %-*s  %s\n", width+1, f.Field+":", formatValue(f.New))
		} else {
			fmt.Fprintf(b, "      %-*s  %s -> %s\n", width+1, f.Field+":", formatValue(f.Old), formatValue(f.New))
		}
	}
}

// formatValue prints a field's value: strings quoted (control and bidirectional characters
// escaped), maps as {key: "value"} by key.
func formatValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "(none)"
	case string:
		if v == "" {
			return "(none)"
		}
		return strconv.QuoteToGraphic(v)
	case map[string]string:
		parts := make([]string, 0, len(v))
		for _, k := range slices.Sorted(maps.Keys(v)) {
			parts = append(parts, safe(k)+": "+strconv.QuoteToGraphic(v[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// safe escapes what a terminal would interpret in a key, a name or a message: control, format
// (bidirectional) and other non-graphic characters, as Go escapes them.
func safe(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsGraphic(r) {
			b.WriteRune(r)
			continue
		}
		q := strconv.QuoteRune(r)
		b.WriteString(q[1 : len(q)-1])
	}
	return b.String()
}

// shortDuration writes a Go duration without its zero minutes and seconds: 1h, 1h30m, 90s.
func shortDuration(d string) string {
	if strings.HasSuffix(d, "m0s") {
		d = strings.TrimSuffix(d, "0s")
	}
	if strings.HasSuffix(d, "h0m") {
		d = strings.TrimSuffix(d, "0m")
	}
	return d
}

// count says "1 thing" or "n things".
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return strconv.Itoa(n) + " " + thing + "s"
}

func safeAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = safe(s)
	}
	return out
}
