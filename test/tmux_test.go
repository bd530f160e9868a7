package test

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// tmuxSession drives the real binary in a detached tmux pane.
type tmuxSession struct {
	t    *testing.T
	name string
}

func newTmux(t *testing.T, w, h int, argv ...string) *tmuxSession {
	t.Helper()
	need(t, "tmux")
	s := &tmuxSession{t: t, name: fmt.Sprintf("nettutor-test-%d", time.Now().UnixNano())}
	// Progress goes to a state folder of the test's own, not the user's.
	args := append([]string{"new-session", "-d", "-s", s.name, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h),
		"env", "TERM=xterm-256color", "LANG=C.UTF-8", "XDG_STATE_HOME=" + t.TempDir()}, argv...)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", s.name).Run() })
	return s
}

func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	args := append([]string{"send-keys", "-t", s.name}, keys...)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		s.t.Fatalf("tmux send-keys %v: %v\n%s", keys, err, out)
	}
}

func (s *tmuxSession) screen() string {
	out, _ := exec.Command("tmux", "capture-pane", "-p", "-t", s.name).Output()
	return string(out)
}

// waitFor polls the pane until every want is on screen.
func (s *tmuxSession) waitFor(timeout time.Duration, wants ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		scr := s.screen()
		missing := ""
		for _, w := range wants {
			if !strings.Contains(scr, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%q not on screen after %s:\n%s", missing, timeout, scr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestTmuxVethLessonAndShell runs the real binary as a learner would: pick
// veth, step to the end, read the diagram and the packets, open a lab shell,
// run ip in it, leave it and find the TUI back.
func TestTmuxVethLessonAndShell(t *testing.T) {
	s := newTmux(t, 120, 40, bin)
	s.waitFor(10*time.Second, "RED <-> BLUE", "q quit")
	s.keys("j", "Enter")
	s.waitFor(10*time.Second, "Topology", "Packets")
	var scr string
	for i := 0; i < 20 && !strings.Contains(scr, "All steps done"); i++ {
		s.keys("n")
		time.Sleep(400 * time.Millisecond)
		scr = s.screen()
	}
	scr = s.waitFor(10*time.Second, "All steps done", "RED", "BLUE", "veth0", "veth1", "11.11.11.2/24", "11.11.11.3/24")
	for _, want := range []string{"ARP, Request who-has 11.11.11.3", "ARP, Reply 11.11.11.3", "IP 11.11.11.2 > 11.11.11.3: ICMP echo", "IP 11.11.11.3 > 11.11.11.2: ICMP echo"} {
		if !strings.Contains(scr, want) {
			t.Errorf("packets pane lacks %q:\n%s", want, scr)
		}
	}
	// A lab shell, then back.
	s.keys("s")
	s.waitFor(10*time.Second, "[lab ")
	s.keys("ip -n RED link", "Enter")
	scr = s.waitFor(10*time.Second, "veth0@", "link-netns BLUE")
	s.keys("exit", "Enter")
	s.waitFor(10*time.Second, "Topology", "Packets", "veth1")
	s.keys("q")
	s.waitFor(10*time.Second, "q quit")
	s.keys("q")
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if exec.Command("tmux", "has-session", "-t", s.name).Run() != nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("nettutor did not quit on q:\n%s", s.screen())
}
