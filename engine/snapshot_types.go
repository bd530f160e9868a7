package engine

import "strings"

// Snapshot is what the kernel reports about every namespace of a lab (or,
// for inspect, of the caller). Diagrams and exercise checks are drawn from it
// and nothing else.
type Snapshot struct {
	Namespaces []Namespace `json:"namespaces"`
}

// Namespace is one network namespace: "host" for the lab host (or the
// caller's own namespace), otherwise its name under /run/netns.
type Namespace struct {
	Name      string            `json:"name"`
	Links     []Link            `json:"links"`
	Routes    []Route           `json:"routes"`
	Neighbors []Neighbor        `json:"neighbors"`
	FDB       []FDBEntry        `json:"fdb"`
	Rules     []string          `json:"rules"`
	Sysctl    map[string]string `json:"sysctl"`
}

// Link is a network interface.
type Link struct {
	Index  int      `json:"index"`
	Name   string   `json:"name"`
	Kind   string   `json:"kind"`  // veth, bridge, loopback, device, ...
	State  string   `json:"state"` // administrative state: up or down
	Oper   string   `json:"oper"`  // operational state as ip prints it, lowercased
	MTU    int      `json:"mtu"`
	MAC    string   `json:"mac"`
	Master string   `json:"master"`
	Peer   *PeerRef `json:"peer,omitempty"`
	Addrs  []string `json:"addrs"`
	// VXLAN is set for a VXLAN device (kind "vxlan"): what the diagram
	// draws on a tunnel and what the journey follows into it.
	VXLAN *VXLANInfo `json:"vxlan,omitempty"`
}

// VXLANInfo is what a VXLAN device is configured with, as ip -d link
// shows it: {"id": 1, "port": 8472, "local": "192.168.10.101", "remote":
// "", "dev": "eth0", "learning": false}.
type VXLANInfo struct {
	ID       int    `json:"id"`       // the VNI
	Port     int    `json:"port"`     // UDP destination port (dstport)
	Local    string `json:"local"`    // source address of the outer packets, "" if unset
	Remote   string `json:"remote"`   // the fixed remote VTEP (remote or group), "" if unset
	Dev      string `json:"dev"`      // the underlay link, "" if unset
	Learning bool   `json:"learning"` // whether the fdb learns from received packets
}

// PeerRef names the other end of a veth pair.
type PeerRef struct {
	NS   string `json:"ns"`
	Name string `json:"name"`
}

// Route is an IPv4 route of the main table.
type Route struct {
	Dst    string `json:"dst"` // "default" or a CIDR
	Gw     string `json:"gw"`
	Dev    string `json:"dev"`
	Src    string `json:"src,omitempty"`
	Scope  string `json:"scope,omitempty"`
	Proto  string `json:"proto,omitempty"` // kernel, boot, static, bird, ... (as ip names it)
	Metric int    `json:"metric,omitempty"`
	// OnLink is set for a route whose gateway is taken to be on the link
	// (flanneld's routes via 10.244.N.0 dev flannel.1 onlink).
	OnLink bool `json:"onlink,omitempty"`
	// Type is the route type when it is not unicast: blackhole,
	// unreachable, prohibit, ...
	Type string `json:"type,omitempty"`
}

// Neighbor is an entry of the ARP / NDP table.
type Neighbor struct {
	IP    string `json:"ip"`
	MAC   string `json:"mac"`
	Dev   string `json:"dev"`
	State string `json:"state"`
}

// FDBEntry is a bridge forwarding database entry.
type FDBEntry struct {
	MAC    string `json:"mac"`
	Dev    string `json:"dev"`
	Master string `json:"master,omitempty"`
	State  string `json:"state,omitempty"` // permanent, static or "" (learned)
	Self   bool   `json:"self,omitempty"`
	// Dst is the remote VTEP of a VXLAN device's entry (bridge fdb ... dst IP).
	Dst string `json:"dst,omitempty"`
}

// NS returns the namespace called name, or nil.
func (s *Snapshot) NS(name string) *Namespace {
	for i := range s.Namespaces {
		if s.Namespaces[i].Name == name {
			return &s.Namespaces[i]
		}
	}
	return nil
}

// Link returns the link called name, or nil.
func (n *Namespace) Link(name string) *Link {
	for i := range n.Links {
		if n.Links[i].Name == name {
			return &n.Links[i]
		}
	}
	return nil
}

// AddressBook maps every IPv4 address (without prefix length) and MAC
// address in the snapshot to the name of its namespace, so that packets can
// be drawn between hosts (a ladder diagram) rather than between addresses.
func (s *Snapshot) AddressBook() map[string]string {
	book := map[string]string{}
	for _, ns := range s.Namespaces {
		for _, l := range ns.Links {
			if l.Kind == "loopback" {
				continue
			}
			if l.MAC != "" {
				book[l.MAC] = ns.Name
			}
			for _, a := range l.Addrs {
				ip, _, _ := strings.Cut(a, "/")
				if !strings.Contains(ip, ":") {
					book[ip] = ns.Name
				}
			}
		}
	}
	return book
}
