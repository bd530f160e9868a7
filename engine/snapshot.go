package engine

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/google/nftables"
	"github.com/nettutor/nettutor/engine/iptables"
	"github.com/nettutor/nettutor/engine/nsutil"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// dumpRetries bounds retries of a netlink dump that the kernel interrupted
// because the table changed while it was read.
const dumpRetries = 5

func retryDump[T any](fn func() (T, error)) (T, error) {
	var v T
	var err error
	for i := 0; i < dumpRetries; i++ {
		v, err = fn()
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			return v, err
		}
	}
	return v, err
}

// snapTarget is a namespace to read: its name, an open handle to it and a
// netlink handle bound to it.
type snapTarget struct {
	name string
	fd   netns.NsHandle
	nl   *netlink.Handle
	nft  *nftables.Conn // nil: open one for this read
	fwd  *os.File       // ip_forward opened inside the namespace; nil: read it there
}

// Snapshot reads every namespace of the lab: the host first, then the named
// ones in name order.
func (l *Lab) Snapshot() (*Snapshot, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var ts []snapTarget
	for _, n := range l.namesLocked() {
		e, err := l.entry(n)
		if err != nil {
			continue // deleted between the listing and now
		}
		c, _ := e.lastingNft()
		ts = append(ts, snapTarget{n, e.fd, e.nl, c, e.forwardFile()})
	}
	return snapshotOf(ts)
}

// Inspect reads the caller's own view, without changing anything: its own
// network namespace as "host" and every namespace pinned under dir (normally
// /run/netns) by its name there. A pin of the caller's own namespace is
// listed only once, as host.
func Inspect(dir string) (*Snapshot, error) {
	self, err := netns.Get()
	if err != nil {
		return nil, fmt.Errorf("open own network namespace: %w", err)
	}
	defer self.Close()
	var selfSt syscall.Stat_t
	if err := syscall.Fstat(int(self), &selfSt); err != nil {
		return nil, err
	}
	h, err := netlink.NewHandleAt(self)
	if err != nil {
		return nil, fmt.Errorf("netlink: %w", err)
	}
	defer h.Close()
	ts := []snapTarget{{HostNS, self, h, nil, nil}}
	ents, _ := os.ReadDir(dir)
	for _, d := range ents {
		p := filepath.Join(dir, d.Name())
		var st syscall.Stat_t
		if syscall.Stat(p, &st) != nil || (st.Dev == selfSt.Dev && st.Ino == selfSt.Ino) {
			continue
		}
		fd, err := netns.GetFromPath(p)
		if err != nil {
			continue // not a namespace pin (or not ours to open)
		}
		defer fd.Close()
		nh, err := netlink.NewHandleAt(fd)
		if err != nil {
			continue
		}
		defer nh.Close()
		ts = append(ts, snapTarget{d.Name(), fd, nh, nil, nil})
	}
	sort.SliceStable(ts[1:], func(i, j int) bool { return ts[1+i].name < ts[1+j].name })
	return snapshotOf(ts)
}

type linkKey struct {
	ns  string
	idx int
}

func snapshotOf(ts []snapTarget) (*Snapshot, error) {
	s := &Snapshot{Namespaces: make([]Namespace, len(ts))}
	links := make([][]netlink.Link, len(ts))
	names := map[linkKey]string{}
	for i, t := range ts {
		ls, err := retryDump(func() ([]netlink.Link, error) { return t.nl.LinkList() })
		if err != nil {
			return nil, fmt.Errorf("list links in %s: %w", t.name, err)
		}
		links[i] = ls
		for _, lk := range ls {
			names[linkKey{t.name, lk.Attrs().Index}] = lk.Attrs().Name
		}
	}
	// Namespaces are independent kernel objects: read them side by side.
	errs := make([]error, len(ts))
	var wg sync.WaitGroup
	for i, t := range ts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ns, err := readNS(t, ts, links[i], names)
			if err != nil {
				errs[i] = err
				return
			}
			s.Namespaces[i] = *ns
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

func readNS(t snapTarget, all []snapTarget, links []netlink.Link, names map[linkKey]string) (*Namespace, error) {
	ns := &Namespace{Name: t.name, Links: []Link{}, Routes: []Route{}, Neighbors: []Neighbor{}, FDB: []FDBEntry{}, Rules: []string{}, Sysctl: map[string]string{}}
	// Peers in other namespaces are named by the id this namespace gives them.
	var nsids map[int]string
	for _, lk := range links {
		a := lk.Attrs()
		l := Link{
			Index: a.Index, Name: a.Name, Kind: kindOf(lk), MTU: a.MTU,
			MAC: a.HardwareAddr.String(), State: "down", Oper: strings.ToLower(a.OperState.String()),
			Addrs: []string{},
		}
		if a.Flags&net.FlagUp != 0 {
			l.State = "up"
		}
		if l.MAC == "" && l.Kind == "loopback" {
			l.MAC = "00:00:00:00:00:00" // what ip(8) prints for lo
		}
		if a.MasterIndex > 0 {
			l.Master = names[linkKey{t.name, a.MasterIndex}]
		}
		if l.Kind == "veth" && a.ParentIndex > 0 {
			peerNS := t.name
			if a.NetNsID >= 0 {
				if nsids == nil {
					nsids = map[int]string{}
					for _, o := range all {
						if id, err := t.nl.GetNetNsIdByFd(int(o.fd)); err == nil && id >= 0 {
							nsids[id] = o.name
						}
					}
				}
				peerNS = nsids[a.NetNsID] // "" when the peer is outside what we can see
			}
			l.Peer = &PeerRef{NS: peerNS, Name: names[linkKey{peerNS, a.ParentIndex}]}
		}
		if v, ok := lk.(*netlink.Vxlan); ok {
			l.VXLAN = vxlanInfo(v, t.name, names)
		}
		ns.Links = append(ns.Links, l)
	}
	byIndex := map[int]int{}
	for i, l := range ns.Links {
		byIndex[l.Index] = i
	}
	addrs, err := retryDump(func() ([]netlink.Addr, error) { return t.nl.AddrList(nil, netlink.FAMILY_ALL) })
	if err != nil {
		return nil, fmt.Errorf("list addresses in %s: %w", t.name, err)
	}
	for _, ad := range addrs {
		if i, ok := byIndex[ad.LinkIndex]; ok {
			ns.Links[i].Addrs = append(ns.Links[i].Addrs, ad.IPNet.String())
		}
	}
	routes, err := retryDump(func() ([]netlink.Route, error) {
		return t.nl.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	})
	if err != nil {
		return nil, fmt.Errorf("list routes in %s: %w", t.name, err)
	}
	for _, r := range routes {
		ns.Routes = append(ns.Routes, routeOf(r, t.name, names))
	}
	neighs, err := retryDump(func() ([]netlink.Neigh, error) { return t.nl.NeighList(0, netlink.FAMILY_ALL) })
	if err != nil {
		return nil, fmt.Errorf("list neighbours in %s: %w", t.name, err)
	}
	for _, n := range neighs {
		if n.IP == nil || n.State&(netlink.NUD_NOARP) != 0 {
			continue
		}
		ns.Neighbors = append(ns.Neighbors, Neighbor{IP: n.IP.String(), MAC: n.HardwareAddr.String(), Dev: names[linkKey{t.name, n.LinkIndex}], State: neighState(n.State)})
	}
	fdb, err := retryDump(func() ([]netlink.Neigh, error) { return t.nl.NeighList(0, unix.AF_BRIDGE) })
	if err != nil {
		return nil, fmt.Errorf("list bridge fdb in %s: %w", t.name, err)
	}
	for _, n := range fdb {
		e := FDBEntry{MAC: n.HardwareAddr.String(), Dev: names[linkKey{t.name, n.LinkIndex}], Self: n.Flags&netlink.NTF_SELF != 0}
		if n.IP != nil && !n.IP.IsUnspecified() {
			e.Dst = n.IP.String()
		}
		if n.MasterIndex > 0 {
			e.Master = names[linkKey{t.name, n.MasterIndex}]
		}
		switch {
		case n.State&netlink.NUD_PERMANENT != 0:
			e.State = "permanent"
		case n.State&netlink.NUD_NOARP != 0:
			e.State = "static"
		}
		ns.FDB = append(ns.FDB, e)
	}
	c := t.nft
	if c == nil {
		// Lasting: iptables.List reads chain by chain, and a transient
		// connection would dial a socket in the namespace for each.
		var err error
		if c, err = nftables.New(nftables.AsLasting(), nftables.WithNetNSFd(int(t.fd))); err != nil {
			return nil, fmt.Errorf("nftables in %s: %w", t.name, err)
		}
		defer c.CloseLasting()
	}
	{
		rules, err := iptables.List(c)
		if err != nil {
			return nil, fmt.Errorf("list rules in %s: %w", t.name, err)
		}
		ns.Rules = append(ns.Rules, rules...)
	}
	const fwdKey = "net.ipv4.ip_forward"
	if t.fwd != nil {
		var b [16]byte
		if n, err := t.fwd.ReadAt(b[:], 0); n > 0 && (err == nil || errors.Is(err, io.EOF)) {
			ns.Sysctl[fwdKey] = strings.TrimSpace(string(b[:n]))
		}
	} else if v, err := readSysctlIn(t.fd, fwdKey); err == nil {
		ns.Sysctl[fwdKey] = v
	}
	return ns, nil
}

func readSysctlIn(fd netns.NsHandle, key string) (string, error) {
	path := filepath.Join("/proc/sys", strings.ReplaceAll(key, ".", "/"))
	var v string
	err := nsutil.Do(fd, func() error {
		b, err := os.ReadFile(path)
		v = strings.TrimSpace(string(b))
		return err
	})
	return v, err
}

func kindOf(lk netlink.Link) string {
	a := lk.Attrs()
	if a.Flags&net.FlagLoopback != 0 {
		return "loopback"
	}
	return lk.Type()
}

func routeOf(r netlink.Route, ns string, names map[linkKey]string) Route {
	out := Route{Dst: "default", Dev: names[linkKey{ns, r.LinkIndex}], Metric: r.Priority}
	if r.Dst != nil {
		if ones, _ := r.Dst.Mask.Size(); ones != 0 || !r.Dst.IP.IsUnspecified() {
			out.Dst = r.Dst.String()
		}
	}
	if r.Gw != nil {
		out.Gw = r.Gw.String()
	}
	if r.Src != nil {
		out.Src = r.Src.String()
	}
	if r.Scope == netlink.SCOPE_LINK {
		out.Scope = "link"
	}
	if r.Protocol != 0 {
		if p, ok := routeProtos[uint8(r.Protocol)]; ok {
			out.Proto = p
		} else {
			out.Proto = strconv.Itoa(int(r.Protocol))
		}
	}
	out.OnLink = r.Flags&int(netlink.FLAG_ONLINK) != 0
	if r.Type != unix.RTN_UNICAST && r.Type >= 0 && r.Type < len(routeTypes) {
		out.Type = routeTypes[r.Type]
	}
	return out
}

// vxlanInfo reads a VXLAN device's settings; dev is named among the links
// of the device's own namespace, where the kernel looks it up.
func vxlanInfo(v *netlink.Vxlan, ns string, names map[linkKey]string) *VXLANInfo {
	info := &VXLANInfo{ID: v.VxlanId, Port: v.Port, Learning: v.Learning}
	if v.SrcAddr != nil && !v.SrcAddr.IsUnspecified() {
		info.Local = v.SrcAddr.String()
	}
	if v.Group != nil && !v.Group.IsUnspecified() {
		info.Remote = v.Group.String()
	}
	if v.VtepDevIndex > 0 {
		info.Dev = names[linkKey{ns, v.VtepDevIndex}]
	}
	return info
}

func neighState(s int) string {
	for _, st := range []struct {
		bit  int
		name string
	}{
		{netlink.NUD_REACHABLE, "reachable"}, {netlink.NUD_STALE, "stale"}, {netlink.NUD_DELAY, "delay"},
		{netlink.NUD_PROBE, "probe"}, {netlink.NUD_FAILED, "failed"}, {netlink.NUD_INCOMPLETE, "incomplete"},
		{netlink.NUD_PERMANENT, "permanent"}, {netlink.NUD_NOARP, "noarp"},
	} {
		if s&st.bit != 0 {
			return st.name
		}
	}
	return "none"
}
