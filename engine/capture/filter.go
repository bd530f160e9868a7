package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Filter expressions are a small subset of tcpdump's (pcap-filter) language:
//
//	expr     := and { ("or" | "||") and }
//	and      := unary { ("and" | "&&") unary }
//	unary    := ("not" | "!") unary | "(" expr ")" | primitive
//	primitive:= "arp" | "ip" | "ip6" | "icmp" | "icmp6" | "tcp" | "udp"
//	          | ["tcp" | "udp"] [dir] "port" NUMBER
//	          | [dir] "host" ADDRESS            IPv4 or IPv6
//	          | "ether" [dir] "host" MAC
//	          | "vxlan" [VNI]
//	dir      := "src" | "dst"
//
// "and" binds tighter than "or"; "not" tighter than both.
//
// "vxlan [VNI]" is libpcap 1.11's keyword (libpcap 1.10, which tcpdump
// here uses, lacks it): a VXLAN packet (with that VNI), and every
// primitive after it in the expression is tested on the frame inside
// ("vxlan and icmp": a VXLAN packet that carries ICMP; "vxlan 1 and host
// 10.244.1.2": to or from a pod, in VNI 1). A second "vxlan" goes one
// tunnel deeper. Unlike libpcap, which takes only port 4789, a VXLAN packet
// here is what the decoder takes for one: UDP over IPv4 (the underlay of
// every lab) to 4789 or 8472 with the I flag. Such a filter runs in Go, not
// in the kernel (BPF returns an error); Tcpdump gives the same filter in
// words tcpdump 4.99 takes.
//
// Meaning, as in tcpdump: "host A" is an IPv4/IPv6 packet from or to A, or
// an ARP packet whose sender or target protocol address is A ("src host"
// and "dst host" pick one side). "port N" is a TCP or UDP packet (IPv4, not
// a non-first fragment; or IPv6 without extension headers) with source or
// destination port N. "icmp6" and the IPv6 side of "tcp"/"udp" also accept
// one hop-by-hop header before the transport. Frames are Ethernet (no VLAN
// tags).
//
// A Filter is evaluated in Go on decoded packets (Match, MatchDecoded) and
// compiled to classic BPF (BPF) for the kernel; tests hold the two to the
// same answers on whole frames. On a frame cut inside a header they may
// differ (a BPF program rejects a packet as soon as it reads past its end,
// while the Go evaluator sees the header as absent); a capture uses the
// kernel program whenever it compiles.

// FilterError is a parse error at a byte position (0-based) in Expr.
type FilterError struct {
	Expr string
	Pos  int
	Msg  string
}

func (e *FilterError) Error() string {
	return fmt.Sprintf("filter %q: column %d: %s", e.Expr, e.Pos+1, e.Msg)
}

// Filter is a compiled filter expression.
type Filter struct {
	expr string
	root fnode

	mu  sync.Mutex
	dec *Decoder
}

// String returns the expression.
func (f *Filter) String() string { return f.expr }

type direction int

const (
	dirAny direction = iota
	dirSrc
	dirDst
)

type fnode interface{}

type (
	andNode   struct{ a, b fnode }
	orNode    struct{ a, b fnode }
	notNode   struct{ a fnode }
	protoNode struct{ name string } // arp ip ip6 icmp icmp6 tcp udp
	hostNode  struct {
		dir direction
		ip  net.IP // 4 or 16 bytes
	}
	etherNode struct {
		dir direction
		mac net.HardwareAddr
	}
	portNode struct {
		dir   direction
		proto string // "", "tcp", "udp"
		port  uint16
	}
	// vxlanNode is "vxlan [VNI]": the frame, depth tunnels in, is VXLAN.
	vxlanNode struct {
		depth  int
		vni    uint32
		anyVNI bool
	}
	// innerNode tests n on the frame depth tunnels in: a primitive that
	// came after depth "vxlan" keywords.
	innerNode struct {
		depth int
		n     fnode
	}
)

// errInnerBPF is why a filter that looks inside tunnels has no BPF form.
var errInnerBPF = errors.New("it looks inside VXLAN packets, which is done in Go")

type token struct {
	s   string
	pos int
}

func lex(expr string) ([]token, error) {
	var toks []token
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '(' || c == ')':
			toks = append(toks, token{string(c), i})
			i++
		case c == '!':
			toks = append(toks, token{"!", i})
			i++
		case c == '&' || c == '|':
			if i+1 < len(expr) && expr[i+1] == c {
				toks = append(toks, token{expr[i : i+2], i})
				i += 2
			} else {
				return nil, &FilterError{expr, i, fmt.Sprintf("%q must be doubled (%q)", c, string([]byte{c, c}))}
			}
		case isWordChar(c):
			j := i
			for j < len(expr) && isWordChar(expr[j]) {
				j++
			}
			toks = append(toks, token{expr[i:j], i})
			i = j
		default:
			return nil, &FilterError{expr, i, fmt.Sprintf("unexpected character %q", c)}
		}
	}
	return toks, nil
}

func isWordChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == ':' || c == '_' || c == '-'
}

type parser struct {
	expr  string
	toks  []token
	i     int
	depth int // "vxlan" keywords met so far
}

func (p *parser) peek() string {
	if p.i < len(p.toks) {
		return strings.ToLower(p.toks[p.i].s)
	}
	return ""
}

func (p *parser) pos() int {
	if p.i < len(p.toks) {
		return p.toks[p.i].pos
	}
	return len(p.expr)
}

func (p *parser) errf(format string, args ...any) error {
	return &FilterError{p.expr, p.pos(), fmt.Sprintf(format, args...)}
}

func (p *parser) found() string {
	if p.i >= len(p.toks) {
		return "end of expression"
	}
	return strconv.Quote(p.toks[p.i].s)
}

// CompileFilter parses expr. An empty expression is an error; use no filter
// instead.
func CompileFilter(expr string) (*Filter, error) {
	toks, err := lex(expr)
	if err != nil {
		return nil, err
	}
	p := &parser{expr: expr, toks: toks}
	if len(toks) == 0 {
		return nil, p.errf("empty filter")
	}
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, p.errf("expected \"and\", \"or\" or end of expression, found %s", p.found())
	}
	return &Filter{expr: expr, root: n}, nil
}

func (p *parser) parseOr() (fnode, error) {
	a, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.peek() == "or" || p.peek() == "||" {
		p.i++
		b, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		a = orNode{a, b}
	}
	return a, nil
}

func (p *parser) parseAnd() (fnode, error) {
	a, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for p.peek() == "and" || p.peek() == "&&" {
		p.i++
		b, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		a = andNode{a, b}
	}
	return a, nil
}

func (p *parser) parseUnary() (fnode, error) {
	switch p.peek() {
	case "not", "!":
		p.i++
		a, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return notNode{a}, nil
	case "(":
		p.i++
		a, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, p.errf("expected \")\", found %s", p.found())
		}
		p.i++
		return a, nil
	case "":
		return nil, p.errf("expected a primitive (arp, icmp, tcp, port N, host A, ...), found end of expression")
	}
	n, err := p.parsePrimitive()
	if err != nil {
		return nil, err
	}
	if v, ok := n.(vxlanNode); ok {
		p.depth++ // what follows is inside
		return v, nil
	}
	if p.depth > 0 {
		return innerNode{p.depth, n}, nil
	}
	return n, nil
}

func (p *parser) parseDir() direction {
	switch p.peek() {
	case "src":
		p.i++
		return dirSrc
	case "dst":
		p.i++
		return dirDst
	}
	return dirAny
}

func (p *parser) parsePrimitive() (fnode, error) {
	w := p.peek()
	switch w {
	case "arp", "ip", "ip6", "icmp", "icmp6":
		p.i++
		return protoNode{w}, nil
	case "vxlan":
		p.i++
		v := vxlanNode{depth: p.depth, anyVNI: true}
		if p.i < len(p.toks) && p.toks[p.i].s[0] >= '0' && p.toks[p.i].s[0] <= '9' {
			s := p.toks[p.i].s
			n, err := strconv.ParseUint(s, 10, 32)
			if err != nil || n >= 1<<24 {
				return nil, p.errf("%q is not a VNI (0-16777215)", s)
			}
			p.i++
			v.vni, v.anyVNI = uint32(n), false
		}
		return v, nil
	case "tcp", "udp":
		p.i++
		save := p.i
		dir := p.parseDir()
		if p.peek() == "port" {
			p.i++
			port, err := p.parsePort()
			if err != nil {
				return nil, err
			}
			return andNode{protoNode{w}, portNode{dir, w, port}}, nil
		}
		if dir != dirAny {
			return nil, p.errf("expected \"port\" after %q, found %s", p.toks[save].s, p.found())
		}
		return protoNode{w}, nil
	case "ether":
		p.i++
		dir := p.parseDir()
		if p.peek() != "host" {
			return nil, p.errf("expected \"host\" after \"ether\", found %s", p.found())
		}
		p.i++
		if p.i >= len(p.toks) {
			return nil, p.errf("expected a MAC address, found end of expression")
		}
		mac, err := net.ParseMAC(p.toks[p.i].s)
		if err != nil || len(mac) != 6 {
			return nil, p.errf("%q is not a MAC address (aa:bb:cc:dd:ee:ff)", p.toks[p.i].s)
		}
		p.i++
		return etherNode{dir, mac}, nil
	case "src", "dst", "host", "port":
		dir := p.parseDir()
		switch p.peek() {
		case "host":
			p.i++
			if p.i >= len(p.toks) {
				return nil, p.errf("expected an IP address, found end of expression")
			}
			s := p.toks[p.i].s
			ip := net.ParseIP(s)
			if ip == nil {
				return nil, p.errf("%q is not an IP address", s)
			}
			if v4 := ip.To4(); v4 != nil && !strings.Contains(s, ":") {
				ip = v4
			}
			p.i++
			return hostNode{dir, ip}, nil
		case "port":
			p.i++
			port, err := p.parsePort()
			if err != nil {
				return nil, err
			}
			return portNode{dir, "", port}, nil
		}
		return nil, p.errf("expected \"host\" or \"port\", found %s", p.found())
	case ")":
		return nil, p.errf("unexpected \")\"")
	case "and", "or", "&&", "||":
		return nil, p.errf("expected a primitive before %q", p.toks[p.i].s)
	}
	return nil, p.errf("unknown primitive %s (want arp, ip, ip6, icmp, icmp6, tcp, udp, port, host, src, dst, ether, vxlan, not)", p.found())
}

func (p *parser) parsePort() (uint16, error) {
	if p.i >= len(p.toks) {
		return 0, p.errf("expected a port number, found end of expression")
	}
	s := p.toks[p.i].s
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0, p.errf("%q is not a port number (0-65535)", s)
	}
	p.i++
	return uint16(n), nil
}

// Match reports whether the frame passes the filter (evaluated in Go).
func (f *Filter) Match(data []byte) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dec == nil {
		f.dec = NewDecoder()
	}
	d, _ := f.dec.Decode(data)
	return f.MatchDecoded(d)
}

// MatchDecoded reports whether a decoded frame passes the filter.
func (f *Filter) MatchDecoded(d *Decoded) bool {
	if f == nil {
		return true
	}
	return eval(f.root, d)
}

func etherType(d *Decoded) (layers.EthernetType, bool) {
	if len(d.Layers) == 0 || d.Layers[0] != layers.LayerTypeEthernet {
		return 0, false
	}
	return d.Eth.EthernetType, true
}

func isIP4(d *Decoded) bool {
	return len(d.Layers) > 1 && d.Layers[1] == layers.LayerTypeIPv4
}

func isIP6(d *Decoded) bool {
	return len(d.Layers) > 1 && d.Layers[1] == layers.LayerTypeIPv6
}

func ip6Proto(d *Decoded, p layers.IPProtocol) bool {
	return d.IP6.NextHeader == p || (d.IP6.HopByHop != nil && d.IP6.HopByHop.NextHeader == p)
}

// tunnelled returns the frame depth VXLAN tunnels inside d, or nil.
func tunnelled(d *Decoded, depth int) *Decoded {
	for ; depth > 0; depth-- {
		if d.Inner == nil || !d.Has(layers.LayerTypeVXLAN) {
			return nil
		}
		d = d.Inner
	}
	return d
}

func eval(n fnode, d *Decoded) bool {
	switch n := n.(type) {
	case vxlanNode:
		d = tunnelled(d, n.depth)
		return d != nil && isIP4(d) && d.Has(layers.LayerTypeVXLAN) && (n.anyVNI || d.VXLAN.VNI == n.vni)
	case innerNode:
		d = tunnelled(d, n.depth)
		return d != nil && eval(n.n, d)
	case andNode:
		return eval(n.a, d) && eval(n.b, d)
	case orNode:
		return eval(n.a, d) || eval(n.b, d)
	case notNode:
		return !eval(n.a, d)
	case protoNode:
		et, ok := etherType(d)
		if !ok {
			return false
		}
		switch n.name {
		case "arp":
			return et == layers.EthernetTypeARP
		case "ip":
			return et == layers.EthernetTypeIPv4
		case "ip6":
			return et == layers.EthernetTypeIPv6
		case "icmp":
			return isIP4(d) && d.IP4.Protocol == layers.IPProtocolICMPv4
		case "icmp6":
			return isIP6(d) && ip6Proto(d, layers.IPProtocolICMPv6)
		case "tcp":
			return isIP4(d) && d.IP4.Protocol == layers.IPProtocolTCP || isIP6(d) && ip6Proto(d, layers.IPProtocolTCP)
		case "udp":
			return isIP4(d) && d.IP4.Protocol == layers.IPProtocolUDP || isIP6(d) && ip6Proto(d, layers.IPProtocolUDP)
		}
	case hostNode:
		if len(n.ip) == 4 {
			if isIP4(d) {
				return n.dir != dirDst && bytes.Equal(d.IP4.SrcIP, n.ip) || n.dir != dirSrc && bytes.Equal(d.IP4.DstIP, n.ip)
			}
			if len(d.Layers) > 1 && d.Layers[1] == layers.LayerTypeARP {
				return n.dir != dirDst && bytes.Equal(d.ARP.SourceProtAddress, n.ip) || n.dir != dirSrc && bytes.Equal(d.ARP.DstProtAddress, n.ip)
			}
			return false
		}
		if isIP6(d) {
			return n.dir != dirDst && bytes.Equal(d.IP6.SrcIP, n.ip) || n.dir != dirSrc && bytes.Equal(d.IP6.DstIP, n.ip)
		}
	case etherNode:
		if _, ok := etherType(d); !ok {
			return false
		}
		return n.dir != dirDst && bytes.Equal(d.Eth.SrcMAC, n.mac) || n.dir != dirSrc && bytes.Equal(d.Eth.DstMAC, n.mac)
	case portNode:
		var pl []byte
		switch {
		case isIP4(d):
			p := d.IP4.Protocol
			if !(p == layers.IPProtocolTCP && n.proto != "udp" || p == layers.IPProtocolUDP && n.proto != "tcp") || d.IP4.FragOffset != 0 {
				return false
			}
			pl = d.IP4.Payload
		case isIP6(d):
			p := d.IP6.NextHeader
			if !(p == layers.IPProtocolTCP && n.proto != "udp" || p == layers.IPProtocolUDP && n.proto != "tcp") {
				return false
			}
			pl = d.IP6.Payload
		default:
			return false
		}
		if len(pl) < 4 {
			return false
		}
		sp, dp := binary.BigEndian.Uint16(pl), binary.BigEndian.Uint16(pl[2:])
		return n.dir != dirDst && sp == n.port || n.dir != dirSrc && dp == n.port
	}
	return false
}

// --- BPF code generation ---

// MaxBPFLen is the kernel's limit on classic BPF program length.
const MaxBPFLen = 4096

type cinsn struct {
	ins  bpf.Instruction // non-jump instruction, or nil for a conditional jump
	cond bpf.JumpTest
	val  uint32
	t, f int // labels of a conditional jump
}

type codegen struct {
	code   []cinsn
	labels []int // label -> instruction index
}

func (g *codegen) label() int {
	g.labels = append(g.labels, -1)
	return len(g.labels) - 1
}

func (g *codegen) place(l int) { g.labels[l] = len(g.code) }

func (g *codegen) op(i bpf.Instruction) { g.code = append(g.code, cinsn{ins: i}) }

func (g *codegen) jump(c bpf.JumpTest, v uint32, t, f int) {
	g.code = append(g.code, cinsn{cond: c, val: v, t: t, f: f})
}

func (g *codegen) ldJeq(off, size uint32, v uint32, t, f int) {
	g.op(bpf.LoadAbsolute{Off: off, Size: int(size)})
	g.jump(bpf.JumpEqual, v, t, f)
}

// all emits the conjunction of tests given as closures taking (t, f).
func (g *codegen) all(t, f int, tests ...func(t, f int)) {
	for i, test := range tests {
		if i == len(tests)-1 {
			test(t, f)
			return
		}
		next := g.label()
		test(next, f)
		g.place(next)
	}
}

func (g *codegen) any(t, f int, tests ...func(t, f int)) {
	for i, test := range tests {
		if i == len(tests)-1 {
			test(t, f)
			return
		}
		next := g.label()
		test(t, next)
		g.place(next)
	}
}

const (
	offEtherType = 12
	offIP4Proto  = 14 + 9
	offIP4Frag   = 14 + 6
	offIP4Src    = 14 + 12
	offIP4Dst    = 14 + 16
	offIP6Next   = 14 + 6
	offIP6Src    = 14 + 8
	offIP6Dst    = 14 + 24
	offIP6Pay    = 14 + 40
	offARPSpa    = 14 + 14
	offARPTpa    = 14 + 24
)

func (g *codegen) etherType(et uint32) func(t, f int) {
	return func(t, f int) { g.ldJeq(offEtherType, 2, et, t, f) }
}

func (g *codegen) byteEq(off, v uint32) func(t, f int) {
	return func(t, f int) { g.ldJeq(off, 1, v, t, f) }
}

func (g *codegen) ip6Proto(p uint32) func(t, f int) {
	return func(t, f int) {
		g.any(t, f, g.byteEq(offIP6Next, p), func(t, f int) {
			g.all(t, f, g.byteEq(offIP6Next, 0), g.byteEq(offIP6Pay, p))
		})
	}
}

func (g *codegen) bytesEq(off uint32, b []byte) func(t, f int) {
	return func(t, f int) {
		var tests []func(t, f int)
		for i := 0; i < len(b); {
			o := off + uint32(i)
			switch {
			case len(b)-i >= 4:
				v := binary.BigEndian.Uint32(b[i:])
				tests = append(tests, func(t, f int) { g.ldJeq(o, 4, v, t, f) })
				i += 4
			case len(b)-i >= 2:
				v := uint32(binary.BigEndian.Uint16(b[i:]))
				tests = append(tests, func(t, f int) { g.ldJeq(o, 2, v, t, f) })
				i += 2
			default:
				v := uint32(b[i])
				tests = append(tests, func(t, f int) { g.ldJeq(o, 1, v, t, f) })
				i++
			}
		}
		g.all(t, f, tests...)
	}
}

func (g *codegen) sides(dir direction, src, dst func(t, f int)) func(t, f int) {
	switch dir {
	case dirSrc:
		return src
	case dirDst:
		return dst
	}
	return func(t, f int) { g.any(t, f, src, dst) }
}

func (g *codegen) emit(n fnode, t, f int) {
	switch n := n.(type) {
	case andNode:
		g.all(t, f, func(t, f int) { g.emit(n.a, t, f) }, func(t, f int) { g.emit(n.b, t, f) })
	case orNode:
		g.any(t, f, func(t, f int) { g.emit(n.a, t, f) }, func(t, f int) { g.emit(n.b, t, f) })
	case notNode:
		g.emit(n.a, f, t)
	case protoNode:
		switch n.name {
		case "arp":
			g.etherType(0x0806)(t, f)
		case "ip":
			g.etherType(0x0800)(t, f)
		case "ip6":
			g.etherType(0x86dd)(t, f)
		case "icmp":
			g.all(t, f, g.etherType(0x0800), g.byteEq(offIP4Proto, 1))
		case "icmp6":
			g.all(t, f, g.etherType(0x86dd), g.ip6Proto(58))
		case "tcp", "udp":
			p := uint32(6)
			if n.name == "udp" {
				p = 17
			}
			g.any(t, f,
				func(t, f int) { g.all(t, f, g.etherType(0x0800), g.byteEq(offIP4Proto, p)) },
				func(t, f int) { g.all(t, f, g.etherType(0x86dd), g.ip6Proto(p)) })
		}
	case hostNode:
		if len(n.ip) == 4 {
			g.any(t, f,
				func(t, f int) {
					g.all(t, f, g.etherType(0x0800), g.sides(n.dir, g.bytesEq(offIP4Src, n.ip), g.bytesEq(offIP4Dst, n.ip)))
				},
				func(t, f int) {
					g.all(t, f, g.etherType(0x0806), g.sides(n.dir, g.bytesEq(offARPSpa, n.ip), g.bytesEq(offARPTpa, n.ip)))
				})
			return
		}
		g.all(t, f, g.etherType(0x86dd), g.sides(n.dir, g.bytesEq(offIP6Src, n.ip), g.bytesEq(offIP6Dst, n.ip)))
	case etherNode:
		g.sides(n.dir, g.bytesEq(6, n.mac), g.bytesEq(0, n.mac))(t, f)
	case portNode:
		protos := func(byteOff uint32) func(t, f int) {
			switch n.proto {
			case "tcp":
				return g.byteEq(byteOff, 6)
			case "udp":
				return g.byteEq(byteOff, 17)
			}
			return func(t, f int) { g.any(t, f, g.byteEq(byteOff, 6), g.byteEq(byteOff, 17)) }
		}
		notFrag := func(t, f int) {
			g.op(bpf.LoadAbsolute{Off: offIP4Frag, Size: 2})
			g.jump(bpf.JumpBitsSet, 0x1fff, f, t)
		}
		port := uint32(n.port)
		ind := func(off uint32) func(t, f int) {
			return func(t, f int) {
				g.op(bpf.LoadMemShift{Off: 14})
				g.op(bpf.LoadIndirect{Off: 14 + off, Size: 2})
				g.jump(bpf.JumpEqual, port, t, f)
			}
		}
		abs := func(off uint32) func(t, f int) {
			return func(t, f int) { g.ldJeq(offIP6Pay+off, 2, port, t, f) }
		}
		g.any(t, f,
			func(t, f int) {
				g.all(t, f, g.etherType(0x0800), protos(offIP4Proto), notFrag, g.sides(n.dir, ind(0), ind(2)))
			},
			func(t, f int) {
				g.all(t, f, g.etherType(0x86dd), protos(offIP6Next), g.sides(n.dir, abs(0), abs(2)))
			})
	default:
		panic(fmt.Sprintf("capture: unknown filter node %T", n))
	}
}

// BPF compiles the filter to a classic BPF program that accepts a packet
// with DefaultSnaplen bytes and drops the rest.
func (f *Filter) BPF() ([]bpf.RawInstruction, error) { return f.BPFSnaplen(DefaultSnaplen) }

// BPFSnaplen is BPF with the accept length (bytes kept) set to snaplen.
func (f *Filter) BPFSnaplen(snaplen int) ([]bpf.RawInstruction, error) {
	if looksInside(f.root) {
		return nil, fmt.Errorf("filter %q: no BPF form: %w", f.expr, errInnerBPF)
	}
	g := &codegen{}
	accept, reject := g.label(), g.label()
	g.emit(f.root, accept, reject)
	g.place(accept)
	g.op(bpf.RetConstant{Val: uint32(snaplen)})
	g.place(reject)
	g.op(bpf.RetConstant{Val: 0})
	if len(g.code) > MaxBPFLen {
		return nil, fmt.Errorf("filter %q: BPF program too long (%d instructions)", f.expr, len(g.code))
	}
	prog := make([]bpf.Instruction, len(g.code))
	for i, c := range g.code {
		if c.ins != nil {
			prog[i] = c.ins
			continue
		}
		jt := g.labels[c.t] - i - 1
		jf := g.labels[c.f] - i - 1
		if jt < 0 || jf < 0 || jt > 255 || jf > 255 {
			return nil, fmt.Errorf("filter %q: too complex for classic BPF jumps", f.expr)
		}
		prog[i] = bpf.JumpIf{Cond: c.cond, Val: c.val, SkipTrue: uint8(jt), SkipFalse: uint8(jf)}
	}
	return bpf.Assemble(prog)
}

func toSockFilter(raw []bpf.RawInstruction) []unix.SockFilter {
	out := make([]unix.SockFilter, len(raw))
	for i, r := range raw {
		out[i] = unix.SockFilter{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	return out
}

// looksInside says whether the filter has a "vxlan" primitive.
func looksInside(n fnode) bool {
	switch n := n.(type) {
	case vxlanNode, innerNode:
		return true
	case andNode:
		return looksInside(n.a) || looksInside(n.b)
	case orNode:
		return looksInside(n.a) || looksInside(n.b)
	case notNode:
		return looksInside(n.a)
	}
	return false
}
