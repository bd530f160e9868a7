package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nettutor/nettutor/engine/iptables"
	"github.com/nettutor/nettutor/engine/nsutil"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Action is one step a learner could type. Command is that exact command;
// Apply does the same thing through netlink or nftables. Every action is
// safe to repeat: applying it to a lab where it already holds is a no-op.
type Action interface {
	Command() string
	Apply(ctx context.Context, l *Lab) (Result, error)
}

// Result is what an action printed or measured.
type Result struct {
	Output   string        // what the command would print, if anything
	Duration time.Duration // how long Apply took
	// Sport is a connect's source port (tcp_connect; 0 when no
	// connection was made): the journey under it follows that
	// connection's conntrack entry.
	Sport int
}

// ipCmd renders an iproute2 command in namespace ns: `ip -n RED link ...`.
func ipCmd(ns string, args ...string) string {
	if ns == "" || ns == HostNS {
		return "ip " + strings.Join(args, " ")
	}
	return "ip -n " + ns + " " + strings.Join(args, " ")
}

// inNS prefixes a non-iproute2 command with `ip netns exec NS`.
func inNS(ns, cmd string) string {
	if ns == "" || ns == HostNS {
		return cmd
	}
	return "ip netns exec " + ns + " " + cmd
}

func done(start time.Time, out string) (Result, error) {
	return Result{Output: out, Duration: time.Since(start)}, nil
}

// NetnsAdd creates a named network namespace: ip netns add NAME.
type NetnsAdd struct{ Name string }

// Command implements Action.
func (a NetnsAdd) Command() string { return "ip netns add " + a.Name }

// Apply implements Action.
func (a NetnsAdd) Apply(ctx context.Context, l *Lab) (Result, error) {
	start := time.Now()
	if err := validName(a.Name); err != nil {
		return Result{}, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.entry(a.Name); err == nil {
		return done(start, "")
	}
	if _, err := os.Lstat(l.NSPath(a.Name)); err == nil {
		_ = l.k.Unpin(l.LabPath(a.Name)) // a stale plain file, never a live pin (entry failed)
	}
	fd, err := l.newPinned(l.LabPath(a.Name))
	if err != nil {
		return Result{}, fmt.Errorf("ip netns add %s: %w", a.Name, err)
	}
	fd.Close()
	if _, err := l.entry(a.Name); err != nil {
		_ = l.k.Unpin(l.LabPath(a.Name))
		return Result{}, err
	}
	return done(start, "")
}

func validName(n string) error {
	if n == "" || n == HostNS || strings.ContainsAny(n, "/ \t\n") || n == "." || n == ".." {
		return fmt.Errorf("invalid namespace name %q", n)
	}
	return nil
}

// NetnsDel deletes a named namespace: ip netns del NAME.
type NetnsDel struct{ Name string }

// Command implements Action.
func (a NetnsDel) Command() string { return "ip netns del " + a.Name }

// Apply implements Action.
func (a NetnsDel) Apply(ctx context.Context, l *Lab) (Result, error) {
	start := time.Now()
	if err := validName(a.Name); err != nil {
		return Result{}, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if e := l.ns[a.Name]; e != nil {
		e.close()
		delete(l.ns, a.Name)
	}
	if err := l.k.Unpin(l.LabPath(a.Name)); err != nil {
		return Result{}, err
	}
	return done(start, "")
}

// VethAdd creates a veth pair; the peer is created directly in PeerNS.
type VethAdd struct {
	NS     string // where Name is made ("" = host)
	Name   string
	Peer   string
	PeerNS string // "" = same as NS
}

// Command implements Action.
func (a VethAdd) Command() string {
	s := ipCmd(a.NS, "link add", a.Name, "type veth peer name", a.Peer)
	if a.PeerNS != "" && a.PeerNS != nsOr(a.NS) {
		s += " netns " + a.PeerNS
	}
	return s
}

func nsOr(ns string) string {
	if ns == "" {
		return HostNS
	}
	return ns
}

// Apply implements Action.
func (a VethAdd) Apply(ctx context.Context, l *Lab) (Result, error) {
	start := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e, err := l.entry(a.NS)
	if err != nil {
		return Result{}, err
	}
	peerNS := a.PeerNS
	if peerNS == "" {
		peerNS = nsOr(a.NS)
	}
	pe, err := l.entry(peerNS)
	if err != nil {
		return Result{}, err
	}
	if lk, err := e.nl.LinkByName(a.Name); err == nil {
		if lk.Type() == "veth" {
			if p, err := pe.nl.LinkByName(a.Peer); err == nil && p.Type() == "veth" {
				return done(start, "") // already there
			}
		}
		return Result{}, fmt.Errorf("add veth %q in %s: a link with that name exists", a.Name, nsOr(a.NS))
	}
	// TxQLen -1 leaves the queue length to the kernel (1000), as `ip link
	// add` does; 0 would make ip print no qlen.
	v := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: a.Name, TxQLen: -1}, PeerName: a.Peer, PeerTxQLen: -1}
	if peerNS != nsOr(a.NS) {
		v.PeerNamespace = netlink.NsFd(int(pe.fd))
	}
	if err := e.nl.LinkAdd(v); err != nil {
		return Result{}, fmt.Errorf("add veth %q peer %q in %s: %w", a.Name, a.Peer, nsOr(a.NS), err)
	}
	return done(start, "")
}

// BridgeAdd creates a bridge: ip link add br0 type bridge.
type BridgeAdd struct {
	NS   string
	Name string
}

// Command implements Action.
func (a BridgeAdd) Command() string { return ipCmd(a.NS, "link add", a.Name, "type bridge") }

// Apply implements Action.
func (a BridgeAdd) Apply(ctx context.Context, l *Lab) (Result, error) {
	start := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e, err := l.entry(a.NS)
	if err != nil {
		return Result{}, err
	}
	if lk, err := e.nl.LinkByName(a.Name); err == nil {
		if lk.Type() == "bridge" {
			return done(start, "")
		}
		return Result{}, fmt.Errorf("add bridge %q in %s: a %s link with that name exists", a.Name, nsOr(a.NS), lk.Type())
	}
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: a.Name, TxQLen: -1}}
	if err := e.nl.LinkAdd(br); err != nil {
		return Result{}, fmt.Errorf("add bridge %q in %s: %w", a.Name, nsOr(a.NS), err)
	}
	return done(start, "")
}

// withLink looks a link up by name in a namespace and runs fn on it.
func withLink(l *Lab, ns, name string, fn func(e *nsEntry, lk netlink.Link) error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, err := l.entry(ns)
	if err != nil {
		return err
	}
	lk, err := e.nl.LinkByName(name)
	if err != nil {
		var nf netlink.LinkNotFoundError
		if errors.As(err, &nf) {
			return fmt.Errorf("%s: no link %q", nsOr(ns), name)
		}
		return fmt.Errorf("%s: look up link %q: %w", nsOr(ns), name, err)
	}
	return fn(e, lk)
}

// linkOp runs one change on a link and reports it as an action result;
// what names the change in errors ("set veth0 up").
func linkOp(l *Lab, ns, name, what string, fn func(h *netlink.Handle, lk netlink.Link) error) (Result, error) {
	start := time.Now()
	err := withLink(l, ns, name, func(e *nsEntry, lk netlink.Link) error {
		if err := fn(e.nl, lk); err != nil {
			return fmt.Errorf("%s in %s: %w", what, nsOr(ns), err)
		}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	return done(start, "")
}

// LinkUp sets a link up: ip link set NAME up.
type LinkUp struct{ NS, Name string }

// Command implements Action.
func (a LinkUp) Command() string { return ipCmd(a.NS, "link set", a.Name, "up") }

// Apply implements Action.
func (a LinkUp) Apply(ctx context.Context, l *Lab) (Result, error) {
	return linkOp(l, a.NS, a.Name, "set "+a.Name+" up", func(h *netlink.Handle, lk netlink.Link) error { return h.LinkSetUp(lk) })
}

// LinkDown sets a link down: ip link set NAME down.
type LinkDown struct{ NS, Name string }

// Command implements Action.
func (a LinkDown) Command() string { return ipCmd(a.NS, "link set", a.Name, "down") }

// Apply implements Action.
func (a LinkDown) Apply(ctx context.Context, l *Lab) (Result, error) {
	return linkOp(l, a.NS, a.Name, "set "+a.Name+" down", func(h *netlink.Handle, lk netlink.Link) error { return h.LinkSetDown(lk) })
}

// LinkSetNetns moves a link to another namespace: ip link set NAME netns TO.
// Moving flushes the link's addresses and sets it down, as the kernel does.
type LinkSetNetns struct{ NS, Name, To string }

// Command implements Action.
func (a LinkSetNetns) Command() string { return ipCmd(a.NS, "link set", a.Name, "netns", a.To) }

// Apply implements Action.
func (a LinkSetNetns) Apply(ctx context.Context, l *Lab) (Result, error) {
	start := time.Now()
	l.mu.Lock()
	to, err := l.entry(a.To)
	l.mu.Unlock()
	if err != nil {
		return Result{}, err
	}
	return linkMove(l, start, a.NS, a.Name, a.To, a.Name, func(e *nsEntry, lk netlink.Link) error {
		if e == to {
			return nil
		}
		if err := e.nl.LinkSetNsFd(lk, int(to.fd)); err != nil {
			return fmt.Errorf("move %s from %s to %s: %w", a.Name, nsOr(a.NS), a.To, err)
		}
		return nil
	})
}

// linkMove applies fn to link name in ns, which leaves it as newName in
// newNS (a move or a rename). When fn fails because the link is gone and
// newName already stands in newNS, the action was repeated and is done:
// actions repeat safely.
func linkMove(l *Lab, start time.Time, ns, name, newNS, newName string, fn func(*nsEntry, netlink.Link) error) (Result, error) {
	if err := withLink(l, ns, name, fn); err != nil {
		if h, herr := l.Handle(newNS); herr == nil {
			if _, lerr := h.LinkByName(newName); lerr == nil {
				return done(start, "")
			}
		}
		return Result{}, err
	}
	return done(start, "")
}

// LinkSetMaster enslaves a link to a bridge: ip link set NAME master BR.
type LinkSetMaster struct{ NS, Name, Master string }

// Command implements Action.
func (a LinkSetMaster) Command() string { return ipCmd(a.NS, "link set", a.Name, "master", a.Master) }

// Apply implements Action.
func (a LinkSetMaster) Apply(ctx context.Context, l *Lab) (Result, error) {
	return linkOp(l, a.NS, a.Name, "set "+a.Name+" master "+a.Master, func(h *netlink.Handle, lk netlink.Link) error {
		br, err := h.LinkByName(a.Master)
		if err != nil {
			return fmt.Errorf("no bridge %q", a.Master)
		}
		return h.LinkSetMasterByIndex(lk, br.Attrs().Index)
	})
}

// LinkNoMaster releases a link from its bridge: ip link set NAME nomaster.
type LinkNoMaster struct{ NS, Name string }

// Command implements Action.
func (a LinkNoMaster) Command() string { return ipCmd(a.NS, "link set", a.Name, "nomaster") }

// Apply implements Action.
func (a LinkNoMaster) Apply(ctx context.Context, l *Lab) (Result, error) {
	return linkOp(l, a.NS, a.Name, "set "+a.Name+" nomaster", func(h *netlink.Handle, lk netlink.Link) error { return h.LinkSetNoMaster(lk) })
}

// LinkSetMTU sets a link's MTU: ip link set NAME mtu N.
type LinkSetMTU struct {
	NS, Name string
	MTU      int
}

// Command implements Action.
func (a LinkSetMTU) Command() string {
	return ipCmd(a.NS, "link set", a.Name, "mtu", fmt.Sprint(a.MTU))
}

// Apply implements Action.
func (a LinkSetMTU) Apply(ctx context.Context, l *Lab) (Result, error) {
	return linkOp(l, a.NS, a.Name, fmt.Sprintf("set %s mtu %d", a.Name, a.MTU), func(h *netlink.Handle, lk netlink.Link) error { return h.LinkSetMTU(lk, a.MTU) })
}

// LinkRename renames a link: ip link set NAME name NEW.
type LinkRename struct{ NS, Name, NewName string }

// Command implements Action.
func (a LinkRename) Command() string { return ipCmd(a.NS, "link set", a.Name, "name", a.NewName) }

// Apply implements Action.
func (a LinkRename) Apply(ctx context.Context, l *Lab) (Result, error) {
	return linkMove(l, time.Now(), a.NS, a.Name, a.NS, a.NewName, func(e *nsEntry, lk netlink.Link) error {
		if err := e.nl.LinkSetName(lk, a.NewName); err != nil {
			return fmt.Errorf("rename %s to %s in %s: %w", a.Name, a.NewName, nsOr(a.NS), err)
		}
		return nil
	})
}

// AddrAdd adds an address: ip addr add 11.11.11.2/24 dev veth0.
type AddrAdd struct{ NS, Dev, Addr string }

// Command implements Action.
func (a AddrAdd) Command() string { return ipCmd(a.NS, "addr add", a.Addr, "dev", a.Dev) }

// Apply implements Action.
func (a AddrAdd) Apply(ctx context.Context, l *Lab) (Result, error) {
	return addrOp(l, a.NS, a.Dev, a.Addr, "add "+a.Addr+" to "+a.Dev, unix.EEXIST, (*netlink.Handle).AddrAdd)
}

// addrOp adds or deletes an address; the errno "already so" (EEXIST on
// add, EADDRNOTAVAIL on delete) counts as done, so the action repeats safely.
func addrOp(l *Lab, ns, dev, cidr, what string, already error, fn func(*netlink.Handle, netlink.Link, *netlink.Addr) error) (Result, error) {
	addr, err := netlink.ParseAddr(cidr)
	if err != nil {
		return Result{}, fmt.Errorf("address %q: want a CIDR such as 11.11.11.2/24", cidr)
	}
	if addr.IP.To4() != nil {
		// `ip addr add A/24` sets no broadcast address; the netlink
		// library would compute one (brd) unless told 0.0.0.0.
		addr.Broadcast = net.IPv4zero
	}
	return linkOp(l, ns, dev, what, func(h *netlink.Handle, lk netlink.Link) error {
		if err := fn(h, lk, addr); err != nil && !errors.Is(err, already) {
			return err
		}
		return nil
	})
}

// AddrDel removes an address: ip addr del 11.11.11.2/24 dev veth0.
type AddrDel struct{ NS, Dev, Addr string }

// Command implements Action.
func (a AddrDel) Command() string { return ipCmd(a.NS, "addr del", a.Addr, "dev", a.Dev) }

// Apply implements Action.
func (a AddrDel) Apply(ctx context.Context, l *Lab) (Result, error) {
	return addrOp(l, a.NS, a.Dev, a.Addr, "delete "+a.Addr+" from "+a.Dev, unix.EADDRNOTAVAIL, (*netlink.Handle).AddrDel)
}

// RouteAdd adds a route: ip route add default via 11.11.11.1, or
// ip route add 10.0.0.0/24 dev veth0. The overlay lessons add the forms
// flanneld and Calico leave: `ip route add 10.244.1.0/24 via 10.244.1.0 dev
// flannel.1 onlink` (flanneld's netlink.RouteReplace of a route with
// RTNH_F_ONLINK: the gateway is on the link although no address of the
// link covers it), `ip route add blackhole 10.244.0.0/24 proto bird` (what
// BIRD installs for the node's own block) and `ip route add 10.244.0.2 dev
// caliX scope link` (Calico's felix, for a local pod). Felix's route table
// (felix/routetable/defs.go) gives a local workload's route scope link, its
// VXLAN and no-encapsulation routes RTNH_F_ONLINK, an IPAM block's drop a
// blackhole, all with its deviceRouteProtocol, RTPROT_BOOT unless
// configured: the protocol ip leaves out, as it does for these commands.
// flanneld and felix replace (NLM_F_REPLACE) where the command adds; in a
// fresh lab, where the destination is free, both leave the same route.
type RouteAdd struct {
	NS     string
	Dst    string // "default" or a CIDR
	Via    string // gateway, optional
	Dev    string // optional when Via is given
	OnLink bool   // onlink: the gateway is reachable on Dev without a covering address
	Proto  string // a name of RouteProtos ("bird"); "" is ip's default, boot
	Type   string // one of RouteTypes; "" is unicast
	Scope  string // a key of RouteScopes; "" is ip's default
}

func (a RouteAdd) opts() routeOpts {
	return routeOpts{a.Dst, a.Via, a.Dev, a.OnLink, a.Proto, a.Type, a.Scope}
}

// routeOpts is what route add and route del say about one route, in the
// order ip prints the words.
type routeOpts struct {
	dst, via, dev string
	onlink        bool
	proto, typ    string
	scope         string
}

func routeArgs(verb string, o routeOpts) []string {
	args := []string{"route", verb}
	if o.typ != "" && o.typ != "unicast" {
		args = append(args, o.typ)
	}
	args = append(args, o.dst)
	if o.via != "" {
		args = append(args, "via", o.via)
	}
	if o.dev != "" {
		args = append(args, "dev", o.dev)
	}
	if o.proto != "" {
		args = append(args, "proto", o.proto)
	}
	if o.scope != "" {
		args = append(args, "scope", o.scope)
	}
	if o.onlink {
		args = append(args, "onlink")
	}
	return args
}

// Command implements Action.
func (a RouteAdd) Command() string { return ipCmd(a.NS, routeArgs("add", a.opts())...) }

// buildRoute makes the route ip would send for o: the scope ip picks when
// none is given (link for a unicast route with no gateway, universe
// otherwise), the protocol given or boot, the type, RTNH_F_ONLINK.
func (l *Lab) buildRoute(ns string, o routeOpts) (*nsEntry, *netlink.Route, error) {
	e, err := l.entry(ns)
	if err != nil {
		return nil, nil, err
	}
	dst, via, dev := o.dst, o.via, o.dev
	r := &netlink.Route{Table: unix.RT_TABLE_MAIN}
	if dst != "default" && dst != "" {
		_, n, err := net.ParseCIDR(dst)
		if err != nil {
			ip := net.ParseIP(dst)
			if ip == nil || ip.To4() == nil {
				return nil, nil, fmt.Errorf("route destination %q: want default, a CIDR or an address", dst)
			}
			n = &net.IPNet{IP: ip.To4(), Mask: net.CIDRMask(32, 32)}
		}
		r.Dst = n
	} else {
		r.Dst = &net.IPNet{IP: net.IPv4zero.To4(), Mask: net.CIDRMask(0, 32)}
	}
	if via != "" {
		gw := net.ParseIP(via)
		if gw == nil {
			return nil, nil, fmt.Errorf("gateway %q is not an address", via)
		}
		r.Gw = gw
	}
	if dev != "" {
		lk, err := e.nl.LinkByName(dev)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: no link %q", nsOr(ns), dev)
		}
		r.LinkIndex = lk.Attrs().Index
	}
	unicast := o.typ == "" || o.typ == "unicast"
	if via == "" && dev == "" && unicast {
		return nil, nil, errors.New("route needs via or dev")
	}
	if !unicast {
		r.Type = routeTypeNumber(o.typ)
	}
	if via == "" && unicast {
		r.Scope = netlink.SCOPE_LINK
	}
	if o.scope != "" {
		sc, ok := RouteScopes[o.scope]
		if !ok {
			return nil, nil, fmt.Errorf("route scope %q: want global, link or host", o.scope)
		}
		r.Scope = sc
	}
	if o.proto != "" {
		p, ok := RouteProtos[o.proto]
		if !ok {
			return nil, nil, fmt.Errorf("route proto %q: not a protocol name ip knows", o.proto)
		}
		r.Protocol = netlink.RouteProtocol(p)
	}
	if o.onlink {
		r.Flags = int(netlink.FLAG_ONLINK)
	}
	return e, r, nil
}

// Apply implements Action.
func (a RouteAdd) Apply(ctx context.Context, l *Lab) (Result, error) {
	start := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e, r, err := l.buildRoute(a.NS, a.opts())
	if err != nil {
		return Result{}, err
	}
	err = e.nl.RouteAdd(r)
	if errors.Is(err, unix.EEXIST) && !sameRouteThere(e, r) {
		// Another route holds the destination (a connected route where a
		// blackhole was to go): ip route add fails with File exists too.
		return Result{}, fmt.Errorf("%s: add route %s: another route to %s is there (File exists)", nsOr(a.NS), a.Dst, a.Dst)
	}
	if err != nil && !errors.Is(err, unix.EEXIST) {
		if errors.Is(err, unix.ENETUNREACH) {
			return Result{}, fmt.Errorf("%s: route %s via %s: gateway not reachable on any link (Nexthop has invalid gateway)", nsOr(a.NS), a.Dst, a.Via)
		}
		return Result{}, fmt.Errorf("%s: add route %s: %w", nsOr(a.NS), a.Dst, err)
	}
	return done(start, "")
}

// sameRouteThere reports whether the main table already holds r (same
// destination, type, gateway and device): then adding it again is the
// action repeated, not a clash.
func sameRouteThere(e *nsEntry, r *netlink.Route) bool {
	have, err := retryDump(func() ([]netlink.Route, error) {
		return e.nl.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	})
	if err != nil {
		return false
	}
	typ := r.Type
	if typ == 0 {
		typ = unix.RTN_UNICAST
	}
	// The default route comes back with no destination at all.
	dstOf := func(n *net.IPNet) string {
		if n == nil {
			return "0.0.0.0/0"
		}
		return n.String()
	}
	for _, h := range have {
		if dstOf(h.Dst) == dstOf(r.Dst) && h.Type == typ && h.Gw.Equal(r.Gw) && (r.LinkIndex == 0 || h.LinkIndex == r.LinkIndex) {
			return true
		}
	}
	return false
}

// RouteDel removes a route: ip route del default. Type, Proto, Scope and
// OnLink narrow the match as the same words do for ip route del.
type RouteDel struct {
	NS     string
	Dst    string
	Via    string
	Dev    string
	OnLink bool
	Proto  string
	Type   string
	Scope  string
}

func (a RouteDel) opts() routeOpts {
	return routeOpts{a.Dst, a.Via, a.Dev, a.OnLink, a.Proto, a.Type, a.Scope}
}

// Command implements Action.
func (a RouteDel) Command() string { return ipCmd(a.NS, routeArgs("del", a.opts())...) }

// Apply implements Action.
func (a RouteDel) Apply(ctx context.Context, l *Lab) (Result, error) {
	start := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e, err := l.entry(a.NS)
	if err != nil {
		return Result{}, err
	}
	// Deleting needs only the destination; via and dev narrow it when given.
	_, r, err := l.buildRoute(a.NS, a.opts())
	if err != nil {
		r = &netlink.Route{Table: unix.RT_TABLE_MAIN}
		if a.Dst != "default" {
			if _, n, perr := net.ParseCIDR(a.Dst); perr == nil {
				r.Dst = n
			}
		}
	}
	// ip route del sends scope nowhere unless told one, which the kernel
	// reads as "any scope".
	r.Scope = netlink.SCOPE_NOWHERE
	if sc, ok := RouteScopes[a.Scope]; ok {
		r.Scope = sc
	}
	if err := e.nl.RouteDel(r); err != nil && !errors.Is(err, unix.ESRCH) {
		return Result{}, fmt.Errorf("%s: delete route %s: %w", nsOr(a.NS), a.Dst, err)
	}
	return done(start, "")
}

// Sysctl sets a kernel parameter of one namespace: sysctl -w net.ipv4.ip_forward=1.
type Sysctl struct{ NS, Key, Value string }

// Command implements Action.
func (a Sysctl) Command() string { return inNS(a.NS, "sysctl -w "+a.Key+"="+a.Value) }

// Apply implements Action.
func (a Sysctl) Apply(ctx context.Context, l *Lab) (Result, error) {
	start := time.Now()
	if !strings.HasPrefix(a.Key, "net.") || strings.Contains(a.Key, "..") || strings.Contains(a.Key, "/") {
		// Only per-namespace keys: anything else would change the real host.
		return Result{}, fmt.Errorf("sysctl %s: only net.* keys are per namespace", a.Key)
	}
	fd, err := l.NsHandle(a.NS)
	if err != nil {
		return Result{}, err
	}
	path := filepath.Join("/proc/sys", strings.ReplaceAll(a.Key, ".", "/"))
	err = nsutil.Do(fd, func() error { return os.WriteFile(path, []byte(a.Value+"\n"), 0) })
	if err != nil {
		return Result{}, fmt.Errorf("%s: sysctl -w %s=%s: %w", nsOr(a.NS), a.Key, a.Value, err)
	}
	return done(start, a.Key+" = "+a.Value)
}

// ReadSysctl reads a net.* sysctl in a namespace.
func (l *Lab) ReadSysctl(ns, key string) (string, error) {
	fd, err := l.NsHandle(ns)
	if err != nil {
		return "", err
	}
	return readSysctlIn(fd, key)
}

// Iptables adds (or with Delete, removes) one iptables rule, written through
// nftables in the form iptables-nft writes, so `iptables -S` lists it.
type Iptables struct {
	NS     string
	Rule   iptables.Rule
	Delete bool
}

// Command implements Action.
func (a Iptables) Command() string {
	c := a.Rule.Command()
	if a.Delete {
		c = strings.Replace(c, " -A ", " -D ", 1)
	}
	return inNS(a.NS, c)
}

// Apply implements Action.
func (a Iptables) Apply(ctx context.Context, l *Lab) (Result, error) {
	start := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e, err := l.entry(a.NS)
	if err != nil {
		return Result{}, err
	}
	c, err := e.lastingNft()
	if err != nil {
		return Result{}, err
	}
	if a.Delete {
		err = iptables.Delete(c, a.Rule)
	} else {
		err = iptables.Add(c, a.Rule)
	}
	if err != nil {
		return Result{}, fmt.Errorf("%s: %s: %w", nsOr(a.NS), a.Rule.Spec(), err)
	}
	return done(start, "")
}
