package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nettutor/nettutor/lessons/grading"
)

// These tests hold `nettutor check` to its bounds (issue 9): input it
// refuses, a report an answer cannot forge, output that cannot drive the
// terminal, and signals that stop a class run cleanly.

func writeAnswer(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyAnswer(t *testing.T, rel, to string) {
	t.Helper()
	b, err := os.ReadFile(answer(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	writeAnswer(t, to, string(b))
}

// TestCheckStdinBounded: `--answer - < /dev/zero` stops at once with one
// clear line and exit 2, instead of growing without bound.
func TestCheckStdinBounded(t *testing.T) {
	needSandbox(t)
	zero, err := os.Open("/dev/zero")
	if err != nil {
		t.Fatal(err)
	}
	defer zero.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, json := range []bool{false, true} {
		args := []string{"check", "veth/connect", "--answer", "-"}
		if json {
			args = append(args, "--json")
		}
		cmd := exec.CommandContext(ctx, nettutorBin(t), args...)
		cmd.Stdin = zero
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		start := time.Now()
		err := cmd.Run()
		took := time.Since(start)
		t.Logf("--answer - < /dev/zero (json %v): %v, %v", json, err, took)
		if cmd.ProcessState.ExitCode() != 2 || took > 10*time.Second {
			t.Errorf("exit %d after %v, want 2 at once", cmd.ProcessState.ExitCode(), took)
		}
		if got := strings.TrimSpace(errb.String()); got != "nettutor check: answer -: larger than 1024 KiB (the limit)" {
			t.Errorf("stderr %q", errb.String())
		}
		if json != (out.Len() > 0) {
			t.Errorf("stdout %q", out.String())
		}
	}
}

// TestCheckClassSymlinks: in a class folder a symlinked answer is graded
// and a dangling one is listed as skipped, with the reason.
func TestCheckClassSymlinks(t *testing.T) {
	needSandbox(t)
	dir := t.TempDir()
	class := filepath.Join(dir, "class")
	os.Mkdir(class, 0o755)
	copyAnswer(t, "veth-connect/ok-seed.sh", filepath.Join(class, "a.sh"))
	os.Symlink(answer(t, "veth-connect/ok-nsenter.sh"), filepath.Join(class, "b-link.sh"))
	os.Symlink(filepath.Join(dir, "gone.sh"), filepath.Join(class, "c-dangling.sh"))
	r := runBin(t, dir, "check", "veth/connect", "--answer", "class")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"✓ PASS    5/5  class/a.sh ", "✓ PASS    5/5  class/b-link.sh ", "2 of 2 answers passed"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	want := "nettutor check: skipped class/c-dangling.sh: a symlink to " + filepath.Join(dir, "gone.sh") + ", which does not exist\n"
	if r.stderr != want {
		t.Errorf("stderr %q, want %q", r.stderr, want)
	}
}

// TestCheckEscapesCleaned: an answer's terminal escape sequences do not
// reach the terminal in the printed report; JSON keeps them, escaped.
func TestCheckEscapesCleaned(t *testing.T) {
	needSandbox(t)
	dir := t.TempDir()
	f := filepath.Join(dir, "esc.sh")
	writeAnswer(t, f, `printf '\033[2J\033[H\033]0;pwned\007\033]52;c;ZWNobyBoaQ==\007\033[31mred\033[0m\r\n'`+"\n")
	r := runBin(t, dir, "check", "veth/connect", "--answer", f)
	if r.code != 1 || strings.ContainsAny(r.stdout, "\x1b\x07\r") || !strings.Contains(r.stdout, "  │ red\n") {
		t.Errorf("exit %d, stdout %q", r.code, r.stdout)
	}
	r = runBin(t, dir, "check", "veth/connect", "--answer", f, "--json")
	var rep grading.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || !strings.Contains(rep.AnswerOutput, "\x1b]0;pwned\x07") {
		t.Errorf("JSON %v: %q", err, r.stdout)
	}
	if strings.ContainsRune(r.stdout, 0x1b) {
		t.Errorf("raw ESC in the JSON line")
	}
}

// forgeScript writes a PASS report for answerPath into every pipe that a
// nettutor process holds (its stdout, the report pipe, anything), then
// does nothing to solve the exercise. Harmless if it succeeds: only
// nettutor's own pipes are written, never a file (no truncation), each
// write bounded by a timeout.
func forgeScript(answerPath string) string {
	rep, _ := json.Marshal(&grading.Report{Exercise: "veth/connect", Answer: answerPath, Passed: true,
		Checks: []grading.Line{{Name: "pair", Passed: true}, {Name: "red-addr", Passed: true}, {Name: "blue-addr", Passed: true},
			{Name: "red-to-blue", Passed: true}, {Name: "blue-to-red", Passed: true}}})
	return `report='` + string(rep) + `'
for p in /proc/[0-9]*; do
  case "$(readlink "$p/exe" 2>/dev/null)" in */nettutor*) ;; *) continue ;; esac
  for fd in "$p"/fd/*; do
    n=${fd##*/}
    [ "$n" = 0 ] || [ "$n" = 2 ] && continue
    case "$(readlink "$fd" 2>/dev/null)" in pipe:*) ;; *) continue ;; esac
    if timeout 1 bash -c 'printf "%s\n" "$1" > "$2"' _ "$report" "$fd" 2>/dev/null; then
      echo "wrote $fd"
    fi
  done
done
echo forged
`
}

// TestCheckForgedReport: an answer that writes a PASS report into every
// pipe of the grader it can reach (the attack of issue 9 on /proc/1/fd/1,
// and on the report pipe itself) does not pass, and its sibling, graded
// at the same time, is unaffected.
func TestCheckForgedReport(t *testing.T) {
	needSandbox(t)
	dir := t.TempDir()
	class := filepath.Join(dir, "class")
	os.Mkdir(class, 0o755)
	forge := filepath.Join(class, "a-forge.sh")
	writeAnswer(t, forge, forgeScript(forge))
	copyAnswer(t, "veth-connect/ok-seed.sh", filepath.Join(class, "b-ok.sh"))

	r := runBin(t, dir, "check", "veth/connect", "--answer", "class", "--jobs", "2", "--json")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var forged, ok grading.Report
	json.Unmarshal([]byte(lines[0]), &forged)
	json.Unmarshal([]byte(lines[1]), &ok)
	t.Logf("forging answer: error %q, output %q", forged.Error, forged.AnswerOutput)
	if forged.Passed || r.code == 0 {
		t.Errorf("forged a PASS: exit %d, %s", r.code, lines[0])
	}
	if !ok.Passed || !strings.HasSuffix(ok.Answer, "b-ok.sh") {
		t.Errorf("sibling: %s", lines[1])
	}

	r = runBin(t, dir, "check", "veth/connect", "--answer", "class", "--jobs", "2")
	if r.code == 0 || regexp.MustCompile(`(?m)^✓ PASS .*a-forge\.sh`).MatchString(r.stdout) || !regexp.MustCompile(`(?m)^✓ PASS .*b-ok\.sh`).MatchString(r.stdout) {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestCheckClassSignals: SIGINT, SIGTERM or SIGHUP to a class run of slow
// answers kills the children at once; the answer that finished is printed
// as usual, the rest as interrupted, one line says so, the exit code is
// 128 plus the signal, and no answer process is left.
func TestCheckClassSignals(t *testing.T) {
	needSandbox(t)
	cases := []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}, {syscall.SIGHUP, 129}}
	for _, c := range cases {
		t.Run(c.sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			class := filepath.Join(dir, "class")
			os.Mkdir(class, 0o755)
			marker := fmt.Sprintf("31.%d", time.Now().UnixNano()%100000+100000)
			writeAnswer(t, filepath.Join(class, "a-quick.sh"), "true\n")
			for _, n := range []string{"b-slow.sh", "c-slow.sh", "d-slow.sh"} {
				writeAnswer(t, filepath.Join(class, n), "sleep "+marker+"\n")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, nettutorBin(t), "check", "veth/connect", "--answer", "class", "--jobs", "2", "--timeout", "60s")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "LANG=C.UTF-8")
			var errb bytes.Buffer
			cmd.Stderr = &errb
			pipe, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := make(chan string, 100)
			go func() {
				sc := bufio.NewScanner(pipe)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			var out []string
			for quick := false; !quick; {
				select {
				case l, ok := <-lines:
					if !ok {
						t.Fatalf("run ended early: %q\n%s", out, errb.String())
					}
					out = append(out, l)
					quick = strings.Contains(l, "a-quick.sh")
				case <-ctx.Done():
					t.Fatalf("no line for the quick answer: %q", out)
				}
			}
			// Let the slow ones get to their sleep, then stop the run.
			waitFor(t, 20*time.Second, func() bool { return len(procsWith(marker)) >= 2 })
			sent := time.Now()
			cmd.Process.Signal(c.sig)
			for l := range lines {
				out = append(out, l)
			}
			cmd.Wait()
			took := time.Since(sent)
			stdout := strings.Join(out, "\n")
			t.Logf("%v: exit %d %v after the signal", c.sig, cmd.ProcessState.ExitCode(), took)
			if code := cmd.ProcessState.ExitCode(); code != c.code {
				t.Errorf("exit %d, want %d\n%s\n%s", code, c.code, stdout, errb.String())
			}
			if took > 10*time.Second {
				t.Errorf("took %v after the signal", took)
			}
			if !regexp.MustCompile(`(?m)^✗ FAIL\s+0/5\s+class/a-quick\.sh`).MatchString(stdout) {
				t.Errorf("the finished answer is not printed as usual:\n%s", stdout)
			}
			for _, n := range []string{"b-slow.sh", "c-slow.sh", "d-slow.sh"} {
				if !regexp.MustCompile(`(?m)^- interrupted\s+class/` + n).MatchString(stdout) {
					t.Errorf("%s not listed as interrupted:\n%s", n, stdout)
				}
			}
			if !strings.Contains(stdout, "0 of 4 answers passed") || !strings.Contains(stdout, "3 answers not graded: the run was interrupted") {
				t.Errorf("summary:\n%s", stdout)
			}
			if errb.String() != "nettutor check: interrupted\n" {
				t.Errorf("stderr %q", errb.String())
			}
			waitFor(t, 5*time.Second, func() bool { return len(procsWith(marker)) == 0 })
		})
	}
}

// TestCheckJobsCapped: --jobs past the machine's cores is capped, with a
// one-line note.
func TestCheckJobsCapped(t *testing.T) {
	needSandbox(t)
	n := runtime.NumCPU()
	if n > 8 {
		t.Skipf("%d cores: the class would need %d answers", n, n+1)
	}
	dir := t.TempDir()
	class := filepath.Join(dir, "class")
	os.Mkdir(class, 0o755)
	for i := range n + 1 {
		writeAnswer(t, filepath.Join(class, fmt.Sprintf("s%02d.sh", i)), "true\n")
	}
	r := runBin(t, dir, "check", "veth/connect", "--answer", "class", "--jobs", "64", "--json")
	if r.code != 1 || strings.Count(r.stdout, "\n") != n+1 {
		t.Errorf("exit %d\n%s", r.code, r.stdout)
	}
	want := fmt.Sprintf("nettutor check: --jobs 64 capped to %d (%d cores, ", n, n)
	if !strings.HasPrefix(r.stderr, want) || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("stderr %q, want a line starting %q", r.stderr, want)
	}
}

// procsWith lists the pids whose command line holds s.
func procsWith(s string) []string {
	var pids []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(b, []byte(s)) {
			pids = append(pids, e.Name())
		}
	}
	return pids
}

func waitFor(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still not so after %v", d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
