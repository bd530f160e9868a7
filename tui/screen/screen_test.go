package screen

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/vt"
)

// syncBuf is a bytes.Buffer safe for the Screen's timer goroutine.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) take() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.b.String()
	s.b.Reset()
	return out
}

func TestLines(t *testing.T) {
	cases := []struct {
		view          string
		width, height int
		want          []string
	}{
		{"a\nb\nc", 0, 0, []string{"a", "b", "c"}},
		{"a\nb\nc", 0, 2, []string{"b", "c"}},                         // the top goes, as Bubble Tea's renderer does
		{"abcdef\nxy", 4, 0, []string{"abcd", "xy"}},                  // cut to the width
		{"\x1b[1mabcdef\x1b[0m", 3, 0, []string{"\x1b[1mabc\x1b[0m"}}, // styles kept
		{"한국어", 4, 0, []string{"한국"}},                                 // double-width runes
	}
	for _, c := range cases {
		got := Lines(c.view, c.width, c.height)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("Lines(%q, %d, %d) = %q, want %q", c.view, c.width, c.height, got, c.want)
		}
	}
}

// TestDrawWritesOnlyChanges: the first frame clears and draws every line;
// the same frame again writes nothing; a frame with one line changed
// writes that line alone; a shorter frame clears what is below it.
func TestDrawWritesOnlyChanges(t *testing.T) {
	var out syncBuf
	s := New(nil, &out)
	s.resize(20, 5)
	s.mu.Lock()
	s.draw("one\ntwo\nthree")
	first := out.take()
	s.draw("one\ntwo\nthree")
	same := out.take()
	s.draw("one\nTWO\nthree")
	changed := out.take()
	s.draw("one")
	shorter := out.take()
	s.mu.Unlock()

	if !strings.HasPrefix(first, "\x1b[H\x1b[2J") || !strings.Contains(first, "three") {
		t.Errorf("first frame = %q, want a clear and every line", first)
	}
	if same != "" {
		t.Errorf("an unchanged frame wrote %q", same)
	}
	if changed != "\x1b[2;1HTWO\x1b[K" {
		t.Errorf("one changed line wrote %q, want only line 2", changed)
	}
	if shorter != "\x1b[2;1H\x1b[J" {
		t.Errorf("a shorter frame wrote %q, want the rest cleared", shorter)
	}
	if s.Writes() != 3 {
		t.Errorf("Writes() = %d, want 3 (the unchanged frame is not written)", s.Writes())
	}
}

// TestFullWidthLineNoErase: an erase after a line as wide as the screen
// would clear its last cell.
func TestFullWidthLineNoErase(t *testing.T) {
	var out syncBuf
	s := New(nil, &out)
	s.resize(3, 2)
	s.mu.Lock()
	s.draw("abc\nd")
	s.mu.Unlock()
	got := out.take()
	if strings.Contains(got, "abc\x1b[K") || !strings.Contains(got, "d\x1b[K") {
		t.Errorf("frame = %q: want no erase after the full line, one after the short", got)
	}
}

// TestBurstCoalesces: a burst of views (a packet flood) is drawn as a few
// frames, not one per view, and the newest view is what ends on screen.
func TestBurstCoalesces(t *testing.T) {
	var out syncBuf
	s := New(nil, &out)
	s.resize(20, 3)
	for i := 0; i < 200; i++ {
		s.Frame(fmt.Sprintf("packet %d", i))
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.mu.Lock()
		done := len(s.last) == 1 && s.last[0] == "packet 199"
		s.mu.Unlock()
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the newest view never reached the screen: %q", s.last)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := s.Writes(); n > 20 {
		t.Errorf("200 views in a burst wrote %d frames, want them coalesced", n)
	}
}

// TestReleaseHoldsFrames: while a command has the terminal nothing is
// drawn; Restore repaints the newest view whole.
func TestReleaseHoldsFrames(t *testing.T) {
	var out syncBuf
	s := New(nil, &out)
	s.resize(20, 3)
	s.Frame("before")
	if err := s.Release(); err != nil {
		t.Fatal(err)
	}
	if got := out.take(); !strings.HasSuffix(got, leaveModes) {
		t.Errorf("Release wrote %q, want the terminal's modes undone", got)
	}
	s.Frame("during the shell")
	time.Sleep(3 * FramePeriod)
	if got := out.take(); got != "" {
		t.Errorf("a held screen wrote %q", got)
	}
	if err := s.Restore(); err != nil {
		t.Fatal(err)
	}
	got := out.take()
	if !strings.HasPrefix(got, enterModes) || !strings.Contains(got, "during the shell") {
		t.Errorf("Restore wrote %q, want the modes and a full repaint of the newest view", got)
	}
}

// idleModel draws once and then waits for nothing, as a lesson does when
// the learner reads it.
type idleModel struct{}

func (idleModel) Init() tea.Cmd                       { return nil }
func (idleModel) Update(tea.Msg) (tea.Model, tea.Cmd) { return idleModel{}, nil }
func (idleModel) View() tea.View {
	v := tea.NewView(strings.Repeat(strings.Repeat("x", 119)+"\n", 39))
	v.AltScreen = true
	return v
}

// TestIdleProgramWritesNothing runs a real Bubble Tea program through a
// Screen: after its first frame, an idle program writes nothing more.
func TestIdleProgramWritesNothing(t *testing.T) {
	var out syncBuf
	s := New(nil, &out)
	inR, inW, err := os.Pipe() // keys that never come
	if err != nil {
		t.Fatal(err)
	}
	defer inW.Close()
	p := tea.NewProgram(s.Wrap(idleModel{}), tea.WithoutRenderer(), tea.WithInput(inR), tea.WithOutput(&out), tea.WithoutSignalHandler())
	done := make(chan struct{})
	go func() { _, _ = p.Run(); close(done) }()
	p.Send(tea.WindowSizeMsg{Width: 120, Height: 40})
	deadline := time.Now().Add(5 * time.Second)
	for s.Writes() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(3 * FramePeriod) // a frame still waiting for its period lands
	n := s.Writes()
	if n == 0 {
		t.Fatal("the program drew no frame")
	}
	time.Sleep(300 * time.Millisecond)
	if m := s.Writes(); m != n {
		t.Errorf("an idle program wrote %d more frames", m-n)
	}
	p.Quit()
	<-done
}

// TestZeroSizeIgnored: Bubble Tea v2 without its renderer sends a 0x0
// window size when it starts, which may come after the Screen's own; the
// model keeps the real size and the frame stays on screen.
func TestZeroSizeIgnored(t *testing.T) {
	var out syncBuf
	s := New(nil, &out)
	m := s.Wrap(sizeModel{})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 40, Height: 5})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 0, Height: 0})
	m.View()
	time.Sleep(3 * FramePeriod)
	if got := Model(m).(sizeModel); got.w != 40 || got.h != 5 {
		t.Errorf("model size %dx%d after a 0x0 message, want 40x5", got.w, got.h)
	}
	if o := out.take(); !strings.Contains(o, "size 40x5") {
		t.Errorf("the screen does not show the frame: %q", o)
	}
}

// sizeModel shows the size it was given.
type sizeModel struct{ w, h int }

func (m sizeModel) Init() tea.Cmd { return nil }
func (m sizeModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if sz, ok := msg.(tea.WindowSizeMsg); ok {
		m.w, m.h = sz.Width, sz.Height
	}
	return m, nil
}
func (m sizeModel) View() tea.View { return tea.NewView(fmt.Sprintf("size %dx%d", m.w, m.h)) }

// BenchmarkIdleCPU measures the CPU time a program idle in one 120x40
// frame costs per second of wall time: with Bubble Tea v1's renderer and
// with a Screen. One iteration is one idle second; the metric is
// CPU milliseconds per idle second.
func BenchmarkIdleCPU(b *testing.B) {
	for _, c := range []struct {
		name string
		opts func() ([]tea.ProgramOption, tea.Model)
	}{
		{"bubbletea", func() ([]tea.ProgramOption, tea.Model) {
			return []tea.ProgramOption{tea.WithOutput(io.Discard), tea.WithWindowSize(120, 40)}, idleModel{}
		}},
		{"screen", func() ([]tea.ProgramOption, tea.Model) {
			s := New(nil, io.Discard)
			s.resize(120, 40)
			return []tea.ProgramOption{tea.WithoutRenderer(), tea.WithOutput(io.Discard)}, s.Wrap(idleModel{})
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			opts, m := c.opts()
			inR, inW, err := os.Pipe()
			if err != nil {
				b.Fatal(err)
			}
			defer inW.Close()
			p := tea.NewProgram(m, append(opts, tea.WithInput(inR), tea.WithoutSignalHandler())...)
			done := make(chan struct{})
			go func() { _, _ = p.Run(); close(done) }()
			time.Sleep(200 * time.Millisecond) // started and drawn
			before := cpuTime()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				time.Sleep(time.Second)
			}
			b.StopTimer()
			used := cpuTime() - before
			b.ReportMetric(float64(used.Microseconds())/1000/float64(b.N), "cpu-ms/s")
			p.Quit()
			<-done
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// counterModel shows the number of the last message it got.
type counterModel struct{ n int }

type bump int

func (m counterModel) Init() tea.Cmd { return nil }
func (m counterModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if b, ok := msg.(bump); ok {
		m.n = int(b)
	}
	return m, nil
}
func (m counterModel) View() tea.View { return tea.NewView(fmt.Sprintf("frame %08d\n", m.n)) }

// watchWriter signals when the screen shows the frame a test waits for.
// The writes go to a terminal emulator (x/vt): Bubble Tea v2 writes only
// the cells that changed, so "frame 00000002" after "frame 00000001" is
// one digit on the wire.
type watchWriter struct {
	mu   sync.Mutex
	emu  *vt.Emulator
	want string
	seen chan struct{}
}

func newWatchWriter() *watchWriter {
	w := &watchWriter{emu: vt.NewEmulator(80, 24)}
	go func() { _, _ = io.Copy(io.Discard, w.emu) }() // its answers to queries
	return w
}

func (w *watchWriter) expect(s string) chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.want, w.seen = s, make(chan struct{})
	return w.seen
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, _ = w.emu.Write(p)
	if w.seen != nil && strings.Contains(w.emu.String(), w.want) {
		close(w.seen)
		w.seen = nil
	}
	return len(p), nil
}

// BenchmarkFrameLatency measures the time from a message to its frame on
// the terminal: Bubble Tea v1's renderer writes it at its next 60 fps
// tick, a Screen at once (when the last frame is a frame period old, as
// between a learner's key presses; the benchmark waits that long between
// messages, outside the timer).
func BenchmarkFrameLatency(b *testing.B) {
	for _, name := range []string{"bubbletea", "screen"} {
		b.Run(name, func(b *testing.B) {
			w := newWatchWriter()
			var p *tea.Program
			inR, inW, err := os.Pipe()
			if err != nil {
				b.Fatal(err)
			}
			defer inW.Close()
			if name == "screen" {
				s := New(nil, w)
				s.resize(80, 24)
				p = tea.NewProgram(s.Wrap(counterModel{}), tea.WithoutRenderer(), tea.WithOutput(w), tea.WithInput(inR), tea.WithoutSignalHandler())
			} else {
				p = tea.NewProgram(counterModel{}, tea.WithOutput(w), tea.WithInput(inR), tea.WithoutSignalHandler(), tea.WithWindowSize(80, 24))
			}
			done := make(chan struct{})
			go func() { _, _ = p.Run(); close(done) }()
			time.Sleep(100 * time.Millisecond)
			var total time.Duration
			for i := 1; i <= b.N; i++ {
				time.Sleep(2 * FramePeriod)
				seen := w.expect(fmt.Sprintf("frame %08d", i))
				start := time.Now()
				p.Send(bump(i))
				select {
				case <-seen:
				case <-time.After(5 * time.Second):
					b.Fatalf("frame %d never written", i)
				}
				total += time.Since(start)
			}
			b.ReportMetric(float64(total.Microseconds())/float64(b.N), "µs/frame")
			p.Quit()
			<-done
		})
	}
}
