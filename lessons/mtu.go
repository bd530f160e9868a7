package lessons

// Full-size packets: a reachable check with `size:` pings with that much
// echo data and DF set (ping -M do -s SIZE), and a failure where a small
// ping passes is an MTU on the way that is smaller than the packet. A
// bridge or a veth end drops such a frame silently (a bridge is not a
// router: it sends no ICMP "fragmentation needed"), so the sender's path
// MTU discovery never learns of it and nothing but the size tells.

import (
	"errors"
	"net/netip"
	"strconv"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine"
)

// CauseMTU blames a link whose MTU is below the packet the check sends.
const CauseMTU = "mtu" // {ns} {dev} {mtu} {packet} {peer} {peer_ns} {peer_mtu}: {dev}'s MTU is below the {packet}-byte packet

func init() { Causes = append(Causes, CauseMTU) }

// ipHeader is the IPv4 and ICMP echo headers that ping -s leaves out.
const ipHeader = 20 + 8

// pingDF runs a reachable check with size bytes of echo data and DF set.
func (c *checker) pingDF(from, to string, size int) string {
	res, err := c.lab.PingDF(c.ctx, from, to, size, 1, probeTimeout)
	if err == nil {
		return ""
	}
	packet := strconv.Itoa(size + ipHeader)
	if len(res.Errors) > 0 {
		// A router said why, as ping prints it: "Frag needed and DF set".
		e := res.Errors[0]
		return assets.C("fault.ping.df_error", "from", from, "to", to, "packet", packet, "err", "From "+e.From+" "+e.Text())
	}
	if !errors.Is(err, engine.ErrNoReply) {
		// Not sent: no route, or bigger than the sender's own MTU
		// (EMSGSIZE, ping's "message too long").
		return assets.C("fault.ping.df_error", "from", from, "to", to, "packet", packet, "err", engine.ErrorText(err, c.env.Lang))
	}
	if _, e := c.lab.Ping(c.ctx, from, to, 1, probeTimeout); e == nil {
		return assets.C("fault.ping.df_no_reply", "from", from, "to", to, "packet", packet)
	}
	// Small pings fail too: the path itself is broken, and the plain
	// check says where.
	return c.ping(true, from, to)
}

// mtu finds the link with the smallest MTU below size's packet among the
// veths of both ends (from, and the holder of to) and their peers: the
// hop that drops the packet. It sets {ns} {dev} {mtu} {packet}, and
// {peer} {peer_ns} {peer_mtu} for the veth's other end.
func (d *diag) mtu(from, to string, size int) string {
	need := size + ipHeader
	dst, err := netip.ParseAddr(to)
	if err != nil {
		return ""
	}
	var ends []*engine.Namespace
	if n := d.s.NS(from); n != nil {
		ends = append(ends, n)
	}
	if tn, _, _ := d.holder(dst); tn != nil && tn.Name != from {
		ends = append(ends, tn)
	}
	type hop struct {
		ns, peerNS string
		l, peer    *engine.Link
	}
	var best *hop
	consider := func(ns string, l *engine.Link, peerNS string, peer *engine.Link) {
		if l == nil || l.MTU <= 0 || l.MTU >= need {
			return
		}
		if best == nil || l.MTU < best.l.MTU {
			best = &hop{ns, peerNS, l, peer}
		}
	}
	for _, n := range ends {
		for _, l := range veths(n) {
			l := l
			var pl *engine.Link
			peerNS := ""
			if l.Peer != nil {
				peerNS = l.Peer.NS
				if pn := d.s.NS(l.Peer.NS); pn != nil {
					if pl = pn.Link(l.Peer.Name); pl != nil {
						consider(pn.Name, pl, n.Name, &l)
					}
				}
			}
			consider(n.Name, &l, peerNS, pl)
		}
	}
	if best == nil {
		return ""
	}
	d.v["ns"], d.v["dev"], d.v["mtu"] = best.ns, best.l.Name, strconv.Itoa(best.l.MTU)
	d.v["packet"] = strconv.Itoa(need)
	if best.peer != nil {
		d.v["peer"], d.v["peer_ns"], d.v["peer_mtu"] = best.peer.Name, best.peerNS, strconv.Itoa(best.peer.MTU)
	}
	return CauseMTU
}
