package iptables

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/google/nftables/expr"
	"github.com/google/nftables/xt"
)

// decode turns the expressions of one rule back into a Rule. It succeeds
// only when encoding the result gives the very same expressions, so a rule
// it returns is one `iptables -S` prints exactly as Spec does; anything
// else (native nft rules, iptables options we do not model) reports false
// and is rendered by describe instead.
func decode(table, chain string, exprs []expr.Any) (Rule, bool) {
	r := Rule{Table: table, Chain: chain}
	sawPorts := false
	for i := 0; i < len(exprs); i++ {
		next := func() expr.Any {
			if i+1 < len(exprs) {
				i++
				return exprs[i]
			}
			return nil
		}
		switch x := exprs[i].(type) {
		case *expr.Meta:
			c, ok := next().(*expr.Cmp)
			if !ok || c.Register != x.Register || (c.Op != expr.CmpOpEq && c.Op != expr.CmpOpNeq) || len(c.Data) == 0 {
				return r, false
			}
			not := c.Op == expr.CmpOpNeq
			switch x.Key {
			case expr.MetaKeyIIFNAME, expr.MetaKeyOIFNAME:
				name := ifaceName(c.Data)
				if name == "" || name == "+" || !validIface(name) {
					return r, false
				}
				if x.Key == expr.MetaKeyIIFNAME {
					r.In, r.NotIn = name, not
				} else {
					r.Out, r.NotOut = name, not
				}
			case expr.MetaKeyL4PROTO:
				if len(c.Data) != 1 || c.Data[0] == 0 {
					return r, false
				}
				r.Proto, r.NotProto = protoName(c.Data[0]), not
			default:
				return r, false
			}
		case *expr.Payload:
			if x.OperationType != expr.PayloadLoad {
				return r, false
			}
			e := next()
			var mask []byte
			if b, ok := e.(*expr.Bitwise); ok {
				mask = b.Mask
				e = next()
			}
			c, ok := e.(*expr.Cmp)
			if !ok || (c.Op != expr.CmpOpEq && c.Op != expr.CmpOpNeq) || int(x.Len) != len(c.Data) {
				return r, false
			}
			not := c.Op == expr.CmpOpNeq
			switch {
			case x.Base == expr.PayloadBaseNetworkHeader && (x.Offset == offSaddr || x.Offset == offDaddr) && x.Len <= 4:
				p, ok := prefixFrom(c.Data, mask)
				if !ok {
					return r, false
				}
				if x.Offset == offSaddr {
					r.Src, r.NotSrc = p, not
				} else {
					r.Dst, r.NotDst = p, not
				}
			case x.Base == expr.PayloadBaseTransportHeader && mask == nil && !not:
				switch {
				case x.Offset == offSport && x.Len == 4:
					r.SPort = int(binary.BigEndian.Uint16(c.Data))
					r.DPort = int(binary.BigEndian.Uint16(c.Data[2:]))
				case x.Offset == offSport && x.Len == 2:
					r.SPort = int(binary.BigEndian.Uint16(c.Data))
				case x.Offset == offDport && x.Len == 2:
					r.DPort = int(binary.BigEndian.Uint16(c.Data))
				default:
					return r, false
				}
				sawPorts = true
			default:
				return r, false
			}
		case *expr.Match:
			if x.Name == "comment" {
				c, ok := x.Info.(*xt.Comment)
				if !ok || *c == "" || r.Comment != "" {
					return r, false
				}
				r.Comment = string(*c)
				continue
			}
			if x.Name != "conntrack" {
				return r, false
			}
			var base xt.ConntrackMtinfoBase
			var mask uint16
			switch info := x.Info.(type) {
			case *xt.ConntrackMtinfo1:
				base, mask = info.ConntrackMtinfoBase, uint16(info.StateMask)
			case *xt.ConntrackMtinfo2:
				base, mask = info.ConntrackMtinfoBase, info.StateMask
			case *xt.ConntrackMtinfo3:
				base, mask = info.ConntrackMtinfoBase, info.StateMask
			default:
				return r, false
			}
			if base.MatchFlags&^(ctFlagState|ctFlagStateAlias) != 0 || base.InvertFlags&^ctFlagState != 0 || mask == 0 {
				return r, false
			}
			r.CTState = statesFromMask(mask)
			r.NotCTState = base.InvertFlags&ctFlagState != 0
			r.StateMatch = base.MatchFlags&ctFlagStateAlias != 0
			r.ctFirst = !sawPorts
		case *expr.Counter:
		case *expr.Verdict:
			switch x.Kind {
			case expr.VerdictAccept:
				r.Target = "ACCEPT"
			case expr.VerdictDrop:
				r.Target = "DROP"
			case expr.VerdictReturn:
				r.Target = "RETURN"
			case expr.VerdictJump:
				r.Target = x.Chain
			default:
				return r, false
			}
		case *expr.Target:
			r.Target = x.Name
			switch info := x.Info.(type) {
			case *xt.NatIPv4MultiRangeCompat:
				if len(*info) != 1 {
					return r, false
				}
				n := (*info)[0]
				s, ok := natString(n.Flags, n.MinIP, n.MaxIP, n.MinPort, n.MaxPort)
				if !ok {
					return r, false
				}
				r.setNat(s)
			case *xt.NatRange2:
				if info.BasePort != 0 {
					return r, false
				}
				s, ok := natString(info.Flags, info.MinIP, info.MaxIP, info.MinPort, info.MaxPort)
				if !ok {
					return r, false
				}
				r.setNat(s)
			case *xt.NatRange:
				s, ok := natString(info.Flags, info.MinIP, info.MaxIP, info.MinPort, info.MaxPort)
				if !ok {
					return r, false
				}
				r.setNat(s)
			case *xt.Unknown:
				if x.Name != "REJECT" || len(*info) < 4 {
					return r, false
				}
				code := binary.NativeEndian.Uint32(*info)
				if int(code) >= len(rejectWith) || rejectWith[code] == "" {
					return r, false
				}
				if code != defaultRejectWith {
					r.RejectWith = rejectWith[code]
				}
			default:
				return r, false
			}
		default:
			return r, false
		}
	}
	if r.ctFirst && !sawPorts {
		r.ctFirst = false
	}
	// MASQUERADE with options (ports, --random) would decode as plain
	// MASQUERADE: the re-encoding check below catches that and any other
	// detail we dropped.
	again, err := r.exprs()
	if err != nil || !sameExprs(again, exprs) {
		return r, false
	}
	return r, true
}

func (r *Rule) setNat(s string) {
	switch r.Target {
	case "SNAT":
		r.ToSource = s
	case "DNAT":
		r.ToDest = s
	}
}

// natString prints a NAT range as libxt_NAT does; false for flags we do
// not model (random, persistent, offsets).
func natString(flags uint, minIP, maxIP net.IP, minPort, maxPort uint16) (string, bool) {
	if flags&^uint(natMapIPs|natProtoSpecifed) != 0 {
		return "", false
	}
	var nr natRange
	if flags&natMapIPs != 0 {
		a, ok1 := netip.AddrFromSlice(minIP.To4())
		b, ok2 := netip.AddrFromSlice(maxIP.To4())
		if !ok1 || !ok2 {
			return "", false
		}
		nr.minIP, nr.maxIP = a, b
	}
	if flags&natProtoSpecifed != 0 {
		nr.minPort, nr.maxPort = minPort, maxPort
	}
	return nr.String(), true
}

// ifaceName reads back an interface cmp operand: with a NUL (or the older
// NUL padding to 16 bytes) it is an exact name, without one a "+" prefix
// wildcard.
func ifaceName(b []byte) string {
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		if strings.Trim(string(b[i:]), "\x00") != "" {
			return ""
		}
		return string(b[:i])
	}
	return string(b) + "+"
}

// prefixFrom rebuilds a CIDR from a compared value and optional mask.
func prefixFrom(data, mask []byte) (string, bool) {
	var a [4]byte
	copy(a[:], data)
	bits := len(data) * 8
	if mask != nil {
		if len(mask) != 4 || len(data) != 4 {
			return "", false
		}
		n, ok := maskBits([4]byte(mask))
		if !ok {
			return "", false
		}
		bits = n
	}
	if bits == 0 {
		return "", false
	}
	return netip.PrefixFrom(netip.AddrFrom4(a), bits).Masked().String(), true
}

// describe renders any rule's expressions in an nft-like, best-effort
// syntax, for rules that have no iptables form (e.g. added with
// `nft add rule ip nat postrouting masquerade`).
func describe(exprs []expr.Any) string {
	var out []string
	regs := map[uint32]string{} // what each register holds, as text
	for _, e := range exprs {
		switch x := e.(type) {
		case *expr.Meta:
			if x.SourceRegister {
				out = append(out, "meta "+metaName(x.Key)+" set "+regs[x.Register])
			} else {
				regs[x.Register] = metaName(x.Key)
			}
		case *expr.Payload:
			if x.OperationType == expr.PayloadWrite {
				out = append(out, fmt.Sprintf("%s set %s", payloadName(x), regs[x.SourceRegister]))
			} else {
				regs[x.DestRegister] = payloadName(x)
			}
		case *expr.Ct:
			regs[x.Register] = "ct " + ctName(x.Key)
		case *expr.Bitwise:
			regs[x.DestRegister] = fmt.Sprintf("%s & 0x%x", regs[x.SourceRegister], x.Mask)
		case *expr.Cmp:
			lhs := regs[x.Register]
			op := map[expr.CmpOp]string{expr.CmpOpEq: "", expr.CmpOpNeq: "!= ", expr.CmpOpLt: "< ", expr.CmpOpLte: "<= ", expr.CmpOpGt: "> ", expr.CmpOpGte: ">= "}[x.Op]
			out = append(out, lhs+" "+op+valueText(lhs, x.Data))
		case *expr.Range:
			lhs := regs[x.Register]
			op := ""
			if x.Op == expr.CmpOpNeq {
				op = "!= "
			}
			out = append(out, fmt.Sprintf("%s %s%s-%s", lhs, op, valueText(lhs, x.FromData), valueText(lhs, x.ToData)))
		case *expr.Immediate:
			regs[x.Register] = valueText("", x.Data)
		case *expr.Lookup:
			not := ""
			if x.Invert {
				not = "!= "
			}
			out = append(out, fmt.Sprintf("%s %s@%s", regs[x.SourceRegister], not, x.SetName))
		case *expr.Counter:
			out = append(out, "counter")
		case *expr.Verdict:
			out = append(out, verdictText(x))
		case *expr.Masq:
			out = append(out, "masquerade")
		case *expr.NAT:
			kind := "snat"
			if x.Type == expr.NATTypeDestNAT {
				kind = "dnat"
			}
			to := regs[x.RegAddrMin]
			if x.RegProtoMin != 0 {
				to += ":" + regs[x.RegProtoMin]
			}
			out = append(out, kind+" to "+to)
		case *expr.Redir:
			out = append(out, "redirect")
		case *expr.Reject:
			out = append(out, "reject")
		case *expr.Log:
			out = append(out, "log")
		case *expr.Limit:
			out = append(out, "limit")
		case *expr.Match:
			out = append(out, "xt match "+x.Name)
		case *expr.Target:
			out = append(out, "xt target "+x.Name)
		default:
			name := fmt.Sprintf("%T", e)
			out = append(out, strings.ToLower(strings.TrimPrefix(name, "*expr.")))
		}
	}
	return strings.Join(out, " ")
}

func verdictText(v *expr.Verdict) string {
	switch v.Kind {
	case expr.VerdictAccept:
		return "accept"
	case expr.VerdictDrop:
		return "drop"
	case expr.VerdictReturn:
		return "return"
	case expr.VerdictJump:
		return "jump " + v.Chain
	case expr.VerdictGoto:
		return "goto " + v.Chain
	case expr.VerdictContinue:
		return "continue"
	}
	return fmt.Sprintf("verdict %d", v.Kind)
}

func metaName(k expr.MetaKey) string {
	switch k {
	case expr.MetaKeyIIFNAME:
		return "iifname"
	case expr.MetaKeyOIFNAME:
		return "oifname"
	case expr.MetaKeyIIF:
		return "iif"
	case expr.MetaKeyOIF:
		return "oif"
	case expr.MetaKeyL4PROTO:
		return "meta l4proto"
	case expr.MetaKeyPROTOCOL:
		return "meta protocol"
	case expr.MetaKeyMARK:
		return "meta mark"
	case expr.MetaKeyNFPROTO:
		return "meta nfproto"
	}
	return fmt.Sprintf("meta key %d", k)
}

func ctName(k expr.CtKey) string {
	switch k {
	case expr.CtKeySTATE:
		return "state"
	case expr.CtKeySTATUS:
		return "status"
	case expr.CtKeyMARK:
		return "mark"
	case expr.CtKeyDIRECTION:
		return "direction"
	}
	return fmt.Sprintf("key %d", k)
}

func payloadName(p *expr.Payload) string {
	switch p.Base {
	case expr.PayloadBaseNetworkHeader:
		switch {
		case p.Offset == offSaddr && p.Len <= 4:
			return "ip saddr"
		case p.Offset == offDaddr && p.Len <= 4:
			return "ip daddr"
		case p.Offset == 9 && p.Len == 1:
			return "ip protocol"
		}
		return fmt.Sprintf("@nh,%d,%d", p.Offset*8, p.Len*8)
	case expr.PayloadBaseTransportHeader:
		switch {
		case p.Offset == offSport && p.Len == 2:
			return "th sport"
		case p.Offset == offDport && p.Len == 2:
			return "th dport"
		}
		return fmt.Sprintf("@th,%d,%d", p.Offset*8, p.Len*8)
	}
	return fmt.Sprintf("@ll,%d,%d", p.Offset*8, p.Len*8)
}

// valueText shows a compared value the way its left-hand side suggests.
func valueText(lhs string, b []byte) string {
	switch {
	case strings.HasSuffix(lhs, "ifname"):
		return strconv.Quote(ifaceName(b))
	case strings.HasPrefix(lhs, "ip ") && !strings.Contains(lhs, "&") && len(b) <= 4:
		if p, ok := prefixFrom(b, nil); ok {
			return strings.TrimSuffix(p, "/32")
		}
	case strings.HasPrefix(lhs, "ip ") && len(b) == 4:
		return net.IP(b).String()
	case lhs == "meta l4proto" && len(b) == 1:
		return protoName(b[0])
	case strings.HasPrefix(lhs, "th ") && len(b) == 2:
		return strconv.Itoa(int(binary.BigEndian.Uint16(b)))
	case lhs == "" && len(b) == 4:
		return net.IP(b).String() // an immediate feeding snat/dnat is most often an address
	case lhs == "" && len(b) == 2:
		return strconv.Itoa(int(binary.BigEndian.Uint16(b)))
	}
	return fmt.Sprintf("0x%x", b)
}
