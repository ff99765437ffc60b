package main

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// Values of --color.
const (
	colorAuto   = "auto"
	colorAlways = "always"
	colorNever  = "never"
)

// palette colours text by health, or leaves it plain.
type palette struct{ on bool }

// ANSI colours, foreground only: green Synced, yellow waiting, red failing.
var healthColors = map[health]string{
	healthSynced:  "\x1b[32m",
	healthWaiting: "\x1b[33m",
	healthFailing: "\x1b[31m",
}

func (p palette) paint(h health, s string) string {
	if !p.on {
		return s
	}
	return healthColors[h] + s + "\x1b[0m"
}

// colorFor decides whether output written to w is coloured: always, never, or (auto) when w is
// a terminal, NO_COLOR is unset and TERM is not dumb.
func colorFor(mode string, w io.Writer) (palette, error) {
	switch mode {
	case colorAlways:
		return palette{on: true}, nil
	case colorNever:
		return palette{}, nil
	case colorAuto, "":
		return palette{on: isTerminal(w) && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"}, nil
	}
	return palette{}, fmt.Errorf("--color must be %s, %s or %s, not %q", colorAuto, colorAlways, colorNever, mode)
}

// isTerminal reports whether w is a terminal: a pipe, a file or a buffer is not.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd())) //nolint:gosec // G115: a file descriptor fits in an int
}
