package lessons

// Causes of an overlay or routed-pod path, named from the failed probe's
// journey (engine/journey follows a packet through VXLAN and through
// Calico's proxy-ARP gateway): the snapshot-based diagnosis in cause.go
// sees nothing wrong on such a path, since every route and link is there.

import (
	"strconv"

	"github.com/nettutor/nettutor/engine/journey"
)

// Causes an exercise's `when:` cases may name for tunnels and routed pods.
const (
	CauseNoFDB      = "no-fdb"       // {ns} {dev} {mac}: the VXLAN device has no fdb entry (no VTEP) for the next hop's MAC
	CauseVXLANPort  = "vxlan-port"   // {ns} {dev} {vtep} {port} {vni} {devices}: at the VTEP {ns}, no VXLAN device takes UDP {port} with VNI {vni}
	CauseTunnelMTU  = "tunnel-mtu"   // {ns} {dev} {mtu} {packet}: the DF packet is bigger than the tunnel device's MTU
	CauseNoProxyARP = "no-proxy-arp" // {ns} {dev} {gw} {node} {peer} {key}: no one answers the pod's ARP for its gateway: proxy ARP is off on the node's end
)

func init() { Causes = append(Causes, CauseNoFDB, CauseVXLANPort, CauseTunnelMTU, CauseNoProxyARP) }

// fromTunnel names the cause of a failed probe whose journey stopped in a
// tunnel or at a routed pod's gateway, or at a namespace that another's
// default route sent it to (that namespace lacks the route: no-route,
// named by it). "" for any other stop.
func (d *diag) fromTunnel() string {
	j := d.c.jrn
	if j == nil || j.Drop == nil {
		return ""
	}
	dr := j.Drop
	set := func(keys ...string) {
		for _, k := range keys {
			if v, ok := dr.Names[k]; ok {
				d.v[k] = v
			}
		}
	}
	d.v["ns"], d.v["dev"] = dr.NS, dr.Where
	switch dr.Reason {
	case journey.ReasonNoFDB:
		set("mac")
		return CauseNoFDB
	case journey.ReasonVXLANPort:
		set("vtep", "port", "vni", "devices")
		return CauseVXLANPort
	case journey.ReasonTunnelMTU:
		set("mtu", "packet")
		return CauseTunnelMTU
	case journey.ReasonNoProxyARP:
		set("gw", "node", "peer", "key")
		return CauseNoProxyARP
	case journey.ReasonForwardOff, journey.ReasonNoRoute:
		if r := dr.Names["router"]; r != "" {
			// The node sent the packet out by its default route: its
			// missing route to the destination is the fault.
			d.v["ns"], d.v["dst"] = r, j.To
			delete(d.v, "dev")
			return CauseNoRoute
		}
	}
	delete(d.v, "ns")
	delete(d.v, "dev")
	return ""
}

// sized diagnoses a reachable check with `size` that the snapshot does not
// explain: the probe traced again with that size (DF set) through the
// lab, a tunnel on the way being the usual culprit.
func (d *diag) sized(from, to string, size int) string {
	if j := d.c.journeyOf(journey.Probe{From: from, Dst: to, Proto: "icmp", Size: size}); j == nil || j.Drop == nil {
		return ""
	}
	if c := d.fromTunnel(); c != "" {
		if c == CauseTunnelMTU && d.v["packet"] == "" {
			d.v["packet"] = strconv.Itoa(size + ipHeader)
		}
		return c
	}
	return d.fromJourney()
}
