package diagram

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/nettutor/nettutor/engine"
)

// Node is the cluster role of one namespace (a lesson's `nodes:` field):
// a node and the namespaces of its pods. Roles only say how to draw; what
// is drawn is what the snapshot holds.
type Node struct {
	Name string
	Pods []string
}

// Cluster is a snapshot seen through cluster roles: the underlay switch
// on the lab host, the nodes with their pods, bridges and VTEPs, and the
// tunnels between VTEPs. Every renderer (the TUI, `run --plain`, Mermaid,
// DOT) draws from this one reading, so they cannot disagree.
type Cluster struct {
	Underlay *Underlay // nil when no host bridge joins the nodes
	Nodes    []ClusterNode
	Tunnels  []Tunnel
	// Others are namespaces that are neither the lab host nor a node or
	// a pod (an OUTSIDE, a leftover): named so nothing is hidden.
	Others []string
}

// Underlay is the lab host's bridge that joins the nodes' uplinks: the
// datacenter switch of the drawing.
type Underlay struct {
	Bridge string
	Up     bool
	Addrs  []string
	Ports  []UnderlayPort
}

// UnderlayPort is one port of the underlay bridge and the node link at
// its other end ("" when the peer is in no node).
type UnderlayPort struct {
	Port    string
	Up      bool
	PeerNS  string
	PeerDev string
}

// Iface is one link as the cluster drawing shows it.
type Iface struct {
	Name  string
	Kind  string
	Up    bool
	Oper  string
	MTU   int
	Addrs []string // without IPv6 link-local
}

// VTEP is a VXLAN device of a node: its VNI, UDP port, and the remote
// VTEP addresses it sends to (its `remote` and its fdb entries' dst).
type VTEP struct {
	Iface
	VNI     int
	Port    int
	Local   string
	Dev     string
	Remotes []string
}

// Pod is one pod of a node: its own end (eth0) and the node's end of its
// veth pair, a port of a node bridge (cni0) or routed (Calico: no bridge).
type Pod struct {
	Name    string
	Present bool // false: the namespace is not in the snapshot (yet)
	Dev     string
	Up      bool
	Addrs   []string
	Gateway string // the pod's default route via
	NodeEnd string // the node's end of the pod's veth ("" when none)
	EndUp   bool
	Bridge  string // the node bridge NodeEnd is a port of; "" when routed
	// Elsewhere names a veth peer outside the pod's node ("NS/dev").
	Elsewhere []string
}

// ClusterNode is one node: its uplinks into the underlay, bridges,
// VTEPs, pods, other links and the routes that are not plain connected
// ones (via a gateway, onlink, blackhole, proto bird).
type ClusterNode struct {
	Name    string
	Present bool
	Forward bool
	Uplinks []Iface
	Bridges []Iface
	VTEPs   []VTEP
	Pods    []Pod
	Others  []Iface
	Routes  []engine.Route
}

// TunnelEnd is one side of a tunnel: the node and its VTEP ("" Dev when
// the far node has no VTEP; "" Node when the remote address is no node's).
type TunnelEnd struct {
	Node string
	Dev  string
	Addr string // the end's underlay address
	VNI  int
	Port int
	// Knows reports that this end sends to the other (its remote or an
	// fdb entry names the other's address).
	Knows bool
}

// Tunnel is a VXLAN tunnel between two VTEPs (A's node before B's in the
// roles' order).
type Tunnel struct {
	A, B TunnelEnd
}

// Label is the tunnel's parameters: "VXLAN VNI 1 · UDP 8472", or both
// ends' where they differ ("UDP 8472≠4789"), which is exactly the fault a
// learner must see.
func (t Tunnel) Label() string {
	vni := itoa(t.A.VNI)
	if t.B.Dev != "" && t.B.VNI != t.A.VNI {
		vni += "≠" + itoa(t.B.VNI)
	}
	port := itoa(t.A.Port)
	if t.B.Dev != "" && t.B.Port != t.A.Port {
		port += "≠" + itoa(t.B.Port)
	}
	return "VXLAN VNI " + vni + " · UDP " + port
}

// Node returns the node called name, or nil.
func (c *Cluster) Node(name string) *ClusterNode {
	for i := range c.Nodes {
		if c.Nodes[i].Name == name {
			return &c.Nodes[i]
		}
	}
	return nil
}

// ReadCluster reads s through the roles nodes. It returns nil without
// roles: the drawing is then the plain one.
func ReadCluster(s *engine.Snapshot, nodes []Node) *Cluster {
	if len(nodes) == 0 || s == nil {
		return nil
	}
	c := &Cluster{}
	role := map[string]string{} // ns -> node it belongs to (itself for a node)
	for _, n := range nodes {
		role[n.Name] = n.Name
		for _, p := range n.Pods {
			role[p] = n.Name
		}
	}
	host := s.NS(engine.HostNS)
	c.Underlay = readUnderlay(host, role)
	for _, n := range nodes {
		c.Nodes = append(c.Nodes, readNode(s, n, c.Underlay))
	}
	for _, ns := range s.Namespaces {
		if ns.Name != engine.HostNS && role[ns.Name] == "" {
			c.Others = append(c.Others, ns.Name)
		}
	}
	c.Tunnels = pairTunnels(c)
	return c
}

// readUnderlay picks the host bridge with the most ports whose veth peers
// are in node namespaces.
func readUnderlay(host *engine.Namespace, role map[string]string) *Underlay {
	if host == nil {
		return nil
	}
	var best *Underlay
	bestN := 0
	for _, br := range host.Links {
		if br.Kind != "bridge" {
			continue
		}
		u := &Underlay{Bridge: br.Name, Up: br.State == "up", Addrs: addrs(br)}
		n := 0
		for _, l := range host.Links {
			if l.Master != br.Name {
				continue
			}
			p := UnderlayPort{Port: l.Name, Up: l.State == "up"}
			if l.Peer != nil && role[l.Peer.NS] == l.Peer.NS && l.Peer.NS != "" {
				p.PeerNS, p.PeerDev = l.Peer.NS, l.Peer.Name
				n++
			}
			u.Ports = append(u.Ports, p)
		}
		if n > bestN {
			best, bestN = u, n
		}
	}
	return best
}

func readNode(s *engine.Snapshot, n Node, u *Underlay) ClusterNode {
	cn := ClusterNode{Name: n.Name}
	ns := s.NS(n.Name)
	podEnd := map[string]bool{} // node link names that are a routed pod's end
	ends := map[string]bool{}   // every pod's node end
	for _, p := range n.Pods {
		pod := readPod(s, p, n.Name)
		if pod.NodeEnd != "" {
			ends[pod.NodeEnd] = true
			podEnd[pod.NodeEnd] = pod.Bridge == ""
		}
		cn.Pods = append(cn.Pods, pod)
	}
	if ns == nil {
		return cn
	}
	cn.Present = true
	cn.Forward = ns.Sysctl["net.ipv4.ip_forward"] == "1"
	for _, l := range ns.Links {
		if l.Kind == "loopback" || l.Name == "lo" || ends[l.Name] {
			continue
		}
		f := iface(l)
		switch {
		case l.Peer != nil && l.Peer.NS == engine.HostNS && u != nil && u.hasPort(l.Peer.Name):
			cn.Uplinks = append(cn.Uplinks, f)
		case l.Kind == "bridge":
			cn.Bridges = append(cn.Bridges, f)
		case l.Kind == "vxlan":
			cn.VTEPs = append(cn.VTEPs, readVTEP(ns, l, f))
		default:
			cn.Others = append(cn.Others, f)
		}
	}
	for _, r := range ns.Routes {
		// A route to a routed pod's veth (Calico's /32 scope link) is what
		// joins that pod: shown though it has no gateway.
		if podEnd[r.Dev] || r.Gw != "" || r.OnLink || (r.Type != "" && r.Type != "unicast") || (r.Proto != "" && r.Proto != "kernel" && r.Proto != "boot" && r.Proto != "static") {
			cn.Routes = append(cn.Routes, r)
		}
	}
	return cn
}

func (u *Underlay) hasPort(name string) bool {
	for _, p := range u.Ports {
		if p.Port == name {
			return true
		}
	}
	return false
}

func readPod(s *engine.Snapshot, name, node string) Pod {
	p := Pod{Name: name}
	ns := s.NS(name)
	if ns == nil {
		return p
	}
	p.Present = true
	for _, r := range ns.Routes {
		if r.Dst == "default" && r.Gw != "" {
			p.Gateway = r.Gw
		}
	}
	// The pod's interface is its link into its node, else its eth0, else
	// its first (a CNI plugin makes the pair inside the pod, then moves
	// the node's end out).
	var dev *engine.Link
	rank := func(l *engine.Link) int {
		switch {
		case l.Peer != nil && l.Peer.NS == node:
			return 2
		case l.Name == "eth0":
			return 1
		}
		return 0
	}
	for i := range ns.Links {
		l := &ns.Links[i]
		if l.Kind == "loopback" || l.Name == "lo" {
			continue
		}
		if l.Peer != nil && l.Peer.NS != node && l.Peer.NS != "" && l.Peer.NS != name {
			p.Elsewhere = append(p.Elsewhere, l.Peer.NS+"/"+l.Peer.Name)
		}
		if dev == nil || rank(l) > rank(dev) {
			dev = l
		}
	}
	if dev == nil {
		return p
	}
	p.Dev, p.Up, p.Addrs = dev.Name, dev.State == "up", addrs(*dev)
	if nodeNS := s.NS(node); nodeNS != nil && dev.Peer != nil && dev.Peer.NS == node {
		p.NodeEnd = dev.Peer.Name
		if e := nodeNS.Link(dev.Peer.Name); e != nil {
			p.EndUp = e.State == "up"
			if m := nodeNS.Link(e.Master); e.Master != "" && m != nil && m.Kind == "bridge" {
				p.Bridge = m.Name
			}
		}
	}
	return p
}

func readVTEP(ns *engine.Namespace, l engine.Link, f Iface) VTEP {
	v := VTEP{Iface: f}
	if x := l.VXLAN; x != nil {
		v.VNI, v.Port, v.Local, v.Dev = x.ID, x.Port, x.Local, x.Dev
		if x.Remote != "" {
			v.Remotes = append(v.Remotes, x.Remote)
		}
	}
	for _, e := range ns.FDB {
		if e.Dev == l.Name && e.Dst != "" && !containsStr(v.Remotes, e.Dst) {
			v.Remotes = append(v.Remotes, e.Dst)
		}
	}
	return v
}

// underlayAddr is the node's address on the underlay (its uplink's first
// IPv4 address), which is what a remote VTEP names.
func (n *ClusterNode) underlayAddr() string {
	for _, u := range n.Uplinks {
		for _, a := range u.Addrs {
			if p, err := netip.ParsePrefix(a); err == nil && p.Addr().Is4() {
				return p.Addr().String()
			}
		}
	}
	return ""
}

// ownsAddr reports whether ip is one of the node's own addresses.
func (n *ClusterNode) ownsAddr(ip string) bool {
	all := append(append(append([]Iface{}, n.Uplinks...), n.Others...), n.Bridges...)
	for _, f := range all {
		for _, a := range f.Addrs {
			if strings.SplitN(a, "/", 2)[0] == ip {
				return true
			}
		}
	}
	return false
}

// pairTunnels makes one tunnel per pair of VTEPs that name each other's
// node (either way), and one per remote that leads to no VTEP.
func pairTunnels(c *Cluster) []Tunnel {
	idx := map[string]int{}
	for i, n := range c.Nodes {
		idx[n.Name] = i
	}
	var out []Tunnel
	seen := map[string]int{} // "NODE/dev NODE/dev" -> index in out
	for i := range c.Nodes {
		n := &c.Nodes[i]
		for _, v := range n.VTEPs {
			for _, r := range v.Remotes {
				a := TunnelEnd{Node: n.Name, Dev: v.Name, Addr: n.underlayAddr(), VNI: v.VNI, Port: v.Port, Knows: true}
				if v.Local != "" {
					a.Addr = v.Local
				}
				b := TunnelEnd{Addr: r}
				for j := range c.Nodes {
					m := &c.Nodes[j]
					if j == i || !m.ownsAddr(r) {
						continue
					}
					b.Node = m.Name
					if w := m.vtepFor(v.VNI); w != nil {
						b.Dev, b.VNI, b.Port = w.Name, w.VNI, w.Port
						b.Knows = containsStr(w.Remotes, a.Addr)
					}
					break
				}
				if b.Node != "" && idx[b.Node] < idx[a.Node] {
					a, b = b, a
				}
				key := a.Node + "/" + a.Dev + " " + b.Node + "/" + b.Dev + " " + b.Addr
				if b.Node != "" {
					key = a.Node + "/" + a.Dev + " " + b.Node + "/" + b.Dev
				}
				if _, dup := seen[key]; dup {
					continue
				}
				seen[key] = len(out)
				out = append(out, Tunnel{A: a, B: b})
			}
		}
	}
	return out
}

// vtepFor is the node's VTEP with that VNI, else its only one.
func (n *ClusterNode) vtepFor(vni int) *VTEP {
	for i := range n.VTEPs {
		if n.VTEPs[i].VNI == vni {
			return &n.VTEPs[i]
		}
	}
	if len(n.VTEPs) == 1 {
		return &n.VTEPs[0]
	}
	return nil
}

func iface(l engine.Link) Iface {
	return Iface{Name: l.Name, Kind: l.Kind, Up: l.State == "up", Oper: l.Oper, MTU: l.MTU, Addrs: addrs(l)}
}

func addrs(l engine.Link) []string {
	var out []string
	for _, a := range l.Addrs {
		if !strings.HasPrefix(a, "fe80:") {
			out = append(out, a)
		}
	}
	return out
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// RouteText is a route as `ip route` prints its main words: "10.244.1.0/24
// via 10.244.1.0 dev flannel.1 onlink", "blackhole 10.244.0.0/24 proto bird".
func RouteText(r engine.Route) string {
	var f []string
	if r.Type != "" && r.Type != "unicast" {
		f = append(f, r.Type)
	}
	// A host route prints without its /32, as ip prints it.
	f = append(f, strings.TrimSuffix(r.Dst, "/32"))
	if r.Gw != "" {
		f = append(f, "via", r.Gw)
	}
	if r.Dev != "" {
		f = append(f, "dev", r.Dev)
	}
	if r.Proto != "" && r.Proto != "kernel" && r.Proto != "boot" && r.Proto != "static" {
		f = append(f, "proto", r.Proto)
	}
	if r.Scope == "link" {
		f = append(f, "scope", "link")
	}
	if r.OnLink {
		f = append(f, "onlink")
	}
	return strings.Join(f, " ")
}

// itoa is a VNI or port, "?" when the snapshot did not say.
func itoa(n int) string {
	if n == 0 {
		return "?"
	}
	return strconv.Itoa(n)
}
