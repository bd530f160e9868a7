package lessons

// The `encapsulated` check: a pod reaches a pod on another node through a
// VXLAN overlay, and on the underlay the pods' packets travel only inside
// VXLAN UDP with the asked port and VNI. Reachability alone cannot tell an
// overlay from host-gw routes (both reach), so the check watches the
// underlay namespace while it pings: a packet socket there (ETH_P_ALL, no
// interface) sees every frame that crosses it, on each port of the
// underlay bridge, and needs no capture support from the engine. Any
// overlay that works passes: flannel's static neighbour, fdb and onlink
// route, a point-to-point VXLAN with `remote`, any device name.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/journey"
	"github.com/nettutor/nettutor/engine/nsutil"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// The causes the encapsulated check finds itself. `no-encap` and
// `vxlan-port` are the names agreed with engine/journey (which may blame
// vxlan-port for a failed reachable check too); the others are this
// check's own.
const (
	encapCauseNoEncap = "no-encap"   // {ns} {dst}: the pods' packets cross the underlay unencapsulated (reachable, but not an overlay)
	encapCausePort    = "vxlan-port" // {ns} {port} {have} {node}: {node} sends to UDP {port}, {ns} has no VXLAN device on it ({have})
	encapCauseNoVTEP  = "no-vtep"    // {ns} {node}: {ns} has no VXLAN device: the overlay is set up on {node} only
	encapCauseVNI     = "vxlan-vni"  // {ns} {vni} {have}: the packets carry VNI {have}, the goal asks {vni}
)

func init() {
	for _, c := range []string{encapCauseNoEncap, encapCausePort, encapCauseNoVTEP, encapCauseVNI} {
		if !contains(Causes, c) {
			Causes = append(Causes, c)
		}
	}
}

// encapWatch is how long the check keeps reading the underlay after its
// ping has returned: the reply is already in, this only drains copies.
const encapWatch = 100 * time.Millisecond

// encapFinding is a cause the encapsulated check found while it ran, with
// the learner's names for its hint.
type encapFinding struct {
	cause string
	v     vars
}

// frame is one pod packet seen on the underlay.
type frame struct {
	src, dst netip.Addr // the pod packet's own (inner) addresses
	encap    bool
	// pod is false for a VXLAN frame that carries no pod packet (the
	// tunnel's own ARP): it still shows the port and VNI the sender uses.
	pod      bool
	outerSrc netip.Addr
	outerDst netip.Addr
	dport    int
	vni      int
	ifindex  int // the underlay device it was read on
	outgoing bool
}

// encapsulated runs an encapsulated check (see encapWatcher).
func (c *checker) encapsulated(g AssertArgs) string {
	s := c.snap()
	if s == nil {
		return assets.C("fault.snapshot", "err", c.err.Error())
	}
	under := nsOr(g.NS)
	from := s.NS(g.From)
	if from == nil {
		return noNS(s, g.From)
	}
	to, err := netip.ParseAddr(g.To)
	if err != nil {
		return err.Error()
	}
	pods := map[netip.Addr]bool{to: true}
	for _, l := range from.Links {
		for _, a := range l.Addrs {
			if p, err := netip.ParsePrefix(a); err == nil && p.Addr().Is4() && !p.Addr().IsLoopback() {
				pods[p.Addr()] = true
			}
		}
	}
	fd, err := c.lab.NsHandle(under)
	if err != nil {
		return assets.C("fault.snat.no_ns", "ns", under)
	}
	w, err := openWatcher(fd)
	if err != nil {
		return assets.C("fault.encap.watch", "ns", under, "err", err.Error())
	}
	done := make(chan []frame, 1)
	stop := make(chan struct{})
	go func() { done <- w.read(pods, stop) }()
	_, perr := c.lab.Ping(c.ctx, g.From, g.To, 1, probeTimeout)
	time.Sleep(encapWatch)
	close(stop)
	frames := <-done
	w.close()
	replied := perr == nil
	c.env.Snapshot = nil // the ping changed neighbour tables
	if s = c.snap(); s == nil {
		return assets.C("fault.snapshot", "err", c.err.Error())
	}
	return c.judgeEncap(s, g, under, frames, replied)
}

// judgeEncap says what the frames seen on the underlay mean: "" when every
// pod packet crossed inside VXLAN with the asked port and VNI and the ping
// was answered; else the fault, with c.found set to its cause.
func (c *checker) judgeEncap(s *engine.Snapshot, g AssertArgs, under string, frames []frame, replied bool) string {
	port := g.Port
	vni := g.VNI
	if vni == 0 {
		vni = 1
	}
	find := func(cause string, v vars) { c.found = &encapFinding{cause: cause, v: v} }
	// A pod packet seen bare: the node that put it on the underlay routes
	// the pods' traffic without a tunnel.
	for _, f := range frames {
		if f.encap || f.outgoing {
			continue
		}
		node := senderNode(s, under, f.ifindex)
		what := f.src.String() + " > " + f.dst.String()
		if node == "" {
			node = under
		}
		v := vars{"ns": node, "dst": f.dst.String()}
		if !replied && !hasVXLAN(c.lab, node) {
			v["node"] = otherNode(s, under, node)
			find(encapCauseNoVTEP, v)
			return assets.C("fault.encap.bare_novtep", "ns", node, "what", what, "in", under)
		}
		find(encapCauseNoEncap, v)
		if replied {
			return assets.C("fault.encap.bare", "from", g.From, "to", g.To, "ns", node, "what", what, "in", under)
		}
		return assets.C("fault.encap.bare_lost", "ns", node, "what", what, "in", under)
	}
	// The pods' packets in the tunnel, as they arrived on the underlay
	// (else as they left it); with none and no reply, the tunnel's own ARP
	// still says which port and VNI the sender uses.
	pick := func(pod bool) []frame {
		var out, sent []frame
		for _, f := range frames {
			if f.encap && f.pod == pod {
				if f.outgoing {
					sent = append(sent, f)
				} else {
					out = append(out, f)
				}
			}
		}
		if len(out) == 0 {
			return sent
		}
		return out
	}
	enc := pick(true)
	if len(enc) == 0 && !replied {
		enc = pick(false)
	}
	if len(enc) == 0 {
		if replied {
			find(encapCauseNoEncap, vars{"ns": g.From, "dst": g.To})
			return assets.C("fault.encap.nothing_reached", "from", g.From, "to", g.To, "in", under)
		}
		// Nothing crossed and nothing came back: the path's own fault
		// (no route, a link down), which the reachable check explains.
		c.env.Snapshot = nil
		msg := assets.C("fault.encap.nothing", "from", g.From, "to", g.To, "in", under)
		if j := c.journeyOf(journey.Probe{From: g.From, Dst: g.To, Proto: "icmp"}); j != nil && j.Drop != nil {
			msg += ": " + j.Drop.Text(c.env.Lang)
		}
		return msg
	}
	// Encapsulated: the receiving node must have a VXLAN device on the
	// port and VNI the sender used, and both must be the asked ones.
	for _, f := range enc {
		node, _ := ownerOf(s, f.outerSrc)
		peer, _ := ownerOf(s, f.outerDst)
		if peer == "" || replied {
			continue
		}
		devs := vxlanDevices(c.lab, peer)
		v := vars{"ns": peer, "node": node, "port": strconv.Itoa(f.dport), "vni": strconv.Itoa(f.vni)}
		if len(devs) == 0 {
			find(encapCauseNoVTEP, v)
			return assets.C("fault.encap.no_vtep", "node", node, "ns", peer, "dst", f.outerDst.String(), "port", strconv.Itoa(f.dport))
		}
		var ports []string
		onPort := false
		for _, d := range devs {
			ports = append(ports, d.Name+" dstport "+strconv.Itoa(d.Port))
			onPort = onPort || d.Port == f.dport
		}
		sort.Strings(ports)
		v["have"] = strings.Join(ports, ", ")
		v["devices"] = v["have"] // the name engine/journey's vxlan-port gives them
		if !onPort {
			find(encapCausePort, v)
			return assets.C("fault.encap.port_mismatch", "node", node, "ns", peer, "dst", f.outerDst.String(), "port", strconv.Itoa(f.dport), "have", v["have"])
		}
		var vnis []string
		for _, d := range devs {
			if d.Port == f.dport {
				vnis = append(vnis, strconv.Itoa(d.VxlanId))
			}
		}
		v["have"] = strings.Join(vnis, ", ")
		find(encapCauseVNI, v)
		return assets.C("fault.encap.vni_mismatch", "node", node, "ns", peer, "vni", strconv.Itoa(f.vni), "have", v["have"])
	}
	if !replied {
		// Encapsulated correctly as far as the underlay shows, yet no
		// answer: the fault is inside a node (the reachable check says).
		c.env.Snapshot = nil
		msg := assets.C("fault.encap.no_reply", "from", g.From, "to", g.To)
		if j := c.journeyOf(journey.Probe{From: g.From, Dst: g.To, Proto: "icmp"}); j != nil && j.Drop != nil {
			msg += ": " + j.Drop.Text(c.env.Lang)
		}
		return msg
	}
	for _, f := range enc {
		node, _ := ownerOf(s, f.outerSrc)
		if port != 0 && f.dport != port {
			// Both ends agree, on another port: the hint names the
			// receiver's device and the port it has.
			peer, _ := ownerOf(s, f.outerDst)
			var have []string
			for _, d := range vxlanDevices(c.lab, peer) {
				have = append(have, d.Name+" dstport "+strconv.Itoa(d.Port))
			}
			sort.Strings(have)
			find(encapCausePort, vars{"ns": peer, "node": node, "port": strconv.Itoa(f.dport), "have": strings.Join(have, ", ")})
			return assets.C("fault.encap.port", "ns", node, "have", strconv.Itoa(f.dport), "want", strconv.Itoa(port))
		}
		if f.vni != vni {
			find(encapCauseVNI, vars{"ns": node, "vni": strconv.Itoa(vni), "have": strconv.Itoa(f.vni)})
			return assets.C("fault.encap.vni", "ns", node, "have", strconv.Itoa(f.vni), "want", strconv.Itoa(vni))
		}
	}
	// Both ways: the request and the reply each crossed inside the tunnel.
	var there, back bool
	to, _ := netip.ParseAddr(g.To)
	for _, f := range enc {
		there = there || f.pod && f.dst == to
		back = back || f.pod && f.src == to
	}
	if !there || !back {
		find(encapCauseNoEncap, vars{"ns": g.From, "dst": g.To})
		return assets.C("fault.encap.one_way", "from", g.From, "to", g.To, "in", under)
	}
	return ""
}

// encapCause is the cause the check found while it ran ("" when none).
func (c *checker) encapCause(v vars) string {
	if c.found == nil {
		return ""
	}
	for k, val := range c.found.v {
		v[k] = val
	}
	return c.found.cause
}

// senderNode is the namespace at the far end of the underlay device with
// index ifindex: the node that sent a frame read there as incoming.
func senderNode(s *engine.Snapshot, under string, ifindex int) string {
	n := s.NS(under)
	if n == nil {
		return ""
	}
	for _, l := range n.Links {
		if l.Index == ifindex && l.Peer != nil {
			return l.Peer.NS
		}
	}
	return ""
}

// otherNode names a node of the underlay other than node (the one that
// is set up, when node is not): a namespace whose veth ends on the
// underlay's bridge.
func otherNode(s *engine.Snapshot, under, node string) string {
	n := s.NS(under)
	if n == nil {
		return causePlaceholder
	}
	for _, l := range n.Links {
		if l.Peer != nil && l.Master != "" && l.Peer.NS != node {
			return l.Peer.NS
		}
	}
	return causePlaceholder
}

// ownerOf names the namespace that holds ip.
func ownerOf(s *engine.Snapshot, ip netip.Addr) (string, *engine.Link) {
	n, l := owner(s, ip)
	if n == nil {
		return "", nil
	}
	return n.Name, l
}

// vxlanDevices lists ns's VXLAN devices, read from the kernel (the
// snapshot does not carry their port and VNI).
func vxlanDevices(lab *engine.Lab, ns string) []*netlink.Vxlan {
	h, err := lab.Handle(ns)
	if err != nil {
		return nil
	}
	var links []netlink.Link
	for i := 0; i < 5; i++ {
		links, err = h.LinkList()
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			break
		}
	}
	if err != nil {
		return nil
	}
	var out []*netlink.Vxlan
	for _, l := range links {
		if v, ok := l.(*netlink.Vxlan); ok {
			out = append(out, v)
		}
	}
	return out
}

func hasVXLAN(lab *engine.Lab, ns string) bool { return len(vxlanDevices(lab, ns)) > 0 }

// watcher is a packet socket open in the underlay namespace.
type watcher struct{ fd int }

// openWatcher opens a packet socket for every protocol on every device of
// the namespace ns. The lab's root may: it owns the namespace.
func openWatcher(ns netns.NsHandle) (*watcher, error) {
	var w watcher
	err := nsutil.Do(ns, func() error {
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons16(unix.ETH_P_ALL)))
		if err != nil {
			return fmt.Errorf("packet socket: %w", err)
		}
		w.fd = fd
		return nil
	})
	if err != nil {
		return nil, err
	}
	tv := unix.NsecToTimeval((20 * time.Millisecond).Nanoseconds())
	if err := unix.SetsockoptTimeval(w.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(w.fd)
		return nil, fmt.Errorf("packet socket timeout: %w", err)
	}
	return &w, nil
}

func (w *watcher) close() { unix.Close(w.fd) }

func htons16(v uint16) uint16 { return v<<8 | v>>8 }

// read collects the frames that carry a packet of the pods (bare, or
// inside VXLAN) until stop is closed.
func (w *watcher) read(pods map[netip.Addr]bool, stop <-chan struct{}) []frame {
	var out []frame
	buf := make([]byte, 65536)
	for {
		select {
		case <-stop:
			return out
		default:
		}
		n, from, err := unix.Recvfrom(w.fd, buf, 0)
		if err != nil {
			if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
				continue
			}
			return out
		}
		ll, ok := from.(*unix.SockaddrLinklayer)
		if !ok {
			continue
		}
		f, ok := parseFrame(buf[:n], pods)
		if !ok {
			continue
		}
		f.ifindex = ll.Ifindex
		f.outgoing = ll.Pkttype == unix.PACKET_OUTGOING
		out = append(out, f)
	}
}

// parseFrame reads an Ethernet frame: a pod packet bare (IPv4 with a pod
// address at either end) or inside VXLAN (IPv4, UDP, the VXLAN header
// with its I flag, then the inner Ethernet frame). Which UDP port is
// VXLAN is not assumed: any UDP payload that parses as VXLAN with a pod
// packet inside counts, so a tunnel on the wrong port is seen as such.
func parseFrame(b []byte, pods map[netip.Addr]bool) (frame, bool) {
	src, dst, proto, payload, ok := ipv4Of(b)
	if !ok {
		return frame{}, false
	}
	if pods[src] || pods[dst] {
		return frame{src: src, dst: dst, pod: true}, true
	}
	if proto != unix.IPPROTO_UDP || len(payload) < 8+8+14 {
		return frame{}, false
	}
	dport := int(binary.BigEndian.Uint16(payload[2:4]))
	vx := payload[8:]
	if vx[0]&0x08 == 0 {
		return frame{}, false
	}
	vni := int(vx[4])<<16 | int(vx[5])<<8 | int(vx[6])
	f := frame{encap: true, outerSrc: src, outerDst: dst, dport: dport, vni: vni}
	if binary.BigEndian.Uint16(vx[8+12:8+14]) == 0x0806 {
		return f, true // ARP through the tunnel
	}
	isrc, idst, _, _, ok := ipv4Of(vx[8:])
	if !ok || !(pods[isrc] || pods[idst]) {
		return frame{}, false
	}
	f.src, f.dst, f.pod = isrc, idst, true
	return f, true
}

// ipv4Of reads the IPv4 packet of an Ethernet frame (one 802.1Q tag
// allowed): its addresses, protocol and payload.
func ipv4Of(b []byte) (src, dst netip.Addr, proto int, payload []byte, ok bool) {
	if len(b) < 14 {
		return
	}
	et := binary.BigEndian.Uint16(b[12:14])
	b = b[14:]
	if et == 0x8100 && len(b) >= 4 {
		et = binary.BigEndian.Uint16(b[2:4])
		b = b[4:]
	}
	if et != 0x0800 || len(b) < 20 || b[0]>>4 != 4 {
		return
	}
	ihl := int(b[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(b[2:4]))
	if ihl < 20 || len(b) < ihl || total < ihl {
		return
	}
	if total < len(b) {
		b = b[:total]
	}
	src = netip.AddrFrom4([4]byte(b[12:16]))
	dst = netip.AddrFrom4([4]byte(b[16:20]))
	return src, dst, int(b[9]), b[ihl:], true
}
