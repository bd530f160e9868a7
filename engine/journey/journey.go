// Package journey explains where one probe went in a lab, hop by hop, from
// the kernel's own evidence: AF_PACKET captures on every lab interface while
// the probe runs, route lookups replayed in each namespace, the bridges' fdb,
// conntrack's tuples for NAT, and the netfilter rules of each namespace.
//
// The model is built in two parts on purpose: Trace gathers evidence (it is
// the only part that sends anything), and explain turns evidence into hops
// and a stop. Checks that diagnose a path from a snapshot alone can later call
// the explaining half with the evidence they have.
package journey

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Result values of a journey, as the JSON and the CLI's exit code use them.
const (
	Replied = "replied"  // an answer from the destination came back
	NoReply = "no-reply" // the probe or its answer was lost without a rule
	Dropped = "dropped"  // a netfilter rule or policy (or rp_filter) dropped it
	NoRoute = "no-route" // a route lookup failed on the way there
)

// Stop reasons: why a request or its reply went no further.
const (
	ReasonNoRoute     = "no-route"
	ReasonNoRouteBack = "no-route-back"
	ReasonARP         = "arp-unanswered"
	ReasonForwardOff  = "ip-forward-off"
	ReasonRPFilter    = "rp-filter"
	ReasonRule        = "drop-rule"
	ReasonPolicy      = "policy-drop"
	ReasonBrNF        = "br-netfilter"
	ReasonLinkDown    = "link-down"
	ReasonUnknown     = "unknown"
	// Tunnel and routed-pod stops (tunnel.go).
	ReasonNoFDB      = "no-fdb"       // the VXLAN device has no fdb entry (VTEP) for the frame
	ReasonVXLANPort  = "vxlan-port"   // no VXLAN device at the remote VTEP takes that port and VNI
	ReasonTunnelMTU  = "tunnel-mtu"   // the packet is too big for the tunnel
	ReasonNoProxyARP = "no-proxy-arp" // a gateway no one holds, answered only by proxy ARP, which is off
)

// Probe is what to send: one ICMP echo, a TCP SYN or a UDP datagram.
type Probe struct {
	From  string // "host" or a name under the netns folder
	Dst   string // an IPv4 address
	Proto string // "icmp", "tcp" or "udp"
	Port  int    // with tcp and udp
	// Sport is, for a replay (PredictLab) under a connection that was
	// made, its source port: a Service's DNAT is then the one conntrack
	// recorded for that very connection (0: not known). For Trace
	// (tcp, udp) it is the probe's source port, so that the probe is a
	// flow conntrack already holds (0: a random one).
	Sport int
	// Size is the ICMP echo's data in bytes, sent with DF set as
	// ping -M do -s SIZE sends it (0: the usual small echo).
	Size int
}

// Encap is the outer packet of a hop that crossed a tunnel: the hop's own
// addresses stay the inner packet's, the one the probe sent.
type Encap struct {
	Kind  string `json:"kind"` // "vxlan"
	VNI   int    `json:"vni"`
	Src   string `json:"src"`   // the sending VTEP
	Dst   string `json:"dst"`   // the receiving VTEP
	Dport int    `json:"dport"` // the UDP port the receiver must listen on
}

// Hop is one place where the packet was seen (or, with Observed false,
// where the replayed lookups say it must have been).
type Hop struct {
	NS       string `json:"ns"`
	Dev      string `json:"dev"`
	Dir      string `json:"dir"` // "in" or "out"
	Src      string `json:"src,omitempty"`
	Dst      string `json:"dst,omitempty"`
	Sport    int    `json:"sport,omitempty"`
	Dport    int    `json:"dport,omitempty"`
	Why      string `json:"why"`
	Observed bool   `json:"observed"` // seen by the capture on that interface
	// Encap is set on the hops of a tunnel: where the packet enters the
	// tunnel device and where it travels encapsulated.
	Encap *Encap `json:"encap,omitempty"`
	// NAT are the rewrites this hop made: a DNAT where the packet came
	// in (or left its sender), a source NAT where it went out.
	NAT    []Rewrite `json:"nat,omitempty"`
	srcMAC string
	dstMAC string
	t      time.Time
}

// RuleHit is a netfilter rule (or chain policy) that the packet crossed.
type RuleHit struct {
	NS      string `json:"ns"`
	Table   string `json:"table"`
	Chain   string `json:"chain"`
	Rule    string `json:"rule"`    // in iptables -S form
	Verdict string `json:"verdict"` // accept, drop, snat, dnat, ...
	Source  string `json:"source"`  // "inferred" (matched against the packet) or "observed"
}

// Rewrite is a NAT rewrite on the way.
type Rewrite struct {
	NS        string `json:"ns"`
	Kind      string `json:"kind"` // snat or dnat; masquerade for a Service's (svc_journey.go)
	From      string `json:"from"`
	To        string `json:"to"`
	Rule      string `json:"rule,omitempty"`
	Confirmed bool   `json:"confirmed"` // the rewritten packet was captured downstream
}

// Drop is where and why the request or its reply stopped.
type Drop struct {
	NS     string `json:"ns"`
	Where  string `json:"where"` // a device, or a table/chain
	Rule   string `json:"rule,omitempty"`
	Reason string `json:"reason"`
	Detail string `json:"detail"`
	Leg    string `json:"leg"` // "request" or "reply"
	// Observed says the kernel's own trace reported the dropping rule;
	// otherwise the rule was inferred from the rules and the packet.
	Observed bool `json:"observed"`
	// Names are the stop's own names for a hint (tunnel.go's stops:
	// mac, vtep, src, port, vni, devices, mtu, packet, gw, node, peer,
	// key; router and
	// gw for a stop reached by another namespace's default route).
	Names map[string]string `json:"names,omitempty"`
	parts []msg             // the detail's sentences, for Text in another language
	lang  string            // the language Detail is in
}

// Leg is the reply's own journey.
type Leg struct {
	Result string `json:"result"` // delivered or lost
	Kind   string `json:"kind,omitempty"`
	Hops   []Hop  `json:"hops"`
}

// Evidence says which parts of a journey were observed and which were
// replayed or inferred, so a reader knows how far to trust each.
type Evidence struct {
	Observed []string `json:"observed"`
	Replayed []string `json:"replayed"`
	Inferred []string `json:"inferred"`
}

// Journey is the path of one probe and its reply.
type Journey struct {
	From     string    `json:"from"`
	To       string    `json:"to"`
	Proto    string    `json:"proto"`
	Port     int       `json:"port,omitempty"`
	Result   string    `json:"result"`
	Hops     []Hop     `json:"hops"`
	Rules    []RuleHit `json:"rules"`
	NAT      []Rewrite `json:"nat"`
	Drop     *Drop     `json:"drop"`
	Reply    *Leg      `json:"reply"`
	Evidence Evidence  `json:"evidence"`
	// Service is set when the destination is an address no namespace
	// owns that a NAT rule translated (a Service's ClusterIP).
	Service *ServicePath `json:"service,omitempty"`
	// Unreplayed names the namespaces on a replayed (predicted) path whose
	// rules were not all in a form the replay reads: there the real
	// packet may do otherwise.
	Unreplayed []string `json:"unreplayed,omitempty"`
	Millis     float64  `json:"ms"`
}

// JSON is the journey as the CLI prints it.
func (j *Journey) JSON() []byte {
	b, _ := json.MarshalIndent(j, "", "  ")
	return append(b, '\n')
}

// RefusedError says a destination is not inside the visible lab: the probe
// would leave the machine, so nothing was sent.
type RefusedError struct {
	Dst    string
	Reason string
}

// Error says what was refused and that nothing was sent.
func (e *RefusedError) Error() string {
	return fmt.Sprintf("refusing to trace %s: %s; nothing was sent", e.Dst, e.Reason)
}

// BadProbeError is a probe that cannot be sent as given (an unknown
// namespace, a malformed address).
type BadProbeError struct{ Msg string }

// Error is the message as the CLI prints it.
func (e *BadProbeError) Error() string { return e.Msg }

// IsBadInput reports whether err is the caller's mistake (exit 2 in the
// CLI) rather than a failure of the lab.
func IsBadInput(err error) bool {
	var r *RefusedError
	var b *BadProbeError
	return errors.As(err, &r) || errors.As(err, &b)
}
