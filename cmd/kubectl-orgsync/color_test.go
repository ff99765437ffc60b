package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestColorOnlyOnATerminal(t *testing.T) {
	reader, writer, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = reader.Close(); _ = writer.Close() }()
	for _, tc := range []struct {
		mode string
		out  any
		want bool
	}{
		{colorAuto, &bytes.Buffer{}, false},
		{colorAuto, writer, false}, // a pipe
		{colorAlways, &bytes.Buffer{}, true},
		{colorNever, writer, false},
	} {
		w, _ := tc.out.(interface{ Write([]byte) (int, error) })
		p, err := colorFor(tc.mode, w)
		if err != nil || p.on != tc.want {
			t.Errorf("--color=%s on %T: colour %t (%v), want %t", tc.mode, tc.out, p.on, err, tc.want)
		}
	}
	if _, err := colorFor("rainbow", &bytes.Buffer{}); err == nil {
		t.Error("--color=rainbow accepted")
	}
	var out bytes.Buffer
	org, depts := fixtureChart()
	if err := renderText(&out, buildChart(org, depts), textOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "\x1b") {
		t.Errorf("plain output has escape sequences:\n%q", out.String())
	}
}
