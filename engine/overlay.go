package engine

// The actions the Kubernetes lessons need: a VXLAN device, a permanent
// neighbour entry, an fdb entry with a remote VTEP, and a link's MAC
// address. Each is one command a person types; Apply sends the kernel the
// message that command sends (the same flags, the same attributes), so that
// `nettutor export` typed into a shell builds the same lab (the export
// oracle holds them side by side).
//
// Where flanneld does the same thing (pkg/backend/vxlan/device.go), its
// netlink call is named on the action, with how the shown command differs
// and why the result is the same in a fresh lab.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// VxlanAdd creates a VXLAN device:
//
//	ip [-n NS] link add NAME [address MAC] type vxlan id ID [remote IP] [local IP] [dev DEV] dstport PORT [nolearning]
//
// Without Learning the command says nolearning, as flanneld's device has
// it (flanneld's default): the fdb is then filled only by hand (fdb_add),
// never from the source of decapsulated packets. With Dev and no MTU the
// kernel gives the device Dev's MTU less the 50 bytes of the outer headers
// (1500 - 50 = 1450); flanneld computes the same number and passes it.
//
// flanneld: newVXLANDevice calls netlink.LinkAdd(&netlink.Vxlan{VxlanId,
// VtepDevIndex, SrcAddr, Port, Learning, HardwareAddr, MTU}); Apply makes
// the same call with the fields the command names, which puts the same
// IFLA_VXLAN_* attributes in the request as ip does (the kernel defaults
// for the rest: ttl auto, udpcsum, ageing 300).
type VxlanAdd struct {
	NS       string
	Name     string
	ID       int    // VNI, 0..16777215
	DstPort  int    // UDP port of the remote VTEPs (flannel 8472, Calico and IANA 4789)
	Local    string // source address of the outer packets, optional
	Remote   string // the one remote VTEP of a point-to-point tunnel, optional
	Dev      string // the underlay link, optional
	Address  string // MAC address, optional (the kernel picks a random one)
	Learning bool
}

// Command implements Action.
func (a VxlanAdd) Command() string {
	args := []string{"link", "add", a.Name}
	if a.Address != "" {
		args = append(args, "address", a.Address)
	}
	args = append(args, "type", "vxlan", "id", strconv.Itoa(a.ID))
	if a.Remote != "" {
		args = append(args, "remote", a.Remote)
	}
	if a.Local != "" {
		args = append(args, "local", a.Local)
	}
	if a.Dev != "" {
		args = append(args, "dev", a.Dev)
	}
	args = append(args, "dstport", strconv.Itoa(a.DstPort))
	if !a.Learning {
		args = append(args, "nolearning")
	}
	return ipCmd(a.NS, args...)
}

// Apply implements Action.
func (a VxlanAdd) Apply(ctx context.Context, l *Lab) (Result, error) {
	start := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e, err := l.entry(a.NS)
	if err != nil {
		return Result{}, err
	}
	where := nsOr(a.NS)
	if lk, err := e.nl.LinkByName(a.Name); err == nil {
		if v, ok := lk.(*netlink.Vxlan); ok && v.VxlanId == a.ID && v.Port == a.DstPort {
			return done(start, "") // already there
		}
		return Result{}, fmt.Errorf("add vxlan %q in %s: a %s link with that name exists", a.Name, where, lk.Type())
	}
	v := &netlink.Vxlan{
		LinkAttrs: netlink.LinkAttrs{Name: a.Name, TxQLen: -1},
		VxlanId:   a.ID,
		Port:      a.DstPort,
		Learning:  a.Learning,
	}
	if a.Address != "" {
		mac, err := net.ParseMAC(a.Address)
		if err != nil {
			return Result{}, fmt.Errorf("add vxlan %q: address %q: %w", a.Name, a.Address, err)
		}
		v.HardwareAddr = mac
	}
	if a.Local != "" {
		if v.SrcAddr = net.ParseIP(a.Local); v.SrcAddr == nil {
			return Result{}, fmt.Errorf("add vxlan %q: local %q is not an address", a.Name, a.Local)
		}
	}
	if a.Remote != "" {
		if v.Group = net.ParseIP(a.Remote); v.Group == nil {
			return Result{}, fmt.Errorf("add vxlan %q: remote %q is not an address", a.Name, a.Remote)
		}
	}
	if a.Dev != "" {
		dev, err := e.nl.LinkByName(a.Dev)
		if err != nil {
			return Result{}, fmt.Errorf("add vxlan %q in %s: no link %q", a.Name, where, a.Dev)
		}
		v.VtepDevIndex = dev.Attrs().Index
	}
	if err := e.nl.LinkAdd(v); err != nil {
		return Result{}, fmt.Errorf("add vxlan %q (id %d, dstport %d) in %s: %w", a.Name, a.ID, a.DstPort, where, err)
	}
	return done(start, "")
}

// NeighAdd adds a permanent neighbour (ARP) entry:
//
//	ip [-n NS] neigh add IP lladdr MAC dev DEV nud permanent
//
// Apply sends what ip neigh add sends: RTM_NEWNEIGH with NLM_F_CREATE and
// NLM_F_EXCL, state NUD_PERMANENT. Repeating it where the same entry is
// already there is a no-op; an entry for IP with another MAC is refused,
// as ip refuses it (File exists).
//
// flanneld: AddARP calls netlink.NeighSet, which is `ip neigh replace`
// (NLM_F_REPLACE): it would overwrite an entry the kernel made for the
// gateway by itself. In the lab, as on a node flanneld has just set up,
// there is no such entry (nolearning, and the route that would make the
// kernel ARP for 10.244.N.0 is added last), so add and replace leave the
// same single permanent entry; add is shown because it says what is new.
type NeighAdd struct {
	NS     string
	IP     string
	LLAddr string
	Dev    string
}

// Command implements Action.
func (a NeighAdd) Command() string {
	return ipCmd(a.NS, "neigh", "add", a.IP, "lladdr", a.LLAddr, "dev", a.Dev, "nud", "permanent")
}

// Apply implements Action.
func (a NeighAdd) Apply(ctx context.Context, l *Lab) (Result, error) {
	start := time.Now()
	ip := net.ParseIP(a.IP)
	if ip == nil {
		return Result{}, fmt.Errorf("neigh add: %q is not an address", a.IP)
	}
	mac, err := net.ParseMAC(a.LLAddr)
	if err != nil {
		return Result{}, fmt.Errorf("neigh add %s: lladdr %q: %w", a.IP, a.LLAddr, err)
	}
	err = withLink(l, a.NS, a.Dev, func(e *nsEntry, lk netlink.Link) error {
		n := &netlink.Neigh{LinkIndex: lk.Attrs().Index, State: netlink.NUD_PERMANENT, IP: ip, HardwareAddr: mac}
		err := e.nl.NeighAdd(n)
		if err == nil {
			return nil
		}
		if errors.Is(err, unix.EEXIST) {
			have, lerr := retryDump(func() ([]netlink.Neigh, error) { return e.nl.NeighList(lk.Attrs().Index, nl4(ip)) })
			if lerr == nil {
				for _, h := range have {
					if h.IP.Equal(ip) && h.HardwareAddr.String() == mac.String() && h.State&netlink.NUD_PERMANENT != 0 {
						return nil // the same entry: repeating the action
					}
				}
			}
		}
		return fmt.Errorf("%s: neigh add %s lladdr %s dev %s: %w", nsOr(a.NS), a.IP, a.LLAddr, a.Dev, err)
	})
	if err != nil {
		return Result{}, err
	}
	return done(start, "")
}

func nl4(ip net.IP) int {
	if ip.To4() != nil {
		return netlink.FAMILY_V4
	}
	return netlink.FAMILY_V6
}

// FDBAppend adds a forwarding entry to a VXLAN device's own table, sending
// frames for MAC to the VTEP at Dst:
//
//	bridge [-n NS] fdb append MAC dev DEV dst IP self permanent
//
// Apply sends what bridge sends: RTM_NEWNEIGH, family AF_BRIDGE, flags
// NLM_F_CREATE|NLM_F_APPEND, NTF_SELF, state NUD_NOARP|NUD_PERMANENT (bridge
// adds NOARP to every entry it makes), NDA_LLADDR and NDA_DST. For a
// unicast MAC the kernel keeps one destination per MAC: append makes the
// entry, and repeating it changes nothing.
//
// flanneld: AddFDB calls netlink.NeighSet with the same family, flag, MAC
// and destination, which is `bridge fdb replace` and state NUD_PERMANENT
// alone. On a fresh device, where there is no entry for the MAC yet, both
// make the one entry `bridge fdb show` prints as
// `MAC dev flannel.1 dst NODEIP self permanent`.
type FDBAppend struct {
	NS  string
	MAC string
	Dev string
	Dst string
}

// Command implements Action.
func (a FDBAppend) Command() string {
	return bridgeCmd(a.NS, "fdb append "+a.MAC+" dev "+a.Dev+" dst "+a.Dst+" self permanent")
}

// bridgeCmd renders a bridge(8) command in namespace ns with bridge's own
// -n, as the overlay lessons write it: `bridge -n NODE1 fdb show dev
// flannel.1`.
func bridgeCmd(ns, args string) string {
	if ns == "" || ns == HostNS {
		return "bridge " + args
	}
	return "bridge -n " + ns + " " + args
}

// Apply implements Action.
func (a FDBAppend) Apply(ctx context.Context, l *Lab) (Result, error) {
	start := time.Now()
	mac, err := net.ParseMAC(a.MAC)
	if err != nil {
		return Result{}, fmt.Errorf("fdb append: MAC %q: %w", a.MAC, err)
	}
	dst := net.ParseIP(a.Dst)
	if dst == nil {
		return Result{}, fmt.Errorf("fdb append %s: dst %q is not an address", a.MAC, a.Dst)
	}
	err = withLink(l, a.NS, a.Dev, func(e *nsEntry, lk netlink.Link) error {
		n := &netlink.Neigh{
			LinkIndex: lk.Attrs().Index, Family: unix.AF_BRIDGE, Flags: netlink.NTF_SELF,
			State: netlink.NUD_NOARP | netlink.NUD_PERMANENT, IP: dst, HardwareAddr: mac,
		}
		if err := e.nl.NeighAppend(n); err != nil {
			return fmt.Errorf("%s: bridge fdb append %s dev %s dst %s: %w", nsOr(a.NS), a.MAC, a.Dev, a.Dst, err)
		}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	return done(start, "")
}

// LinkSetAddress sets a link's MAC address: ip [-n NS] link set NAME address MAC.
// Lessons use it to give a VTEP the MAC that the other node's fdb and
// neighbour entries name (flanneld publishes its VTEP's MAC in the node's
// annotations for the same reason).
type LinkSetAddress struct{ NS, Name, Address string }

// Command implements Action.
func (a LinkSetAddress) Command() string {
	return ipCmd(a.NS, "link", "set", a.Name, "address", a.Address)
}

// Apply implements Action.
func (a LinkSetAddress) Apply(ctx context.Context, l *Lab) (Result, error) {
	mac, err := net.ParseMAC(a.Address)
	if err != nil {
		return Result{}, fmt.Errorf("set %s address: %q: %w", a.Name, a.Address, err)
	}
	return linkOp(l, a.NS, a.Name, "set "+a.Name+" address "+a.Address, func(h *netlink.Handle, lk netlink.Link) error {
		return h.LinkSetHardwareAddr(lk, mac)
	})
}

// RouteProtos maps the protocol names ip route accepts after `proto`
// (iproute2's rt_protos) to their numbers; Calico's BIRD installs its
// routes as proto bird (12).
var RouteProtos = map[string]int{}

func init() {
	for n, name := range routeProtos {
		RouteProtos[name] = int(n)
	}
}

// RouteTypes are the route types route_add and route_del accept besides
// unicast (the default): packets to a blackhole route are dropped silently,
// to an unreachable or prohibit route answered with an ICMP error.
var RouteTypes = []string{"blackhole", "unreachable", "prohibit"}

// RouteScopes are the scopes route_add accepts after `scope`.
var RouteScopes = map[string]netlink.Scope{"global": netlink.SCOPE_UNIVERSE, "link": netlink.SCOPE_LINK, "host": netlink.SCOPE_HOST}

func routeTypeNumber(t string) int {
	switch t {
	case "blackhole":
		return unix.RTN_BLACKHOLE
	case "unreachable":
		return unix.RTN_UNREACHABLE
	case "prohibit":
		return unix.RTN_PROHIBIT
	}
	return unix.RTN_UNICAST
}
