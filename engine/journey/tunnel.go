package journey

// Tunnels and routed pods: a route into a VXLAN device whose remote VTEP
// is in the lab leads into the lab. The journey follows the packet
// through the encapsulation as the kernel does it (drivers/net/vxlan):
// the route into the device, the neighbour entry for the gateway (the
// inner frame's destination MAC), the device's fdb for that MAC (the
// remote VTEP; the all-zeros entries, and `remote`, for any other), the
// outer UDP packet's own route across the underlay, and the VXLAN device
// at the remote VTEP that takes that UDP port and VNI. Calico's routed
// pods add a gateway no namespace holds (169.254.1.1), answered by proxy
// ARP on the node's end of the pod's veth.

import (
	"net"
	"strconv"
	"strings"

	"github.com/nettutor/nettutor/engine"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// vxDev is a VXLAN device of a namespace as the journey needs it.
type vxDev struct {
	name     string
	vni      int
	port     int    // the UDP port it sends to and listens on (dstport)
	local    string // the outer source it sets ("" for the route's)
	remote   string // a unicast `remote` ("" without)
	under    string // the underlay device it is bound to (dev), "" when none
	learning bool
	fdb      []vxFDB
}

// vxFDB is an fdb entry of a VXLAN device: frames for mac go to the VTEP
// dst (the all-zeros MAC: any frame not otherwise known).
type vxFDB struct{ mac, dst string }

const zeroMAC = "00:00:00:00:00:00"

// readVXLAN reads n's VXLAN devices and their fdb from the kernel.
func (n *nsEnv) readVXLAN() {
	if n.h == nil || n.snap == nil {
		return
	}
	for _, l := range n.snap.Links {
		if l.Kind != "vxlan" {
			continue
		}
		lk, err := n.h.LinkByName(l.Name)
		if err != nil {
			continue
		}
		v, ok := lk.(*netlink.Vxlan)
		if !ok {
			continue
		}
		d := &vxDev{name: l.Name, vni: v.VxlanId, port: v.Port, learning: v.Learning}
		if v.SrcAddr != nil && !v.SrcAddr.IsUnspecified() {
			d.local = v.SrcAddr.String()
		}
		if v.Group != nil && !v.Group.IsUnspecified() && !v.Group.IsMulticast() {
			d.remote = v.Group.String()
		}
		if v.VtepDevIndex > 0 {
			d.under = n.devName(v.VtepDevIndex)
		}
		idx := lk.Attrs().Index
		fdb, _ := engine.RetryDump(func() ([]netlink.Neigh, error) { return n.h.NeighList(idx, unix.AF_BRIDGE) })
		for _, f := range fdb {
			if f.LinkIndex != idx || f.IP == nil || f.IP.IsUnspecified() {
				continue
			}
			d.fdb = append(d.fdb, vxFDB{mac: f.HardwareAddr.String(), dst: f.IP.String()})
		}
		if n.vx == nil {
			n.vx = map[string]*vxDev{}
		}
		n.vx[l.Name] = d
	}
}

// vxPorts are the UDP ports that carry VXLAN in e: its devices' and the
// usual two.
func (e *env) vxPorts() map[int]bool {
	ports := map[int]bool{}
	for p := range vxlanPorts {
		ports[p] = true
	}
	for _, n := range e.nss {
		for _, d := range n.vx {
			ports[d.port] = true
		}
	}
	return ports
}

// vteps are the VTEPs d sends a frame for mac to, and how it found them:
// the fdb entry for mac ("fdb"), else the all-zeros entries ("default",
// which `remote` also makes). None: the device drops the frame.
func (d *vxDev) vteps(mac string) (dsts []string, how string) {
	for _, f := range d.fdb {
		if strings.EqualFold(f.mac, mac) {
			dsts = append(dsts, f.dst)
		}
	}
	if len(dsts) > 0 && mac != "ff:ff:ff:ff:ff:ff" {
		return dsts, "fdb"
	}
	for _, f := range d.fdb {
		if f.mac == zeroMAC {
			dsts = append(dsts, f.dst)
		}
	}
	if len(dsts) == 0 && d.remote != "" {
		dsts = append(dsts, d.remote)
	}
	return dsts, "default"
}

// neighMAC is the MAC n's neighbour table gives ip on dev, with its state.
func (n *nsEnv) neighMAC(ip, dev string) (mac, state string) {
	for _, nb := range n.snap.Neighbors {
		if nb.IP == ip && nb.Dev == dev && nb.MAC != "" {
			return nb.MAC, nb.State
		}
	}
	return "", ""
}

// encapOf is the outer packet of a frame for mac sent into the VXLAN
// device d of n (nil when the device has no VTEP for it).
func (n *nsEnv) encapOf(d *vxDev, mac string) *Encap {
	dsts, _ := d.vteps(mac)
	if len(dsts) == 0 {
		return nil
	}
	src := d.local
	if src == "" {
		if r := n.matchRoute(net.ParseIP(dsts[0])); r != nil {
			src = firstAddr(n, r.Dev, r.Src)
		}
	}
	return &Encap{Kind: "vxlan", VNI: d.vni, Src: src, Dst: dsts[0], Dport: d.port}
}

// decapDev is the VXLAN device of n that takes a datagram to UDP port
// with vni (nil when none does).
func (n *nsEnv) decapDev(port, vni int) *vxDev {
	for _, d := range n.vx {
		if d.port == port && d.vni == vni {
			if l := n.link(d.name); l == nil || l.State == "up" {
				return d
			}
		}
	}
	return nil
}

// vxListening lists n's VXLAN devices as "name (VNI v, UDP p)", for a
// stop that says why none took the datagram.
func (n *nsEnv) vxListening() string {
	var out []string
	for _, l := range n.snap.Links {
		if d := n.vx[l.Name]; d != nil {
			out = append(out, d.name+" (VNI "+strconv.Itoa(d.vni)+", UDP "+strconv.Itoa(d.port)+")")
		}
	}
	if len(out) == 0 {
		return "-"
	}
	return strings.Join(out, ", ")
}

// proxyARP says whether n answers ARP on dev for addresses it does not
// hold: proxy_arp on (all or dev) and forwarding on dev, which
// arp_process needs before it proxies.
func (n *nsEnv) proxyARP(dev string) (on bool, key string) {
	key = "net.ipv4.conf." + dev + ".proxy_arp"
	if n.sysctl["net.ipv4.conf.all.proxy_arp"] == "1" || n.sysctl[key] == "1" {
		return true, key
	}
	return false, key
}
