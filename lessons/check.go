package lessons

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/iptables"
	"github.com/nettutor/nettutor/engine/journey"
	"github.com/nettutor/nettutor/engine/nsutil"
	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
)

// Env is what assertions are evaluated against besides the live lab.
type Env struct {
	// Snapshot of the lab; nil: taken when the first check needs it.
	Snapshot *engine.Snapshot
	// Packets seen by the capture points during the step (packet checks).
	Packets []Packet
	// LastOutput is the output of the step's last action (output checks).
	LastOutput string
	// ExerciseDir replaces $EXERCISE_DIR in file_owner paths.
	ExerciseDir string
	// Lang is the language of CheckResult.Desc and Detail ("en" when empty
	// or unknown; "ko" is supported). Kernel names stay as the kernel
	// writes them in either.
	Lang string
}

// Evaluate checks each assertion against lab and env, in order.
func Evaluate(ctx context.Context, lab *engine.Lab, as []*Assertion, env *Env) []CheckResult {
	if env == nil {
		env = &Env{}
	}
	out := make([]CheckResult, 0, len(as))
	for _, a := range as {
		out = append(out, EvaluateOne(ctx, lab, a, env))
	}
	return out
}

// SetUp runs the exercise's setup actions on lab (which should be fresh)
// and stops at the first failure.
func (e *Exercise) SetUp(ctx context.Context, lab *engine.Lab) ([]ActionResult, error) {
	if err := e.lacks(lab); err != nil {
		return nil, err
	}
	var res []ActionResult
	for _, a := range e.Setup {
		ar := ApplyAction(ctx, lab, a)
		res = append(res, ar)
		if !ar.OK {
			return res, fmt.Errorf("setup of %s: %s: %w", e.FullID(), ar.Command, ar.Err)
		}
	}
	return res, nil
}

// Check grades the lab against every check of the exercise. env may be nil.
func (e *Exercise) Check(ctx context.Context, lab *engine.Lab, env *Env) []CheckResult {
	if env == nil {
		env = &Env{}
	}
	return Evaluate(ctx, lab, e.Checks, env)
}

// Passed reports whether every result is OK.
func Passed(rs []CheckResult) bool {
	for _, r := range rs {
		if !r.OK {
			return false
		}
	}
	return true
}

// EvaluateOne checks one assertion.
func EvaluateOne(ctx context.Context, lab *engine.Lab, a *Assertion, env *Env) CheckResult {
	r := CheckResult{ID: a.ID, Kind: a.Kind, Hint: a.Hint}
	c := &checker{ctx: ctx, lab: lab, env: env}
	r.Desc = describe(a, env.Lang)
	// The faults travel as carried messages (assets.C) through the
	// check functions, which join and prefix them; they are rendered in
	// the learner's language here, once; a particle pair left by text
	// built with fmt ("11.11.11.2(으)로") is picked from its word.
	r.Detail = clipDetail(assets.ResolveParticles(assets.Localize(env.Lang, c.run(a))))
	r.OK = r.Detail == ""
	if !r.OK {
		r.Journey = c.jrn
	}
	if !r.OK && a.ID != "" {
		// Exercise checks: the hint for the cause found (lessons/cause.go).
		c.pickHint(a, &r)
	}
	return r
}

type checker struct {
	ctx context.Context
	lab *engine.Lab
	env *Env
	err error
	jrn *journey.Journey // the journey of a failed reachability probe
	// found is a cause a check found while it ran (encapsulated: what the
	// underlay showed), used by cause() instead of a diagnosis.
	found *encapFinding
}

func (c *checker) snap() *engine.Snapshot {
	if c.env.Snapshot == nil && c.err == nil {
		c.env.Snapshot, c.err = c.lab.Snapshot()
	}
	return c.env.Snapshot
}

// describe says in words, in lang, what an assertion checks: one template
// of assets/strings/describe.*.json per message, filled from the
// assertion's values, so both languages come from this one function.
func describe(a *Assertion, lang string) string {
	g := a.Args
	ns := nsOr(g.NS)
	m := func(key string, vals ...string) string { return assets.M(lang, key, vals...) }
	switch a.Kind {
	case "link":
		if g.Absent {
			return m("desc.link.absent", "ns", ns, "name", g.Name)
		}
		var parts []string
		if g.Kind != "" {
			parts = append(parts, m("desc.link.kind", "kind", g.Kind))
		}
		if g.State != "" {
			parts = append(parts, m("desc.link.state", "state", g.State))
		}
		if g.Addr != "" {
			parts = append(parts, m("desc.link.addr", "addr", g.Addr))
		}
		if g.Master != "" {
			parts = append(parts, m("desc.link.master", "master", g.Master))
		}
		if g.Peer != "" {
			parts = append(parts, m("desc.link.peer", "peer", g.Peer))
		}
		if len(parts) == 0 {
			return m("desc.link.exists", "ns", ns, "name", g.Name)
		}
		return m("desc.link.is", "ns", ns, "name", g.Name, "parts", strings.Join(parts, m("desc.list_sep")))
	case "addr":
		if g.Up != nil && *g.Up {
			return m("desc.addr.up", "ns", ns, "addr", g.Addr)
		}
		return m("desc.addr", "ns", ns, "addr", g.Addr)
	case "route":
		// The route itself is written as ip route writes it, in any language.
		r := g.Dst
		if g.Via != "" {
			r += " via " + g.Via
		}
		if g.Dev != "" {
			r += " dev " + g.Dev
		}
		if g.Absent {
			return m("desc.route.absent", "ns", ns, "route", r)
		}
		return m("desc.route", "ns", ns, "route", r)
	case "neighbor":
		if g.Absent {
			return m("desc.neighbor.absent", "ns", ns, "ip", g.IP)
		}
		return m("desc.neighbor", "ns", ns, "ip", g.IP)
	case "fdb":
		return m("desc.fdb", "ns", ns, "bridge", g.Bridge, "of", g.MacOf)
	case "sysctl":
		return m("desc.sysctl", "ns", ns, "key", g.Key, "value", g.Value)
	case "rule":
		return m("desc.rule", "ns", ns, "spec", g.Spec)
	case "reachable":
		if g.Size > 0 {
			return m("desc.reachable.df", "from", g.From, "to", g.To, "size", strconv.Itoa(g.Size), "packet", strconv.Itoa(g.Size+28))
		}
		return m("desc.reachable", "from", g.From, "to", g.To)
	case "unreachable":
		return m("desc.unreachable", "from", g.From, "to", g.To)
	case "tcp":
		if g.Banner != "" {
			return m("desc.tcp.banner", "from", g.From, "addr", g.Addr, "banner", strconv.Quote(g.Banner))
		}
		return m("desc.tcp", "from", g.From, "addr", g.Addr)
	case "packet":
		count := m("desc.packet.one")
		if g.Min > 1 {
			count = m("desc.packet.many", "n", strconv.Itoa(g.Min))
		}
		var match, src, dst string
		if g.Match != "" {
			match = m("desc.packet.match", "match", strconv.Quote(g.Match))
		}
		if g.Src != "" {
			src = m("desc.packet.src", "src", g.Src)
		}
		if g.Dst != "" {
			dst = m("desc.packet.dst", "dst", g.Dst)
		}
		return m("desc.packet", "capture", g.Capture, "count", count, "match", match, "src", src, "dst", dst)
	case "veth_pair":
		return m("desc.veth_pair", "a", g.A, "b", g.B)
	case "bridge_port":
		return m("desc.bridge_port", "ns", g.NS, "bridge", g.Bridge)
	case "no_direct_veth":
		return m("desc.no_direct_veth", "a", g.A, "b", g.B)
	case "udp_flow":
		return m("desc.udp_flow", "from", g.From, "addr", g.Addr, "in", g.CaptureNS, "src", g.Src)
	case "snat":
		return m("desc.snat", "from", g.From, "to", g.To, "in", g.CaptureNS, "src", g.Src)
	case "file_owner":
		var extra string
		if g.UIDMin != nil {
			extra += m("desc.file_owner.uid_min", "n", strconv.Itoa(*g.UIDMin))
		}
		if g.UIDNot != nil {
			extra += m("desc.file_owner.uid_not", "n", strconv.Itoa(*g.UIDNot))
		}
		if g.UIDMap {
			extra += m("desc.file_owner.uid_map")
		}
		return m("desc.file_owner", "path", g.Path, "extra", extra)
	case "output":
		return m("desc.output", "text", strconv.Quote(g.Contains))
	case "contained":
		return describeContained(g, lang)
	case "forwards":
		return m("desc.forwards", "ns", nsOr(g.NS), "from", g.From, "to", g.To)
	case "policy":
		return m("desc.policy", "ns", nsOr(g.NS), "table", tableOr(g.Table), "chain", g.Chain, "value", g.Value)
	case "routed_pod", "node_route":
		return m("desc."+a.Kind, "ns", nsOr(g.NS), "addr", g.Addr, "dst", g.Dst, "to", g.To)
	case "endpoints":
		return describeEndpoints(g, lang)
	case "encapsulated":
		return m("desc.encapsulated", "from", g.From, "to", g.To, "in", nsOr(g.NS), "port", strconv.Itoa(g.Port), "vni", strconv.Itoa(max(g.VNI, 1)))
	}
	return a.Kind
}

// run returns "" when the assertion holds, else the detail.
func (c *checker) run(a *Assertion) string {
	g := a.Args
	switch a.Kind {
	case "reachable", "unreachable":
		if g.Size > 0 && a.Kind == "reachable" {
			return c.pingDF(g.From, g.To, g.Size)
		}
		return c.ping(a.Kind == "reachable", g.From, g.To)
	case "tcp":
		return c.tcp(g)
	case "udp_flow":
		return c.udpFlow(g)
	case "snat":
		return c.snat(g)
	case "file_owner":
		return c.fileOwner(g)
	case "contained":
		return c.contained(g)
	case "forwards":
		return c.forwards(g)
	case "policy":
		return c.policy(g)
	case "routed_pod", "node_route":
		return c.routedCheck(a.Kind, g)
	case "encapsulated":
		return c.encapsulated(g)
	case "endpoints":
		return c.endpoints(g)
	case "output":
		if !strings.Contains(c.env.LastOutput, g.Contains) {
			out := strings.TrimSpace(c.env.LastOutput)
			if out == "" {
				return assets.C("fault.output.empty", "text", strconv.Quote(g.Contains))
			}
			return assets.C("fault.output.missing", "text", strconv.Quote(g.Contains), "out", clip(out, 120))
		}
		return ""
	case "packet":
		return c.packet(g)
	}
	s := c.snap()
	if s == nil {
		return assets.C("fault.snapshot", "err", c.err.Error())
	}
	switch a.Kind {
	case "link":
		return checkLink(s, g)
	case "addr":
		return checkAddr(s, g)
	case "route":
		return checkRoute(s, g)
	case "neighbor":
		return checkNeighbor(s, g)
	case "fdb":
		return checkFDB(s, g)
	case "sysctl":
		return c.sysctl(s, g)
	case "rule":
		return checkRule(s, g)
	case "veth_pair":
		return checkVethPair(s, g.A, g.B)
	case "no_direct_veth":
		return checkNoDirectVeth(s, g.A, g.B)
	case "bridge_port":
		return checkBridgePort(s, g.Bridge, g.NS)
	}
	return assets.C("fault.unknown_check", "kind", strconv.Quote(a.Kind))
}

func clip(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " | ")
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

func nsNames(s *engine.Snapshot) string {
	var names []string
	for _, n := range s.Namespaces {
		names = append(names, n.Name)
	}
	return clipList(names, maxListed)
}

func noNS(s *engine.Snapshot, ns string) string {
	return assets.C("fault.no_ns", "ns", ns, "have", nsNames(s))
}

func linkNames(n *engine.Namespace) string {
	var names []string
	for _, l := range n.Links {
		names = append(names, l.Name)
	}
	if len(names) == 0 {
		return assets.C("fault.none")
	}
	return clipList(names, maxListed)
}

// lookupNS finds the namespace a check is about. When it is missing the
// fault names it, except for a check that wants its object absent, for
// which a missing namespace is no fault ("").
func lookupNS(s *engine.Snapshot, g AssertArgs) (string, *engine.Namespace, string) {
	ns := nsOr(g.NS)
	if n := s.NS(ns); n != nil {
		return ns, n, ""
	}
	if g.Absent {
		return ns, nil, ""
	}
	return ns, nil, noNS(s, ns)
}

func checkLink(s *engine.Snapshot, g AssertArgs) string {
	ns, n, fault := lookupNS(s, g)
	if n == nil {
		return fault
	}
	l := n.Link(g.Name)
	if g.Absent {
		if l != nil {
			return assets.C("fault.link.still", "ns", ns, "name", g.Name)
		}
		return ""
	}
	if l == nil {
		for _, o := range s.Namespaces {
			if o.Link(g.Name) != nil {
				return assets.C("fault.link.elsewhere", "ns", ns, "name", g.Name, "in", o.Name)
			}
		}
		return assets.C("fault.link.none", "ns", ns, "name", g.Name, "links", linkNames(n))
	}
	var faults []string
	if g.Kind != "" && l.Kind != g.Kind {
		faults = append(faults, assets.C("fault.link.kind", "ns", ns, "name", g.Name, "have", l.Kind, "want", g.Kind))
	}
	if g.State != "" && l.State != g.State {
		faults = append(faults, assets.C("fault.link.state", "ns", ns, "name", g.Name, "state", strings.ToUpper(l.State)))
	}
	if g.Addr != "" && !contains(l.Addrs, g.Addr) {
		faults = append(faults, addrFault(ns, g.Name, l.Addrs, g.Addr))
	}
	if g.Master != "" && l.Master != g.Master {
		if l.Master == "" {
			faults = append(faults, assets.C("fault.link.no_master", "ns", ns, "name", g.Name, "want", g.Master))
		} else {
			faults = append(faults, assets.C("fault.link.master", "ns", ns, "name", g.Name, "have", l.Master, "want", g.Master))
		}
	}
	if g.Peer != "" {
		wantNS, wantName, _ := strings.Cut(g.Peer, "/")
		switch {
		case l.Peer == nil:
			faults = append(faults, assets.C("fault.link.no_peer", "ns", ns, "name", g.Name, "want", g.Peer))
		case l.Peer.NS != wantNS || (wantName != "" && l.Peer.Name != wantName):
			faults = append(faults, assets.C("fault.link.peer", "ns", ns, "name", g.Name, "pns", orQ(l.Peer.NS), "pname", l.Peer.Name, "want", g.Peer))
		}
	}
	return strings.Join(faults, "; ")
}

func orQ(s string) string {
	if s == "" {
		return "?"
	}
	return s
}

// addrFault explains why a link lacks want.
func addrFault(ns, link string, have []string, want string) string {
	wp, err := netip.ParsePrefix(want)
	if err == nil {
		for _, h := range have {
			if hp, err := netip.ParsePrefix(h); err == nil && hp.Addr() == wp.Addr() {
				return assets.C("fault.addr.prefix", "ns", ns, "addr", want, "link", link, "have", h)
			}
		}
	}
	v4 := ipv4Only(have)
	if len(v4) == 0 {
		return assets.C("fault.addr.link_no_v4", "ns", ns, "link", link, "addr", want)
	}
	return assets.C("fault.addr.link_other", "ns", ns, "link", link, "addr", want, "have", clipList(v4, maxListed))
}

func ipv4Only(addrs []string) []string {
	var out []string
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a); err == nil && p.Addr().Is4() {
			out = append(out, a)
		}
	}
	return out
}

func checkAddr(s *engine.Snapshot, g AssertArgs) string {
	ns, n, fault := lookupNS(s, g)
	if n == nil {
		return fault
	}
	for _, l := range n.Links {
		if contains(l.Addrs, g.Addr) {
			if g.Up != nil && *g.Up && l.State != "up" {
				return assets.C("fault.addr.down", "ns", ns, "link", l.Name, "addr", g.Addr)
			}
			return ""
		}
	}
	wp, _ := netip.ParsePrefix(g.Addr)
	for _, l := range n.Links {
		for _, h := range l.Addrs {
			if hp, err := netip.ParsePrefix(h); err == nil && hp.Addr() == wp.Addr() {
				return assets.C("fault.addr.prefix", "ns", ns, "addr", g.Addr, "link", l.Name, "have", h)
			}
		}
	}
	for _, o := range s.Namespaces {
		for _, l := range o.Links {
			if contains(l.Addrs, g.Addr) {
				return assets.C("fault.addr.elsewhere", "ns", ns, "addr", g.Addr, "ons", o.Name, "link", l.Name)
			}
		}
	}
	var have []string
	for _, l := range n.Links {
		if l.Kind == "loopback" {
			continue
		}
		for _, a := range ipv4Only(l.Addrs) {
			have = append(have, l.Name+" "+a)
		}
	}
	if len(have) == 0 {
		return assets.C("fault.addr.no_v4", "ns", ns, "addr", g.Addr)
	}
	return assets.C("fault.addr.other", "ns", ns, "addr", g.Addr, "have", clipList(have, maxListed))
}

func canonDst(d string) string {
	if d == "default" || d == "0.0.0.0/0" {
		return "default"
	}
	if p, err := netip.ParsePrefix(d); err == nil {
		return p.Masked().String()
	}
	if a, err := netip.ParseAddr(d); err == nil {
		return netip.PrefixFrom(a, 32).String()
	}
	return d
}

func routeString(r engine.Route) string {
	s := r.Dst
	if r.Gw != "" {
		s += " via " + r.Gw
	}
	if r.Dev != "" {
		s += " dev " + r.Dev
	}
	return s
}

func checkRoute(s *engine.Snapshot, g AssertArgs) string {
	ns, n, fault := lookupNS(s, g)
	if n == nil {
		return fault
	}
	want := canonDst(g.Dst)
	var sameDst []engine.Route
	for _, r := range n.Routes {
		if canonDst(r.Dst) != want {
			continue
		}
		sameDst = append(sameDst, r)
		if (g.Via == "" || r.Gw == g.Via) && (g.Dev == "" || r.Dev == g.Dev) {
			if g.Absent {
				return assets.C("fault.route.still", "ns", ns, "route", routeString(r))
			}
			return ""
		}
	}
	if g.Absent {
		return ""
	}
	if len(sameDst) > 0 {
		r := sameDst[0]
		if g.Via != "" && r.Gw != g.Via {
			if r.Gw == "" {
				return assets.C("fault.route.no_gw", "ns", ns, "route", routeString(r), "via", g.Via)
			}
			return assets.C("fault.route.gw", "ns", ns, "route", want, "have", r.Gw, "via", g.Via)
		}
		return assets.C("fault.route.dev", "ns", ns, "route", want, "have", r.Dev, "dev", g.Dev)
	}
	var rs []string
	for _, r := range n.Routes {
		rs = append(rs, routeString(r))
	}
	if len(rs) == 0 {
		return assets.C("fault.route.empty", "ns", ns, "route", want)
	}
	return assets.C("fault.route.none", "ns", ns, "route", want, "have", clipJoin(rs, maxListed, "; "))
}

func checkNeighbor(s *engine.Snapshot, g AssertArgs) string {
	ns, n, fault := lookupNS(s, g)
	if n == nil {
		return fault
	}
	for _, e := range n.Neighbors {
		if e.IP != g.IP {
			continue
		}
		bad := e.State == "failed" || e.State == "incomplete"
		if g.Absent {
			if bad {
				return ""
			}
			return assets.C("fault.neigh.known", "ns", ns, "ip", g.IP, "mac", e.MAC, "dev", e.Dev, "state", e.State)
		}
		if bad {
			return assets.C("fault.neigh.failed", "ns", ns, "ip", g.IP, "state", strings.ToUpper(e.State), "dev", e.Dev)
		}
		return ""
	}
	if g.Absent {
		return ""
	}
	return assets.C("fault.neigh.none", "ns", ns, "ip", g.IP)
}

func findLinkRef(s *engine.Snapshot, ref string) (*engine.Link, string) {
	nsName, link, ok := strings.Cut(ref, "/")
	if !ok {
		return nil, assets.C("fault.ref", "ref", strconv.Quote(ref))
	}
	n := s.NS(nsName)
	if n == nil {
		return nil, noNS(s, nsName)
	}
	l := n.Link(link)
	if l == nil {
		return nil, assets.C("fault.link.none", "ns", nsName, "name", link, "links", linkNames(n))
	}
	return l, ""
}

func checkFDB(s *engine.Snapshot, g AssertArgs) string {
	ns, n, fault := lookupNS(s, g)
	if n == nil {
		return fault
	}
	if br := n.Link(g.Bridge); br == nil || br.Kind != "bridge" {
		return assets.C("fault.fdb.no_bridge", "ns", ns, "bridge", g.Bridge)
	}
	l, fault := findLinkRef(s, g.MacOf)
	if fault != "" {
		return fault
	}
	for _, e := range n.FDB {
		if strings.EqualFold(e.MAC, l.MAC) && (e.Master == g.Bridge || e.Dev == g.Bridge) && e.State != "permanent" {
			return ""
		}
	}
	return assets.C("fault.fdb.not_learned", "ns", ns, "bridge", g.Bridge, "of", g.MacOf, "mac", l.MAC)
}

func (c *checker) sysctl(s *engine.Snapshot, g AssertArgs) string {
	ns, n, fault := lookupNS(s, g)
	if n == nil {
		return fault
	}
	v, ok := n.Sysctl[g.Key]
	if !ok {
		var err error
		v, err = c.lab.ReadSysctl(ns, g.Key)
		if err != nil {
			return assets.C("fault.sysctl.read", "ns", ns, "key", g.Key, "err", err.Error())
		}
	}
	if v != g.Value {
		return assets.C("fault.sysctl.value", "ns", ns, "key", g.Key, "have", v, "want", g.Value)
	}
	return ""
}

// canonRule turns "-t nat -A ..." (or a Spec line) into Rule.String form.
func canonRule(spec string) (string, error) {
	words, err := splitWords(spec)
	if err != nil {
		return "", err
	}
	r, err := iptables.Parse(words)
	if err != nil {
		return "", err
	}
	return r.String(), nil
}

func checkRule(s *engine.Snapshot, g AssertArgs) string {
	ns, n, fault := lookupNS(s, g)
	if n == nil {
		return fault
	}
	want, err := canonRule(g.Spec)
	if err != nil {
		want = g.Spec
	}
	var have []string
	for _, r := range n.Rules {
		c, err := canonRule(r)
		if err != nil {
			c = r
		}
		if c == want {
			return ""
		}
		have = append(have, r)
	}
	if len(have) == 0 {
		return assets.C("fault.rule.empty", "ns", ns, "rule", want)
	}
	return assets.C("fault.rule.none", "ns", ns, "rule", want, "have", clipJoin(have, maxListed, "; "))
}

func veths(n *engine.Namespace) []engine.Link {
	var out []engine.Link
	for _, l := range n.Links {
		if l.Kind == "veth" {
			out = append(out, l)
		}
	}
	return out
}

func checkVethPair(s *engine.Snapshot, a, b string) string {
	na, nb := s.NS(a), s.NS(b)
	if na == nil {
		return noNS(s, a)
	}
	if nb == nil {
		return noNS(s, b)
	}
	vs := veths(na)
	for _, l := range vs {
		if l.Peer != nil && l.Peer.NS == b {
			return ""
		}
	}
	if len(vs) == 0 {
		return assets.C("fault.veth.none", "ns", a, "links", linkNames(na))
	}
	var where []string
	for _, l := range vs {
		if l.Peer != nil {
			where = append(where, assets.C("fault.veth.peer_in", "name", l.Name, "in", orQ(l.Peer.NS)))
		}
	}
	return assets.C("fault.veth.no_pair", "a", a, "b", b, "where", clipList(where, maxListed))
}

func checkNoDirectVeth(s *engine.Snapshot, a, b string) string {
	na := s.NS(a)
	if na == nil {
		return ""
	}
	for _, l := range veths(na) {
		if l.Peer != nil && l.Peer.NS == b {
			// The fact only: what should join them, if anything, is the
			// exercise's to say (its hint), a bridge for bridge/connect,
			// nothing at all for isolation/loopback.
			return assets.C("fault.veth.direct", "a", a, "name", l.Name, "b", b, "peer", l.Peer.Name)
		}
	}
	return ""
}

func checkBridgePort(s *engine.Snapshot, bridge, ns string) string {
	host := s.NS(engine.HostNS)
	if host == nil {
		return assets.C("fault.no_host")
	}
	br := host.Link(bridge)
	if br == nil || br.Kind != "bridge" {
		var brs []string
		for _, l := range host.Links {
			if l.Kind == "bridge" {
				brs = append(brs, l.Name)
			}
		}
		if len(brs) == 0 {
			return assets.C("fault.port.no_bridges", "bridge", bridge)
		}
		return assets.C("fault.port.no_bridge", "bridge", bridge, "have", clipList(brs, maxListed))
	}
	n := s.NS(ns)
	if n == nil {
		return noNS(s, ns)
	}
	var faults []string
	for _, l := range veths(n) {
		if l.Peer == nil || l.Peer.NS != engine.HostNS {
			continue
		}
		he := host.Link(l.Peer.Name)
		if he == nil {
			continue
		}
		switch {
		case he.Master != bridge:
			m := he.Master
			if m == "" {
				m = "none"
			}
			faults = append(faults, assets.C("fault.port.not_port", "he", he.Name, "ns", ns, "name", l.Name, "bridge", bridge, "master", m))
		case he.State != "up":
			faults = append(faults, assets.C("fault.port.port_down", "he", he.Name, "bridge", bridge, "ns", ns))
		case l.State != "up":
			faults = append(faults, assets.C("fault.link.down", "ns", ns, "name", l.Name))
		default:
			if br.State != "up" {
				return assets.C("fault.port.bridge_down", "bridge", bridge)
			}
			return ""
		}
	}
	if len(faults) > 0 {
		return clipJoin(faults, maxListed, "; ")
	}
	return assets.C("fault.port.no_veth", "ns", ns, "links", linkNames(n))
}

// probeTimeout is how long a check waits for an answer in the lab.
const probeTimeout = 500 * time.Millisecond

func (c *checker) ping(want bool, from, to string) string {
	// One echo is enough: the engine's ping waits until the kernel has
	// brought every link up, and in the lab an answer (ARP included) takes
	// well under a millisecond, so half a second without one is a fault.
	_, err := c.lab.Ping(c.ctx, from, to, 1, probeTimeout)
	got := err == nil
	if got == want {
		return ""
	}
	if got {
		return assets.C("fault.ping.replied", "from", from, "to", to)
	}
	// Say why: the journey of the same probe, traced in the lab.
	c.env.Snapshot = nil // the ping changed neighbour tables
	if j := c.journeyOf(journey.Probe{From: from, Dst: to, Proto: "icmp"}); j != nil && j.Drop != nil {
		return assets.C("fault.ping.no_reply_why", "from", from, "to", to, "why", j.Drop.Text(c.env.Lang))
	}
	if err != nil && !errors.Is(err, engine.ErrNoReply) {
		return engine.ErrorText(err, c.env.Lang)
	}
	return assets.C("fault.ping.no_reply", "from", from, "to", to)
}

// journeyOf traces p in the lab: the detail of a failed reachability
// check is its stop, and the result links to it (CheckResult.Journey).
// When the lab cannot be traced (no capture rights), the journey is
// replayed from the snapshot instead; both come from engine/journey, the
// one explanation of paths.
func (c *checker) journeyOf(p journey.Probe) *journey.Journey {
	// The check's own probe already went unanswered: the trace's wait for
	// a reply only gathers evidence, and in the lab an answer takes well
	// under a millisecond.
	j, err := journey.TraceLab(c.ctx, c.lab, p, journey.Options{Lang: c.env.Lang, Timeout: 100 * time.Millisecond})
	if err != nil || j == nil || j.Drop == nil {
		// Not traced, or the traced probe got through this time (a slow
		// first ARP): the snapshot's replay says what stands in the way.
		if pj := c.predict(p); pj != nil && (j == nil || pj.Drop != nil) {
			j = pj
		}
	}
	c.jrn = j
	return j
}

// predict replays p from the lab's snapshot, with the sysctls and
// policies the snapshot lacks (the ingress devices' forwarding among them)
// read from the lab's kernel; from the snapshot alone when those cannot be
// read. nil when there is no snapshot.
func (c *checker) predict(p journey.Probe) *journey.Journey {
	s := c.snap()
	if s == nil {
		return nil
	}
	if j, err := journey.PredictLab(c.lab, s, p, c.env.Lang); err == nil {
		return j
	}
	return journey.PredictProbe(s, p, c.env.Lang)
}

// owner finds the namespace and link that hold ip (journey.Owner).
func owner(s *engine.Snapshot, ip netip.Addr) (*engine.Namespace, *engine.Link) {
	return journey.Owner(s, ip.String())
}

func (c *checker) tcp(g AssertArgs) string {
	// Connect itself tries a refused or reset connection again (the
	// banner loop's gap between two nc runs).
	got, err := c.lab.Connect(c.ctx, g.From, g.Addr, time.Second)
	if err != nil {
		// A DNAT rule that hijacks the connection is the cause whatever the
		// route back looks like (dnat.go).
		if why := dnatCatches(c.snap(), g.From, g.Addr); why != "" {
			return assets.C("fault.tcp.err_why", "from", g.From, "err", engine.ErrorText(err, c.env.Lang), "why", why)
		}
		msg := engine.ErrorText(err, c.env.Lang)
		if errors.Is(err, syscall.ECONNREFUSED) {
			msg = assets.C("fault.tcp.refused", "from", g.From, "addr", g.Addr)
		} else if errors.Is(err, engine.ErrNoReply) {
			msg = assets.C("fault.tcp.no_answer", "from", g.From, "addr", g.Addr)
			if h, ps, e := net.SplitHostPort(g.Addr); e == nil {
				port, _ := strconv.Atoi(ps)
				if j := c.journeyOf(journey.Probe{From: g.From, Dst: h, Proto: "tcp", Port: port}); j != nil && j.Drop != nil {
					msg += ": " + j.Drop.Text(c.env.Lang)
				}
			}
		}
		if refused := errors.Is(err, syscall.ECONNREFUSED); refused || errors.Is(err, engine.ErrNoReply) {
			if why := dnatWhy(c.snap(), g.Addr, refused); why != "" { // grade.go
				if refused {
					msg = assets.C("fault.tcp.refused_why", "from", g.From, "addr", g.Addr, "why", why)
				} else {
					msg += "; " + why
				}
			}
		}
		return msg
	}
	if g.Banner != "" && !strings.Contains(got, g.Banner) {
		msg := assets.C("fault.tcp.banner", "from", g.From, "addr", g.Addr, "got", strconv.Quote(got), "want", strconv.Quote(g.Banner))
		if why := dnatCatches(c.snap(), g.From, g.Addr); why != "" {
			msg += "; " + why
		}
		return msg
	}
	return ""
}

func (c *checker) packet(g AssertArgs) string {
	match, err := packetMatcher(g.Match)
	if err != nil {
		return err.Error()
	}
	minN := max(g.Min, 1)
	n, total := 0, 0
	var other []string
	for _, p := range c.env.Packets {
		if p.Capture != g.Capture {
			continue
		}
		total++
		if !match(p) || (g.Src != "" && p.Src != g.Src) || (g.Dst != "" && p.Dst != g.Dst) {
			if len(other) < 3 {
				other = append(other, p.Summary)
			}
			continue
		}
		n++
	}
	if n >= minN {
		return ""
	}
	// The same fragments as the check's description.
	var matchW, srcW, dstW string
	if g.Match != "" {
		matchW = assets.C("desc.packet.match", "match", strconv.Quote(g.Match))
	}
	if g.Src != "" {
		srcW = assets.C("desc.packet.src", "src", g.Src)
	}
	if g.Dst != "" {
		dstW = assets.C("desc.packet.dst", "dst", g.Dst)
	}
	if total == 0 {
		return assets.C("fault.packet.none", "capture", g.Capture)
	}
	return assets.C("fault.packet.few", "capture", g.Capture, "n", strconv.Itoa(n), "match", matchW, "src", srcW, "dst", dstW,
		"min", strconv.Itoa(minN), "others", strconv.Itoa(total-n), "eg", strings.Join(other, " | "))
}

// snat pings from g.From to g.To and watches, in g.CaptureNS, which source
// address the echo requests arrive with. It uses a raw ICMP socket there, so
// it needs no capture support.
func (c *checker) snat(g AssertArgs) string {
	fd, err := c.lab.NsHandle(g.CaptureNS)
	if err != nil {
		return assets.C("fault.snat.no_ns", "ns", g.CaptureNS)
	}
	var conn *icmp.PacketConn
	err = nsutil.Do(fd, func() error {
		var err error
		conn, err = icmp.ListenPacket("ip4:icmp", "0.0.0.0")
		return err
	})
	if err != nil {
		return assets.C("fault.snat.watch", "ns", g.CaptureNS, "err", err.Error())
	}
	defer conn.Close()
	pc := conn.IPv4PacketConn()
	_ = pc.SetControlMessage(ipv4.FlagInterface|ipv4.FlagDst, true)
	var ifIndex int
	if g.CaptureIface != "" {
		if s := c.snap(); s != nil {
			if n := s.NS(g.CaptureNS); n != nil {
				if l := n.Link(g.CaptureIface); l != nil {
					ifIndex = l.Index
				} else {
					return assets.C("fault.snat.no_link", "ns", g.CaptureNS, "name", g.CaptureIface)
				}
			}
		}
	}
	type seen struct{ src, dst string }
	got := make(chan []seen, 1)
	go func() {
		var out []seen
		buf := make([]byte, 1500)
		_ = pc.SetReadDeadline(time.Now().Add(2500 * time.Millisecond))
		for {
			n, cm, peer, err := pc.ReadFrom(buf)
			if err != nil {
				break
			}
			m, err := icmp.ParseMessage(1, buf[:n])
			if err != nil || m.Type != ipv4.ICMPTypeEcho {
				continue
			}
			if ifIndex != 0 && cm != nil && cm.IfIndex != ifIndex {
				continue
			}
			dst := ""
			if cm != nil && cm.Dst != nil {
				dst = cm.Dst.String()
			}
			if a, ok := peer.(*net.IPAddr); ok {
				out = append(out, seen{a.IP.String(), dst})
				if a.IP.String() == g.Src {
					break
				}
			}
		}
		got <- out
	}()
	time.Sleep(20 * time.Millisecond)
	_, _ = c.lab.Ping(c.ctx, g.From, g.To, 1, probeTimeout)
	_ = pc.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	arrivals := <-got
	var srcs []string
	for _, a := range arrivals {
		if a.src == g.Src {
			return ""
		}
		if !contains(srcs, a.src) {
			srcs = append(srcs, a.src)
		}
	}
	where := g.CaptureNS
	if g.CaptureIface != "" {
		where += "/" + g.CaptureIface
	}
	if len(srcs) == 0 {
		msg := assets.C("fault.snat.none", "from", g.From, "to", g.To, "in", where)
		c.env.Snapshot = nil
		if j := c.predict(journey.Probe{From: g.From, Dst: g.To}); j != nil && j.Drop != nil {
			msg += ": " + j.Drop.Text(c.env.Lang)
		}
		return msg
	}
	sort.Strings(srcs)
	return assets.C("fault.snat.src", "from", g.From, "in", where, "have", clipList(srcs, maxListed), "want", g.Src)
}

func (c *checker) fileOwner(g AssertArgs) string {
	path := os.Expand(g.Path, func(k string) string {
		if k == "EXERCISE_DIR" && c.env.ExerciseDir != "" {
			return c.env.ExerciseDir
		}
		return os.Getenv(k)
	})
	shown := g.Path // "$EXERCISE_DIR/proof", as the learner wrote it, not the lab's folder
	// A lab path, resolved inside the lab (a link the answer made cannot
	// lead the engine to the machine's files); the owner as the lab sees
	// it: the engine sees the host's (or the rootless sandbox's) number.
	st, err := c.lab.Keeper().Lstat(path)
	if err != nil {
		return assets.C("fault.file.none", "path", shown)
	}
	uid := c.lab.LabUID(int(st.Uid))
	who := assets.C("fault.file.uid", "uid", strconv.Itoa(uid))
	if uid < 0 {
		who = assets.C("fault.file.unmapped")
	}
	if uid == 0 {
		who = assets.C("fault.file.root")
	}
	if g.UIDMin != nil && uid < *g.UIDMin {
		return assets.C("fault.file.uid_min", "path", shown, "who", who, "min", strconv.Itoa(*g.UIDMin))
	}
	if g.UIDNot != nil && uid == *g.UIDNot {
		return assets.C("fault.file.uid_not", "path", shown, "who", who)
	}
	if g.UIDMap {
		return c.remapProof(shown, path, uid)
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
