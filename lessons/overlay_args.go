package lessons

import (
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/nettutor/nettutor/engine"
)

// The Kubernetes lessons' action kinds (vxlan, neigh_add, fdb_add,
// link_address) and the route forms flanneld and Calico leave (onlink,
// proto, type, scope). Values the kernel or the tool would refuse are
// refused when the file is read, at the field that holds them.

// maxVNI is the largest VXLAN network identifier: the header holds 24 bits.
const maxVNI = 1<<24 - 1

// buildOverlayAction makes the engine action of an overlay kind; like
// buildAction, its errors name the field they are about.
func buildOverlayAction(kind string, a ActionArgs) (engine.Action, string, error) {
	switch kind {
	case "vxlan":
		if err := checkLinkName(a.Name); err != nil {
			return nil, "name", err
		}
		if a.ID < 0 || a.ID > maxVNI {
			return nil, "id", fmt.Errorf("id %d: a VNI is 0..%d (24 bits)", a.ID, maxVNI)
		}
		if a.DstPort < 1 || a.DstPort > 65535 {
			return nil, "dstport", fmt.Errorf("dstport %d: want 1..65535 (flannel uses 8472, Calico and the IANA 4789)", a.DstPort)
		}
		for _, f := range []struct{ name, v string }{{"local", a.Local}, {"remote", a.Remote}} {
			if f.v != "" {
				if err := checkIP(f.v); err != nil {
					return nil, f.name, err
				}
			}
		}
		if a.Address != "" {
			if err := checkUnicastMAC(a.Address); err != nil {
				return nil, "address", err
			}
		}
		return engine.VxlanAdd{NS: a.NS, Name: a.Name, ID: a.ID, DstPort: a.DstPort, Local: a.Local, Remote: a.Remote,
			Dev: a.Dev, Address: a.Address, Learning: a.Learning}, "", nil
	case "neigh_add":
		if err := checkIP(a.IP); err != nil {
			return nil, "ip", err
		}
		if err := checkMAC(a.LLAddr); err != nil {
			return nil, "lladdr", err
		}
		return engine.NeighAdd{NS: a.NS, IP: a.IP, LLAddr: a.LLAddr, Dev: a.Dev}, "", nil
	case "fdb_add":
		if err := checkMAC(a.MAC); err != nil {
			return nil, "mac", err
		}
		if err := checkIP(a.Dst); err != nil {
			return nil, "dst", err
		}
		return engine.FDBAppend{NS: a.NS, MAC: a.MAC, Dev: a.Dev, Dst: a.Dst}, "", nil
	case "link_address":
		if err := checkUnicastMAC(a.Address); err != nil {
			return nil, "address", err
		}
		return engine.LinkSetAddress{NS: a.NS, Name: a.Name, Address: a.Address}, "", nil
	}
	return nil, "", fmt.Errorf("unknown action %q", kind)
}

// checkRouteForm checks the words route_add and route_del take beside dst,
// via and dev, as ip and the kernel would refuse them.
func checkRouteForm(kind string, a ActionArgs) (string, error) {
	unicast := a.Type == "" || a.Type == "unicast"
	if !unicast && !contains(engine.RouteTypes, a.Type) {
		return "type", fmt.Errorf("type %q: want unicast or one of %s%s", a.Type, strings.Join(engine.RouteTypes, ", "), suggest(a.Type, engine.RouteTypes))
	}
	if !unicast {
		// fib_create_info refuses them: such a route leads nowhere.
		if a.Via != "" {
			return "via", fmt.Errorf("a %s route has no gateway (the kernel refuses one)", a.Type)
		}
		if a.Dev != "" {
			return "dev", fmt.Errorf("a %s route has no device (the kernel refuses one)", a.Type)
		}
		if a.OnLink {
			return "onlink", fmt.Errorf("a %s route has no gateway to be on a link", a.Type)
		}
	}
	if a.Proto != "" {
		if _, ok := engine.RouteProtos[a.Proto]; !ok {
			names := make([]string, 0, len(engine.RouteProtos))
			for n := range engine.RouteProtos {
				names = append(names, n)
			}
			sort.Strings(names)
			return "proto", fmt.Errorf("proto %q: not a protocol name ip knows (such as boot, static, bird)%s", a.Proto, suggest(a.Proto, names))
		}
	}
	if a.Scope != "" {
		if _, ok := engine.RouteScopes[a.Scope]; !ok {
			return "scope", fmt.Errorf("scope %q: want global, link or host%s", a.Scope, suggest(a.Scope, []string{"global", "link", "host"}))
		}
	}
	if a.OnLink && kind == "route_add" {
		// The kernel needs both: onlink says the gateway is on that link.
		if a.Via == "" {
			return "onlink", fmt.Errorf("onlink needs via: it says the gateway is on the link")
		}
		if a.Dev == "" {
			return "onlink", fmt.Errorf("onlink needs dev: the link the gateway is on")
		}
	}
	return "", nil
}

func checkMAC(s string) error {
	hw, err := net.ParseMAC(s)
	if err != nil || len(hw) != 6 {
		return fmt.Errorf("%q is not a MAC address such as 0a:58:0a:f4:01:00", s)
	}
	return nil
}

// checkUnicastMAC is checkMAC for a link's own address: the kernel refuses
// a multicast one (the low bit of the first byte) or all zeros.
func checkUnicastMAC(s string) error {
	if err := checkMAC(s); err != nil {
		return err
	}
	hw, _ := net.ParseMAC(s)
	if hw[0]&1 != 0 {
		return fmt.Errorf("%q is a multicast MAC address; a link's own address must be unicast (clear the low bit of the first byte)", s)
	}
	if hw.String() == "00:00:00:00:00:00" {
		return fmt.Errorf("%q is all zeros; a link's own address must not be", s)
	}
	return nil
}

// checkLinkName refuses what the kernel refuses as an interface name.
func checkLinkName(s string) error {
	if s == "" || len(s) > 15 || strings.ContainsAny(s, "/: \t\n") || s == "." || s == ".." {
		return fmt.Errorf("link name %q: want 1..15 characters without /, : or spaces", s)
	}
	return nil
}
