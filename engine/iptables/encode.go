package iptables

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/xt"
	"golang.org/x/sys/unix"
)

// Everything below copies what iptables-nft 1.8.9 sends to the kernel
// (measured with `nft --debug=netlink list table ip nat`). iptables-nft
// refuses to list a table ("table `nat' is incompatible, use 'nft' tool") as
// soon as one expression is not of a kind it can translate back, so native
// nft forms such as the `masquerade` expression are never used here.

// Offsets in the IPv4 and TCP/UDP headers that iptables-nft matches on.
const (
	offSaddr = 12
	offDaddr = 16
	offSport = 0
	offDport = 2
)

// Bits of xt_conntrack_mtinfo's match_flags and invert_flags.
const (
	ctFlagState      = 1 << 0
	ctFlagStateAlias = 1 << 13 // set by "-m state", which iptables-nft maps onto conntrack
)

// NAT range flags (linux/netfilter/nf_nat.h).
const (
	natMapIPs        = 1 << 0
	natProtoSpecifed = 1 << 1
)

// chainSpec is how iptables-nft creates a built-in chain.
type chainSpec struct {
	typ  nftables.ChainType
	hook *nftables.ChainHook
	prio *nftables.ChainPriority
}

var chainSpecs = map[string]map[string]chainSpec{
	"nat": {
		"PREROUTING":  {nftables.ChainTypeNAT, nftables.ChainHookPrerouting, nftables.ChainPriorityNATDest},
		"INPUT":       {nftables.ChainTypeNAT, nftables.ChainHookInput, nftables.ChainPriorityNATSource},
		"OUTPUT":      {nftables.ChainTypeNAT, nftables.ChainHookOutput, nftables.ChainPriorityNATDest},
		"POSTROUTING": {nftables.ChainTypeNAT, nftables.ChainHookPostrouting, nftables.ChainPriorityNATSource},
	},
	"filter": {
		"INPUT":   {nftables.ChainTypeFilter, nftables.ChainHookInput, nftables.ChainPriorityFilter},
		"FORWARD": {nftables.ChainTypeFilter, nftables.ChainHookForward, nftables.ChainPriorityFilter},
		"OUTPUT":  {nftables.ChainTypeFilter, nftables.ChainHookOutput, nftables.ChainPriorityFilter},
	},
}

func table(name string) *nftables.Table {
	return &nftables.Table{Family: nftables.TableFamilyIPv4, Name: name}
}

// newChain describes the chain as iptables-nft creates it: built-in chains
// as base chains with policy accept, user chains as plain chains.
func newChain(t *nftables.Table, name string) *nftables.Chain {
	ch := &nftables.Chain{Table: t, Name: name}
	if s, ok := chainSpecs[t.Name][name]; ok {
		accept := nftables.ChainPolicyAccept
		ch.Type, ch.Hooknum, ch.Priority, ch.Policy = s.typ, s.hook, s.prio, &accept
	}
	return ch
}

// ifaceData is the cmp operand iptables-nft uses for an interface name: the
// name with its terminating NUL, or for a "+" wildcard only the prefix, so
// the comparison covers just those bytes.
func ifaceData(name string) []byte {
	if name[len(name)-1] == '+' {
		return []byte(name[:len(name)-1])
	}
	return append([]byte(name), 0)
}

func cmpOp(not bool) expr.CmpOp {
	if not {
		return expr.CmpOpNeq
	}
	return expr.CmpOpEq
}

// addrExprs matches a source or destination prefix: whole bytes are loaded
// and compared directly; a prefix that is not byte-aligned loads all four
// bytes and masks them first. That is iptables-nft's choice, and the one it
// reads back.
func addrExprs(offset uint32, cidr string, not bool) []expr.Any {
	p := netip.MustParsePrefix(cidr)
	a := p.Addr().As4()
	bits := p.Bits()
	if bits%8 == 0 {
		n := uint32(bits / 8)
		return []expr.Any{
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: offset, Len: n},
			&expr.Cmp{Op: cmpOp(not), Register: 1, Data: append([]byte(nil), a[:n]...)},
		}
	}
	mask := net.CIDRMask(bits, 32)
	return []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: offset, Len: 4},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: []byte(mask), Xor: make([]byte, 4)},
		&expr.Cmp{Op: cmpOp(not), Register: 1, Data: a[:]},
	}
}

func be16(n int) []byte { return binary.BigEndian.AppendUint16(nil, uint16(n)) }

// portExprs matches tcp/udp ports natively, as iptables-nft translates
// "-m tcp": both ports in one 4-byte load when both are given.
func portExprs(r Rule) []expr.Any {
	load := func(off, n uint32) *expr.Payload {
		return &expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: off, Len: n}
	}
	switch {
	case r.SPort != 0 && r.DPort != 0:
		return []expr.Any{load(offSport, 4), &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: append(be16(r.SPort), be16(r.DPort)...)}}
	case r.SPort != 0:
		return []expr.Any{load(offSport, 2), &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: be16(r.SPort)}}
	case r.DPort != 0:
		return []expr.Any{load(offDport, 2), &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: be16(r.DPort)}}
	}
	return nil
}

var zero4 = net.IPv4zero.To4()

// ctMatch is the xtables conntrack match, revision 3, that iptables-nft
// uses for both "-m conntrack --ctstate" and "-m state --state".
func ctMatch(r Rule) *expr.Match {
	mask, _ := stateMask(r.CTState)
	var flags, inv uint16 = ctFlagState, 0
	if r.StateMatch {
		flags |= ctFlagStateAlias
	}
	if r.NotCTState {
		inv = ctFlagState
	}
	m := zero4
	mk := net.IPMask(zero4)
	return &expr.Match{Name: "conntrack", Rev: 3, Info: &xt.ConntrackMtinfo3{
		ConntrackMtinfo2: xt.ConntrackMtinfo2{
			ConntrackMtinfoBase: xt.ConntrackMtinfoBase{
				OrigSrcAddr: m, OrigSrcMask: mk, OrigDstAddr: m, OrigDstMask: mk,
				ReplSrcAddr: m, ReplSrcMask: mk, ReplDstAddr: m, ReplDstMask: mk,
				MatchFlags: flags, InvertFlags: inv,
			},
			StateMask: mask,
		},
	}}
}

func natFlags(nr natRange) uint {
	var f uint
	if nr.minIP.IsValid() {
		f |= natMapIPs
	}
	if nr.minPort != 0 {
		f |= natProtoSpecifed
	}
	return f
}

func ipOrZero(a netip.Addr) net.IP {
	if !a.IsValid() {
		return zero4
	}
	b := a.As4()
	return net.IP(b[:])
}

// targetExprs is the verdict part of the rule. MASQUERADE and SNAT use
// revision 0 (the IPv4 multi-range struct), DNAT revision 2, REJECT
// revision 0: the revisions iptables-nft 1.8.9 picks on this kernel.
func targetExprs(r Rule) ([]expr.Any, error) {
	switch r.Target {
	case "":
		return nil, nil
	case "ACCEPT":
		return []expr.Any{&expr.Verdict{Kind: expr.VerdictAccept}}, nil
	case "DROP":
		return []expr.Any{&expr.Verdict{Kind: expr.VerdictDrop}}, nil
	case "RETURN":
		return []expr.Any{&expr.Verdict{Kind: expr.VerdictReturn}}, nil
	case "MASQUERADE":
		return []expr.Any{&expr.Target{Name: "MASQUERADE", Rev: 0, Info: &xt.NatIPv4MultiRangeCompat{{MinIP: zero4, MaxIP: zero4}}}}, nil
	case "SNAT":
		nr, err := parseNatRange(r.ToSource)
		if err != nil {
			return nil, err
		}
		return []expr.Any{&expr.Target{Name: "SNAT", Rev: 0, Info: &xt.NatIPv4MultiRangeCompat{{
			Flags: natFlags(nr), MinIP: ipOrZero(nr.minIP), MaxIP: ipOrZero(nr.maxIP), MinPort: nr.minPort, MaxPort: nr.maxPort,
		}}}}, nil
	case "DNAT":
		nr, err := parseNatRange(r.ToDest)
		if err != nil {
			return nil, err
		}
		return []expr.Any{&expr.Target{Name: "DNAT", Rev: 2, Info: &xt.NatRange2{NatRange: xt.NatRange{
			Flags: natFlags(nr), MinIP: ipOrZero(nr.minIP), MaxIP: ipOrZero(nr.maxIP), MinPort: nr.minPort, MaxPort: nr.maxPort,
		}}}}, nil
	case "REJECT":
		code := uint32(defaultRejectWith)
		if r.RejectWith != "" {
			for n, name := range rejectWith {
				if name == r.RejectWith {
					code = uint32(n)
				}
			}
		}
		// struct ipt_reject_info { enum with; } padded to 8 bytes, in host
		// byte order.
		info := make(xt.Unknown, 8)
		binary.NativeEndian.PutUint32(info, code)
		return []expr.Any{&expr.Target{Name: "REJECT", Rev: 0, Info: &info}}, nil
	}
	return []expr.Any{&expr.Verdict{Kind: expr.VerdictJump, Chain: r.Target}}, nil
}

// exprs encodes the rule as iptables-nft does: interfaces, protocol,
// addresses, matches in rule order, a counter, then the target.
func (r Rule) exprs() ([]expr.Any, error) {
	r = r.Canonical()
	if err := r.validate(); err != nil {
		return nil, err
	}
	var e []expr.Any
	if r.In != "" {
		e = append(e, &expr.Meta{Key: expr.MetaKeyIIFNAME, Register: 1}, &expr.Cmp{Op: cmpOp(r.NotIn), Register: 1, Data: ifaceData(r.In)})
	}
	if r.Out != "" {
		e = append(e, &expr.Meta{Key: expr.MetaKeyOIFNAME, Register: 1}, &expr.Cmp{Op: cmpOp(r.NotOut), Register: 1, Data: ifaceData(r.Out)})
	}
	if r.Proto != "" {
		n, _ := protoNumber(r.Proto)
		e = append(e, &expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1}, &expr.Cmp{Op: cmpOp(r.NotProto), Register: 1, Data: []byte{n}})
	}
	if r.Src != "" {
		e = append(e, addrExprs(offSaddr, r.Src, r.NotSrc)...)
	}
	if r.Dst != "" {
		e = append(e, addrExprs(offDaddr, r.Dst, r.NotDst)...)
	}
	var ct []expr.Any
	if len(r.CTState) > 0 {
		ct = []expr.Any{ctMatch(r)}
	}
	if r.ctFirst {
		e = append(append(e, ct...), portExprs(r)...)
	} else {
		e = append(append(e, portExprs(r)...), ct...)
	}
	if r.Comment != "" {
		c := xt.Comment(r.Comment)
		e = append(e, &expr.Match{Name: "comment", Rev: 0, Info: &c})
	}
	e = append(e, &expr.Counter{})
	t, err := targetExprs(r)
	if err != nil {
		return nil, err
	}
	return append(e, t...), nil
}

// sameExprs reports whether two expression lists are the same rule, counter
// values aside. xtables payloads are compared in their marshalled form, since
// the kernel hands them back with IPs in 4 bytes where we may have used 16.
func sameExprs(a, b []expr.Any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameExpr(a[i], b[i]) {
			return false
		}
	}
	return true
}

func sameExpr(a, b expr.Any) bool {
	switch x := a.(type) {
	case *expr.Counter:
		_, ok := b.(*expr.Counter)
		return ok
	case *expr.Match:
		y, ok := b.(*expr.Match)
		return ok && x.Name == y.Name && x.Rev == y.Rev && sameInfo(x.Info, y.Info, x.Rev)
	case *expr.Target:
		y, ok := b.(*expr.Target)
		return ok && x.Name == y.Name && x.Rev == y.Rev && sameInfo(x.Info, y.Info, x.Rev)
	case *expr.Meta:
		y, ok := b.(*expr.Meta)
		return ok && *x == *y
	case *expr.Payload:
		y, ok := b.(*expr.Payload)
		return ok && *x == *y
	case *expr.Verdict:
		y, ok := b.(*expr.Verdict)
		return ok && *x == *y
	case *expr.Cmp:
		y, ok := b.(*expr.Cmp)
		return ok && x.Op == y.Op && x.Register == y.Register && string(x.Data) == string(y.Data)
	case *expr.Bitwise:
		y, ok := b.(*expr.Bitwise)
		return ok && x.SourceRegister == y.SourceRegister && x.DestRegister == y.DestRegister && x.Len == y.Len &&
			string(x.Mask) == string(y.Mask) && string(x.Xor) == string(y.Xor)
	}
	return false
}

func sameInfo(a, b xt.InfoAny, rev uint32) bool {
	if a == nil || b == nil {
		return a == b
	}
	x, err1 := xt.Marshal(xt.TableFamily(unix.NFPROTO_IPV4), rev, a)
	y, err2 := xt.Marshal(xt.TableFamily(unix.NFPROTO_IPV4), rev, b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// errorf prefixes errors with the package name so a caller's log says where
// they came from.
func errorf(format string, a ...any) error { return fmt.Errorf("iptables: "+format, a...) }
