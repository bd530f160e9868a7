package engine

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestOracleOverlay holds the snapshot's overlay fields against ip -j -d
// link, ip -j neigh, bridge -j fdb and ip -j route in the same namespaces
// of the cluster lab: a VXLAN device's settings, permanent neighbours, fdb
// entries with their remote VTEP, and onlink/proto/type routes.
func TestOracleOverlay(t *testing.T) {
	needTools(t, "ip", "bridge")
	l := newLab(t)
	apply(t, l, ClusterActions()...)
	apply(t, l,
		VxlanAdd{NS: "NODE2", Name: "vx0", ID: 4096, DstPort: 4789, Remote: "192.168.10.101", Dev: "eth0", Learning: true},
		RouteAdd{NS: "NODE2", Dst: "10.244.9.0/24", Type: "blackhole", Proto: "bird"},
	)
	if _, err := l.Ping(context.Background(), "POD-A", "10.244.1.2", 1, 2*time.Second); err != nil {
		t.Fatalf("POD-A -> POD-B: %v", err)
	}
	s := snap(t, l)
	vxlans := 0
	for _, ns := range s.Namespaces {
		// Links: the VXLAN settings.
		var links []struct {
			Ifname   string `json:"ifname"`
			LinkInfo struct {
				Kind string `json:"info_kind"`
				Data struct {
					ID       int    `json:"id"`
					Remote   string `json:"remote"`
					Local    string `json:"local"`
					Link     string `json:"link"`
					Port     int    `json:"port"`
					Learning bool   `json:"learning"`
				} `json:"info_data"`
			} `json:"linkinfo"`
		}
		ipJSON(t, l, ns.Name, &links, "ip", "-j", "-d", "link")
		for _, il := range links {
			lk := ns.Link(il.Ifname)
			if lk == nil {
				t.Errorf("%s: ip has %s, the snapshot not", ns.Name, il.Ifname)
				continue
			}
			if il.LinkInfo.Kind != "vxlan" {
				if lk.VXLAN != nil {
					t.Errorf("%s %s: a %q link with vxlan settings %+v", ns.Name, il.Ifname, il.LinkInfo.Kind, lk.VXLAN)
				}
				continue
			}
			vxlans++
			d := il.LinkInfo.Data
			want := VXLANInfo{ID: d.ID, Port: d.Port, Local: d.Local, Remote: d.Remote, Dev: d.Link, Learning: d.Learning}
			if lk.VXLAN == nil || *lk.VXLAN != want {
				t.Errorf("%s %s: snapshot vxlan %+v, ip -j -d link %+v", ns.Name, il.Ifname, lk.VXLAN, want)
			}
		}
		// Neighbours, with their state.
		var neigh []struct {
			Dst    string   `json:"dst"`
			Dev    string   `json:"dev"`
			Lladdr string   `json:"lladdr"`
			State  []string `json:"state"`
		}
		ipJSON(t, l, ns.Name, &neigh, "ip", "-j", "neigh")
		var want, got []string
		for _, n := range neigh {
			if len(n.State) == 1 && n.State[0] == "PERMANENT" {
				want = append(want, n.Dst+" "+n.Dev+" "+n.Lladdr)
			}
		}
		for _, n := range ns.Neighbors {
			if n.State == "permanent" {
				got = append(got, n.IP+" "+n.Dev+" "+n.MAC)
			}
		}
		if !reflect.DeepEqual(sorted(got), sorted(want)) {
			t.Errorf("%s permanent neighbours: snapshot %v, ip -j neigh %v", ns.Name, got, want)
		}
		// The fdb, with dst and flags.
		var fdb []struct {
			MAC    string   `json:"mac"`
			Ifname string   `json:"ifname"`
			Dst    string   `json:"dst"`
			State  string   `json:"state"`
			Flags  []string `json:"flags"`
		}
		ipJSON(t, l, ns.Name, &fdb, "bridge", "-j", "fdb", "show")
		var dump, snap []fdbLine
		for _, e := range fdb {
			self := contains(e.Flags, "self")
			dump = append(dump, fdbLine{fmt.Sprintf("%s %s dst=%s %s self=%v", e.MAC, e.Ifname, e.Dst, e.State, self), e.State == "" && !self})
		}
		for _, e := range ns.FDB {
			snap = append(snap, fdbLine{fmt.Sprintf("%s %s dst=%s %s self=%v", e.MAC, e.Dev, e.Dst, e.State, e.Self), e.State == "" && !e.Self})
		}
		matchFDB(t, ns.Name, snap, dump)
		// Routes, with type, protocol, scope and flags.
		var routes []struct {
			Type     string   `json:"type"`
			Dst      string   `json:"dst"`
			Gateway  string   `json:"gateway"`
			Dev      string   `json:"dev"`
			Protocol string   `json:"protocol"`
			Scope    string   `json:"scope"`
			Flags    []string `json:"flags"`
		}
		ipJSON(t, l, ns.Name, &routes, "ip", "-j", "route")
		want, got = nil, nil
		for _, r := range routes {
			dst := r.Dst
			if dst != "default" && !strings.Contains(dst, "/") {
				dst += "/32"
			}
			typ := r.Type
			if typ == "unicast" {
				typ = ""
			}
			proto := r.Protocol
			if proto == "" {
				proto = "boot" // ip leaves its own default out
			}
			scope := r.Scope
			if scope == "global" {
				scope = ""
			}
			want = append(want, fmt.Sprintf("%s %s %s gw=%s %s scope=%s onlink=%v", typ, dst, r.Dev, r.Gateway, proto, scope, contains(r.Flags, "onlink")))
		}
		for _, r := range ns.Routes {
			got = append(got, fmt.Sprintf("%s %s %s gw=%s %s scope=%s onlink=%v", r.Type, r.Dst, r.Dev, r.Gw, r.Proto, r.Scope, r.OnLink))
		}
		if !reflect.DeepEqual(sorted(got), sorted(want)) {
			t.Errorf("%s routes: snapshot\n%v\nip -j route\n%v", ns.Name, sorted(got), sorted(want))
		}
	}
	if vxlans != 3 {
		t.Errorf("ip saw %d VXLAN devices, want 3 (flannel.1 on each node, vx0)", vxlans)
	}
	n1 := s.NS("NODE1")
	for _, w := range []string{"0a:58:c0:a8:0a:66 flannel.1 dst=192.168.10.102 permanent self=true"} {
		found := false
		for _, e := range n1.FDB {
			found = found || fmt.Sprintf("%s %s dst=%s %s self=%v", e.MAC, e.Dev, e.Dst, e.State, e.Self) == w
		}
		if !found {
			t.Errorf("NODE1 fdb lacks %s: %+v", w, n1.FDB)
		}
	}
}
