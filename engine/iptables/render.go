package iptables

// render spells, word for word as `iptables -S` (iptables-nft 1.8.9)
// prints it, a rule that decode cannot turn into a Rule: kube-proxy's and
// flanneld's rules use matches and targets the Rule model does not hold
// (-m statistic, -m mark, -m addrtype, -j MARK, MASQUERADE --random-fully)
// and put -m comment before the port match, an order Rule cannot keep.
// Without it those rules came out as "# nft: ..." lines, and the journey
// had to run iptables-save in the namespace to name them. Each form below
// was read from `nft --debug=netlink list table ip nat` after adding the
// rule with iptables, and is held against the real `iptables -S` by the
// engine's fidelity tests (TestFidelityIptablesKubeProxy). Anything not
// known here reports false, and List falls back to describe.

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/nftables/expr"
	"github.com/google/nftables/xt"
)

// NAT range flags beyond those encode.go uses (linux/netfilter/nf_nat.h).
const (
	natProtoRandom      = 1 << 2
	natProtoRandomFully = 1 << 4
)

// xt_statistic modes and its one flag (linux/netfilter/xt_statistic.h).
const (
	statModeRandom = 0
	statModeNth    = 1
	statInvert     = 1
)

// xt_addrtype_info_v1 flags (linux/netfilter/xt_addrtype.h).
const (
	addrInvSrc   = 1 << 0
	addrInvDst   = 1 << 1
	addrLimitIn  = 1 << 2
	addrLimitOut = 1 << 3
)

// addrTypeNames are libxt_addrtype's names, bit i for name i.
var addrTypeNames = []string{"UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST", "MULTICAST",
	"BLACKHOLE", "UNREACHABLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE"}

// render returns the rule's `iptables -t TABLE -S` line with "-t TABLE "
// in front (as List prints every rule), or false when some expression is
// not one whose iptables form is known here.
func render(table, chain string, exprs []expr.Any) (string, bool) {
	var (
		src, dst, in, out, proto string
		front                    = map[string]bool{} // negations of the above, by option
		matches                  []string
		target                   []string
		sawPorts, done           bool
	)
	neg := func(not bool, words ...string) []string {
		if not {
			return append([]string{"!"}, words...)
		}
		return words
	}
	for i := 0; i < len(exprs); i++ {
		next := func() expr.Any {
			if i+1 < len(exprs) {
				i++
				return exprs[i]
			}
			return nil
		}
		if done {
			// Nothing but counters after the verdict or target.
			if _, ok := exprs[i].(*expr.Counter); !ok {
				return "", false
			}
			continue
		}
		switch x := exprs[i].(type) {
		case *expr.Counter:
		case *expr.Meta:
			if x.SourceRegister {
				return "", false
			}
			e := next()
			if x.Key == expr.MetaKeyMARK {
				mask := uint32(0xffffffff)
				if b, ok := e.(*expr.Bitwise); ok {
					if b.SourceRegister != x.Register || b.DestRegister != x.Register || len(b.Mask) != 4 || len(b.Xor) != 4 || binary.NativeEndian.Uint32(b.Xor) != 0 {
						return "", false
					}
					mask = binary.NativeEndian.Uint32(b.Mask)
					e = next()
				}
				c, ok := e.(*expr.Cmp)
				if !ok || c.Register != x.Register || (c.Op != expr.CmpOpEq && c.Op != expr.CmpOpNeq) || len(c.Data) != 4 {
					return "", false
				}
				matches = append(matches, "-m", "mark")
				matches = append(matches, neg(c.Op == expr.CmpOpNeq, "--mark", markText(binary.NativeEndian.Uint32(c.Data), mask))...)
				continue
			}
			c, ok := e.(*expr.Cmp)
			if !ok || c.Register != x.Register || (c.Op != expr.CmpOpEq && c.Op != expr.CmpOpNeq) || len(c.Data) == 0 {
				return "", false
			}
			not := c.Op == expr.CmpOpNeq
			switch x.Key {
			case expr.MetaKeyIIFNAME, expr.MetaKeyOIFNAME:
				name := ifaceName(c.Data)
				if name == "" || name == "+" || !validIface(name) {
					return "", false
				}
				if x.Key == expr.MetaKeyIIFNAME {
					if in != "" {
						return "", false
					}
					in, front["-i"] = name, not
				} else {
					if out != "" {
						return "", false
					}
					out, front["-o"] = name, not
				}
			case expr.MetaKeyL4PROTO:
				if len(c.Data) != 1 || c.Data[0] == 0 || proto != "" {
					return "", false
				}
				proto, front["-p"] = protoName(c.Data[0]), not
			default:
				return "", false
			}
		case *expr.Payload:
			if x.OperationType != expr.PayloadLoad {
				return "", false
			}
			e := next()
			var mask []byte
			if b, ok := e.(*expr.Bitwise); ok {
				mask = b.Mask
				e = next()
			}
			c, ok := e.(*expr.Cmp)
			if !ok || c.Register != x.DestRegister || (c.Op != expr.CmpOpEq && c.Op != expr.CmpOpNeq) || int(x.Len) != len(c.Data) {
				return "", false
			}
			not := c.Op == expr.CmpOpNeq
			switch {
			case x.Base == expr.PayloadBaseNetworkHeader && (x.Offset == offSaddr || x.Offset == offDaddr) && x.Len <= 4:
				p, ok := prefixFrom(c.Data, mask)
				if !ok {
					return "", false
				}
				if x.Offset == offSaddr {
					if src != "" {
						return "", false
					}
					src, front["-s"] = p, not
				} else {
					if dst != "" {
						return "", false
					}
					dst, front["-d"] = p, not
				}
			case x.Base == expr.PayloadBaseTransportHeader && mask == nil && (proto == "tcp" || proto == "udp") && !front["-p"] && !sawPorts:
				// iptables-nft turns a port compare back into a tcp/udp
				// match at this place among the matches.
				sawPorts = true
				matches = append(matches, "-m", proto)
				switch {
				case x.Offset == offSport && x.Len == 4 && !not:
					matches = append(matches, "--sport", strconv.Itoa(int(binary.BigEndian.Uint16(c.Data))),
						"--dport", strconv.Itoa(int(binary.BigEndian.Uint16(c.Data[2:]))))
				case x.Offset == offSport && x.Len == 2:
					matches = append(matches, neg(not, "--sport", strconv.Itoa(int(binary.BigEndian.Uint16(c.Data))))...)
				case x.Offset == offDport && x.Len == 2:
					matches = append(matches, neg(not, "--dport", strconv.Itoa(int(binary.BigEndian.Uint16(c.Data))))...)
				default:
					return "", false
				}
			default:
				return "", false
			}
		case *expr.Match:
			words, ok := renderMatch(x, proto, &sawPorts)
			if !ok {
				return "", false
			}
			matches = append(matches, words...)
		case *expr.Verdict:
			switch x.Kind {
			case expr.VerdictAccept:
				target = []string{"-j", "ACCEPT"}
			case expr.VerdictDrop:
				target = []string{"-j", "DROP"}
			case expr.VerdictReturn:
				target = []string{"-j", "RETURN"}
			case expr.VerdictJump:
				target = []string{"-j", x.Chain}
			case expr.VerdictGoto:
				target = []string{"-g", x.Chain}
			default:
				return "", false
			}
			done = true
		case *expr.Target:
			words, ok := renderTarget(x)
			if !ok {
				return "", false
			}
			target = append([]string{"-j", x.Name}, words...)
			done = true
		default:
			return "", false
		}
	}
	words := []string{"-t", table, "-A", chain}
	for _, f := range []struct{ opt, v string }{{"-s", src}, {"-d", dst}, {"-i", in}, {"-o", out}, {"-p", proto}} {
		if f.v != "" {
			words = append(words, neg(front[f.opt], f.opt, f.v)...)
		}
	}
	words = append(words, matches...)
	words = append(words, target...)
	return joinSaved(words, saveString), true
}

// markText prints a mark and mask as libxt_mark does: the mask only when
// it is not all ones.
func markText(mark, mask uint32) string {
	if mask == 0xffffffff {
		return fmt.Sprintf("0x%x", mark)
	}
	return fmt.Sprintf("0x%x/0x%x", mark, mask)
}

// renderMatch is an xt match's words as its libxt save function prints
// them.
func renderMatch(m *expr.Match, proto string, sawPorts *bool) ([]string, bool) {
	switch info := m.Info.(type) {
	case *xt.Comment:
		if m.Name != "comment" || *info == "" {
			return nil, false
		}
		return []string{"-m", "comment", "--comment", string(*info)}, true
	case *xt.ConntrackMtinfo1, *xt.ConntrackMtinfo2, *xt.ConntrackMtinfo3:
		var base xt.ConntrackMtinfoBase
		var mask uint16
		switch i := info.(type) {
		case *xt.ConntrackMtinfo1:
			base, mask = i.ConntrackMtinfoBase, uint16(i.StateMask)
		case *xt.ConntrackMtinfo2:
			base, mask = i.ConntrackMtinfoBase, i.StateMask
		case *xt.ConntrackMtinfo3:
			base, mask = i.ConntrackMtinfoBase, i.StateMask
		}
		if base.MatchFlags&^(ctFlagState|ctFlagStateAlias) != 0 || base.MatchFlags&ctFlagState == 0 || base.InvertFlags&^ctFlagState != 0 || mask == 0 {
			return nil, false
		}
		states := strings.Join(statesFromMask(mask), ",")
		not := base.InvertFlags&ctFlagState != 0
		w := []string{"-m", "conntrack"}
		opt := "--ctstate"
		if base.MatchFlags&ctFlagStateAlias != 0 {
			w, opt = []string{"-m", "state"}, "--state"
		}
		if not {
			w = append(w, "!")
		}
		return append(w, opt, states), true
	case *xt.AddrTypeV1:
		if info.Flags&^(addrInvSrc|addrInvDst|addrLimitIn|addrLimitOut) != 0 || (info.Source == 0 && info.Dest == 0) {
			return nil, false
		}
		w := []string{"-m", "addrtype"}
		for _, s := range []struct {
			types uint16
			inv   bool
			opt   string
		}{{info.Source, info.Flags&addrInvSrc != 0, "--src-type"}, {info.Dest, info.Flags&addrInvDst != 0, "--dst-type"}} {
			if s.types == 0 {
				continue
			}
			if s.inv {
				w = append(w, "!")
			}
			var names []string
			for b, name := range addrTypeNames {
				if s.types&(1<<b) != 0 {
					names = append(names, name)
				}
			}
			if s.types>>len(addrTypeNames) != 0 {
				return nil, false
			}
			w = append(w, s.opt, strings.Join(names, ","))
		}
		if info.Flags&addrLimitIn != 0 {
			w = append(w, "--limit-iface-in")
		}
		if info.Flags&addrLimitOut != 0 {
			w = append(w, "--limit-iface-out")
		}
		return w, true
	case *xt.Tcp:
		// "-m tcp" with nothing to match, as kube-proxy's KUBE-SEP DNAT
		// rules have it (-m tcp -p tcp -j DNAT ...).
		if m.Name != "tcp" || proto != "tcp" || *sawPorts || info.SrcPorts != [2]uint16{0, 65535} || info.DstPorts != [2]uint16{0, 65535} ||
			info.Option != 0 || info.FlagsMask != 0 || info.FlagsCmp != 0 || info.InvFlags != 0 {
			return nil, false
		}
		*sawPorts = true
		return []string{"-m", "tcp"}, true
	case *xt.Udp:
		if m.Name != "udp" || proto != "udp" || *sawPorts || info.SrcPorts != [2]uint16{0, 65535} || info.DstPorts != [2]uint16{0, 65535} || info.InvFlags != 0 {
			return nil, false
		}
		*sawPorts = true
		return []string{"-m", "udp"}, true
	case *xt.Unknown:
		if m.Name != "statistic" || m.Rev != 0 || len(*info) < 16 {
			return nil, false
		}
		b := []byte(*info)
		mode, flags := binary.NativeEndian.Uint16(b), binary.NativeEndian.Uint16(b[2:])
		if flags&^statInvert != 0 {
			return nil, false
		}
		w := []string{"-m", "statistic", "--mode"}
		switch mode {
		case statModeRandom:
			w = append(w, "random")
			if flags&statInvert != 0 {
				w = append(w, "!")
			}
			// The kernel compares a random 31-bit number with this
			// value, so 1/3 is kept as 715827883/2^31 and prints back
			// as 0.33333333349.
			p := float64(binary.NativeEndian.Uint32(b[4:])) / 0x80000000
			return append(w, "--probability", strconv.FormatFloat(p, 'f', 11, 64)), true
		case statModeNth:
			w = append(w, "nth")
			if flags&statInvert != 0 {
				w = append(w, "!")
			}
			every, packet := binary.NativeEndian.Uint32(b[4:]), binary.NativeEndian.Uint32(b[8:])
			return append(w, "--every", strconv.FormatUint(uint64(every)+1, 10), "--packet", strconv.FormatUint(uint64(packet), 10)), true
		}
	}
	return nil, false
}

// renderTarget is an xt target's option words (after "-j NAME") as its
// libxt save function prints them.
func renderTarget(t *expr.Target) ([]string, bool) {
	switch info := t.Info.(type) {
	case *xt.NatIPv4MultiRangeCompat:
		if len(*info) != 1 {
			return nil, false
		}
		n := (*info)[0]
		switch t.Name {
		case "MASQUERADE":
			if n.Flags&^uint(natProtoSpecifed|natProtoRandom|natProtoRandomFully) != 0 {
				return nil, false
			}
			var w []string
			if n.Flags&natProtoSpecifed != 0 {
				p := strconv.Itoa(int(n.MinPort))
				if n.MaxPort != n.MinPort {
					p += "-" + strconv.Itoa(int(n.MaxPort))
				}
				w = append(w, "--to-ports", p)
			}
			if n.Flags&natProtoRandom != 0 {
				w = append(w, "--random")
			}
			if n.Flags&natProtoRandomFully != 0 {
				w = append(w, "--random-fully")
			}
			return w, true
		case "SNAT", "DNAT":
			s, ok := natString(n.Flags, n.MinIP, n.MaxIP, n.MinPort, n.MaxPort)
			if !ok {
				return nil, false
			}
			return natWords(t.Name, s), true
		}
	case *xt.NatRange2:
		if t.Name != "DNAT" || info.BasePort != 0 {
			return nil, false
		}
		s, ok := natString(info.Flags, info.MinIP, info.MaxIP, info.MinPort, info.MaxPort)
		if !ok {
			return nil, false
		}
		return natWords(t.Name, s), true
	case *xt.NatRange:
		if t.Name != "DNAT" {
			return nil, false
		}
		s, ok := natString(info.Flags, info.MinIP, info.MaxIP, info.MinPort, info.MaxPort)
		if !ok {
			return nil, false
		}
		return natWords(t.Name, s), true
	case *xt.Unknown:
		b := []byte(*info)
		switch {
		case t.Name == "REJECT" && len(b) >= 4:
			code := binary.NativeEndian.Uint32(b)
			if int(code) >= len(rejectWith) || rejectWith[code] == "" {
				return nil, false
			}
			return []string{"--reject-with", rejectWith[code]}, true
		case t.Name == "MARK" && t.Rev == 2 && len(b) >= 8:
			// xt_mark_tginfo2: --or-mark M is mark M mask M, --xor-mark
			// M is mark M mask 0, --set-mark M is mark M mask ~0; libxt_MARK
			// prints every one of them as --set-xmark.
			return []string{"--set-xmark", fmt.Sprintf("0x%x/0x%x", binary.NativeEndian.Uint32(b), binary.NativeEndian.Uint32(b[4:]))}, true
		}
	}
	return nil, false
}

func natWords(target, to string) []string {
	if target == "SNAT" {
		return []string{"--to-source", to}
	}
	return []string{"--to-destination", to}
}
