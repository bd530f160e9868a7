package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine/testkit"
	"github.com/nettutor/nettutor/lessons"
	"github.com/nettutor/nettutor/lessons/grading"
)

// These tests run the nettutor binary as a learner or a teacher would. It
// is built once, like test/main_test.go does.

// binDir is the package's scratch folder (a shared lesson run's pcaps),
// removed when its tests end; any uid may read it.
var binDir string

func TestMain(m *testing.M) {
	var err error
	if binDir, err = os.MkdirTemp("", "nettutor-check"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	_ = os.Chmod(binDir, 0o755)
	code := m.Run()
	os.RemoveAll(binDir)
	os.Exit(code)
}

func nettutorBin(t testing.TB) string {
	t.Helper()
	// Built once for every package of the run that runs the binary
	// (engine/testkit.NettutorBinary); its folder any uid may read (the
	// rootless test runs it as nobody).
	p, err := testkit.NettutorBinary()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type runResult struct {
	stdout, stderr string
	code           int
	took           time.Duration
}

func runBin(t testing.TB, dir string, args ...string) runResult {
	t.Helper()
	return runBinEnv(t, dir, nil, args...)
}

// runBinEnv is runBin with env added to the child's environment: a test
// that needs a variable of its own (XDG_STATE_HOME) hands it to the child
// instead of t.Setenv, which would keep the test from running in parallel.
func runBinEnv(t testing.TB, dir string, env []string, args ...string) runResult {
	t.Helper()
	cmd := exec.Command(nettutorBin(t), args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "LANG=C.UTF-8"), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := runResult{out.String(), errb.String(), 0, time.Since(start)}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("run nettutor %v: %v", args, err)
		}
		r.code = ee.ExitCode()
	}
	return r
}

const answers = "../../lessons/testdata/answers"

func answer(t testing.TB, rel string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(answers, rel))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var sandboxOnce struct {
	sync.Once
	err string
}

// needSandbox skips a test when no lab sandbox can be made here, except
// under CI=true, where that is a failure.
func needSandbox(t *testing.T) {
	t.Helper()
	sandboxOnce.Do(func() {
		dir := t.TempDir()
		f := filepath.Join(dir, "true.sh")
		os.WriteFile(f, []byte("true\n"), 0o644)
		r := runBin(t, dir, "check", "veth/connect", "--answer", f)
		if r.code == 2 && strings.Contains(r.stderr, "cannot make the lab sandbox") {
			sandboxOnce.err = strings.TrimSpace(r.stderr)
		}
	})
	if sandboxOnce.err != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and no lab sandbox: %s", sandboxOnce.err)
		}
		t.Skipf("no lab sandbox: %s", sandboxOnce.err)
	}
}

// TestCheckBadInput: unknown exercises, missing files and malformed flags
// get one line on stderr and exit 2, with no stack trace; nothing runs.
func TestCheckBadInput(t *testing.T) {
	dir := t.TempDir()
	ok := answer(t, "veth-connect/ok-seed.sh")
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.sh")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.sh")
	if err := os.WriteFile(big, bytes.Repeat([]byte("#\n"), lessons.MaxFileSize), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no args", []string{"check"}, "no exercise given"},
		{"no answer", []string{"check", "veth/connect"}, "no answer given"},
		{"unknown lesson", []string{"check", "vethh/connect", "--answer", ok}, `unknown lesson "vethh"`},
		{"unknown exercise", []string{"check", "veth/conect", "--answer", ok}, `lesson veth has no exercise "conect"`},
		{"no slash", []string{"check", "veth", "--answer", ok}, "want LESSON/EXERCISE"},
		{"missing file", []string{"check", "veth/connect", "--answer", filepath.Join(dir, "nope.sh")}, "nope.sh: no such file or folder"},
		{"one missing of many", []string{"check", "veth/connect", "--answer", ok, "--answer", "gone.sh"}, "answer gone.sh: no such file or folder"},
		{"empty folder", []string{"check", "veth/connect", "--answer", empty}, "holds no answer files"},
		{"not a file", []string{"check", "veth/connect", "--answer", "/dev/null"}, "not a regular file"},
		{"unknown flag", []string{"check", "veth/connect", "--answer", ok, "--verbose"}, "flag provided but not defined: -verbose"},
		{"flag without value", []string{"check", "veth/connect", "--answer"}, "flag needs an argument: -answer"},
		{"bad timeout", []string{"check", "veth/connect", "--answer", ok, "--timeout", "soon"}, `invalid value "soon" for flag -timeout`},
		{"zero timeout", []string{"check", "veth/connect", "--answer", ok, "--timeout", "0s"}, "--timeout must be positive"},
		{"bad jobs", []string{"check", "veth/connect", "--answer", ok, "--jobs", "0"}, "--jobs must be at least 1"},
		{"stdin and more", []string{"check", "veth/connect", "--answer", "-", ok}, "takes no other answers"},
		{"bad lang", []string{"check", "veth/connect", "--answer", ok, "--lang", "fr"}, `unknown language "fr"`},
		{"device", []string{"check", "veth/connect", "--answer", "/dev/zero"}, "answer /dev/zero: not a regular file (a device)"},
		{"fifo", []string{"check", "veth/connect", "--answer", fifo}, "fifo.sh: not a regular file (a FIFO)"},
		{"too large", []string{"check", "veth/connect", "--answer", big}, "big.sh: larger than 1024 KiB (the limit)"},
		{"timeout overflow", []string{"check", "veth/connect", "--answer", ok, "--timeout", "2562047h"}, "--timeout must be at most 1h0m0s (got 2562047h0m0s)"},
		{"timeout past max", []string{"check", "veth/connect", "--answer", ok, "--timeout", "61m"}, "--timeout must be at most 1h0m0s"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runBin(t, dir, c.args...)
			if r.code != 2 {
				t.Errorf("exit %d, want 2\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout not empty: %q", r.stdout)
			}
			lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "nettutor check: ") {
				t.Errorf("stderr is not one line: %q", r.stderr)
			}
			if !strings.Contains(r.stderr, c.want) {
				t.Errorf("stderr %q lacks %q", r.stderr, c.want)
			}
			if strings.Contains(r.stderr, "goroutine") || strings.Contains(r.stderr, "panic") {
				t.Errorf("stack trace: %s", r.stderr)
			}
		})
	}
}

// TestCheckSeedAnswer: the seed's own RED/BLUE commands, typed as an answer,
// pass veth/connect; the two `ip netns add` lines fail and their output is
// shown, as the answer's own.
func TestCheckSeedAnswer(t *testing.T) {
	needSandbox(t)
	r := runBin(t, t.TempDir(), "check", "veth/connect", "--answer", answer(t, "veth-connect/ok-seed.sh"))
	t.Logf("seed answer graded in %v", r.took)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"veth/connect — answer ",
		"answer output (exit 0,",
		`  │ Cannot create namespace file "/run/netns/RED": File exists`,
		"✓ pair ", "✓ red-addr ", "✓ blue-addr ", "✓ red-to-blue ", "✓ blue-to-red ",
		"PASS: 5 of 5 checks passed",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "✗") {
		t.Errorf("a check failed:\n%s", r.stdout)
	}
}

// TestCheckFailedAnswer: a wrong answer prints ✗ with the object and the
// fault, then the hint, and exits 1; in Korean too.
func TestCheckFailedAnswer(t *testing.T) {
	needSandbox(t)
	f := answer(t, "veth-connect/bad-link-down.sh")
	_, ex, err := lessons.FindExercise("veth/connect")
	if err != nil {
		t.Fatal(err)
	}
	var hint lessons.Text
	for _, c := range ex.Checks {
		if c.ID == "blue-addr" {
			hint = c.Hint
			// The answer leaves BLUE's end down: the hint is that cause's,
			// naming the answer's own link.
			for _, w := range c.When {
				if w.Cause == lessons.CauseLinkDown {
					hint = lessons.Text{"en": strings.ReplaceAll(w.Hint["en"], "{dev}", "veth1"), "ko": strings.ReplaceAll(w.Hint["ko"], "{dev}", "veth1")}
				}
			}
		}
	}
	r := runBin(t, t.TempDir(), "check", "veth/connect", "--answer", f)
	if r.code != 1 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"✓ pair ",
		"✗ blue-addr ",
		"      BLUE: veth1 has 11.11.11.3/24 but is DOWN\n",
		"      hint: " + hint.Get("en") + "\n",
		"FAIL: 2 of 5 checks passed",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	r = runBin(t, t.TempDir(), "check", "veth/connect", "--answer", f, "--lang", "ko")
	for _, want := range []string{"답안 출력", "      힌트: " + hint.Get("ko") + "\n", "실패: 검사 5개 중 2개 통과"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("Korean output lacks %q:\n%s", want, r.stdout)
		}
	}
	if r.code != 1 {
		t.Errorf("exit %d", r.code)
	}
}

// TestCheckJSON: --json prints the documented object on one line.
func TestCheckJSON(t *testing.T) {
	needSandbox(t)
	r := runBin(t, t.TempDir(), "check", "--json", "docker-networks/publish", "--answer", answer(t, "docker-networks-publish/bad-wrong-host.sh"))
	if r.code != 1 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if n := strings.Count(r.stdout, "\n"); n != 1 {
		t.Errorf("%d lines of JSON, want 1", n)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	for _, k := range []string{"exercise", "passed", "checks", "answer_output", "answer_exit"} {
		if _, ok := rep[k]; !ok {
			t.Errorf("no %q in %s", k, r.stdout)
		}
	}
	var typed grading.Report
	_ = json.Unmarshal([]byte(r.stdout), &typed)
	if typed.Exercise != "docker-networks/publish" || typed.Passed || len(typed.Checks) < 1 {
		t.Fatalf("report %+v", typed)
	}
	c := typed.Checks[0]
	if c.Name != "published" || c.Passed || !strings.Contains(c.Detail, "11.11.11.3:80 (BLUE), and nothing listens there") ||
		!strings.Contains(c.Hint, "PREROUTING") {
		t.Errorf("check %+v", c)
	}

	r = runBin(t, t.TempDir(), "check", "veth/connect", "--answer", answer(t, "veth-connect/ok-nsenter.sh"), "--json")
	_ = json.Unmarshal([]byte(r.stdout), &typed)
	if r.code != 0 || !typed.Passed || !strings.Contains(typed.AnswerOutput, "11.11.11.2/24") || typed.AnswerExit != 0 {
		t.Errorf("exit %d, report %+v", r.code, typed)
	}
	for _, c := range typed.Checks {
		if !c.Passed || c.Hint != "" || c.Detail != "" {
			t.Errorf("passed check %+v", c)
		}
	}
}

// TestCheckHangingAnswer: an answer that hangs is killed at the limit; what
// it printed and the fact are shown.
func TestCheckHangingAnswer(t *testing.T) {
	needSandbox(t)
	dir := t.TempDir()
	f := filepath.Join(dir, "hang.sh")
	os.WriteFile(f, []byte("echo working\nip netns exec RED sleep 600\n"), 0o644)
	r := runBin(t, dir, "check", "veth/connect", "--answer", f, "--timeout", "1s", "--json")
	var rep grading.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("exit %d: %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	if r.code != 1 || !rep.AnswerTimedOut || rep.AnswerOutput != "working\n" || rep.AnswerExit != -1 {
		t.Errorf("exit %d, report %+v", r.code, rep)
	}
	if r.took > 15*time.Second {
		t.Errorf("took %v with a 1s limit", r.took)
	}
	r = runBin(t, dir, "check", "veth/connect", "--answer", f, "--timeout", "1s")
	if !strings.Contains(r.stdout, "answer output (killed at the time limit") || !strings.Contains(r.stdout, "  │ working") {
		t.Errorf("text output:\n%s", r.stdout)
	}
}

// TestCheckClass grades 30 answers in a folder in one run, concurrently
// within the machine's cores, each in its own sandbox: one line each, a
// table, the right summary; and 30 JSON lines with --json.
func TestCheckClass(t *testing.T) {
	t.Parallel() // one of the package's long tests: they run side by side, each on labs of its own
	needSandbox(t)
	dir := t.TempDir()
	class := filepath.Join(dir, "class")
	os.Mkdir(class, 0o755)
	// Quick ones: passing answers and wrong ones that fail without waiting
	// for a ping to time out.
	kinds := []struct {
		src  string
		pass bool
	}{
		{"veth-connect/ok-seed.sh", true}, {"veth-connect/ok-ip-n.sh", true}, {"veth-connect/ok-nsenter.sh", true},
		{"veth-connect/bad-prefix.sh", false}, {"veth-connect/bad-not-moved.sh", false},
	}
	wantPass := 0
	for i := 0; i < 30; i++ {
		k := kinds[i%len(kinds)]
		b, err := os.ReadFile(answer(t, k.src))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(class, fmt.Sprintf("student%02d.sh", i+1)), b, 0o644)
		if k.pass {
			wantPass++
		}
	}
	os.WriteFile(filepath.Join(class, ".hidden"), []byte("exit 1\n"), 0o644)

	r := runBin(t, dir, "check", "veth/connect", "--answer", "class")
	t.Logf("30 answers, %d cores: wall %v", runtime.NumCPU(), r.took)
	if r.code != 1 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	want := fmt.Sprintf("%d of 30 answers passed (", wantPass)
	if !strings.Contains(r.stdout, want) {
		t.Errorf("summary lacks %q:\n%s", want, r.stdout)
	}
	if jobs := min(runtime.NumCPU(), 30); !strings.Contains(r.stdout, fmt.Sprintf("%d at a time)", jobs)) {
		t.Errorf("not graded %d at a time:\n%s", jobs, r.stdout)
	}
	lineRE := regexp.MustCompile(`(?m)^([✓✗]) (PASS|FAIL)\s+(\d)/5\s+class/student(\d\d)\.sh\s+[\d.]+s`)
	lines := lineRE.FindAllStringSubmatch(r.stdout, -1)
	if len(lines) != 30 {
		t.Fatalf("%d answer lines, want 30:\n%s", len(lines), r.stdout)
	}
	for i, m := range lines {
		k := kinds[i%len(kinds)]
		if m[4] != fmt.Sprintf("%02d", i+1) || (m[2] == "PASS") != k.pass {
			t.Errorf("line %d: %q (from %s)", i+1, m[0], k.src)
		}
	}
	if !regexp.MustCompile(`(?m)^answer\s+pair\s+red-addr\s+blue-addr\s+red-to-blue\s+blue-to-red\s+exit\s+time\s+result$`).MatchString(r.stdout) {
		t.Errorf("no table header:\n%s", r.stdout)
	}
	if !regexp.MustCompile(`(?m)^passed\s+24/30\s+18/30\s+18/30\s+18/30\s+18/30$`).MatchString(r.stdout) {
		t.Errorf("no per-check totals row:\n%s", r.stdout)
	}

	r = runBin(t, dir, "check", "veth/connect", "--answer", "class", "--json", "--jobs", "4")
	t.Logf("30 answers, --jobs 4: wall %v", r.took)
	got := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	if len(got) != 30 || r.code != 1 {
		t.Fatalf("exit %d, %d JSON lines, want 30\n%s", r.code, len(got), r.stderr)
	}
	passed := 0
	for i, line := range got {
		var rep grading.Report
		if err := json.Unmarshal([]byte(line), &rep); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if !strings.HasSuffix(rep.Answer, fmt.Sprintf("student%02d.sh", i+1)) || len(rep.Checks) != 5 {
			t.Errorf("line %d: %+v", i+1, rep)
		}
		if rep.Passed {
			passed++
		}
	}
	if passed != wantPass {
		t.Errorf("%d passed in JSON, want %d", passed, wantPass)
	}
}

// TestCheckFreshLabPerAnswer: answers graded in one run share nothing: a
// namespace, a rule or a sysctl one answer leaves is not there for the next
// (each has its own sandbox, so its own network namespaces and with them
// their conntrack tables).
func TestCheckFreshLabPerAnswer(t *testing.T) {
	needSandbox(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.sh"), []byte(answerLeavesState), 0o644)
	os.WriteFile(filepath.Join(dir, "b.sh"), []byte(answerLeavesState), 0o644)
	r := runBin(t, dir, "check", "nat/outside", "--answer", "a.sh", "b.sh", "--json", "--jobs", "1")
	got := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(got) != 2 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for i, line := range got {
		var rep grading.Report
		json.Unmarshal([]byte(line), &rep)
		if rep.AnswerOutput != "netns: BLUE OUTSIDE RED \nrules: 0\nforwarding: 0\n" {
			t.Errorf("answer %d saw %q", i+1, rep.AnswerOutput)
		}
	}
}

const answerLeavesState = `echo "netns: $(ip netns list | awk '{print $1}' | sort | tr '\n' ' ')"
echo "rules: $(iptables -t nat -S | grep -c -- '-A ')"
echo "forwarding: $(cat /proc/sys/net/ipv4/ip_forward)"
ip netns add LEFTOVER
iptables -t nat -A POSTROUTING -j MASQUERADE
ip netns exec RED ip route add default via 11.11.11.1
sysctl -q -w net.ipv4.ip_forward=1
`

// TestCheckUsernsEtcUntouched: userns/remap sees Docker's subordinate ids
// in the lab's /etc only; the machine's /etc/subuid is left as it was.
func TestCheckUsernsEtcUntouched(t *testing.T) {
	needSandbox(t)
	if os.Geteuid() != 0 {
		t.Skip("needs root (TestCheckRootlessUserns covers a plain user)")
	}
	before, beforeErr := os.ReadFile("/etc/subuid")
	dir := t.TempDir()
	f := filepath.Join(dir, "a.sh")
	os.WriteFile(f, []byte("cat /etc/subuid\n"+`echo 'exec unshare --user --map-users=165536,0,65536 --map-groups=165536,0,65536 --setuid 0 --setgid 0 "$@"' > "$EXERCISE_DIR/remap"`+"\n"), 0o644)
	r := runBin(t, dir, "check", "userns/remap", "--answer", f, "--json")
	var rep grading.Report
	json.Unmarshal([]byte(r.stdout), &rep)
	if r.code != 0 || !rep.Passed || rep.AnswerOutput != "root:165536:65536\ndockremap:165536:65536\n" {
		t.Errorf("exit %d, report %+v\n%s", r.code, rep, r.stderr)
	}
	after, afterErr := os.ReadFile("/etc/subuid")
	if !bytes.Equal(before, after) || (beforeErr == nil) != (afterErr == nil) {
		t.Errorf("/etc/subuid changed: %q -> %q", before, after)
	}
}

// TestCheckRootlessUserns: run as a plain user, userns/remap explains what
// the machine allows instead of failing obscurely.
func TestCheckRootlessUserns(t *testing.T) {
	needSandbox(t)
	if os.Geteuid() != 0 {
		t.Skip("needs root to switch to an unprivileged user")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv not installed")
	}
	bin := nettutorBin(t)
	dir, _ := os.MkdirTemp("", "nettutor-rootless")
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	f := filepath.Join(dir, "a.sh")
	os.WriteFile(f, []byte(`echo 'exec unshare --user --map-root-user "$@"' > "$EXERCISE_DIR/remap"`+"\n"), 0o644)
	cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", bin, "check", "userns/remap", "--answer", f)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	if strings.Contains(errb.String(), "cannot make the lab sandbox") {
		t.Skipf("no rootless sandbox here: %s", errb.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	if code != 1 || !strings.Contains(out.String(), "note: nettutor runs without root here") ||
		!strings.Contains(out.String(), "sudo nettutor") || !strings.Contains(out.String(), "✗ remapped-root") {
		t.Errorf("exit %d\n%s%s", code, out.String(), errb.String())
	}
}

// TestCheckHelp: -h prints the usage and exits 0.
func TestCheckHelp(t *testing.T) {
	r := runBin(t, t.TempDir(), "check", "-h")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "usage: nettutor check LESSON/EXERCISE --answer") || r.stderr != "" {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestCheckNoSandbox: where no lab sandbox can be made, a class run says
// why once (not once per answer) and exits 2. It runs nettutor as a plain
// user inside a user namespace that may not make another one
// (user.max_user_namespaces=0 there). Answers can no longer reach the
// machine's files, so the test sets that namespace up itself rather than
// from an answer, as it once did.
func TestCheckNoSandbox(t *testing.T) {
	needSandbox(t)
	if os.Geteuid() != 0 {
		t.Skip("needs root (to map a plain uid into the test's user namespace)")
	}
	bin := nettutorBin(t)
	dir, _ := os.MkdirTemp("", "nettutor-nosandbox")
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	class := filepath.Join(dir, "class")
	os.Mkdir(class, 0o755)
	for _, n := range []string{"a.sh", "b.sh", "c.sh"} {
		os.WriteFile(filepath.Join(class, n), []byte("true\n"), 0o644)
	}
	cmd := exec.Command("sh", "-c", `echo 0 > /proc/sys/user/max_user_namespaces || exit 9
cd "$1" && setpriv --reuid 1000 --regid 1000 --clear-groups "$2" check veth/connect --answer class; echo "exit=$?"`, "sh", dir, bin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 65536}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 65536}}, GidMappingsEnableSetgroups: true}
	b, err := cmd.CombinedOutput()
	out := string(b)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if strings.Count(out, "cannot make the lab sandbox") != 1 || !strings.Contains(out, "user.max_user_namespaces=0") ||
		!strings.HasSuffix(out, "exit=2\n") || strings.Contains(out, "answers passed") {
		t.Errorf("inner nettutor said:\n%s", out)
	}
}

// TestCheckStdin: --answer - reads the script from standard input.
func TestCheckStdin(t *testing.T) {
	needSandbox(t)
	b, err := os.ReadFile(answer(t, "veth-connect/ok-nsenter.sh"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nettutorBin(t), "check", "veth/connect", "--answer", "-", "--json")
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.Output()
	var rep grading.Report
	if jerr := json.Unmarshal(out, &rep); err != nil || jerr != nil || !rep.Passed || rep.Answer != "-" {
		t.Errorf("err %v, report %s", err, out)
	}
}
