package iptables

import (
	"encoding/binary"
	"net"
	"testing"

	"github.com/google/nftables/expr"
	"github.com/google/nftables/xt"
)

func u32(v ...uint32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.NativeEndian.PutUint32(b[4*i:], x)
	}
	return b
}

// statInfo is xt_statistic_info as iptables-nft sends it: mode, flags,
// then the random probability (or nth's every, packet, count) and the
// kernel's pointer.
func statInfo(mode, flags uint16, a, b uint32) *xt.Unknown {
	info := make([]byte, 24)
	binary.NativeEndian.PutUint16(info, mode)
	binary.NativeEndian.PutUint16(info[2:], flags)
	binary.NativeEndian.PutUint32(info[4:], a)
	binary.NativeEndian.PutUint32(info[8:], b)
	u := xt.Unknown(info)
	return &u
}

// TestRender spells the expressions iptables-nft 1.8.9 wrote for
// kube-proxy's rules (as `nft --debug=netlink list table ip nat` showed
// them) as `iptables -S` printed them, and refuses what it does not know.
// The kernel's own round trip is TestFidelityIptablesKubeProxy's.
func TestRender(t *testing.T) {
	comment := func(s string) *expr.Match { c := xt.Comment(s); return &expr.Match{Name: "comment", Info: &c} }
	jump := func(c string) *expr.Verdict { return &expr.Verdict{Kind: expr.VerdictJump, Chain: c} }
	markXor := &expr.Target{Name: "MARK", Rev: 2, Info: func() *xt.Unknown { u := xt.Unknown(u32(0x4000, 0)); return &u }()}
	for _, c := range []struct {
		chain string
		exprs []expr.Any
		want  string
	}{
		{"KUBE-SVC-X", []expr.Any{comment("default/web:http -> 10.244.0.2:80"), &expr.Match{Name: "statistic", Info: statInfo(0, 0, 715827883, 0)}, &expr.Counter{}, jump("KUBE-SEP-A")},
			`-t nat -A KUBE-SVC-X -m comment --comment "default/web:http -> 10.244.0.2:80" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-A`},
		{"KUBE-NTH", []expr.Any{&expr.Match{Name: "statistic", Info: statInfo(1, 1, 2, 0)}, &expr.Counter{}, &expr.Verdict{Kind: expr.VerdictReturn}},
			`-t nat -A KUBE-NTH -m statistic --mode nth ! --every 3 --packet 0 -j RETURN`},
		{"KUBE-POSTROUTING", []expr.Any{&expr.Meta{Key: expr.MetaKeyMARK, Register: 1}, &expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: u32(0x4000), Xor: u32(0)},
			&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: u32(0x4000)}, &expr.Counter{}, &expr.Verdict{Kind: expr.VerdictReturn}},
			`-t nat -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN`},
		{"KUBE-POSTROUTING", []expr.Any{&expr.Counter{}, markXor}, `-t nat -A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0`},
		{"KUBE-POSTROUTING", []expr.Any{comment("kubernetes service traffic requiring SNAT"), &expr.Counter{},
			&expr.Target{Name: "MASQUERADE", Info: &xt.NatIPv4MultiRangeCompat{{Flags: natProtoRandomFully, MinIP: net.IPv4zero, MaxIP: net.IPv4zero}}}},
			`-t nat -A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully`},
		{"KUBE-SERVICES", []expr.Any{comment("x"), &expr.Match{Name: "addrtype", Rev: 1, Info: &xt.AddrTypeV1{Dest: uint16(xt.AddrTypeLocal)}}, &expr.Counter{}, jump("KUBE-NODEPORTS")},
			`-t nat -A KUBE-SERVICES -m comment --comment x -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`},
		{"KUBE-NODEPORTS", []expr.Any{&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1}, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{6}}, comment("default/web:http"),
			&expr.Payload{OperationType: expr.PayloadLoad, DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{0x75, 0x80}}, &expr.Counter{}, jump("KUBE-EXT-X")},
			`-t nat -A KUBE-NODEPORTS -p tcp -m comment --comment "default/web:http" -m tcp --dport 30080 -j KUBE-EXT-X`},
	} {
		got, ok := render("nat", c.chain, c.exprs)
		if !ok || got != c.want {
			t.Errorf("render = %q, %v\nwant     %q", got, ok, c.want)
		}
	}
	for name, exprs := range map[string][]expr.Any{
		"native masquerade":    {&expr.Counter{}, &expr.Masq{}},
		"statistic mode 2":     {&expr.Match{Name: "statistic", Info: statInfo(2, 0, 0, 0)}},
		"mark with xor":        {&expr.Meta{Key: expr.MetaKeyMARK, Register: 1}, &expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: u32(0x4000), Xor: u32(1)}, &expr.Cmp{Register: 1, Data: u32(0x4000)}},
		"a match after target": {markXor, comment("late")},
		"unknown match":        {&expr.Match{Name: "recent", Info: func() *xt.Unknown { u := xt.Unknown(make([]byte, 8)); return &u }()}},
	} {
		if got, ok := render("nat", "X", exprs); ok {
			t.Errorf("%s: rendered as %q; it has no iptables form known here", name, got)
		}
	}
}
