package capture

import (
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/nettutor/nettutor/engine/nsutil"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
)

// pinNS makes a named lab namespace that the test removes at the end.
func pinNS(t *testing.T, name string) (netns.NsHandle, string) {
	t.Helper()
	path := fmt.Sprintf("/run/netns/%s%d", name, labCount.Add(1))
	ns, err := nsutil.NewPinned(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Close(); _ = nsutil.Unpin(path) })
	_ = nsutil.Do(ns, func() error {
		for _, k := range []string{"all", "default"} {
			_ = os.WriteFile("/proc/sys/net/ipv6/conf/"+k+"/disable_ipv6", []byte("1"), 0o644)
		}
		return nil
	})
	return ns, path
}

// wire joins a and b with a veth pair and gives each end an address.
func wire(t *testing.T, a netns.NsHandle, aName, aCIDR string, b netns.NsHandle, bName, bCIDR string) {
	t.Helper()
	ha, err := netlink.NewHandleAt(a)
	if err != nil {
		t.Fatal(err)
	}
	defer ha.Close()
	hb, err := netlink.NewHandleAt(b)
	if err != nil {
		t.Fatal(err)
	}
	defer hb.Close()
	if err := ha.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: aName}, PeerName: bName, PeerNamespace: netlink.NsFd(int(b))}); err != nil {
		t.Fatal(err)
	}
	for _, e := range []struct {
		h          *netlink.Handle
		name, cidr string
	}{{ha, aName, aCIDR}, {hb, bName, bCIDR}} {
		link, err := e.h.LinkByName(e.name)
		if err != nil {
			t.Fatal(err)
		}
		addr, err := netlink.ParseAddr(e.cidr)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.h.AddrAdd(link, addr); err != nil {
			t.Fatal(err)
		}
		if err := e.h.LinkSetUp(link); err != nil {
			t.Fatal(err)
		}
	}
}

func ifname(n string) []byte {
	b := make([]byte, 16)
	copy(b, n)
	return b
}

// The NAT lesson's view: one ping from RED to OUTSIDE through a host that
// masquerades, captured before (RED/veth0) and after (host/out0) the
// translation, merged in time order and drawn as a ladder.
func TestNATBeforeAndAfter(t *testing.T) {
	red, redPath := pinNS(t, "RED")
	host, hostPath := pinNS(t, "HOST")
	outside, _ := pinNS(t, "OUTSIDE")
	wire(t, red, "veth0", "11.11.11.2/24", host, "veth-red", "11.11.11.1/24")
	wire(t, host, "out0", "203.0.113.1/24", outside, "eth0", "203.0.113.2/24")
	hr, err := netlink.NewHandleAt(red)
	if err != nil {
		t.Fatal(err)
	}
	defer hr.Close()
	if err := hr.RouteAdd(&netlink.Route{Gw: net.IPv4(11, 11, 11, 1)}); err != nil {
		t.Fatalf("default route in RED: %v", err)
	}
	if err := nsutil.Do(host, func() error {
		return os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1"), 0o644)
	}); err != nil {
		t.Fatalf("ip_forward: %v", err)
	}
	nft, err := nftables.New(nftables.WithNetNSFd(int(host)))
	if err != nil {
		t.Fatal(err)
	}
	tbl := nft.AddTable(&nftables.Table{Family: nftables.TableFamilyIPv4, Name: "nat"})
	ch := nft.AddChain(&nftables.Chain{Name: "POSTROUTING", Table: tbl, Type: nftables.ChainTypeNAT,
		Hooknum: nftables.ChainHookPostrouting, Priority: nftables.ChainPriorityNATSource})
	nft.AddRule(&nftables.Rule{Table: tbl, Chain: ch, Exprs: []expr.Any{
		&expr.Meta{Key: expr.MetaKeyOIFNAME, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: ifname("out0")},
		&expr.Masq{},
	}})
	if err := nft.Flush(); err != nil {
		t.Skipf("no NAT in this kernel: %v", err)
	}

	set, err := StartSet([]Point{
		{NS: "RED", NSPath: redPath, Iface: "veth0", Filter: "icmp"},
		{NS: "host", NSPath: hostPath, Iface: "out0", Filter: "icmp"},
	}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer set.Stop()

	var conn *icmp.PacketConn
	if err := nsutil.Do(red, func() (err error) { conn, err = icmp.ListenPacket("ip4:icmp", "0.0.0.0"); return err }); err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	msg, _ := (&icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: 77, Seq: 1, Data: make([]byte, 56)}}).Marshal(nil)
	if _, err := conn.WriteTo(msg, &net.IPAddr{IP: net.IPv4(203, 0, 113, 2)}); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	buf := make([]byte, 1500)
	for {
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			t.Fatalf("no reply through the NAT: %v", err)
		}
		if m, err := icmp.ParseMessage(1, buf[:n]); err == nil && m.Type == ipv4.ICMPTypeEchoReply {
			break
		}
	}
	if !waitFor(2*time.Second, func() bool { return len(set.Packets()) >= 4 }) {
		t.Fatalf("captured %d packets, want 4", len(set.Packets()))
	}
	_ = set.Stop()
	pkts := set.Packets()
	want := []struct{ point, prefix string }{
		{"RED/veth0", "IP 11.11.11.2 > 203.0.113.2: ICMP echo request"},
		{"host/out0", "IP 203.0.113.1 > 203.0.113.2: ICMP echo request"},
		{"host/out0", "IP 203.0.113.2 > 203.0.113.1: ICMP echo reply"},
		{"RED/veth0", "IP 203.0.113.2 > 11.11.11.2: ICMP echo reply"},
	}
	if len(pkts) != len(want) {
		t.Fatalf("got %d packets: %v", len(pkts), pkts)
	}
	for i, w := range want {
		if pkts[i].Point != w.point || !strings.HasPrefix(pkts[i].Summary, w.prefix) {
			t.Errorf("packet %d: %s %q, want %s %q...", i, pkts[i].Point, pkts[i].Summary, w.point, w.prefix)
		}
	}
	hosts := map[string]string{"11.11.11.2": "RED", "11.11.11.1": "host", "203.0.113.1": "host", "203.0.113.2": "OUTSIDE"}
	lad := BuildLadder(pkts, hosts, "RED", "host", "OUTSIDE")
	type hop struct{ from, to int }
	wantHops := []hop{{0, 2}, {1, 2}, {2, 1}, {2, 0}}
	for i, a := range lad.Arrows {
		if (hop{a.From, a.To}) != wantHops[i] {
			t.Errorf("arrow %d: %d->%d, want %v", i, a.From, a.To, wantHops[i])
		}
	}
	t.Logf("\n%s", RenderLadder(lad, 100))
}
