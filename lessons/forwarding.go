package lessons

// The `forwards` check and the no-forward diagnosis: whether a router
// forwards is decided per ingress device (journey.Forwards), so both judge
// the devices the traffic arrives on, the request's and the reply's, not
// net.ipv4.ip_forward alone: `sysctl -w net.ipv4.conf.br0.forwarding=1`
// and the same for uplink is as right an answer as ip_forward=1.

import (
	"net/netip"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/journey"
)

// forwardsOn is journey.Forwards on namespace n of the lab, read live from
// its kernel (the snapshot holds ip_forward only); ip_forward of the
// snapshot when the lab cannot be read.
func forwardsOn(lab *engine.Lab, n *engine.Namespace, dev string) (bool, string) {
	get := func(key string) (string, bool) {
		if v, err := lab.ReadSysctl(n.Name, key); err == nil {
			return v, true
		}
		if key == "net.ipv4.ip_forward" {
			v, ok := n.Sysctl[key]
			return v, ok
		}
		return "", false
	}
	var devs []string
	for _, l := range n.Links {
		devs = append(devs, l.Name)
	}
	return journey.Forwards(get, dev, devs)
}

// firstV4 is the first IPv4 address of n's links but loopback.
func firstV4(n *engine.Namespace) (netip.Addr, bool) {
	for _, l := range n.Links {
		if l.Kind == "loopback" {
			continue
		}
		if p, ok := srcOn(&l); ok {
			return p.Addr(), true
		}
	}
	return netip.Addr{}, false
}

// forwardGap is what stops router from forwarding between namespace from
// and address to, both ways: the device a request from from arrives on,
// then the device the reply from to arrives on, the first that does not
// forward. It returns the fault ("" when both forward) and, for the
// diagnosis, the device and the key that says so.
func forwardGap(lab *engine.Lab, s *engine.Snapshot, router, from, to string) (fault, dev, key string) {
	rn, fn := s.NS(router), s.NS(from)
	if rn == nil {
		return noNS(s, router), "", ""
	}
	if fn == nil {
		return noNS(s, from), "", ""
	}
	src, ok := firstV4(fn)
	if !ok {
		return assets.C("fault.addr.no_v4", "ns", from, "addr", "IPv4"), "", ""
	}
	dst, err := netip.ParseAddr(to)
	if err != nil {
		return assets.C("fault.forwards.no_route", "ns", router, "addr", to, "from", from, "to", to), "", ""
	}
	for _, leg := range []struct {
		back netip.Addr // the packet arrives by rn's route to it
		msg  string
	}{{src, "fault.forwards.request"}, {dst, "fault.forwards.reply"}} {
		r := lookup(rn, leg.back)
		if r == nil || r.Dev == "" {
			return assets.C("fault.forwards.no_route", "ns", router, "addr", leg.back.String(), "from", from, "to", to), "", ""
		}
		if on, k := forwardsOn(lab, rn, r.Dev); !on {
			return assets.C(leg.msg, "ns", router, "from", from, "to", to, "dev", r.Dev, "key", k), r.Dev, k
		}
	}
	return "", "", ""
}

// forwards runs a `forwards` check.
func (c *checker) forwards(g AssertArgs) string {
	s := c.snap()
	if s == nil {
		return assets.C("fault.snapshot", "err", c.err.Error())
	}
	f, _, _ := forwardGap(c.lab, s, nsOr(g.NS), g.From, g.To)
	return f
}

// forwardOff says whether router rn drops what arrives on dev for another
// address, naming {ns}, {dev} and {key} (the sysctl that is 0) for the hint.
func (d *diag) forwardOff(rn *engine.Namespace, dev string) bool {
	on, key := forwardsOn(d.c.lab, rn, dev)
	if on {
		return false
	}
	d.v["ns"], d.v["dev"], d.v["key"] = rn.Name, dev, key
	return true
}
