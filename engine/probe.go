package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/nettutor/nettutor/engine/nsutil"
	"github.com/vishvananda/netlink"
	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"
)

// ErrNoReply is returned by probes that got no answer in time.
var ErrNoReply = errors.New("no reply")

// PingResult is the outcome of a ping probe.
type PingResult struct {
	Sent       int
	Replies    []PingReply
	Errors     []PingError   // ICMP errors for our echoes, in seq order
	ConnectErr error         // ping could not start: no route (nothing sent)
	Elapsed    time.Duration // first send to last answer or timeout
	Size       int           // bytes of echo data asked for (0: ping's default, 56)
}

// dataLen is the echo data each request carries.
func (r PingResult) dataLen() int {
	if r.Size > 0 {
		return r.Size
	}
	return 56
}

// PingReply is one echo reply.
type PingReply struct {
	Seq int
	TTL int
	RTT time.Duration
}

// Ping sends count ICMP echo requests from namespace ns to dst, one at a
// time, waiting up to timeout for each reply. It uses a raw ICMP socket made
// in ns, so it needs no ping binary. Only lab namespaces are reachable: the
// lab has no link to the real network.
func (l *Lab) Ping(ctx context.Context, ns, dst string, count int, timeout time.Duration) (PingResult, error) {
	return l.PingDF(ctx, ns, dst, 0, count, timeout)
}

// PingDF is Ping with size bytes of echo data (0: ping's 56) and, when
// size is given, the Don't Fragment bit set, as `ping -M do -s SIZE`:
// the packet crosses every link whole or not at all. A packet bigger than
// the sender's own route MTU is not sent (EMSGSIZE, ping's "message too
// long"); one a router cannot forward comes back as an ICMP "Frag needed
// and DF set" error; one a link drops silently (a bridge port or veth end
// with a smaller MTU) gets no answer.
func (l *Lab) PingDF(ctx context.Context, ns, dst string, size, count int, timeout time.Duration) (PingResult, error) {
	res := PingResult{Size: size}
	if size < 0 || size > 65507 {
		return res, fmt.Errorf("ping -s %d: want 0..65507 bytes", size)
	}
	ip := net.ParseIP(dst).To4()
	if ip == nil {
		return res, fmt.Errorf("ping %q: want an IPv4 address", dst)
	}
	fd, err := l.NsHandle(ns)
	if err != nil {
		return res, err
	}
	l.settleLinks(time.Second)
	l.forgetUnresolved(ns)
	// ping first connects a UDP socket to the destination to learn its
	// source address; with no route that fails and ping sends nothing.
	err = nsutil.Do(fd, func() error {
		u, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: ip, Port: 1025})
		if err == nil {
			u.Close()
		}
		return err
	})
	if err != nil {
		res.ConnectErr = errnoOf(err)
		return res, &ProbeError{NS: nsOr(ns), Op: "ping", Target: dst, Err: res.ConnectErr}
	}
	var conn *net.IPConn
	err = nsutil.Do(fd, func() error {
		c, err := net.ListenPacket("ip4:icmp", "0.0.0.0")
		if err != nil {
			return err
		}
		conn = c.(*net.IPConn)
		if size > 0 {
			return setDontFragment(conn)
		}
		return nil
	})
	if err != nil {
		if conn != nil {
			conn.Close()
		}
		return res, fmt.Errorf("%s: open ICMP socket: %w", nsOr(ns), err)
	}
	defer conn.Close()
	pc := ipv4.NewPacketConn(conn)
	_ = pc.SetControlMessage(ipv4.FlagTTL, true)
	id := int(rand.Uint32() & 0xffff)
	data := res.dataLen()
	buf := make([]byte, max(1500, data+64))
	// ping's "time" runs from the first send to the last send or answer;
	// waiting for an answer that never came does not count.
	first := time.Now()
	last := first
	defer func() { res.Elapsed = last.Sub(first) }()
	for seq := 1; seq <= count; seq++ {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		msg := icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: id, Seq: seq, Data: make([]byte, data)}}
		wb, _ := msg.Marshal(nil)
		sent := time.Now()
		if _, err := conn.WriteTo(wb, &net.IPAddr{IP: ip}); err != nil {
			return res, &ProbeError{NS: nsOr(ns), Op: "ping", Target: dst, Err: errnoOf(err)}
		}
		res.Sent++
		last = sent
		deadline := sent.Add(timeout)
		if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
		_ = pc.SetReadDeadline(deadline)
		for {
			n, cm, peer, err := pc.ReadFrom(buf)
			if err != nil {
				break // timeout: this one got no reply
			}
			a, ok := peer.(*net.IPAddr)
			if !ok {
				continue
			}
			m, err := icmp.ParseMessage(1, buf[:n])
			if err != nil {
				continue
			}
			if e, ok := icmpErrorFor(m, ip, id, seq); ok {
				// A router (or our own kernel, for a failed ARP) said why
				// the echo cannot arrive; ping prints it and counts an error.
				e.From = a.IP.String()
				res.Errors = append(res.Errors, e)
				last = time.Now()
				break
			}
			if !a.IP.Equal(ip) || m.Type != ipv4.ICMPTypeEchoReply {
				continue
			}
			if e, ok := m.Body.(*icmp.Echo); !ok || e.ID != id || e.Seq != seq {
				continue
			}
			ttl := 0
			if cm != nil {
				ttl = cm.TTL
			}
			res.Replies = append(res.Replies, PingReply{Seq: seq, TTL: ttl, RTT: time.Since(sent)})
			last = time.Now()
			break
		}
	}
	if len(res.Replies) == 0 {
		return res, &ProbeError{NS: nsOr(ns), Op: "ping", Target: dst, Err: ErrNoReply}
	}
	return res, nil
}

// setDontFragment sets IP_PMTUDISC_DO on c, as `ping -M do` does: the
// kernel sets DF and never fragments what the socket sends.
func setDontFragment(c *net.IPConn) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_DO)
	}); err != nil {
		return err
	}
	if serr != nil {
		return fmt.Errorf("set IP_MTU_DISCOVER: %w", serr)
	}
	return nil
}

// Ping is the ping probe as an action: ip netns exec RED ping -c 1 11.11.11.3.
type Ping struct {
	NS      string
	Dst     string
	Count   int           // default 1
	Timeout time.Duration // per echo; default 1s
}

// Command implements Action.
func (a Ping) Command() string {
	return inNS(a.NS, fmt.Sprintf("ping -c %d %s", max(a.Count, 1), a.Dst))
}

// Apply implements Action. It fails with ErrNoReply when nothing answered.
func (a Ping) Apply(ctx context.Context, l *Lab) (Result, error) {
	start := time.Now()
	to := a.Timeout
	if to == 0 {
		to = time.Second
	}
	r, err := l.Ping(ctx, a.NS, a.Dst, max(a.Count, 1), to)
	out := r.Format(a.Dst)
	if err != nil {
		return Result{Output: out, Duration: time.Since(start)}, err
	}
	return done(start, out)
}

// Serve starts a tiny TCP server in namespace ns on port that sends banner
// and a newline to every client, then closes. It runs until stop is called
// or the lab is reset.
func (l *Lab) Serve(ns string, port int, banner string) (stop func(), err error) {
	fd, err := l.NsHandle(ns)
	if err != nil {
		return nil, err
	}
	var ln net.Listener
	err = nsutil.Do(fd, func() error {
		var err error
		ln, err = net.Listen("tcp4", fmt.Sprintf("0.0.0.0:%d", port))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: listen on tcp port %d: %w", nsOr(ns), port, err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				_ = c.SetDeadline(time.Now().Add(2 * time.Second))
				fmt.Fprintln(c, banner)
				c.Close()
			}()
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { ln.Close() }) }
	l.OnReset(stop)
	return stop, nil
}

// Connect opens a TCP connection from namespace ns to addr (host:port) and
// returns what the server sends until it closes or is silent for timeout
// (three times that before its first byte), byte for byte, as nc prints it. A refusal unwraps to
// syscall.ECONNREFUSED; no answer to the SYN is ErrNoReply.
//
// A connection refused, or reset before the server sent a byte, is tried
// again, up to five times 100 ms apart: a banner server is a loop that
// starts nc again after each client, and a connection that lands between
// two of them is refused, or reset when it was queued on the listening
// socket of the nc that is exiting, by no fault of the network. A real
// refusal (no server, a REJECT) stays refused and is returned after the
// last try; what nc prints for it is the same.
func (l *Lab) Connect(ctx context.Context, ns, addr string, timeout time.Duration) (string, error) {
	out, _, err := l.ConnectPort(ctx, ns, addr, timeout)
	return out, err
}

// ConnectPort is Connect that also returns the source port of the
// connection that answered (of the last try; 0 when none was made). With
// it the journey replay follows the conntrack entry of that very
// connection, not one of the others a step made to the same address.
func (l *Lab) ConnectPort(ctx context.Context, ns, addr string, timeout time.Duration) (string, int, error) {
	for try := 0; ; try++ {
		out, sport, reset, err := l.connectOnce(ctx, ns, addr, timeout)
		if !reset && errors.Is(err, syscall.ECONNREFUSED) {
			reset = true // the same gap between two nc runs
		}
		if !reset || try == 4 || ctx.Err() != nil {
			return out, sport, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// connectOnce is one try of Connect; sport is the connection's source
// port (0 when the handshake failed), reset says the server reset the
// connection before its first byte.
func (l *Lab) connectOnce(ctx context.Context, ns, addr string, timeout time.Duration) (out string, sport int, reset bool, err error) {
	fd, err := l.NsHandle(ns)
	if err != nil {
		return "", 0, false, err
	}
	l.settleLinks(time.Second)
	var c net.Conn
	err = nsutil.Do(fd, func() error {
		d := net.Dialer{Timeout: timeout}
		var err error
		c, err = d.DialContext(ctx, "tcp4", addr)
		return err
	})
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) || isTimeout(err) {
			return "", 0, false, &ProbeError{NS: nsOr(ns), Op: "connect to", Target: addr, Err: ErrNoReply}
		}
		// A reset, not a refusal, answering the handshake is the same
		// race: the connection was queued on the exiting nc's socket.
		reset := errors.Is(err, syscall.ECONNRESET)
		return "", 0, reset, &ProbeError{NS: nsOr(ns), Op: "connect to", Target: addr, Err: errnoOf(err)}
	}
	defer c.Close()
	if la, ok := c.LocalAddr().(*net.TCPAddr); ok {
		sport = la.Port
	}
	// nc -w T prints everything until the server closes, or gives up after
	// T seconds of silence; at most a screenful is kept. The first byte
	// gets three times as long: the server has accepted, and on a loaded
	// machine the program behind it (nc, started for each client by the
	// banner loop) may not have run yet.
	var got []byte
	buf := make([]byte, 512)
	for len(got) < 16<<10 {
		wait := timeout
		if len(got) == 0 {
			wait = 3 * timeout
		}
		_ = c.SetReadDeadline(time.Now().Add(wait))
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			if len(got) == 0 && errors.Is(err, syscall.ECONNRESET) {
				return "", sport, true, nil
			}
			break
		}
	}
	return string(got), sport, false, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// TCPServe starts a banner server as an action: the command shown, a
// shell loop around OpenBSD netcat that answers every connection with the
// banner, is what runs (see banner.go).
type TCPServe struct {
	NS     string
	Port   int
	Banner string
}

// Command implements Action.
func (a TCPServe) Command() string { return bannerCommand(a.NS, a.Port, a.Banner) }

// Apply implements Action.
func (a TCPServe) Apply(ctx context.Context, l *Lab) (Result, error) {
	start := time.Now()
	if err := l.serveBanner(ctx, a.NS, a.Port, a.Banner); err != nil {
		return Result{}, err
	}
	return done(start, "")
}

// TCPConnect connects as an action: ip netns exec OUTSIDE nc -w 1 203.0.113.1 8080.
// Its output is what nc prints: what the server sent, and nothing at all
// when the connection fails. Verbose shows `nc -v`, which also prints
// nc's line about the connection ("nc: connect to ... failed: Connection
// refused"), for steps about a refusal.
type TCPConnect struct {
	NS      string
	Addr    string // host:port
	Timeout time.Duration
	Verbose bool
	// Once makes one try, as the nc shown makes: for a step that expects
	// the connection to fail. Connect's tries again after a refusal hide
	// the banner loop's gap for a connection that should answer; for one
	// meant to be refused they only added SYNs the learner's nc never sent
	// to the step's captures (and 0.3–0.4 s to the step).
	Once bool
}

// Command implements Action.
func (a TCPConnect) Command() string {
	host, port, _ := net.SplitHostPort(a.Addr)
	v := ""
	if a.Verbose {
		v = "-v "
	}
	return inNS(a.NS, fmt.Sprintf("nc %s-w 1 %s %s", v, host, port))
}

// Apply implements Action.
func (a TCPConnect) Apply(ctx context.Context, l *Lab) (Result, error) {
	start := time.Now()
	to := a.Timeout
	if to == 0 {
		to = time.Second
	}
	var out string
	var sport int
	var err error
	if a.Once {
		out, sport, _, err = l.connectOnce(ctx, a.NS, a.Addr, to)
	} else {
		out, sport, err = l.ConnectPort(ctx, a.NS, a.Addr, to)
	}
	if a.Verbose {
		host, port, _ := net.SplitHostPort(a.Addr)
		out = ncLine(host, port, err) + out
	}
	if err != nil {
		return Result{Output: out, Duration: time.Since(start), Sport: sport}, err
	}
	return Result{Output: out, Duration: time.Since(start), Sport: sport}, nil
}

// settleLinks waits, for at most limit, until the kernel has finished
// bringing up every link that is up and has carrier. Linkwatch does that
// work (operstate, and swapping the noop qdisc for a real one) in a
// workqueue, so a packet sent right after `ip link set up` can be dropped on
// a busy machine; probes wait for it so their result does not depend on load.
// It reports whether its last look found nothing pending.
//
// Each look dumps the links of every namespace. The looks start 2 ms apart
// and back off to settleLookMax: linkwatch is slow exactly when the
// machine is busy (thirty members of nettutor serve on two cores), and a
// look every 2 ms then took CPU from the work it waited for.
func (l *Lab) settleLinks(limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	wait := 2 * time.Millisecond
	for {
		if !l.linksPending() {
			return true
		}
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		time.Sleep(min(wait, left))
		wait = min(2*wait, settleLookMax)
	}
}

// settleLookMax is the longest time between two looks of settleLinks.
const settleLookMax = 16 * time.Millisecond

func (l *Lab) linksPending() bool {
	l.linkLooks.Add(1)
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, name := range l.namesLocked() {
		e, err := l.entry(name)
		if err != nil {
			continue
		}
		links, err := retryDump(e.nl.LinkList)
		if err != nil {
			continue
		}
		for _, lk := range links {
			a := lk.Attrs()
			if a.Flags&net.FlagUp == 0 || a.RawFlags&unix.IFF_LOWER_UP == 0 || a.Flags&net.FlagLoopback != 0 {
				continue
			}
			if a.OperState != netlink.OperUp && a.OperState != netlink.OperUnknown {
				return true
			}
		}
	}
	return false
}

// forgetUnresolved deletes the neighbour entries of ns that are still being
// resolved or have failed. Such an entry holds no address, only the
// kernel's retry timer: a ping sent while it is INCOMPLETE waits for the
// next ARP retry, up to a second away, so a probe right after a failed one
// (a learner who fixed a link and checks again) would fail for no fault of
// the lab. Deleted, the next packet starts a fresh resolution at once.
func (l *Lab) forgetUnresolved(ns string) {
	h, err := l.Handle(ns)
	if err != nil {
		return
	}
	neighs, err := retryDump(func() ([]netlink.Neigh, error) { return h.NeighList(0, netlink.FAMILY_V4) })
	if err != nil {
		return
	}
	for _, n := range neighs {
		if n.State&(netlink.NUD_INCOMPLETE|netlink.NUD_FAILED) != 0 {
			n := n
			_ = h.NeighDel(&n)
		}
	}
}
