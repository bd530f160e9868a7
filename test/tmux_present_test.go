package test

import (
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

// screenColour is the pane with its colours as escape sequences.
func (s *tmuxSession) screenColour() string {
	out, _ := exec.Command("tmux", "capture-pane", "-p", "-e", "-t", s.name).Output()
	return string(out)
}

// colourSeqs are the SGR parameters a 256-colour terminal gets for each
// hex colour, as the binary's writer (colorprofile, under Bubble Tea v2)
// downsamples them.
func colourSeqs(hex ...string) []string {
	var out []string
	for _, h := range hex {
		c := colorprofile.ANSI256.Convert(lipgloss.Color(h))
		if i, ok := c.(ansi.IndexedColor); ok {
			out = append(out, fmt.Sprintf("38;5;%d", int(i)))
		} else if b, ok := c.(ansi.BasicColor); ok {
			out = append(out, fmt.Sprintf("%d", 30+int(b)%8+60*(int(b)/8)))
		}
	}
	return out
}

// anyColour matches an SGR sequence that sets a foreground or background
// colour (30-37, 38;..., 40-47, 48;..., 90-97, 100-107), not 39 and 49
// (the terminal's default colours).
var anyColour = regexp.MustCompile(`\x1b\[(?:[0-9]+;)*(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:[;m])`)

func hasAny(s string, subs []string) bool {
	for _, x := range subs {
		if strings.Contains(s, x+"m") || strings.Contains(s, x+";") {
			return true
		}
	}
	return false
}

// TestTmuxPresenterAndPredict runs the real binary with --present at 80x24
// and 120x40: isolation shows its steps alone (no diagram, no packets, no
// boxes), in the high-contrast palette, not the default's grey; veth's ping
// step stops at its question, takes a guess, and shows the answer under it;
// z still zooms. With NO_COLOR the same screen has no colour at all.
func TestTmuxPresenterAndPredict(t *testing.T) {
	keepTmux(t)
	for _, sz := range []struct{ w, h int }{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			t.Parallel() // a session and lab of its own
			s := newTmux(t, sz.w, sz.h, bin, "--lang", "en", "--present")
			s.waitFor(10*time.Second, "veth", "q quit")
			s.keys("Enter") // isolation, the first lesson
			s.waitFor(15*time.Second, "Steps", "step 0/")
			s.keys("n", "Enter")
			scr := s.waitFor(20*time.Second, "step 1 done")
			for _, no := range []string{"Topology", "Packets", "╭", "┏"} {
				if strings.Contains(scr, no) {
					t.Errorf("presenter mode draws %q for isolation:\n%s", no, scr)
				}
			}
			col := s.screenColour()
			// Output is near-white (dark) or near-black (light), never the
			// default's grey, whichever background the terminal reports.
			if !hasAny(col, colourSeqs("#f0f6fc", "#1f2328")) || hasAny(col, colourSeqs("#8b949e", "#6e7781")) {
				t.Errorf("not the high-contrast palette:\n%q", col)
			}
			s.keys("q")
			s.waitFor(10*time.Second, "q quit")
			s.openLesson(t, "veth")
			s.waitFor(15*time.Second, "step 0/")
			for i := 1; i <= 6; i++ {
				s.keys("n", "Enter")
				s.waitFor(20*time.Second, fmt.Sprintf("step %d done", i))
			}
			s.keys("n")
			scr = s.waitFor(10*time.Second, "enter reveals", "Predict:")
			if strings.Contains(scr, "step 7 done") || strings.Contains(scr, "Answer:") {
				t.Fatalf("the ping step ran before its question was answered:\n%s", scr)
			}
			s.keys("an ARP request")
			s.waitFor(5*time.Second, "› an ARP request")
			s.keys("Enter")
			scr = s.waitFor(20*time.Second, "step 7 done", "Your guess: an ARP request", "Answer:", "Packets", "Topology")
			lines := strings.Split(scr, "\n")
			for i, l := range lines {
				if strings.Contains(l, "Your guess:") && (i+1 == len(lines) || !strings.Contains(lines[i+1], "Answer:")) {
					t.Errorf("the answer is not next to the guess:\n%s", scr)
				}
			}
			s.keys("Tab", "Tab", "z")
			scr = s.waitFor(10*time.Second, "z or esc")
			if strings.Contains(scr, "Topology") {
				t.Errorf("zoom still shows the diagram next to the packets:\n%s", scr)
			}
			s.keys("z")
			s.waitFor(10*time.Second, "Topology", "Packets")
		})
	}
	t.Run("NO_COLOR", func(t *testing.T) {
		s := newTmux(t, 80, 24, "env", "NO_COLOR=1", bin, "--lang", "en", "--present")
		s.waitFor(10*time.Second, "veth", "q quit")
		s.keys("Enter")
		s.waitFor(15*time.Second, "Steps", "step 0/")
		s.keys("n", "Enter")
		s.waitFor(20*time.Second, "step 1 done")
		// Bold stays (NO_COLOR is about colour; Lip Gloss v2 under the
		// Ascii profile keeps attributes), and tmux writes 39/49 (the
		// default colours) after it: no foreground or background colour.
		if col := s.screenColour(); anyColour.MatchString(col) {
			t.Errorf("NO_COLOR with --present still gives colour:\n%q", col)
		}
	})
}
