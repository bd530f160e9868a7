package test

import (
	"fmt"
	"os/exec"
	"regexp"
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
		// CI unset for the program: termenv takes CI=true for "no terminal"
		// and would draw no colour, unlike on a learner's screen.
		"env", "-u", "CI", "TERM=xterm-256color", "LANG=C.UTF-8", "XDG_STATE_HOME=" + t.TempDir()}, argv...)
	// When another test's last session has just ended, its tmux server is
	// exiting and a new session fails with "server exited unexpectedly":
	// ask again for a moment.
	for try := 0; ; try++ {
		out, err := exec.Command("tmux", args...).CombinedOutput()
		if err == nil {
			break
		}
		if try == 30 || !strings.Contains(string(out), "server exited") {
			t.Fatalf("tmux new-session: %v\n%s", err, out)
		}
		time.Sleep(100 * time.Millisecond)
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

// TestTmuxVethBackReplaysTraffic is the report, typed into the
// real binary: veth, eight steps, back one (`p`), and step 8 again. The
// rebuilt lab has the neighbour entries step 7's ping made, because the
// replay sent it again, so every expectation of step 8 holds on screen.
func TestTmuxVethBackReplaysTraffic(t *testing.T) {
	s := newTmux(t, 140, 50, bin, "--lang", "en")
	s.waitFor(10*time.Second, "RED <-> BLUE", "q quit")
	s.openLesson(t, "veth")
	scr := s.waitFor(10*time.Second, "Topology", "Packets", "step 0/")
	m := regexp.MustCompile(`step 0/(\d+)`).FindStringSubmatch(scr)
	if m == nil {
		t.Fatalf("no step count on screen:\n%s", scr)
	}
	n := m[1]
	for i := 1; i <= 8; i++ {
		s.keys("n", "Enter") // Enter: past a predict gate; elsewhere it does nothing
		s.waitFor(20*time.Second, fmt.Sprintf("step %d/%s", i, n), fmt.Sprintf("step %d done", i))
	}
	s.keys("p")
	s.waitFor(20*time.Second, "lab rebuilt after step 7", "step 7/"+n)
	s.keys("n", "Enter") // Enter: past a predict gate; elsewhere it does nothing
	scr = s.waitFor(20*time.Second, "step 8/"+n, "step 8 done")
	for _, want := range []string{"✓ RED knows the MAC of 11.11.11.3", "✓ BLUE knows the MAC of 11.11.11.2"} {
		if !strings.Contains(scr, want) {
			t.Errorf("screen lacks %q:\n%s", want, scr)
		}
	}
	if strings.Contains(scr, "✗") {
		t.Errorf("an expectation failed after going back:\n%s", scr)
	}
	// The packets pane holds the replayed ping again.
	if !strings.Contains(scr, "ICMP echo request") {
		t.Errorf("the packets pane lost the replayed ping:\n%s", scr)
	}
	s.keys("q")
	s.waitFor(10*time.Second, "q quit")
	s.keys("q")
}

// TestTmuxVethLessonAndShell runs the real binary as a learner would: pick
// veth, step to the end, read the diagram and the packets, open a lab shell,
// run ip in it, leave it and find the TUI back.
func TestTmuxVethLessonAndShell(t *testing.T) {
	s := newTmux(t, 120, 40, bin)
	s.waitFor(10*time.Second, "RED <-> BLUE", "q quit")
	s.openLesson(t, "veth")
	s.waitFor(10*time.Second, "Topology", "Packets")
	var scr string
	for i := 0; i < 20 && !strings.Contains(scr, "All steps done"); i++ {
		s.keys("n", "Enter") // Enter: past a predict gate; elsewhere it does nothing
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
