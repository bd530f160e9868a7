package journey

import (
	"strings"
	"testing"
)

// TestForwardingPerIngress: IPv4 forwarding is the ingress device's
// (net.ipv4.conf.DEV.forwarding), not net.ipv4.ip_forward: forwarding on
// br0 and uplink alone forwards both ways; off on uplink alone forwards
// the request and drops the reply there; off on br0 alone, with
// ip_forward=1, drops the request on br0, and the stop names the device.
func TestForwardingPerIngress(t *testing.T) {
	with := func(all, br0, uplink string) *Journey {
		s := natSnapshot(all, masq)
		h := s.NS("host")
		h.Sysctl[ForwardingKey("br0")] = br0
		h.Sysctl[ForwardingKey("uplink")] = uplink
		return Predict(s, "RED", "203.0.113.2")
	}
	if j := with("0", "1", "1"); j.Result != Replied {
		t.Errorf("ip_forward=0, br0 and uplink forwarding=1: %s, drop %+v", j.Result, j.Drop)
	}
	j := with("0", "1", "0")
	if j.Drop == nil || j.Drop.Reason != ReasonForwardOff || j.Drop.Leg != "reply" || j.Drop.Where != "uplink" ||
		!strings.Contains(j.Drop.Detail, "net.ipv4.conf.uplink.forwarding=0") {
		t.Errorf("uplink forwarding=0: drop %+v", j.Drop)
	}
	j = with("1", "0", "1")
	if j.Drop == nil || j.Drop.Reason != ReasonForwardOff || j.Drop.Leg != "request" || j.Drop.Where != "br0" ||
		!strings.Contains(j.Drop.Detail, "net.ipv4.conf.br0.forwarding=0") {
		t.Errorf("br0 forwarding=0: drop %+v", j.Drop)
	}
	// Every device as ip_forward says: the key named is ip_forward, the
	// usual switch and the usual fix.
	s := natSnapshot("0", masq)
	s.NS("host").Sysctl[ForwardingKey("br0")] = "0"
	j = Predict(s, "RED", "203.0.113.2")
	if j.Drop == nil || !strings.Contains(j.Drop.Detail, "net.ipv4.ip_forward=0") {
		t.Errorf("all off: drop %+v", j.Drop)
	}
	get := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	for _, c := range []struct {
		m   map[string]string
		on  bool
		key string
	}{
		{map[string]string{"net.ipv4.ip_forward": "1"}, true, "net.ipv4.ip_forward"},
		{map[string]string{"net.ipv4.ip_forward": "1", "net.ipv4.conf.br0.forwarding": "0"}, false, "net.ipv4.conf.br0.forwarding"},
		{map[string]string{"net.ipv4.ip_forward": "0", "net.ipv4.conf.br0.forwarding": "1"}, true, "net.ipv4.conf.br0.forwarding"},
		{map[string]string{"net.ipv4.conf.br0.forwarding": "1"}, true, "net.ipv4.conf.br0.forwarding"},
		{map[string]string{}, false, "net.ipv4.ip_forward"},
	} {
		if on, key := Forwards(get(c.m), "br0", []string{"br0", "uplink"}); on != c.on || key != c.key {
			t.Errorf("%v: %v %q, want %v %q", c.m, on, key, c.on, c.key)
		}
	}
}
