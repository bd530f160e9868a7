package lessons

// Routed-pod checks (the calico lesson, exercise calico/routed): a pod
// wired as Calico's CNI plugin and felix wire it, judged from the kernel's
// state whatever the learner named things.
//
//   - routed_pod {ns, addr}: the pod holds addr as a /32 on a veth whose
//     other end is in another namespace (its node) and on no bridge; the
//     pod's default route goes via 169.254.1.1 on that veth; the node's end
//     answers ARP for 169.254.1.1 by proxy ARP (proxy_arp on it, or on
//     conf.all, and forwarding on it, as the kernel's arp_process wants),
//     at once (proxy_delay 0, as Calico sets it);
//     the node routes addr to that end.
//   - node_route {ns, dst, to}: ns's own route to dst goes via an address
//     of the namespace `to` (the other node): plain routing over the
//     underlay, as BIRD installs it, not a tunnel or a bridge.
//
// Each check's fault and its cause come from one function, so the detail
// and the hint cannot disagree.

import (
	"net/netip"
	"strings"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine"
)

// Causes of the routed-pod checks (FORMAT.md, "Hints").
const (
	CauseWidePrefix   = "wide-prefix"    // {ns} {dev} {addr}: the pod's address is wider than /32
	CauseBridgeInPath = "bridge-in-path" // {ns} {dev} {bridge}: the node's end of the pod's veth is a bridge port
	CausePodGateway   = "pod-gateway"    // {ns} {dev}: the pod's default route is not via 169.254.1.1 on its veth
	CauseNoPodRoute   = "no-pod-route"   // {ns} {dst} {dev}: the node has no route to the pod over its end
	CauseNotViaNode   = "not-via-node"   // {ns} {dst} {to}: the route to the other node's pod is not via that node
	CauseProxyDelay   = "proxy-delay"    // {ns} {dev} {value}: the node's end delays its proxy ARP replies
	// causeNoProxyARP is journey-encap's no-proxy-arp, which the
	// routed_pod check finds by itself (the node's end has proxy_arp 0).
	causeNoProxyARP = "no-proxy-arp" // {ns} {dev}: the node's end does not answer ARP for the gateway
)

func init() {
	for _, c := range []string{CauseWidePrefix, CauseBridgeInPath, CausePodGateway, CauseNoPodRoute, CauseNotViaNode, CauseProxyDelay, causeNoProxyARP} {
		if !contains(Causes, c) {
			Causes = append(Causes, c)
		}
	}
}

// calicoGateway is the next hop Calico's CNI plugin gives every pod: a
// link-local address nobody holds, answered by proxy ARP on the node.
const calicoGateway = "169.254.1.1"

// hostAddr reads an address with or without a prefix length.
func hostAddr(s string) (netip.Addr, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Addr(), true
	}
	a, err := netip.ParseAddr(s)
	return a, err == nil
}

// routedPod judges a routed_pod check: the fault ("" when it holds), the
// cause and the names for the hint.
func routedPod(lab *engine.Lab, s *engine.Snapshot, g AssertArgs) (string, string, vars) {
	ns := nsOr(g.NS)
	v := vars{"ns": ns, "addr": g.Addr}
	n := s.NS(ns)
	if n == nil {
		return noNS(s, ns), CauseNoLink, v
	}
	ip, _ := hostAddr(g.Addr)
	v["dst"] = ip.String()
	// The address, exactly /32.
	var l *engine.Link
	var have netip.Prefix
	for i := range n.Links {
		for _, a := range n.Links[i].Addrs {
			if p, err := netip.ParsePrefix(a); err == nil && p.Addr() == ip {
				l, have = &n.Links[i], p
			}
		}
	}
	if l == nil {
		for _, x := range veths(n) {
			v["dev"] = x.Name
			break
		}
		return assets.C("fault.routed.no_addr", "ns", ns, "addr", ip.String()+"/32"), CauseNoAddr, v
	}
	v["dev"], v["addr"] = l.Name, have.String()
	if have.Bits() < 32 {
		return assets.C("fault.routed.wide", "ns", ns, "link", l.Name, "have", have.String(), "addr", ip.String()+"/32"), CauseWidePrefix, v
	}
	if l.State != "up" {
		return assets.C("fault.addr.down", "ns", ns, "link", l.Name, "addr", have.String()), CauseLinkDown, v
	}
	// A veth to another namespace, the node.
	if l.Kind != "veth" || l.Peer == nil || l.Peer.NS == "" || l.Peer.NS == ns || s.NS(l.Peer.NS) == nil {
		return assets.C("fault.routed.no_veth", "ns", ns, "link", l.Name, "kind", l.Kind), CauseNoLink, v
	}
	node := s.NS(l.Peer.NS)
	p := node.Link(l.Peer.Name)
	if p == nil {
		return assets.C("fault.routed.no_veth", "ns", ns, "link", l.Name, "kind", l.Kind), CauseNoLink, v
	}
	v["node"], v["peer"] = node.Name, p.Name
	// No bridge on either end.
	for _, e := range []struct {
		ns string
		l  *engine.Link
	}{{ns, l}, {node.Name, p}} {
		if e.l.Master != "" {
			v["ns"], v["dev"], v["bridge"] = e.ns, e.l.Name, e.l.Master
			return assets.C("fault.routed.bridge", "ns", e.ns, "link", e.l.Name, "bridge", e.l.Master), CauseBridgeInPath, v
		}
	}
	if p.State != "up" {
		v["ns"], v["dev"] = node.Name, p.Name
		return assets.C("fault.routed.peer_down", "ns", node.Name, "link", p.Name, "pod", ns), CauseLinkDown, v
	}
	// The pod's default route via 169.254.1.1 on its veth.
	var def *engine.Route
	for i, r := range n.Routes {
		if canonDst(r.Dst) == "default" {
			def = &n.Routes[i]
		}
	}
	if def == nil || def.Gw != calicoGateway || def.Dev != l.Name {
		h := "none"
		if def != nil {
			h = routeString(*def)
		}
		return assets.C("fault.routed.gateway", "ns", ns, "link", l.Name, "have", h), CausePodGateway, v
	}
	// Proxy ARP on the node's end: the kernel answers an ARP request for
	// an address it does not hold when proxy_arp is on for the device (or
	// conf.all) and the device forwards.
	if !proxyARPOn(lab, node.Name, p.Name) {
		v["ns"], v["dev"] = node.Name, p.Name
		return assets.C("fault.routed.proxy_arp", "ns", node.Name, "link", p.Name, "pod", ns), causeNoProxyARP, v
	}
	// Calico sets proxy_delay 0: by default (80, in hundredths of a
	// second) the kernel answers a proxy ARP request at a random moment of
	// the next 0.8 s, and a pod's first packet to anywhere waits for it.
	if d, err := lab.ReadSysctl(node.Name, "net.ipv4.neigh."+p.Name+".proxy_delay"); err == nil && strings.TrimSpace(d) != "0" {
		v["ns"], v["dev"], v["value"] = node.Name, p.Name, strings.TrimSpace(d)
		return assets.C("fault.routed.proxy_delay", "ns", node.Name, "link", p.Name, "value", strings.TrimSpace(d)), CauseProxyDelay, v
	}
	if on, key := forwardsOn(lab, node, p.Name); !on {
		v["ns"], v["dev"], v["key"] = node.Name, p.Name, key
		return assets.C("fault.routed.forwarding", "ns", node.Name, "link", p.Name, "key", key), CauseNoForward, v
	}
	// The node's route to the pod over that end.
	if r := lookup(node, ip); r == nil || r.Dev != p.Name || r.Gw != "" {
		h := "none"
		if r != nil {
			h = routeString(*r)
		}
		v["ns"], v["dev"] = node.Name, p.Name
		return assets.C("fault.routed.host_route", "ns", node.Name, "addr", ip.String(), "link", p.Name, "have", h), CauseNoPodRoute, v
	}
	return "", "", v
}

// proxyARPOn reads net.ipv4.conf.DEV.proxy_arp and conf.all.proxy_arp in
// ns, live: the kernel ORs them (IN_DEV_PROXY_ARP).
func proxyARPOn(lab *engine.Lab, ns, dev string) bool {
	for _, k := range []string{"net.ipv4.conf." + dev + ".proxy_arp", "net.ipv4.conf.all.proxy_arp"} {
		if val, err := lab.ReadSysctl(ns, k); err == nil && strings.TrimSpace(val) == "1" {
			return true
		}
	}
	return false
}

// nodeRoute judges a node_route check: ns's most specific route to dst
// must go via an address that the namespace To holds.
func nodeRoute(s *engine.Snapshot, g AssertArgs) (string, string, vars) {
	ns := nsOr(g.NS)
	v := vars{"ns": ns, "dst": g.Dst, "to": g.To}
	n := s.NS(ns)
	if n == nil {
		return noNS(s, ns), CauseNoRoute, v
	}
	other := s.NS(g.To)
	if other == nil {
		return noNS(s, g.To), CauseNoRoute, v
	}
	ip, _ := hostAddr(g.Dst)
	r := lookup(n, ip)
	if r == nil || (r.Gw == "" && r.Dev == "") {
		return assets.C("fault.node_route.none", "ns", ns, "dst", g.Dst), CauseNoRoute, v
	}
	v["route"] = routeString(*r)
	if gw, err := netip.ParseAddr(r.Gw); err == nil {
		for _, l := range other.Links {
			for _, a := range l.Addrs {
				if p, err := netip.ParsePrefix(a); err == nil && p.Addr() == gw {
					return "", "", v
				}
			}
		}
	}
	return assets.C("fault.node_route.not_via", "ns", ns, "dst", g.Dst, "to", g.To, "route", routeString(*r)), CauseNotViaNode, v
}

// routedCheck runs a routed-pod check kind for checker c.
func (c *checker) routedCheck(kind string, g AssertArgs) string {
	f, _, _ := c.routedDiag(kind, g)
	return f
}

// routedDiag is the fault, cause and names of a routed-pod check kind.
func (c *checker) routedDiag(kind string, g AssertArgs) (string, string, vars) {
	s := c.snap()
	if s == nil {
		return assets.C("fault.snapshot", "err", c.err.Error()), "", vars{}
	}
	if kind == "node_route" {
		return nodeRoute(s, g)
	}
	return routedPod(c.lab, s, g)
}

// routedCause is the cause of a failed routed-pod check, with its names
// merged into v for the hint.
func (c *checker) routedCause(kind string, g AssertArgs, v vars) string {
	_, cause, w := c.routedDiag(kind, g)
	for k, val := range w {
		v[k] = val
	}
	return cause
}
