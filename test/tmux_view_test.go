package test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nettutor/nettutor/lessons"
)

// keepTmux keeps the tmux server up for the test with a session of its
// own: when a test's last session ends the server exits, and a new
// session asked for meanwhile fails with "server exited unexpectedly".
// Starting the keeper is retried for that reason.
func keepTmux(t *testing.T) {
	t.Helper()
	need(t, "tmux")
	name := fmt.Sprintf("nettutor-keep-%d", time.Now().UnixNano())
	for i := 0; i < 20; i++ {
		if exec.Command("tmux", "new-session", "-d", "-s", name, "sleep", "600").Run() == nil {
			t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", name).Run() })
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("tmux: cannot start a session")
}

// lessonIndex is the picker position of the built-in lesson id, so the
// tests follow the lesson order instead of counting it themselves.
func lessonIndex(t *testing.T, id string) int {
	t.Helper()
	for i, l := range lessons.BuiltinOrder {
		if l == id {
			return i
		}
	}
	t.Fatalf("no built-in lesson %q", id)
	return 0
}

// openLesson moves the picker down to the built-in lesson id and opens it.
func (s *tmuxSession) openLesson(t *testing.T, id string) {
	t.Helper()
	for i := lessonIndex(t, id); i > 0; i-- {
		s.keys("j")
	}
	s.keys("Enter")
}

// stepsToEnd opens the built-in lesson id and runs every step, returning
// the last screen.
func stepsToEnd(t *testing.T, s *tmuxSession, id string) string {
	t.Helper()
	s.openLesson(t, id)
	scr := s.waitFor(15*time.Second, "Topology", "Packets", "step 0/")
	m := regexp.MustCompile(`step 0/(\d+)`).FindStringSubmatch(scr)
	if m == nil {
		t.Fatalf("no step count on screen:\n%s", scr)
	}
	var n int
	fmt.Sscan(m[1], &n)
	for i := 1; i <= n; i++ {
		s.keys("n", "Enter") // Enter: past a predict gate; elsewhere it does nothing
		scr = s.waitFor(30*time.Second, fmt.Sprintf("step %d/%d", i, n), fmt.Sprintf("step %d done", i))
	}
	return scr
}

// column returns cells [from, to) of every screen line: one pane.
func column(scr string, from, to int) []string {
	var out []string
	for _, l := range strings.Split(scr, "\n") {
		r := []rune(l)
		if len(r) < from {
			out = append(out, "")
			continue
		}
		out = append(out, strings.TrimRight(string(r[from:min(to, len(r))]), " "))
	}
	return out
}

// TestTmuxDockerNetworksEveryWire runs docker-networks to its last step at
// 120x40: NONE joins WEB and APP above the host, and still every wire is
// drawn (WEB and APP to docker0 are lines into the host box, not
// "↔ host/veth-web" text), every namespace box has its lo, OUTSIDE is in
// view below the host and the packets pane keeps room for packets.
func TestTmuxDockerNetworksEveryWire(t *testing.T) {
	keepTmux(t)
	s := newTmux(t, 120, 40, bin, "--lang", "en")
	s.waitFor(10*time.Second, "Docker's bridge", "q quit")
	scr := stepsToEnd(t, s, "docker-networks")
	topo := column(scr, 48, 120) // the right half: diagram, then packets
	pkts := -1
	for i, l := range topo {
		if strings.Contains(l, "Packets") {
			pkts = i
		}
	}
	if pkts < 0 {
		t.Fatalf("no packets pane:\n%s", scr)
	}
	diagram := strings.Join(topo[:pkts], "\n")
	for _, want := range []string{"WEB", "APP", "NONE", "host", "docker0", "OUTSIDE", "veth-web", "veth-app"} {
		if !strings.Contains(diagram, want) {
			t.Errorf("diagram lacks %q:\n%s", want, diagram)
		}
	}
	if strings.Contains(diagram, "↔ host/") {
		t.Errorf("a wire into the host became text:\n%s", diagram)
	}
	if strings.Contains(diagram, "more below") {
		t.Errorf("the diagram does not fit at 120x40:\n%s", diagram)
	}
	// The wires: WEB's and APP's bottom borders have a tee each, and the
	// line under them names the host ends.
	tees, ends := 0, false
	for _, l := range topo[:pkts] {
		if strings.Contains(l, "└") && strings.Contains(l, "┬") {
			tees = max(tees, strings.Count(l, "┬"))
		}
		if strings.Contains(l, "│ veth-web") && strings.Contains(l, "│ veth-app") {
			ends = true
		}
	}
	if tees < 2 || !ends {
		t.Errorf("WEB and APP are not wired into the host (tees %d, ends %v):\n%s", tees, ends, diagram)
	}
	// lo in every namespace box: WEB, APP, NONE, host, OUTSIDE.
	if n := regexp.MustCompile(`[●○◐] lo\b`).FindAllStringIndex(diagram, -1); len(n) < 5 {
		t.Errorf("lo is drawn in %d boxes, want 5:\n%s", len(n), diagram)
	}
	if rows := len(topo) - pkts - 3; rows < 6 {
		t.Errorf("the packets pane keeps %d rows:\n%s", rows, scr)
	}
	// Zoom the diagram (tab to it, z): the whole screen is the diagram.
	s.keys("Tab", "z")
	zs := s.waitFor(5*time.Second, "z or esc")
	if strings.Contains(zs, "Steps") || !strings.Contains(zs, "OUTSIDE") {
		t.Errorf("z did not zoom the diagram:\n%s", zs)
	}
	s.keys("Escape")
	s.waitFor(5*time.Second, "Steps", "Packets")
}

// TestTmuxSolutionCopiedRuns copies the veth exercise's reference
// solution off an 80x24 screen, where its long lines wrap in the step
// pane with " \" continuations, and runs the copy with bash in a fresh
// confined lab: the namespaces it connects then ping each other.
func TestTmuxSolutionCopiedRuns(t *testing.T) {
	keepTmux(t)
	s := newTmux(t, 80, 24, bin, "--lang", "en")
	s.waitFor(10*time.Second, "veth", "q quit")
	s.openLesson(t, "veth")
	s.waitFor(15*time.Second, "Topology", "step 0/")
	s.keys("e")
	s.waitFor(15*time.Second, "Exercise:")
	s.keys("a", "y") // the solution shows after a confirmation
	s.waitFor(5*time.Second, "Reference")
	// Page the step pane down until the solution's last line is in view.
	var pane []string
	for i := 0; i < 10; i++ {
		// Inside the step pane's borders: rows 2-21, cells 1-32.
		pane = column(s.screen(), 1, 33)[2:22]
		if strings.Contains(strings.Join(pane, "\n"), "dev veth1") {
			break
		}
		s.keys("NPage")
		time.Sleep(300 * time.Millisecond)
	}
	start := -1
	for i, l := range pane {
		if strings.Contains(l, "Reference solution") {
			start = i + 1
		}
	}
	if start < 0 {
		t.Fatalf("no solution on screen:\n%s", strings.Join(pane, "\n"))
	}
	var copied []string
	wrapped := false
	for _, l := range pane[start:] {
		if strings.TrimSpace(l) == "" || strings.Contains(l, "more below") {
			break
		}
		copied = append(copied, l)
		wrapped = wrapped || strings.HasSuffix(l, " \\")
	}
	if !wrapped {
		t.Fatalf("no solution line wrapped at 80 columns, nothing to test:\n%s", strings.Join(copied, "\n"))
	}
	for _, l := range copied {
		if strings.Contains(l, "…") {
			t.Fatalf("a solution line is cut:\n%s", strings.Join(copied, "\n"))
		}
	}
	// The exercise's set-up (the two namespaces), the copy verbatim, the proof.
	script := "set -e\nip netns add RED\nip netns add BLUE\n" + strings.Join(copied, "\n") +
		"\nip netns exec RED ping -c 1 -W 2 11.11.11.3\n"
	path := filepath.Join(t.TempDir(), "copied.sh")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "sandbox", "--quiet", path).CombinedOutput()
	if err != nil {
		t.Fatalf("the copied solution fails: %v\n%s\n--- script\n%s", err, out, script)
	}
	if !strings.Contains(string(out), "1 received") {
		t.Errorf("RED does not reach BLUE after the copied solution:\n%s\n--- script\n%s", out, script)
	}
	s.keys("C-c")
}

// TestTmuxOutputsNotCut runs lessons in the real binary at 120x40 to the
// step whose output ends in what it teaches and reads the step pane: the
// neighbour state of ip neigh, "permanent" in bridge fdb and the flags
// of ip -br link are on screen, whole, and no output line is cut.
func TestTmuxOutputsNotCut(t *testing.T) {
	cases := []struct {
		name  string
		id    string // the lesson
		steps int
		want  *regexp.Regexp
	}{
		{"veth neigh-after", "veth", 8, regexp.MustCompile(`\b(REACHABLE|STALE|DELAY)\b`)},
		{"bridge fdb-before", "bridge", 5, regexp.MustCompile(`master\s+br0 permanent`)},
		{"isolation net", "isolation", 6, regexp.MustCompile(`<LOOPBACK,UP,LOWER_UP>`)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// A session and lab of its own: two at once (-test.parallel).
			t.Parallel()
			keepTmux(t)
			s := newTmux(t, 120, 40, bin, "--lang", "en")
			s.waitFor(10*time.Second, "q quit")
			s.openLesson(t, c.id)
			s.waitFor(15*time.Second, "Topology", "step 0/")
			var scr string
			for i := 1; i <= c.steps; i++ {
				s.keys("n", "Enter") // Enter: past a predict gate; elsewhere it does nothing
				scr = s.waitFor(30*time.Second, fmt.Sprintf("step %d done", i))
			}
			steps := column(scr, 1, 47)
			text := strings.Join(steps, "\n")
			// Across a wrap the words go on on the next line: read them as words.
			if words := strings.Join(strings.Fields(text), " "); !c.want.MatchString(words) {
				t.Errorf("the step pane lacks %v:\n%s", c.want, text)
			}
			for _, l := range steps {
				if strings.Contains(l, "…") {
					t.Errorf("a line is cut: %q\n%s", l, text)
				}
			}
			s.keys("C-c")
		})
	}
}

// TestTmuxNATFits: the NAT lesson's diagram at every step at 120x40 is
// in view whole (no "more below"), OUTSIDE included, beside a packets
// pane of at least six rows.
func TestTmuxNATFits(t *testing.T) {
	keepTmux(t)
	s := newTmux(t, 120, 40, bin, "--lang", "en")
	s.waitFor(10*time.Second, "q quit")
	s.openLesson(t, "nat")
	scr := s.waitFor(15*time.Second, "Topology", "step 0/")
	m := regexp.MustCompile(`step 0/(\d+)`).FindStringSubmatch(scr)
	if m == nil {
		t.Fatalf("no step count:\n%s", scr)
	}
	var n int
	fmt.Sscan(m[1], &n)
	for i := 1; i <= n; i++ {
		s.keys("n", "Enter") // Enter: past a predict gate; elsewhere it does nothing
		scr = s.waitFor(30*time.Second, fmt.Sprintf("step %d done", i))
		right := column(scr, 48, 120)
		pkts := -1
		for j, l := range right {
			if strings.Contains(l, "Packets") {
				pkts = j
			}
		}
		diagram := strings.Join(right[:max(pkts, 0)], "\n")
		if pkts < 0 || strings.Contains(diagram, "more below") {
			t.Errorf("step %d: the diagram does not fit:\n%s", i, scr)
		}
		if strings.Contains(diagram, "OUTSIDE") && len(right)-pkts-3 < 6 {
			t.Errorf("step %d: the packets pane keeps %d rows:\n%s", i, len(right)-pkts-3, scr)
		}
	}
	if !strings.Contains(scr, "OUTSIDE") || !strings.Contains(scr, "⇄ NAT") {
		t.Errorf("the last step's diagram lacks OUTSIDE or the NAT point:\n%s", scr)
	}
	s.keys("C-c")
}
