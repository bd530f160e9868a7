package engine

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"
)

// TestPingDF: a full-size ping with DF set crosses links of the same MTU,
// gets no answer where a bridge port or veth end has a smaller one (no
// ICMP: neither is a router), fails before sending on the sender's own
// smaller link (EMSGSIZE), and comes back as "Frag needed and DF set"
// from a router whose way on is smaller; what it prints is ping's.
func TestPingDF(t *testing.T) {
	needTools(t, "ping")
	l := newLab(t)
	apply(t, l, BaselineActions()...)
	ctx := context.Background()
	const cmd = "ip netns exec RED ping -M do -s 1472 -c 1 -W 1 10.0.0.3"
	res, err := l.PingDF(ctx, "RED", "10.0.0.3", 1472, 1, time.Second)
	if err != nil {
		t.Fatalf("1500-byte ping across br0: %v", err)
	}
	checkProbe(t, l, cmd, res.Format("10.0.0.3"), "PING 10.0.0.3 (10.0.0.3) 1472(1500) bytes of data.", "1480 bytes from 10.0.0.3: icmp_seq=1")

	// BLUE's port of br0 at 1400, BLUE's own eth0 at 1500.
	apply(t, l, LinkSetMTU{Name: "veth-BLUE", MTU: 1400})
	res, err = l.PingDF(ctx, "RED", "10.0.0.3", 1472, 1, time.Second)
	if !errors.Is(err, ErrNoReply) || len(res.Errors) != 0 {
		t.Fatalf("across a 1400 port: err = %v, ICMP errors %v; want no reply and no error", err, res.Errors)
	}
	checkProbe(t, l, cmd, res.Format("10.0.0.3"), "1 packets transmitted, 0 received, 100% packet loss")
	if _, err := l.PingDF(ctx, "RED", "10.0.0.3", 1372, 1, time.Second); err != nil {
		t.Errorf("a 1400-byte packet across a 1400 port: %v", err)
	}
	if _, err := l.Ping(ctx, "RED", "10.0.0.3", 1, time.Second); err != nil {
		t.Errorf("a small ping: %v", err)
	}

	// The sender's own link is smaller: nothing is sent.
	apply(t, l, LinkSetMTU{NS: "BLUE", Name: "eth0", MTU: 1400})
	if _, err := l.PingDF(ctx, "BLUE", "10.0.0.2", 1472, 1, time.Second); !errors.Is(err, syscall.EMSGSIZE) {
		t.Errorf("from a 1400 link: err = %v, want EMSGSIZE", err)
	}

	// A router whose way on is smaller says so.
	apply(t, l, LinkSetMTU{Name: "uplink", MTU: 1400}, LinkSetMTU{NS: "OUTSIDE", Name: "eth0", MTU: 1400})
	res, err = l.PingDF(ctx, "RED", "203.0.113.2", 1472, 1, time.Second)
	if err == nil || len(res.Errors) != 1 || res.Errors[0].Text() != "Frag needed and DF set" || res.Errors[0].From != "10.0.0.1" {
		t.Errorf("through a 1400 uplink: err = %v, errors %+v; want Frag needed from 10.0.0.1", err, res.Errors)
	}
}
