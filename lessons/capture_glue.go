package lessons

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/capture"
)

// runningCapture is one started capture point. Should its reader end on an
// error, revive (called after every action) starts it again.
type runningCapture struct {
	pt   capture.Point
	opts capture.Options
	id   string
	emit func(Packet)
	lab  *engine.Lab
	ns   string

	// muted is set once the point is stopping: whatever it reads after
	// that is not handed on (its step's packets were settled before).
	muted atomic.Bool

	mu   sync.Mutex
	cur  *capture.Capture
	done chan struct{} // closed when cur's consumer ends
	got  uint64        // packets of cur handed on
}

// linkUp reports whether the capture's interface is administratively up.
func (rc *runningCapture) linkUp() bool {
	h, err := rc.lab.Handle(rc.ns)
	if err != nil {
		return false
	}
	lk, err := h.LinkByName(rc.pt.Iface)
	return err == nil && lk.Attrs().Flags&net.FlagUp != 0
}

func (rc *runningCapture) start() error {
	cp, err := capture.Start(rc.pt, rc.opts)
	if err != nil {
		return err
	}
	done := make(chan struct{})
	rc.mu.Lock()
	rc.cur, rc.done, rc.got = cp, done, 0
	rc.mu.Unlock()
	go func() {
		defer close(done)
		for p := range cp.Updates() {
			if !rc.muted.Load() {
				rc.emit(Packet{Capture: rc.id, Point: p.Point, Time: p.Time, Summary: p.Summary,
					Src: p.Src, Dst: p.Dst, Proto: p.Proto, Data: p.Data, Len: p.Len, Out: p.Outgoing})
			}
			rc.mu.Lock()
			if rc.cur == cp {
				rc.got++
			}
			rc.mu.Unlock()
		}
	}()
	return nil
}

// kernelDrops is what the kernel dropped for the current socket.
func (rc *runningCapture) kernelDrops() uint64 {
	rc.mu.Lock()
	cur := rc.cur
	rc.mu.Unlock()
	return cur.Stats().DroppedKernel
}

// seen is how many packets the kernel has let through the filter of the
// current socket so far.
func (rc *runningCapture) seen() uint64 {
	rc.mu.Lock()
	cur := rc.cur
	rc.mu.Unlock()
	return cur.Stats().KernelSeen
}

// revive restarts the capture if its reader ended and the link is up.
func (rc *runningCapture) revive() {
	rc.mu.Lock()
	cur := rc.cur
	rc.mu.Unlock()
	dead := false
	select {
	case <-cur.Done():
		dead = true
	default:
	}
	if !dead || !rc.linkUp() {
		return
	}
	rc.stop()
	_ = rc.start()
}

func (rc *runningCapture) stop() {
	rc.mu.Lock()
	cur, done := rc.cur, rc.done
	rc.mu.Unlock()
	_ = cur.Stop()
	select {
	case <-done:
	case <-time.After(time.Second):
	}
}

// flush waits (until deadline) until every packet the kernel had let
// through the filter when flush began has been read and handed on. The
// capture may read in blocks that the kernel hands over after a short
// timeout. The target is fixed at the start: traffic that goes on
// arriving does not keep flush waiting.
func (rc *runningCapture) flush(deadline time.Time) {
	target := rc.seen()
	for {
		rc.mu.Lock()
		cur, got := rc.cur, rc.got
		rc.mu.Unlock()
		st := cur.Stats()
		if got+st.DroppedStream+st.DroppedKernel >= min(target, st.KernelSeen) && got+st.DroppedStream >= min(target, st.Captured) {
			return
		}
		if time.Now().After(deadline) {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// startCapture starts capture point c on lab, under budget when it is not
// nil; emit gets every packet.
func startCapture(ctx context.Context, lab *engine.Lab, c *CapturePoint, budget *capture.Budget, emit func(Packet)) (*runningCapture, error) {
	if _, err := lab.NsHandle(c.NS); err != nil {
		return nil, err
	}
	rc := &runningCapture{id: c.ID, emit: emit, lab: lab, ns: nsOr(c.NS),
		pt: capture.Point{NS: nsOr(c.NS), NSPath: lab.NSPath(c.NS), Iface: c.Iface, Filter: c.Filter}}
	if budget != nil {
		rc.opts = budget.PointOptions()
	}
	if err := rc.start(); err != nil {
		return nil, err
	}
	return rc, nil
}

// compileFilter reports whether expr is a filter the capture package accepts.
func compileFilter(expr string) error {
	_, err := capture.CompileFilter(expr)
	return err
}

// packetMatcher returns a predicate for the `match` of a packet assertion.
func packetMatcher(expr string) (func(p Packet) bool, error) {
	if expr == "" {
		return func(Packet) bool { return true }, nil
	}
	f, err := capture.CompileFilter(expr)
	if err != nil {
		return nil, err
	}
	return func(p Packet) bool { return f.Match(p.Data) }, nil
}

// ToCapture converts packets for capture.WritePcap and friends.
func ToCapture(pkts []Packet) []capture.Packet {
	out := make([]capture.Packet, len(pkts))
	for i, p := range pkts {
		out[i] = capture.Packet{Time: p.Time, Point: p.Point, Data: p.Data, Len: p.Len, Summary: p.Summary, Src: p.Src, Dst: p.Dst, Proto: p.Proto, Outgoing: p.Out}
	}
	return out
}
