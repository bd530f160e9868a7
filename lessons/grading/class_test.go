package grading

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// envFake makes this test binary act as a child grader (`nettutor check
// --one`) whose behaviour is named by the answer file's base name: the
// class run under test is held to what a real child could do, and to what
// a hostile answer could make it do.
const envFake = "GRADING_FAKE_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(envFake) == "1" {
		os.Exit(fakeChild(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// fakeChild takes the arguments RunClass gives a child: check --one --json
// --lang L --timeout T EXERCISE --answer FILE.
func fakeChild(args []string) int {
	var exercise, file string
	for i, a := range args {
		if a == "--answer" && i+1 < len(args) {
			file, exercise = args[i+1], args[i-1]
		}
	}
	pass := &Report{Exercise: exercise, Answer: file, Passed: true, Checks: []Line{{Name: "pair", Passed: true}}}
	failed := &Report{Exercise: exercise, Answer: file, Checks: []Line{{Name: "pair", Detail: "no veth pair"}}}
	rf := os.NewFile(3, "report")
	if os.Getenv("NETTUTOR_REPORT_FD") != "3" {
		fmt.Fprintln(os.Stderr, "no NETTUTOR_REPORT_FD=3")
		return 2
	}
	send := func(r *Report) {
		b, _ := json.Marshal(r)
		rf.Write(append(b, '\n'))
	}
	mode := strings.TrimSuffix(filepath.Base(file), ".sh")
	if strings.HasPrefix(mode, "slow") {
		mode = "slow"
	}
	switch mode {
	case "pass":
		send(pass)
		return 0
	case "fail":
		send(failed)
		return 1
	case "forge-stdout":
		// What an answer writing to /proc/1/fd/1 did: a PASS on stdout,
		// exit 0, and no report.
		b, _ := json.Marshal(pass)
		os.Stdout.Write(append(b, '\n'))
		return 0
	case "sigkill":
		send(pass)
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(time.Minute)
	case "exit-mismatch":
		send(pass)
		return 1
	case "fail-exit0":
		send(failed)
		return 0
	case "garbage":
		rf.Write([]byte("PASS\n"))
		return 0
	case "two-reports":
		// A forged PASS written to the pipe ahead of the real FAIL.
		send(pass)
		send(failed)
		return 1
	case "huge":
		big := *pass
		big.AnswerOutput = strings.Repeat("x", 2*MaxReport)
		send(&big)
		return 0
	case "other-answer":
		other := *pass
		other.Answer = "/elsewhere/ok.sh"
		send(&other)
		return 0
	case "exit137":
		// What the sandbox says when the grader inside died by SIGKILL.
		send(pass)
		return 137
	case "die137":
		return 137
	case "error":
		send(ErrorReport(exercise, file, "grading failed: no lab"))
		return 2
	case "chatty":
		// Floods stdout and stderr; only a bounded part is kept.
		junk := bytes.Repeat([]byte("y"), 1<<20)
		for range 8 {
			os.Stdout.Write(junk)
			os.Stderr.Write(junk)
		}
		send(pass)
		return 0
	case "slow":
		// A grandchild in the child's process group, as the sandbox and the
		// answer are: the run must end it too.
		c := exec.Command("sleep", "30")
		c.Start()
		os.WriteFile(file+".pid", []byte(strconv.Itoa(c.Process.Pid)), 0o644)
		c.Wait()
		send(pass)
		return 0
	}
	return 3
}

func fakeClass(t *testing.T, names ...string) []string {
	t.Helper()
	dir := t.TempDir()
	var files []string
	for _, n := range names {
		p := filepath.Join(dir, n+".sh")
		os.WriteFile(p, []byte("true\n"), 0o644)
		files = append(files, p)
	}
	return files
}

func fakeOptions(stdout, stderr *bytes.Buffer) ClassOptions {
	self, _ := os.Executable()
	return ClassOptions{Exercise: "veth/connect", Lang: "en", Timeout: 30 * time.Second, Jobs: 4,
		Self: self, Env: append(os.Environ(), envFake+"=1"), Stdout: stdout, Stderr: stderr}
}

// TestClassBelievesOnlyTheReportPipe: a child's result counts only when
// exactly one report came on its pipe, it parses, it is about this answer
// and the child's exit code agrees with it. Every other child (a forged
// PASS on stdout, a death by SIGKILL, a mismatched exit, junk, two reports,
// a report too large) is an ERROR, and the run exits 2.
func TestClassBelievesOnlyTheReportPipe(t *testing.T) {
	cases := []struct {
		name   string
		passed bool   // believed, and passed
		fail   bool   // believed, and failed
		errHas string // an ERROR whose reason holds this
	}{
		{name: "pass", passed: true},
		{name: "fail", fail: true},
		{name: "chatty", passed: true},
		{name: "forge-stdout", errHas: "exited 0 without a report"},
		{name: "sigkill", errHas: "died by a signal (killed)"},
		{name: "exit-mismatch", errHas: "exited 1 but its report calls for exit 0"},
		{name: "fail-exit0", errHas: "exited 0 but its report calls for exit 1"},
		{name: "garbage", errHas: "report is unusable"},
		{name: "two-reports", errHas: "more than one report"},
		{name: "huge", errHas: "larger than 1024 KiB"},
		{name: "other-answer", errHas: "not this answer"},
		{name: "error", errHas: "grading failed: no lab"},
		{name: "exit137", errHas: "exited 137 but its report calls for exit 0"},
		{name: "die137", errHas: "died by a signal (killed)"},
	}
	var names []string
	for _, c := range cases {
		names = append(names, c.name)
	}
	files := fakeClass(t, names...)
	var stdout, stderr bytes.Buffer
	start := time.Now()
	out := RunClass(context.Background(), files, fakeOptions(&stdout, &stderr))
	t.Logf("%d fake children in %v", len(files), time.Since(start))
	if out.Code != 2 || out.Interrupted || out.Passed != 2 {
		t.Errorf("code %d, interrupted %v, passed %d; want 2, false, 2", out.Code, out.Interrupted, out.Passed)
	}
	lines := strings.Split(stdout.String(), "\n")
	for i, c := range cases {
		r := out.Results[i]
		switch {
		case c.passed:
			if r.Report == nil || !r.Report.Passed {
				t.Errorf("%s: %+v, want a believed PASS", c.name, r)
			}
		case c.fail:
			if r.Report == nil || r.Report.Passed {
				t.Errorf("%s: %+v, want a believed FAIL", c.name, r)
			}
		default:
			if r.Report != nil || !strings.Contains(r.Err, c.errHas) {
				t.Errorf("%s: report %+v, err %q; want an ERROR with %q", c.name, r.Report, r.Err, c.errHas)
			}
			if !strings.HasPrefix(lines[i], "! ERROR") || !strings.Contains(lines[i], c.name+".sh") {
				t.Errorf("%s: line %q", c.name, lines[i])
			}
		}
		if len(r.Stderr) > MaxChildOutput {
			t.Errorf("%s: kept %d bytes of stderr", c.name, len(r.Stderr))
		}
	}
	if !strings.Contains(stdout.String(), "2 of 14 answers passed") {
		t.Errorf("summary:\n%s", stdout.String())
	}
	if n := strings.Count(stderr.String(), "\n"); n != 11 {
		t.Errorf("%d stderr lines, want one per ERROR (11):\n%s", n, stderr.String())
	}

	// JSON: an ERROR is a report with error set and passed false.
	stdout.Reset()
	stderr.Reset()
	o := fakeOptions(&stdout, &stderr)
	o.JSON = true
	out = RunClass(context.Background(), files[:4], o)
	got := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if out.Code != 2 || len(got) != 4 {
		t.Fatalf("code %d, %d lines:\n%s", out.Code, len(got), stdout.String())
	}
	var forged Report
	if err := json.Unmarshal([]byte(got[3]), &forged); err != nil || forged.Passed || forged.Error == "" {
		t.Errorf("forged answer in JSON: %s (%v)", got[3], err)
	}
}

// TestClassInterrupted: cancelling the run (what a signal does) kills the
// children with their process groups at once; finished answers keep their
// result, the others are interrupted.
func TestClassInterrupted(t *testing.T) {
	files := fakeClass(t, "pass", "slow1", "slow2", "slow3")
	var stdout, stderr bytes.Buffer
	o := fakeOptions(&stdout, &stderr)
	// One at a time: the slow child starts only once "pass" has finished.
	o.Jobs = 1
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// Cancel once the slow child has started its grandchild.
		for range 200 {
			if _, err := os.Stat(files[1] + ".pid"); err == nil {
				break
			}
			time.Sleep(25 * time.Millisecond)
		}
		cancel()
	}()
	start := time.Now()
	out := RunClass(ctx, files, o)
	took := time.Since(start)
	if took > 10*time.Second {
		t.Errorf("took %v after cancel", took)
	}
	if !out.Interrupted || out.Results[0].Report == nil || !out.Results[0].Report.Passed {
		t.Errorf("interrupted %v, first %+v", out.Interrupted, out.Results[0])
	}
	for _, r := range out.Results[1:] {
		if !r.Interrupted || r.Report != nil {
			t.Errorf("%+v, want interrupted", r)
		}
	}
	if !strings.Contains(stdout.String(), "- interrupted") || !strings.Contains(stdout.String(), "3 answers not graded") {
		t.Errorf("stdout:\n%s", stdout.String())
	}
	b, err := os.ReadFile(files[1] + ".pid")
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(string(b))
	// The grandchild's zombie is reaped by init; it must be gone or dead.
	deadline := time.Now().Add(3 * time.Second)
	for {
		st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || strings.Contains(string(st), ") Z ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("grandchild %d still runs: %s", pid, st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestClassInterruptedJSON: with --json, an answer the run did not get to
// is a line with interrupted set, never a pass; nothing is started once
// the run is stopped.
func TestClassInterruptedJSON(t *testing.T) {
	files := fakeClass(t, "pass", "pass2")
	var stdout, stderr bytes.Buffer
	o := fakeOptions(&stdout, &stderr)
	o.JSON = true
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := RunClass(ctx, files, o)
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if !out.Interrupted || len(lines) != 2 || stderr.Len() != 0 {
		t.Fatalf("interrupted %v\n%s%s", out.Interrupted, stdout.String(), stderr.String())
	}
	for _, l := range lines {
		var r Report
		if err := json.Unmarshal([]byte(l), &r); err != nil || !r.Interrupted || r.Passed || r.Error != "interrupted" {
			t.Errorf("%s (%v)", l, err)
		}
	}
}
