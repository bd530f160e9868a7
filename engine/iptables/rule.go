// Package iptables writes and reads IPv4 NAT and filter rules through nftables
// netlink in exactly the form iptables-nft writes them, so that `iptables -S`
// in a lab shell lists the very rule the tutor showed as a command, and so
// that rules a learner added with the real iptables read back as iptables
// syntax. It never runs the iptables or nft binaries: the tutor must work on
// machines where they are not installed.
package iptables

import (
	"errors"
	"fmt"
	"net/netip"
	"path"
	"strconv"
	"strings"

	"github.com/google/nftables/xt"
)

// Rule is one iptables rule in a table/chain, e.g.
// -t nat -A POSTROUTING -s 11.11.11.0/24 ! -o br0 -j MASQUERADE.
// The zero value of a field means "not matched on". Rules returned by Parse
// and List are canonical (addresses masked and with a prefix length, states
// in iptables' print order), so two equal rules compare equal with
// reflect.DeepEqual and have the same Args.
type Rule struct {
	Table string // "nat" or "filter"
	Chain string // PREROUTING, POSTROUTING, OUTPUT, INPUT, FORWARD, or a user chain

	Src, Dst       string // CIDR such as "11.11.11.0/24" (canonical form always has /N); "" = any
	NotSrc, NotDst bool   // "! -s", "! -d"

	In, Out       string // interface names; a trailing "+" is iptables' wildcard; "" = any
	NotIn, NotOut bool   // "! -i", "! -o"

	Proto    string // "", "tcp", "udp", "icmp" (also gre, esp, ah, sctp, igmp or a number)
	NotProto bool   // "! -p"

	DPort, SPort int // with tcp/udp; 0 = any

	CTState    []string // e.g. RELATED,ESTABLISHED (-m conntrack --ctstate)
	NotCTState bool     // "-m conntrack ! --ctstate"
	// StateMatch selects the older spelling "-m state --state" for CTState;
	// iptables-nft stores it differently, so `iptables -S` shows it back as
	// typed and we must too.
	StateMatch bool

	// Comment is -m comment --comment TEXT (at most 255 bytes), as the
	// CNI plugins and kube-proxy label their rules; "" = none. It matches
	// every packet.
	Comment string

	Target     string // ACCEPT, DROP, REJECT, MASQUERADE, SNAT, DNAT, RETURN, or a user chain to jump to; "" = none
	ToSource   string // SNAT --to-source 203.0.113.1 (also ip-ip and :port[-port])
	ToDest     string // DNAT --to-destination 11.11.11.2:80
	RejectWith string // REJECT --reject-with; canonical "" means iptables' default icmp-port-unreachable

	// ctFirst records that the conntrack match came before the tcp/udp port
	// match: iptables-nft keeps matches in the order typed and -S prints
	// them so, so the order is part of the rule's identity.
	ctFirst bool
}

// builtinChains lists each table's built-in chains in the order
// `iptables -S` prints them.
var builtinChains = map[string][]string{
	"nat":    {"PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"},
	"filter": {"INPUT", "FORWARD", "OUTPUT"},
}

// Tables lists the tables this package handles, in the order List reports
// them.
var Tables = []string{"nat", "filter"}

// IsBuiltinChain reports whether chain is one of table's built-in chains.
func IsBuiltinChain(table, chain string) bool {
	for _, c := range builtinChains[table] {
		if c == chain {
			return true
		}
	}
	return false
}

// ctStates holds the conntrack state names in the order iptables prints
// them, with their bit in the xt_conntrack state mask.
var ctStates = []struct {
	name string
	bit  uint16
}{
	{"INVALID", 1 << 0},
	{"NEW", 1 << 3},
	{"RELATED", 1 << 2},
	{"ESTABLISHED", 1 << 1},
	{"UNTRACKED", 1 << 8},
	{"SNAT", 1 << 6},
	{"DNAT", 1 << 7},
}

// rejectWith maps --reject-with names to ipt_reject_info.with values.
var rejectWith = []string{
	0: "icmp-net-unreachable",
	1: "icmp-host-unreachable",
	2: "icmp-proto-unreachable",
	3: "icmp-port-unreachable",
	5: "icmp-net-prohibited",
	6: "icmp-host-prohibited",
	7: "tcp-reset",
	8: "icmp-admin-prohibited",
}

// defaultRejectWith is what iptables uses when --reject-with is not given.
const defaultRejectWith = 3

// protoNames maps protocol numbers to the names iptables prints (from
// /etc/protocols on Debian); others print as numbers.
var protoNames = map[uint8]string{1: "icmp", 2: "igmp", 6: "tcp", 17: "udp", 47: "gre", 50: "esp", 51: "ah", 132: "sctp"}

// ErrUnsupported is wrapped by Parse errors for options or values this
// package cannot express, as opposed to malformed input.
var ErrUnsupported = errors.New("not supported by nettutor")

func protoNumber(p string) (uint8, bool) {
	for n, name := range protoNames {
		if name == p {
			return n, true
		}
	}
	n, err := strconv.ParseUint(p, 10, 8)
	if err != nil || n == 0 {
		return 0, false
	}
	return uint8(n), true
}

// protoName turns a protocol number into the spelling iptables -S uses.
func protoName(n uint8) string {
	if s, ok := protoNames[n]; ok {
		return s
	}
	return strconv.Itoa(int(n))
}

func isNatTarget(t string) bool { return t == "MASQUERADE" || t == "SNAT" || t == "DNAT" }

// standardTargets are the targets that are not jumps to user chains.
var standardTargets = map[string]bool{"ACCEPT": true, "DROP": true, "RETURN": true, "REJECT": true, "MASQUERADE": true, "SNAT": true, "DNAT": true}

// validChainName follows iptables' rules for user chain names, so that a
// name we accept is one `iptables -N` would accept too.
func validChainName(s string) bool {
	if s == "" || len(s) > 28 || s[0] == '-' || s[0] == '!' {
		return false
	}
	for _, c := range s {
		if c <= ' ' || c > '~' || c == '\'' || c == '"' {
			return false
		}
	}
	return true
}

func validIface(s string) bool {
	if len(s) == 0 || len(s) > 15 {
		return false
	}
	for _, c := range s {
		if c <= ' ' || c > '~' || c == '/' || c == '\'' || c == '"' {
			return false
		}
	}
	return true
}

// canonPrefix parses an address or CIDR and returns it as iptables -S prints
// it: masked, always with a prefix length. /0 comes back as "" since
// iptables omits a match on any address.
func canonPrefix(s string) (string, error) {
	var p netip.Prefix
	if strings.Contains(s, "/") {
		a, bits, _ := strings.Cut(s, "/")
		addr, err := netip.ParseAddr(a)
		if err != nil || !addr.Is4() {
			return "", fmt.Errorf("%q is not an IPv4 address or network", s)
		}
		if m, err := netip.ParseAddr(bits); err == nil && m.Is4() {
			// A dotted mask, as iptables also allows.
			n, ok := maskBits(m.As4())
			if !ok {
				return "", fmt.Errorf("%q: non-contiguous netmask", s)
			}
			p = netip.PrefixFrom(addr, n)
		} else {
			n, err := strconv.Atoi(bits)
			if err != nil || n < 0 || n > 32 {
				return "", fmt.Errorf("%q: invalid prefix length", s)
			}
			p = netip.PrefixFrom(addr, n)
		}
	} else {
		addr, err := netip.ParseAddr(s)
		if err != nil || !addr.Is4() {
			return "", fmt.Errorf("%q is not an IPv4 address (host names are not resolved)", s)
		}
		p = netip.PrefixFrom(addr, 32)
	}
	p = p.Masked()
	if p.Bits() == 0 {
		return "", nil
	}
	return p.String(), nil
}

func maskBits(m [4]byte) (int, bool) {
	v := uint32(m[0])<<24 | uint32(m[1])<<16 | uint32(m[2])<<8 | uint32(m[3])
	n := 0
	for v&0x80000000 != 0 {
		n++
		v <<= 1
	}
	return n, v == 0
}

// natRange is the parsed form of --to-source / --to-destination:
// [ip[-ip]][:port[-port]].
type natRange struct {
	minIP, maxIP     netip.Addr // invalid when no address
	minPort, maxPort uint16     // 0 when no port
}

func parseNatRange(s string) (natRange, error) {
	var r natRange
	addrs, ports, hasPort := strings.Cut(s, ":")
	if addrs != "" {
		lo, hi, isRange := strings.Cut(addrs, "-")
		a, err := netip.ParseAddr(lo)
		if err != nil || !a.Is4() {
			return r, fmt.Errorf("%q: bad IPv4 address %q", s, lo)
		}
		r.minIP, r.maxIP = a, a
		if isRange {
			b, err := netip.ParseAddr(hi)
			if err != nil || !b.Is4() || b.Less(a) {
				return r, fmt.Errorf("%q: bad address range", s)
			}
			r.maxIP = b
		}
	}
	if hasPort {
		lo, hi, isRange := strings.Cut(ports, "-")
		p, err := parsePort(lo)
		if err != nil {
			return r, fmt.Errorf("%q: %v", s, err)
		}
		r.minPort, r.maxPort = uint16(p), uint16(p)
		if isRange {
			q, err := parsePort(hi)
			if err != nil || q < p {
				return r, fmt.Errorf("%q: bad port range", s)
			}
			r.maxPort = uint16(q)
		}
	}
	if !r.minIP.IsValid() && r.minPort == 0 {
		return r, fmt.Errorf("%q: needs an address or a port", s)
	}
	return r, nil
}

// String prints the range as libxt_NAT does.
func (r natRange) String() string {
	var b strings.Builder
	if r.minIP.IsValid() {
		b.WriteString(r.minIP.String())
		if r.maxIP != r.minIP {
			b.WriteString("-" + r.maxIP.String())
		}
	}
	if r.minPort != 0 {
		fmt.Fprintf(&b, ":%d", r.minPort)
		if r.maxPort != r.minPort {
			fmt.Fprintf(&b, "-%d", r.maxPort)
		}
	}
	return b.String()
}

func parsePort(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("invalid port %q", s)
	}
	return n, nil
}

// Parse reads an iptables argument vector such as
// ["-t","nat","-A","POSTROUTING","-s","11.11.11.0/24","-j","MASQUERADE"]
// (a leading "iptables" is skipped) into a canonical Rule. Only -A is
// accepted as the command. It returns a clear error naming the first option
// it does not support, so an exercise checker can tell the learner why.
func Parse(args []string) (Rule, error) {
	r := Rule{Table: "filter"}
	args = append([]string(nil), args...) // "--opt=value" splitting below edits the slice
	if len(args) > 0 && (path.Base(args[0]) == "iptables" || path.Base(args[0]) == "iptables-nft") {
		args = args[1:]
	}
	var (
		haveChain bool
		// Where the port match and the conntrack match were loaded (by -m
		// or, for ports, implicitly by --dport): iptables keeps that order.
		portPos, ctPos = -1, -1
		neg            bool
		modules        = map[string]bool{}
	)
	seen := map[string]bool{}
	once := func(opt string) error {
		if seen[opt] {
			return fmt.Errorf("option %s given twice", opt)
		}
		seen[opt] = true
		return nil
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "!" {
			if neg {
				return Rule{}, errors.New(`"!" given twice`)
			}
			neg = true
			continue
		}
		opt := a
		val := func() (string, error) {
			if i+1 >= len(args) {
				return "", fmt.Errorf("option %s needs a value", opt)
			}
			i++
			return args[i], nil
		}
		// Long options may carry their value after "=", as getopt allows.
		if strings.HasPrefix(a, "--") {
			if k, v, ok := strings.Cut(a, "="); ok {
				opt = k
				args = append(args[:i+1], append([]string{v}, args[i+1:]...)...)
			}
		}
		canNeg := false
		var err error
		var v string
		switch opt {
		case "-t", "--table":
			if err = once("-t"); err == nil {
				if v, err = val(); err == nil {
					if _, ok := builtinChains[v]; !ok {
						err = fmt.Errorf("table %q: %w (only nat and filter)", v, ErrUnsupported)
					}
					r.Table = v
				}
			}
		case "-A", "--append":
			if haveChain {
				err = errors.New("only one command may be given")
			} else if v, err = val(); err == nil {
				haveChain = true
				r.Chain = v
			}
		case "-I", "--insert", "-D", "--delete", "-R", "--replace", "-C", "--check", "-N", "--new-chain",
			"-X", "--delete-chain", "-F", "--flush", "-P", "--policy", "-L", "--list", "-S", "--list-rules",
			"-Z", "--zero", "-E", "--rename-chain":
			err = fmt.Errorf("command %s: %w (only -A)", opt, ErrUnsupported)
		case "-s", "--source", "--src":
			canNeg = true
			if err = once("-s"); err == nil {
				if v, err = val(); err == nil {
					r.Src, err = canonPrefix(v)
					r.NotSrc = neg
				}
			}
		case "-d", "--destination", "--dst":
			canNeg = true
			if err = once("-d"); err == nil {
				if v, err = val(); err == nil {
					r.Dst, err = canonPrefix(v)
					r.NotDst = neg
				}
			}
		case "-i", "--in-interface":
			canNeg = true
			if err = once("-i"); err == nil {
				if v, err = val(); err == nil {
					if !validIface(v) {
						err = fmt.Errorf("invalid interface name %q", v)
					} else if v != "+" { // "+" matches every interface: iptables omits it
						r.In, r.NotIn = v, neg
					}
				}
			}
		case "-o", "--out-interface":
			canNeg = true
			if err = once("-o"); err == nil {
				if v, err = val(); err == nil {
					if !validIface(v) {
						err = fmt.Errorf("invalid interface name %q", v)
					} else if v != "+" {
						r.Out, r.NotOut = v, neg
					}
				}
			}
		case "-p", "--protocol":
			canNeg = true
			if err = once("-p"); err == nil {
				if v, err = val(); err == nil {
					v = strings.ToLower(v)
					if v == "all" || v == "0" {
						if neg {
							err = fmt.Errorf("\"! -p all\": %w", ErrUnsupported)
						}
						break
					}
					n, ok := protoNumber(v)
					if !ok {
						err = fmt.Errorf("protocol %q: %w", v, ErrUnsupported)
						break
					}
					r.Proto, r.NotProto = protoName(n), neg
				}
			}
		case "-m", "--match":
			if v, err = val(); err == nil {
				switch v {
				case "tcp", "udp":
					if r.Proto != v || r.NotProto {
						err = fmt.Errorf("-m %s needs -p %s before it", v, v)
					}
					if portPos < 0 {
						portPos = i
					}
				case "conntrack", "state":
					if ctPos < 0 {
						ctPos = i
					}
				case "comment":
				default:
					err = fmt.Errorf("match -m %s: %w", v, ErrUnsupported)
				}
				modules[v] = true
			}
		case "--comment":
			switch {
			case neg:
				err = errors.New(`"! --comment": a comment cannot be negated`)
			case !modules["comment"]:
				err = errors.New("option --comment needs -m comment before it")
			default:
				if err = once("--comment"); err == nil {
					r.Comment, err = val()
				}
			}
		case "--dport", "--destination-port", "--sport", "--source-port":
			if neg {
				err = fmt.Errorf("\"! %s\": %w", opt, ErrUnsupported)
				break
			}
			if (r.Proto != "tcp" && r.Proto != "udp") || r.NotProto {
				err = fmt.Errorf("option %s needs -p tcp or -p udp before it", opt)
				break
			}
			if v, err = val(); err != nil {
				break
			}
			if strings.Contains(v, ":") {
				err = fmt.Errorf("port range %q: %w", v, ErrUnsupported)
				break
			}
			var p int
			if p, err = parsePort(v); err != nil {
				break
			}
			if opt == "--dport" || opt == "--destination-port" {
				if err = once("--dport"); err == nil {
					r.DPort = p
				}
			} else if err = once("--sport"); err == nil {
				r.SPort = p
			}
			if portPos < 0 {
				portPos = i
			}
		case "--ctstate", "--state":
			canNeg = true
			mod := "conntrack"
			if opt == "--state" {
				mod = "state"
			}
			if !modules[mod] {
				err = fmt.Errorf("option %s needs -m %s before it", opt, mod)
				break
			}
			if err = once("--ctstate"); err != nil {
				break
			}
			if v, err = val(); err != nil {
				break
			}
			r.CTState, err = canonStates(v, mod == "state")
			r.NotCTState, r.StateMatch = neg, mod == "state"
		case "-j", "--jump":
			if err = once("-j"); err == nil {
				if v, err = val(); err == nil {
					if !standardTargets[v] && !validChainName(v) {
						err = fmt.Errorf("invalid target %q", v)
					}
					r.Target = v
				}
			}
		case "--to-source", "--to-destination", "--to":
			if err = once(opt); err != nil {
				break
			}
			if v, err = val(); err != nil {
				break
			}
			var nr natRange
			if nr, err = parseNatRange(v); err != nil {
				break
			}
			switch {
			case opt == "--to-source" || (opt == "--to" && r.Target == "SNAT"):
				if r.Target != "SNAT" {
					err = fmt.Errorf("option %s needs -j SNAT before it", opt)
				}
				r.ToSource = nr.String()
			case opt == "--to-destination" || (opt == "--to" && r.Target == "DNAT"):
				if r.Target != "DNAT" {
					err = fmt.Errorf("option %s needs -j DNAT before it", opt)
				}
				r.ToDest = nr.String()
			default:
				err = fmt.Errorf("option %s needs -j SNAT or -j DNAT before it", opt)
			}
		case "--reject-with":
			if err = once(opt); err != nil {
				break
			}
			if r.Target != "REJECT" {
				err = fmt.Errorf("option %s needs -j REJECT before it", opt)
				break
			}
			if v, err = val(); err != nil {
				break
			}
			code := -1
			for n, name := range rejectWith {
				if name != "" && name == v {
					code = n
				}
			}
			switch v { // the short aliases iptables also takes
			case "net-unreach":
				code = 0
			case "host-unreach":
				code = 1
			case "proto-unreach":
				code = 2
			case "port-unreach":
				code = 3
			case "net-prohib":
				code = 5
			case "host-prohib":
				code = 6
			case "admin-prohib":
				code = 8
			}
			if code < 0 {
				err = fmt.Errorf("--reject-with %q: %w", v, ErrUnsupported)
			} else if code != defaultRejectWith {
				r.RejectWith = rejectWith[code]
			}
		default:
			if strings.HasPrefix(a, "-") {
				err = fmt.Errorf("option %s: %w", a, ErrUnsupported)
			} else {
				err = fmt.Errorf("unexpected argument %q", a)
			}
		}
		if err != nil {
			return Rule{}, err
		}
		if neg && !canNeg {
			return Rule{}, fmt.Errorf("\"!\" cannot precede %s", a)
		}
		neg = false
	}
	if neg {
		return Rule{}, errors.New(`"!" at the end, with nothing to negate`)
	}
	if !haveChain {
		return Rule{}, errors.New("no -A CHAIN given")
	}
	r.ctFirst = ctPos >= 0 && portPos > ctPos && len(r.CTState) > 0 && (r.DPort != 0 || r.SPort != 0)
	if err := r.validate(); err != nil {
		return Rule{}, err
	}
	return r, nil
}

func canonStates(v string, stateModule bool) ([]string, error) {
	var mask uint16
	for _, s := range strings.Split(v, ",") {
		s = strings.ToUpper(strings.TrimSpace(s))
		found := false
		for _, st := range ctStates {
			if st.name == s && (!stateModule || st.bit&(1<<6|1<<7) == 0) {
				mask |= st.bit
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("bad conntrack state %q", s)
		}
	}
	return statesFromMask(mask), nil
}

func statesFromMask(mask uint16) []string {
	var out []string
	for _, st := range ctStates {
		if mask&st.bit != 0 {
			out = append(out, st.name)
		}
	}
	return out
}

func stateMask(states []string) (uint16, bool) {
	var mask uint16
	for _, s := range states {
		ok := false
		for _, st := range ctStates {
			if st.name == s {
				mask |= st.bit
				ok = true
			}
		}
		if !ok {
			return 0, false
		}
	}
	return mask, true
}

// validate checks what iptables itself would refuse, so that Add fails with
// the same complaint the learner would get from the real tool.
func (r Rule) validate() error {
	if _, ok := builtinChains[r.Table]; !ok {
		return fmt.Errorf("table %q: %w (only nat and filter)", r.Table, ErrUnsupported)
	}
	if len(r.Comment) >= xt.CommentSize {
		return fmt.Errorf("comment of %d bytes: iptables takes at most %d", len(r.Comment), xt.CommentSize-1)
	}
	builtin := IsBuiltinChain(r.Table, r.Chain)
	if !builtin && !validChainName(r.Chain) {
		return fmt.Errorf("invalid chain name %q", r.Chain)
	}
	for _, p := range []struct {
		name, v string
	}{{"-s", r.Src}, {"-d", r.Dst}} {
		if p.v == "" {
			continue
		}
		c, err := canonPrefix(p.v)
		if err != nil {
			return err
		}
		if c != p.v {
			return fmt.Errorf("%s %q is not canonical (want %q)", p.name, p.v, c)
		}
	}
	if (r.Src == "" && r.NotSrc) || (r.Dst == "" && r.NotDst) || (r.In == "" && r.NotIn) ||
		(r.Out == "" && r.NotOut) || (r.Proto == "" && r.NotProto) || (len(r.CTState) == 0 && (r.NotCTState || r.StateMatch)) {
		return errors.New("a negation needs a value to negate")
	}
	if r.In != "" && (!validIface(r.In) || r.In == "+") {
		return fmt.Errorf("invalid interface name %q", r.In)
	}
	if r.Out != "" && (!validIface(r.Out) || r.Out == "+") {
		return fmt.Errorf("invalid interface name %q", r.Out)
	}
	if builtin {
		if r.In != "" && (r.Chain == "OUTPUT" || r.Chain == "POSTROUTING") {
			return fmt.Errorf("can't use -i with %s", r.Chain)
		}
		if r.Out != "" && (r.Chain == "PREROUTING" || r.Chain == "INPUT") {
			return fmt.Errorf("can't use -o with %s", r.Chain)
		}
	}
	if r.Proto != "" {
		if n, ok := protoNumber(r.Proto); !ok || protoName(n) != r.Proto {
			return fmt.Errorf("protocol %q: %w", r.Proto, ErrUnsupported)
		}
	}
	if r.DPort < 0 || r.DPort > 65535 || r.SPort < 0 || r.SPort > 65535 {
		return errors.New("port out of range")
	}
	if (r.DPort != 0 || r.SPort != 0) && ((r.Proto != "tcp" && r.Proto != "udp") || r.NotProto) {
		return errors.New("--dport/--sport need -p tcp or -p udp")
	}
	if len(r.CTState) > 0 {
		if _, ok := stateMask(r.CTState); !ok {
			return fmt.Errorf("bad conntrack state in %v", r.CTState)
		}
		if c, _ := canonStates(strings.Join(r.CTState, ","), r.StateMatch); strings.Join(c, ",") != strings.Join(r.CTState, ",") {
			return fmt.Errorf("conntrack states %v are not canonical (want %v)", r.CTState, c)
		}
	}
	if r.ctFirst && (len(r.CTState) == 0 || (r.DPort == 0 && r.SPort == 0)) {
		return errors.New("internal: match order set without both matches")
	}
	switch r.Target {
	case "":
	case "ACCEPT", "DROP", "RETURN":
	case "REJECT":
		if r.Table != "filter" {
			return fmt.Errorf("REJECT is only valid in the filter table")
		}
		if r.RejectWith != "" {
			found := false
			for n, name := range rejectWith {
				if name == r.RejectWith && n != defaultRejectWith {
					found = true
				}
			}
			if !found {
				return fmt.Errorf("--reject-with %q: %w", r.RejectWith, ErrUnsupported)
			}
			if r.RejectWith == "tcp-reset" && (r.Proto != "tcp" || r.NotProto) {
				return errors.New("--reject-with tcp-reset needs -p tcp")
			}
		}
	case "MASQUERADE", "SNAT", "DNAT":
		if r.Table != "nat" {
			return fmt.Errorf("%s is only valid in the nat table", r.Target)
		}
		if builtin {
			okChain := map[string][]string{"MASQUERADE": {"POSTROUTING"}, "SNAT": {"POSTROUTING", "INPUT"}, "DNAT": {"PREROUTING", "OUTPUT"}}[r.Target]
			if !contains(okChain, r.Chain) {
				return fmt.Errorf("%s is only valid in chain %s of the nat table", r.Target, strings.Join(okChain, " or "))
			}
		}
	default:
		if !validChainName(r.Target) || IsBuiltinChain(r.Table, r.Target) {
			return fmt.Errorf("invalid target %q", r.Target)
		}
	}
	if r.Target != "REJECT" && r.RejectWith != "" {
		return errors.New("--reject-with needs -j REJECT")
	}
	if r.Target == "SNAT" && r.ToSource == "" {
		return errors.New("SNAT needs --to-source")
	}
	if r.Target == "DNAT" && r.ToDest == "" {
		return errors.New("DNAT needs --to-destination")
	}
	if r.Target != "SNAT" && r.ToSource != "" {
		return errors.New("--to-source needs -j SNAT")
	}
	if r.Target != "DNAT" && r.ToDest != "" {
		return errors.New("--to-destination needs -j DNAT")
	}
	for _, s := range []string{r.ToSource, r.ToDest} {
		if s == "" {
			continue
		}
		nr, err := parseNatRange(s)
		if err != nil {
			return err
		}
		if nr.String() != s {
			return fmt.Errorf("%q is not canonical (want %q)", s, nr.String())
		}
		if nr.minPort != 0 && ((r.Proto != "tcp" && r.Proto != "udp") || r.NotProto) {
			return errors.New("a NAT port needs -p tcp or -p udp")
		}
		if r.Target == "SNAT" && !nr.minIP.IsValid() {
			return errors.New("--to-source needs an address")
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Canonical returns r in the form Parse and List produce: addresses masked
// with a prefix length, protocol and states spelled as iptables prints
// them, an empty table meaning filter. Values it cannot read are left for
// Add to reject. Args, Spec, Command and Add canonicalise on their own, so
// a hand-built Rule{Src: "10.0.0.1"} shows as "-s 10.0.0.1/32", as iptables
// would list it.
func (r Rule) Canonical() Rule {
	if r.Table == "" {
		r.Table = "filter"
	}
	if c, err := canonPrefix(r.Src); err == nil && r.Src != "" {
		r.Src = c
	}
	if c, err := canonPrefix(r.Dst); err == nil && r.Dst != "" {
		r.Dst = c
	}
	if r.Proto != "" {
		if n, ok := protoNumber(strings.ToLower(r.Proto)); ok {
			r.Proto = protoName(n)
		}
	}
	if len(r.CTState) > 0 {
		if c, err := canonStates(strings.Join(r.CTState, ","), r.StateMatch); err == nil {
			r.CTState = c
		}
	}
	if nr, err := parseNatRange(r.ToSource); err == nil {
		r.ToSource = nr.String()
	}
	if nr, err := parseNatRange(r.ToDest); err == nil {
		r.ToDest = nr.String()
	}
	if r.RejectWith == rejectWith[defaultRejectWith] {
		r.RejectWith = ""
	}
	return r
}

// Args returns the canonical argument vector: "-t", TABLE, then the words of
// Spec. The table is always explicit, even for filter, so the vector means
// the same thing whatever the reader assumes as default.
func (r Rule) Args() []string {
	return append([]string{"-t", r.Canonical().Table}, r.specArgs()...)
}

// specArgs is Spec as words, in the order iptables-nft's save code prints:
// addresses, interfaces, protocol, matches in rule order, target.
func (r Rule) specArgs() []string {
	r = r.Canonical()
	a := []string{"-A", r.Chain}
	add := func(not bool, words ...string) {
		if not {
			a = append(a, "!")
		}
		a = append(a, words...)
	}
	if r.Src != "" {
		add(r.NotSrc, "-s", r.Src)
	}
	if r.Dst != "" {
		add(r.NotDst, "-d", r.Dst)
	}
	if r.In != "" {
		add(r.NotIn, "-i", r.In)
	}
	if r.Out != "" {
		add(r.NotOut, "-o", r.Out)
	}
	if r.Proto != "" {
		add(r.NotProto, "-p", r.Proto)
	}
	ports := func() {
		if r.SPort == 0 && r.DPort == 0 {
			return
		}
		a = append(a, "-m", r.Proto)
		if r.SPort != 0 {
			a = append(a, "--sport", strconv.Itoa(r.SPort))
		}
		if r.DPort != 0 {
			a = append(a, "--dport", strconv.Itoa(r.DPort))
		}
	}
	ct := func() {
		if len(r.CTState) == 0 {
			return
		}
		if r.StateMatch {
			a = append(a, "-m", "state")
			add(r.NotCTState, "--state", strings.Join(r.CTState, ","))
		} else {
			a = append(a, "-m", "conntrack")
			add(r.NotCTState, "--ctstate", strings.Join(r.CTState, ","))
		}
	}
	if r.ctFirst {
		ct()
		ports()
	} else {
		ports()
		ct()
	}
	if r.Comment != "" {
		a = append(a, "-m", "comment", "--comment", r.Comment)
	}
	if r.Target != "" {
		a = append(a, "-j", r.Target)
	}
	switch r.Target {
	case "SNAT":
		a = append(a, "--to-source", r.ToSource)
	case "DNAT":
		a = append(a, "--to-destination", r.ToDest)
	case "REJECT":
		w := r.RejectWith
		if w == "" {
			w = rejectWith[defaultRejectWith]
		}
		a = append(a, "--reject-with", w)
	}
	return a
}

// Spec returns exactly the line `iptables -t TABLE -S` prints for the rule,
// e.g. "-A POSTROUTING -s 11.11.11.0/24 ! -o br0 -j MASQUERADE".
func (r Rule) Spec() string { return joinSaved(r.specArgs(), saveString) }

// Command returns the command a person would type to add the rule:
// "iptables -t nat -A POSTROUTING ..." or, for the default filter table,
// "iptables -A FORWARD ...". REJECT's default --reject-with is left out, as
// people do not type it.
func (r Rule) Command() string {
	r = r.Canonical()
	words := []string{"iptables"}
	if r.Table != "filter" {
		words = append(words, "-t", r.Table)
	}
	spec := r.specArgs()
	if r.Target == "REJECT" && r.RejectWith == "" {
		spec = spec[:len(spec)-2]
	}
	return joinSaved(append(words, spec...), shellString)
}

// String is the rule as List prints it: "-t TABLE " + Spec.
func (r Rule) String() string { return joinSaved(r.Args(), saveString) }

// joinSaved joins a rule's words with spaces, the value of --comment (the
// one word that may hold spaces or quotes) written by quote.
func joinSaved(words []string, quote func(string) string) string {
	out := make([]string, len(words))
	for i, w := range words {
		if i > 0 && words[i-1] == "--comment" {
			w = quote(w)
		}
		out[i] = w
	}
	return strings.Join(out, " ")
}

// shellString quotes a value for sh as a person would type it: bare when
// it is plain, else in double quotes with \, ", $ and ` escaped.
func shellString(v string) string {
	if v != "" && strings.Trim(v, "_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") == "" {
		return v
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "`", "\\`")
	return `"` + r.Replace(v) + `"`
}

// saveString writes a match's string value as iptables-save does
// (libxtables' xtables_save_string): bare when it is only letters, digits,
// "_" and "-", else in double quotes with ", \ and ' escaped by a
// backslash, so `--comment "name: \"cbr0\" id: \"pod-a\""`.
func saveString(v string) string {
	if v != "" && strings.Trim(v, "_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") == "" {
		return v
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range v {
		if c == '"' || c == '\\' || c == '\'' {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	b.WriteByte('"')
	return b.String()
}

// Fields splits a line of `iptables -S` into its words, undoing the quotes
// that saveString puts around a value with spaces or quotes in it, so that
// Parse reads back every rule Spec prints.
func Fields(line string) []string {
	var out []string
	var cur strings.Builder
	in, quoted, esc := false, false, false
	for _, c := range line {
		switch {
		case esc:
			cur.WriteRune(c)
			esc = false
		case quoted && c == '\\':
			esc = true
		case c == '"':
			quoted = !quoted
			in = true
		case !quoted && (c == ' ' || c == '\t' || c == '\n'):
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(c)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}
