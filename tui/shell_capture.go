package tui

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/nettutor/nettutor/engine/capture"
	"github.com/nettutor/nettutor/lessons"
)

// An exercise's lab shell is captured like a step: for as long as the
// shell runs, every link of the lab (those the learner makes in it too) has
// a capture point, and what they see arrives on the session's packet
// stream, so the packets pane shows the learner's own ping afterwards.

// ShellCapture is a running capture of a lab shell's traffic.
type ShellCapture interface {
	// Stop closes every capture point and returns how many packets they
	// handed on.
	Stop() int
}

// shellCapturer is a Session that can capture a lab shell.
type shellCapturer interface {
	CaptureShell(ctx context.Context) (ShellCapture, error)
}

// shellCapMsg is the capture started before an exercise's shell.
type shellCapMsg struct {
	gen int
	ns  string
	cap ShellCapture
	err error
}

// shellCapDoneMsg is the shell's capture stopped: n packets were seen.
type shellCapDoneMsg struct {
	n     int
	after bool // the shell ended: read the lab now
}

// shellScan is how often the capture looks for links made in the shell:
// a link made and pinged at once loses at most this much of its traffic.
const shellScan = 100 * time.Millisecond

// startShellCapture starts the capture in a tea.Cmd; the shell itself runs
// once it is in place (shellCaptured).
func (m *lessonModel) startShellCapture(ns string) tea.Cmd {
	sess, gen := m.sess, m.gen
	sc, ok := sess.(shellCapturer)
	if !ok {
		return nil
	}
	return func() tea.Msg {
		c, err := sc.CaptureShell(context.Background())
		return shellCapMsg{gen: gen, ns: ns, cap: c, err: err}
	}
}

// shellCaptured runs the shell once its capture runs (or without it, the
// reason in the status line, when it could not start).
func (m *lessonModel) shellCaptured(msg shellCapMsg) (*lessonModel, tea.Cmd) {
	if msg.gen != m.gen || m.sess == nil {
		if msg.cap != nil {
			c := msg.cap
			return m, func() tea.Msg { return shellCapDoneMsg{n: c.Stop()} }
		}
		return m, nil
	}
	m.busy = ""
	if msg.err != nil {
		m.setStatus("✗ "+msg.err.Error(), true)
	}
	m.shellCap = msg.cap
	cmd := m.sess.Shell(msg.ns)
	if cmd == nil {
		return m, m.stopShellCapture()
	}
	return m, m.execShell(msg.ns, cmd)
}

// stopShellCapture stops the shell's capture, if one runs.
func (m *lessonModel) stopShellCapture() tea.Cmd {
	c := m.shellCap
	m.shellCap = nil
	if c == nil {
		return nil
	}
	return func() tea.Msg { return shellCapDoneMsg{n: c.Stop()} }
}

// labShellCapture is the LabBackend's ShellCapture.
type labShellCapture struct {
	s    *labSession
	stop chan struct{}
	loop sync.WaitGroup // the scanner
	rd   sync.WaitGroup // the readers
	mu   sync.Mutex
	caps map[string]*capture.Capture // by point name, "RED/veth0"
	n    atomic.Int64
}

// CaptureShell implements shellCapturer: a capture point on every link of
// every lab namespace but lo, and on the links made later while it runs.
func (s *labSession) CaptureShell(ctx context.Context) (ShellCapture, error) {
	c := &labShellCapture{s: s, stop: make(chan struct{}), caps: map[string]*capture.Capture{}}
	if err := c.scan(); err != nil {
		c.Stop()
		return nil, fmt.Errorf("capture the lab shell: %w", err)
	}
	c.loop.Add(1)
	go func() {
		defer c.loop.Done()
		t := time.NewTicker(shellScan)
		defer t.Stop()
		for {
			select {
			case <-c.stop:
				return
			case <-t.C:
				_ = c.scan() // a namespace gone meanwhile is no error
			}
		}
	}()
	return c, nil
}

// scan starts a point on each link that has none (or whose capture ended
// with its link).
func (c *labShellCapture) scan() error {
	lab := c.s.b.lab
	var first error
	for _, ns := range lab.Names() {
		h, err := lab.Handle(ns)
		if err != nil {
			continue
		}
		links, err := h.LinkList()
		if err != nil {
			if first == nil {
				first = fmt.Errorf("links of %s: %w", ns, err)
			}
			continue
		}
		for _, l := range links {
			name := l.Attrs().Name
			if name == "lo" {
				continue
			}
			pt := capture.Point{NS: ns, NSPath: lab.NSPath(ns), Iface: name}
			c.mu.Lock()
			old := c.caps[pt.Name()]
			c.mu.Unlock()
			if old != nil {
				select {
				case <-old.Done():
				default:
					continue // still reading
				}
			}
			cp, err := capture.Start(pt, capture.Options{})
			if err != nil {
				continue // a link that went away meanwhile
			}
			c.mu.Lock()
			c.caps[pt.Name()] = cp
			c.mu.Unlock()
			c.rd.Add(1)
			go c.read(cp)
		}
	}
	return first
}

// read hands on a point's packets as the steps' captures do.
func (c *labShellCapture) read(cp *capture.Capture) {
	defer c.rd.Done()
	for p := range cp.Updates() {
		c.n.Add(1)
		c.s.onPacket(lessons.Packet{Capture: "shell", Point: p.Point, Time: p.Time, Summary: p.Summary,
			Src: p.Src, Dst: p.Dst, Proto: p.Proto, Data: p.Data, Len: p.Len, Out: p.Outgoing})
	}
}

// Stop implements ShellCapture.
func (c *labShellCapture) Stop() int {
	select {
	case <-c.stop:
	default:
		close(c.stop)
	}
	c.loop.Wait()
	c.mu.Lock()
	caps := c.caps
	c.caps = map[string]*capture.Capture{}
	c.mu.Unlock()
	var wg sync.WaitGroup
	for _, cp := range caps {
		wg.Add(1)
		go func() { defer wg.Done(); _ = cp.Stop() }() // each close waits for RCU: in parallel
	}
	wg.Wait()
	c.rd.Wait()
	return int(c.n.Load())
}
