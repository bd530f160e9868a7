package engine

// The text of `ip`, `bridge`, `iptables -S` and `sysctl`, rendered from the
// kernel's own netlink answers in the form iproute2 6.1, iptables-nft 1.8
// and procps print them (engine/fidelity_test.go holds each form against the
// real tool in the same namespace). The renderers read raw netlink messages
// rather than the snapshot, because the tools print fields the snapshot has
// no use for: flags, qdisc, link mode, group, queue length, address flags
// and lifetimes, route protocol and flags. No tool needs to be installed.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/google/nftables"
	"github.com/nettutor/nettutor/engine/iptables"
	"github.com/nettutor/nettutor/engine/nsutil"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// showSource is what the renderers read one namespace through.
type showSource struct {
	name  string
	fd    netns.NsHandle
	nl    *netlink.Handle
	nft   *nftables.Conn            // nil: open one for this read
	named map[string]netns.NsHandle // namespaces under /run/netns, for link-netns NAME
	order []string                  // their names in directory order, as ip reads them
	ids   map[int]string            // nsid -> name, filled on first use
	// tool is set when the kernel holds something the renderer cannot put
	// in the tool's words (an iptables rule with no decoder here): the
	// real tool is run instead, where it is installed.
	tool []string
	// dev narrows the output to one link, as `ip link show DEV`, `ip
	// route show dev DEV` and `bridge fdb show dev DEV` do; devIndex is its
	// ifindex once looked up. The tools then leave "dev DEV" out of every
	// route, neighbour and fdb line: it would say the same thing each time.
	dev      string
	devIndex int
	// detail renders `ip -d link`: linkDetail's text after each link.
	detail bool
}

// ShowText renders what the command of Show{NS: ns, What: what} prints in
// that namespace, byte for byte up to the values that change by themselves
// (ifindex, MAC, lifetimes, counters).
func (l *Lab) ShowText(ns, what string) (string, error) { return l.ShowTextDev(ns, what, "") }

// ShowTextDev is ShowText narrowed to one link, as Show{NS: ns, What:
// what, Dev: dev} prints it ("" = every link).
func (l *Lab) ShowTextDev(ns, what, dev string) (string, error) {
	out, tool, err := l.renderShow(ns, what, dev)
	if err != nil || tool == nil {
		return out, err
	}
	if real, ok := l.runTool(ns, tool); ok {
		return real, nil
	}
	if what == "detail-link" {
		return "", fmt.Errorf("%s: %s: ip -d link is printed by iproute2 itself, and it did not run here", nsOr(ns), strings.Join(tool, " "))
	}
	return out, nil
}

// renderShow renders the form from netlink; tool is the command to run
// instead when the rendering could not say everything in the tool's words.
func (l *Lab) renderShow(ns, what, dev string) (out string, tool []string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, err := l.entry(nsOr(ns))
	if err != nil {
		return "", nil, err
	}
	src := showSource{name: e.name, fd: e.fd, nl: e.nl, named: map[string]netns.NsHandle{}, dev: dev}
	if dev != "" {
		lk, err := e.nl.LinkByName(dev)
		if err != nil {
			// What ip and bridge print for an unknown device.
			return "", nil, fmt.Errorf("%s: Device \"%s\" does not exist", e.name, dev)
		}
		src.devIndex = lk.Attrs().Index
	}
	src.nft, _ = e.lastingNft()
	// ip resolves a peer's namespace id to a name by asking, for every
	// entry of /run/netns in directory order, which id it has here.
	ents, _ := os.ReadDir(l.netnsDir)
	for _, d := range ents {
		o, err := l.entry(d.Name())
		if err != nil {
			continue
		}
		src.named[d.Name()] = o.fd
		src.order = append(src.order, d.Name())
	}
	out, err = src.render(what)
	return out, src.tool, err
}

// lookTool finds a tool on PATH or, for an account whose PATH leaves
// them out, in /usr/sbin and /sbin, where ip, iptables, nft and conntrack
// live.
func lookTool(name string) (string, bool) {
	if path, err := exec.LookPath(name); err == nil {
		return path, true
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		if _, e := os.Stat(filepath.Join(dir, name)); e == nil {
			return filepath.Join(dir, name), true
		}
	}
	return "", false
}

// runTool runs argv in namespace ns and returns its stdout, if the tool is
// installed and succeeds without a word on stderr.
func (l *Lab) runTool(ns string, argv []string) (string, bool) {
	path, ok := lookTool(argv[0])
	if !ok {
		return "", false
	}
	cmd := l.Cmd(nsOr(ns), append([]string{path}, argv[1:]...)...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		return "", false
	}
	return stdout.String(), true
}

func (s *showSource) render(what string) (string, error) {
	switch what {
	case "link":
		return s.ipLink(false, false)
	case "addr":
		return s.ipLink(true, false)
	case "brief-link":
		return s.ipLink(false, true)
	case "brief-addr":
		return s.ipLink(true, true)
	case "route":
		return s.ipRoute()
	case "neigh":
		return s.ipNeigh()
	case "fdb":
		return s.bridgeFDB()
	case "bridge-link":
		return s.bridgeLink()
	case "nat", "filter":
		return s.iptablesS(what)
	case "detail-link":
		// ip -d prints every attribute of every link kind. The kinds
		// the overlay lessons show (VXLAN devices, veths, loopback) are
		// rendered (showdetail.go); for any other (a bridge and its
		// ports print some sixty attributes each) the tool itself is run
		// in the namespace rather than a second copy of its printer kept.
		s.detail = true
		return s.ipLink(false, false)
	case "sysctl":
		v, err := readSysctlIn(s.fd, "net.ipv4.ip_forward")
		if err != nil {
			return "", fmt.Errorf("%s: read net.ipv4.ip_forward: %w", s.name, err)
		}
		return "net.ipv4.ip_forward = " + v + "\n", nil
	}
	return "", fmt.Errorf("show %q: want one of %s", what, strings.Join(ShowKinds, ", "))
}

// dump runs one netlink dump inside the namespace and returns the payload
// of every answer (the fixed header, then the attributes).
func (s *showSource) dump(msgType uint16, hdr nl.NetlinkRequestData, res uint16, attrs ...nl.NetlinkRequestData) ([][]byte, error) {
	var msgs [][]byte
	err := nsutil.Do(s.fd, func() error {
		var err error
		msgs, err = retryDump(func() ([][]byte, error) {
			req := nl.NewNetlinkRequest(int(msgType), unix.NLM_F_DUMP)
			req.AddData(hdr)
			for _, a := range attrs {
				req.AddData(a)
			}
			return req.Execute(unix.NETLINK_ROUTE, res)
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: netlink dump: %w", s.name, err)
	}
	return msgs, nil
}

// Netlink constants golang.org/x/sys/unix does not name.
const (
	nlaTypeMask   = 0x3fff // without NLA_F_NESTED and NLA_F_NET_BYTEORDER
	rtextFilterVF = 1
	ndaProtocol   = 12
	ndaFlagsExt   = 15
	ntfExtManaged = 1
	ntfSticky     = 1 << 6
)

// attrs maps attribute type (without the nested/byte-order bits) to value.
type attrs map[uint16][]byte

func parseAttrs(b []byte) attrs {
	m := attrs{}
	as, err := nl.ParseRouteAttr(b)
	if err != nil {
		return m
	}
	for _, a := range as {
		m[a.Attr.Type&nlaTypeMask] = a.Value
	}
	return m
}

func (a attrs) has(t uint16) bool { _, ok := a[t]; return ok }

func (a attrs) u32(t uint16) uint32 {
	if v := a[t]; len(v) >= 4 {
		return binary.NativeEndian.Uint32(v)
	}
	return 0
}

func (a attrs) u8(t uint16) uint8 {
	if v := a[t]; len(v) >= 1 {
		return v[0]
	}
	return 0
}

func (a attrs) str(t uint16) string { return strings.TrimRight(string(a[t]), "\x00") }

// rawLink is one RTM_NEWLINK answer.
type rawLink struct {
	family uint8
	typ    uint16 // ARPHRD_*
	index  int
	flags  uint32
	a      attrs
}

func (s *showSource) links(family uint8) ([]rawLink, error) {
	var ext []nl.NetlinkRequestData
	if family == unix.AF_UNSPEC {
		ext = append(ext, nl.NewRtAttr(unix.IFLA_EXT_MASK, nl.Uint32Attr(rtextFilterVF)))
	}
	msgs, err := s.dump(unix.RTM_GETLINK, nl.NewIfInfomsg(int(family)), unix.RTM_NEWLINK, ext...)
	if err != nil {
		return nil, err
	}
	var out []rawLink
	for _, m := range msgs {
		if len(m) < unix.SizeofIfInfomsg {
			continue
		}
		out = append(out, rawLink{
			family: m[0],
			typ:    binary.NativeEndian.Uint16(m[2:]),
			index:  int(int32(binary.NativeEndian.Uint32(m[4:]))),
			flags:  binary.NativeEndian.Uint32(m[8:]),
			a:      parseAttrs(m[unix.SizeofIfInfomsg:]),
		})
	}
	return out, nil
}

// linkFlags is print_link_flags: <NO-CARRIER,BROADCAST,MULTICAST,UP>.
func linkFlags(flags uint32, mdown bool) string {
	var parts []string
	if flags&unix.IFF_UP != 0 && flags&unix.IFF_RUNNING == 0 {
		parts = append(parts, "NO-CARRIER")
	}
	flags &^= unix.IFF_RUNNING
	for _, f := range []struct {
		bit  uint32
		name string
	}{
		{unix.IFF_LOOPBACK, "LOOPBACK"}, {unix.IFF_BROADCAST, "BROADCAST"}, {unix.IFF_POINTOPOINT, "POINTOPOINT"},
		{unix.IFF_MULTICAST, "MULTICAST"}, {unix.IFF_NOARP, "NOARP"}, {unix.IFF_ALLMULTI, "ALLMULTI"},
		{unix.IFF_PROMISC, "PROMISC"}, {unix.IFF_MASTER, "MASTER"}, {unix.IFF_SLAVE, "SLAVE"},
		{unix.IFF_DEBUG, "DEBUG"}, {unix.IFF_DYNAMIC, "DYNAMIC"}, {unix.IFF_AUTOMEDIA, "AUTOMEDIA"},
		{unix.IFF_PORTSEL, "PORTSEL"}, {unix.IFF_NOTRAILERS, "NOTRAILERS"}, {unix.IFF_UP, "UP"},
		{unix.IFF_LOWER_UP, "LOWER_UP"}, {unix.IFF_DORMANT, "DORMANT"}, {unix.IFF_ECHO, "ECHO"},
	} {
		if flags&f.bit != 0 {
			flags &^= f.bit
			parts = append(parts, f.name)
		}
	}
	s := "<" + strings.Join(parts, ",")
	if flags != 0 {
		s += strconv.FormatUint(uint64(flags), 16)
	}
	if mdown {
		s += ",M-DOWN"
	}
	return s + "> "
}

var operStates = []string{"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"}

// writeMaster writes "master NAME " for a link enslaved to another, as
// ip(8) and bridge(8) print it: the master's name when it is in this
// namespace's dump, else "ifN".
func writeMaster(b *strings.Builder, l rawLink, byIndex map[int]rawLink) {
	if !l.a.has(unix.IFLA_MASTER) {
		return
	}
	m := int(l.a.u32(unix.IFLA_MASTER))
	mn := "if" + strconv.Itoa(m)
	if p, ok := byIndex[m]; ok {
		mn = p.a.str(unix.IFLA_IFNAME)
	}
	fmt.Fprintf(b, "master %s ", mn)
}

func operState(v uint8) string {
	if int(v) < len(operStates) {
		return operStates[v]
	}
	return fmt.Sprintf("%#x", v)
}

func llType(t uint16) string {
	switch t {
	case unix.ARPHRD_ETHER:
		return "ether"
	case unix.ARPHRD_LOOPBACK:
		return "loopback"
	case unix.ARPHRD_NONE:
		return "none"
	case unix.ARPHRD_VOID:
		return "void"
	case unix.ARPHRD_IPGRE:
		return "gre"
	case unix.ARPHRD_TUNNEL:
		return "ipip"
	case unix.ARPHRD_SIT:
		return "sit"
	}
	return fmt.Sprintf("[%d]", t)
}

func llAddr(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return net.HardwareAddr(b).String()
}

// nameAndLink is print_name_and_link: "veth0@if2", "veth0@veth1" or
// "veth0"; mdown is set when a same-namespace parent is down. byIndex holds
// this namespace's links, which is also what `bridge link` resolves a
// peer's index against, whichever namespace the peer is in.
func nameAndLink(l rawLink, byIndex map[int]rawLink) (string, bool) {
	name := l.a.str(unix.IFLA_IFNAME)
	if !l.a.has(unix.IFLA_LINK) {
		return name, false
	}
	iflink := int(int32(l.a.u32(unix.IFLA_LINK)))
	if iflink == 0 {
		return name + "@NONE", false
	}
	if l.a.has(unix.IFLA_LINK_NETNSID) {
		return name + "@if" + strconv.Itoa(iflink), false
	}
	if p, ok := byIndex[iflink]; ok {
		return name + "@" + p.a.str(unix.IFLA_IFNAME), p.flags&unix.IFF_UP == 0
	}
	return name + "@if" + strconv.Itoa(iflink), true
}

// nsidName is get_name_from_nsid: the first /run/netns entry whose id, as
// this namespace numbers it, is id.
func (s *showSource) nsidName(id int) string {
	if s.ids == nil {
		s.ids = map[int]string{}
		for _, n := range s.order {
			got, err := s.nl.GetNetNsIdByFd(int(s.named[n]))
			if _, dup := s.ids[got]; err == nil && got >= 0 && !dup {
				s.ids[got] = n
			}
		}
	}
	return s.ids[id]
}

// ipLink renders `ip link`, `ip addr` and their -br forms.
func (s *showSource) ipLink(withAddrs, brief bool) (string, error) {
	ls, err := s.links(unix.AF_UNSPEC)
	if err != nil {
		return "", err
	}
	byIndex := map[int]rawLink{}
	for _, l := range ls {
		byIndex[l.index] = l
	}
	var addrs []rawAddr
	if withAddrs {
		if addrs, err = s.addrs(); err != nil {
			return "", err
		}
	}
	var b strings.Builder
	for _, l := range ls {
		if s.devIndex != 0 && l.index != s.devIndex {
			continue
		}
		name, mdown := nameAndLink(l, byIndex)
		if brief {
			fmt.Fprintf(&b, "%-16s ", name)
			if l.a.has(unix.IFLA_OPERSTATE) {
				fmt.Fprintf(&b, "%-14s ", operState(l.a.u8(unix.IFLA_OPERSTATE)))
			}
			if !withAddrs {
				if l.a.has(unix.IFLA_ADDRESS) {
					b.WriteString(llAddr(l.a[unix.IFLA_ADDRESS]) + " ")
				}
				b.WriteString(linkFlags(l.flags, mdown))
			} else {
				for _, a := range addrs {
					if a.index == l.index {
						fmt.Fprintf(&b, "%s/%d ", a.local(), a.prefix)
					}
				}
			}
			b.WriteString("\n")
			continue
		}
		fmt.Fprintf(&b, "%d: %s: %s", l.index, name, linkFlags(l.flags, mdown))
		if l.a.has(unix.IFLA_MTU) {
			fmt.Fprintf(&b, "mtu %d ", l.a.u32(unix.IFLA_MTU))
		}
		if l.a.has(unix.IFLA_QDISC) {
			fmt.Fprintf(&b, "qdisc %s ", l.a.str(unix.IFLA_QDISC))
		}
		writeMaster(&b, l, byIndex)
		if l.a.has(unix.IFLA_OPERSTATE) {
			fmt.Fprintf(&b, "state %s ", operState(l.a.u8(unix.IFLA_OPERSTATE)))
		}
		if !withAddrs && l.a.has(unix.IFLA_LINKMODE) {
			if m := l.a.u8(unix.IFLA_LINKMODE); m == 0 {
				b.WriteString("mode DEFAULT ")
			} else if m == 1 {
				b.WriteString("mode DORMANT ")
			} else {
				fmt.Fprintf(&b, "mode %d ", m)
			}
		}
		if l.a.has(unix.IFLA_GROUP) {
			if g := l.a.u32(unix.IFLA_GROUP); g == 0 {
				b.WriteString("group default ")
			} else {
				fmt.Fprintf(&b, "group %d ", g)
			}
		}
		if l.a.has(unix.IFLA_TXQLEN) {
			if q := l.a.u32(unix.IFLA_TXQLEN); q != 0 {
				fmt.Fprintf(&b, "qlen %d", q)
			}
		}
		fmt.Fprintf(&b, "\n    link/%s ", llType(l.typ))
		if l.a.has(unix.IFLA_ADDRESS) {
			b.WriteString(llAddr(l.a[unix.IFLA_ADDRESS]))
		}
		if l.a.has(unix.IFLA_BROADCAST) {
			if l.flags&unix.IFF_POINTOPOINT != 0 {
				b.WriteString(" peer ")
			} else {
				b.WriteString(" brd ")
			}
			b.WriteString(llAddr(l.a[unix.IFLA_BROADCAST]))
		}
		if p, ok := l.a[unix.IFLA_PERM_ADDRESS]; ok && string(p) != string(l.a[unix.IFLA_ADDRESS]) {
			b.WriteString(" permaddr " + llAddr(p))
		}
		if l.a.has(unix.IFLA_LINK_NETNSID) {
			id := int(int32(l.a.u32(unix.IFLA_LINK_NETNSID)))
			switch n := s.nsidName(id); {
			case id < 0:
				b.WriteString(" link-netnsid unknown")
			case n != "":
				b.WriteString(" link-netns " + n)
			default:
				fmt.Fprintf(&b, " link-netnsid %d", id)
			}
		}
		if s.detail {
			b.WriteString(s.linkDetail(l, byIndex))
		}
		if pl, ok := l.a[unix.IFLA_PROP_LIST]; ok {
			if as, err := nl.ParseRouteAttr(pl); err == nil {
				for _, a := range as {
					if a.Attr.Type&nlaTypeMask == unix.IFLA_ALT_IFNAME {
						b.WriteString("\n    altname " + strings.TrimRight(string(a.Value), "\x00"))
					}
				}
			}
		}
		b.WriteString("\n")
		for _, a := range addrs {
			if a.index == l.index {
				b.WriteString(a.text())
			}
		}
	}
	return b.String(), nil
}

// rawAddr is one RTM_NEWADDR answer.
type rawAddr struct {
	family uint8
	prefix int
	flags  uint32
	scope  uint8
	index  int
	a      attrs
}

func (s *showSource) addrs() ([]rawAddr, error) {
	msgs, err := s.dump(unix.RTM_GETADDR, nl.NewIfAddrmsg(unix.AF_UNSPEC), unix.RTM_NEWADDR)
	if err != nil {
		return nil, err
	}
	var out []rawAddr
	for _, m := range msgs {
		if len(m) < unix.SizeofIfAddrmsg {
			continue
		}
		a := rawAddr{family: m[0], prefix: int(m[1]), flags: uint32(m[2]), scope: m[3],
			index: int(binary.NativeEndian.Uint32(m[4:])), a: parseAttrs(m[unix.SizeofIfAddrmsg:])}
		if a.a.has(unix.IFA_FLAGS) {
			a.flags = a.a.u32(unix.IFA_FLAGS)
		}
		out = append(out, a)
	}
	return out, nil
}

func (a rawAddr) ip(t uint16) string {
	v := a.a[t]
	if len(v) != 4 && len(v) != 16 {
		return ""
	}
	return net.IP(v).String()
}

func (a rawAddr) local() string {
	if a.a.has(unix.IFA_LOCAL) {
		return a.ip(unix.IFA_LOCAL)
	}
	return a.ip(unix.IFA_ADDRESS)
}

func scopeName(s uint8) string {
	switch s {
	case unix.RT_SCOPE_UNIVERSE:
		return "global"
	case unix.RT_SCOPE_SITE:
		return "site"
	case unix.RT_SCOPE_LINK:
		return "link"
	case unix.RT_SCOPE_HOST:
		return "host"
	case unix.RT_SCOPE_NOWHERE:
		return "nowhere"
	}
	return strconv.Itoa(int(s))
}

// text is print_addrinfo for `ip addr`: the address line and the lifetimes.
func (a rawAddr) text() string {
	var b strings.Builder
	fam := "inet"
	if a.family == unix.AF_INET6 {
		fam = "inet6"
	}
	fmt.Fprintf(&b, "    %s %s", fam, a.local())
	if a.a.has(unix.IFA_ADDRESS) && a.a.has(unix.IFA_LOCAL) && string(a.a[unix.IFA_ADDRESS]) != string(a.a[unix.IFA_LOCAL]) {
		b.WriteString(" peer " + a.ip(unix.IFA_ADDRESS))
	}
	fmt.Fprintf(&b, "/%d ", a.prefix)
	if a.a.has(unix.IFA_RT_PRIORITY) {
		fmt.Fprintf(&b, "metric %d ", a.a.u32(unix.IFA_RT_PRIORITY))
	}
	if a.a.has(unix.IFA_BROADCAST) {
		fmt.Fprintf(&b, "brd %s ", a.ip(unix.IFA_BROADCAST))
	}
	if a.a.has(unix.IFA_ANYCAST) {
		fmt.Fprintf(&b, "any %s ", a.ip(unix.IFA_ANYCAST))
	}
	fmt.Fprintf(&b, "scope %s ", scopeName(a.scope))
	flags := a.flags
	for _, f := range []struct {
		bit  uint32
		name string
	}{
		{unix.IFA_F_SECONDARY, "secondary"}, {unix.IFA_F_SECONDARY, "temporary"}, {unix.IFA_F_NODAD, "nodad"},
		{unix.IFA_F_OPTIMISTIC, "optimistic"}, {unix.IFA_F_DADFAILED, "dadfailed"}, {unix.IFA_F_HOMEADDRESS, "home"},
		{unix.IFA_F_DEPRECATED, "deprecated"}, {unix.IFA_F_TENTATIVE, "tentative"}, {unix.IFA_F_PERMANENT, "permanent"},
		{unix.IFA_F_MANAGETEMPADDR, "mngtmpaddr"}, {unix.IFA_F_NOPREFIXROUTE, "noprefixroute"},
		{unix.IFA_F_MCAUTOJOIN, "autojoin"}, {unix.IFA_F_STABLE_PRIVACY, "stable-privacy"},
	} {
		switch {
		case f.bit == unix.IFA_F_PERMANENT:
			if flags&f.bit == 0 {
				b.WriteString("dynamic ")
			}
		case flags&f.bit != 0:
			if f.bit == unix.IFA_F_SECONDARY && a.family == unix.AF_INET6 {
				b.WriteString("temporary ")
			} else {
				b.WriteString(f.name + " ")
			}
		}
		flags &^= f.bit
	}
	if flags != 0 {
		fmt.Fprintf(&b, "flags %02x ", flags)
	}
	if a.a.has(unix.IFA_LABEL) {
		b.WriteString(a.a.str(unix.IFA_LABEL))
	}
	if ci := a.a[unix.IFA_CACHEINFO]; len(ci) >= 8 {
		pref, valid := binary.NativeEndian.Uint32(ci[0:]), binary.NativeEndian.Uint32(ci[4:])
		b.WriteString("\n       valid_lft ")
		b.WriteString(lifetime(valid, false))
		b.WriteString(" preferred_lft ")
		b.WriteString(lifetime(pref, a.flags&unix.IFA_F_DEPRECATED != 0))
	}
	b.WriteString("\n")
	return b.String()
}

func lifetime(v uint32, signed bool) string {
	if v == 0xFFFFFFFF {
		return "forever"
	}
	if signed {
		return strconv.Itoa(int(int32(v))) + "sec"
	}
	return strconv.FormatUint(uint64(v), 10) + "sec"
}

// names maps this namespace's ifindexes to names, as ll_index_to_name does.
func (s *showSource) names() (map[int]string, error) {
	ls, err := s.links(unix.AF_UNSPEC)
	if err != nil {
		return nil, err
	}
	m := map[int]string{}
	for _, l := range ls {
		m[l.index] = l.a.str(unix.IFLA_IFNAME)
	}
	return m, nil
}

func nameOf(names map[int]string, idx int) string {
	if idx == 0 {
		return "*"
	}
	if n, ok := names[idx]; ok {
		return n
	}
	return "if" + strconv.Itoa(idx)
}

var routeTypes = []string{"none", "unicast", "local", "broadcast", "anycast", "multicast", "blackhole", "unreachable", "prohibit", "throw", "nat", "xresolve"}

var routeProtos = map[uint8]string{
	0: "unspec", 1: "redirect", 2: "kernel", 3: "boot", 4: "static", 8: "gated", 9: "ra", 10: "mrt",
	11: "zebra", 12: "bird", 13: "dnrouted", 14: "xorp", 15: "ntk", 16: "dhcp", 18: "keepalived",
	42: "babel", 99: "openr", 186: "bgp", 187: "isis", 188: "ospf", 189: "rip", 192: "eigrp",
}

// ipRoute renders `ip route`: the IPv4 main table.
func (s *showSource) ipRoute() (string, error) {
	names, err := s.names()
	if err != nil {
		return "", err
	}
	msgs, err := s.dump(unix.RTM_GETROUTE, nl.NewRtMsg(), unix.RTM_NEWROUTE)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, m := range msgs {
		if len(m) < unix.SizeofRtMsg {
			continue
		}
		fam, dstLen, srcLen, tos, table, proto, scope, typ := m[0], m[1], m[2], m[3], uint32(m[4]), m[5], m[6], m[7]
		flags := binary.NativeEndian.Uint32(m[8:])
		a := parseAttrs(m[unix.SizeofRtMsg:])
		if a.has(unix.RTA_TABLE) {
			table = a.u32(unix.RTA_TABLE)
		}
		if fam != unix.AF_INET || table != unix.RT_TABLE_MAIN || flags&unix.RTM_F_CLONED != 0 {
			continue
		}
		if s.devIndex != 0 && int(a.u32(unix.RTA_OIF)) != s.devIndex {
			continue
		}
		if typ != unix.RTN_UNICAST {
			if int(typ) < len(routeTypes) {
				b.WriteString(routeTypes[typ] + " ")
			} else {
				fmt.Fprintf(&b, "%d ", typ)
			}
		}
		ip4 := func(t uint16) string {
			if v := a[t]; len(v) == 4 {
				return net.IP(v).String()
			}
			return ""
		}
		switch {
		case a.has(unix.RTA_DST) && dstLen != 32:
			fmt.Fprintf(&b, "%s/%d ", ip4(unix.RTA_DST), dstLen)
		case a.has(unix.RTA_DST):
			b.WriteString(ip4(unix.RTA_DST) + " ")
		case dstLen != 0:
			fmt.Fprintf(&b, "0/%d  ", dstLen)
		default:
			b.WriteString("default ")
		}
		if a.has(unix.RTA_SRC) {
			fmt.Fprintf(&b, "from %s/%d ", ip4(unix.RTA_SRC), srcLen)
		}
		if tos != 0 {
			fmt.Fprintf(&b, "tos 0x%02x ", tos)
		}
		if a.has(unix.RTA_GATEWAY) {
			b.WriteString("via " + ip4(unix.RTA_GATEWAY) + " ")
		}
		if a.has(unix.RTA_OIF) && s.devIndex == 0 {
			b.WriteString("dev " + nameOf(names, int(a.u32(unix.RTA_OIF))) + " ")
		}
		if proto != unix.RTPROT_BOOT {
			p, ok := routeProtos[proto]
			if !ok {
				p = strconv.Itoa(int(proto))
			}
			b.WriteString("proto " + p + " ")
		}
		if scope != unix.RT_SCOPE_UNIVERSE {
			b.WriteString("scope " + scopeName(scope) + " ")
		}
		if a.has(unix.RTA_PREFSRC) {
			b.WriteString("src " + ip4(unix.RTA_PREFSRC) + " ")
		}
		if a.has(unix.RTA_PRIORITY) {
			fmt.Fprintf(&b, "metric %d ", a.u32(unix.RTA_PRIORITY))
		}
		for _, f := range []struct {
			bit  uint32
			name string
		}{
			{unix.RTNH_F_DEAD, "dead"}, {unix.RTNH_F_ONLINK, "onlink"}, {unix.RTNH_F_PERVASIVE, "pervasive"},
			{unix.RTNH_F_OFFLOAD, "offload"}, {unix.RTNH_F_TRAP, "trap"}, {unix.RTM_F_NOTIFY, "notify"},
			{unix.RTNH_F_LINKDOWN, "linkdown"}, {unix.RTNH_F_UNRESOLVED, "unresolved"},
			{unix.RTM_F_OFFLOAD, "rt_offload"}, {unix.RTM_F_TRAP, "rt_trap"}, {unix.RTM_F_OFFLOAD_FAILED, "rt_offload_failed"},
		} {
			if flags&f.bit != 0 {
				b.WriteString(f.name + " ")
			}
		}
		b.WriteString("\n")
	}
	return b.String(), nil
}

// rawNeigh is one RTM_NEWNEIGH answer (ARP, NDP or bridge fdb).
type rawNeigh struct {
	index int
	state uint16
	flags uint8
	a     attrs
}

func (s *showSource) neighs(family uint8) ([]rawNeigh, error) {
	msgs, err := s.dump(unix.RTM_GETNEIGH, &netlink.Ndmsg{Family: family}, unix.RTM_NEWNEIGH)
	if err != nil {
		return nil, err
	}
	var out []rawNeigh
	for _, m := range msgs {
		if len(m) < 12 || (family == unix.AF_BRIDGE && m[0] != unix.AF_BRIDGE) {
			continue
		}
		out = append(out, rawNeigh{index: int(binary.NativeEndian.Uint32(m[4:])),
			state: binary.NativeEndian.Uint16(m[8:]), flags: m[10], a: parseAttrs(m[12:])})
	}
	return out, nil
}

// ipNeigh renders `ip neigh`.
func (s *showSource) ipNeigh() (string, error) {
	names, err := s.names()
	if err != nil {
		return "", err
	}
	ns, err := s.neighs(unix.AF_UNSPEC)
	if err != nil {
		return "", err
	}
	const want = 0xFF &^ unix.NUD_NOARP // ip neigh's default state filter
	var b strings.Builder
	for _, n := range ns {
		if n.state&want == 0 && n.flags&(unix.NTF_PROXY|unix.NTF_EXT_LEARNED) == 0 {
			continue
		}
		if s.devIndex != 0 && n.index != s.devIndex {
			continue
		}
		if v := n.a[unix.NDA_DST]; len(v) == 4 || len(v) == 16 {
			b.WriteString(net.IP(v).String() + " ")
		}
		if n.index != 0 && s.devIndex == 0 {
			b.WriteString("dev " + nameOf(names, n.index) + " ")
		}
		if n.a.has(unix.NDA_LLADDR) {
			b.WriteString("lladdr " + llAddr(n.a[unix.NDA_LLADDR]) + " ")
		}
		ext := n.a.u32(ndaFlagsExt)
		for _, f := range []struct {
			on   bool
			name string
		}{
			{n.flags&unix.NTF_ROUTER != 0, "router"}, {n.flags&unix.NTF_PROXY != 0, "proxy"},
			{ext&ntfExtManaged != 0, "managed"}, {n.flags&unix.NTF_EXT_LEARNED != 0, "extern_learn"},
			{n.flags&unix.NTF_OFFLOADED != 0, "offload"},
		} {
			if f.on {
				b.WriteString(f.name + " ")
			}
		}
		st := n.state
		for _, f := range []struct {
			bit  uint16
			name string
		}{
			{unix.NUD_INCOMPLETE, "INCOMPLETE"}, {unix.NUD_REACHABLE, "REACHABLE"}, {unix.NUD_STALE, "STALE"},
			{unix.NUD_DELAY, "DELAY"}, {unix.NUD_PROBE, "PROBE"}, {unix.NUD_FAILED, "FAILED"},
			{unix.NUD_NOARP, "NOARP"}, {unix.NUD_PERMANENT, "PERMANENT"},
		} {
			if st&f.bit != 0 {
				b.WriteString(f.name + " ")
			}
		}
		if p := n.a.u8(ndaProtocol); p != 0 {
			name, ok := routeProtos[p]
			if !ok {
				name = strconv.Itoa(int(p))
			}
			b.WriteString("proto " + name + " ")
		}
		b.WriteString("\n")
	}
	return b.String(), nil
}

// bridgeFDB renders `bridge fdb show`.
func (s *showSource) bridgeFDB() (string, error) {
	names, err := s.names()
	if err != nil {
		return "", err
	}
	ns, err := s.neighs(unix.AF_BRIDGE)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, n := range ns {
		if s.devIndex != 0 && n.index != s.devIndex {
			continue
		}
		if n.a.has(unix.NDA_LLADDR) {
			b.WriteString(llAddr(n.a[unix.NDA_LLADDR]) + " ")
		}
		if n.index != 0 && s.devIndex == 0 {
			b.WriteString("dev " + nameOf(names, n.index) + " ")
		}
		if v := n.a[unix.NDA_DST]; len(v) == 4 || len(v) == 16 {
			b.WriteString("dst " + net.IP(v).String() + " ")
		}
		if v := n.a[unix.NDA_VLAN]; len(v) >= 2 {
			if vid := binary.NativeEndian.Uint16(v); vid != 0 {
				fmt.Fprintf(&b, "vlan %d ", vid)
			}
		}
		// A VXLAN device's entries may name a port, VNI or underlay link
		// of their own (the kernel sends them only where they differ from
		// the device's).
		if v := n.a[unix.NDA_PORT]; len(v) >= 2 {
			fmt.Fprintf(&b, "port %d ", binary.BigEndian.Uint16(v))
		}
		if n.a.has(unix.NDA_VNI) {
			fmt.Fprintf(&b, "vni %d ", n.a.u32(unix.NDA_VNI))
		}
		if n.a.has(unix.NDA_SRC_VNI) {
			fmt.Fprintf(&b, "src_vni %d ", n.a.u32(unix.NDA_SRC_VNI))
		}
		if n.a.has(unix.NDA_IFINDEX) {
			b.WriteString("via " + nameOf(names, int(n.a.u32(unix.NDA_IFINDEX))) + " ")
		}
		if n.a.has(unix.NDA_LINK_NETNSID) {
			fmt.Fprintf(&b, "link-netnsid %d ", int32(n.a.u32(unix.NDA_LINK_NETNSID)))
		}
		for _, f := range []struct {
			bit  uint8
			name string
		}{
			{unix.NTF_SELF, "self"}, {unix.NTF_ROUTER, "router"}, {unix.NTF_EXT_LEARNED, "extern_learn"},
			{unix.NTF_OFFLOADED, "offload"}, {unix.NTF_MASTER, "master"}, {ntfSticky, "sticky"},
		} {
			if n.flags&f.bit != 0 {
				b.WriteString(f.name + " ")
			}
		}
		if n.a.has(unix.NDA_MASTER) {
			b.WriteString("master " + nameOf(names, int(n.a.u32(unix.NDA_MASTER))) + " ")
		}
		switch {
		case n.state&unix.NUD_PERMANENT != 0:
			b.WriteString("permanent")
		case n.state&unix.NUD_NOARP != 0:
			b.WriteString("static")
		case n.state&unix.NUD_STALE != 0:
			b.WriteString("stale")
		case n.state&unix.NUD_REACHABLE != 0:
		default:
			fmt.Fprintf(&b, "state=%#x", n.state)
		}
		b.WriteString("\n")
	}
	return b.String(), nil
}

var stpStates = []string{"disabled", "listening", "learning", "forwarding", "blocking"}

// bridgeLink renders `bridge link`: one line per bridge port.
func (s *showSource) bridgeLink() (string, error) {
	all, err := s.links(unix.AF_UNSPEC)
	if err != nil {
		return "", err
	}
	byIndex := map[int]rawLink{}
	for _, l := range all {
		byIndex[l.index] = l
	}
	ports, err := s.links(unix.AF_BRIDGE)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, l := range ports {
		if l.family != unix.AF_BRIDGE && l.family != unix.AF_UNSPEC {
			continue
		}
		// The kernel sends IFLA_LINK without the peer's namespace id here,
		// so bridge(8) looks the peer's index up among this namespace's
		// links: the rendering does the same.
		name, mdown := nameAndLink(l, byIndex)
		fmt.Fprintf(&b, "%d: %s: %s", l.index, name, linkFlags(l.flags, mdown))
		if l.a.has(unix.IFLA_MTU) {
			fmt.Fprintf(&b, "mtu %d ", l.a.u32(unix.IFLA_MTU))
		}
		writeMaster(&b, l, byIndex)
		if pi, ok := l.a[unix.IFLA_PROTINFO]; ok {
			p := parseAttrs(pi)
			stp := func(v uint8) {
				if int(v) < len(stpStates) {
					fmt.Fprintf(&b, "state %s ", stpStates[v])
				} else {
					fmt.Fprintf(&b, "state (%d) ", v)
				}
			}
			if len(p) == 0 && len(pi) == 1 {
				stp(pi[0])
			} else {
				if p.has(unix.IFLA_BRPORT_STATE) {
					stp(p.u8(unix.IFLA_BRPORT_STATE))
				}
				if v := p[unix.IFLA_BRPORT_PRIORITY]; len(v) >= 2 {
					fmt.Fprintf(&b, "priority %d ", binary.NativeEndian.Uint16(v))
				}
				if p.has(unix.IFLA_BRPORT_COST) {
					fmt.Fprintf(&b, "cost %d ", p.u32(unix.IFLA_BRPORT_COST))
				}
			}
		}
		b.WriteString("\n")
	}
	return b.String(), nil
}

// builtinOrder is the order iptables -S prints a table's built-in chains.
var builtinOrder = map[string][]string{
	"filter": {"INPUT", "FORWARD", "OUTPUT"},
	"nat":    {"PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"},
}

// iptablesS renders `iptables [-t nat] -S`: a -P line for every built-in
// chain (iptables-nft lists a missing one as ACCEPT, as the kernel would
// treat it), then the -N and -A lines.
func (s *showSource) iptablesS(table string) (string, error) {
	c := s.nft
	if c == nil {
		var err error
		if c, err = nftables.New(nftables.WithNetNSFd(int(s.fd))); err != nil {
			return "", fmt.Errorf("nftables in %s: %w", s.name, err)
		}
	}
	chains, err := c.ListChainsOfTableFamily(nftables.TableFamilyIPv4)
	if err != nil && !errors.Is(err, syscall.ENOENT) {
		return "", fmt.Errorf("%s: list chains: %w", s.name, err)
	}
	var b strings.Builder
	for _, name := range builtinOrder[table] {
		policy := "ACCEPT"
		for _, ch := range chains {
			if ch.Table != nil && ch.Table.Name == table && ch.Name == name && ch.Policy != nil && *ch.Policy == nftables.ChainPolicyDrop {
				policy = "DROP"
			}
		}
		fmt.Fprintf(&b, "-P %s %s\n", name, policy)
	}
	rules, err := iptables.List(c)
	if err != nil {
		return "", fmt.Errorf("%s: list rules: %w", s.name, err)
	}
	prefix, odd := "-t "+table+" ", "# nft: ip "+table+" "
	for _, r := range rules {
		switch {
		case strings.HasPrefix(r, prefix):
			b.WriteString(strings.TrimPrefix(r, prefix) + "\n")
		case strings.HasPrefix(r, odd):
			// Shown as nft sees it if iptables is not there to say it.
			b.WriteString(r + "\n")
			s.tool = []string{"iptables", "-t", table, "-S"}
		}
	}
	return b.String(), nil
}
