package test

import (
	"strings"
	"testing"
	"time"
)

// TestTmuxExerciseShellPackets: in veth's exercise at 120x40, the learner's
// own commands in the lab shell (a veth pair of their making, then a ping
// over it as the next command, with no pause) show up in the packets pane
// once the shell ends: the capture hears the new links' netlink events.
func TestTmuxExerciseShellPackets(t *testing.T) {
	keepTmux(t)
	s := newTmux(t, 120, 40, bin, "--lang", "en")
	s.waitFor(10*time.Second, "veth", "q quit")
	s.openLesson(t, "veth")
	s.waitFor(15*time.Second, "Topology", "step 0/")
	s.keys("e")
	s.waitFor(15*time.Second, "Exercise:", "0 packets")
	openShell(s, "host")
	waitFreshShell(t, s, "host")
	// No IPv6 on the new links: their multicast reports would push the
	// ping's packets below the pane's first rows.
	s.keys("for n in RED BLUE; do ip netns exec $n sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1; done; "+
		"ip link add veth0 netns RED type veth peer name veth1 netns BLUE; "+
		"ip -n RED addr add 11.11.11.2/24 dev veth0; ip -n BLUE addr add 11.11.11.3/24 dev veth1; "+
		"ip -n RED link set veth0 up; ip -n BLUE link set veth1 up; echo pair-$((1+1))-built", "Enter")
	// The ping is the learner's next command, as a person types it: the
	// capture of the new links starts on their netlink events meanwhile
	// (a ping on the same command line can still race the capture's start).
	s.waitFor(10*time.Second, "pair-2-built")
	s.keys("ip netns exec RED ping -c 1 -W 2 11.11.11.3; exit", "Enter")
	scr := s.waitFor(20*time.Second, "back from the shell", "Packets")
	for _, want := range []string{"IP 11.11.11.2 > 11.11.11.3: ICMP echo", "IP 11.11.11.3 > 11.11.11.2: ICMP echo"} {
		if !strings.Contains(scr, want) {
			scr = s.waitFor(5*time.Second, want)
		}
	}
	if strings.Contains(scr, "0 packets") {
		t.Errorf("the packets pane is empty after the shell:\n%s", scr)
	}
}

// openShell presses s until the lab shell's banner shows: the TUI takes no
// shell while it is still busy (starting the exercise, on a loaded
// machine), and says nothing when it drops the key.
func openShell(s *tmuxSession, ns string) {
	banner := "nettutor lab shell in " + ns
	for try := 0; try < 8; try++ {
		s.keys("s")
		deadline := time.Now().Add(2 * time.Second)
		for time.Now().Before(deadline) {
			if strings.Contains(s.screen(), banner) {
				if try > 0 {
					time.Sleep(300 * time.Millisecond)
					s.keys("C-u") // an s pressed while the shell started
				}
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}
