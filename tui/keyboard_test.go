package tui

import (
	"os"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/nettutor/nettutor/tui/screen"
)

// TestDisambiguatedKeys: once the Screen has asked for keyboard
// disambiguation, a terminal that honours it sends ctrl+c as a kitty CSI u
// sequence, or with modifyOtherKeys as CSI 27;5;99~; either quits the
// real program (the keymap sees the same key), and the terminal's answer
// to the flags query reaches the model as a message, not as keys.
func TestDisambiguatedKeys(t *testing.T) {
	for name, seq := range map[string]string{
		"kitty":           "\x1b[?1u\x1b[99;5u",
		"modifyOtherKeys": "\x1b[27;5;99~",
	} {
		t.Run(name, func(t *testing.T) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			defer w.Close()
			scr := screen.New(r, newFrameWriter())
			m := New(&fakeBackend{lessons: sixLessons()}, Options{Lang: "en", ProgressPath: "-", Terminal: scr})
			rec := flagsSeen{Model: m, got: new(atomic.Bool)}
			p := tea.NewProgram(scr.Wrap(rec), append(scr.Options(), tea.WithoutSignalHandler(), tea.WithWindowSize(100, 30))...)
			if err := scr.Start(p); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { _, err := p.Run(); done <- err }()
			if _, err := w.WriteString(seq); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("the program ended with %v", err)
				}
			case <-time.After(10 * time.Second):
				p.Kill()
				t.Fatalf("%q did not quit the program", seq)
			}
			scr.Stop()
			if answered := name == "kitty"; rec.got.Load() != answered {
				t.Errorf("a tea.KeyboardEnhancementsMsg came: %v, want %v", rec.got.Load(), answered)
			}
		})
	}
}

// flagsSeen notes whether the model got the terminal's keyboard flags.
type flagsSeen struct {
	*Model
	got *atomic.Bool
}

func (f flagsSeen) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(tea.KeyboardEnhancementsMsg); ok {
		f.got.Store(true)
	}
	_, cmd := f.Model.Update(msg)
	return f, cmd
}
