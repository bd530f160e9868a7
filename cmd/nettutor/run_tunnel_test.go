package main

import (
	"strings"
	"testing"
)

// TestPlainPacketLinesVXLAN: `run --plain` prints a VXLAN packet as
// tcpdump -n -T vxlan does, the outer line then the inner frame's, here
// indented under it; other packets keep their one line.
func TestPlainPacketLinesVXLAN(t *testing.T) {
	var b strings.Builder
	vx := "IP 192.168.10.101.41234 > 192.168.10.102.8472: VXLAN, flags [I] (0x08), vni 1: " +
		"IP 10.244.0.2 > 10.244.1.2: ICMP echo request, id 1, seq 1, length 64"
	if !writePacketLines(&b, "NODE1/eth0", vx) {
		t.Error("a VXLAN packet not reported as tunnelled")
	}
	if writePacketLines(&b, "POD-A/eth0", "IP 10.244.0.2 > 10.244.1.2: ICMP echo request, id 1, seq 1, length 64") {
		t.Error("a plain packet reported as tunnelled")
	}
	want := "  NODE1/eth0     IP 192.168.10.101.41234 > 192.168.10.102.8472: VXLAN, flags [I] (0x08), vni 1\n" +
		"                   IP 10.244.0.2 > 10.244.1.2: ICMP echo request, id 1, seq 1, length 64\n" +
		"  POD-A/eth0     IP 10.244.0.2 > 10.244.1.2: ICMP echo request, id 1, seq 1, length 64\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
