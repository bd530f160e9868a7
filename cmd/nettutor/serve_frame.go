package main

import (
	"fmt"
	"io"
	"os"
	"sync"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"
	"github.com/nettutor/nettutor/serve"
	"github.com/nettutor/nettutor/tui"
	"github.com/nettutor/nettutor/tui/screen"
)

// pickerLessons is the picker's list in one language, made once for every
// member nettutor serve draws a first frame for: the lessons are parsed
// once in the server, not once per member.
var pickerLessons sync.Map // lang -> []tui.LessonInfo

func lessonsFor(lang string) ([]tui.LessonInfo, error) {
	if v, ok := pickerLessons.Load(lang); ok {
		return v.([]tui.LessonInfo), nil
	}
	ls, err := tui.NewLabBackend(nil).Lessons(lang)
	if err != nil {
		return nil, err
	}
	pickerLessons.Store(lang, ls)
	return ls, nil
}

// pickerFrame is the TUI's first frame for a member: the picker over the
// built-in lessons with the member's progress, as the member's own TUI
// draws it first (tui.Model, the same code and inputs: cmdTUI takes the
// screen over from it with handOver).
func pickerFrame(m *tui.Model, ls []tui.LessonInfo, w, h int) string {
	m.Preload(ls)
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m.Render()
}

// serveFirstFrame is serve.Config.FirstFrame: the member's picker, drawn
// on their terminal by the server while their TUI starts, in the colours
// the TUI's screen would use on it (the child's TERM, COLORTERM, NO_COLOR).
func serveFirstFrame(out io.Writer, f serve.Frame) ([]byte, error) {
	ls, err := lessonsFor(f.Lang)
	if err != nil {
		return nil, fmt.Errorf("the lesson list: %w", err)
	}
	m := tui.New(tui.NewLabBackend(nil), tui.Options{Lang: f.Lang, ProgressPath: f.Progress})
	view := pickerFrame(m, ls, f.Width, f.Height)
	w := &colorprofile.Writer{Forward: out, Profile: colorprofile.Detect(f.TTY, f.Env)}
	if _, err := w.Write(screen.FirstFrame(view, f.Width, f.Height)); err != nil {
		return nil, fmt.Errorf("draw the first frame: %w", err)
	}
	return []byte(screen.LeaveModes), nil
}

// handOver, in a member's TUI whose first frame nettutor serve drew
// (serve.EnvDrawn), gives the model its lessons and size before the
// program starts and tells the screen what the terminal shows, so the
// TUI's first frame changes nothing on it (or only what differs, say a
// presenter's banner). It does nothing in any other TUI.
func handOver(m *tui.Model, b tui.Backend, scr *screen.Screen, lang string) {
	drawn := os.Getenv(serve.EnvDrawn)
	os.Unsetenv(serve.EnvDrawn) // nothing the lab runs needs it
	if drawn == "" {
		return
	}
	w, h, err := term.GetSize(os.Stdout.Fd())
	if err != nil || w <= 0 || h <= 0 || drawn != fmt.Sprintf("%dx%d", w, h) {
		return // resized since: the terminal reflowed the frame, draw it all
	}
	ls, err := b.Lessons(lang)
	if err != nil {
		return // the program loads them and says what is wrong
	}
	scr.Assume(pickerFrame(m, ls, w, h), w, h)
}

// warmFirstFrame makes the picker's lessons in both languages and draws
// one frame nowhere, so the first member's frame costs what every other
// member's does (a few milliseconds) and not the lessons' parse.
func warmFirstFrame() {
	for _, lang := range []string{"en", "ko"} {
		if ls, err := lessonsFor(lang); err == nil {
			pickerFrame(tui.New(tui.NewLabBackend(nil), tui.Options{Lang: lang, ProgressPath: "-"}), ls, 80, 24)
		}
	}
}
