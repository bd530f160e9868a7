package serve

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// What one member, or someone with no key at all, may hold of the server.
// A study group's server is open to the network; these bounds make sure
// that nobody can lock the group out with connections that never sign in,
// with sessions of one key, or with a terminal no screen has.
const (
	// DefaultHandshakeTimeout is how long a connection has to finish the
	// SSH handshake, sign in and open a session.
	DefaultHandshakeTimeout = 20 * time.Second
	// DefaultMaxUnauthPerAddr and DefaultMaxUnauth bound the connections
	// not signed in yet, from one source address and in all.
	DefaultMaxUnauthPerAddr = 32
	DefaultMaxUnauth        = 128
	// DefaultMaxSessionsPerKey bounds the sessions one key holds at once:
	// one, and one more for a member whose old connection has not noticed
	// yet that the network dropped it.
	DefaultMaxSessionsPerKey = 2
	// MaxCols and MaxRows bound the terminal size a client may ask for
	// (pty-req and window-change); a larger one is clamped. The TUI keeps a
	// screen of that size: 65535x65535 would be gigabytes.
	MaxCols, MaxRows = 500, 200
	// ResizeEvery is how often a window size reaches the TUI at most: the
	// newest size of a storm is applied, the ones between are dropped.
	ResizeEvery = 50 * time.Millisecond
)

var keyGuard = &ctxKey{"guard"}

// slots counts what is held per key (a source address, a key's
// fingerprint) against a bound per key and a bound in all (0: none).
type slots struct {
	mu       sync.Mutex
	held     map[string]int
	total    int
	per, all int
}

func newSlots(per, all int) *slots { return &slots{held: map[string]int{}, per: per, all: all} }

// take holds one slot for k, or reports false when a bound is reached.
func (s *slots) take(k string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if (s.per > 0 && s.held[k] >= s.per) || (s.all > 0 && s.total >= s.all) {
		return false
	}
	s.held[k]++
	s.total++
	return true
}

// give returns a slot take held.
func (s *slots) give(k string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held[k]--; s.held[k] <= 0 {
		delete(s.held, k)
	}
	s.total--
}

// limitedLog lets one line of a kind through per interval: a flood of
// refused connections must not become a flood of log lines.
type limitedLog struct {
	last    atomic.Int64
	dropped atomic.Int64
}

// allow reports whether a line may be written now, and how many were
// dropped since the last one.
func (l *limitedLog) allow(every time.Duration) (bool, int64) {
	now := time.Now().UnixNano()
	last := l.last.Load()
	if now-last < int64(every) || !l.last.CompareAndSwap(last, now) {
		l.dropped.Add(1)
		return false, 0
	}
	return true, l.dropped.Swap(0)
}

// guardedConn is one connection: it holds a pre-auth slot of its source
// address until it signs in, and is closed when it has not signed in and
// opened a session within the handshake timeout, or when it has held no
// session for that long since its last one ended.
type guardedConn struct {
	net.Conn
	s    *Server
	addr string

	mu       sync.Mutex
	preAuth  bool // holds a slot in s.unauth
	sessions int
	gen      int // the newest timer's; an older one that fires does nothing
	timer    *time.Timer
	closed   bool
}

func remoteHost(a net.Addr) string {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.IP.String()
	}
	h, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return h
}

// wrapConn is the server's ConnCallback: a connection over the pre-auth
// bounds is refused with one line before the SSH handshake; any other gets
// its deadline.
func (s *Server) wrapConn(ctx ssh.Context, c net.Conn) net.Conn {
	addr := remoteHost(c.RemoteAddr())
	if !s.unauth.take(addr) {
		// A line before the version string is allowed (RFC 4253 4.2);
		// OpenSSH shows it with -v. It must not wait on a client that
		// reads nothing.
		_ = c.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = io.WriteString(c, "nettutor serve: too many connections not signed in yet; try again later\r\n")
		if ok, dropped := s.refusedLog.allow(10 * time.Second); ok {
			s.log.Warn("refused", "reason", "unauthenticated-connections", "remote-addr", c.RemoteAddr().String(),
				"max-per-address", s.cfg.MaxUnauthPerAddr, "max", s.cfg.MaxUnauth, "not-logged", dropped)
		}
		return nil
	}
	g := &guardedConn{Conn: c, s: s, addr: addr, preAuth: true}
	g.mu.Lock()
	g.arm()
	g.mu.Unlock()
	ctx.SetValue(keyGuard, g)
	return g
}

// arm starts the deadline anew; g.mu is held.
func (g *guardedConn) arm() {
	if g.timer != nil {
		g.timer.Stop()
	}
	g.gen++
	gen := g.gen
	g.timer = time.AfterFunc(g.s.cfg.HandshakeTimeout, func() { g.expire(gen) })
}

func (g *guardedConn) expire(gen int) {
	g.mu.Lock()
	if gen != g.gen || g.sessions > 0 || g.closed {
		g.mu.Unlock()
		return
	}
	pre := g.preAuth
	g.mu.Unlock()
	if ok, dropped := g.s.deadlineLog.allow(10 * time.Second); ok {
		what := "no session"
		if pre {
			what = "not signed in"
		}
		g.s.log.Info("closed", "reason", what, "after", g.s.cfg.HandshakeTimeout, "remote-addr", g.RemoteAddr().String(), "not-logged", dropped)
	}
	_ = g.Close()
}

// signedIn gives the pre-auth slot back: the key is known now, and the
// bounds per key take over.
func (g *guardedConn) signedIn() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.preAuth {
		g.preAuth = false
		g.s.unauth.give(g.addr)
	}
}

func (g *guardedConn) sessionOpened() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sessions++
	g.timer.Stop()
}

func (g *guardedConn) sessionClosed() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.sessions--; g.sessions == 0 && !g.closed {
		g.arm()
	}
}

// Close closes the connection and gives its pre-auth slot back.
func (g *guardedConn) Close() error {
	g.mu.Lock()
	if !g.closed {
		g.closed = true
		g.timer.Stop()
		if g.preAuth {
			g.preAuth = false
			g.s.unauth.give(g.addr)
		}
	}
	g.mu.Unlock()
	return g.Conn.Close()
}

// serverConfig is the SSH configuration of one connection: its sign-in,
// when it succeeds, ends its pre-auth time.
func (s *Server) serverConfig(ctx ssh.Context) *gossh.ServerConfig {
	return &gossh.ServerConfig{
		AuthLogCallback: func(_ gossh.ConnMetadata, _ string, err error) {
			if err != nil {
				return
			}
			if g, ok := ctx.Value(keyGuard).(*guardedConn); ok {
				g.signedIn()
			}
		},
	}
}

// activity is when the person at one session last did something: a key,
// a paste (data on the session's channel) or a window change that changed
// the size. Transport traffic (keepalives, requests that change nothing)
// does not count, so an untouched session ends at the idle timeout.
type activity struct{ last atomic.Int64 }

func newActivity() *activity {
	a := &activity{}
	a.touch()
	return a
}

func (a *activity) touch() { a.last.Store(time.Now().UnixNano()) }

// lastInput is when the person last did something.
func (a *activity) lastInput() time.Time { return time.Unix(0, a.last.Load()) }

// sessionCtx is a session's own view of its connection's context: its
// activity is its own, whatever the connection's other sessions do.
type sessionCtx struct {
	ssh.Context
	act  *activity
	gate *inputGate
}

// Value returns the session's activity for keyActivity and its input
// gate for keyGate, else the connection's value.
func (c *sessionCtx) Value(k any) any {
	switch k {
	case keyActivity:
		return c.act
	case keyGate:
		return c.gate
	}
	return c.Context.Value(k)
}

// sessionChannel is the handler of "session" channels: it holds one of the
// key's sessions (or refuses the channel), and puts the session's channel
// and requests through the activity clock, the size clamp and the resize
// rate before the library's session handler sees them.
func (s *Server) sessionChannel(srv *ssh.Server, conn *gossh.ServerConn, nc gossh.NewChannel, ctx ssh.Context) {
	m, ok := ctx.Value(keyMember).(Member)
	if !ok {
		_ = nc.Reject(gossh.Prohibited, "nettutor serve: no known key")
		return
	}
	if !s.perKey.take(m.Fingerprint) {
		_ = nc.Reject(gossh.Prohibited, fmt.Sprintf("nettutor serve: this key has %d sessions open already, the most one key may hold; end one first", s.cfg.MaxSessionsPerKey))
		s.log.Warn("refused", "member", m.Name, "reason", "max-sessions-per-key", "max", s.cfg.MaxSessionsPerKey, "remote-addr", ctx.RemoteAddr().String())
		return
	}
	defer s.perKey.give(m.Fingerprint)
	if g, ok := ctx.Value(keyGuard).(*guardedConn); ok {
		g.sessionOpened()
		defer g.sessionClosed()
	}
	act := newActivity()
	// Closed until the session's handler lets input through (app,
	// runChild); open at the latest when the channel is done, so that
	// nothing waits on it after.
	gate := newInputGate()
	defer gate.open()
	ssh.DefaultSessionHandler(srv, conn, &guardedNewChannel{NewChannel: nc, s: s, act: act, gate: gate}, &sessionCtx{Context: ctx, act: act, gate: gate})
}

// guardedNewChannel hands the library a session channel whose reads count
// as activity and whose requests pass filterRequests.
type guardedNewChannel struct {
	gossh.NewChannel
	s    *Server
	act  *activity
	gate *inputGate
}

// Accept accepts the channel and starts its request filter.
func (n *guardedNewChannel) Accept() (gossh.Channel, <-chan *gossh.Request, error) {
	ch, reqs, err := n.NewChannel.Accept()
	if err != nil {
		return nil, nil, err
	}
	out := make(chan *gossh.Request)
	go n.s.filterRequests(reqs, out, n.act)
	return &inputChannel{Channel: ch, act: n.act, gate: n.gate}, out, nil
}

// inputChannel counts what the client sends on the session (keys, a
// paste) as activity, and holds it back while its gate is closed.
type inputChannel struct {
	gossh.Channel
	act  *activity
	gate *inputGate
}

// Read reads the client's input, once the gate lets it through, and
// notes when it came.
func (c *inputChannel) Read(b []byte) (int, error) {
	if c.gate != nil {
		c.gate.wait()
	}
	n, err := c.Channel.Read(b)
	if n > 0 {
		c.act.touch()
	}
	return n, err
}

// winSize is a terminal size in cells.
type winSize struct{ cols, rows uint32 }

// clampSize rewrites the columns and rows at b[0:8] (big-endian, as SSH
// sends them) to at most MaxCols x MaxRows, and returns the size.
func clampSize(b []byte) winSize {
	w := winSize{min(binary.BigEndian.Uint32(b[0:4]), MaxCols), min(binary.BigEndian.Uint32(b[4:8]), MaxRows)}
	binary.BigEndian.PutUint32(b[0:4], w.cols)
	binary.BigEndian.PutUint32(b[4:8], w.rows)
	return w
}

// ptySizeAt is the offset of the columns in a pty-req payload (after the
// TERM string), or -1 when the payload is too short.
func ptySizeAt(p []byte) int {
	if len(p) < 4 {
		return -1
	}
	at := 4 + int(binary.BigEndian.Uint32(p[0:4]))
	if at < 4 || len(p) < at+16 {
		return -1
	}
	return at
}

// filterRequests passes a session's requests from in to out: pty-req and
// window-change with their size clamped, window changes at most one per
// ResizeEvery (the newest wins; one that changes nothing is answered and
// dropped), and a window change that changes the size noted as activity.
func (s *Server) filterRequests(in <-chan *gossh.Request, out chan<- *gossh.Request, act *activity) {
	defer close(out)
	var (
		size     winSize
		pending  *gossh.Request
		lastSent time.Time
		timer    *time.Timer
		due      <-chan time.Time
	)
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	send := func() {
		out <- pending
		pending, lastSent = nil, time.Now()
		s.resizes.Add(1)
	}
	for {
		select {
		case <-due:
			due = nil
			if pending != nil {
				send()
			}
		case req, ok := <-in:
			if !ok {
				return
			}
			switch req.Type {
			case "pty-req":
				if at := ptySizeAt(req.Payload); at >= 0 {
					req.Payload = append([]byte(nil), req.Payload...)
					size = clampSize(req.Payload[at:])
				}
				out <- req
			case "window-change":
				if len(req.Payload) < 16 {
					out <- req
					continue
				}
				req.Payload = append([]byte(nil), req.Payload...)
				w := clampSize(req.Payload)
				if w == size {
					// Nothing changes: no resize, and no activity (a
					// client could send these to look busy).
					_ = req.Reply(true, nil)
					continue
				}
				size = w
				act.touch()
				if pending != nil {
					_ = pending.Reply(true, nil) // superseded by req
				}
				pending = req
				if due != nil {
					continue
				}
				if wait := ResizeEvery - time.Since(lastSent); wait > 0 {
					if timer == nil {
						timer = time.NewTimer(wait)
					} else {
						timer.Reset(wait)
					}
					due = timer.C
					continue
				}
				send()
			default:
				out <- req
			}
		}
	}
}
