package test

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestTmuxSignalsStopTheTUI: SIGTERM, SIGHUP and SIGINT sent to nettutor
// end it with 143, 129 and 130, one line, the terminal given back (no
// alternate screen left on), and no lab process left, also while a lab
// shell is open. (In the lab shell, a typed ^C belongs to the shell, as in
// any terminal: it stops a ping, not the tutor.)
func TestTmuxSignalsStopTheTUI(t *testing.T) {
	cases := []struct {
		sig   syscall.Signal
		code  int
		shell bool
	}{
		{syscall.SIGTERM, 143, true},
		{syscall.SIGHUP, 129, false},
		{syscall.SIGINT, 130, true},
	}
	for _, c := range cases {
		t.Run(c.sig.String(), func(t *testing.T) {
			// The pane's shell reports the exit code and whether the terminal
			// is back in its normal screen, where this text is visible.
			s := newTmux(t, 100, 30, "sh", "-c", bin+` 2>&1; echo "EXIT=$?"; sleep 60`)
			s.waitFor(10*time.Second, "RED <-> BLUE", "q quit")
			if c.shell {
				s.keys("j", "Enter")
				s.waitFor(10*time.Second, "Topology")
				s.keys("s")
				s.waitFor(10*time.Second, "[lab ")
				// ^C typed in the shell is the shell's: the tutor goes on.
				s.keys("sleep 30", "Enter")
				time.Sleep(300 * time.Millisecond)
				s.keys("C-c", "echo alive-$((6*7))", "Enter")
				s.waitFor(10*time.Second, "alive-42")
			}
			pid := outerPid(t)
			before := descendants(pid)
			if len(before) < 2 {
				t.Fatalf("nettutor %d has no sandbox child or keeper: %v", pid, before)
			}
			if err := syscall.Kill(pid, c.sig); err != nil {
				t.Fatal(err)
			}
			scr := s.waitFor(10*time.Second, "EXIT="+strconv.Itoa(c.code))
			if c.sig != syscall.SIGINT && !strings.Contains(scr, "nettutor: ") {
				t.Errorf("no one-line message:\n%s", scr)
			}
			alt, _ := exec.Command("tmux", "display-message", "-p", "-t", s.name, "#{alternate_on}").Output()
			if strings.TrimSpace(string(alt)) != "0" {
				t.Errorf("the alternate screen is still on after %v", c.sig)
			}
			waitGone(t, before)
		})
	}
}

// outerPid finds the nettutor TUI process that tmux started (the sandbox's
// parent, outside every namespace).
func outerPid(t *testing.T) int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		out, _ := exec.Command("pgrep", "-o", "-f", "^"+bin+"$").Output()
		if pid, err := strconv.Atoi(strings.TrimSpace(string(out))); err == nil {
			return pid
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("no nettutor process found")
	return 0
}

// descendants lists the processes below pid (its sandbox child, the lab's
// keeper, the helpers and what they run), from each process's parent.
func descendants(pid int) []int {
	parent := map[int]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so from the last ')'.
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) > 1 {
			parent[n], _ = strconv.Atoi(f[1])
		}
	}
	var out []int
	for n := range parent {
		for p := parent[n]; p > 1; p = parent[p] {
			if p == pid {
				out = append(out, n)
				break
			}
		}
	}
	return out
}

// waitGone waits until every process of pids has ended.
func waitGone(t *testing.T, pids []int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var left []string
		for _, p := range pids {
			if b, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/cmdline"); err == nil {
				left = append(left, strconv.Itoa(p)+" "+strings.ReplaceAll(string(b), "\x00", " "))
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("left running after nettutor stopped:\n%s", strings.Join(left, "\n"))
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestTmuxTerminalGoneSetsid: a TUI started in a session of its own
// (setsid), which gets no SIGHUP when its terminal closes, still ends when
// the terminal goes away, with its lab.
func TestTmuxTerminalGoneSetsid(t *testing.T) {
	need(t, "setsid")
	s := newTmux(t, 100, 30, "setsid", "-w", bin)
	s.waitFor(10*time.Second, "RED <-> BLUE", "q quit")
	pid := outerPid(t)
	before := append(descendants(pid), pid)
	if err := exec.Command("tmux", "kill-session", "-t", s.name).Run(); err != nil {
		t.Fatal(err)
	}
	waitGone(t, before)
}

// TestTmuxLabShellUnderSu: nettutor started by `su USER -c`, which gives it
// a session without a controlling terminal, still opens a lab shell with
// job control (a pseudo-terminal of the lab's own): no "cannot set terminal
// process group", `jobs` lists a background job, and the terminal is as it
// was after the shell.
func TestTmuxLabShellUnderSu(t *testing.T) {
	need(t, "su")
	user := "nettutor-ci"
	if exec.Command("id", user).Run() != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true: the plain user %s is missing", user)
		}
		t.Skipf("no user %s here", user)
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to su")
	}
	// A copy the plain user may run: the test's build folder is root's alone.
	dir, err := os.MkdirTemp("", "nettutor-su-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	exe := dir + "/nettutor"
	if out, err := exec.Command("cp", bin, exe).CombinedOutput(); err != nil {
		t.Fatalf("copy the binary: %v %s", err, out)
	}
	os.Chmod(exe, 0o755)
	s := newTmux(t, 100, 30, "sh", "-c", "cd / && su "+user+" -c '"+exe+" sandbox' 2>&1; echo SU-EXIT=$?; sleep 60")
	s.waitFor(10*time.Second, "[lab host]")
	s.keys("sleep 100 &", "Enter")
	s.keys("jobs", "Enter")
	scr := s.waitFor(10*time.Second, "Running")
	if strings.Contains(scr, "cannot set terminal process group") || strings.Contains(scr, "no job control") {
		t.Errorf("the lab shell has no job control:\n%s", scr)
	}
	s.keys("kill %1; exit", "Enter")
	s.waitFor(10*time.Second, "SU-EXIT=0", "[host]")
}
