// Package screen is nettutor's terminal renderer, used with Bubble Tea v2
// and tea.WithoutRenderer.
//
// It was written for Bubble Tea v1, whose renderer woke 60 times a second
// for as long as the program ran (about 1% of a core in an idle lesson).
// Bubble Tea v2 (from v2.1.2) parks its ticker when nothing changes, so
// idle is no longer the reason; issue 23 measured v2.2.0's renderer
// against this one, back to back in one run with the real lesson model at
// 120x40, load 29-39 on 2 cores (tui: BenchmarkRenderIdle, BenchmarkRenderKey,
// BenchmarkRenderFlood):
//
//   - idle: both well under 0.1% of a core (v2 0.077%, Screen 0.056%);
//   - a key's frame: v2 draws on its next frame tick, realigned to the
//     ticker's old boundaries, so a key waits up to a frame period: 14.6 ms
//     mean and 28.5 ms at p99 at 60 fps (8.4 / 19 ms at 120 fps), against
//     the 16 ms target; a Screen writes a changed frame at once;
//   - a packet flood: the Screen drew more frames, lagged the newest
//     packet less and spent less CPU per frame than v2 at 60 or 120 fps.
//
// So the Screen stays until v2's renderer meets the key target: a frame
// that changed is written at once (or, in a burst of messages, at most one
// frame period after the last one), and an idle program makes no
// wake-ups at all. Its output goes through a colorprofile.Writer on a
// terminal, as v2's renderer downsamples Lip Gloss v2's full colour.
//
// A Screen owns what Bubble Tea's renderer owned: raw mode, the alternate
// screen, the cursor, mouse and bracketed-paste modes, keyboard
// disambiguation (modifyOtherKeys, the kitty keyboard protocol), and the
// window size
// (sent to the program as tea.WindowSizeMsg). The program runs with
// tea.WithoutRenderer and the model wrapped by Wrap; a command that needs
// the terminal (a lab shell) calls Release before and Restore after.
package screen

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"
)

// FramePeriod is the shortest time between two frames: a burst of
// messages (a packet flood) is drawn at most this often, as Bubble Tea's
// renderer does at 60 fps, while a single change is drawn at once.
const FramePeriod = time.Second / 60

// Terminal modes a Screen sets on Start and undoes on Stop.
const (
	enterModes = "\x1b[?1049h" + // alternate screen
		"\x1b[?25l" + // hide the cursor
		"\x1b[?1002h\x1b[?1006h" + // mouse cell motion, SGR encoding
		"\x1b[?2004h" // bracketed paste
	leaveModes = "\x1b[?2004l" +
		"\x1b[?1006l\x1b[?1002l" +
		"\x1b[?25h" +
		"\x1b[?1049l"
)

// Keyboard disambiguation, as Bubble Tea v2's renderer asks for it (its
// View.KeyboardEnhancements, basic disambiguation): xterm's
// modifyOtherKeys at level 2 (xterm, and tmux with extended-keys on) and
// the kitty keyboard protocol's flag 1, pushed on the alternate screen's
// own stack (the protocol keeps one per screen), so ctrl+i is not tab and
// esc is not the start of a sequence. A terminal that offers neither
// ignores both. keysOff resets modifyOtherKeys and pops what keysOn
// pushed, before the alternate screen is left; a Screen sets them only
// when the program reads keys from its input (as v2 does: with no input
// the answer to the query would be left for the shell to read).
// keysQuery asks the terminal which kitty flags it took; its answer
// reaches the program as a tea.KeyboardEnhancementsMsg.
const (
	keysOn    = ansi.SetModifyOtherKeys2 + "\x1b[>1u"  // ansi.PushKittyKeyboard(1)
	keysOff   = ansi.ResetModifyOtherKeys + "\x1b[<1u" // ansi.PopKittyKeyboard(1)
	keysQuery = ansi.RequestKittyKeyboard
)

// Screen draws a Bubble Tea model's view on a terminal.
type Screen struct {
	in   *os.File // the terminal read for keys (raw mode is set on it)
	out  io.Writer
	size io.Writer // the terminal as given to New: its size is asked of it

	mu      sync.Mutex
	width   int
	height  int
	last    []string // the view's lines on screen now, uncut; nil after a clear
	spare   []string // the slice of the frame before, reused by split
	buf     bytes.Buffer
	pending string // the newest view: drawn when its frame period comes, or by Restore
	waiting bool   // a timer is set to draw pending
	lastAt  time.Time
	held    bool // released to a command: draw nothing
	raw     *term.State
	queried bool // the terminal was asked for its keyboard flags (keysQuery)
	pushed  bool // keysOn is in force: keysOff is owed
	writes  int  // frames written, for tests
	// assumed is the frame the terminal shows before Start (Assume): the
	// first takeTerminal keeps it instead of clearing the screen.
	assumed []string

	prog    *tea.Program
	winch   chan os.Signal
	stopped chan struct{}
}

// New returns a Screen that reads keys from in and draws on out. in may be
// nil or not a terminal (then no raw mode is set); out is usually the same
// terminal.
//
// Lip Gloss v2 styles render full colour and leave downsampling to the
// writer: on a terminal, out is wrapped in a colorprofile.Writer for the
// profile the environment gives (NO_COLOR drops every colour), as Bubble
// Tea's renderer does. Any other writer gets the frame as drawn.
func New(in *os.File, out io.Writer) *Screen {
	size := out
	if f, ok := out.(*os.File); ok && term.IsTerminal(f.Fd()) {
		out = colorprofile.NewWriter(f, os.Environ())
	}
	return &Screen{in: in, out: out, size: size, stopped: make(chan struct{})}
}

// Options are the program options a Screen needs: no renderer of Bubble
// Tea's, and the Screen's input and output.
func (s *Screen) Options() []tea.ProgramOption {
	o := []tea.ProgramOption{tea.WithoutRenderer(), tea.WithOutput(s.out)}
	if s.in != nil {
		o = append(o, tea.WithInput(s.in))
	}
	return o
}

// Wrap returns m with its views drawn on s. Bubble Tea asks for the view
// after every message; the wrapper draws it and gives Bubble Tea nothing.
func (s *Screen) Wrap(m tea.Model) tea.Model { return &wrapped{m: m, s: s} }

type wrapped struct {
	m tea.Model
	s *Screen
}

func (w *wrapped) Init() tea.Cmd { return w.m.Init() }

func (w *wrapped) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if sz, ok := msg.(tea.WindowSizeMsg); ok {
		if sz.Width <= 0 || sz.Height <= 0 {
			// Bubble Tea v2 without its renderer sends the size it knows
			// when it starts: 0x0, as it does not ask the terminal. The
			// Screen's own size (Start, SIGWINCH) is the one that holds.
			return w, nil
		}
		w.s.resize(sz.Width, sz.Height)
	}
	m, cmd := w.m.Update(msg)
	w.m = m
	return w, cmd
}

func (w *wrapped) View() tea.View {
	w.s.Frame(w.m.View().Content)
	return tea.View{}
}

// Model returns the model a wrapper holds (for the final model of Run).
func Model(m tea.Model) tea.Model {
	if w, ok := m.(*wrapped); ok {
		return w.m
	}
	return m
}

// Start puts the terminal in raw mode and the screen's modes, and sends
// the program its window size now and on every SIGWINCH.
func (s *Screen) Start(p *tea.Program) error {
	s.prog = p
	if err := s.takeTerminal(); err != nil {
		return err
	}
	s.winch = make(chan os.Signal, 1)
	signal.Notify(s.winch, syscall.SIGWINCH)
	go s.watchSize()
	s.sendSize()
	return nil
}

// Stop gives the terminal back as it was before Start.
func (s *Screen) Stop() {
	s.mu.Lock()
	select {
	case <-s.stopped:
		s.mu.Unlock()
		return
	default:
	}
	close(s.stopped)
	s.held = true
	s.mu.Unlock()
	if s.winch != nil {
		signal.Stop(s.winch)
	}
	s.giveTerminal()
}

// Release gives the terminal to a command (a lab shell) in its normal
// mode: no raw mode, the main screen, a visible cursor. Frames are held
// until Restore.
func (s *Screen) Release() error {
	s.mu.Lock()
	s.held = true
	s.mu.Unlock()
	s.giveTerminal()
	return nil
}

// Restore takes the terminal back after Release and repaints the whole
// frame (the command drew over it), with the size it may have changed to.
func (s *Screen) Restore() error {
	if err := s.takeTerminal(); err != nil {
		return err
	}
	s.mu.Lock()
	s.held = false
	s.last = nil
	if s.pending != "" {
		s.draw(s.pending)
	}
	s.mu.Unlock()
	s.sendSize()
	return nil
}

func (s *Screen) takeTerminal() error {
	if s.in != nil && term.IsTerminal(s.in.Fd()) {
		st, err := term.MakeRaw(s.in.Fd())
		if err != nil {
			return fmt.Errorf("terminal raw mode: %w", err)
		}
		s.mu.Lock()
		s.raw = st
		s.mu.Unlock()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	modes := enterModes
	if s.in != nil {
		modes += keysOn
		s.pushed = true
		if !s.queried {
			s.queried = true
			modes += keysQuery
		}
	}
	if s.assumed != nil {
		s.last, s.assumed = s.assumed, nil
		_, err := io.WriteString(s.out, modes)
		return err
	}
	s.last = nil
	_, err := io.WriteString(s.out, modes+"\x1b[H\x1b[2J")
	return err
}

func (s *Screen) giveTerminal() {
	s.mu.Lock()
	raw := s.raw
	s.raw = nil
	modes := leaveModes
	if s.pushed {
		// Popped once: a Stop after a Release must not pop an entry
		// another program pushed.
		modes = keysOff + leaveModes
		s.pushed = false
	}
	_, _ = io.WriteString(s.out, modes)
	s.mu.Unlock()
	if raw != nil {
		_ = term.Restore(s.in.Fd(), raw)
	}
}

func (s *Screen) watchSize() {
	for {
		select {
		case <-s.stopped:
			return
		case <-s.winch:
			s.sendSize()
		}
	}
}

// sendSize sends the terminal's size to the program, which hands it to
// the model and, through Update, to the Screen.
func (s *Screen) sendSize() {
	f, ok := s.size.(*os.File)
	if !ok || s.prog == nil {
		return
	}
	w, h, err := term.GetSize(f.Fd())
	if err != nil {
		return
	}
	go s.prog.Send(tea.WindowSizeMsg{Width: w, Height: h})
}

func (s *Screen) resize(w, h int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if w != s.width || h != s.height {
		s.width, s.height = w, h
		s.last = nil // the terminal reflowed what was there: draw it all
	}
}

// Frame draws view, now if the last frame is a frame period old, else
// when it is; a newer view replaces a waiting one.
func (s *Screen) Frame(view string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held {
		s.pending = view // drawn by Restore
		return
	}
	s.pending = view
	if wait := FramePeriod - time.Since(s.lastAt); wait > 0 {
		if !s.waiting {
			s.waiting = true
			time.AfterFunc(wait, s.flushPending)
		}
		return
	}
	s.draw(view)
}

func (s *Screen) flushPending() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waiting = false
	if s.held {
		return
	}
	s.draw(s.pending)
}

// draw writes the lines of view that differ from the screen. Called with
// s.mu held.
//
// A line is compared as the view gave it, before it is cut to the width
// (a resize clears s.last), so an unchanged line costs a string compare
// and a changed one is measured once. The frame is built in a buffer kept
// from frame to frame.
func (s *Screen) draw(view string) {
	lines := s.split(view)
	b := &s.buf
	b.Reset()
	full := s.last == nil
	if full {
		b.WriteString("\x1b[H\x1b[2J")
	}
	for i, l := range lines {
		if !full && i < len(s.last) && s.last[i] == l {
			continue
		}
		b.WriteString("\x1b[")
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteString(";1H")
		w := Width(l)
		if s.width > 0 && w > s.width {
			// A wrapped line would shift every line below it.
			cut := ansi.Truncate(l, s.width, "")
			b.WriteString(cut)
			w = Width(cut)
		} else {
			b.WriteString(l)
		}
		if s.width <= 0 || w < s.width {
			// Erase what the old line left. A line as wide as the
			// screen needs none, and an erase after it would clear the
			// last cell.
			b.WriteString("\x1b[K")
		}
	}
	if !full && len(s.last) > len(lines) {
		fmt.Fprintf(b, "\x1b[%d;1H\x1b[J", len(lines)+1)
	}
	// The lines are the view's own substrings: keep them, swap the
	// slices so the next split reuses the old one.
	s.last, s.spare = lines, s.last
	s.lastAt = time.Now()
	if b.Len() == 0 {
		return // the same frame: nothing to write
	}
	s.writes++
	_, _ = s.out.Write(b.Bytes())
}

// split is the view's lines a height-line screen shows (the last ones, as
// Bubble Tea's renderer keeps them), in a slice reused from frame to
// frame.
func (s *Screen) split(view string) []string {
	lines := s.spare[:0]
	for {
		i := strings.IndexByte(view, '\n')
		if i < 0 {
			lines = append(lines, view)
			break
		}
		lines = append(lines, view[:i])
		view = view[i+1:]
	}
	if s.height > 0 && len(lines) > s.height {
		lines = lines[len(lines)-s.height:]
	}
	return lines
}

// Writes is the number of frames the Screen wrote to its output.
func (s *Screen) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

// Lines splits a view into the lines a width x height screen shows: each
// cut to width (a wrapped line would shift every line below it), and only
// the last height lines (as Bubble Tea's renderer keeps them). A zero
// width or height means unknown: nothing is cut.
func Lines(view string, width, height int) []string {
	lines := strings.Split(view, "\n")
	if height > 0 && len(lines) > height {
		lines = lines[len(lines)-height:]
	}
	if width > 0 {
		for i, l := range lines {
			if Width(l) > width {
				lines[i] = ansi.Truncate(l, width, "")
			}
		}
	}
	return lines
}
