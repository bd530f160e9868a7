package tui

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/nettutor/nettutor/serve/link"
	"github.com/nettutor/nettutor/tui/screen"
)

// probeModel wraps the root model for BenchmarkServeStep: it counts the
// views asked for and keeps the newest one's text, so the benchmark can
// wait for what is on screen as the serve benchmark's client does.
type probeModel struct {
	*Model
	views *atomic.Int64
	mu    *sync.Mutex
	last  *string
	msgs  map[string]int // messages by type, under mu
	// viewTime is the time View took after each type of message, and
	// lastMsg the message before the view (under mu).
	viewTime map[string]time.Duration
	lastMsg  *string
}

func (p probeModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	p.mu.Lock()
	p.msgs[fmt.Sprintf("%T", msg)]++
	*p.lastMsg = fmt.Sprintf("%T", msg)
	p.mu.Unlock()
	_, cmd := p.Model.Update(msg)
	return p, cmd
}

func (p probeModel) View() tea.View {
	t0 := time.Now()
	v := p.Model.View()
	d := time.Since(t0)
	p.views.Add(1)
	p.mu.Lock()
	p.viewTime[*p.lastMsg] += d
	*p.last = v.Content
	p.mu.Unlock()
	return v
}

func (p probeModel) text() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return *p.last
}

// byteCounter is the terminal: frames (writes) and bytes written.
type byteCounter struct{ writes, bytes atomic.Int64 }

func (c *byteCounter) Write(b []byte) (int, error) {
	if len(b) > 0 {
		c.writes.Add(1)
		c.bytes.Add(int64(len(b)))
	}
	return len(b), nil
}

// BenchmarkServeStep is a served member's TUI process while stepping
// through veth, as BenchmarkServeSessions (test/) drives it over SSH but
// in one process, so that -cpuprofile says where its CPU goes (issue 25:
// "tui(sandbox)" was about 37 CPU ms a step, three times what the step's
// programs cost). The real root model over a real LabBackend with one
// spare built when the CPU is idle (link.EnvSpareWhenIdle, as under
// serve), drawn by tui/screen at 120x40 on a counting writer. Each step:
// `n` and enter until "step i done" is in the view, ":" and enter (the
// serve benchmark's redraw-only keys), then a think time while the
// learner reads (NETTUTOR_BENCH_THINK, default 1s). Metrics per step: the process's CPU
// (the TUI's own work and the lab's in-process work), views rendered,
// frames written and bytes written.
//
//	go test ./tui -run '^$' -bench ServeStep -benchtime 1x -cpuprofile /tmp/step.prof
func BenchmarkServeStep(b *testing.B) {
	if !labOK {
		b.Skip("no lab sandbox here")
	}
	think := time.Second
	if v, err := time.ParseDuration(os.Getenv("NETTUTOR_BENCH_THINK")); err == nil {
		think = v
	}
	b.Setenv(link.EnvSpareWhenIdle, "1")
	var cpu time.Duration
	var views, writes, bytes int64
	steps := 0
	b.StopTimer()
	for it := 0; it < b.N; it++ {
		backend := NewLabBackend(newRealLab(b))
		backend.Spares = 2
		out := &byteCounter{}
		scr := screen.New(nil, out)
		pm := probeModel{Model: New(backend, Options{Lang: "en", ProgressPath: "-", Terminal: scr}),
			views: new(atomic.Int64), mu: new(sync.Mutex), last: new(string), msgs: map[string]int{},
			viewTime: map[string]time.Duration{}, lastMsg: new(string)}
		inR, inW, err := os.Pipe() // keys come by Send
		if err != nil {
			b.Fatal(err)
		}
		opts := append(scr.Options(), tea.WithInput(inR), tea.WithoutSignalHandler(), tea.WithWindowSize(120, 40))
		p := tea.NewProgram(scr.Wrap(pm), opts...)
		done := make(chan struct{})
		go func() { _, _ = p.Run(); close(done) }()
		p.Send(tea.WindowSizeMsg{Width: 120, Height: 40})
		wait := func(want string) {
			deadline := time.Now().Add(60 * time.Second)
			for !strings.Contains(pm.text(), want) {
				if time.Now().After(deadline) {
					b.Fatalf("%q not in the view after 60s:\n%s", want, pm.text())
				}
				time.Sleep(2 * time.Millisecond)
			}
		}
		key := func(k tea.KeyPressMsg) { p.Send(k) }
		wait("veth")
		p.Send(openLessonMsg{id: "veth"})
		wait("step 0/")
		total := 0
		if _, err := fmt.Sscanf(pm.text()[strings.Index(pm.text(), "step 0/"):], "step 0/%d", &total); err != nil || total == 0 {
			b.Fatalf("no step count in the view: %v", err)
		}
		time.Sleep(think) // the first step is read
		pm.mu.Lock()
		clear(pm.msgs)
		clear(pm.viewTime)
		pm.mu.Unlock()
		for st := 1; st <= total; st++ {
			c0, v0, w0, by0 := renderCPU(), pm.views.Load(), out.writes.Load(), out.bytes.Load()
			b.StartTimer()
			key(tea.KeyPressMsg{Code: 'n', Text: "n"})
			key(tea.KeyPressMsg{Code: tea.KeyEnter})
			wait(fmt.Sprintf("step %d done", st))
			key(tea.KeyPressMsg{Code: ':', Text: ":"})
			wait("jump to step (0-")
			key(tea.KeyPressMsg{Code: tea.KeyEnter})
			wait("no step  here (0-")
			b.StopTimer()
			// What the step goes on costing while the learner reads it
			// (packets, settling, the spare) counts to the step.
			time.Sleep(think)
			cpu += renderCPU() - c0
			views += pm.views.Load() - v0
			writes += out.writes.Load() - w0
			bytes += out.bytes.Load() - by0
			steps++
		}
		pm.mu.Lock()
		var kinds []string
		for k, n := range pm.msgs {
			kinds = append(kinds, fmt.Sprintf("%s %.1f (views %.2f ms)", strings.TrimPrefix(k, "tui."), float64(n)/float64(total),
				float64(pm.viewTime[k].Microseconds())/1000/float64(total)))
		}
		pm.mu.Unlock()
		sort.Strings(kinds)
		b.Logf("messages a step by type, and the views after them (wall ms a step): %s", strings.Join(kinds, ", "))
		p.Quit()
		<-done
		_ = inW.Close()
		_ = inR.Close()
		backend.Close()
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(steps), "cpu-ms/step")
	b.ReportMetric(float64(views)/float64(steps), "views/step")
	b.ReportMetric(float64(writes)/float64(steps), "frames/step")
	b.ReportMetric(float64(bytes)/float64(steps), "bytes/step")
}
