package journey

// The stale UDP conntrack entry of a Service. A UDP "connection" is a
// conntrack entry that lives as long as its flow keeps sending (30 s
// after the last datagram, 120 s once it saw traffic both ways): the
// DNAT chosen for its first datagram holds for every later one, whatever
// the nat rules say now. When an endpoint leaves the Service, kube-proxy
// deletes such entries itself (pkg/proxy/conntrack: conntrack -D with
// --orig-dst and --reply-src); where that did not happen, a client with
// a fixed source port (a syslog or DNS forwarder) keeps sending to the
// old endpoint. trace finds such an entry in the namespace that
// translated the Service address: one from the probe's source to the
// Service's address and port whose reply tuple names an endpoint the
// rules no longer give (the netlink walk of svc_rules.go, the same one
// that decides which targets a new flow may get).

import (
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/vishvananda/netlink"
)

// ctFlows dumps n's conntrack table, again when the dump was interrupted.
func ctFlows(n *nsEnv) ([]*netlink.ConntrackFlow, error) {
	var fs []*netlink.ConntrackFlow
	var err error
	for i := 0; i < 4; i++ {
		fs, err = n.h.ConntrackTableList(netlink.ConntrackTable, netlink.FAMILY_V4)
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			break
		}
	}
	return fs, err
}

// ctText is an entry's two tuples as `conntrack -L` prints them.
func ctText(f *netlink.ConntrackFlow) string {
	o, r := f.Forward, f.Reverse
	return fmt.Sprintf("udp src=%s dst=%s sport=%d dport=%d src=%s dst=%s sport=%d dport=%d",
		o.SrcIP, o.DstIP, o.SrcPort, o.DstPort, r.SrcIP, r.DstIP, r.SrcPort, r.DstPort)
}

// staleStop is the stop of a UDP probe to a Service address when the
// namespace that translates it (svcNS) holds an entry from src to the
// Service whose endpoint the rules no longer give. The probe's own flow
// (its source port) first: it went to that endpoint. Else another flow
// of the same source: the probe, a new flow, got a fresh choice, but
// that flow's datagrams still go to the old endpoint. nil: none.
func (x *explainer) staleStop(svcNS, src string) *Drop {
	j := x.j
	n := x.e.ns(svcNS)
	s, d := net.ParseIP(src).To4(), net.ParseIP(j.To).To4()
	if n == nil || n.h == nil || s == nil || d == nil || j.Proto != "udp" {
		return nil
	}
	v, err := n.natWalk(17, s, d, j.Port, svcNS == j.From)
	if err != nil || v.unknown || len(v.targets) == 0 && !v.passes {
		return nil // the walk cannot say what the rules give
	}
	now := map[string]bool{}
	var gives []string
	for _, t := range v.targets {
		p := j.Port
		if t.port != 0 {
			p = t.port
		}
		hp := hostPort(t.addr, p, 17)
		if !now[hp] {
			now[hp] = true
			gives = append(gives, hp)
		}
	}
	sort.Strings(gives)
	fs, err := ctFlows(n)
	if err != nil {
		return nil
	}
	var own, other *netlink.ConntrackFlow
	for _, f := range fs {
		o, r := f.Forward, f.Reverse
		if o.Protocol != 17 || !o.SrcIP.Equal(s) || !o.DstIP.Equal(d) || int(o.DstPort) != j.Port {
			continue
		}
		if r.SrcIP.Equal(o.DstIP) && r.SrcPort == o.DstPort {
			continue // not DNATed
		}
		if now[hostPort(r.SrcIP.String(), int(r.SrcPort), 17)] {
			continue
		}
		switch {
		case int(o.SrcPort) == x.p.Sport:
			own = f
		case other == nil || o.SrcPort < other.Forward.SrcPort:
			other = f // the same one each time: the lowest port
		}
	}
	f, key := own, "svc.stop_stale"
	if f == nil {
		f, key = other, "svc.stop_stale_other"
	}
	if f == nil {
		return nil
	}
	ep := hostPort(f.Reverse.SrcIP.String(), int(f.Reverse.SrcPort), 17)
	none := strings.Join(gives, ", ")
	if none == "" {
		none = "-"
	}
	svc := hostPort(j.To, j.Port, 17)
	dr := newDrop(x.lang, svcNS, "conntrack", ReasonStaleCT, "request",
		m(key, svcNS, fmt.Sprintf("%s:%d", src, f.Forward.SrcPort), svc, ep, none, ctText(f)))
	dr.Observed = true
	dr.Names = map[string]string{"node": svcNS, "endpoint": ep, "entry": ctText(f), "service": svc,
		"sport": fmt.Sprint(f.Forward.SrcPort), "src": src}
	return dr
}
