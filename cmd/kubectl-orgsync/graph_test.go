package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/provider"
	ncpprovider "github.com/orgsync/orgsync/internal/provider/ncp"
)

// chartSpec is a chart as (key, name, parent, display order) entries, parents first.
type chartSpec [][4]string

// hostileNames is a chart whose names hold what each language must escape: quotes, brackets,
// #, ;, &, backslashes, line breaks, Korean, Chinese, emoji, bidirectional and zero-width
// characters, Mermaid's keywords and comment, Markdown's mentions and emphasis.
var hostileNames = chartSpec{
	{"hq", `본사 "HQ" 'main'`, ""},
	{"brackets", "[Brackets] {braces} (parens) <b>bold</b> <br> -->", "hq"},
	{"entities", "#hash; semi; & amp; #quot; #35; &lt; entity", "hq"},
	{"slashes", `back\slash \n \" \\ end\`, "brackets"},
	{"controls", "line\nbreak\ttab\r\x00nul", "brackets"},
	{"cjk", "研发中心 연구소 🚀 👩‍💻 emoji", "hq"},
	{"bidi", "bidi \u202eevil\u202c zero\u200bwidth \u2028sep", "cjk"},
	{"keywords", "end", "cjk"},
	{"comment", "%% not a comment ;; graph TD", "keywords"},
	{"directive", "%%{init: {'themeCSS':'.delete{display:none}'}}%%", "keywords"},
	{"markdown", "@team #123 *bold* _it_ | pipe ~strike~ `code` ![img](x)", "keywords"},
	{"Sales_KR", "영업본부 (Sales) 销售部", "hq"},
}

// sampleChart is config/samples' chart.
func sampleChart(t *testing.T) chartSpec {
	t.Helper()
	data, err := os.ReadFile("../../config/samples/orgsync_v1alpha1_departments.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var spec chartSpec
	for _, doc := range strings.Split(string(data), "\n---\n") {
		var d v1alpha1.Department
		if err := yaml.Unmarshal([]byte(doc), &d); err != nil {
			t.Fatal(err)
		}
		if d.Kind == "Department" {
			spec = append(spec, [4]string{d.Name, d.Spec.Name, d.Spec.ParentExternalKey, d.Spec.DisplayOrder})
		}
	}
	return spec
}

// largeChart is n departments in five levels, seven children each, with Korean, Chinese and
// emoji names.
func largeChart(n int) chartSpec {
	words := []string{"영업", "研发", "인사", "财务", "Ops 🚀", "法务", "품질"}
	spec := chartSpec{{"d0", "본사 总部", ""}}
	for i := 1; i < n; i++ {
		spec = append(spec, [4]string{fmt.Sprintf("d%d", i), fmt.Sprintf("%s %d팀", words[i%len(words)], i), fmt.Sprintf("d%d", (i-1)/7)})
	}
	return spec
}

// treeOf is the chart of spec, every department Ready.
func treeOf(spec chartSpec) *chart {
	depts := make([]v1alpha1.Department, 0, len(spec))
	for _, s := range spec {
		depts = append(depts, department(s[0], s[1], s[2], order(s[3])))
	}
	return buildChart(organization(int32(len(spec)), 0), depts)
}

// planOf plans spec's chart, synced and listed, changed by change to the manifests.
func planOf(spec chartSpec, change func([]v1alpha1.Department) []v1alpha1.Department) []organizationPlan {
	var desired, cluster []v1alpha1.Department
	var remote []provider.Department
	for _, s := range spec {
		desired = append(desired, want(s[0], s[1], s[2], order(s[3])))
		cluster = append(cluster, have(s[0], s[1], s[2], order(s[3])))
		r := remoteDept(s[0], s[1], s[2])
		r.DisplayOrder = cmpOr(s[3], r.DisplayOrder)
		remote = append(remote, r)
	}
	return []organizationPlan{planOrganization(planInput{org: planOrg(), desired: change(desired), cluster: cluster, remote: remote,
		prune: true, diff: ncpprovider.Conventions{}.Diff, now: planNow})}
}

// samplePlan is a reorganisation of the sample chart: a rename, a new team, a move under it and
// two deletes.
func samplePlan(t *testing.T) []organizationPlan {
	return planOf(sampleChart(t), func(ds []v1alpha1.Department) []v1alpha1.Department {
		var out []v1alpha1.Department
		for _, d := range ds {
			switch d.Name {
			case "mgmt-hr":
				d.Spec.Name = "인사총무팀"
			case "eng-platform-data":
				d.Spec.ParentExternalKey = "eng-ai"
			case "mgmt-legal", "sales-global":
				continue
			}
			out = append(out, d)
		}
		return append(out, want("eng-ai", "AI팀", "eng"))
	})
}

// largePlan reorganises the large chart: renames, moves, creates and deletes (most held).
func largePlan() []organizationPlan {
	return planOf(largeChart(2000), func(ds []v1alpha1.Department) []v1alpha1.Department {
		var out []v1alpha1.Department
		for i, d := range ds {
			switch {
			case i >= 1700 && i%3 == 0:
				continue // delete
			case i%13 == 5:
				d.Spec.Name += " (new)"
			case i >= 400 && i%29 == 0:
				d.Spec.ParentExternalKey = fmt.Sprintf("d%d", i%50+1)
			}
			out = append(out, d)
		}
		for i := range 40 {
			out = append(out, want(fmt.Sprintf("new-%d", i), fmt.Sprintf("새 팀 新 %d", i), fmt.Sprintf("d%d", i*7+3)))
		}
		return out
	})
}

func graphOut(t *testing.T, g *graph, format string) []byte {
	t.Helper()
	var out, notes bytes.Buffer
	if err := writeGraph(&out, &notes, g, format); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func markdownOut(t *testing.T, plans []organizationPlan) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := renderPlanMarkdown(&out, plans); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestPictureGolden(t *testing.T) {
	org, depts := fixtureChart()
	fixture := buildChart(org, depts)
	for name, g := range map[string]*graph{
		"tree":         treeGraph(fixture, true),
		"tree-names":   treeGraph(treeOf(hostileNames), true),
		"tree-samples": treeGraph(treeOf(sampleChart(t)), true),
		"plan":         planGraph(fixturePlans()),
		"plan-samples": planGraph(samplePlan(t)),
	} {
		golden(t, name+".mermaid", graphOut(t, g, outputMermaid))
		golden(t, name+".dot", graphOut(t, g, outputDOT))
	}
	golden(t, "plan.md", markdownOut(t, fixturePlans()))
	golden(t, "plan-samples.md", markdownOut(t, samplePlan(t)))
}

// TestPictureEscaping checks what no label may hold raw in each language, and that node IDs are
// n1, n2... whatever the names.
func TestPictureEscaping(t *testing.T) {
	g := treeGraph(treeOf(hostileNames), true)
	mermaid, dot := string(graphOut(t, g, outputMermaid)), string(graphOut(t, g, outputDOT))
	node := regexp.MustCompile(`^  (n\d+)\["([^"]*)"\]:::[a-z]+$`)
	entity := regexp.MustCompile(`#(quot|[0-9]+);`)
	for _, line := range strings.Split(strings.TrimSpace(mermaid), "\n")[2:] {
		if strings.HasPrefix(line, "  classDef ") || strings.Contains(line, " --> ") {
			continue
		}
		m := node.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("mermaid line is no node n<N>[\"label\"]:::class: %q", line)
			continue
		}
		if label := entity.ReplaceAllString(strings.ReplaceAll(m[2], "<br>", ""), ""); strings.ContainsAny(label, "\"<>`\\;&|#%") || strings.ContainsFunc(label, unsafeRune) {
			t.Errorf("mermaid label holds a raw special character: %q", m[2])
		}
	}
	for _, want := range []string{"研发中心 연구소 🚀 👩\u200d💻 emoji", "#quot;HQ#quot;", "#35;hash#59;", "line#92;u000Abreak"} {
		if !strings.Contains(mermaid, want) && !strings.Contains(mermaid, strings.ReplaceAll(want, "\u200d", `#92;u200D`)) {
			t.Errorf("mermaid lacks %q:\n%s", want, mermaid)
		}
	}
	for _, want := range []string{`label="본사 \"HQ\" 'main'\nhq"`, `back\\slash \\n \\\" \\\\ end\\\nslashes`, `line\\u000Abreak\\u0009tab`, `bidi \\u202Eevil\\u202C`} {
		if !strings.Contains(dot, want) {
			t.Errorf("dot lacks %q:\n%s", want, dot)
		}
	}
	if strings.ContainsFunc(strings.ReplaceAll(dot+mermaid, "\n", ""), unsafeRune) {
		t.Error("a control or format character is written raw")
	}
	md := string(markdownOut(t, planOf(hostileNames, func(ds []v1alpha1.Department) []v1alpha1.Department { return ds[:3] })))
	for _, want := range []string{`\@team \#123 \*bold\* \_it\_ \| pipe`, "line\\\\u000Abreak"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestTreeDepthAndSubtree(t *testing.T) {
	org, depts := fixtureChart()
	c := buildChart(org, depts)
	if err := (treeView{department: "sales", depth: 1}).apply(c); err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := renderText(&text, c, textOptions{now: fixtureNow}); err != nil {
		t.Fatal(err)
	}
	if want := "\nSales (sales)\n└── … 3 more departments below (--depth)\n"; !strings.HasSuffix(text.String(), want) {
		t.Errorf("tree acme sales --depth 1: want the end %q, got:\n%s", want, text.String())
	}
	mermaid := string(graphOut(t, treeGraph(c, false), outputMermaid))
	if !strings.Contains(mermaid, `n2["… 3 more departments below"]:::folded`) || strings.Contains(mermaid, "Busan") {
		t.Errorf("the folded subtree is drawn wrong:\n%s", mermaid)
	}

	c = buildChart(org, depts)
	if err := (treeView{department: "hr-old"}).apply(c); err != nil || c.roots[0].key != "hr-payroll" || c.roots[0].dept.Name != "hr-old" {
		t.Errorf("a Department named hr-old: %v %v", err, c.roots)
	}
	c = buildChart(org, depts)
	if err := (treeView{depth: 2}).apply(c); err != nil {
		t.Fatal(err)
	}
	if got := descendants(c.roots[0]); got != 11 || len(c.roots[0].children) != 4 {
		t.Errorf("depth 2 under acme: %d below, %d children", got, len(c.roots[0].children))
	}
	for _, v := range []treeView{{department: "nope"}, {depth: -1}} {
		if err := v.apply(buildChart(org, depts)); err == nil {
			t.Errorf("%+v: no error", v)
		}
	}
}

// TestPictureOfALargeChart: Mermaid's renderers refuse more than 500 edges, so a large chart's
// diagram keeps its upper levels and counts the rest; DOT draws all of it.
func TestPictureOfALargeChart(t *testing.T) {
	g := treeGraph(treeOf(largeChart(2000)), true)
	var out, notes bytes.Buffer
	if err := writeGraph(&out, &notes, g, outputMermaid); err != nil {
		t.Fatal(err)
	}
	d, _ := mermaidDrawing(g)
	if !d.limited || d.total != 2000 || d.shown < 200 || !strings.Contains(notes.String(), "departments drawn, the others folded") {
		t.Errorf("drawn %d of %d (limited %v); notes %q", d.shown, d.total, d.limited, notes.String())
	}
	if dot := graphOut(t, g, outputDOT); bytes.Count(dot, []byte(" -> ")) != 1999 {
		t.Errorf("dot draws %d edges, want 1999", bytes.Count(dot, []byte(" -> ")))
	}
	md := markdownOut(t, largePlan())
	if len(md) > markdownMaxSize || !bytes.Contains(md, []byte("- … and ")) || !bytes.Contains(md, []byte("departments drawn (Mermaid's renderers refuse larger diagrams)")) {
		t.Errorf("the comment of a large plan: %d bytes:\n%s", len(md), md[:min(len(md), 3000)])
	}
	if got := cutLines("a\nbb\nccc\n", 6); got != "a\nbb\n… 2 more lines: run kubectl orgsync plan for the whole plan\n" {
		t.Errorf("cutLines: %q", got)
	}
}

// TestPicturesRender feeds every picture to the real renderers: the DOT files to Graphviz's dot,
// the Mermaid diagrams (and those in the plan comments) to Mermaid's own parser, in one process
// each. `make renderers` (which `make test` runs) installs both; without them the test fails,
// unless ORGSYNC_SKIP_RENDERERS is set (for a machine without apt-get or npm).
func TestPicturesRender(t *testing.T) {
	t.Parallel()
	dot, dotErr := exec.LookPath("dot")
	node, nodeErr := exec.LookPath("node")
	checker, _ := filepath.Abs("../../hack/renderers/check.mjs")
	_, mermaidErr := os.Stat("../../hack/renderers/node_modules/mermaid/package.json")
	if err := cmpOrErr(dotErr, nodeErr, mermaidErr); err != nil {
		if os.Getenv("ORGSYNC_SKIP_RENDERERS") != "" {
			t.Skipf("ORGSYNC_SKIP_RENDERERS is set and a renderer is missing: %v", err)
		}
		t.Fatalf("a renderer is missing (make renderers installs graphviz and Mermaid's parser; ORGSYNC_SKIP_RENDERERS=1 skips): %v", err)
	}
	org, depts := fixtureChart()
	focused := buildChart(org, depts)
	if err := (treeView{department: "acme", depth: 2}).apply(focused); err != nil {
		t.Fatal(err)
	}
	graphs := map[string]*graph{
		"tree":         treeGraph(buildChart(org, depts), true),
		"tree-focused": treeGraph(focused, false),
		"tree-names":   treeGraph(treeOf(hostileNames), true),
		"tree-samples": treeGraph(treeOf(sampleChart(t)), true),
		"tree-large":   treeGraph(treeOf(largeChart(2000)), true),
		"plan":         planGraph(fixturePlans()),
		"plan-none":    planGraph(fixturePlans()[1:2]),
		"plan-names":   planGraph(planOf(hostileNames, func(ds []v1alpha1.Department) []v1alpha1.Department { return ds[:4] })),
		"plan-samples": planGraph(samplePlan(t)),
		"plan-large":   planGraph(largePlan()),
	}
	dir := t.TempDir()
	var dots, mermaids []string
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	for name, g := range graphs {
		dots = append(dots, write(name+".dot", graphOut(t, g, outputDOT)))
		mermaids = append(mermaids, write(name+".mmd", graphOut(t, g, outputMermaid)))
	}
	for name, plans := range map[string][]organizationPlan{"md-plan": fixturePlans(), "md-samples": samplePlan(t), "md-large": largePlan()} {
		md := string(markdownOut(t, plans))
		_, block, ok := strings.Cut(md, "```mermaid\n")
		block, _, closed := strings.Cut(block, "\n```\n")
		if !ok || !closed {
			t.Fatalf("%s: no mermaid block:\n%s", name, md)
		}
		mermaids = append(mermaids, write(name+".mmd", []byte(block+"\n")))
	}
	// The three run together: the large chart's layout and Mermaid's start take most of it.
	slices.Sort(dots)
	large := slices.IndexFunc(dots, func(f string) bool { return strings.HasSuffix(f, "tree-large.dot") })
	runs := []*exec.Cmd{
		exec.Command(dot, "-Tsvg", "-O", dots[large]),
		exec.Command(dot, append([]string{"-Tsvg", "-O"}, slices.Delete(slices.Clone(dots), large, large+1)...)...),
		exec.Command(node, append([]string{checker}, mermaids...)...),
	}
	outs := make([]bytes.Buffer, len(runs))
	for i, cmd := range runs {
		cmd.Stdout, cmd.Stderr = &outs[i], &outs[i]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, cmd := range runs[:2] {
		if err := cmd.Wait(); err != nil || outs[i].Len() > 0 {
			t.Errorf("dot refused a picture: %v\n%s", err, outs[i].String())
		}
	}
	if err := runs[2].Wait(); err != nil || bytes.Count(outs[2].Bytes(), []byte("ok ")) != len(mermaids) {
		t.Errorf("Mermaid's parser refused a diagram: %v\n%s", err, outs[2].String())
	}
	svg, err := os.ReadFile(filepath.Join(dir, "tree-names.dot.svg"))
	if err != nil || !bytes.Contains(svg, []byte("研发中心 연구소 🚀")) || !bytes.Contains(svg, []byte(`back\slash \n \&quot; \\ end\`)) {
		t.Errorf("dot's SVG lacks the names as written: %v", err)
	}
}

func cmpOrErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// TestAdoptShowsTheSamplePlanComment keeps the sample comment of docs/adopt.md (the walkthrough
// the README points to) the one plan writes.
func TestAdoptShowsTheSamplePlanComment(t *testing.T) {
	doc, err := os.ReadFile("../../docs/adopt.md")
	if err != nil {
		t.Fatal(err)
	}
	if md := markdownOut(t, samplePlan(t)); !bytes.Contains(doc, md) {
		t.Errorf("docs/adopt.md lacks testdata/plan-samples.md as plan writes it now:\n%s", md)
	}
}

// TestCIExamples checks the CI examples are YAML that runs plan -o markdown and gates on exit 1.
func TestCIExamples(t *testing.T) {
	for _, file := range []string{"orgsync-plan.github.yaml", "orgsync-plan.gitlab-ci.yml"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "docs", "examples", file))
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := yaml.Unmarshal(data, &doc); err != nil || len(doc) == 0 {
			t.Errorf("%s: %v", file, err)
		}
		for _, want := range []string{`plan -k "$CHART_DIR" -o markdown > plan.md 2> plan.err || code=$?`, `*) echo "plan failed: see the comment"; exit 1 ;;`} {
			if !bytes.Contains(data, []byte(want)) {
				t.Errorf("%s lacks %q", file, want)
			}
		}
	}
}
