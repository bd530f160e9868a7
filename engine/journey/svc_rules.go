package journey

// Where a destination that no namespace holds would go, decided before
// anything is sent: a Service address (10.96.0.100) lives only in the
// nodes' NAT rules. The kernel's own rules are read over netlink (the nft
// expressions iptables-nft and kube-proxy's nftables mode leave) and
// walked for a NEW packet as netfilter would: every branch a match whose
// outcome cannot be known beforehand may take (`-m statistic`, `numgen`,
// a verdict map) is followed, so every endpoint the kernel may pick is
// checked. Reading the rules over netlink costs well under a millisecond;
// running iptables-save would cost a process start (8 ms and more).

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sort"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/xt"
	"golang.org/x/sys/unix"
)

// reg32 is a register's number as a 32-bit register: nftables' four
// 128-bit registers (1-4) are 32-bit registers 8-11, 12-15, ...; a
// concatenation's fields sit in consecutive 32-bit registers.
func reg32(r uint32) uint32 {
	if r >= 1 && r <= 4 {
		return 8 + (r-1)*4
	}
	return r
}

// numgenReg+r holds, in a walk's registers, the modulus of the numgen
// expression that wrote register r (whose value itself is not known).
const numgenReg = 1 << 16

// ctStateNew is conntrack's NEW bit, as `ct state` and -m conntrack
// --ctstate hold it (IP_CT_NEW 2: 1 << (2+1)).
const ctStateNew = 8

// natTarget is a DNAT destination a path through the rules reaches, with
// the chain whose rule made it.
type natTarget struct {
	addr  string
	port  int // 0: the port is kept
	table string
	chain string
}

// pathEnd is where one path through a chain ends: "return" (the chain
// ran out, or RETURN: the caller goes on), "accept", "drop" (DROP or
// REJECT), "dnat" (with target), or "unknown" (a rule the walk cannot
// follow decided, or the walk was cut short).
type pathEnd struct {
	kind   string
	mark   uint32
	target *natTarget
	// at is the rule that ended a "drop" path (nil: a chain's policy).
	at *ruleAt
}

// ruleAt is a rule by its place: the idx-th rule of table/chain, in the
// kernel's order (as iptables -S lists a chain).
type ruleAt struct {
	table, chain string
	idx          int
}

// ruleWalk walks one namespace's IPv4 rules for one NEW packet.
type ruleWalk struct {
	n       *nsEnv
	c       *nftables.Conn
	chains  []*nftables.Chain
	rules   map[string][]*nftables.Rule // "table/chain"
	proto   uint8
	src     net.IP
	dst     net.IP
	dport   uint16
	steps   int
	readErr error
}

// maxWalkSteps bounds a walk: a ruleset built to explode the branches
// gives "unknown", which refuses the destination.
const maxWalkSteps = 20000

func newRuleWalk(n *nsEnv, proto uint8, src, dst net.IP, dport int) (*ruleWalk, error) {
	c, err := nftables.New(nftables.AsLasting(), nftables.WithNetNSFd(int(n.fd)))
	if err != nil {
		return nil, fmt.Errorf("nftables in %s: %w", n.name, err)
	}
	chains, err := c.ListChainsOfTableFamily(nftables.TableFamilyIPv4)
	if err != nil {
		c.CloseLasting()
		return nil, fmt.Errorf("list chains in %s: %w", n.name, err)
	}
	return &ruleWalk{n: n, c: c, chains: chains, rules: map[string][]*nftables.Rule{},
		proto: proto, src: src.To4(), dst: dst.To4(), dport: uint16(dport)}, nil
}

func (w *ruleWalk) close() { w.c.CloseLasting() }

func (w *ruleWalk) chain(table, name string) *nftables.Chain {
	for _, ch := range w.chains {
		if ch.Table != nil && ch.Table.Name == table && ch.Name == name {
			return ch
		}
	}
	return nil
}

func (w *ruleWalk) get(ch *nftables.Chain) []*nftables.Rule {
	k := ch.Table.Name + "/" + ch.Name
	if rs, ok := w.rules[k]; ok {
		return rs
	}
	rs, err := w.c.GetRules(ch.Table, ch)
	if err != nil {
		w.readErr = err
	}
	w.rules[k] = rs
	return rs
}

// baseChains are the chains of type typ on hook, in the order the kernel
// runs them (priority).
func (w *ruleWalk) baseChains(typ nftables.ChainType, hook nftables.ChainHook) []*nftables.Chain {
	var out []*nftables.Chain
	for _, ch := range w.chains {
		if ch.Hooknum != nil && *ch.Hooknum == hook && ch.Type == typ && ch.Table != nil && ch.Table.Name != traceTableName {
			out = append(out, ch)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		pi, pj := 0, 0
		if out[i].Priority != nil {
			pi = int(*out[i].Priority)
		}
		if out[j].Priority != nil {
			pj = int(*out[j].Priority)
		}
		return pi < pj
	})
	return out
}

// hook walks every base chain of typ on hook; ends lists each path's end
// (a base chain's "return" is its policy).
func (w *ruleWalk) hook(typ nftables.ChainType, hook nftables.ChainHook, mark uint32) (ends [][]pathEnd) {
	for _, ch := range w.baseChains(typ, hook) {
		es := w.walkChain(ch, mark, 0)
		for i := range es {
			if es[i].kind == "return" {
				es[i].kind = "accept"
				if ch.Policy != nil && *ch.Policy == nftables.ChainPolicyDrop {
					es[i].kind = "drop"
				}
			}
		}
		ends = append(ends, es)
	}
	return ends
}

func (w *ruleWalk) walkChain(ch *nftables.Chain, mark uint32, depth int) []pathEnd {
	if depth > 16 {
		return []pathEnd{{kind: "unknown"}}
	}
	return w.from(ch, w.get(ch), 0, mark, depth)
}

func (w *ruleWalk) from(ch *nftables.Chain, rules []*nftables.Rule, i int, mark uint32, depth int) []pathEnd {
	if i >= len(rules) {
		return []pathEnd{{kind: "return", mark: mark}}
	}
	w.steps++
	if w.steps > maxWalkSteps {
		return []pathEnd{{kind: "unknown"}}
	}
	var out []pathEnd
	for _, o := range w.exprs(ch, rules[i].Exprs, 0, map[uint32][]byte{}, mark, depth) {
		if o.kind == "drop" && o.at == nil {
			o.at = &ruleAt{ch.Table.Name, ch.Name, i} // the innermost rule that dropped
		}
		if o.kind == "next" {
			out = append(out, w.from(ch, rules, i+1, o.mark, depth)...)
		} else {
			out = append(out, o)
		}
	}
	return out
}

// exprs evaluates a rule's expressions from k on. An outcome "next" goes
// on with the chain's next rule (the rule did not match, or matched and
// only counted or marked).
func (w *ruleWalk) exprs(ch *nftables.Chain, es []expr.Any, k int, regs map[uint32][]byte, mark uint32, depth int) []pathEnd {
	next := []pathEnd{{kind: "next", mark: mark}}
	maybe := func() []pathEnd { // both ways: not matched, and matched
		return append([]pathEnd{{kind: "next", mark: mark}}, w.exprs(ch, es, k+1, regs, mark, depth)...)
	}
	if k >= len(es) {
		return next
	}
	set := func(r uint32, b []byte) map[uint32][]byte {
		m := make(map[uint32][]byte, len(regs)+1)
		for a, v := range regs {
			m[a] = v
		}
		m[reg32(r)] = b
		return m
	}
	on := func(m map[uint32][]byte, extra ...any) []pathEnd {
		if len(extra) == 2 {
			m[extra[0].(uint32)] = extra[1].([]byte)
		}
		return w.exprs(ch, es, k+1, m, mark, depth)
	}
	switch e := es[k].(type) {
	case *expr.Meta:
		if e.SourceRegister {
			return on(regs)
		}
		switch e.Key {
		case expr.MetaKeyL4PROTO:
			return on(set(e.Register, []byte{w.proto}))
		case expr.MetaKeyNFPROTO:
			return on(set(e.Register, []byte{unix.NFPROTO_IPV4}))
		case expr.MetaKeyMARK:
			return on(set(e.Register, binary.NativeEndian.AppendUint32(nil, mark)))
		}
		return on(set(e.Register, nil))
	case *expr.Payload:
		var b []byte
		switch {
		case e.Base == expr.PayloadBaseNetworkHeader && e.Offset == 12 && e.Len <= 4:
			b = w.src[:e.Len]
		case e.Base == expr.PayloadBaseNetworkHeader && e.Offset == 16 && e.Len <= 4:
			b = w.dst[:e.Len]
		case e.Base == expr.PayloadBaseNetworkHeader && e.Offset == 9 && e.Len == 1:
			b = []byte{w.proto}
		case e.Base == expr.PayloadBaseTransportHeader && e.Offset == 2 && e.Len == 2 && w.dport != 0:
			b = binary.BigEndian.AppendUint16(nil, w.dport)
		}
		if e.OperationType != expr.PayloadLoad {
			return on(regs) // a payload write: the walk keeps the packet's addresses
		}
		return on(set(e.DestRegister, b))
	case *expr.Ct:
		if e.SourceRegister {
			return on(regs)
		}
		if e.Key == expr.CtKeySTATE {
			return on(set(e.Register, binary.NativeEndian.AppendUint32(nil, ctStateNew)))
		}
		return on(set(e.Register, nil))
	case *expr.Bitwise:
		v := regs[reg32(e.SourceRegister)]
		if v == nil || len(e.Mask) != len(v) || len(e.Xor) != len(v) {
			return on(set(e.DestRegister, nil))
		}
		out := make([]byte, len(v))
		for i := range v {
			out[i] = v[i]&e.Mask[i] ^ e.Xor[i]
		}
		return on(set(e.DestRegister, out))
	case *expr.Cmp:
		v := regs[reg32(e.Register)]
		if v == nil || len(v) < len(e.Data) {
			return maybe()
		}
		c := bytes.Compare(v[:len(e.Data)], e.Data)
		ok := false
		switch e.Op {
		case expr.CmpOpEq:
			ok = c == 0
		case expr.CmpOpNeq:
			ok = c != 0
		case expr.CmpOpLt:
			ok = c < 0
		case expr.CmpOpLte:
			ok = c <= 0
		case expr.CmpOpGt:
			ok = c > 0
		case expr.CmpOpGte:
			ok = c >= 0
		}
		if !ok {
			return next
		}
		return on(regs)
	case *expr.Range:
		v := regs[reg32(e.Register)]
		if v == nil || len(v) < len(e.FromData) {
			return maybe()
		}
		in := bytes.Compare(v, e.FromData) >= 0 && bytes.Compare(v, e.ToData) <= 0
		if in != (e.Op == expr.CmpOpEq) {
			return next
		}
		return on(regs)
	case *expr.Numgen:
		// Its value is the kernel's choice; the walk keeps its range.
		return on(set(e.Register, nil), numgenReg+reg32(e.Register), binary.NativeEndian.AppendUint32(nil, e.Modulus))
	case *expr.Immediate:
		return on(set(e.Register, e.Data))
	case *expr.Counter, *expr.Log:
		return on(regs)
	case *expr.Match:
		switch w.match(e, mark) {
		case 0:
			return next
		case 1:
			return on(regs)
		}
		return maybe()
	case *expr.Target:
		return w.target(ch, e, mark, func(m uint32) []pathEnd { return w.exprs(ch, es, k+1, regs, m, depth) })
	case *expr.NAT:
		if e.Type != expr.NATTypeDestNAT {
			return []pathEnd{{kind: "accept", mark: mark}}
		}
		a := regs[reg32(e.RegAddrMin)]
		if len(a) < 4 {
			return []pathEnd{{kind: "unknown", mark: mark}}
		}
		t := &natTarget{addr: net.IP(a[:4]).String(), table: ch.Table.Name, chain: ch.Name}
		if p := regs[reg32(e.RegProtoMin)]; e.RegProtoMin != 0 && len(p) >= 2 {
			t.port = int(binary.BigEndian.Uint16(p))
		}
		return []pathEnd{{kind: "dnat", mark: mark, target: t}}
	case *expr.Verdict:
		return w.verdict(ch, e.Kind, e.Chain, mark, depth)
	case *expr.Lookup:
		if !e.IsDestRegSet {
			return maybe() // set membership the walk does not decide
		}
		if e.DestRegister != 0 {
			return on(set(e.DestRegister, nil))
		}
		// A verdict map (kube-proxy's service-ips, numgen ... vmap): the
		// element whose key the packet's registers make, when they are
		// known; else any element's verdict, or none (but every value of a
		// `numgen ... mod N` hits when the map holds 0..N-1).
		var out []pathEnd
		s, err := w.c.GetSetByName(ch.Table, e.SetName)
		if err != nil {
			return []pathEnd{{kind: "unknown", mark: mark}}
		}
		els, err := w.c.GetSetElements(s)
		if err != nil {
			return []pathEnd{{kind: "unknown", mark: mark}}
		}
		key, known := []byte{}, true
		if len(els) > 0 {
			for r := reg32(e.SourceRegister); len(key) < len(els[0].Key); r++ {
				v := regs[r]
				if v == nil {
					known = false
					break
				}
				key = append(key, v...)
				for len(key)%4 != 0 {
					key = append(key, 0)
				}
			}
		}
		hits := 0
		var mod uint32
		if m := regs[numgenReg+reg32(e.SourceRegister)]; len(m) == 4 {
			mod = binary.NativeEndian.Uint32(m)
		}
		for _, el := range els {
			if known && !bytes.Equal(el.Key, key) {
				continue
			}
			if mod > 0 && len(el.Key) == 4 && binary.NativeEndian.Uint32(el.Key) < mod {
				hits++
			} else if known {
				hits++
			}
			if el.VerdictData != nil {
				out = append(out, w.verdict(ch, el.VerdictData.Kind, el.VerdictData.Chain, mark, depth)...)
				continue
			}
			// google/nftables hands a read verdict back as the nested
			// NFTA_DATA_VERDICT attributes in Val: its code and chain.
			var code int32
			chain, ok := "", false
			for _, a := range attrs(el.Val) {
				switch a.typ {
				case unix.NFTA_VERDICT_CODE:
					code, ok = int32(be32(a.data)), true
				case unix.NFTA_VERDICT_CHAIN:
					chain = cstr(a.data)
				}
			}
			if ok {
				out = append(out, w.verdict(ch, expr.VerdictKind(code), chain, mark, depth)...)
			}
		}
		if hits == 0 || mod > 0 && uint32(hits) < mod {
			out = append(out, pathEnd{kind: "next", mark: mark}) // no element: the rule goes on
		}
		return out
	}
	// Any other expression (numgen, a hash, a socket or fib lookup): its
	// register is not known, its comparison goes both ways.
	return on(regs)
}

func (w *ruleWalk) verdict(ch *nftables.Chain, kind expr.VerdictKind, target string, mark uint32, depth int) []pathEnd {
	switch kind {
	case expr.VerdictAccept:
		return []pathEnd{{kind: "accept", mark: mark}}
	case expr.VerdictDrop:
		return []pathEnd{{kind: "drop", mark: mark}}
	case expr.VerdictReturn:
		return []pathEnd{{kind: "return", mark: mark}}
	case expr.VerdictJump, expr.VerdictGoto:
		sub := w.chain(ch.Table.Name, target)
		if sub == nil {
			return []pathEnd{{kind: "unknown", mark: mark}}
		}
		var out []pathEnd
		for _, o := range w.walkChain(sub, mark, depth+1) {
			if o.kind == "return" && kind == expr.VerdictJump {
				o.kind = "next"
			}
			out = append(out, o)
		}
		return out
	}
	return []pathEnd{{kind: "next", mark: mark}}
}

// match decides an xtables match for the packet: 0 no, 1 yes, 2 either.
func (w *ruleWalk) match(e *expr.Match, mark uint32) int {
	b := func(v bool) int {
		if v {
			return 1
		}
		return 0
	}
	switch info := e.Info.(type) {
	case *xt.Comment:
		return 1
	case *xt.Tcp:
		if w.proto != 6 {
			return 0
		}
		in := w.dport >= info.DstPorts[0] && w.dport <= info.DstPorts[1]
		return b(in != (info.InvFlags&xt.TcpInvDestPorts != 0))
	case *xt.Udp:
		if w.proto != 17 {
			return 0
		}
		in := w.dport >= info.DstPorts[0] && w.dport <= info.DstPorts[1]
		return b(in != (info.InvFlags&xt.UdpInvDestPorts != 0))
	case *xt.AddrTypeV1:
		// --src-type/--dst-type LOCAL: an address of the namespace
		// itself (kube-proxy's "route LOCAL traffic" rules take a node's
		// own connections, not a client's from outside).
		if info.Source == 0 && info.Dest == 0 || info.Source != 0 && info.Source != uint16(xt.AddrTypeLocal) || info.Dest != 0 && info.Dest != uint16(xt.AddrTypeLocal) {
			return 2
		}
		if info.Source != 0 {
			if w.src == nil || w.src.IsUnspecified() {
				return 2 // the source is not known yet
			}
			if w.n.localIPs[w.src.String()] == (info.Flags&xt.AddrTypeFlags(0x1) != 0) { // XT_ADDRTYPE_INVERT_SOURCE
				return 0
			}
		}
		if info.Dest != 0 && w.n.localIPs[w.dst.String()] == (info.Flags&xt.AddrTypeFlags(0x2) != 0) { // XT_ADDRTYPE_INVERT_DEST
			return 0
		}
		return 1
	case *xt.ConntrackMtinfo1:
		return ctMatch(info.ConntrackMtinfoBase, uint16(info.StateMask))
	case *xt.ConntrackMtinfo2:
		return ctMatch(info.ConntrackMtinfoBase, info.StateMask)
	case *xt.ConntrackMtinfo3:
		return ctMatch(info.ConntrackMtinfoBase, info.StateMask)
	case *xt.Unknown:
		if e.Name == "mark" && len(*info) >= 9 {
			v := binary.NativeEndian.Uint32((*info)[0:4])
			m := binary.NativeEndian.Uint32((*info)[4:8])
			return b((mark&m == v) != ((*info)[8] != 0))
		}
	}
	return 2 // statistic, recent, ...: the kernel decides per packet
}

// ctMatch decides -m conntrack for a NEW packet when it tests the state
// alone.
func ctMatch(c xt.ConntrackMtinfoBase, state uint16) int {
	if c.MatchFlags&^uint16(xt.ConntrackState|xt.ConntrackStateAlias) != 0 || c.MatchFlags&uint16(xt.ConntrackState) == 0 {
		return 2
	}
	in := state&ctStateNew != 0
	if in != (c.InvertFlags&uint16(xt.ConntrackState) != 0) {
		return 1
	}
	return 0
}

// target applies an xtables target: DNAT ends the path with its
// destination, MARK changes the mark and goes on, the others end it.
func (w *ruleWalk) target(ch *nftables.Chain, e *expr.Target, mark uint32, on func(uint32) []pathEnd) []pathEnd {
	switch e.Name {
	case "DNAT":
		t := &natTarget{table: ch.Table.Name, chain: ch.Name}
		switch info := e.Info.(type) {
		case *xt.NatRange2:
			t.addr, t.port = info.MinIP.To4().String(), int(info.MinPort)
		case *xt.NatRange:
			t.addr, t.port = info.MinIP.To4().String(), int(info.MinPort)
		case *xt.NatIPv4MultiRangeCompat:
			if len(*info) > 0 {
				t.addr, t.port = (*info)[0].MinIP.To4().String(), int((*info)[0].MinPort)
			}
		}
		if t.addr == "" || t.addr == "<nil>" {
			return []pathEnd{{kind: "unknown", mark: mark}}
		}
		return []pathEnd{{kind: "dnat", mark: mark, target: t}}
	case "MARK":
		if u, ok := e.Info.(*xt.Unknown); ok && len(*u) >= 8 {
			v := binary.NativeEndian.Uint32((*u)[0:4])
			m := binary.NativeEndian.Uint32((*u)[4:8])
			return on(mark&^m ^ v)
		}
		return on(mark)
	case "REJECT", "DROP":
		return []pathEnd{{kind: "drop", mark: mark}}
	case "MASQUERADE", "SNAT", "ACCEPT":
		return []pathEnd{{kind: "accept", mark: mark}}
	case "LOG", "TRACE", "CONNMARK", "CT", "NOTRACK":
		return on(mark)
	}
	return []pathEnd{{kind: "unknown", mark: mark}}
}

// svcVerdict is what the walk found for a NEW packet to dst in n: the
// DNAT destinations any path reaches (with whether a path gets through
// untranslated), or that the filter stops it in n.
type svcVerdict struct {
	targets []natTarget
	passes  bool // some path leaves the nat hook with dst unchanged
	unknown bool // a path the walk could not follow
	stopped bool // every path through some filter chain drops or rejects
	// stopAt is the rule that ended the first of those paths (nil: a
	// chain's policy): kube-proxy's REJECT, or its DROP for
	// externalTrafficPolicy: Local.
	stopAt *ruleAt
}

// natWalk walks n's nat chains on the sender's OUTPUT (sent) or on
// PREROUTING (arrived), then, when nothing translates dst, its filter
// chains on OUTPUT or FORWARD.
func (n *nsEnv) natWalk(proto uint8, src, dst net.IP, dport int, sent bool) (svcVerdict, error) {
	var v svcVerdict
	w, err := newRuleWalk(n, proto, src, dst, dport)
	if err != nil {
		return v, err
	}
	defer w.close()
	natHook, filterHook := *nftables.ChainHookPrerouting, *nftables.ChainHookForward
	if sent {
		natHook, filterHook = *nftables.ChainHookOutput, *nftables.ChainHookOutput
	}
	seen := map[natTarget]bool{}
	marks := map[uint32]bool{}
	nat := w.hook(nftables.ChainTypeNAT, natHook, 0)
	if len(nat) == 0 {
		v.passes = true
		marks[0] = true
	}
	for _, es := range nat {
		for _, e := range es {
			switch e.kind {
			case "dnat":
				if !seen[*e.target] {
					seen[*e.target] = true
					v.targets = append(v.targets, *e.target)
				}
			case "unknown":
				v.unknown = true
			default:
				v.passes = true
				marks[e.mark] = true
			}
		}
	}
	if len(v.targets) == 0 && v.passes {
		// Stopped when, whatever mark nat left, some filter chain drops
		// or rejects on every path.
		v.stopped = true
		for m := range marks {
			any := false
			for _, es := range w.hook(nftables.ChainTypeFilter, filterHook, m) {
				all := len(es) > 0
				for _, e := range es {
					all = all && e.kind == "drop"
				}
				if all && v.stopAt == nil {
					v.stopAt = es[0].at
				}
				any = any || all
			}
			v.stopped = v.stopped && any
		}
	}
	if w.readErr != nil {
		return v, fmt.Errorf("read rules in %s: %w", n.name, w.readErr)
	}
	return v, nil
}

// serviceInside decides, from cur's own rules, whether a packet to dst
// that no namespace owns stays in the lab there: every DNAT destination
// it may get is inside (checked on from cur), or cur's filter stops it.
// false with no error: cur's rules leave dst as it is, so the route walk
// goes on; a *RefusedError when a DNAT may send it out of the lab.
func (e *env) serviceInside(cur *nsEnv, dst net.IP, proto uint8, port int, src string, sent bool, depth int) (bool, error) {
	// The snapshot holds the iptables tables only: a namespace without
	// their rules may still have nft tables of its own (kube-proxy's
	// nftables mode), so the walk reads every IPv4 table.
	s := net.ParseIP(src)
	if s == nil {
		s = net.IPv4zero
	}
	v, err := cur.natWalk(proto, s, dst, port, sent)
	if err != nil {
		return false, nil // unreadable rules: the route walk decides alone
	}
	refuse := func(why string) error { return &RefusedError{Dst: dst.String(), Reason: why} }
	if v.unknown {
		return false, refuse(fmt.Sprintf("in %s the nat rules rewrite it in a way this check cannot follow", cur.name))
	}
	for _, t := range v.targets {
		to := net.ParseIP(t.addr)
		if to == nil {
			return false, refuse(fmt.Sprintf("in %s a DNAT in %s %s gives no address", cur.name, t.table, t.chain))
		}
		p := port
		if t.port != 0 {
			p = t.port
		}
		if err := e.checkInsideFrom(cur, to.To4(), proto, p, src, sent, true, depth+1); err != nil {
			var r *RefusedError
			if errors.As(err, &r) {
				return false, refuse(fmt.Sprintf("in %s the rule in %s %s may DNAT it to %s, and %s", cur.name, t.table, t.chain, t.addr, r.Reason))
			}
			return false, err
		}
	}
	if len(v.targets) > 0 {
		return !v.passes, nil
	}
	return v.stopped, nil
}
