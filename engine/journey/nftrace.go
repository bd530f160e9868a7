package journey

import (
	"encoding/binary"
	"fmt"
	"os"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/nettutor/nettutor/engine/nsutil"
	"golang.org/x/sys/unix"
)

// tableFlagOwner is NFT_TABLE_F_OWNER: the table belongs to the netlink
// socket that made it, and the kernel deletes it when that socket closes,
// even when nettutor is killed.
const tableFlagOwner = 0x2

// traceTableName is the table of nettutor's tracing rules.
var traceTableName = fmt.Sprintf("nettutor_trace_%d", os.Getpid())

// tracer holds, in one namespace, the owned table that sets nftrace on
// the probe's packets and the socket that hears the trace events.
type tracer struct {
	ns    *nsEnv
	conn  *nftables.Conn // reads the rules that trace events name
	owner int            // the socket that made the table, and so owns it
	fd    int            // NETLINK_NETFILTER socket in the NFNLGRP_NFTRACE group
	// chainRules holds each chain's rules once read (fastrules.go).
	chainRules map[string][]*nftables.Rule
}

// startTracers sets `meta nftrace set 1` on the probe's packets in every
// namespace that has netfilter rules or a non-accept policy (elsewhere no
// rule can decide anything). The match is the probe's own port (or ICMP
// echo id) in either direction, so it holds after NAT rewrites addresses.
// A namespace where it cannot be set up is left to the inferred rules.
//
// With all set (a destination no namespace owns: a Service address, which
// nft tables the snapshot does not list may translate), every namespace
// is traced.
func (e *env) startTracers(proto uint8, port int, all bool) []*tracer {
	var nss []*nsEnv
	for _, n := range e.nss {
		if len(n.rules) == 0 && !hasDropPolicy(n) && !all {
			continue
		}
		nss = append(nss, n)
	}
	return startTracersIn(nss, proto, port) // fastrules.go
}

func hasDropPolicy(n *nsEnv) bool {
	for _, p := range n.policy {
		if p == "DROP" {
			return true
		}
	}
	return false
}

func (n *nsEnv) startTracer(proto uint8, port int) (*tracer, error) {
	t := &tracer{ns: n, fd: -1, owner: -1}
	err := nsutil.Do(n.fd, func() error {
		fd, err := nfnetlinkSocket()
		if err != nil {
			return err
		}
		if err := unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_ADD_MEMBERSHIP, unix.NFNLGRP_NFTRACE); err != nil {
			unix.Close(fd)
			return err
		}
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 1<<20)
		t.fd = fd
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("trace events in %s: %w", n.name, err)
	}
	c := n.nft // the namespace's lasting connection, when it has one
	if c == nil {
		if c, err = nftables.New(nftables.WithNetNSFd(int(n.fd))); err != nil {
			unix.Close(t.fd)
			return nil, fmt.Errorf("nftables in %s: %w", n.name, err)
		}
	}
	t.conn = c
	// google/nftables cannot set a table's flags, and an owned table takes
	// changes only from its owner's socket: the whole table goes in one
	// batch of our own, on a socket that stays open while the trace runs.
	var msgs [][]byte
	msgs = append(msgs, nftMsg(unix.NFT_MSG_NEWTABLE, attr(unix.NFTA_TABLE_NAME, cstrBytes(traceTableName)), attr(unix.NFTA_TABLE_FLAGS, be32b(tableFlagOwner))))
	offsets := []uint32{0, 2} // source and destination port
	if proto == 1 {
		offsets = []uint32{4} // the echo id, in request and reply alike
	}
	for _, hk := range []struct {
		name string
		hook uint32
	}{{"pre", unix.NF_INET_PRE_ROUTING}, {"out", unix.NF_INET_LOCAL_OUT}} {
		// Priority -350: before conntrack (-200) and every iptables table.
		prio := int32(-350)
		msgs = append(msgs, nftMsg(unix.NFT_MSG_NEWCHAIN,
			attr(unix.NFTA_CHAIN_TABLE, cstrBytes(traceTableName)),
			attr(unix.NFTA_CHAIN_NAME, cstrBytes(hk.name)),
			attr(unix.NLA_F_NESTED|unix.NFTA_CHAIN_HOOK, attr(unix.NFTA_HOOK_HOOKNUM, be32b(hk.hook)), attr(unix.NFTA_HOOK_PRIORITY, be32b(uint32(prio)))),
			attr(unix.NFTA_CHAIN_TYPE, cstrBytes("filter"))))
		for _, off := range offsets {
			var elems [][]byte
			for _, e := range []expr.Any{
				&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
				&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{proto}},
				&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: off, Len: 2},
				&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binary.BigEndian.AppendUint16(nil, uint16(port))},
				&expr.Immediate{Register: 1, Data: []byte{1}},
				&expr.Meta{Key: expr.MetaKeyNFTRACE, SourceRegister: true, Register: 1},
			} {
				b, err := expr.Marshal(unix.NFPROTO_IPV4, e)
				if err != nil {
					t.close()
					return nil, fmt.Errorf("trace rule: %w", err)
				}
				elems = append(elems, attr(unix.NLA_F_NESTED|unix.NFTA_LIST_ELEM, b))
			}
			msgs = append(msgs, nftMsg(unix.NFT_MSG_NEWRULE,
				attr(unix.NFTA_RULE_TABLE, cstrBytes(traceTableName)),
				attr(unix.NFTA_RULE_CHAIN, cstrBytes(hk.name)),
				attr(unix.NLA_F_NESTED|unix.NFTA_RULE_EXPRESSIONS, elems...)))
		}
	}
	err = nsutil.Do(n.fd, func() error {
		fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_NETFILTER)
		if err != nil {
			return err
		}
		t.owner = fd
		return unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK})
	})
	if err == nil {
		err = sendBatch(t.owner, msgs)
	}
	if err != nil {
		t.close()
		return nil, fmt.Errorf("trace table in %s: %w", n.name, err)
	}
	return t, nil
}

// attr is one netlink attribute; nested ones take their children's bytes.
func attr(typ uint16, data ...[]byte) []byte {
	var body []byte
	for _, d := range data {
		body = append(body, d...)
	}
	b := make([]byte, 4, 4+len(body)+3)
	binary.NativeEndian.PutUint16(b[0:2], uint16(4+len(body)))
	binary.NativeEndian.PutUint16(b[2:4], typ)
	b = append(b, body...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func cstrBytes(s string) []byte { return append([]byte(s), 0) }

func be32b(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// nftMsg is an nf_tables message body (nfgenmsg and attributes) with
// its type; sendBatch adds the headers.
func nftMsg(typ uint16, attrs ...[]byte) []byte {
	b := []byte{unix.NFPROTO_IPV4, 0, 0, 0}
	for _, a := range attrs {
		b = append(b, a...)
	}
	return append(binary.NativeEndian.AppendUint16(nil, typ), b...)
}

// sendBatch sends msgs in one nfnetlink batch and waits for each ack.
func sendBatch(fd int, msgs [][]byte) error {
	var out []byte
	seq := uint32(1)
	put := func(typ uint16, flags uint16, body []byte) {
		h := make([]byte, 16)
		binary.NativeEndian.PutUint32(h[0:4], uint32(16+len(body)))
		binary.NativeEndian.PutUint16(h[4:6], typ)
		binary.NativeEndian.PutUint16(h[6:8], flags)
		binary.NativeEndian.PutUint32(h[8:12], seq)
		seq++
		out = append(out, h...)
		out = append(out, body...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	batchHdr := []byte{unix.AF_UNSPEC, 0, 0, unix.NFNL_SUBSYS_NFTABLES}
	put(unix.NFNL_MSG_BATCH_BEGIN, unix.NLM_F_REQUEST, batchHdr)
	for _, m := range msgs {
		typ := uint16(unix.NFNL_SUBSYS_NFTABLES)<<8 | binary.NativeEndian.Uint16(m[0:2])
		put(typ, unix.NLM_F_REQUEST|unix.NLM_F_CREATE|unix.NLM_F_ACK, m[2:])
	}
	put(unix.NFNL_MSG_BATCH_END, unix.NLM_F_REQUEST, batchHdr)
	if err := unix.Sendto(fd, out, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return err
	}
	tv := unix.NsecToTimeval(int64(time.Second))
	_ = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	buf := make([]byte, 1<<16)
	for acks := 0; acks < len(msgs); {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			return fmt.Errorf("nftables ack: %w", err)
		}
		ms, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return err
		}
		for _, m := range ms {
			if m.Header.Type == unix.NLMSG_ERROR && len(m.Data) >= 4 {
				if e := int32(binary.NativeEndian.Uint32(m.Data[0:4])); e != 0 {
					return fmt.Errorf("nftables: %w", syscall.Errno(-e))
				}
				acks++
			}
		}
	}
	return nil
}

// close drops the table (closing the owning socket is enough) and the
// event socket.
func (t *tracer) close() {
	if t.owner >= 0 {
		t.dropTable() // fastrules.go: the close then waits for nothing
		unix.Close(t.owner)
	}
	if t.fd >= 0 {
		unix.Close(t.fd)
	}
}

// traceEvent is one NFT_MSG_TRACE message.
type traceEvent struct {
	ns      string
	id      uint32
	typ     uint32 // NFT_TRACETYPE_*
	table   string
	chain   string
	handle  uint64
	verdict int32
	target  string // the chain of a jump or goto
	policy  uint32
	hasVerd bool
	hasPol  bool
}

// read takes the events queued on the socket (they are sent as the packet
// passes, so they are all there once the captures settled).
func (t *tracer) read() []traceEvent {
	var out []traceEvent
	buf := make([]byte, 1<<16)
	for {
		n, _, err := unix.Recvfrom(t.fd, buf, unix.MSG_DONTWAIT)
		if err != nil || n <= 0 {
			return out
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			continue
		}
		for _, m := range msgs {
			if m.Header.Type != unix.NFNL_SUBSYS_NFTABLES<<8|unix.NFT_MSG_TRACE || len(m.Data) < 4 {
				continue
			}
			ev := traceEvent{ns: t.ns.name}
			for _, a := range attrs(m.Data[4:]) {
				switch a.typ {
				case unix.NFTA_TRACE_TABLE:
					ev.table = cstr(a.data)
				case unix.NFTA_TRACE_CHAIN:
					ev.chain = cstr(a.data)
				case unix.NFTA_TRACE_RULE_HANDLE:
					if len(a.data) == 8 {
						ev.handle = binary.BigEndian.Uint64(a.data)
					}
				case unix.NFTA_TRACE_TYPE:
					ev.typ = be32(a.data)
				case unix.NFTA_TRACE_ID:
					ev.id = be32(a.data)
				case unix.NFTA_TRACE_POLICY:
					ev.policy, ev.hasPol = be32(a.data), true
				case unix.NFTA_TRACE_VERDICT:
					for _, v := range attrs(a.data) {
						switch v.typ {
						case unix.NFTA_VERDICT_CODE:
							ev.verdict, ev.hasVerd = int32(be32(v.data)), true
						case unix.NFTA_VERDICT_CHAIN:
							ev.target = cstr(v.data)
						}
					}
				}
			}
			if ev.table != traceTableName {
				out = append(out, ev)
			}
		}
	}
}

type nlattr struct {
	typ  uint16
	data []byte
}

func attrs(b []byte) []nlattr {
	var out []nlattr
	for len(b) >= 4 {
		l := int(binary.NativeEndian.Uint16(b[0:2]))
		if l < 4 || l > len(b) {
			break
		}
		out = append(out, nlattr{binary.NativeEndian.Uint16(b[2:4]) & 0x3fff, b[4:l]})
		al := (l + 3) &^ 3
		if al > len(b) {
			break
		}
		b = b[al:]
	}
	return out
}

func be32(b []byte) uint32 {
	if len(b) < 4 {
		return 0
	}
	return binary.BigEndian.Uint32(b)
}

func cstr(b []byte) string { return strings.TrimRight(string(b), "\x00") }

// verdictName is an nftables verdict as the journey says it.
func verdictName(v int32) string {
	switch v {
	case 0:
		return "drop"
	case 1:
		return "accept"
	case -1:
		return "continue"
	case -2:
		return "break"
	case -3:
		return "jump"
	case -4:
		return "goto"
	case -5:
		return "return"
	}
	return fmt.Sprint(v)
}

// ruleByHandle maps a rule handle of table/chain to its iptables -S line:
// the kernel lists a chain's rules in the order iptables -S prints them.
func (t *tracer) ruleByHandle(table, chain string, handle uint64) string {
	rs, err := t.getRules(table, chain)
	if err != nil {
		return ""
	}
	idx := -1
	for i, r := range rs {
		if r.Handle == handle {
			idx = i
		}
	}
	if idx < 0 {
		return ""
	}
	prefix := "-t " + table + " -A " + chain + " "
	k := 0
	for _, line := range t.ns.snap.Rules {
		if strings.HasPrefix(line, prefix) || strings.HasPrefix(line, "# nft: ip "+table+" "+chain+":") {
			if k == idx {
				if strings.HasPrefix(line, "# nft:") {
					// Not in a form the snapshot prints: iptables-save's line.
					if t.ns.save == nil {
						// Not started ahead (off the walked path): now.
						t.ns.save = t.ns.startSave()
					}
					if s := t.ns.save.line(table, chain, idx, time.Second); s != "" {
						return s
					}
				}
				return strings.TrimPrefix(line, "-t "+table+" ")
			}
			k++
		}
	}
	return ""
}

// hits turns trace events into the rules crossed, as iptables -S lines:
// each rule that decided (accept, drop, a jump or return) and each policy
// applied. Rules that only count or log are left out.
func (t *tracer) hits(evs []traceEvent) []RuleHit {
	var out []RuleHit
	seen := map[RuleHit]bool{}
	for _, ev := range evs {
		h := RuleHit{NS: ev.ns, Table: ev.table, Chain: ev.chain, Source: "observed"}
		switch ev.typ {
		case unix.NFT_TRACETYPE_RULE:
			if !ev.hasVerd || ev.verdict == -1 {
				continue
			}
			h.Rule = t.ruleByHandle(ev.table, ev.chain, ev.handle)
			if h.Rule == "" {
				h.Rule = fmt.Sprintf("# nft: ip %s %s handle %d", ev.table, ev.chain, ev.handle)
			}
			h.Verdict = verdictName(ev.verdict)
			if ev.target != "" {
				h.Verdict += " " + ev.target
			}
			if ev.table != "filter" && h.Verdict == "accept" {
				h.Verdict = natVerdict(h.Rule)
				if h.Verdict == "accept" && ev.table != "nat" {
					// A native nft rule (kube-proxy's nftables mode, `dnat
					// to`): its expressions say what it did.
					h.Verdict = t.nativeNAT(ev.table, ev.chain, ev.handle)
				}
			}
		case unix.NFT_TRACETYPE_POLICY:
			p := "ACCEPT"
			if ev.hasPol && ev.policy == 0 || ev.hasVerd && ev.verdict == 0 {
				p = "DROP"
			}
			h.Rule = "-P " + ev.chain + " " + p
			h.Verdict = strings.ToLower(p)
			if p == "ACCEPT" {
				continue // the default: it decided nothing worth a line
			}
		default:
			continue
		}
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}

func natVerdict(rule string) string {
	switch {
	case strings.Contains(rule, "-j MASQUERADE"), strings.Contains(rule, "-j SNAT"),
		strings.Contains(rule, "target MASQUERADE"), strings.Contains(rule, "target SNAT"):
		return "snat"
	case strings.Contains(rule, "-j DNAT"), strings.Contains(rule, "target DNAT"):
		return "dnat"
	}
	return "accept"
}

// useObserved puts the rules seen by nftables tracing in place of the
// inferred ones, namespace by namespace, and marks a drop the kernel
// reported as observed.
func useObserved(j *Journey, observed map[string][]RuleHit) {
	if len(observed) == 0 {
		return
	}
	var rules []RuleHit
	for _, r := range j.Rules {
		if _, traced := observed[r.NS]; !traced {
			rules = append(rules, r)
		}
	}
	var names []string
	for ns := range observed {
		names = append(names, ns)
	}
	// The namespaces in the order the packet met them (the request's hops,
	// then the reply's), so the rules read in the packet's order.
	rank := map[string]int{}
	hops := append([]Hop{}, j.Hops...)
	if j.Reply != nil {
		hops = append(hops, j.Reply.Hops...)
	}
	for i, h := range hops {
		if _, ok := rank[h.NS]; !ok {
			rank[h.NS] = i + 1
		}
	}
	sort.SliceStable(names, func(a, b int) bool {
		ra, rb := rank[names[a]], rank[names[b]]
		if ra == 0 {
			ra = 1 << 30
		}
		if rb == 0 {
			rb = 1 << 30
		}
		if ra != rb {
			return ra < rb
		}
		return names[a] < names[b]
	})
	for _, ns := range names {
		rules = append(rules, observed[ns]...)
	}
	j.Rules = rules
	if j.Drop != nil {
		for _, h := range observed[j.Drop.NS] {
			if h.Verdict == "drop" && (j.Drop.Rule == "" || j.Drop.Rule == h.Rule || j.Drop.Reason == ReasonRule || j.Drop.Reason == ReasonPolicy || j.Drop.Reason == ReasonBrNF) {
				j.Drop.Rule = h.Rule
				j.Drop.Observed = true
			}
		}
	}
	j.Evidence.Observed = append(j.Evidence.Observed, "rules in "+strings.Join(names, ", ")+" (nftables trace events, meta nftrace on the probe's packets)")
	inferredNS := map[string]bool{}
	for _, r := range j.Rules {
		if r.Source == "inferred" {
			inferredNS[r.NS] = true
		}
	}
	var inf []string
	for _, s := range j.Evidence.Inferred {
		switch {
		case strings.HasPrefix(s, "rules") && len(inferredNS) == 0:
			continue // every rule shown was seen by the trace
		case s == "drop" && j.Drop != nil && j.Drop.Observed:
			s = "drop (the place and reason; the rule itself was observed)"
		}
		inf = append(inf, s)
	}
	j.Evidence.Inferred = inf
}

func sortStrings(s []string) { sort.Strings(s) }

// nativeNAT is "dnat" or "snat" for a rule of table/chain with a native
// nat or masquerade expression, "accept" for any other.
func (t *tracer) nativeNAT(table, chain string, handle uint64) string {
	rs, err := t.getRules(table, chain)
	if err != nil {
		return "accept"
	}
	for _, r := range rs {
		if r.Handle != handle {
			continue
		}
		for _, e := range r.Exprs {
			switch x := e.(type) {
			case *expr.NAT:
				if x.Type == expr.NATTypeDestNAT {
					return "dnat"
				}
				return "snat"
			case *expr.Masq:
				return "snat"
			}
		}
	}
	return "accept"
}
