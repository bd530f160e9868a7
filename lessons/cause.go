package lessons

// Causes: what a failed exercise check blames. The checker's Detail says
// what it saw; the cause is the one fault behind it, found from the lab's
// snapshot (and its sysctls and filter policy), so that the hint names the
// real fault and the learner's own interface names, not the exercise
// author's guess.

import (
	"net/netip"
	"regexp"
	"strings"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/iptables"
)

// The causes a check's `when:` case or a fault's `cause:` may name.
const (
	CauseNoLink       = "no-link"       // {ns}: no veth joins the namespaces as asked
	CauseLinkDown     = "link-down"     // {ns} {dev}: a link on the path is down
	CauseBridgeDown   = "bridge-down"   // {bridge}: the bridge itself is down
	CauseNotPort      = "not-port"      // {dev} {bridge}: the host end is not a port of the bridge
	CauseNoBridge     = "no-bridge"     // {bridge}: there is no such bridge
	CauseNoAddr       = "no-addr"       // {ns} {dev}: the address is missing
	CauseWrongPrefix  = "wrong-prefix"  // {ns} {dev} {addr}: the address has another prefix length
	CauseNoRoute      = "no-route"      // {ns} {dst}: the sender has no route to the destination
	CauseNoRouteBack  = "no-route-back" // {ns} {dst}: the receiver has no route back to the sender
	CauseNoForward    = "no-forward"    // {ns} {dev} {key}: the router does not forward what arrives on {dev} ({key} is 0)
	CauseForwardDrop  = "forward-drop"  // {ns} {bridge}: the FORWARD policy drops it (bridged: br_netfilter)
	CauseMasqMissing  = "masq-missing"  // {ns} {back}: no source NAT, and {back} has no route back
	CauseMasqSource   = "masq-source"   // {ns} {rule} {src}: the MASQUERADE rule's -s leaves {src} out
	CauseMasqIface    = "masq-iface"    // {ns} {rule} {dev}: the MASQUERADE rule's -o leaves {dev} out
	CauseRouteBack    = "route-back"    // {ns} {dst}: the receiver has a route back, which hides missing NAT
	CauseDNATChain    = "dnat-chain"    // {ns} {rule} {chain}: the DNAT rule is in a chain arriving packets never cross
	CauseDNATMissing  = "dnat-missing"  // {ns}: no DNAT rule for the published port
	CauseDNATBroad    = "dnat-broad"    // {ns} {rule}: the DNAT rule also catches traffic not for the host
	CauseDirectVeth   = "direct-veth"   // {ns} {dev}: a veth runs straight between the namespaces
	CauseSysctl       = "sysctl"        // {ns} {key} {value}: the sysctl has another value
	CauseNotRemapped  = "not-remapped"  // the file's writer was not a remapped root
	CauseUnreachable  = "still-reaches" // {ns}: it reaches what it must not
	causePlaceholder  = "<link>"        // a name the lab does not have yet
	causeRulePlaceRef = "<rule>"
)

// Causes lists every cause id, for the loader and FORMAT.md.
var Causes = []string{
	CauseNoLink, CauseLinkDown, CauseBridgeDown, CauseNotPort, CauseNoBridge, CauseNoAddr,
	CauseWrongPrefix, CauseNoRoute, CauseNoRouteBack, CauseNoForward, CauseForwardDrop,
	CauseMasqMissing, CauseMasqSource, CauseMasqIface, CauseRouteBack, CauseDNATChain,
	CauseDNATMissing, CauseDNATBroad, CauseDirectVeth, CauseSysctl, CauseNotRemapped, CauseUnreachable,
}

// vars are the names a hint may use as {name}: the learner's own.
type vars map[string]string

// fill replaces every {name} of t's texts by its value; names the lab did
// not give keep a neutral placeholder, never an invented interface name.
func (v vars) fill(t Text) Text {
	if t == nil {
		return nil
	}
	// The defaults first: a value the lab gave comes later and wins.
	vals := []string{"dev", causePlaceholder, "peer", causePlaceholder, "rule", causeRulePlaceRef}
	for k, val := range v {
		vals = append(vals, k, val)
	}
	out := Text{}
	for lang, s := range t {
		// assets.Fill also picks a Korean particle written after a name,
		// "{dst}으로(로)", from the value the learner's lab gave.
		out[lang] = assets.Fill(s, vals...)
	}
	return out
}

// pickHint sets r's Hint, Fix and Cause for the failed assertion a: the
// first `when:` case of the diagnosed cause, else the check's own texts,
// with the learner's names filled in.
func (c *checker) pickHint(a *Assertion, r *CheckResult) {
	cause, v := c.cause(a)
	r.Cause = cause
	// {ip} is how to run ip in {ns}; {host} is {addr} without its prefix.
	if ns, ok := v["ns"]; ok {
		v["ip"] = "ip -n " + ns
		if ns == engine.HostNS {
			v["ip"] = "ip"
		}
	}
	if p, err := netip.ParsePrefix(v["addr"]); err == nil {
		v["host"] = p.Addr().String()
	}
	hint, fix := a.Hint, a.Fix
	if v["endpoint"] == "" && v["backend"] != "" {
		v["endpoint"] = v["backend"] // a check's own diagnosis names it so
	}
	if h, ok := ServiceHints[cause]; ok && v.fills(h) {
		hint = h // a Service stop names its own fault (cause_service.go)
	}
	for _, hc := range a.When {
		if hc.Cause == cause {
			hint, fix = hc.Hint, hc.Fix
			break
		}
	}
	r.Hint, r.Fix = v.fill(hint), v.fill(fix)
}

// cause diagnoses a failed assertion. It never probes: the check's own
// probe has run, and its snapshot is read again (neighbours changed).
func (c *checker) cause(a *Assertion) (string, vars) {
	g := a.Args
	c.env.Snapshot = nil
	s := c.snap()
	v := vars{}
	if s == nil {
		return "", v
	}
	d := &diag{c: c, s: s, v: v}
	d.names(a)
	switch a.Kind {
	case "reachable":
		if g.Size > 0 {
			if cause := d.path(g.From, g.To); cause != "" {
				return cause, v
			}
			if cause := d.mtu(g.From, g.To, g.Size); cause != "" {
				return cause, v
			}
			return d.sized(g.From, g.To, g.Size), v
		}
		return d.or(d.path(g.From, g.To)), v
	case "unreachable":
		v["ns"] = g.From
		return CauseUnreachable, v
	case "snat":
		return d.snat(g), v
	case "udp_flow":
		return d.or(d.udpFlow(g)), v
	case "tcp":
		if cause := d.brnfGap(g); cause != "" {
			return cause, v
		}
		return d.or(d.tcp(g)), v
	case "policy":
		return c.policyCause(g, v), v
	case "encapsulated", "endpoints":
		return c.encapCause(v), v
	case "bridge_port":
		return d.port(g.Bridge, g.NS), v
	case "addr":
		return d.addr(g), v
	case "veth_pair":
		v["ns"] = g.A
		return CauseNoLink, v
	case "no_direct_veth":
		v["ns"] = g.A
		if n := s.NS(g.A); n != nil {
			for _, l := range veths(n) {
				if l.Peer != nil && l.Peer.NS == g.B {
					v["dev"] = l.Name
				}
			}
		}
		return CauseDirectVeth, v
	case "link":
		return d.link(g), v
	case "forwards":
		if _, dev, key := forwardGap(c.lab, s, nsOr(g.NS), g.From, g.To); dev != "" {
			v["ns"], v["dev"], v["key"] = nsOr(g.NS), dev, key
			return CauseNoForward, v
		}
		return "", v
	case "sysctl":
		v["ns"], v["key"], v["value"] = nsOr(g.NS), g.Key, g.Value
		if g.Key == "net.ipv4.ip_forward" && g.Value == "1" {
			return CauseNoForward, v
		}
		return CauseSysctl, v
	case "file_owner":
		return CauseNotRemapped, v
	case "contained":
		return containedCause(c, g, v), v
	case "routed_pod", "node_route":
		return c.routedCause(a.Kind, g, v), v
	}
	return "", v
}

// or is cause, else what the failed probe's journey found (policy.go).
func (d *diag) or(cause string) string {
	if cause != "" {
		return cause
	}
	if cause := d.fromTunnel(); cause != "" {
		return cause
	}
	if cause := d.fromService(); cause != "" {
		return cause
	}
	return d.fromJourney()
}

// diag is one diagnosis: the snapshot and the names found on the way.
type diag struct {
	c *checker
	s *engine.Snapshot
	v vars
}

// names fills the learner's own names that any hint of a may use: {dev}
// (the namespace's own end of its veth), {peer} (that veth's other end),
// {bridge}.
func (d *diag) names(a *Assertion) {
	g := a.Args
	ns := g.NS
	switch a.Kind {
	case "reachable", "unreachable", "snat", "tcp", "udp_flow", "endpoints":
		ns = g.From
	case "veth_pair", "no_direct_veth":
		ns = g.A
	}
	if g.Bridge != "" {
		d.v["bridge"] = g.Bridge
	}
	n := d.s.NS(nsOr(ns))
	if n == nil {
		return
	}
	for _, l := range veths(n) {
		if a.Kind == "bridge_port" && (l.Peer == nil || l.Peer.NS != engine.HostNS) {
			continue
		}
		d.v["dev"] = l.Name
		if l.Peer != nil {
			d.v["peer"] = l.Peer.Name
		}
		break
	}
}

func prefixOf(s string) (netip.Prefix, bool) {
	if s == "default" {
		return netip.MustParsePrefix("0.0.0.0/0"), true
	}
	if p, err := netip.ParsePrefix(s); err == nil {
		return p, true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a, 32), true
	}
	return netip.Prefix{}, false
}

// lookup is the namespace's most specific route to ip (nil: none).
func lookup(n *engine.Namespace, ip netip.Addr) *engine.Route {
	var best *engine.Route
	bits := -1
	for i, r := range n.Routes {
		if p, ok := prefixOf(r.Dst); ok && p.Contains(ip) && p.Bits() > bits {
			best, bits = &n.Routes[i], p.Bits()
		}
	}
	return best
}

// holder is the namespace and link that have ip as an address, with it.
func (d *diag) holder(ip netip.Addr) (*engine.Namespace, *engine.Link, netip.Prefix) {
	for i := range d.s.Namespaces {
		n := &d.s.Namespaces[i]
		for j := range n.Links {
			for _, a := range n.Links[j].Addrs {
				if p, err := netip.ParsePrefix(a); err == nil && p.Addr() == ip {
					return n, &n.Links[j], p
				}
			}
		}
	}
	return nil, nil, netip.Prefix{}
}

// onSubnet says whether one of n's own addresses' prefixes holds ip: then
// a route to ip is the connected one, not a route back through a router.
func onSubnet(n *engine.Namespace, ip netip.Addr) bool {
	for _, l := range n.Links {
		for _, a := range l.Addrs {
			if p, err := netip.ParsePrefix(a); err == nil && p.Masked().Contains(ip) {
				return true
			}
		}
	}
	return false
}

// srcOn is the first IPv4 address of link l in n.
func srcOn(l *engine.Link) (netip.Prefix, bool) {
	for _, a := range l.Addrs {
		if p, err := netip.ParsePrefix(a); err == nil && p.Addr().Is4() {
			return p, true
		}
	}
	return netip.Prefix{}, false
}

// down says whether a link in ns is down, setting {ns} {dev}.
func (d *diag) down(ns string, l *engine.Link) bool {
	if l == nil || l.State == "up" {
		return false
	}
	d.v["ns"], d.v["dev"] = ns, l.Name
	return true
}

// wire checks the layer 2 side of link l in n: l, its veth peer and the
// peer's bridge up. It returns a cause and the bridge the peer is a port
// of ("" when none).
func (d *diag) wire(n *engine.Namespace, l *engine.Link) (string, string) {
	if d.down(n.Name, l) {
		return CauseLinkDown, ""
	}
	if l.Peer == nil {
		if l.Kind == "bridge" {
			return "", l.Name
		}
		return "", ""
	}
	pn := d.s.NS(l.Peer.NS)
	if pn == nil {
		return "", ""
	}
	pl := pn.Link(l.Peer.Name)
	if d.down(pn.Name, pl) {
		return CauseLinkDown, ""
	}
	if pl == nil || pl.Master == "" {
		return "", ""
	}
	if br := pn.Link(pl.Master); br != nil && br.State != "up" {
		d.v["bridge"], d.v["ns"] = br.Name, pn.Name
		return CauseBridgeDown, br.Name
	}
	return "", pl.Master
}

// forwardDrops says whether ns's filter FORWARD chain drops forwarded
// traffic (policy DROP) with no rule that accepts it on the way in or out
// through dev ("" for any); bridged says the traffic is bridged, which the
// chain sees only with net.bridge.bridge-nf-call-iptables=1.
func (d *diag) forwardDrops(ns, dev string, bridged bool) bool {
	return d.forwardDropsFor(ns, dev, bridged, netip.Addr{}, netip.Addr{})
}

// forwardDropsFor is forwardDrops for a packet from src to dst: an ACCEPT
// rule that names a source or destination (flanneld's -s/-d 10.244.0.0/16
// on a node whose policy is DROP) accepts it when the packet matches, so
// the node is not blamed. An invalid src or dst matches no such rule.
func (d *diag) forwardDropsFor(ns, dev string, bridged bool, src, dst netip.Addr) bool {
	if bridged {
		if v, err := d.c.lab.ReadSysctl(ns, "net.bridge.bridge-nf-call-iptables"); err != nil || v != "1" {
			return false
		}
	}
	text, err := d.c.lab.ShowText(ns, "filter")
	if err != nil || !strings.Contains(text, "-P FORWARD DROP") {
		return false
	}
	for _, line := range strings.Split(text, "\n") {
		words, err := splitWords(line)
		if err != nil || len(words) < 2 || words[0] != "-A" || words[1] != "FORWARD" {
			continue
		}
		r, err := iptables.Parse(words)
		if err != nil {
			return false // a rule we cannot read may accept it: blame nothing
		}
		if r.Target == "ACCEPT" && addrMatch(r.Src, r.NotSrc, src) && addrMatch(r.Dst, r.NotDst, dst) && r.Proto == "" && len(r.CTState) == 0 &&
			(r.In == "" || (r.In == dev) != r.NotIn) {
			return false
		}
		if r.Target != "" && r.Target != "ACCEPT" && r.Target != "DROP" && r.Target != "REJECT" && r.Target != "RETURN" {
			return false // a jump to a user chain (DOCKER-USER) may accept it
		}
	}
	d.v["ns"] = ns
	return true
}

// addrMatch says whether a rule's -s or -d (prefix, negated by not)
// matches ip: an empty one matches all; an invalid ip matches only that.
func addrMatch(prefix string, not bool, ip netip.Addr) bool {
	if prefix == "" {
		return true
	}
	if !ip.IsValid() {
		return false
	}
	p, ok := prefixOf(prefix)
	return ok && p.Contains(ip) != not
}

// path finds why from gets no reply from to.
func (d *diag) path(from, to string) string {
	dst, err := netip.ParseAddr(to)
	n := d.s.NS(from)
	if err != nil || n == nil {
		return ""
	}
	tn, tl, tp := d.holder(dst)
	r := lookup(n, dst)
	if r == nil || (r.Gw == "" && r.Dev == "") {
		// A wrong prefix shows as no route: the address is on a link
		// joined to the destination's, with a prefix that leaves it out.
		if tn != nil {
			for i := range n.Links {
				l := &n.Links[i]
				p, ok := srcOn(l)
				if ok && ((p.Bits() != tp.Bits() && tp.Contains(p.Addr())) || (d.sameWire(n, l, tn, tl) && !p.Masked().Contains(dst))) {
					d.v["ns"], d.v["dev"], d.v["addr"] = n.Name, l.Name, p.String()
					return CauseWrongPrefix
				}
			}
		}
		d.v["ns"], d.v["dst"] = n.Name, to
		return CauseNoRoute
	}
	out := n.Link(r.Dev)
	if out == nil {
		return ""
	}
	if c, _ := d.wire(n, out); c != "" {
		return c
	}
	src, ok := srcOn(out)
	if a, err := netip.ParseAddr(r.Src); err == nil && (!ok || a != src.Addr()) {
		// The route's own source (ip route ... src 11.11.11.2), held by
		// another link: the address the packet leaves with.
		for i := range n.Links {
			for _, la := range n.Links[i].Addrs {
				if p, err := netip.ParsePrefix(la); err == nil && p.Addr() == a {
					src, ok = p, true
				}
			}
		}
	}
	if !ok {
		d.v["ns"], d.v["dev"] = n.Name, out.Name
		return CauseNoAddr
	}
	if r.Gw == "" {
		return d.onLink(n, out, src, tn, tl, tp)
	}
	gw, err := netip.ParseAddr(r.Gw)
	if err != nil {
		return ""
	}
	rn, rl, _ := d.holder(gw)
	if rn == nil {
		return ""
	}
	if c, _ := d.wire(rn, rl); c != "" {
		return c
	}
	return d.routed(rn, rl.Name, src.Addr(), dst, tn)
}

// sameWire says whether link l of n and link tl of tn are on one layer 2
// segment: the two ends of a veth, or veth ends whose peers are ports of
// the same bridge.
func (d *diag) sameWire(n *engine.Namespace, l *engine.Link, tn *engine.Namespace, tl *engine.Link) bool {
	if l.Peer != nil && l.Peer.NS == tn.Name && l.Peer.Name == tl.Name {
		return true
	}
	master := func(ref *engine.PeerRef) string {
		if ref == nil {
			return ""
		}
		if pn := d.s.NS(ref.NS); pn != nil {
			if pl := pn.Link(ref.Name); pl != nil && pl.Master != "" {
				return ref.NS + "/" + pl.Master
			}
		}
		return ""
	}
	m := master(l.Peer)
	return m != "" && m == master(tl.Peer)
}

// onLink diagnoses a destination on the sender's own link: the far end's
// links and its route back, and a bridge's FORWARD chain in between.
func (d *diag) onLink(n *engine.Namespace, out *engine.Link, src netip.Prefix, tn *engine.Namespace, tl *engine.Link, tp netip.Prefix) string {
	if tn == nil {
		return ""
	}
	c, br := d.wire(tn, tl)
	if c != "" {
		return c
	}
	if tl.Peer == nil && tl.Kind == "bridge" {
		br = tl.Name
	}
	if lookup(tn, src.Addr()) == nil {
		if tp.Bits() != src.Bits() {
			d.v["ns"], d.v["dev"], d.v["addr"] = tn.Name, tl.Name, tp.String()
			return CauseWrongPrefix
		}
		d.v["ns"], d.v["dst"] = tn.Name, src.Addr().String()
		return CauseNoRouteBack
	}
	if br != "" {
		d.v["bridge"] = br
		if d.forwardDrops(engine.HostNS, br, true) {
			return CauseForwardDrop
		}
	}
	return ""
}

// routed diagnoses a destination behind the router rn, reached through
// its device in: forwarding on in, the router's route on, forwarding on
// the device the reply comes back by, the FORWARD chain and the source NAT
// the far end needs when it has no route back.
func (d *diag) routed(rn *engine.Namespace, in string, src, dst netip.Addr, tn *engine.Namespace) string {
	if d.forwardOff(rn, in) {
		return CauseNoForward
	}
	rr := lookup(rn, dst)
	if rr == nil {
		d.v["ns"], d.v["dst"] = rn.Name, dst.String()
		return CauseNoRoute
	}
	ol := rn.Link(rr.Dev)
	if ol == nil {
		return ""
	}
	if c, _ := d.wire(rn, ol); c != "" {
		return c
	}
	if tn == nil {
		return ""
	}
	if tl := d.linkToward(tn, rn); tl != nil && d.down(tn.Name, tl) {
		return CauseLinkDown
	}
	if d.forwardOff(rn, ol.Name) {
		return CauseNoForward
	}
	if d.forwardDropsFor(rn.Name, "", false, src, dst) {
		return CauseForwardDrop
	}
	if lookup(tn, src) != nil {
		return ""
	}
	return d.masq(rn, src, ol.Name, tn)
}

// linkToward is tn's end of the veth that joins it to rn.
func (d *diag) linkToward(tn, rn *engine.Namespace) *engine.Link {
	for i := range tn.Links {
		if l := &tn.Links[i]; l.Peer != nil && l.Peer.NS == rn.Name {
			return l
		}
	}
	return nil
}

// natRules are the parsed rules of n's nat chain with one of targets.
func natRules(n *engine.Namespace, chain string, targets ...string) []iptables.Rule {
	var out []iptables.Rule
	for _, text := range n.Rules {
		words, err := splitWords(text)
		if err != nil {
			continue
		}
		r, err := iptables.Parse(words)
		if err != nil || r.Table != "nat" || r.Chain != chain || !contains(targets, r.Target) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// masq says which source NAT fault leaves tn without a way to answer src,
// which leaves rn through outDev.
func (d *diag) masq(rn *engine.Namespace, src netip.Addr, outDev string, tn *engine.Namespace) string {
	d.v["ns"], d.v["back"], d.v["src"], d.v["dev"] = rn.Name, tn.Name, src.String(), outDev
	rules := natRules(rn, "POSTROUTING", "MASQUERADE", "SNAT")
	if len(rules) == 0 {
		return CauseMasqMissing
	}
	srcOK := func(r iptables.Rule) bool {
		if r.Src == "" {
			return true
		}
		p, err := netip.ParsePrefix(r.Src)
		return err == nil && p.Contains(src) != r.NotSrc
	}
	outOK := func(r iptables.Rule) bool {
		if r.Out == "" {
			return true
		}
		match := r.Out == outDev || (strings.HasSuffix(r.Out, "+") && strings.HasPrefix(outDev, strings.TrimSuffix(r.Out, "+")))
		return match != r.NotOut
	}
	for _, r := range rules {
		if srcOK(r) && outOK(r) {
			return "" // a rule matches: something else is wrong
		}
	}
	for _, r := range rules {
		if !srcOK(r) {
			d.v["rule"] = r.String()
			return CauseMasqSource
		}
	}
	d.v["rule"] = rules[0].String()
	return CauseMasqIface
}

// snat diagnoses a ping that did not arrive with the translated source.
func (d *diag) snat(g AssertArgs) string {
	from := d.s.NS(g.From)
	tn := d.s.NS(g.CaptureNS)
	dst, err := netip.ParseAddr(g.To)
	if from == nil || tn == nil || err != nil {
		return ""
	}
	var src netip.Addr
	if r := lookup(from, dst); r != nil {
		if l := from.Link(r.Dev); l != nil {
			if p, ok := srcOn(l); ok {
				src = p.Addr()
			}
		}
	}
	// A route back in the receiver makes untranslated packets work: it
	// hides a missing or partial NAT, so it is named first.
	if src.IsValid() {
		if r := lookup(tn, src); r != nil {
			if !onSubnet(tn, src) {
				d.v["ns"], d.v["dst"] = tn.Name, r.Dst
				return CauseRouteBack
			}
		}
	}
	if c := d.path(g.From, g.To); c != "" {
		return c
	}
	if !src.IsValid() {
		return ""
	}
	for i := range d.s.Namespaces {
		rn := &d.s.Namespaces[i]
		if rn.Name == tn.Name || rn.Name == from.Name {
			continue
		}
		if rr := lookup(rn, dst); rr != nil {
			if in := lookup(rn, src); in == nil {
				continue
			} else if on, _ := forwardsOn(d.c.lab, rn, in.Dev); !on {
				continue
			}
			return d.masq(rn, src, rr.Dev, tn)
		}
	}
	return ""
}

// tcp diagnoses a TCP check: a published port's DNAT rule (missing, in the
// wrong chain, catching outbound traffic), the server's route back, else
// the path.
func (d *diag) tcp(g AssertArgs) string {
	host, _, ok := strings.Cut(g.Addr, ":")
	ip, err := netip.ParseAddr(host)
	if !ok || err != nil {
		return ""
	}
	from := d.s.NS(g.From)
	on, _, _ := d.holder(ip)
	if from == nil {
		return ""
	}
	if on == nil || on.Name == from.Name {
		return d.path(g.From, host)
	}
	pre := natRules(on, "PREROUTING", "DNAT")
	out := natRules(on, "OUTPUT", "DNAT")
	// The rule for the port: its destination is this address.
	if on.Name == engine.HostNS || len(pre)+len(out) > 0 {
		if len(pre) == 0 {
			d.v["ns"] = on.Name
			if len(out) > 0 && !hasUnparsedDNAT(on) {
				d.v["rule"], d.v["chain"] = out[0].String(), out[0].Chain
				return CauseDNATChain
			}
			if !hasUnparsedDNAT(on) && on.Name == engine.HostNS {
				return CauseDNATMissing
			}
		}
		if len(pre) > 0 && on.Sysctl["net.ipv4.ip_forward"] == "0" {
			d.v["ns"] = on.Name
			return CauseNoForward
		}
		for _, r := range pre {
			to, _, _ := strings.Cut(r.ToDest, ":")
			if a, err := netip.ParseAddr(to); err == nil {
				if sn, _, _ := d.holder(a); sn != nil && from != nil {
					if src := d.sourceFor(from, ip); src.IsValid() && lookup(sn, src) == nil {
						d.v["ns"], d.v["dst"] = sn.Name, src.String()
						return CauseNoRouteBack
					}
				}
			}
		}
	}
	// Traffic for another host: a DNAT rule on the way that catches it.
	for i := range d.s.Namespaces {
		rn := &d.s.Namespaces[i]
		if rn.Name == on.Name {
			continue
		}
		for _, r := range natRules(rn, "PREROUTING", "DNAT") {
			if r.Dst == "" && r.In == "" {
				d.v["ns"], d.v["rule"] = rn.Name, r.String()
				return CauseDNATBroad
			}
		}
	}
	return d.path(g.From, host)
}

// hasUnparsedDNAT says n has a rule engine/iptables cannot read (such as
// Docker's -m addrtype form), which may be the DNAT the learner wrote.
func hasUnparsedDNAT(n *engine.Namespace) bool {
	for _, text := range n.Rules {
		if !strings.Contains(text, "DNAT") {
			continue
		}
		words, err := splitWords(text)
		if err != nil {
			return true
		}
		if _, err := iptables.Parse(words); err != nil {
			return true
		}
	}
	return false
}

// sourceFor is the address n sends from toward ip.
func (d *diag) sourceFor(n *engine.Namespace, ip netip.Addr) netip.Addr {
	if r := lookup(n, ip); r != nil {
		if l := n.Link(r.Dev); l != nil {
			if p, ok := srcOn(l); ok {
				return p.Addr()
			}
		}
	}
	return netip.Addr{}
}

// port diagnoses a namespace that is not a working port of a bridge.
func (d *diag) port(bridge, ns string) string {
	host := d.s.NS(engine.HostNS)
	d.v["ns"], d.v["bridge"] = ns, bridge
	if host == nil {
		return ""
	}
	br := host.Link(bridge)
	if br == nil || br.Kind != "bridge" {
		return CauseNoBridge
	}
	n := d.s.NS(ns)
	if n == nil {
		return CauseNoLink
	}
	cause := CauseNoLink
	for _, l := range veths(n) {
		if l.Peer == nil || l.Peer.NS != engine.HostNS {
			continue
		}
		he := host.Link(l.Peer.Name)
		if he == nil {
			continue
		}
		d.v["dev"], d.v["peer"] = he.Name, l.Name
		switch {
		case he.Master != bridge:
			cause = CauseNotPort
		case he.State != "up":
			d.v["ns"] = engine.HostNS
			return CauseLinkDown
		case l.State != "up":
			d.v["ns"], d.v["dev"] = ns, l.Name
			return CauseLinkDown
		case br.State != "up":
			return CauseBridgeDown
		default:
			return ""
		}
	}
	return cause
}

// addr diagnoses a missing address: on the namespace's link with another
// prefix, on a link that is down, or not there.
func (d *diag) addr(g AssertArgs) string {
	ns := nsOr(g.NS)
	d.v["ns"] = ns
	n := d.s.NS(ns)
	want, err := netip.ParsePrefix(g.Addr)
	if n == nil || err != nil {
		return CauseNoAddr
	}
	for i := range n.Links {
		l := &n.Links[i]
		for _, a := range l.Addrs {
			p, err := netip.ParsePrefix(a)
			if err != nil || p.Addr() != want.Addr() {
				continue
			}
			d.v["dev"] = l.Name
			if p.Bits() != want.Bits() {
				d.v["addr"] = p.String()
				return CauseWrongPrefix
			}
			if l.State != "up" {
				return CauseLinkDown
			}
		}
	}
	return CauseNoAddr
}

// link diagnoses a link check: a bridge or link that is down, or missing.
func (d *diag) link(g AssertArgs) string {
	ns := nsOr(g.NS)
	d.v["ns"], d.v["dev"] = ns, g.Name
	n := d.s.NS(ns)
	if n == nil {
		return CauseNoLink
	}
	l := n.Link(g.Name)
	switch {
	case l == nil && g.Kind == "bridge":
		d.v["bridge"] = g.Name
		return CauseNoBridge
	case l == nil:
		return CauseNoLink
	case l.State != "up" && l.Kind == "bridge":
		d.v["bridge"] = g.Name
		return CauseBridgeDown
	case l.State != "up":
		return CauseLinkDown
	}
	return ""
}

// placeholderRE is a {name} of a hint's text.
var placeholderRE = regexp.MustCompile(`\{([a-z_]+)\}`)

// fills reports whether v gives every {name} that t's English text uses: a
// cause's default hint is shown only when the diagnosis that named the
// cause also found everything it says (a check's own diagnosis may name
// the cause with fewer names than the journey's).
func (v vars) fills(t Text) bool {
	for _, m := range placeholderRE.FindAllStringSubmatch(t["en"], -1) {
		if v[m[1]] == "" {
			return false
		}
	}
	return true
}
