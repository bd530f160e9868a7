package tui

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// fakeTerminal records what a lab shell asks of the screen.
type fakeTerminal struct{ calls []string }

func (f *fakeTerminal) Release() error { f.calls = append(f.calls, "release"); return nil }
func (f *fakeTerminal) Restore() error { f.calls = append(f.calls, "restore"); return nil }

// TestShellBorrowsTheScreen: a lab shell releases the screen before it
// runs and restores it after, also when the shell fails, so the TUI's
// own renderer (tui/screen) never draws over a shell.
func TestShellBorrowsTheScreen(t *testing.T) {
	for _, c := range []struct {
		cmd     string
		wantErr bool
	}{{"true", false}, {"false", true}} {
		f := &fakeTerminal{}
		var out bytes.Buffer
		s := &shellExec{cmd: exec.Command(c.cmd), banner: "banner", term: f}
		s.SetStdout(&out)
		err := s.Run()
		if (err != nil) != c.wantErr {
			t.Errorf("%s: err = %v", c.cmd, err)
		}
		if got := strings.Join(f.calls, ","); got != "release,restore" {
			t.Errorf("%s: calls = %s, want release,restore", c.cmd, got)
		}
		if !strings.Contains(out.String(), "banner") {
			t.Errorf("%s: no banner in %q", c.cmd, out.String())
		}
	}
}
