package tui

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/nettutor/nettutor/engine/reexec"
	"github.com/nettutor/nettutor/engine/sandbox"
	"github.com/nettutor/nettutor/engine/testkit"
)

// updateGolden reports -update (the flag is defined by teatest's golden
// package, which this package links): go test ./tui -update.
func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// labOK is set when the tests run inside the lab sandbox (root or an
// unprivileged user namespace); tests with a real lab skip without it.
var labOK bool

func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	if err := sandbox.Enter(); err != nil {
		fmt.Fprint(os.Stderr, sandbox.Hint(err))
		if os.Getenv("CI") == "true" {
			fmt.Fprintln(os.Stderr, "FAIL: CI=true and the lab sandbox is unavailable")
			os.Exit(1)
		}
		fmt.Fprintln(os.Stderr, "note: no lab sandbox; real-lab TUI tests skip")
	} else {
		labOK = true
	}
	// The t.Parallel tests here run over the fake backend (no lab): they
	// mostly wait for the model to fall quiet after each key, so four at
	// once. The real-lab tests stay sequential (runParallel: two labs).
	testkit.SetParallel(4)
	os.Exit(m.Run())
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	got = strings.TrimRight(got, "\n") + "\n"
	if updateGolden() {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./tui -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (go test ./tui -update to accept):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// driver runs commands the way the program would, feeding each message
// back into the model. Commands that block (packet and action waiters) go
// on in the background; what they return later is picked up by the next
// call, as in the real program.
type driver struct {
	t     testing.TB
	m     tea.Model
	out   chan tea.Msg
	quiet time.Duration // how long without messages ends a send
}

func newDriver(t testing.TB, m tea.Model) *driver {
	return &driver{t: t, m: m, out: make(chan tea.Msg, 4096), quiet: 80 * time.Millisecond}
}

func (d *driver) start(c tea.Cmd) {
	if c == nil {
		return
	}
	go func() { d.out <- c() }()
}

// run processes messages until none arrives for quiet.
// run processes messages until none arrives for quiet and the model is
// settled: no lesson opening or busy (a loaded machine may take longer
// than quiet to answer). It gives up after ten seconds.
func (d *driver) run(c tea.Cmd, quiet time.Duration) {
	d.start(c)
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case msg := <-d.out:
			d.handle(msg)
		case <-time.After(quiet):
			if d.settled() || time.Now().After(deadline) {
				return
			}
		}
	}
}

func (d *driver) settled() bool {
	m, ok := d.m.(*Model)
	if !ok || m.state != stateLesson || m.lesson == nil {
		return true
	}
	return !m.lesson.opening && m.lesson.busy == ""
}

// waitFor processes messages until cond holds (or fails the test).
func (d *driver) waitFor(what string, cond func(m *Model) bool) {
	d.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond(d.root()) {
		select {
		case msg := <-d.out:
			d.handle(msg)
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (d *driver) handle(msg tea.Msg) {
	switch msg := msg.(type) {
	case nil:
		return
	case tea.BatchMsg:
		for _, c := range msg {
			d.start(c)
		}
		return
	case tea.QuitMsg:
		return
	}
	if reflect.TypeOf(msg).String() == "tea.sequenceMsg" {
		return
	}
	var next tea.Cmd
	d.m, next = d.m.Update(msg)
	d.start(next)
}

// send delivers one message and runs what follows.
func (d *driver) send(msg tea.Msg) *driver {
	d.t.Helper()
	var c tea.Cmd
	d.m, c = d.m.Update(msg)
	d.run(c, d.quiet)
	return d
}

// keys sends keys one by one.
func (d *driver) keys(ks ...string) *driver {
	for _, k := range ks {
		d.send(keyMsg(k))
	}
	return d
}

func (d *driver) view() string { return viewOf(d.m) }

func (d *driver) root() *Model { return d.m.(*Model) }

// keyMsg is the key press a terminal would send for s, as Bubble Tea v2
// decodes it ("enter", "ctrl+c", "shift+tab", or text such as "j" or "jjn").
func keyMsg(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "home":
		return tea.KeyPressMsg{Code: tea.KeyHome}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "space", " ":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	}
	r := []rune(s)
	k := tea.KeyPressMsg{Code: r[0], Text: s}
	if len(r) == 1 && unicode.IsUpper(r[0]) {
		// A capital comes shifted; its Code is the lower-case key, as
		// the kitty protocol reports it, and String() is the text.
		k.Code, k.ShiftedCode, k.Mod = unicode.ToLower(r[0]), r[0], tea.ModShift
	}
	return k
}

// plain is text as the goldens keep it: the pinned colour profile is
// NoTTY, which drops every escape sequence (Lip Gloss v2 renders full
// colour and leaves downsampling to the writer).
func plain(s string) string {
	var b strings.Builder
	w := &colorprofile.Writer{Forward: &b, Profile: colorprofile.NoTTY}
	_, _ = io.WriteString(w, s)
	return b.String()
}

// viewOf is a model's screen as plain text.
func viewOf(m tea.Model) string { return plain(m.View().Content) }

// newTestDriver is a root model over the fake backend at w x h, with the
// lesson list loaded and no state file.
func newTestDriver(t testing.TB, lang string, w, h int, progress *Progress) *driver {
	t.Helper()
	m := New(&fakeBackend{lessons: sixLessons()}, Options{Lang: lang, ProgressPath: "-"})
	if progress != nil {
		m.progress = progress
		m.picker.progress = progress
	}
	d := newDriver(t, m)
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	d.run(m.Init(), 50*time.Millisecond)
	return d
}

func reflectTypeString(v any) string { return reflect.TypeOf(v).String() }
