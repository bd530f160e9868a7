package serve

import (
	"flag"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/nettutor/nettutor/serve/link"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// fakeBoard records what the dashboard asked for.
type fakeBoard struct {
	rows     []Row
	place    *link.Msg
	resets   []int
	messages []string
	follows  int
}

func (b *fakeBoard) Rows(time.Time) []Row { return b.rows }
func (b *fakeBoard) Follow() (string, int, int, bool) {
	if b.place == nil {
		return "", 0, 0, false
	}
	b.follows++
	return b.place.Lesson, b.place.Step, len(b.rows), true
}
func (b *fakeBoard) Reset(id int) bool {
	b.resets = append(b.resets, id)
	for _, r := range b.rows {
		if r.ID == id {
			return true
		}
	}
	return false
}
func (b *fakeBoard) Message(text string) int {
	b.messages = append(b.messages, text)
	return len(b.rows)
}

func sampleRows() []Row {
	return []Row{
		{ID: 1, Name: "alice", Lesson: "veth", Step: 3, Steps: 8, Passed: 0, Idle: 12 * time.Second},
		{ID: 2, Name: "bob", Lesson: "veth", Step: 8, Steps: 8, Passed: 1, Check: &link.Check{Exercise: "veth/connect", Pass: true, Seq: 2}, Idle: 75 * time.Second},
		{ID: 3, Name: "김철수", Lesson: "bridge", Step: 2, Steps: 9, Check: &link.Check{Exercise: "bridge/connect", Failed: "ping-red-blue", Seq: 1}, Hand: true, Idle: 3700 * time.Second},
		{ID: 4, Name: "dave-with-a-very-long-name", Idle: 0},
	}
}

// keyMsg is the key press Bubble Tea v2 makes of s: a named key, or the
// text typed (several characters when they came in one read).
func keyMsg(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case " ":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

// TestDashboardUpdate: each key sequence leaves the board asked for what
// the key means, and the status line says so.
func TestDashboardUpdate(t *testing.T) {
	cases := []struct {
		name    string
		keys    []string
		place   *link.Msg
		resets  []int
		msgs    []string
		follows int
		sel     int
		status  string
	}{
		{name: "down selects the next", keys: []string{"down", "j"}, sel: 2},
		{name: "up stops at the top", keys: []string{"up", "k", "down", "up"}, sel: 0},
		{name: "down stops at the bottom", keys: []string{"j", "j", "j", "j", "j", "j"}, sel: 3},
		{name: "reset asks, y confirms", keys: []string{"j", "r", "y"}, resets: []int{2}, sel: 1, status: "reset sent to bob"},
		{name: "reset asks, n keeps", keys: []string{"r", "n"}, sel: 0, status: ""},
		{name: "message to all", keys: []string{"m", "h", "i", " ", "a", "l", "l", "backspace", "enter"}, msgs: []string{"hi al"}, status: "message sent to 4 members"},
		{name: "m and text in one read", keys: []string{"mlook", "enter"}, msgs: []string{"look"}, status: "message sent to 4 members"},
		{name: "jjr y in one read", keys: []string{"jjry"}, resets: []int{3}, sel: 2, status: "reset sent to 김철수"},
		{name: "control characters dropped", keys: []string{"m", "a\x1b[2J\u009bb\x7f", "enter"}, msgs: []string{"a[2Jb"}, status: "message sent to 4 members"},
		{name: "message cancelled", keys: []string{"m", "x", "esc"}, status: ""},
		{name: "empty message not sent", keys: []string{"m", " ", "enter"}},
		{name: "q in a message is text", keys: []string{"m", "q", "enter"}, msgs: []string{"q"}, status: "message sent to 4 members"},
		{name: "follow without own lesson", keys: []string{"f"}, status: "open your own lesson first (enter), then f sends its step"},
		{name: "follow sends the presenter's place", keys: []string{"f"}, place: &link.Msg{Lesson: "veth", Step: 4}, follows: 1, status: "follow me: veth step 4 sent to 4 members"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := &fakeBoard{rows: sampleRows(), place: c.place}
			d := NewDashboard(b, "en")
			d.Init()
			for _, k := range c.keys {
				m, _ := d.Update(keyMsg(k))
				d = m.(*Dashboard)
			}
			if strings.Join(intsToStrings(b.resets), ",") != strings.Join(intsToStrings(c.resets), ",") {
				t.Errorf("resets %v, want %v", b.resets, c.resets)
			}
			if strings.Join(b.messages, "|") != strings.Join(c.msgs, "|") {
				t.Errorf("messages %q, want %q", b.messages, c.msgs)
			}
			if b.follows != c.follows {
				t.Errorf("follows %d, want %d", b.follows, c.follows)
			}
			if d.sel != c.sel {
				t.Errorf("selected row %d, want %d", d.sel, c.sel)
			}
			if d.status != c.status {
				t.Errorf("status %q, want %q", d.status, c.status)
			}
		})
	}
	// q quits; in the reset question it only answers no.
	d := NewDashboard(&fakeBoard{rows: sampleRows()}, "en")
	if _, cmd := d.Update(keyMsg("q")); cmd == nil {
		t.Error("q: no quit command")
	} else if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Error("q: the command is not tea.Quit")
	}
	// A member who left: the selection stays on a row that exists.
	b := &fakeBoard{rows: sampleRows()}
	d = NewDashboard(b, "en")
	d.Init()
	d.Update(keyMsg("j"))
	d.Update(keyMsg("j"))
	d.Update(keyMsg("j"))
	b.rows = b.rows[:2]
	d.Update(tickMsg(time.Now()))
	if d.sel != 1 {
		t.Errorf("after rows went: selected %d, want 1", d.sel)
	}
}

func intsToStrings(a []int) []string {
	var out []string
	for _, n := range a {
		out = append(out, string(rune('0'+n)))
	}
	return out
}

// TestDashboardGolden holds the text of the view (what a terminal shows,
// styles aside: TestDashboardStyles holds those) at 80x24 and 120x40, in
// English and Korean, to golden files (go test ./serve -run Golden -update
// rewrites).
func TestDashboardGolden(t *testing.T) {
	for _, c := range []struct {
		name string
		lang string
		w, h int
		keys []string
		rows []Row
	}{
		{"rows_80x24", "en", 80, 24, []string{"j", "j"}, sampleRows()},
		{"rows_120x40", "en", 120, 40, nil, sampleRows()},
		{"reset_ko_80x24", "ko", 80, 24, []string{"j", "r"}, sampleRows()},
		{"empty_80x24", "en", 80, 24, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := NewDashboard(&fakeBoard{rows: c.rows}, c.lang)
			d.Init()
			d.Update(tea.WindowSizeMsg{Width: c.w, Height: c.h})
			for _, k := range c.keys {
				d.Update(keyMsg(k))
			}
			v := d.View()
			if !v.AltScreen {
				t.Error("the dashboard is not on the alternate screen")
			}
			got := ansi.Strip(v.Content)
			lines := strings.Split(got, "\n")
			if len(lines) != c.h {
				t.Errorf("%d lines, want %d", len(lines), c.h)
			}
			for i, l := range lines {
				if w := cellWidth(l); w > c.w {
					t.Errorf("line %d is %d columns wide, over %d: %q", i+1, w, c.w, l)
				}
			}
			path := filepath.Join("testdata", c.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if got != string(want) {
				t.Errorf("view differs from %s:\n--- got\n%s\n--- want\n%s", path, got, want)
			}
		})
	}
}

// TestDashboardStyles: the styles are in the view (the selected row
// reversed, a failed check red, a passed one green, a raised hand yellow),
// and a light background from the terminal's answer turns the hand's
// yellow, hard to read on white, to a dark orange; the text stays.
func TestDashboardStyles(t *testing.T) {
	d := NewDashboard(&fakeBoard{rows: sampleRows()}, "en")
	d.Init()
	d.Update(tea.WindowSizeMsg{Width: 100, Height: 12})
	dark := d.View().Content
	for _, want := range []string{"\x1b[7m▸ alice", "\x1b[31m✗ bridge/connect", "\x1b[32m✓ veth/connect", "\x1b[1;33m✋"} {
		if !strings.Contains(dark, want) {
			t.Errorf("the dark view lacks %q:\n%q", want, dark)
		}
	}
	d.Update(tea.BackgroundColorMsg{Color: color.White})
	light := d.View().Content
	if !strings.Contains(light, "\x1b[1;38;5;130m✋") || strings.Contains(light, "\x1b[1;33m") {
		t.Errorf("on a light background the hand is not dark orange:\n%q", light)
	}
	if ansi.Strip(light) != ansi.Strip(dark) {
		t.Errorf("the background changed the text:\n%s\n---\n%s", ansi.Strip(light), ansi.Strip(dark))
	}
	d.Update(tea.BackgroundColorMsg{Color: color.Black})
	if d.View().Content != dark {
		t.Error("a dark answer after a light one does not give the dark styles back")
	}
}

// TestDashboardPaste: a paste is text for the message prompt (controls
// dropped, 200 characters at most), and nothing outside it: pasted "q" or
// "r y" must not quit or reset anyone.
func TestDashboardPaste(t *testing.T) {
	b := &fakeBoard{rows: sampleRows()}
	d := NewDashboard(b, "en")
	d.Init()
	if _, cmd := d.Update(tea.PasteMsg{Content: "qry"}); cmd != nil || len(b.resets) != 0 || d.mode != modeRows {
		t.Fatalf("a paste outside the prompt did something: cmd %v, resets %v, mode %v", cmd, b.resets, d.mode)
	}
	d.Update(keyMsg("m"))
	d.Update(tea.PasteMsg{Content: "look\x1b[2J at " + strings.Repeat("x", 300)})
	if got := []rune(d.input); len(got) != 200 || !strings.HasPrefix(d.input, "look[2J at x") {
		t.Errorf("after the paste the prompt holds %d characters: %q", len(got), d.input)
	}
	d.Update(keyMsg("enter"))
	if len(b.messages) != 1 || !strings.HasPrefix(b.messages[0], "look[2J at x") {
		t.Errorf("messages %q", b.messages)
	}
}

// TestDrawEnv: a dashboard's program sees the client's TERM and the
// variables that say how to draw, nothing else; a TERM that could name a
// path is taken as xterm.
func TestDrawEnv(t *testing.T) {
	client := []string{"COLORTERM=truecolor", "TMUX=/tmp/tmux-0/default,1,0", "LANG=ko_KR.UTF-8", "NO_COLOR=1", "SSH_TTY=/dev/pts/9", "TERM_PROGRAM=WezTerm"}
	got := strings.Join(drawEnv("xterm-256color", client), " ")
	if want := "TERM=xterm-256color COLORTERM=truecolor NO_COLOR=1 TERM_PROGRAM=WezTerm"; got != want {
		t.Errorf("drawEnv = %q, want %q", got, want)
	}
	for _, bad := range []string{"", "../../../etc/passwd", `a\b`, "x\x1b", strings.Repeat("x", 65)} {
		if got := drawEnv(bad, nil); len(got) != 1 || got[0] != "TERM=xterm" {
			t.Errorf("drawEnv(%q) = %q, want TERM=xterm", bad, got)
		}
	}
	if got := drawEnv("screen.xterm-256color", nil); got[0] != "TERM=screen.xterm-256color" {
		t.Errorf("a TERM with a dot: %q", got)
	}
}
