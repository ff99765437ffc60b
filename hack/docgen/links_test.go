package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// TestMarkdownLinks checks that every relative link in README.md and docs/ leads to a file or
// folder of the repository and, where it names an anchor in a Markdown file, to one of that file's
// headings: moving text between pages must not leave a reader at a dead end.
func TestMarkdownLinks(t *testing.T) {
	files := []string{filepath.Join(repoRoot, "README.md")}
	err := filepath.WalkDir(filepath.Join(repoRoot, "docs"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".md") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, problem := range brokenLinks(files) {
		t.Error(problem)
	}
}

// TestBrokenLinks shows the checker finds what it must, and accepts what GitHub resolves.
func TestBrokenLinks(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	write("docs/b.md", "# B page\n\n## The manager's flags\n\n## Twice\n\n## Twice\n")
	a := write("a.md", "# A: `start`\n\n"+
		"[ok](docs/b.md#the-managers-flags) [ok](docs/b.md#twice-1) [ok](#a-start) [ok](docs/)\n"+
		"[web](https://example.com/x) [mail](mailto:a@b.c)\n"+
		"[a link\nover two lines](docs/b.md#b-page)\n"+
		"`[in code](missing.md)`\n\n```\n[in a block](missing.md)\n```\n"+
		"[gone](docs/missing.md) [no anchor](docs/b.md#nowhere) [here](#nowhere)\n")
	got := brokenLinks([]string{a})
	want := []string{
		a + ": docs/missing.md: no such file",
		a + ": docs/b.md#nowhere: no such heading",
		a + ": #nowhere: no such heading",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

var (
	fence      = regexp.MustCompile("(?m)^ *(```|~~~)")
	codeSpan   = regexp.MustCompile("`+[^`]*`+")
	comment    = regexp.MustCompile(`(?s)<!--.*?-->`)
	link       = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	heading    = regexp.MustCompile(`(?m)^#{1,6} +(.+?) *#* *$`)
	scheme     = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)
	inlineLink = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
)

// brokenLinks lists each relative link of the files that leads nowhere.
func brokenLinks(files []string) []string {
	var problems []string
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		for _, target := range links(string(data)) {
			if msg := resolve(file, target); msg != "" {
				problems = append(problems, fmt.Sprintf("%s: %s: %s", file, target, msg))
			}
		}
	}
	return problems
}

// resolve says why target, a link in file, leads nowhere, or "".
func resolve(file, target string) string {
	if scheme.MatchString(target) {
		return ""
	}
	path, anchor, _ := strings.Cut(target, "#")
	if path == "" {
		path = file
	} else {
		path = filepath.Join(filepath.Dir(file), path)
	}
	if _, err := os.Stat(path); err != nil {
		return "no such file"
	}
	if anchor == "" || !strings.HasSuffix(path, ".md") {
		return ""
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if !anchors(string(data))[anchor] {
		return "no such heading"
	}
	return ""
}

// prose is a Markdown text without its code blocks, code spans and comments, where links count.
func prose(text string) string {
	var kept []string
	for i, part := range fence.Split(comment.ReplaceAllString(text, ""), -1) {
		if i%2 == 0 {
			kept = append(kept, part)
		}
	}
	return strings.Join(kept, "\n")
}

// links lists the targets of a text's inline links, images included.
func links(text string) []string {
	var targets []string
	for _, m := range link.FindAllStringSubmatch(codeSpan.ReplaceAllString(prose(text), ""), -1) {
		targets = append(targets, m[1])
	}
	return targets
}

// anchors are the ids GitHub gives a text's headings: lower case, punctuation dropped, spaces as
// hyphens, and -1, -2... after a repeated one.
func anchors(text string) map[string]bool {
	ids := map[string]bool{}
	seen := map[string]int{}
	for _, m := range heading.FindAllStringSubmatch(prose(text), -1) {
		id := slug(m[1])
		if n := seen[id]; n > 0 {
			ids[fmt.Sprintf("%s-%d", id, n)] = true
		} else {
			ids[id] = true
		}
		seen[id]++
	}
	return ids
}

func slug(title string) string {
	title = inlineLink.ReplaceAllString(title, "$1")
	var b strings.Builder
	for _, r := range strings.ToLower(title) {
		switch {
		case unicode.IsLetter(r) || unicode.IsNumber(r) || r == '-' || r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteRune('-')
		}
	}
	return b.String()
}

// maxReadmeLines keeps the README a first page a newcomer reads in ten minutes: what orgsync is,
// the two commands, install, a first chart and where to go next. The rest belongs under docs/.
const maxReadmeLines = 250

func TestReadmeStaysAFirstPage(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "\n"); n > maxReadmeLines {
		t.Errorf("README.md has %d lines, more than %d: move what a first reading does not need to docs/ and link it", n, maxReadmeLines)
	}
}
