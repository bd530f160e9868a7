package lessons

// The `udp_flow` check and the stale-conntrack cause. A long-lived UDP
// flow with a fixed source port (a syslog forwarder, an NTP or VPN
// client) keeps one conntrack entry for as long as it keeps sending: the
// entry's NAT decision, taken for its first packet, outlives a NAT rule
// fixed later. The checks that probe with fresh ICMP ids and TCP ports
// never meet such an entry, so this check sends nothing: it watches, in
// the capture namespace, the datagrams the lab's own client sends.

import (
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/journey"
	"github.com/nettutor/nettutor/engine/nsutil"
	"github.com/vishvananda/netlink"
	"golang.org/x/net/ipv4"
)

// CauseStaleConntrack blames a conntrack entry that keeps a flow
// untranslated while the NAT rules would translate a new one.
const CauseStaleConntrack = "stale-conntrack" // {ns} {entry} {src} {sport} {dst} {dport}: the flow's entry in {ns} kept its first packet's NAT decision

func init() { Causes = append(Causes, CauseStaleConntrack) }

// udpWatch is how long the check waits for the client's next datagram:
// the lab's clients send one a second.
const udpWatch = 2500 * time.Millisecond

// udpFlow runs a udp_flow check: a datagram for g.Addr must arrive in
// g.CaptureNS with source g.Src. It reads a raw UDP socket there (a copy
// of every UDP packet the namespace receives), so it needs no capture
// support and takes no port from the receiver.
func (c *checker) udpFlow(g AssertArgs) string {
	host, ps, err := net.SplitHostPort(g.Addr)
	if err != nil {
		return err.Error()
	}
	port, _ := strconv.Atoi(ps)
	dst := net.ParseIP(host)
	fd, err := c.lab.NsHandle(g.CaptureNS)
	if err != nil {
		return assets.C("fault.snat.no_ns", "ns", g.CaptureNS)
	}
	var conn net.PacketConn
	err = nsutil.Do(fd, func() error {
		var err error
		conn, err = net.ListenPacket("ip4:udp", "0.0.0.0")
		return err
	})
	if err != nil {
		return assets.C("fault.udp.watch", "ns", g.CaptureNS, "err", err.Error())
	}
	defer conn.Close()
	pc := ipv4.NewPacketConn(conn)
	_ = pc.SetControlMessage(ipv4.FlagDst, true)
	_ = pc.SetReadDeadline(time.Now().Add(udpWatch))
	var srcs []string
	buf := make([]byte, 2048)
	for {
		n, cm, peer, err := pc.ReadFrom(buf)
		if err != nil {
			break
		}
		// Go strips the IP header: buf holds the UDP header and data.
		if n < 8 || int(buf[2])<<8|int(buf[3]) != port {
			continue
		}
		// A Service's datagrams arrive DNATed, addressed to the endpoint
		// in capture_ns: one of its own addresses counts as addr too.
		if cm != nil && cm.Dst != nil && !cm.Dst.Equal(dst) && !heldIn(c, g.CaptureNS, cm.Dst) {
			continue
		}
		a, ok := peer.(*net.IPAddr)
		if !ok {
			continue
		}
		if a.IP.String() == g.Src {
			return ""
		}
		if s := net.JoinHostPort(a.IP.String(), strconv.Itoa(int(buf[0])<<8|int(buf[1]))); !contains(srcs, s) {
			srcs = append(srcs, s)
		}
	}
	if len(srcs) == 0 {
		msg := assets.C("fault.udp.none", "from", g.From, "addr", g.Addr, "in", g.CaptureNS, "secs", strconv.FormatFloat(udpWatch.Seconds(), 'f', -1, 64))
		c.env.Snapshot = nil
		if d := (&diag{c: c, s: c.snap(), v: vars{}}); d.s != nil && d.staleDNAT(g) != "" {
			// A Service's flow DNATed elsewhere (check_service.go): the
			// entry says where, which the journey, replaying rules, cannot.
			return msg + ": " + assets.C("fault.udp.dnat", "ns", d.v["ns"], "entry", d.v["entry"])
		}
		if j := c.journeyOf(journey.Probe{From: g.From, Dst: host, Proto: "udp", Port: port}); j != nil && j.Drop != nil {
			msg += ": " + j.Drop.Text(c.env.Lang)
		}
		return msg
	}
	return assets.C("fault.udp.src", "from", g.From, "addr", g.Addr, "in", g.CaptureNS, "have", clipList(srcs, maxListed), "want", g.Src)
}

// udpFlow diagnoses a failed udp_flow check: what a ping's SNAT check
// would blame (the path, a route back, the MASQUERADE rule), else an
// entry of the flow that a router's conntrack keeps untranslated.
func (d *diag) udpFlow(g AssertArgs) string {
	host, ps, err := net.SplitHostPort(g.Addr)
	if err != nil {
		return ""
	}
	if c := d.staleDNAT(g); c != "" {
		return c
	}
	if c := d.snat(AssertArgs{From: g.From, To: host, CaptureNS: g.CaptureNS, Src: g.Src}); c != "" {
		return c
	}
	dport, _ := strconv.Atoi(ps)
	dst, err := netip.ParseAddr(host)
	if err != nil {
		return ""
	}
	from := d.s.NS(g.From)
	if from == nil {
		return ""
	}
	for i := range d.s.Namespaces {
		rn := &d.s.Namespaces[i]
		if rn.Name == from.Name || rn.Name == g.CaptureNS {
			continue
		}
		h, err := d.c.lab.Handle(rn.Name)
		if err != nil {
			continue
		}
		flows, err := h.ConntrackTableList(netlink.ConntrackTable, netlink.FAMILY_V4)
		if err != nil {
			continue
		}
		for _, f := range flows {
			fw, rv := f.Forward, f.Reverse
			src, ok := netip.AddrFromSlice(fw.SrcIP.To4())
			if fw.Protocol != 17 || !fw.DstIP.Equal(dst.AsSlice()) || int(fw.DstPort) != dport || !ok || !holds(from, src) {
				continue
			}
			// Untranslated: the reply goes to the sender's own address.
			if rv.DstIP.Equal(fw.SrcIP) {
				d.v["ns"], d.v["src"], d.v["dst"] = rn.Name, src.String(), host
				d.v["sport"], d.v["dport"] = strconv.Itoa(int(fw.SrcPort)), ps
				d.v["entry"] = "src=" + src.String() + " dst=" + host + " sport=" + d.v["sport"] + " dport=" + ps +
					" ... src=" + rv.SrcIP.String() + " dst=" + rv.DstIP.String()
				return CauseStaleConntrack
			}
		}
	}
	return ""
}

// holds says whether one of n's links has ip.
func holds(n *engine.Namespace, ip netip.Addr) bool {
	for _, l := range n.Links {
		for _, a := range l.Addrs {
			if p, err := netip.ParsePrefix(a); err == nil && p.Addr() == ip {
				return true
			}
		}
	}
	return false
}
