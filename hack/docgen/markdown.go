package main

import (
	"bytes"
	"fmt"
	"strings"
)

// table is a Markdown table under construction.
type table struct {
	header []string
	rows   [][]string
}

// add appends a row; cells are escaped when the table is written.
func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

// writeTo writes the table, or nothing when it has no row.
func (t *table) writeTo(b *bytes.Buffer) {
	if len(t.rows) == 0 {
		return
	}
	line := func(cells []string) {
		escaped := make([]string, len(cells))
		for i, c := range cells {
			escaped[i] = cell(c)
		}
		fmt.Fprintf(b, "| %s |\n", strings.Join(escaped, " | "))
	}
	line(t.header)
	sep := make([]string, len(t.header))
	for i := range sep {
		sep[i] = "---"
	}
	fmt.Fprintf(b, "| %s |\n", strings.Join(sep, " | "))
	for _, r := range t.rows {
		line(r)
	}
	b.WriteString("\n")
}

// cell makes text fit one table cell: whitespace runs (line breaks included) become one space,
// and a pipe is escaped, which GitHub's tables need inside code spans too.
func cell(s string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(s), " "), "|", `\|`)
}

// code puts s in a code span, with enough backticks around it to hold the ones it contains.
func code(s string) string {
	if s == "" {
		return ""
	}
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}
