package tui

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/nettutor/nettutor/engine/capture"
	"github.com/nettutor/nettutor/engine/nsutil"
	"github.com/nettutor/nettutor/lessons"
	"github.com/vishvananda/netlink"
)

// An exercise's lab shell is captured like a step: for as long as the
// shell runs, every link of the lab (those the learner makes in it too) has
// a capture point, and what they see arrives on the session's packet
// stream, so the packets pane shows the learner's own ping afterwards.
// The points count against the session's capture budget (a shell that
// makes more links than it allows gets points on the first ones, and the
// packets pane says how many were left out); a deleted link's point stops
// and gives its place back.

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

// shellScan is how often the capture looks for links made in the shell
// without being told. It is a fallback: the kernel's link events (a
// netlink subscription in every lab namespace) start a scan at once, so a
// link made in the shell is captured within milliseconds of its making (a
// ping on the very command line that makes the link can still race it).
// A var so that a test can switch the fallback off.
var shellScan = time.Second

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
	caps map[string]*capture.Capture        // by point name, "RED/veth0"
	got  map[*capture.Capture]*atomic.Int64 // packets each point handed on
	idx  map[string]int                     // the ifindex each point is bound to (scanner only)
	n    atomic.Int64

	// budget is the session's capture budget: each point counts against
	// it, and the links it refuses are counted for the packets pane.
	budget *capture.Budget

	kick    chan struct{}   // a link event came: scan now
	watched map[string]bool // namespaces whose link events we hear (scanner only)
}

// CaptureShell implements shellCapturer: a capture point on every link of
// every lab namespace but lo, and on the links made later while it runs.
func (s *labSession) CaptureShell(ctx context.Context) (ShellCapture, error) {
	c := &labShellCapture{s: s, stop: make(chan struct{}), caps: map[string]*capture.Capture{},
		got: map[*capture.Capture]*atomic.Int64{}, idx: map[string]int{}, budget: s.budget,
		kick: make(chan struct{}, 1), watched: map[string]bool{}}
	if c.budget != nil {
		c.budget.ShellStarted()
	}
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
			case <-c.kick:
				_ = c.scan() // a namespace gone meanwhile is no error
			case <-t.C:
				_ = c.scan()
			}
		}
	}()
	return c, nil
}

// scan starts a point on each link that has none (or whose capture ended
// with its link), and stops the points of links that are gone (or were
// made again under the same name: a point is bound to one ifindex), so
// that their rings go back to the budget before new links ask for one.
func (c *labShellCapture) scan() error {
	lab := c.s.b.lab
	var first error
	type link struct {
		pt    capture.Point
		index int
	}
	var found []link
	listed := map[string]bool{} // namespaces whose links were read
	for _, ns := range lab.Names() {
		c.watch(ns)
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
		listed[ns] = true
		for _, l := range links {
			if name := l.Attrs().Name; name != "lo" {
				found = append(found, link{capture.Point{NS: ns, NSPath: lab.NSPath(ns), Iface: name}, l.Attrs().Index})
			}
		}
	}
	live := make(map[string]int, len(found))
	for _, l := range found {
		live[l.pt.Name()] = l.index
	}
	c.mu.Lock()
	var gone []string
	for name, cp := range c.caps {
		if index, ok := live[name]; ok && index == c.idx[name] {
			select {
			case <-cp.Done(): // its reader ended: start it again below
			default:
				continue // still reading
			}
		} else if !ok && !listed[cp.Point().NS] {
			continue // its namespace could not be read this time
		}
		gone = append(gone, name)
	}
	c.mu.Unlock()
	var wg sync.WaitGroup
	for _, name := range gone {
		wg.Add(1)
		go func() { defer wg.Done(); c.drop(name) }() // each close waits for RCU: in parallel
	}
	wg.Wait()
	uncaptured := 0
	for _, l := range found {
		name := l.pt.Name()
		c.mu.Lock()
		has := c.caps[name] != nil
		c.mu.Unlock()
		if has {
			continue
		}
		opts := capture.Options{}
		if c.budget != nil {
			opts = c.budget.ShellOptions()
		}
		cp, err := capture.Start(l.pt, opts)
		if err != nil {
			var be *capture.BudgetError
			if errors.As(err, &be) {
				uncaptured++
			}
			continue // else a link that went away meanwhile
		}
		got := new(atomic.Int64)
		c.mu.Lock()
		c.caps[name] = cp
		c.got[cp] = got
		c.idx[name] = l.index
		c.mu.Unlock()
		c.rd.Add(1)
		go c.read(cp, got)
	}
	if c.budget != nil {
		c.budget.SetUncaptured(uncaptured)
	}
	return first
}

// drop stops the point name once it has handed on what it read: its link
// is gone, and so is its place in the budget.
func (c *labShellCapture) drop(name string) {
	c.mu.Lock()
	cp := c.caps[name]
	got := c.got[cp]
	delete(c.caps, name)
	delete(c.got, cp)
	delete(c.idx, name)
	c.mu.Unlock()
	if cp == nil {
		return
	}
	flush(map[string]*capture.Capture{name: cp}, map[*capture.Capture]*atomic.Int64{cp: got})
	c.stopPoint(cp)
}

// flush waits, a bounded time, until every point has handed on what the
// kernel let through its filter: the shell's last command (the ping just
// before exit) must not be lost in a block the kernel has not yet handed
// over (TPACKET_V3 hands a block over after a short timeout).
func flush(caps map[string]*capture.Capture, got map[*capture.Capture]*atomic.Int64) {
	deadline := time.Now().Add(500 * time.Millisecond)
	for _, cp := range caps {
		for {
			st := cp.Stats()
			n := uint64(got[cp].Load())
			if n+st.DroppedStream+st.DroppedKernel >= st.KernelSeen && n+st.DroppedStream >= st.Captured {
				break
			}
			if time.Now().After(deadline) {
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
}

// watch subscribes to the link events of namespace ns, once: any of them
// (a link made, moved in or out, renamed, set up) starts a scan. The
// socket is made inside ns (nsutil.Do) and closes when the capture stops.
func (c *labShellCapture) watch(ns string) {
	if c.watched[ns] {
		return
	}
	h, err := c.s.b.lab.NsHandle(ns)
	if err != nil {
		return
	}
	ch := make(chan netlink.LinkUpdate, 16)
	err = nsutil.Do(h, func() error {
		return netlink.LinkSubscribeWithOptions(ch, c.stop, netlink.LinkSubscribeOptions{
			ErrorCallback: func(error) {}, // a lost subscription leaves the fallback scan
		})
	})
	if err != nil {
		return
	}
	c.watched[ns] = true
	go func() {
		for range ch { // closed when c.stop is
			select {
			case c.kick <- struct{}{}:
			default: // a scan is due already
			}
		}
	}()
}

// stopPoint stops a point and counts what it could not hand on (the
// kernel dropped it, or the stream could not take it) in the session's
// drops, which the packets pane shows.
func (c *labShellCapture) stopPoint(cp *capture.Capture) {
	_ = cp.Stop()
	st := cp.Stats()
	c.s.drops.Add(st.DroppedKernel + st.DroppedStream)
}

// read hands on a point's packets as the steps' captures do.
func (c *labShellCapture) read(cp *capture.Capture, got *atomic.Int64) {
	defer c.rd.Done()
	for p := range cp.Updates() {
		c.n.Add(1)
		got.Add(1)
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
	caps, got := c.caps, c.got
	c.caps, c.got, c.idx = map[string]*capture.Capture{}, map[*capture.Capture]*atomic.Int64{}, map[string]int{}
	c.mu.Unlock()
	flush(caps, got)
	var wg sync.WaitGroup
	for _, cp := range caps {
		wg.Add(1)
		go func() { defer wg.Done(); c.stopPoint(cp) }() // each close waits for RCU: in parallel
	}
	wg.Wait()
	c.rd.Wait()
	return int(c.n.Load())
}
