package confine

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// runShared runs a shell line as the engine runs a lesson's shown command:
// through the lab's runner.
func runShared(t *testing.T, k *Keeper, ctx context.Context, line string) (string, Exit, error) {
	t.Helper()
	var out bytes.Buffer
	spec := Spec{Net: LabHostPin, Argv: []string{"sh", "-c", line}, Persist: true, Shared: true, Env: os.Environ()}
	ex, err := k.Run(ctx, spec, nil, &out, &out)
	return out.String(), ex, err
}

// TestRunnerConfines: a command the runner starts is confined as one from
// a helper of its own. It sees neither the keeper nor a lab shell's
// processes, and nothing of the keeper's /proc lies under its /proc; it
// cannot reach the runner's descriptors (to forge a status) or its
// memory; no_new_privs, the reduced bounding set, the seccomp filter and
// the limits hold, for a line run through sh and for one exec'd directly.
// Each probe is harmless when it succeeds: it only reads.
func TestRunnerConfines(t *testing.T) {
	k := startKeeper(t)
	pinHost(t, k)
	shell := k.Command(Spec{Net: LabHostPin, Argv: []string{"sleep", "300"}, Persist: true})
	if err := shell.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shell.Process.Kill(); shell.Wait() })
	ctx := context.Background()
	// Wait until the shell's sleep runs, seen from a helper of its own
	// (which does not see it either): from the engine.
	for deadline := time.Now().Add(5 * time.Second); !labHasProc(k, "sleep") && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if !labHasProc(k, "sleep") {
		t.Fatal("the lab shell's sleep never ran")
	}
	out, ex, err := runShared(t, k, ctx, `set -- /proc/[0-9]*; echo $#; for p in /proc/[0-9]*; do tr '\0' ' ' <$p/cmdline; echo; done; echo "MA""RK"
cat /proc/1/environ >/dev/null 2>&1 && echo runner-environ-readable
readlink /proc/1/fd/0 >/dev/null 2>&1 && echo runner-fds-readable
ls /proc/self/fd | tr '\n' ' '; echo
grep -E '^(NoNewPrivs|Seccomp|CapBnd):' /proc/self/status
grep -E '^Max (processes|data size|cpu time|core file size)' /proc/self/limits | tr -s ' '
unshare --mount sh -c 'umount /proc 2>/dev/null; ls /proc | wc -l'`)
	if err != nil || ex.Code != 0 {
		t.Fatalf("%v %+v: %s", err, ex, out)
	}
	t.Logf("%s", out)
	procs, rest, _ := strings.Cut(out, "MARK\n")
	// Its runner (pid 1) and its own sh: not the keeper, not the shell.
	if strings.Contains(procs, "sleep 300") || strings.Contains(procs, keeperHook) || !strings.HasPrefix(procs, "2\n") {
		t.Errorf("a shown command sees processes beyond its runner and itself:\n%s", procs)
	}
	for _, bad := range []string{"runner-environ-readable", "runner-fds-readable"} {
		if strings.Contains(rest, bad) {
			t.Errorf("%s", bad)
		}
	}
	if fds := strings.Fields(strings.SplitN(rest, "\n", 2)[0]); len(fds) > 4 { // 0 1 2 and ls's own
		t.Errorf("a shown command holds descriptors beyond its streams: %v", fds)
	}
	want := []string{"NoNewPrivs:\t1", "Seccomp:\t2", "Max cpu time 120 120", "Max data size 536870912 536870912",
		"Max processes 512 512", "Max core file size 0 0"}
	for _, w := range want {
		if !strings.Contains(rest, w) {
			t.Errorf("missing %q in:\n%s", w, rest)
		}
	}
	if lines := strings.Split(strings.TrimSpace(rest), "\n"); lines[len(lines)-1] != "0" {
		t.Errorf("unmounting /proc uncovers %s entries (the keeper's /proc?)", lines[len(lines)-1])
	}
	// The same, exec'd without sh (directArgv): prlimit still sets the
	// limits, and the helper's confinement is inherited.
	for line, want := range map[string][]string{
		"cat /proc/self/limits": {"Max processes             512", "Max data size             536870912"},
		"cat /proc/self/status": {"NoNewPrivs:\t1", "Seccomp:\t2"},
	} {
		if got := directArgv([]string{"sh", "-c", line}, labEnv(nil)); len(got) == 3 {
			t.Fatalf("%q would go through sh: %q", line, got)
		}
		out, _, err := runShared(t, k, ctx, line)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: no %q in\n%s", line, w, out)
			}
		}
	}
}

// labHasProc says whether any lab process runs name, seen from the engine
// (which sees every PID namespace of the lab).
func labHasProc(k *Keeper, name string) bool {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + e.Name() + "/comm")
		if err == nil && strings.TrimSpace(string(b)) == name {
			return true
		}
	}
	return false
}

// TestRunnerTimeLimit: a shown command killed at its time limit goes with
// its process group, and the runner goes on to the next command.
func TestRunnerTimeLimit(t *testing.T) {
	k := startKeeper(t)
	pinHost(t, k)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, ex, err := runShared(t, k, ctx, "sleep 123 | cat; echo never")
	if err == nil || ex.Signal != 9 {
		t.Fatalf("after the time limit: %+v %v", ex, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the kill took %s", d)
	}
	out, _, err := runShared(t, k, context.Background(), `for p in /proc/[0-9]*; do cat $p/cmdline | tr '\0' ' '; echo; done`)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "sleep 123") {
		t.Errorf("the killed command's pipeline lives on:\n%s", out)
	}
}

// TestRunnerSharedAndReset: shown commands share one PID namespace, as a
// lab shell's commands do (what one leaves in the background the next one
// sees); a reset ends it, and the next command gets a fresh runner. A
// command that ends the runner itself only ends that namespace.
func TestRunnerSharedAndReset(t *testing.T) {
	k := startKeeper(t)
	pinHost(t, k)
	ctx := context.Background()
	if out, _, err := runShared(t, k, ctx, "sleep 301 >/dev/null 2>&1 &"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	seen := func() bool {
		out, _, err := runShared(t, k, ctx, `cat /proc/[0-9]*/cmdline | tr '\0' ' '`)
		if err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		return strings.Contains(out, "sleep 301")
	}
	if !seen() {
		t.Error("the next shown command does not see the background sleep")
	}
	if err := k.Reset(); err != nil {
		t.Fatal(err)
	}
	pinHost(t, k)
	if seen() {
		t.Error("the background sleep outlived the reset")
	}
	// kill -TERM 1: the runner is gone, and the command with it.
	_, ex, _ := runShared(t, k, ctx, "kill -TERM 1; sleep 5")
	if ex.Code == 0 {
		t.Errorf("a command that ended its runner exited 0")
	}
	if out, ex, err := runShared(t, k, ctx, "echo again"); err != nil || strings.TrimSpace(out) != "again" {
		t.Errorf("after the runner ended: %q %+v %v", out, ex, err)
	}
}

// TestRunnerConcurrent: two shown commands at once both run (one through
// the runner, the other through a helper of its own) and each gets its
// own output and status.
func TestRunnerConcurrent(t *testing.T) {
	k := startKeeper(t)
	pinHost(t, k)
	var wg sync.WaitGroup
	outs := make([]string, 4)
	codes := make([]int, 4)
	for i := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, ex, _ := runShared(t, k, context.Background(), fmt.Sprintf("echo %d; exit %d", i, i))
			outs[i], codes[i] = strings.TrimSpace(out), ex.Code
		}()
	}
	wg.Wait()
	for i := range outs {
		if outs[i] != fmt.Sprint(i) || codes[i] != i {
			t.Errorf("command %d: output %q exit %d", i, outs[i], codes[i])
		}
	}
}

func TestDirectArgv(t *testing.T) {
	env := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
	for _, c := range []struct {
		line   string
		direct bool
	}{
		{"ls -l /", true},
		{"sysctl net.ipv4.ip_forward", true},
		{"cat /proc/self/status", true},
		{"echo hi", false},         // dash's echo, not /bin/echo
		{"kill 1", false},          // a builtin
		{"true", false},            // a builtin
		{"A=1 env", false},         // an assignment
		{"ls $HOME", false},        // an expansion
		{"ls *", false},            // a glob
		{"ls | cat", false},        // a pipe
		{"no-such-tool -x", false}, // sh's own "not found"
		{"/bin/ls /", false},       // a path: left to sh
		{"", false},
	} {
		argv := []string{"sh", "-c", c.line}
		got := directArgv(argv, env)
		if direct := !slices.Equal(got, argv); direct != c.direct {
			t.Errorf("%q: direct = %v (%q), want %v", c.line, direct, got, c.direct)
		}
	}
	if got := directArgv([]string{"bash", "-c", "ls"}, env); len(got) != 3 {
		t.Errorf("bash -c changed: %q", got)
	}
}

// TestRunnerWarm: WarmRunner starts the lab's runner before any command
// (a reset's, so that the first shown command does not pay for its start),
// the next shown command runs through it (the same runner), and a command
// that comes while it starts waits for it. A Reset ends it as before.
func TestRunnerWarm(t *testing.T) {
	k := startKeeper(t)
	pinHost(t, k)
	k.WarmRunner(LabHostPin)
	// At once: the command waits for the runner being started.
	out, _, err := runShared(t, k, context.Background(), "echo $$")
	if err != nil || strings.TrimSpace(out) == "" {
		t.Fatalf("a command while the runner warms: %q %v", out, err)
	}
	k.runMu.Lock()
	r := k.run
	k.runMu.Unlock()
	if r == nil {
		t.Fatal("no runner after WarmRunner and a shown command")
	}
	if err := k.Reset(); err != nil {
		t.Fatal(err)
	}
	pinHost(t, k)
	k.runMu.Lock()
	gone := k.run == nil
	k.runMu.Unlock()
	if !gone {
		t.Error("the runner outlived a reset")
	}
	k.WarmRunner(LabHostPin)
	deadline := time.Now().Add(20 * time.Second)
	for k.warming.Load() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	k.runMu.Lock()
	r = k.run
	k.runMu.Unlock()
	if r == nil {
		t.Fatal("WarmRunner started no runner")
	}
	out, _, err = runShared(t, k, context.Background(), "echo $$")
	if err != nil {
		t.Fatal(err)
	}
	k.runMu.Lock()
	same := k.run == r
	k.runMu.Unlock()
	if !same || strings.TrimSpace(out) == "" {
		t.Errorf("the command after WarmRunner: ran through the warmed runner %v, output %q", same, out)
	}
}
