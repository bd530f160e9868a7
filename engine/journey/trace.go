package journey

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/nsutil"
	"github.com/vishvananda/netlink"
	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
)

// Options tune a trace.
type Options struct {
	// Timeout is how long to wait for the answer (default 300 ms). A reply
	// ends the wait at once, so it only costs a probe that gets none.
	Timeout time.Duration
	// Lang is the language of the hops' why and the stop's detail ("en"
	// when empty; "ko" is supported).
	Lang string
	// Phases, when set, records how long each phase of the trace took.
	Phases *Phases
}

// sent is what the probe itself saw.
type sent struct {
	src        string
	sport      int // tcp/udp source port, or the ICMP echo id
	replied    bool
	kind       string // echo-reply, syn-ack, rst, udp, port-unreachable
	connectErr error  // the sender's own route lookup failed: nothing sent
	icmpErr    string // an ICMP error that came back instead
	sendErr    error  // the probe could not be sent at all (no permission)
	tooBig     bool   // a sized echo was refused with EMSGSIZE: nothing sent
}

// Trace sends one probe from p.From to p.Dst in the namespaces the caller
// can see (its own, "host", and those pinned under dir) and explains its
// journey. A destination outside them is refused with a *RefusedError
// before anything is sent.
func Trace(ctx context.Context, dir string, p Probe, opts Options) (*Journey, error) {
	start := time.Now()
	opts.Phases.begin(start)
	if opts.Timeout <= 0 {
		opts.Timeout = 300 * time.Millisecond
	}
	dst := net.ParseIP(p.Dst).To4()
	if dst == nil {
		return nil, &BadProbeError{fmt.Sprintf("destination %q is not an IPv4 address", p.Dst)}
	}
	switch p.Proto {
	case "icmp":
		p.Port = 0
	case "tcp", "udp":
		if p.Port < 1 || p.Port > 65535 {
			return nil, &BadProbeError{fmt.Sprintf("port %d is out of range (1-65535)", p.Port)}
		}
	default:
		return nil, &BadProbeError{fmt.Sprintf("unknown protocol %q (icmp, tcp or udp)", p.Proto)}
	}
	e, err := openEnv(dir, opts.Phases)
	if err != nil {
		return nil, err
	}
	defer e.close()
	j, err := traceIn(ctx, e, p, dst, opts, start)
	opts.Phases.mark("close-tracers")
	return j, err
}

// TraceLab is Trace in an engine lab (its host namespace and the named
// ones under its /run/netns): a failed reachability check traces its own
// probe with it, so its detail is this journey's stop.
func TraceLab(ctx context.Context, lab *engine.Lab, p Probe, opts Options) (*Journey, error) {
	start := time.Now()
	if opts.Timeout <= 0 {
		opts.Timeout = 300 * time.Millisecond
	}
	dst := net.ParseIP(p.Dst).To4()
	if dst == nil {
		return nil, &BadProbeError{fmt.Sprintf("destination %q is not an IPv4 address", p.Dst)}
	}
	if p.Proto == "" {
		p.Proto = "icmp"
	}
	if p.Proto == "icmp" {
		p.Port = 0
	}
	opts.Phases.begin(start)
	e, err := openLabEnv(lab)
	if err != nil {
		return nil, err
	}
	opts.Phases.mark("open-lab")
	defer e.close()
	return traceIn(ctx, e, p, dst, opts, start)
}

// traceIn sends the probe among e's namespaces and explains its journey.
func traceIn(ctx context.Context, e *env, p Probe, dst net.IP, opts Options, start time.Time) (*Journey, error) {
	from := e.ns(p.From)
	if from == nil {
		var names []string
		for _, n := range e.nss {
			names = append(names, n.name)
		}
		return nil, &BadProbeError{fmt.Sprintf("no namespace %q (visible: %s)", p.From, strings.Join(names, ", "))}
	}
	if err := e.checkInside(from, dst, protoNum(p.Proto), p.Port); err != nil {
		return nil, err
	}
	e.startSaves(dst) // fastrules.go: iptables-save runs while the trace is set up
	ph := opts.Phases
	ph.mark("check-inside")
	// The probe's own port (or echo id) is chosen first: the tracing rules
	// match on it.
	sport := 32768 + rand.IntN(28000)
	if p.Proto == "icmp" {
		sport = int(rand.Uint32()&0x7fff) + 1
	} else if p.Sport > 0 {
		sport = p.Sport // a flow of its own: trace --sport
	}
	p.Sport = sport
	tracers := e.startTracers(protoNum(p.Proto), sport, e.owner(dst.String()) == nil)
	for _, t := range tracers {
		if t.ns.save == nil && t.fd >= 0 {
			t.ns.save = t.ns.startSave()
		}
	}
	ph.mark("tracers")
	defer closeTracers(tracers)
	caps := e.startNSCaptures()
	ph.mark("captures-start")
	s := sendProbe(ctx, from, dst, p, sport, opts.Timeout)
	ph.mark("send")
	settleNS(caps)
	// Closing a packet socket waits for an RCU grace period: the sockets
	// close in the background, all at once.
	go closeNSCaptures(caps)
	ph.mark("settle")
	if s.sendErr != nil {
		return nil, fmt.Errorf("%w (a lab shell or nettutor sandbox gives the rights it needs)", s.sendErr)
	}
	observed := map[string][]RuleHit{}
	for _, t := range tracers {
		observed[t.ns.name] = t.hits(t.read())
	}
	ph.mark("trace-events")
	var pkts []*pkt
	ports := e.vxPorts()
	for _, c := range caps {
		for _, f := range c.frame {
			if q := parseFrameVX(f.data, ports); q != nil {
				q.ns, q.dev, q.out, q.t = c.ns, f.dev, f.out, f.t
				pkts = append(pkts, q)
			}
		}
	}
	sort.SliceStable(pkts, func(i, j int) bool { return pkts[i].t.Before(pkts[j].t) })
	ph.mark("packets")
	k0 := ctKey{proto: protoNum(p.Proto), src: s.src, dst: dst.String(), sp: sport, dp: p.Port}
	if k0.proto == 1 {
		k0.dp, k0.icmpTyp = 0, 8
	}
	flows := e.probeFlows(k0)
	ph.mark("conntrack")
	j := explain(e, opts.Lang, p, dst.String(), s, pkts, flows)
	ph.mark("explain")
	useObserved(j, observed)
	(&explainer{e: e, lang: opts.Lang, p: p, j: j}).serviceJourney(observed)
	ph.mark("service")
	j.Millis = float64(time.Since(start).Microseconds()) / 1000
	return j, nil
}

// labLink reports whether a packet sent out of l stays among the visible
// namespaces: a veth whose peer is visible, a bridge whose every port is
// such a veth, or loopback. Anything else (a real NIC, a tunnel) may lead
// off the machine.
func (e *env) labLink(n *nsEnv, name string, depth int) bool {
	l := n.link(name)
	if l == nil || depth > 4 {
		return false
	}
	switch l.Kind {
	case "loopback":
		return true
	case "veth":
		return l.Peer != nil && l.Peer.NS != "" && e.ns(l.Peer.NS) != nil
	case "bridge":
		for _, o := range n.snap.Links {
			if o.Master == l.Name && !e.labLink(n, o.Name, depth+1) {
				return false
			}
		}
		return true
	case "vxlan":
		// A tunnel leads into the lab when every VTEP it sends to is a
		// visible namespace's address, reached by a lab link.
		d := n.vx[name]
		if d == nil {
			return false
		}
		var dsts []string
		for _, f := range d.fdb {
			dsts = append(dsts, f.dst)
		}
		if d.remote != "" {
			dsts = append(dsts, d.remote)
		}
		for _, dst := range dsts {
			r := n.matchRoute(net.ParseIP(dst))
			if e.owner(dst) == nil || r == nil || r.Dev == name || !e.labLink(n, r.Dev, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

// checkInside walks the route lookups from the sender towards dst and
// refuses a destination that the walk does not keep among the visible
// namespaces, or that no namespace owns and no connected (on-link) route
// of a lab namespace covers: such a probe could leave the machine.
//
// A destination no namespace owns may still be inside the lab: a Service
// address lives only in NAT rules. In each namespace on the way, a NEW
// packet's walk through its nat rules (OUTPUT where it is sent,
// PREROUTING where it arrives; svc_rules.go) gives every address a DNAT
// may send it to, each checked in turn; a filter rule that drops or
// rejects it on every path (kube-proxy's REJECT for a Service with no
// endpoints) keeps it in the lab too.
func (e *env) checkInside(from *nsEnv, dst net.IP, proto uint8, port int) error {
	src := ""
	if rs, err := from.h.RouteGetWithOptions(dst, &netlink.RouteGetOptions{}); err == nil && len(rs) > 0 && rs[0].Src != nil {
		src = rs[0].Src.String()
	}
	return e.checkInsideFrom(from, dst, proto, port, src, true, false, 0)
}

// checkInsideFrom is checkInside from cur; sent says cur is the sender
// (its nat OUTPUT applies), natDone that cur's nat rules already ran for
// this packet (a DNAT's destination is checked on from there).
func (e *env) checkInsideFrom(from *nsEnv, dst net.IP, proto uint8, port int, src string, sent, natDone bool, depth int) error {
	refuse := func(why string) error { return &RefusedError{Dst: dst.String(), Reason: why} }
	owned := e.owner(dst.String()) != nil
	onLink := false
	cur := from
	seen := map[string]bool{}
	for step := 0; step < 16 && !seen[cur.name]; step++ {
		seen[cur.name] = true
		e.walked(cur, "")
		if cur.localIPs[dst.String()] {
			return nil
		}
		if !owned && !(natDone && step == 0) && depth < 4 {
			in, err := e.serviceInside(cur, dst, proto, port, src, sent && step == 0, depth)
			if err != nil || in {
				return err
			}
		}
		rs, err := cur.h.RouteGetWithOptions(dst, &netlink.RouteGetOptions{})
		if err != nil || len(rs) == 0 {
			break // no route here: nothing goes further
		}
		r := rs[0]
		dev := cur.devName(r.LinkIndex)
		e.walked(cur, dev)
		if !e.labLink(cur, dev, 0) {
			return refuse(fmt.Sprintf("in %s the route to it goes out by %s, which does not lead to a visible namespace", cur.name, dev))
		}
		if r.Gw == nil {
			if m := cur.matchRoute(dst); m != nil && m.Dst != "default" {
				onLink = true
			}
		}
		next := dst.String()
		if r.Gw != nil {
			next = r.Gw.String()
		}
		nx := e.owner(next)
		if nx == nil {
			break
		}
		cur = nx
	}
	if !owned && !onLink {
		return refuse("no visible namespace has that address and no route through the lab's namespaces leads to it")
	}
	return nil
}

func (n *nsEnv) devName(index int) string {
	for _, l := range n.snap.Links {
		if l.Index == index {
			return l.Name
		}
	}
	return fmt.Sprintf("if%d", index)
}

// sendProbe sends the probe from ns and waits up to timeout for its answer.
func sendProbe(ctx context.Context, ns *nsEnv, dst net.IP, p Probe, sport int, timeout time.Duration) sent {
	s := sent{sport: sport}
	// As ping does, learn the source address from a connected UDP socket:
	// with no route that fails and nothing is sent.
	err := nsutil.Do(ns.fd, func() error {
		u, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: dst, Port: 1025})
		if err == nil {
			s.src = u.LocalAddr().(*net.UDPAddr).IP.String()
			u.Close()
		}
		return err
	})
	if err != nil {
		s.connectErr = err
		return s
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	switch p.Proto {
	case "icmp":
		sendEcho(ns, dst, p.Size, deadline, &s)
	case "tcp":
		_ = nsutil.Do(ns.fd, func() error {
			d := net.Dialer{Deadline: deadline, LocalAddr: &net.TCPAddr{Port: s.sport}}
			c, err := d.DialContext(ctx, "tcp4", net.JoinHostPort(dst.String(), fmt.Sprint(p.Port)))
			switch {
			case err == nil:
				s.replied, s.kind = true, "syn-ack"
				c.Close()
			case errors.Is(err, syscall.ECONNREFUSED):
				s.replied, s.kind = true, "rst"
			case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
				s.icmpErr = err.Error()
			}
			return nil
		})
	case "udp":
		_ = nsutil.Do(ns.fd, func() error {
			u, err := net.DialUDP("udp4", &net.UDPAddr{Port: s.sport}, &net.UDPAddr{IP: dst, Port: p.Port})
			if err != nil {
				return err
			}
			defer u.Close()
			if _, err := u.Write([]byte("nettutor trace\n")); err != nil {
				return err
			}
			_ = u.SetReadDeadline(deadline)
			var b [512]byte
			_, err = u.Read(b[:])
			switch {
			case err == nil:
				s.replied, s.kind = true, "udp"
			case errors.Is(err, syscall.ECONNREFUSED):
				s.replied, s.kind = true, "port-unreachable"
			case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
				s.icmpErr = err.Error()
			}
			return nil
		})
	}
	return s
}

// sendEcho sends one echo to dst with size bytes of data (0: a short
// one); a sized echo has DF set, as ping -M do sends it.
func sendEcho(ns *nsEnv, dst net.IP, size int, deadline time.Time, s *sent) {
	var conn *net.IPConn
	if err := nsutil.Do(ns.fd, func() error {
		c, err := net.ListenPacket("ip4:icmp", "0.0.0.0")
		if err == nil {
			conn = c.(*net.IPConn)
		}
		return err
	}); err != nil {
		s.sendErr = fmt.Errorf("open an ICMP socket in %s: %w", ns.name, err)
		return
	}
	defer conn.Close()
	data := []byte("nettutor trace")
	if size > 0 {
		data = make([]byte, size)
		copy(data, "nettutor trace")
		if rc, err := conn.SyscallConn(); err == nil {
			_ = rc.Control(func(fd uintptr) {
				_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_MTU_DISCOVER, syscall.IP_PMTUDISC_DO)
			})
		}
	}
	msg := icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: s.sport, Seq: 1, Data: data}}
	wb, _ := msg.Marshal(nil)
	if _, err := conn.WriteTo(wb, &net.IPAddr{IP: dst}); err != nil {
		if errors.Is(err, syscall.EMSGSIZE) {
			// Bigger than the path MTU the sender already knows (an
			// earlier "fragmentation needed"): ping's "message too long".
			s.tooBig = true
			return
		}
		s.sendErr = fmt.Errorf("send the echo: %w", err)
		return
	}
	_ = conn.SetReadDeadline(deadline)
	buf := make([]byte, 65536)
	for {
		n, peer, err := conn.ReadFrom(buf)
		if err != nil {
			return
		}
		m, err := icmp.ParseMessage(1, buf[:n])
		if err != nil {
			continue
		}
		switch b := m.Body.(type) {
		case *icmp.Echo:
			if m.Type == ipv4.ICMPTypeEchoReply && b.ID == s.sport && peer.(*net.IPAddr).IP.Equal(dst) {
				s.replied, s.kind = true, "echo-reply"
				return
			}
		case *icmp.DstUnreach:
			if echoID(b.Data) == s.sport {
				s.icmpErr = fmt.Sprintf("%v from %v", m.Type, peer)
				return
			}
		case *icmp.TimeExceeded:
			if echoID(b.Data) == s.sport {
				s.icmpErr = fmt.Sprintf("%v from %v", m.Type, peer)
				return
			}
		}
	}
}

// echoID is the echo id in the quoted header of an ICMP error, or -1.
func echoID(b []byte) int {
	if len(b) < 20 {
		return -1
	}
	ihl := int(b[0]&0x0f) * 4
	if len(b) < ihl+8 || b[9] != 1 {
		return -1
	}
	return int(b[ihl+4])<<8 | int(b[ihl+5])
}

// flow is a conntrack entry with the namespace that holds it.
type flow struct {
	ns       string
	orig     tuple // as the first packet came in
	replyDir tuple // as the reply is expected
}

// conntrack reads the conntrack tables of the namespaces that have NAT
// rules (a rewrite happens nowhere else), all at once.
func (e *env) conntrack() []flow {
	var out []flow
	type res struct {
		ns string
		fs []*netlink.ConntrackFlow
	}
	ch := make(chan res)
	k := 0
	for _, n := range e.nss {
		nat := false
		for _, r := range n.rules {
			nat = nat || r.Table == "nat"
		}
		if !nat {
			continue
		}
		k++
		go func(n *nsEnv) {
			fs, err := n.h.ConntrackTableList(netlink.ConntrackTable, netlink.FAMILY_V4)
			if err != nil {
				fs = nil // conntrack not readable here: the captures still show the NAT
			}
			ch <- res{n.name, fs}
		}(n)
	}
	for ; k > 0; k-- {
		r := <-ch
		for _, f := range r.fs {
			t := func(x netlink.IPTuple) tuple {
				tp := tuple{x.Protocol, x.SrcIP.String(), x.DstIP.String(), int(x.SrcPort), int(x.DstPort)}
				if tp.proto == 1 {
					tp.sp, tp.dp = 0, 0
				}
				return tp
			}
			out = append(out, flow{r.ns, t(f.Forward), t(f.Reverse)})
		}
	}
	return out
}
