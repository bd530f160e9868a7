package tui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/muesli/termenv"
	"github.com/nettutor/nettutor/engine/reexec"
	"github.com/nettutor/nettutor/engine/sandbox"
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
	lipgloss.SetColorProfile(termenv.Ascii)
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
	t     *testing.T
	m     tea.Model
	out   chan tea.Msg
	quiet time.Duration // how long without messages ends a send
}

func newDriver(t *testing.T, m tea.Model) *driver {
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

func (d *driver) view() string { return d.m.View() }

func (d *driver) root() *Model { return d.m.(*Model) }

func keyMsg(s string) tea.KeyMsg {
	switch s {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "left":
		return tea.KeyMsg{Type: tea.KeyLeft}
	case "right":
		return tea.KeyMsg{Type: tea.KeyRight}
	case "home":
		return tea.KeyMsg{Type: tea.KeyHome}
	case "end":
		return tea.KeyMsg{Type: tea.KeyEnd}
	case "space":
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	case "pgdown":
		return tea.KeyMsg{Type: tea.KeyPgDown}
	case "pgup":
		return tea.KeyMsg{Type: tea.KeyPgUp}
	case "shift+tab":
		return tea.KeyMsg{Type: tea.KeyShiftTab}
	case "backspace":
		return tea.KeyMsg{Type: tea.KeyBackspace}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// newTestDriver is a root model over the fake backend at w x h, with the
// lesson list loaded and no state file.
func newTestDriver(t *testing.T, lang string, w, h int, progress *Progress) *driver {
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
