package lessons

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/sandbox"
)

// answerSpec is what an answer file's header says grading must find (see
// testdata/answers/README.md).
type answerSpec struct {
	pass    bool
	fail    []string          // check ids that must fail
	details map[string]string // check id -> text its detail must contain
	causes  map[string]string // check id -> the cause its hint must blame (CheckResult.Cause)
	hints   map[string]string // check id -> text its English hint must contain (the learner's names)
}

func readAnswerSpec(t testing.TB, path string) answerSpec {
	t.Helper()
	spec := answerSpec{details: map[string]string{}, causes: map[string]string{}, hints: map[string]string{}}
	seen := false
	for _, h := range answerHeader(t, path) {
		switch h.key {
		case "expect":
			seen = true
			spec.pass = h.val == "pass"
		case "fail":
			spec.fail = append(spec.fail, h.val)
		case "hint":
			id, text := idValue(h.val)
			spec.hints[id] = text
		case "cause":
			id, c := idValue(h.val)
			spec.causes[id] = c
		case "detail":
			id, text := idValue(h.val)
			spec.details[id] = text
		}
	}
	if !seen {
		t.Fatalf("%s: no '# expect:' line", path)
	}
	return spec
}

// exerciseOfFolder maps testdata/answers/veth-connect to veth/connect.
func exerciseOfFolder(t testing.TB, dir string) *Exercise {
	t.Helper()
	ls, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		for _, e := range l.Exercises {
			if strings.ReplaceAll(e.FullID(), "/", "-") == filepath.Base(dir) {
				return e
			}
		}
	}
	t.Fatalf("no exercise for answer folder %s", dir)
	return nil
}

// gradeFile grades one answer on a fresh lab.
func gradeFile(t testing.TB, ex *Exercise, path string, timeout time.Duration) *Grade {
	t.Helper()
	lab := newLab(t)
	g, err := ex.Grade(context.Background(), lab, path, GradeOptions{Timeout: timeout})
	if err != nil {
		t.Fatalf("grade %s: %v", path, err)
	}
	lab.Close()
	return g
}

func describeGrade(g *Grade) string {
	var b strings.Builder
	for _, c := range g.Checks {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
		}
		b.WriteString("    " + mark + " " + c.ID + ": " + c.Detail + "\n")
	}
	b.WriteString("    answer exit " + itoa(g.Run.ExitCode) + ", output:\n" + indent(g.Run.Output))
	return b.String()
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func indent(s string) string {
	if s == "" {
		return "      (none)\n"
	}
	return "      " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n      ") + "\n"
}

// TestGradeAnswers grades every answer in testdata/answers, each on a fresh
// lab, and holds it to its header: correct answers pass, each wrong one
// fails the named checks with the named detail, and those checks carry a
// hint in English and Korean.
func TestGradeAnswers(t *testing.T) {
	t.Parallel() // labs of its own that mostly wait on probes: see parallel_test.go
	dirs, _ := filepath.Glob("testdata/answers/*")
	var n int
	// Each answer is a subtest on a fresh lab, a few at once (runParallel).
	var cases []namedCase
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		ex := exerciseOfFolder(t, dir)
		if len(ex.Faults) > 0 {
			continue // graded against each fault by TestSolutions
		}
		if _, ok := solutionFolders[dir]; ok {
			continue // graded by TestSolutions (solutions_cluster_test.go)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.sh"))
		sort.Strings(files)
		var ok, bad int
		for _, f := range files {
			if strings.HasPrefix(filepath.Base(f), "ok-") {
				ok++
			} else {
				bad++
			}
		}
		if ok < 2 || bad < 4 {
			t.Errorf("%s: %d correct and %d wrong answers; want at least 2 and 4", dir, ok, bad)
		}
		for _, f := range files {
			n++
			name := filepath.Base(dir) + "/" + filepath.Base(f)
			cases = append(cases, namedCase{name, func(t *testing.T) {
				spec := readAnswerSpec(t, f)
				if strings.HasPrefix(filepath.Base(f), "ok-") != spec.pass {
					t.Fatalf("file name and '# expect:' disagree")
				}
				g := gradeFile(t, ex, f, 20*time.Second)
				if ex.NeedsSubIDs() && sandbox.Rootless() && sandbox.SubIDs() == 0 {
					// No subordinate ids: nothing can pass; the note says why.
					if g.Passed || !strings.Contains(g.Note, "without root") {
						t.Errorf("rootless: passed %v, note %q", g.Passed, g.Note)
					}
					return
				}
				t.Logf("%s: %v in %.0f ms (answer %.0f ms)", name, g.Passed, ms(g.Duration), ms(g.Run.Duration))
				if g.Passed != spec.pass {
					t.Fatalf("passed = %v, want %v\n%s", g.Passed, spec.pass, describeGrade(g))
				}
				byID := map[string]CheckResult{}
				for _, c := range g.Checks {
					byID[c.ID] = c
				}
				for _, id := range spec.fail {
					c, found := byID[id]
					switch {
					case !found:
						t.Errorf("no check %q", id)
					case c.OK:
						t.Errorf("check %s passed; it should fail\n%s", id, describeGrade(g))
					case c.Hint.Get("en") == "" || c.Hint["ko"] == "":
						t.Errorf("check %s failed without a hint in en and ko", id)
					}
				}
				for id, want := range spec.hints {
					if c := byID[id]; !strings.Contains(c.Hint.Get("en"), want) {
						t.Errorf("check %s hint:\n got  %q\n want %q", id, c.Hint.Get("en"), want)
					}
				}
				for id, want := range spec.causes {
					if c := byID[id]; c.OK || c.Cause != want {
						t.Errorf("check %s blames %q (ok %v), want %q\n%s", id, c.Cause, c.OK, want, describeGrade(g))
					}
				}
				for id, want := range spec.details {
					if c := byID[id]; !strings.Contains(c.Detail, want) {
						t.Errorf("check %s detail:\n got  %q\n want %q", id, c.Detail, want)
					}
				}
			}})
		}
	}
	runParallel(t, cases)
	if n < 20 {
		t.Errorf("only %d answer files", n)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func writeAnswer(t testing.TB, body string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "answer.sh")
	if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func vethConnect(t testing.TB) *Exercise {
	t.Helper()
	_, ex, err := FindExercise("veth/connect")
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

// TestGradeAnswerEnvironment: the answer runs with bash in the lab host
// namespace as the lab's root, in a fresh empty folder, with EXERCISE_DIR an
// empty folder any uid may write, the lab's namespaces visible to ip netns,
// and sbin on PATH; its output and exit status are kept.
func TestGradeAnswerEnvironment(t *testing.T) {
	ex := vethConnect(t)
	f := writeAnswer(t, `echo "uid=$(id -u)"
echo "ns=$(ip netns list | sort | tr '\n' ' ')"
echo "cwd=$(ls -A | wc -l)"
echo "dir=$(stat -c %a "$EXERCISE_DIR") $(ls -A "$EXERCISE_DIR" | wc -l)"
echo "links=$(ip -o link | wc -l)"
echo "sys=$(ls /sys/class/net | tr '\n' ' ')"
case ":$PATH:" in *:/usr/sbin:*) echo sbin=yes;; esac
echo "on stderr" >&2
exit 7
`)
	g := gradeFile(t, ex, f, 10*time.Second)
	out := g.Run.Output
	for _, want := range []string{"uid=0\n", "ns=BLUE RED \n", "cwd=0\n", "dir=1777 0\n", "links=1\n", "sys=lo \n", "sbin=yes\n", "on stderr\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("answer output lacks %q:\n%s", want, out)
		}
	}
	if g.Run.ExitCode != 7 || g.Run.TimedOut || g.Run.Err != nil {
		t.Errorf("run = %+v, want exit 7", g.Run)
	}
	if g.Passed || len(g.Checks) != len(ex.Checks) {
		t.Errorf("passed=%v with %d checks", g.Passed, len(g.Checks))
	}
}

// TestGradeTimeout: an answer that hangs is killed at the limit, with its
// children, and what it printed before is kept; one that leaves a
// background process holding its output does not make grading wait.
func TestGradeTimeout(t *testing.T) {
	ex := vethConnect(t)
	f := writeAnswer(t, "echo before\nsleep 60 &\nsleep 60\necho after\n")
	start := time.Now()
	g := gradeFile(t, ex, f, 500*time.Millisecond)
	if !g.Run.TimedOut || g.Run.ExitCode != -1 {
		t.Errorf("run = %+v, want timed out", g.Run)
	}
	if g.Run.Output != "before\n" {
		t.Errorf("output %q", g.Run.Output)
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("grading a hung answer took %v", d)
	}
	f = writeAnswer(t, "sleep 60 &\necho started\n")
	start = time.Now()
	g = gradeFile(t, ex, f, 10*time.Second)
	if g.Run.TimedOut || g.Run.ExitCode != 0 || g.Run.Output != "started\n" {
		t.Errorf("background child: run = %+v", g.Run)
	}
	if d := g.Run.Duration; d > 3*time.Second {
		t.Errorf("a background child held the answer for %v", d)
	}
}

// TestGradeOutputCap: a chatty answer keeps only the first MaxAnswerOutput bytes.
func TestGradeOutputCap(t *testing.T) {
	ex := vethConnect(t)
	f := writeAnswer(t, "head -c 200000 /dev/zero | tr '\\0' x\n")
	g := gradeFile(t, ex, f, 10*time.Second)
	if len(g.Run.Output) != MaxAnswerOutput || !g.Run.Truncated {
		t.Errorf("output %d bytes, truncated %v", len(g.Run.Output), g.Run.Truncated)
	}
}

// TestGradeSubIDs: for userns/remap the lab's /etc/subuid and /etc/subgid
// read Docker's userns-remap lines (inside the sandbox's own mount
// namespace), and newuidmap honours them. Without root there are no
// subordinate ids: the grade says what the machine allows instead.
func TestGradeSubIDs(t *testing.T) {
	_, ex, err := FindExercise("userns/remap")
	if err != nil {
		t.Fatal(err)
	}
	f := writeAnswer(t, "cat /etc/subuid /etc/subgid\n"+
		"echo 'exec unshare --user --map-auto --setuid 0 --setgid 0 \"$@\"' > \"$EXERCISE_DIR/remap\"\n"+
		"bash \"$EXERCISE_DIR/remap\" touch \"$EXERCISE_DIR/mine\"\nstat -c %u \"$EXERCISE_DIR/mine\"\n")
	g := gradeFile(t, ex, f, 10*time.Second)
	if sandbox.Rootless() && sandbox.SubIDs() > 0 {
		// The lab maps 0..n-1 onto the user's subordinate range and grants
		// its root 1..n-1: --map-auto remaps root to the lab's uid 1.
		if !strings.HasPrefix(g.Run.Output, "root:1:") || !strings.HasSuffix(g.Run.Output, "\n1\n") || !g.Passed || g.Note != "" {
			t.Errorf("rootless with subordinate ids: output %q, passed %v, note %q\n%s", g.Run.Output, g.Passed, g.Note, describeGrade(g))
		}
		return
	}
	if sandbox.Rootless() {
		if g.Passed || !strings.Contains(g.Note, "without root") || !strings.Contains(g.Note, "sudo") {
			t.Errorf("rootless: passed %v, note %q", g.Passed, g.Note)
		}
		return
	}
	want := sandbox.SubIDLines() + sandbox.SubIDLines() + "165536\n"
	if g.Run.Output != want || !g.Passed || g.Note != "" {
		t.Errorf("output %q (want %q), passed %v, note %q\n%s", g.Run.Output, want, g.Passed, g.Note, describeGrade(g))
	}
}

// TestDnatWhy covers the reasons a published port does not answer, from
// the rules alone.
func TestDnatWhy(t *testing.T) {
	snap := func(fwd string, rules ...string) *engine.Snapshot {
		return &engine.Snapshot{Namespaces: []engine.Namespace{
			{Name: "host", Links: []engine.Link{{Name: "uplink", Addrs: []string{"203.0.113.1/24"}}}, Rules: rules,
				Sysctl: map[string]string{"net.ipv4.ip_forward": fwd}},
			{Name: "RED", Links: []engine.Link{{Name: "eth0", Addrs: []string{"11.11.11.2/24"}}}},
		}}
	}
	cases := []struct {
		s       *engine.Snapshot
		refused bool
		want    string
	}{
		{snap("1"), true, ""},
		{snap("1", "-t nat -A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination 11.11.11.2:8080"), true,
			"the DNAT rule sends it to 11.11.11.2:8080 (RED), and nothing listens there"},
		{snap("0", "-t nat -A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination 11.11.11.2:80"), false,
			"the DNAT rule sends it to 11.11.11.2:80, but host does not forward (net.ipv4.ip_forward is 0)"},
		{snap("1", "-t nat -A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination 11.11.11.2:80"), false,
			"the DNAT rule sends it to 11.11.11.2:80 (RED), which does not answer"},
		{snap("1", "-t nat -A OUTPUT -p tcp -m tcp --dport 8080 -j DNAT --to-destination 11.11.11.2:80"), true,
			"the DNAT rule for port 8080 is in OUTPUT"},
		{snap("1", "-t nat -A PREROUTING -d 198.51.100.1/32 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 11.11.11.2:80"), true,
			"no DNAT rule in host matches 203.0.113.1:8080"},
	}
	for i, c := range cases {
		// The why is a carried message, rendered as EvaluateOne does.
		got := assets.Localize("en", dnatWhy(c.s, "203.0.113.1:8080", c.refused))
		if (c.want == "" && got != "") || !strings.Contains(got, c.want) {
			t.Errorf("%d: got %q, want %q", i, got, c.want)
		}
	}
}

// BenchmarkCheckVethConnect grades the reference answer of veth/connect on
// a fresh lab: setup, answer, every check.
func BenchmarkCheckVethConnect(b *testing.B) {
	ex := vethConnect(b)
	f := writeAnswer(b, ex.Solution)
	if sandboxErr != nil {
		b.Skip(sandboxErr)
	}
	ctx := context.Background()
	for b.Loop() {
		lab, err := engine.New()
		if err != nil {
			b.Fatal(err)
		}
		g, err := ex.Grade(ctx, lab, f, GradeOptions{})
		if err != nil || !g.Passed {
			b.Fatalf("grade: %v %+v", err, g)
		}
		lab.Close()
	}
}

// TestGradeNetnsAddInAnswer: an answer's own `ip netns add` (the seed's
// first lines) leaves nothing that stops the next lab from being made.
func TestGradeNetnsAddInAnswer(t *testing.T) {
	ex := vethConnect(t)
	f := writeAnswer(t, "ip netns add RED\nip netns add GREEN\nip netns list | sort | tr '\\n' ' '\n")
	for i := 0; i < 2; i++ {
		g := gradeFile(t, ex, f, 10*time.Second)
		if !strings.HasSuffix(g.Run.Output, "BLUE GREEN RED ") || !strings.Contains(g.Run.Output, "File exists") {
			t.Errorf("run %d: output %q", i+1, g.Run.Output)
		}
	}
}

// TestWorkspacePrepare: a lab shell gets the workspace's folder and
// EXERCISE_DIR, and keeps its own variables.
func TestWorkspacePrepare(t *testing.T) {
	lab := newLab(t)
	ex := vethConnect(t)
	ws, _, err := ex.Start(context.Background(), lab)
	if err != nil {
		t.Fatal(err)
	}
	cmd := lab.Cmd("RED", "sh", "-c", `echo "$NETTUTOR_NS $EXERCISE_DIR $(pwd)"`)
	ws.Prepare(cmd)
	out, err := cmd.Output()
	if want := "RED " + ws.Dir + " " + ws.Work + "\n"; err != nil || string(out) != want {
		t.Errorf("got %q (%v), want %q", out, err, want)
	}
}

// TestGradeCRLF: an answer saved with Windows line ends is graded as it is,
// with a note that explains the errors it makes.
func TestGradeCRLF(t *testing.T) {
	ex := vethConnect(t)
	g := gradeFile(t, ex, writeAnswer(t, strings.ReplaceAll(ex.Solution, "\n", "\r\n")), 10*time.Second)
	if g.Passed || !strings.Contains(g.Note, "Windows line ends") {
		t.Errorf("passed %v, note %q\n%s", g.Passed, g.Note, g.Run.Output)
	}
}
