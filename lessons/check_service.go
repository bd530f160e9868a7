package lessons

// The `endpoints` check: a Service address (a ClusterIP, a node's
// NodePort) answers, connection after connection, and every endpoint the
// check names answers at least once. A single TCP connect cannot tell a
// Service that balances from one that always picks the same endpoint, nor
// a hairpin that works from one that only works when the random choice
// sends a pod elsewhere, so the check makes up to Count connections (24 by
// default) and stops as soon as every banner has answered.
//
// How deterministic it is: with two endpoints chosen 50/50 (kube-proxy's
// `-m statistic --mode random --probability 0.5`, nft's `numgen random mod
// 2`), a correct Service misses a given endpoint in 24 connections with
// probability 2^-24 (about 6e-8), so the "both endpoints" form fails a
// correct answer with probability 2·2^-24 ≈ 1.2e-7 and the hairpin form
// (one banner) with 6e-8. `-m statistic --mode nth` alternates and never
// misses. A wrong answer fails at its first unanswered connection.
//
// When a connection fails, the check reads what the kernel kept of it:
// the conntrack entry of the unanswered SYN in the lab's namespaces
// (SYN_SENT: no reply crossed conntrack). Its reply tuple says whether the
// SYN was DNATed and to which endpoint, and whether its source was
// translated; with the bridge port's hairpin flag, the node's
// bridge-nf-call-iptables and the nat table's chains, that names the
// cause (endpointsCause).

import (
	"errors"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
)

// CauseOneEndpoint is the endpoints check's own cause: every connection
// was answered, always by the same endpoint.
const CauseOneEndpoint = "one-endpoint" // {ns} {addr} {have} {want}: every connection from {ns} to {addr} reached {have}, never {want}

func init() {
	if !contains(Causes, CauseOneEndpoint) {
		Causes = append(Causes, CauseOneEndpoint)
	}
}

// endpointTries is how many connections an endpoints check makes at most
// when its `count` is not given (see the probabilities above).
const endpointTries = 24

// endpointFailure is the connection an endpoints check saw fail.
type endpointFailure struct {
	refused bool
}

// endpointTimeout is one connection's wait for the handshake: long enough
// for the SYN's first retransmission (1 s), which a loaded machine needed
// now and then for a pod sent back to itself (CI, rootless). A correct
// lab answers in milliseconds; a broken one stops the check at its first
// unanswered connection, so it costs this once.
const endpointTimeout = 3 * time.Second

// endpoints runs an endpoints check.
func (c *checker) endpoints(g AssertArgs) string {
	n := g.Count
	if n <= 0 {
		n = endpointTries
	}
	counts := map[string]int{}
	var order []string
	missing := func() []string {
		var out []string
		for _, b := range g.Banners {
			if counts[b] == 0 {
				out = append(out, b)
			}
		}
		return out
	}
	for i := 1; i <= n; i++ {
		got, err := c.lab.Connect(c.ctx, g.From, g.Addr, endpointTimeout)
		if err != nil {
			refused := errors.Is(err, syscall.ECONNREFUSED)
			c.found = &encapFinding{v: vars{}}
			c.found.cause = c.endpointsCause(g, refused, c.found.v)
			msg := engine.ErrorText(err, c.env.Lang)
			if refused {
				msg = assets.C("fault.tcp.refused", "from", g.From, "addr", g.Addr)
			} else if errors.Is(err, engine.ErrNoReply) {
				msg = assets.C("fault.tcp.no_answer", "from", g.From, "addr", g.Addr)
			}
			return assets.C("fault.endpoints.fail", "n", strconv.Itoa(i), "err", msg, "have", answered(counts, order))
		}
		b := strings.TrimSpace(got)
		for _, want := range g.Banners {
			if strings.Contains(got, want) {
				b = want
				break
			}
		}
		if counts[b] == 0 {
			order = append(order, b)
		}
		counts[b]++
		if len(missing()) == 0 {
			return ""
		}
	}
	miss := missing()
	quoted := make([]string, len(miss))
	for i, m := range miss {
		quoted[i] = strconv.Quote(m)
	}
	if len(order) == 1 {
		c.found = &encapFinding{cause: CauseOneEndpoint, v: vars{"ns": g.From, "addr": g.Addr, "have": order[0], "want": strings.Join(miss, ", ")}}
	}
	return assets.C("fault.endpoints.missing", "from", g.From, "addr", g.Addr, "n", strconv.Itoa(n),
		"have", answered(counts, order), "want", strings.Join(quoted, ", "))
}

// answered lists the answers seen, each with its count, in the order
// they first came.
func answered(counts map[string]int, order []string) string {
	if len(order) == 0 {
		return assets.C("fault.endpoints.none")
	}
	var parts []string
	for _, b := range order {
		parts = append(parts, strconv.Quote(b)+" ×"+strconv.Itoa(counts[b]))
	}
	return strings.Join(parts, ", ")
}

// svcEntry is a conntrack entry of an unanswered connection, and the
// namespace that holds it.
type svcEntry struct {
	ns   string
	flow *netlink.ConntrackFlow
}

func (e svcEntry) dnat() bool { return !e.flow.Reverse.SrcIP.Equal(e.flow.Forward.DstIP) }
func (e svcEntry) snat() bool { return !e.flow.Reverse.DstIP.Equal(e.flow.Forward.SrcIP) }

// text is the entry as `conntrack -L` prints its two tuples.
func (e svcEntry) text() string {
	f, r := e.flow.Forward, e.flow.Reverse
	return "src=" + f.SrcIP.String() + " dst=" + f.DstIP.String() + " sport=" + strconv.Itoa(int(f.SrcPort)) + " dport=" + strconv.Itoa(int(f.DstPort)) +
		" [UNREPLIED] src=" + r.SrcIP.String() + " dst=" + r.DstIP.String() + " sport=" + strconv.Itoa(int(r.SrcPort)) + " dport=" + strconv.Itoa(int(r.DstPort))
}

// conntrackFlows dumps ns's conntrack table, again when the dump was
// interrupted.
func conntrackFlows(h *netlink.Handle) ([]*netlink.ConntrackFlow, error) {
	var flows []*netlink.ConntrackFlow
	var err error
	for i := 0; i < 4; i++ {
		flows, err = h.ConntrackTableList(netlink.ConntrackTable, netlink.FAMILY_V4)
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			break
		}
	}
	return flows, err
}

// unanswered finds the conntrack entries, in every namespace of the lab,
// of TCP connections from one of from's addresses to ip:port that never
// got a reply through conntrack (state SYN_SENT).
func (d *diag) unanswered(from *engine.Namespace, ip netip.Addr, port int) []svcEntry {
	var out []svcEntry
	for i := range d.s.Namespaces {
		name := d.s.Namespaces[i].Name
		h, err := d.c.lab.Handle(name)
		if err != nil {
			continue
		}
		flows, err := conntrackFlows(h)
		if err != nil {
			continue
		}
		for _, f := range flows {
			fw := f.Forward
			src, ok := netip.AddrFromSlice(fw.SrcIP.To4())
			if fw.Protocol != syscall.IPPROTO_TCP || !ok || !fw.DstIP.Equal(ip.AsSlice()) || int(fw.DstPort) != port || !holds(from, src) {
				continue
			}
			if p, ok := f.ProtoInfo.(*netlink.ProtoInfoTCP); !ok || p.State != nl.TCP_CONNTRACK_SYN_SENT {
				continue
			}
			out = append(out, svcEntry{name, f})
		}
	}
	// The entries that show a translation first: the client's own
	// namespace tracks its SYN untranslated too.
	sort.SliceStable(out, func(i, j int) bool { return out[i].dnat() && !out[j].dnat() })
	return out
}

// bridgePort is the node end of ns's veth: the node, the port and its
// bridge ("" when ns's veth does not end on a bridge).
func (d *diag) bridgePort(ns *engine.Namespace) (node, port, bridge string) {
	for _, l := range veths(ns) {
		if l.Peer == nil {
			continue
		}
		if pn := d.s.NS(l.Peer.NS); pn != nil {
			if pl := pn.Link(l.Peer.Name); pl != nil && pl.Master != "" {
				return pn.Name, pl.Name, pl.Master
			}
		}
	}
	return "", "", ""
}

// endpointsCause diagnoses an endpoints check whose connection failed:
// from the unanswered connection's conntrack entry, else from the rules.
func (c *checker) endpointsCause(g AssertArgs, refused bool, v vars) string {
	c.env.Snapshot = nil
	s := c.snap()
	if s == nil {
		return ""
	}
	d := &diag{c: c, s: s, v: v}
	host, ps, err := net.SplitHostPort(g.Addr)
	if err != nil {
		return ""
	}
	ip, err1 := netip.ParseAddr(host)
	port, err2 := strconv.Atoi(ps)
	from := s.NS(g.From)
	if err1 != nil || err2 != nil || from == nil {
		return ""
	}
	v["from"], v["addr"] = g.From, g.Addr
	if refused {
		return d.rejected(from, ip, port)
	}
	entries := d.unanswered(from, ip, port)
	if len(entries) == 0 {
		// A SYN dropped before POSTROUTING leaves no confirmed entry: a
		// pod sent to itself through a port with hairpin off is one.
		return d.hairpinOff(from)
	}
	e := entries[0]
	v["ns"], v["entry"] = e.ns, e.text()
	if !e.dnat() {
		// Nothing translated the connection where it was made: a node's
		// own connection that only PREROUTING would DNAT.
		if e.ns == g.From {
			return d.dnatOnlyPrerouting(g.From)
		}
		return ""
	}
	backend, _ := netip.AddrFromSlice(e.flow.Reverse.SrcIP.To4())
	v["backend"] = backend.String()
	node, port0, bridge := d.bridgePort(from)
	if e.snat() {
		return ""
	}
	if holds(from, backend) {
		// Hairpin: the pod was sent to itself.
		v["pod"] = g.From
		if node != "" {
			v["ns"], v["dev"], v["bridge"] = node, port0, bridge
			if on, err := d.hairpin(node, port0); err == nil && !on {
				return CauseHairpinOff
			}
		}
		v["src"] = backend.String()
		return CauseNoMasq
	}
	bn, _, _ := d.holder(backend)
	if bn != nil && node != "" {
		if n2, _, br2 := d.bridgePort(bn); n2 == node && br2 == bridge {
			if val, err := c.lab.ReadSysctl(node, brnfKey); err == nil && val != "1" {
				v["ns"], v["bridge"], v["key"] = node, bridge, brnfKey
				return CauseBrNFOff
			}
		}
	}
	if bn != nil && node == "" {
		// A client outside the cluster (the lab host at a NodePort): the
		// endpoint's node answers it directly unless the entry's node
		// masqueraded the connection.
		if n2, _, _ := d.bridgePort(bn); n2 != "" && n2 != e.ns {
			v["src"], v["node"] = e.flow.Forward.SrcIP.String(), n2
			return CauseNoMasq
		}
	}
	return ""
}

// hairpin reads the hairpin flag of a bridge port.
func (d *diag) hairpin(ns, port string) (bool, error) {
	h, err := d.c.lab.Handle(ns)
	if err != nil {
		return false, err
	}
	l, err := h.LinkByName(port)
	if err != nil {
		return false, err
	}
	pi, err := h.LinkGetProtinfo(l)
	if err != nil {
		return false, err
	}
	return pi.Hairpin, nil
}

// natChains reads ns's nat table as `iptables -t nat -S` lists it: each
// chain's rules, in order.
func (d *diag) natChains(ns string) map[string][]string {
	out, err := d.c.lab.Cmd(ns, "iptables", "-t", "nat", "-S").Output()
	if err != nil {
		return nil
	}
	chains := map[string][]string{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) > 2 && f[0] == "-A" {
			chains[f[1]] = append(chains[f[1]], line)
		}
	}
	return chains
}

// ruleTarget is the chain a rule jumps or goes to.
func ruleTarget(rule string) string {
	f := strings.Fields(rule)
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "-j" || f[i] == "-g" {
			return f[i+1]
		}
	}
	return ""
}

// dnatFrom is the first rule of chain from which a DNAT is reached ("":
// none), following jumps.
func dnatFrom(chains map[string][]string, chain string, seen map[string]bool) string {
	if seen[chain] {
		return ""
	}
	seen[chain] = true
	for _, r := range chains[chain] {
		t := ruleTarget(r)
		if t == "DNAT" || (t != "" && dnatFrom(chains, t, seen) != "") {
			return r
		}
	}
	return ""
}

// dnatOnlyPrerouting: ns's nat table DNATs from PREROUTING (what pods
// send) but not from OUTPUT (what ns itself sends).
func (d *diag) dnatOnlyPrerouting(ns string) string {
	chains := d.natChains(ns)
	pre := dnatFrom(chains, "PREROUTING", map[string]bool{})
	if pre == "" || dnatFrom(chains, "OUTPUT", map[string]bool{}) != "" {
		return ""
	}
	d.v["ns"], d.v["chain"], d.v["rule"] = ns, "PREROUTING", pre
	return CauseDNATChain
}

// rejected: a refused connection, and a filter rule of a namespace on the
// way that REJECTs the address (kube-proxy's rule for a Service without
// endpoints).
func (d *diag) rejected(from *engine.Namespace, ip netip.Addr, port int) string {
	var where []string
	if node, _, _ := d.bridgePort(from); node != "" {
		where = append(where, node)
	}
	where = append(where, from.Name)
	if n, _, _ := d.holder(ip); n != nil {
		where = append(where, n.Name)
	}
	for _, ns := range where {
		out, err := d.c.lab.Cmd(ns, "iptables", "-S").Output()
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, "-d "+ip.String()+"/32") && strings.Contains(line, "-j REJECT") &&
				(!strings.Contains(line, "--dport") || strings.Contains(line, "--dport "+strconv.Itoa(port))) {
				d.v["ns"], d.v["rule"] = ns, line
				return CauseSvcRejected
			}
		}
	}
	return ""
}

// describeEndpoints says what an endpoints check checks, in lang.
func describeEndpoints(g AssertArgs, lang string) string {
	n := g.Count
	if n <= 0 {
		n = endpointTries
	}
	quoted := make([]string, len(g.Banners))
	for i, b := range g.Banners {
		quoted[i] = strconv.Quote(b)
	}
	return assets.M(lang, "desc.endpoints", "from", g.From, "addr", g.Addr, "n", strconv.Itoa(n), "banners", strings.Join(quoted, ", "))
}

// validateBanners: an endpoints check names at least one endpoint, by a
// banner that is not empty.
func validateBanners(g AssertArgs) error {
	if len(g.Banners) == 0 {
		return errors.New("banners: name at least one endpoint by its banner")
	}
	for _, b := range g.Banners {
		if strings.TrimSpace(b) == "" {
			return errors.New("banners: an empty banner matches any answer")
		}
	}
	return nil
}

// validateCount: an endpoints check makes 1..200 connections, at least
// one per banner.
func validateCount(g AssertArgs) error {
	if g.Count < 0 || g.Count > 200 {
		return errors.New("count " + strconv.Itoa(g.Count) + ": want 1..200 connections")
	}
	if g.Count > 0 && g.Count < len(g.Banners) {
		return errors.New("count " + strconv.Itoa(g.Count) + ": fewer connections than banners can never pass")
	}
	return nil
}

// hairpinOff: from's bridge port has hairpin off and its node's nat table
// DNATs to one of from's addresses, so a connection the Service sends
// back to from is dropped by the bridge (before conntrack confirms it).
func (d *diag) hairpinOff(from *engine.Namespace) string {
	node, port, bridge := d.bridgePort(from)
	if node == "" {
		return ""
	}
	if on, err := d.hairpin(node, port); err != nil || on {
		return ""
	}
	out, err := d.c.lab.Cmd(node, "iptables-save", "-t", "nat").Output()
	if err != nil {
		return ""
	}
	for _, l := range from.Links {
		for _, a := range l.Addrs {
			p, err := netip.ParsePrefix(a)
			if err != nil || !p.Addr().Is4() || p.Addr().IsLoopback() {
				continue
			}
			if strings.Contains(string(out), "--to-destination "+p.Addr().String()+":") {
				d.v["ns"], d.v["dev"], d.v["bridge"], d.v["pod"], d.v["backend"] = node, port, bridge, from.Name, p.Addr().String()
				return CauseHairpinOff
			}
		}
	}
	return ""
}

// heldIn: ns has ip as one of its addresses (a udp_flow check's endpoint
// behind a Service's DNAT).
func heldIn(c *checker, ns string, ip net.IP) bool {
	s := c.snap()
	if s == nil {
		return false
	}
	n := s.NS(ns)
	a, ok := netip.AddrFromSlice(ip.To4())
	return n != nil && ok && holds(n, a)
}

// staleDNAT: a router's conntrack entry for the udp_flow check's flow
// (from's address, to addr) is DNATed to an address that capture_ns does
// not hold, while the datagrams are meant for capture_ns: the endpoint the
// entry keeps is not the one the rules now choose (an endpoint moved).
func (d *diag) staleDNAT(g AssertArgs) string {
	host, ps, err := net.SplitHostPort(g.Addr)
	if err != nil {
		return ""
	}
	dport, _ := strconv.Atoi(ps)
	dst, err := netip.ParseAddr(host)
	from, to := d.s.NS(g.From), d.s.NS(g.CaptureNS)
	if err != nil || from == nil || to == nil || holds(to, dst) {
		return ""
	}
	for i := range d.s.Namespaces {
		rn := &d.s.Namespaces[i]
		if rn.Name == from.Name || rn.Name == to.Name {
			continue
		}
		h, err := d.c.lab.Handle(rn.Name)
		if err != nil {
			continue
		}
		flows, err := conntrackFlows(h)
		if err != nil {
			continue
		}
		for _, f := range flows {
			fw, rv := f.Forward, f.Reverse
			src, ok := netip.AddrFromSlice(fw.SrcIP.To4())
			if fw.Protocol != syscall.IPPROTO_UDP || !fw.DstIP.Equal(dst.AsSlice()) || int(fw.DstPort) != dport || !ok || !holds(from, src) {
				continue
			}
			ep, ok := netip.AddrFromSlice(rv.SrcIP.To4())
			if !ok || ep == dst || holds(to, ep) {
				continue
			}
			e := svcEntry{rn.Name, f}
			d.v["ns"], d.v["src"], d.v["dst"], d.v["backend"] = rn.Name, src.String(), host, ep.String()
			d.v["sport"], d.v["dport"] = strconv.Itoa(int(fw.SrcPort)), ps
			d.v["entry"] = e.text()
			return CauseStaleConntrack
		}
	}
	return ""
}
