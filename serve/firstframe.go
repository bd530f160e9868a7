package serve

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// EnvDrawn, in a member's TUI's environment, says that the server drew
// the TUI's first frame on the terminal already (Config.FirstFrame), at
// the size it holds (WIDTHxHEIGHT): the TUI takes the screen over without
// clearing it, if the terminal still has that size (a window changed
// meanwhile has reflowed the frame: then the TUI draws it all again).
const EnvDrawn = "NETTUTOR_SERVE_DRAWN"

// EnvPreflightShown, set to 1 in a member's TUI's environment, says that
// the server showed the machine's preflight line (Config.StartLine), worked
// out once for every member: the TUI does not work it out again.
const EnvPreflightShown = "NETTUTOR_SERVE_PREFLIGHT"

// Frame is what Config.FirstFrame draws for: one member's terminal.
type Frame struct {
	// TTY is the session's terminal (the PTY the TUI gets): what kind of
	// terminal it is decides the colours, as for the TUI. The frame is
	// written to the writer FirstFrame is given, not to it.
	TTY *os.File
	// Lang is the session's language; Progress the member's progress file.
	Lang, Progress string
	// Width and Height are the terminal's size in cells.
	Width, Height int
	// Env is the environment the member's TUI gets (TERM, COLORTERM,
	// NO_COLOR decide its colours).
	Env []string
}

// inputGate holds a session's input (keys, pastes) back while the
// member's TUI starts. Before the TUI has put the terminal in raw mode,
// the PTY would echo a key onto the frame the server drew and keep it
// for a line; held in the SSH channel instead, the keys reach the TUI in
// order once it reads them. The channel's window bounds what a client can
// send meanwhile.
type inputGate struct {
	once sync.Once
	ch   chan struct{}
}

func newInputGate() *inputGate { return &inputGate{ch: make(chan struct{})} }

// open lets the input through, for good.
func (g *inputGate) open() { g.once.Do(func() { close(g.ch) }) }

// wait blocks until the gate is open.
func (g *inputGate) wait() { <-g.ch }

// isOpen says whether input passes now.
func (g *inputGate) isOpen() bool {
	select {
	case <-g.ch:
		return true
	default:
		return false
	}
}

// drawFirstFrame writes the start line and the member's first frame to
// the client (the terminal of tty) before the TUI starts, and returns the environment that tells the
// TUI so, how long drawing took (0: nothing was drawn) and what gives the
// terminal back if the TUI never takes it. Nothing is drawn without
// Config.FirstFrame (then the TUI draws its own, as before).
func (s *Server) drawFirstFrame(sp childSpec, tty *os.File, progress string, env []string) ([]string, time.Duration, []byte) {
	if s.cfg.StartLine != nil {
		if line := s.cfg.StartLine(sp.lang); line != "" {
			_, _ = io.WriteString(sp.out(), line+"\r\n")
		}
		env = append(env, EnvPreflightShown+"=1")
	}
	if s.cfg.FirstFrame == nil || sp.width <= 0 || sp.height <= 0 {
		return env, 0, nil
	}
	t0 := time.Now()
	undo, err := s.cfg.FirstFrame(sp.out(), Frame{TTY: tty, Lang: sp.lang, Progress: progress, Width: sp.width, Height: sp.height, Env: env})
	if err != nil {
		s.log.Warn("first frame", "member", sp.who.Name, "err", err)
		return env, 0, nil
	}
	return append(env, fmt.Sprintf("%s=%dx%d", EnvDrawn, sp.width, sp.height)), max(time.Since(t0), 1), undo
}
