package note

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/capture"
	"github.com/nettutor/nettutor/engine/diagram"
	"github.com/nettutor/nettutor/engine/reexec"
	"github.com/nettutor/nettutor/engine/sandbox"
	"github.com/nettutor/nettutor/engine/testkit"
	"github.com/nettutor/nettutor/lessons"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// sandboxErr is why lab tests cannot run here (nil inside the sandbox).
var sandboxErr error

func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	if err := sandbox.Enter(); err != nil {
		fmt.Fprint(os.Stderr, sandbox.Hint(err))
		if os.Getenv("CI") == "true" {
			fmt.Fprintln(os.Stderr, "FAIL: CI=true and the lab sandbox is unavailable")
			os.Exit(1)
		}
		sandboxErr = err
	}
	os.Exit(m.Run())
}

// needTool finds a tool the test cannot do without: a skip on a developer's
// machine that lacks it, a failure under CI, which installs it (.ci/run).
func needTool(t *testing.T, what string, candidates ...string) string {
	t.Helper()
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("%s not found (tried %s): .ci/run installs it", what, strings.Join(candidates, ", "))
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// lessonRun is one built-in lesson run in one language, with its note.
type lessonRun struct {
	lesson  *lessons.Lesson
	lang    string
	results []*lessons.StepResult
	note    string
	final   *engine.Snapshot
}

var (
	runsOnce sync.Once
	runs     []lessonRun
	runsErr  error
)

// allRunsAtOnce is how many lesson runs allRuns has going at a time: a
// run mostly waits (probes meant to get no answer, captures falling
// quiet), so two at once (as many as the machine's cores) fill each
// other's waits.
const allRunsAtOnce = 2

// allRuns runs every built-in lesson in English and Korean, once for all
// the tests of the package, each in a fresh lab, allRunsAtOnce at a time;
// the runs are in lesson order, English first.
func allRuns(t *testing.T) []lessonRun {
	t.Helper()
	if sandboxErr != nil {
		t.Skipf("no lab sandbox: %v", sandboxErr)
	}
	runsOnce.Do(func() {
		ls, err := lessons.Builtin()
		if err != nil {
			runsErr = err
			return
		}
		type job struct {
			l    *lessons.Lesson
			lang string
		}
		var jobs []job
		for _, l := range ls {
			for _, lang := range []string{"en", "ko"} {
				jobs = append(jobs, job{l, lang})
			}
		}
		out := make([]lessonRun, len(jobs))
		errs := make([]error, len(jobs))
		next := make(chan int)
		var wg sync.WaitGroup
		for range min(allRunsAtOnce, len(jobs)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					j := jobs[i]
					if out[i], errs[i] = runLesson(j.l, j.lang); errs[i] != nil {
						errs[i] = fmt.Errorf("%s (%s): %w", j.l.ID, j.lang, errs[i])
					}
				}
			}()
		}
		for i := range jobs {
			next <- i
		}
		close(next)
		wg.Wait()
		if runsErr = errors.Join(errs...); runsErr == nil {
			runs = out
		}
	})
	if runsErr != nil {
		t.Fatal(runsErr)
	}
	return runs
}

func runLesson(l *lessons.Lesson, lang string) (lessonRun, error) {
	lab, err := engine.New()
	if err != nil {
		return lessonRun{}, err
	}
	defer lab.Close()
	r := lessons.NewRunner(lab, l, lessons.Options{Lang: lang})
	defer r.Close()
	out := lessonRun{lesson: l, lang: lang}
	for !r.Done() {
		res, err := r.RunNext(context.Background())
		if err != nil {
			return out, err
		}
		if !res.OK() {
			return out, fmt.Errorf("step %d did not go as expected: %+v", res.Index+1, res.Expect)
		}
		out.results = append(out.results, res)
	}
	out.final = r.Snapshot()
	var b strings.Builder
	if err := Lesson(&b, l, lang, out.results); err != nil {
		return out, err
	}
	out.note = b.String()
	return out, nil
}

// handScript builds a lab by hand whose names hold Hangul, '@', quotes,
// '<&>', '|', ';' and '#': everything that could break a diagram's syntax.
const handScript = `set -e
ip netns add '빨강@lab'
ip netns add 'BLUE"<&>'
ip link add br0 type bridge
ip link set br0 up
ip addr add 11.11.11.1/24 dev br0
ip link add 'v@빨' type veth peer name 'p#1' netns '빨강@lab'
ip link add 'b|q' type veth peer name 'eth0;x' netns 'BLUE"<&>'
ip link set 'v@빨' master br0 up
ip link set 'b|q' master br0 up
ip -n '빨강@lab' addr add 11.11.11.2/24 dev 'p#1'
ip -n '빨강@lab' link set 'p#1' up
ip -n 'BLUE"<&>' addr add 11.11.11.3/24 dev 'eth0;x'
ip -n 'BLUE"<&>' link set 'eth0;x' up
`

// handLab builds handScript's lab with the machine's ip, as a learner
// would, and returns its snapshot.
func handLab(t *testing.T) *engine.Snapshot {
	t.Helper()
	if sandboxErr != nil {
		t.Skipf("no lab sandbox: %v", sandboxErr)
	}
	lab, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	defer lab.Close()
	sh := lab.Shell(engine.HostNS)
	sh.Stdin = strings.NewReader(handScript)
	if out, err := sh.CombinedOutput(); err != nil {
		t.Fatalf("hand-built lab: %v\n%s", err, out)
	}
	snap, err := lab.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Namespaces) != 3 {
		t.Fatalf("hand-built lab has %d namespaces, want 3:\n%s", len(snap.Namespaces), snap.Text())
	}
	return snap
}

// handLadder is a ladder between the hand-built lab's hosts, with a NAT
// note, labels full of markup characters.
func handLadder() string {
	l := capture.Ladder{Columns: []string{"빨강@lab", `BLUE"<&>`, "host"}}
	l.Arrows = []capture.Arrow{
		{From: 0, To: 1, Label: "ARP who-has 11.11.11.3", Point: "빨강@lab/p#1"},
		{From: 1, To: 0, Label: `TCP 80>41000 [S.] "x" <y> a;b #c |d`, Point: `BLUE"<&>/eth0;x`},
		{From: 0, To: 2, Label: "ICMP echo request id 1 seq 1", Point: "host/b|q"},
	}
	rw := []diagram.Rewrite{{Arrow: 2, Before: "빨강@lab/p#1", After: "host/b|q", Field: "src", Old: "11.11.11.2", New: "203.0.113.1", FromColumn: 0, ToColumn: 2}}
	return diagram.Sequence(l, rw)
}

// block is one fenced code block of a parsed note.
type block struct {
	info, body string
}

// parse reads md with goldmark (CommonMark and GFM tables) and returns its
// fenced blocks, its tables and its second-level headings; it fails the
// test for a fence that is not closed.
func parse(t *testing.T, name, md string) (blocks []block, tables int, h2 []string) {
	t.Helper()
	src := []byte(md)
	doc := goldmark.New(goldmark.WithExtensions(extension.Table)).Parser().Parse(text.NewReader(src))
	err := ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.FencedCodeBlock:
			var body bytes.Buffer
			end := 0
			lines := n.Lines()
			for i := 0; i < lines.Len(); i++ {
				seg := lines.At(i)
				body.Write(seg.Value(src))
				end = seg.Stop
			}
			if lines.Len() == 0 {
				return ast.WalkStop, fmt.Errorf("%s: an empty fenced block", name)
			}
			// The line after the block's content must close it: an
			// unclosed fence would run to the end of the document.
			rest := string(src[end:])
			next, _, _ := strings.Cut(rest, "\n")
			if !regexp.MustCompile("^ {0,3}```+\\s*$").MatchString(next) {
				return ast.WalkStop, fmt.Errorf("%s: fenced block %q not closed on the line after it (got %q)", name, firstLineOf(body.String()), next)
			}
			info := ""
			if n.Info != nil {
				info = string(n.Info.Segment.Value(src))
			}
			blocks = append(blocks, block{info: info, body: body.String()})
		case *ast.CodeBlock:
			return ast.WalkStop, fmt.Errorf("%s: an indented code block (a fence gone wrong?): %q", name, firstLineOf(string(n.Lines().Value(src))))
		case *east.Table:
			// The note's packet tables; a lesson's own text may hold others.
			if h := n.FirstChild(); h != nil && h.FirstChild() != nil && string(h.FirstChild().Text(src)) == "#" {
				tables++
			}
		case *ast.Heading:
			if n.Level == 2 {
				h2 = append(h2, string(n.Lines().Value(src)))
			}
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count("\n"+md, "\n```"); got%2 != 0 {
		t.Errorf("%s: %d fence lines, an odd number", name, got)
	}
	return blocks, tables, h2
}

func firstLineOf(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

// TestNoteMarkdownParses holds every built-in lesson's note, in both
// languages, to a CommonMark parser: every fence closed, one heading per
// step, the bash blocks exactly the commands the steps ran, a Mermaid
// flowchart per step and a packet table and ladder per step with packets.
func TestNoteMarkdownParses(t *testing.T) {
	for _, r := range allRuns(t) {
		name := r.lesson.ID + "." + r.lang
		blocks, tables, h2 := parse(t, name, r.note)
		if len(h2) != len(r.lesson.Steps) {
			t.Errorf("%s: %d step headings, want %d: %q", name, len(h2), len(r.lesson.Steps), h2)
		}
		var cmds, wantCmds []string
		flows, seqs, wantSeqs, wantTables := 0, 0, 0, 0
		for _, b := range blocks {
			switch b.info {
			case "bash":
				cmds = append(cmds, strings.Split(strings.TrimRight(b.body, "\n"), "\n")...)
			case "mermaid":
				switch {
				case strings.HasPrefix(b.body, "flowchart TB\n"):
					flows++
				case strings.HasPrefix(b.body, "sequenceDiagram\n"):
					seqs++
				default:
					t.Errorf("%s: a mermaid block of no known kind: %q", name, firstLineOf(b.body))
				}
			case "":
			default:
				t.Errorf("%s: block with info %q", name, b.info)
			}
		}
		for _, res := range r.results {
			for _, a := range res.Actions {
				wantCmds = append(wantCmds, strings.Split(a.Command, "\n")...)
			}
			if len(res.Packets) > 0 {
				wantSeqs++
				wantTables++
			}
		}
		if strings.Join(cmds, "\n") != strings.Join(wantCmds, "\n") {
			t.Errorf("%s: bash blocks hold\n%s\nwant the commands run\n%s", name, strings.Join(cmds, "\n"), strings.Join(wantCmds, "\n"))
		}
		if flows != len(r.results) || seqs != wantSeqs || tables != wantTables {
			t.Errorf("%s: %d flowcharts, %d ladders, %d tables; want %d, %d, %d", name, flows, seqs, tables, len(r.results), wantSeqs, wantTables)
		}
		if r.lang == "ko" && !strings.Contains(r.note, "단계: ") {
			t.Errorf("%s: no Korean step heading", name)
		}
	}
}

// TestFenceOutlivesBackticks: an output holding a fence of its own (a
// learner's lesson may print anything) stays inside its block, and a
// terminal escape does not reach the note.
func TestFenceOutlivesBackticks(t *testing.T) {
	l := &lessons.Lesson{ID: "mine", Title: lessons.Text{"en": "Mine"}, Steps: []*lessons.Step{{ID: "s", Title: lessons.Text{"en": "S"}}}}
	res := &lessons.StepResult{Index: 0, Step: l.Steps[0], Actions: []lessons.ActionResult{
		{Command: "printf '```\\nx\\n'", Output: "```\nx\n````\n\x1b]0;pwned\x07done\n", OK: true},
		{Command: "false", Err: errors.New("exit status 1 `*_[x]`"), OK: false},
	}}
	var b strings.Builder
	if err := Lesson(&b, l, "en", []*lessons.StepResult{res}); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	if strings.ContainsRune(md, 0x1b) || strings.ContainsRune(md, 0x07) {
		t.Errorf("a terminal escape reached the note:\n%q", md)
	}
	blocks, _, _ := parse(t, "mine", md)
	if len(blocks) != 3 {
		t.Fatalf("%d blocks, want 3 (bash, output, bash):\n%s", len(blocks), md)
	}
	if want := "```\nx\n````\n]0;pwneddone\n"; blocks[1].body != want {
		t.Errorf("output block holds %q, want %q", blocks[1].body, want)
	}
}

var (
	reMAC     = regexp.MustCompile(`\b([0-9a-f]{2}:){5}[0-9a-f]{2}\b`)
	reIfindex = regexp.MustCompile(`(?m)^(\d+): `)
	reIfN     = regexp.MustCompile(`@if\d+`)
	reMS      = regexp.MustCompile(`\| [0-9.]+ ms \|`)
	reRTT     = regexp.MustCompile(`time[=<][0-9.]+ ?ms`)
	reRTTStat = regexp.MustCompile(`= [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+ ms`)
	reTime    = regexp.MustCompile(`, time \d+ms`)
	reICMPId  = regexp.MustCompile(`\bid \d+`)
	reLL      = regexp.MustCompile(`inet6 fe80::[0-9a-f:]+/64 scope link( tentative)?`)
	reNUD     = regexp.MustCompile(`lladdr MAC (REACHABLE|STALE|DELAY|PROBE)`)
)

// normalise blanks out what differs between two runs of the same lab:
// MACs, ifindexes, capture times, RTTs and ICMP ids.
func normalise(s string) string {
	s = reMAC.ReplaceAllStringFunc(s, func(m string) string {
		if m == "00:00:00:00:00:00" || m == "ff:ff:ff:ff:ff:ff" {
			return m
		}
		return "MAC"
	})
	s = reIfindex.ReplaceAllString(s, "N: ")
	s = reIfN.ReplaceAllString(s, "@ifN")
	s = reMS.ReplaceAllString(s, "| T ms |")
	s = reRTT.ReplaceAllString(s, "time=RTT")
	s = reRTTStat.ReplaceAllString(s, "= RTT")
	s = reTime.ReplaceAllString(s, ", time T")
	s = reICMPId.ReplaceAllString(s, "id ID")
	// A link-local address comes from the MAC, and DAD may or may not be
	// over when ip prints it.
	s = reLL.ReplaceAllString(s, "inet6 fe80::LL/64 scope link")
	// A neighbour's state moves with time (REACHABLE, DELAY, STALE).
	s = reNUD.ReplaceAllString(s, "lladdr MAC STATE")
	return s
}

// TestVethNoteGolden holds the veth note, normalised, to its golden file
// (go test ./lessons/note -update rewrites it).
func TestVethNoteGolden(t *testing.T) {
	for _, r := range allRuns(t) {
		if r.lesson.ID != "veth" {
			continue
		}
		got := normalise(r.note)
		path := filepath.Join("testdata", "veth."+r.lang+".md.golden")
		if *update {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./lessons/note -update writes it)", err)
		}
		if got != string(want) {
			t.Errorf("veth %s note differs from %s (go test ./lessons/note -update to accept):\n%s", r.lang, path, testkit.LineDiff(string(want), got, "want", "got"))
		}
	}
}

// svgText is every text run of an SVG, unescaped, one per line.
func svgText(svg string) string {
	var out []string
	for _, m := range regexp.MustCompile(`>([^<>]+)<`).FindAllStringSubmatch(svg, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return strings.Join(out, "\n")
}

// TestDOTRendersWithGraphviz renders the DOT of every lesson's final lab
// and of the hand-built one with Graphviz's dot, and finds every namespace
// and link name in the SVG's text.
func TestDOTRendersWithGraphviz(t *testing.T) {
	dot := needTool(t, "Graphviz dot", "dot")
	type lab struct {
		name string
		snap *engine.Snapshot
	}
	var labs []lab
	for _, r := range allRuns(t) {
		if r.lang == "en" {
			labs = append(labs, lab{r.lesson.ID, r.final})
		}
	}
	labs = append(labs, lab{"hand-built", handLab(t)})
	for _, l := range labs {
		if l.snap == nil {
			t.Errorf("%s: no final snapshot", l.name)
			continue
		}
		src := diagram.DOT(l.snap, diagram.Options{Marks: diagram.Marks{Namespaces: map[string]bool{l.snap.Namespaces[0].Name: true}}})
		txt, err := dotText(dot, src)
		if err != nil {
			t.Errorf("%s: %v\n%s", l.name, err, src)
			continue
		}
		n := 0
		for _, ns := range l.snap.Namespaces {
			if !strings.Contains(txt, "\n"+ns.Name+"\n") {
				t.Errorf("%s: namespace %q not in the SVG", l.name, ns.Name)
			}
			for _, ln := range ns.Links {
				n++
				if !strings.Contains(txt, "\n"+ln.Name+"\n") {
					t.Errorf("%s: link %s/%s not in the SVG", l.name, ns.Name, ln.Name)
				}
			}
		}
		if n == 0 {
			t.Errorf("%s: a lab with no links", l.name)
		}
	}
}

// TestMermaidRendersWithMermaidCLI renders every Mermaid block of every
// lesson's note, in both languages, plus the hand-built lab's flowchart and
// a ladder of hostile names, with Mermaid in Debian's chromium: every
// distinct block once, in one page (renderMermaid, with the Mermaid that
// Mermaid's own CLI, mmdc, loads). mmdc itself renders the two hostile
// blocks too, and its SVGs must say what the one-page renders say.
func TestMermaidRendersWithMermaidCLI(t *testing.T) {
	var all []string
	seen := map[string]bool{}
	add := func(body string) {
		if !seen[body] {
			seen[body] = true
			all = append(all, body)
		}
	}
	total := 0
	for _, r := range allRuns(t) {
		blocks, _, _ := parse(t, r.lesson.ID+"."+r.lang, r.note)
		for _, b := range blocks {
			if b.info == "mermaid" {
				total++
				add(b.body)
			}
		}
	}
	hand := handLab(t)
	handFlow := diagram.Mermaid(hand, diagram.Options{Marks: diagram.Marks{
		Namespaces: map[string]bool{`BLUE"<&>`: true}, Links: map[string]bool{"빨강@lab/p#1": true}}})
	add(handFlow)
	add(handLadder())
	start := time.Now()
	svgs := renderMermaid(t, all)
	t.Logf("Mermaid rendered %d distinct blocks (%d in the notes) in %v", len(all), total, time.Since(start).Round(time.Millisecond))
	// The hand-built flowchart (second last) shows its names as they are.
	txt := svgText(svgs[len(all)-2])
	for _, name := range []string{"빨강@lab", `BLUE"<&>`, "v@빨", "p#1", "b|q", "eth0;x", "br0"} {
		if !strings.Contains(txt, name) {
			t.Errorf("hand-built flowchart's SVG lacks %q", name)
		}
	}
	txt = svgText(svgs[len(all)-1])
	for _, s := range []string{"빨강@lab", `BLUE"<&>`, `[S.] "x" <y> a;b #c |d`, "NAT src 11.11.11.2 → 203.0.113.1"} {
		if !strings.Contains(txt, s) {
			t.Errorf("hand-made ladder's SVG lacks %q", s)
		}
	}
	// Mermaid's own CLI on the hostile blocks: it renders them, and says
	// in them what the one-page renders say.
	dir := clusterMMDC(t, []string{handFlow, handLadder()})
	sameSVGText(t, "hand-built flowchart", svgs[len(all)-2], filepath.Join(dir, "out-1.svg"))
	sameSVGText(t, "hand-made ladder", svgs[len(all)-1], filepath.Join(dir, "out-2.svg"))
	if total == 0 {
		t.Error("no mermaid block in the notes")
	}
}
