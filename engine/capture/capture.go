// Package capture records the packets a lesson step causes, at capture
// points (an interface in a lab network namespace), without cgo or libpcap.
//
// A Capture opens an AF_PACKET socket inside the point's namespace (through
// nsutil), attaches the point's filter as a classic BPF program so that
// filtered-out packets never reach user space, and reads on one goroutine
// that never waits for consumers: packets go into a bounded ring that keeps
// the newest (Options.RingSize, default 10000) and, without blocking, onto a
// stream channel. What the ring overwrote, what the stream could not take
// and what the kernel dropped (PACKET_STATISTICS) are all counted in Stats.
//
// Each packet is decoded with a gopacket.DecodingLayerParser and summarised
// on one line the way `tcpdump -n` prints it; Detail and HexDump give the
// layer tree and bytes for a packet view, BuildLadder and RenderLadder a
// sequence diagram, WritePcap and WritePcapNG files for Wireshark or
// tcpdump. Set runs several points at once and merges them in time order.
package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/nettutor/nettutor/engine/nsutil"
	"golang.org/x/sys/unix"
)

// Defaults for Options.
const (
	DefaultRingSize     = 10000
	DefaultSnaplen      = 262144
	DefaultRcvBuf       = 4 << 20
	DefaultStreamBuffer = 1024
)

// Point names where to capture.
type Point struct {
	NS     string // lab name of the namespace, e.g. "BLUE"; "" means "host"
	NSPath string // e.g. /run/netns/BLUE; "" for the caller's namespace
	Iface  string // e.g. "veth1"
	Filter string // filter expression (see CompileFilter); "" for all
}

// Name is the point's label, "NS/iface", e.g. "BLUE/veth1".
func (p Point) Name() string {
	ns := p.NS
	if ns == "" {
		ns = "host"
	}
	return ns + "/" + p.Iface
}

// Options tune a capture. Zero values take the defaults.
type Options struct {
	RingSize     int // packets kept, newest win (default 10000)
	Snaplen      int // bytes kept per packet (default 262144)
	RcvBuf       int // socket receive buffer in bytes (default 4 MiB)
	StreamBuffer int // capacity of the Updates channel (default 1024)
	// RecvMsg reads packets one recvmsg call at a time instead of through a
	// TPACKET_V3 ring shared with the kernel (the ring is used when it can
	// be set up; RcvBuf is then its size).
	RecvMsg bool
	// Budget, when set, counts the point against a session's budget: Start
	// refuses it (a *BudgetError) when the budget has no room for another
	// point or its ring, and Stop gives both back.
	Budget *Budget
}

func (o Options) withDefaults() Options {
	if o.RingSize <= 0 {
		o.RingSize = DefaultRingSize
	}
	if o.Snaplen <= 0 {
		o.Snaplen = DefaultSnaplen
	}
	if o.Snaplen < 64 {
		o.Snaplen = 64
	}
	if o.RcvBuf <= 0 {
		o.RcvBuf = DefaultRcvBuf
	}
	if o.StreamBuffer <= 0 {
		o.StreamBuffer = DefaultStreamBuffer
	}
	return o
}

// Packet is one captured frame. Data must not be modified.
type Packet struct {
	Seq      uint64    // 1, 2, ... per capture point
	Time     time.Time // kernel receive time
	Point    string    // capture point name, e.g. "BLUE/veth1"
	Data     []byte    // the frame from the Ethernet header on, cut at snaplen
	Len      int       // length on the wire
	Outgoing bool      // sent by this interface's host (PACKET_OUTGOING)
	Summary  string    // tcpdump-style line, e.g. "ARP, Request who-has ..."
	Src, Dst string    // IP addresses (ARP: sender and target), else MACs
	Proto    string    // ARP, ICMP, ICMP6, TCP, UDP, DNS, VXLAN, IP, IP6, ETH
}

// Stats counts what happened to packets at one point.
type Stats struct {
	Point         string
	Captured      uint64 // packets read into the ring
	KernelSeen    uint64 // packets that passed the filter in the kernel (tp_packets)
	DroppedKernel uint64 // socket buffer overflow (tp_drops)
	DroppedRing   uint64 // overwritten in the ring by newer packets
	DroppedStream uint64 // not offered on Updates because the consumer lagged
	FilterInBPF   bool   // the filter runs in the kernel
	Method        string // "tpacket_v3" (ring shared with the kernel) or "recvmsg"
	SocketErrors  uint64 // errors reported by the socket (ENETDOWN: link went down)
	LastError     string
}

// String prints the counts the way tcpdump does on exit.
func (s Stats) String() string {
	return fmt.Sprintf("%d packets captured\n%d packets received by filter\n%d packets dropped by kernel",
		s.Captured, s.KernelSeen, s.DroppedKernel)
}

// Capture reads one point. Its methods are safe for concurrent use.
type Capture struct {
	point  Point
	name   string
	opts   Options
	filter *Filter
	inBPF  bool

	fd    int
	evfd  int
	mring *mmapRing // nil when reading with recvmsg
	ring0 int       // ring bytes charged to opts.Budget

	stopping atomic.Bool
	done     chan struct{}
	stopOnce sync.Once
	stopErr  error

	mu        sync.Mutex // guards ring, addrs, stats, fd state
	ring      []entry
	start, n  int
	seq       uint64 // Seq of the newest packet
	addrs     []string
	addrIdx   map[string]uint32
	st        Stats
	closed    bool
	updates   chan Packet
	notify    chan struct{}
	lastStats time.Time
}

// Start opens the capture point and begins reading. The socket is bound to
// the interface before it can see a packet, with the BPF filter already
// attached, so no stray packet gets in. The capture survives its link going
// down and up (Stats.SocketErrors counts ENETDOWN). Its socket holds a
// reference to the namespace: Stop captures before tearing a lab down, or
// the namespace and its links live on until Stop.
func Start(p Point, opts Options) (*Capture, error) {
	opts = opts.withDefaults()
	if p.Iface == "" {
		return nil, errors.New("capture: no interface given")
	}
	c := &Capture{point: p, name: p.Name(), opts: opts, fd: -1, evfd: -1}
	if b := opts.Budget; b != nil {
		c.ring0 = ringBytes(opts)
		if err := b.acquire(c.name, c.ring0); err != nil {
			return nil, err
		}
	}
	c.done, c.ring = make(chan struct{}), make([]entry, opts.RingSize)
	c.addrs, c.addrIdx = []string{""}, map[string]uint32{"": 0}
	c.updates, c.notify = make(chan Packet, opts.StreamBuffer), make(chan struct{}, 1)
	c.st.Point = c.name
	if err := c.open(p); err != nil {
		if b := opts.Budget; b != nil {
			b.release(c.ring0)
		}
		return nil, err
	}
	return c, nil
}

// open opens the point's socket and starts the reader.
func (c *Capture) open(p Point) error {
	opts := c.opts
	var prog []unix.SockFilter
	if p.Filter != "" {
		f, err := CompileFilter(p.Filter)
		if err != nil {
			return fmt.Errorf("capture %s: %w", c.name, err)
		}
		c.filter = f
		if raw, err := f.BPFSnaplen(opts.Snaplen); err == nil {
			prog = toSockFilter(raw)
			c.inBPF = true
		}
	}
	if prog == nil {
		// No filter, or one too complex for classic BPF (it then runs in
		// Go): a program that only cuts packets at snaplen ("ret #snaplen").
		prog = []unix.SockFilter{{Code: 0x06, K: uint32(opts.Snaplen)}}
	}
	c.st.FilterInBPF = c.inBPF
	c.st.Method = "recvmsg"
	open := func() error {
		fd, ring, err := openSocket(p.Iface, prog, opts)
		c.fd, c.mring = fd, ring
		return err
	}
	var err error
	if p.NSPath == "" {
		err = open()
	} else {
		err = nsutil.DoPath(p.NSPath, open)
	}
	if err != nil {
		return fmt.Errorf("capture %s: %w", c.name, err)
	}
	if c.mring != nil {
		c.st.Method = "tpacket_v3"
	}
	c.evfd, err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		c.mring.close()
		unix.Close(c.fd)
		return fmt.Errorf("capture %s: eventfd: %w", c.name, err)
	}
	go c.run()
	return nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func openSocket(ifname string, prog []unix.SockFilter, opts Options) (int, *mmapRing, error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return -1, nil, fmt.Errorf("interface %s: %w", ifname, err)
	}
	// Protocol 0: the socket receives nothing until bind names a protocol,
	// so the filter is in place before the first packet.
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return -1, nil, fmt.Errorf("open AF_PACKET socket: %w", err)
	}
	var ring *mmapRing
	fail := func(what string, err error) (int, *mmapRing, error) {
		ring.close()
		unix.Close(fd)
		return -1, nil, fmt.Errorf("%s: %w", what, err)
	}
	if len(prog) > 0 {
		fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
		if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &fprog); err != nil {
			return fail("attach BPF filter", err)
		}
	}
	if !opts.RecvMsg {
		ring, _ = newMmapRing(fd, opts) // nil: fall back to recvmsg
	}
	if ring == nil {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, opts.RcvBuf); err != nil {
			_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, opts.RcvBuf)
		}
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
		return fail("enable timestamps", err)
	}
	// The filter's return value cuts packets at snaplen in the kernel;
	// auxdata still tells the length on the wire.
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_AUXDATA, 1); err != nil {
		return fail("enable packet auxdata", err)
	}
	sa := &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind to "+ifname, err)
	}
	return fd, ring, nil
}

// Point returns the capture point.
func (c *Capture) Point() Point { return c.point }

// Name returns the point's name, e.g. "BLUE/veth1".
func (c *Capture) Name() string { return c.name }

// Filter returns the compiled filter, or nil.
func (c *Capture) Filter() *Filter { return c.filter }

// Stop ends the capture and closes the socket. It never waits on a blocked
// read: the reader sleeps in poll on the socket and an eventfd that Stop
// signals. It is safe to call more than once. Packets stay available.
func (c *Capture) Stop() error {
	c.stopOnce.Do(func() {
		c.stopping.Store(true)
		var one [8]byte
		binary.NativeEndian.PutUint64(one[:], 1)
		_, _ = unix.Write(c.evfd, one[:])
		select {
		case <-c.done:
		case <-time.After(2 * time.Second):
			// The reader also wakes every pollInterval; this is a last resort.
			c.stopErr = errors.New("capture: reader did not stop within 2s")
		}
		c.mu.Lock()
		c.readKernelStats()
		c.closed = true
		c.mu.Unlock()
		if c.stopErr == nil {
			c.mring.close()
			unix.Close(c.fd)
			unix.Close(c.evfd)
			// Only a ring really unmapped goes back to the budget.
			if c.opts.Budget != nil {
				c.opts.Budget.release(c.ring0)
			}
		}
	})
	return c.stopErr
}

// Done is closed when the reader has ended.
func (c *Capture) Done() <-chan struct{} { return c.done }

// readKernelStats adds PACKET_STATISTICS (which the kernel resets on every
// read) to the totals. c.mu must be held.
func (c *Capture) readKernelStats() {
	if c.closed || c.fd < 0 {
		return
	}
	ks, err := unix.GetsockoptTpacketStats(c.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS)
	if err != nil {
		return
	}
	c.st.KernelSeen += uint64(ks.Packets)
	c.st.DroppedKernel += uint64(ks.Drops)
	c.lastStats = time.Now()
}

// Stats returns the counts so far (kernel counts are read now).
func (c *Capture) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.readKernelStats()
	return c.st
}

// Packets returns a copy of the ring, oldest first.
func (c *Capture) Packets() []Packet {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Packet, c.n)
	first := c.seq - uint64(c.n) + 1
	for i := 0; i < c.n; i++ {
		out[i] = c.packet(&c.ring[(c.start+i)%len(c.ring)], first+uint64(i))
	}
	return out
}

// entry is a packet as the ring keeps it: a third of a Packet's size, so
// that 100000 packets stay small. c.mu must be held to read one.
type entry struct {
	buf      []byte // the frame's bytes followed by its summary, in a slab
	ts       int64  // Unix nanoseconds
	wire     uint32 // length on the wire
	dlen     uint32 // bytes of buf that are the frame
	src, dst uint32 // indexes into Capture.addrs
	proto    uint8  // index into protoNames
	out      bool
}

var protoNames = []string{"", "ARP", "ICMP", "ICMP6", "TCP", "UDP", "DNS", "VXLAN", "IP", "IP6", "ETH"}

func protoIndex(p string) uint8 {
	for i, n := range protoNames {
		if n == p {
			return uint8(i)
		}
	}
	return 0
}

// maxAddrs bounds the address table (an index stays valid for the
// capture's life, so the table is never cleared).
const maxAddrs = 1 << 20

func (c *Capture) addrIndex(a string) uint32 {
	if i, ok := c.addrIdx[a]; ok {
		return i
	}
	if len(c.addrs) >= maxAddrs {
		return 0
	}
	i := uint32(len(c.addrs))
	c.addrs = append(c.addrs, a)
	c.addrIdx[a] = i
	return i
}

func (c *Capture) packet(e *entry, seq uint64) Packet {
	p := Packet{Seq: seq, Time: time.Unix(0, e.ts), Point: c.name, Data: e.buf[:e.dlen:e.dlen], Len: int(e.wire),
		Outgoing: e.out, Src: c.addrs[e.src], Dst: c.addrs[e.dst], Proto: protoNames[e.proto]}
	if int(e.dlen) < len(e.buf) {
		p.Summary = unsafe.String(&e.buf[e.dlen], len(e.buf)-int(e.dlen))
	}
	return p
}

// Len returns how many packets the ring holds.
func (c *Capture) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// Since returns the packets in the ring with Seq > seq, oldest first, and
// how many packets after seq the ring has already overwritten. A UI keeps
// the last Seq it showed and calls Since after each Notify.
func (c *Capture) Since(seq uint64) (pkts []Packet, missed uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == 0 {
		return nil, 0
	}
	oldest := c.seq - uint64(c.n) + 1
	if seq+1 < oldest {
		missed = oldest - seq - 1
	}
	for i := 0; i < c.n; i++ {
		if s := oldest + uint64(i); s > seq {
			pkts = append(pkts, c.packet(&c.ring[(c.start+i)%len(c.ring)], s))
		}
	}
	return pkts, missed
}

// Notify returns a channel that receives a value (coalesced) whenever new
// packets have arrived. It is never closed; watch Done for the end.
func (c *Capture) Notify() <-chan struct{} { return c.notify }

// Updates streams packets as they arrive. The reader never waits for the
// consumer: when the channel is full, the packet is only kept in the ring
// and Stats.DroppedStream counts it. The channel is closed when the capture
// stops.
func (c *Capture) Updates() <-chan Packet { return c.updates }

const pollInterval = 1000 // ms; the reader's upper bound on sleeping (Stop wakes it at once through the eventfd)

// reader state, kept off the stack so recvmsg's pointers stay valid.
type reader struct {
	buf  []byte
	oob  [128]byte
	sa   unix.RawSockaddrLinklayer
	iov  unix.Iovec
	msg  unix.Msghdr
	slab []byte
}

const slabSize = 256 << 10

// keep2 copies a and b, back to back, into the slab. Slab bytes are never
// written again, so strings made from them are immutable.
func (r *reader) keep2(a, b []byte) []byte {
	n := len(a) + len(b)
	var out []byte
	if n > slabSize/4 {
		out = make([]byte, n)
	} else {
		if len(r.slab) < n {
			r.slab = make([]byte, slabSize)
		}
		out = r.slab[:n:n]
		r.slab = r.slab[n:]
	}
	copy(out, a)
	copy(out[len(a):], b)
	return out
}

// recv reads one packet without blocking. It returns the bytes read, the
// length on the wire, the kernel timestamp (zero if absent) and whether the
// packet was outgoing.
func (r *reader) recv(fd int) (n, wire int, ts time.Time, out bool, err error) {
	r.iov.Base = &r.buf[0]
	r.iov.SetLen(len(r.buf))
	r.msg.Name = (*byte)(unsafe.Pointer(&r.sa))
	r.msg.Namelen = uint32(unsafe.Sizeof(r.sa))
	r.msg.Iov = &r.iov
	r.msg.SetIovlen(1)
	r.msg.Control = &r.oob[0]
	r.msg.SetControllen(len(r.oob))
	r.msg.Flags = 0
	m, _, e := unix.Syscall(unix.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&r.msg)), unix.MSG_DONTWAIT|unix.MSG_TRUNC)
	if e != 0 {
		return 0, 0, time.Time{}, false, e
	}
	wire = int(m)
	n = wire
	if n > len(r.buf) {
		n = len(r.buf)
	}
	out = r.sa.Pkttype == unix.PACKET_OUTGOING
	var origLen int
	ts, origLen = ParseControl(r.oob[:r.msg.Controllen])
	if origLen > wire {
		wire = origLen
	}
	return n, wire, ts, out, nil
}

// ParseControl finds the kernel timestamp (SCM_TIMESTAMPNS) and the length
// on the wire (PACKET_AUXDATA tp_len) in a packet socket's control data;
// the journey's own capture reads its sockets' with it too.
func ParseControl(oob []byte) (ts time.Time, wireLen int) {
	const hdr = unix.SizeofCmsghdr
	for len(oob) >= hdr {
		l := int(binary.NativeEndian.Uint64(oob[0:8]))
		level := int32(binary.NativeEndian.Uint32(oob[8:12]))
		typ := int32(binary.NativeEndian.Uint32(oob[12:16]))
		if l < hdr || l > len(oob) {
			break
		}
		switch {
		case level == unix.SOL_SOCKET && typ == unix.SCM_TIMESTAMPNS && l >= hdr+16:
			sec := int64(binary.NativeEndian.Uint64(oob[hdr:]))
			nsec := int64(binary.NativeEndian.Uint64(oob[hdr+8:]))
			ts = time.Unix(sec, nsec)
		case level == unix.SOL_PACKET && typ == unix.PACKET_AUXDATA && l >= hdr+8:
			wireLen = int(binary.NativeEndian.Uint32(oob[hdr+4:])) // tp_len
		}
		al := (l + 7) &^ 7
		if al > len(oob) {
			break
		}
		oob = oob[al:]
	}
	return ts, wireLen
}

// handler turns raw frames into ring entries; it lives on the reader
// goroutine.
type handler struct {
	c     *Capture
	r     *reader
	dec   *Decoder
	sum   *Summarizer
	names *addrCache
	line  []byte
}

func (h *handler) handle(data []byte, wire int, ts time.Time, out bool) {
	if ts.IsZero() {
		ts = time.Now()
	}
	if wire < len(data) {
		wire = len(data)
	}
	c := h.c
	d, _ := h.dec.Decode(data)
	if c.filter != nil && !c.inBPF && !c.filter.MatchDecoded(d) {
		return
	}
	h.line = h.sum.Append(h.line[:0], d, wire)
	src, dst, proto := endpoints(d, h.names)
	c.push(entry{buf: h.r.keep2(data, h.line), ts: ts.UnixNano(), wire: uint32(wire), dlen: uint32(len(data)),
		proto: protoIndex(proto), out: out}, src, dst)
}

func (c *Capture) run() {
	defer close(c.done)
	defer close(c.updates)
	h := &handler{c: c, r: &reader{}, dec: NewDecoder(), sum: NewSummarizer(), names: newAddrCache(), line: make([]byte, 0, 256)}
	if c.mring == nil {
		h.r.buf = make([]byte, c.opts.Snaplen)
	}
	pfd := []unix.PollFd{{Fd: int32(c.fd), Events: unix.POLLIN}, {Fd: int32(c.evfd), Events: unix.POLLIN}}
	for !c.stopping.Load() {
		var got int
		var err error
		if c.mring != nil {
			got = c.mring.drain(h, &c.stopping)
		} else {
			got, err = c.drainRecv(h)
		}
		if err != nil {
			c.stopErr = fmt.Errorf("capture %s: read: %w", c.name, err)
			return
		}
		if got > 0 {
			select {
			case c.notify <- struct{}{}:
			default:
			}
		}
		c.mu.Lock()
		if time.Since(c.lastStats) > time.Second {
			c.readKernelStats()
		}
		c.mu.Unlock()
		if got > 0 {
			continue // look again before sleeping
		}
		pfd[0].Revents, pfd[1].Revents = 0, 0
		if _, err := unix.Poll(pfd, pollInterval); err != nil && err != unix.EINTR {
			c.stopErr = fmt.Errorf("capture %s: poll: %w", c.name, err)
			return
		}
		if pfd[1].Revents != 0 || pfd[0].Revents&unix.POLLNVAL != 0 {
			return
		}
		if pfd[0].Revents&unix.POLLERR != 0 {
			c.socketError()
		}
	}
}

// socketError reads (and so clears) the socket's pending error: ENETDOWN
// when the interface goes down. The capture goes on; the kernel delivers
// again once the link is back up.
func (c *Capture) socketError() {
	e, err := unix.GetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil || e == 0 {
		return
	}
	c.mu.Lock()
	c.st.SocketErrors++
	c.st.LastError = unix.Errno(e).Error()
	c.mu.Unlock()
}

// drainRecv reads what the socket holds with recvmsg, up to a batch.
func (c *Capture) drainRecv(h *handler) (int, error) {
	got := 0
	for got < 4096 && !c.stopping.Load() {
		n, wire, ts, out, err := h.r.recv(c.fd)
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			break
		}
		if err == unix.ENETDOWN || err == unix.ENXIO {
			c.mu.Lock()
			c.st.SocketErrors++
			c.st.LastError = err.Error()
			c.mu.Unlock()
			break
		}
		if err != nil {
			return got, err
		}
		got++
		h.handle(h.r.buf[:n], wire, ts, out)
	}
	return got, nil
}

func (c *Capture) push(e entry, src, dst string) {
	c.mu.Lock()
	e.src, e.dst = c.addrIndex(src), c.addrIndex(dst)
	c.seq++
	size := len(c.ring)
	if c.n < size {
		c.ring[(c.start+c.n)%size] = e
		c.n++
	} else {
		c.ring[c.start] = e
		c.start = (c.start + 1) % size
		c.st.DroppedRing++
	}
	c.st.Captured++
	if len(c.updates) < cap(c.updates) {
		c.updates <- c.packet(&e, c.seq) // only this goroutine sends
	} else {
		c.st.DroppedStream++
	}
	c.mu.Unlock()
}
