package tui

import (
	"io"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/nettutor/nettutor/tui/screen"
)

// The renderer benchmarks run the real root model, a veth lesson open at
// 120x40 after its four steps, in a Bubble Tea program drawing either
// with Bubble Tea v2's renderer ("bubbletea", "bubbletea120" at 120
// frames a second) or through tui/screen with tea.WithoutRenderer
// ("screen"). They are the figures issue 23 asks for
// before tui/screen may go. testdata/render_bench_v1_test.go.txt is the
// same file for Bubble Tea v1 (View() string, tea.KeyMsg, WithAltScreen),
// measured in a worktree of main whose test driver takes a testing.TB.

// renderKinds are the renderers measured: Bubble Tea v2's at its default
// 60 frames a second and at its most, 120; tui/screen.
var renderKinds = []string{"bubbletea", "bubbletea120", "screen"}

// renderCPU is the process's CPU time so far (user and system).
func renderCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// frameWriter is the terminal: it counts frames (non-empty writes) and,
// for the flood, how long the newest packet had waited for the screen.
type frameWriter struct {
	mu     sync.Mutex
	frames int
	last   time.Time
	wrote  chan struct{} // signalled on every write
	// flood bookkeeping: the seq of the newest packet in the last view,
	// the send time of every packet, and the staleness at each frame.
	shown *atomic.Int64
	sent  []atomic.Int64 // unix nanos, by seq; 0 = not sent yet
	stale []time.Duration
}

func newFrameWriter() *frameWriter { return &frameWriter{wrote: make(chan struct{}, 1)} }

func (w *frameWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	now := time.Now()
	w.mu.Lock()
	w.frames++
	w.last = now
	if w.shown != nil {
		// The oldest packet not yet on screen: how long it has waited.
		next := int(w.shown.Load()) + 1
		if next < len(w.sent) {
			if t := w.sent[next].Load(); t != 0 {
				w.stale = append(w.stale, now.Sub(time.Unix(0, t)))
			}
		}
	}
	w.mu.Unlock()
	select {
	case w.wrote <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (w *frameWriter) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.frames
}

// seqModel wraps the root model: it notes the newest packet an Update
// took and, when the view is drawn, that this packet is in it.
type seqModel struct {
	*Model
	updated, shown *atomic.Int64
}

func (s seqModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if pm, ok := msg.(packetsMsg); ok && len(pm.pkts) > 0 {
		s.updated.Store(int64(pm.pkts[len(pm.pkts)-1].Seq))
	}
	_, cmd := s.Model.Update(msg)
	return s, cmd
}

func (s seqModel) View() tea.View {
	s.shown.Store(s.updated.Load())
	return s.Model.View()
}

// renderProgram starts the lesson in a program of the given kind, drawing
// on w; stop ends it.
func renderProgram(b *testing.B, kind string, w io.Writer) (p *tea.Program, m seqModel, stop func()) {
	b.Helper()
	d := openLesson(b, "en", "veth", 120, 40, 4)
	m = seqModel{Model: d.root(), updated: new(atomic.Int64), shown: new(atomic.Int64)}
	inR, inW, err := os.Pipe() // keys that never come
	if err != nil {
		b.Fatal(err)
	}
	opts := []tea.ProgramOption{tea.WithInput(inR), tea.WithoutSignalHandler(), tea.WithWindowSize(120, 40)}
	var model tea.Model = m
	if kind == "screen" {
		s := screen.New(nil, w)
		model = s.Wrap(m)
		opts = append(opts, s.Options()...)
	} else {
		opts = append(opts, tea.WithOutput(w))
	}
	if kind == "bubbletea120" {
		opts = append(opts, tea.WithFPS(120))
	}
	p = tea.NewProgram(model, opts...)
	done := make(chan struct{})
	go func() { _, _ = p.Run(); close(done) }()
	p.Send(tea.WindowSizeMsg{Width: 120, Height: 40})
	time.Sleep(300 * time.Millisecond) // started and drawn
	return p, m, func() {
		p.Quit()
		<-done
		_ = inW.Close()
		_ = inR.Close()
	}
}

// BenchmarkRenderIdle is the CPU a program idle with a lesson open at
// 120x40 costs: one iteration is one idle second, the metric CPU
// milliseconds per idle second (0.1% of a core is 1 cpu-ms/s).
func BenchmarkRenderIdle(b *testing.B) {
	for _, kind := range renderKinds {
		b.Run(kind, func(b *testing.B) {
			w := newFrameWriter()
			_, _, stop := renderProgram(b, kind, w)
			defer stop()
			before, frames := renderCPU(), w.count()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				time.Sleep(time.Second)
			}
			b.StopTimer()
			b.ReportMetric(float64((renderCPU()-before).Microseconds())/1000/float64(b.N), "cpu-ms/s")
			b.ReportMetric(float64(w.count()-frames)/float64(b.N), "frames/s")
		})
	}
}

// BenchmarkRenderKey is the time from a key (tab: the focus moves, the
// pane borders change) to its frame on the terminal, with the lesson
// open at 120x40. Keys come 100 ms apart, as a learner types.
func BenchmarkRenderKey(b *testing.B) {
	for _, kind := range renderKinds {
		b.Run(kind, func(b *testing.B) {
			w := newFrameWriter()
			p, _, stop := renderProgram(b, kind, w)
			defer stop()
			var lat []time.Duration
			for i := 0; i < b.N; i++ {
				time.Sleep(100 * time.Millisecond)
				select { // drop a stale signal
				case <-w.wrote:
				default:
				}
				start := time.Now()
				p.Send(tea.KeyPressMsg{Code: tea.KeyTab})
				select {
				case <-w.wrote:
				case <-time.After(5 * time.Second):
					b.Fatalf("key %d drew no frame", i)
				}
				lat = append(lat, time.Since(start))
			}
			b.ReportMetric(float64(mean(lat).Microseconds())/1000, "ms/key")
			b.ReportMetric(float64(pct(lat, 99).Microseconds())/1000, "p99-ms/key")
			b.ReportMetric(float64(pct(lat, 100).Microseconds())/1000, "max-ms/key")
		})
	}
}

// BenchmarkRenderFlood sends a packet flood at the lesson open at 120x40:
// 20 packets every millisecond (20 000 a second) for one second per
// iteration, through the capture's own batching (waitSession). Metrics:
// frames drawn per second, CPU per frame (the whole process: batching,
// Update, View and the renderer), and how long the oldest packet not yet
// on screen had waited when a frame was written (mean, p99, max).
func BenchmarkRenderFlood(b *testing.B) {
	for _, kind := range renderKinds {
		b.Run(kind, func(b *testing.B) {
			const perMs, secs = 20, 1
			total := b.N * secs * 1000 * perMs
			w := newFrameWriter()
			p, m, stop := renderProgram(b, kind, w)
			defer stop()
			w.mu.Lock()
			w.shown = m.shown
			w.mu.Unlock()
			base := fakePackets()[2]
			seq0 := 1 << 20 // above the lesson's own packets
			m.updated.Store(int64(seq0))
			m.shown.Store(int64(seq0))
			ch := make(chan Packet, total+1)
			gen := m.lesson.pgen
			// The first message carries the stream; the model waits on
			// it from then on, as on a real capture.
			p.Send(packetsMsg{gen: gen, ch: ch})
			time.Sleep(50 * time.Millisecond)
			sent := make([]atomic.Int64, seq0+total+2)
			w.mu.Lock()
			w.stale, w.sent = nil, sent
			w.mu.Unlock()
			frames0, cpu0, start := w.count(), renderCPU(), time.Now()
			b.ResetTimer()
			tick := time.NewTicker(time.Millisecond)
			seq := seq0
			for seq < seq0+total {
				<-tick.C
				now := time.Now().UnixNano()
				for j := 0; j < perMs && seq < seq0+total; j++ {
					seq++
					pk := base
					pk.Seq = seq
					sent[seq].Store(now)
					ch <- pk
				}
			}
			tick.Stop()
			// The last packet on screen.
			deadline := time.Now().Add(5 * time.Second)
			for m.shown.Load() < int64(seq) && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			time.Sleep(40 * time.Millisecond) // its frame written
			b.StopTimer()
			elapsed, cpu, frames := time.Since(start), renderCPU()-cpu0, w.count()-frames0
			w.mu.Lock()
			stale := append([]time.Duration(nil), w.stale...)
			w.mu.Unlock()
			if frames == 0 {
				b.Fatal("the flood drew no frame")
			}
			b.ReportMetric(float64(frames)/elapsed.Seconds(), "frames/s")
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(frames), "cpu-ms/frame")
			b.ReportMetric(float64(mean(stale).Microseconds())/1000, "lag-ms")
			b.ReportMetric(float64(pct(stale, 99).Microseconds())/1000, "p99-lag-ms")
			b.ReportMetric(float64(pct(stale, 100).Microseconds())/1000, "max-lag-ms")
		})
	}
}

func mean(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t / time.Duration(len(ds))
}

// pct is the p-th percentile of ds (100: the largest).
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, len(s)*p/100)]
}
