package engine

import "fmt"

// The cluster lab of issue 21 (the addresses are fixed by DESIGN.md): the
// lab host is the datacenter network, a bridge "underlay" 192.168.10.1/24;
// NODE1 (192.168.10.101) holds POD-A and POD-C on cni0 10.244.0.1/24, NODE2
// (192.168.10.102) holds POD-B on cni0 10.244.1.1/24; flannel.1 on each
// node, VNI 1 on UDP 8472, with flanneld's per-remote-node neighbour, fdb
// entry and onlink route. ClusterActions builds it; the build benchmark
// holds it against test/bench/cluster-baseline.sh, the same lab typed as
// ip and bridge commands in the same order.

// ClusterNode is one node of the cluster lab.
type ClusterNode struct {
	Name   string   // NODE1
	Host   string   // its underlay address, 192.168.10.101
	Subnet int      // N of its pod subnet 10.244.N.0/24
	VTEP   string   // the MAC of its flannel.1
	Pods   []string // its pods, in order: POD-A gets .2, POD-C .3
}

// ClusterNodes are the nodes of the cluster lab. The VTEP MACs are fixed
// (flanneld draws a random one and publishes it in the node's
// flannel.alpha.coreos.com/backend-data annotation; the lab fixes it so that
// the other node's entries can be typed).
var ClusterNodes = []ClusterNode{
	{Name: "NODE1", Host: "192.168.10.101", Subnet: 0, VTEP: "0a:58:c0:a8:0a:65", Pods: []string{"POD-A", "POD-C"}},
	{Name: "NODE2", Host: "192.168.10.102", Subnet: 1, VTEP: "0a:58:c0:a8:0a:66", Pods: []string{"POD-B"}},
}

// ClusterActions returns the 2-node, 3-pod flannel lab as engine actions,
// in the order of test/bench/cluster-baseline.sh.
func ClusterActions() []Action {
	as := []Action{
		BridgeAdd{Name: "underlay"},
		LinkUp{Name: "underlay"},
		AddrAdd{Dev: "underlay", Addr: "192.168.10.1/24"},
	}
	for _, n := range ClusterNodes {
		hostEnd := "veth-" + n.Name
		as = append(as,
			NetnsAdd{Name: n.Name},
			LinkUp{NS: n.Name, Name: "lo"},
			VethAdd{Name: hostEnd, Peer: "eth0", PeerNS: n.Name},
			LinkSetMaster{Name: hostEnd, Master: "underlay"},
			LinkUp{Name: hostEnd},
			LinkUp{NS: n.Name, Name: "eth0"},
			AddrAdd{NS: n.Name, Dev: "eth0", Addr: n.Host + "/24"},
			RouteAdd{NS: n.Name, Dst: "default", Via: "192.168.10.1"},
			Sysctl{NS: n.Name, Key: "net.ipv4.ip_forward", Value: "1"},
			BridgeAdd{NS: n.Name, Name: "cni0"},
			LinkUp{NS: n.Name, Name: "cni0"},
			AddrAdd{NS: n.Name, Dev: "cni0", Addr: fmt.Sprintf("10.244.%d.1/24", n.Subnet)},
		)
		for i, pod := range n.Pods {
			nodeEnd := "veth-" + pod
			as = append(as,
				NetnsAdd{Name: pod},
				LinkUp{NS: pod, Name: "lo"},
				VethAdd{NS: n.Name, Name: nodeEnd, Peer: "eth0", PeerNS: pod},
				LinkSetMaster{NS: n.Name, Name: nodeEnd, Master: "cni0"},
				LinkUp{NS: n.Name, Name: nodeEnd},
				LinkUp{NS: pod, Name: "eth0"},
				AddrAdd{NS: pod, Dev: "eth0", Addr: fmt.Sprintf("10.244.%d.%d/24", n.Subnet, i+2)},
				RouteAdd{NS: pod, Dst: "default", Via: fmt.Sprintf("10.244.%d.1", n.Subnet)},
			)
		}
		as = append(as,
			VxlanAdd{NS: n.Name, Name: "flannel.1", Address: n.VTEP, ID: 1, Local: n.Host, Dev: "eth0", DstPort: 8472},
			AddrAdd{NS: n.Name, Dev: "flannel.1", Addr: fmt.Sprintf("10.244.%d.0/32", n.Subnet)},
			LinkUp{NS: n.Name, Name: "flannel.1"},
		)
	}
	// flanneld's order per remote node: the neighbour entry, the fdb
	// entry, then the route (a route first would make the kernel ARP for
	// 10.244.N.0 on flannel.1, where nobody answers).
	for _, n := range ClusterNodes {
		for _, r := range ClusterNodes {
			if r.Name == n.Name {
				continue
			}
			gw := fmt.Sprintf("10.244.%d.0", r.Subnet)
			as = append(as,
				NeighAdd{NS: n.Name, IP: gw, LLAddr: r.VTEP, Dev: "flannel.1"},
				FDBAppend{NS: n.Name, MAC: r.VTEP, Dev: "flannel.1", Dst: r.Host},
				RouteAdd{NS: n.Name, Dst: gw + "/24", Via: gw, Dev: "flannel.1", OnLink: true},
			)
		}
	}
	return as
}
