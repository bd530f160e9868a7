package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The snapshot is held against the real tools run in the same namespace:
// ip -j addr / route / link, bridge -j fdb and iptables -S.

func oracleLab(t *testing.T) *Lab {
	l := newLab(t)
	apply(t, l, BaselineActions()...)
	// Traffic so that neighbour tables and the fdb have learned entries.
	for _, ns := range []string{"RED", "BLUE"} {
		if _, err := l.Ping(context.Background(), ns, "203.0.113.2", 1, time.Second); err != nil {
			t.Fatalf("%s -> OUTSIDE: %v", ns, err)
		}
	}
	return l
}

func ipJSON(t *testing.T, l *Lab, ns string, v any, args ...string) {
	t.Helper()
	out := run(t, l, ns, args...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func TestOracleAddr(t *testing.T) {
	l := oracleLab(t)
	s := snap(t, l)
	for _, ns := range s.Namespaces {
		var ip []struct {
			Ifname   string `json:"ifname"`
			AddrInfo []struct {
				Local     string `json:"local"`
				Prefixlen int    `json:"prefixlen"`
			} `json:"addr_info"`
		}
		ipJSON(t, l, ns.Name, &ip, "ip", "-j", "addr")
		want := map[string][]string{}
		for _, i := range ip {
			for _, a := range i.AddrInfo {
				want[i.Ifname] = append(want[i.Ifname], fmt.Sprintf("%s/%d", a.Local, a.Prefixlen))
			}
		}
		got := map[string][]string{}
		for _, lk := range ns.Links {
			if len(lk.Addrs) > 0 {
				got[lk.Name] = sorted(lk.Addrs)
			}
		}
		for k := range want {
			want[k] = sorted(want[k])
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s addresses: snapshot %v, ip -j addr %v", ns.Name, got, want)
		}
	}
}

func TestOracleLink(t *testing.T) {
	l := oracleLab(t)
	s := snap(t, l)
	for _, ns := range s.Namespaces {
		var ip []struct {
			Ifname    string   `json:"ifname"`
			Link      string   `json:"link"`
			Flags     []string `json:"flags"`
			MTU       int      `json:"mtu"`
			Operstate string   `json:"operstate"`
			Address   string   `json:"address"`
			Master    string   `json:"master"`
			Linkinfo  struct {
				InfoKind string `json:"info_kind"`
			} `json:"linkinfo"`
		}
		ipJSON(t, l, ns.Name, &ip, "ip", "-j", "-d", "link")
		if len(ip) != len(ns.Links) {
			t.Errorf("%s: %d links in snapshot, %d in ip -j link", ns.Name, len(ns.Links), len(ip))
			continue
		}
		for _, i := range ip {
			lk := ns.Link(i.Ifname)
			if lk == nil {
				t.Errorf("%s: %s missing from snapshot", ns.Name, i.Ifname)
				continue
			}
			up := "down"
			if contains(i.Flags, "UP") {
				up = "up"
			}
			kind := i.Linkinfo.InfoKind
			if kind == "" && i.Ifname == "lo" {
				kind = "loopback"
			}
			got := fmt.Sprint(lk.State, lk.Oper, lk.MTU, lk.MAC, lk.Master, lk.Kind)
			want := fmt.Sprint(up, strings.ToLower(i.Operstate), i.MTU, i.Address, i.Master, kind)
			if got != want {
				t.Errorf("%s/%s: snapshot %q, ip %q", ns.Name, i.Ifname, got, want)
			}
			if lk.Kind == "veth" && (lk.Peer == nil || lk.Peer.Name == "") {
				t.Errorf("%s/%s: veth without a peer in snapshot", ns.Name, i.Ifname)
			}
			if lk.Peer != nil && lk.Peer.NS == ns.Name && i.Link != lk.Peer.Name {
				t.Errorf("%s/%s: same-namespace peer %s, ip says %s", ns.Name, i.Ifname, lk.Peer.Name, i.Link)
			}
		}
	}
	// Peers across namespaces point at each other.
	for _, ns := range s.Namespaces {
		for _, lk := range ns.Links {
			if lk.Peer == nil {
				continue
			}
			other := s.NS(lk.Peer.NS).Link(lk.Peer.Name)
			if other == nil || other.Peer == nil || *other.Peer != (PeerRef{ns.Name, lk.Name}) {
				t.Errorf("%s/%s -> %+v does not point back", ns.Name, lk.Name, lk.Peer)
			}
		}
	}
}

func TestOracleRoute(t *testing.T) {
	l := oracleLab(t)
	s := snap(t, l)
	for _, ns := range s.Namespaces {
		var ip []struct {
			Dst     string `json:"dst"`
			Gateway string `json:"gateway"`
			Dev     string `json:"dev"`
		}
		ipJSON(t, l, ns.Name, &ip, "ip", "-j", "route")
		var want, got []string
		for _, r := range ip {
			want = append(want, r.Dst+" "+r.Gateway+" "+r.Dev)
		}
		for _, r := range ns.Routes {
			got = append(got, r.Dst+" "+r.Gw+" "+r.Dev)
		}
		if !reflect.DeepEqual(sorted(got), sorted(want)) {
			t.Errorf("%s routes: snapshot %v, ip -j route %v", ns.Name, got, want)
		}
	}
	if r := s.NS("RED").Routes; !contains(routeStrings(r), "default 10.0.0.1 eth0") {
		t.Errorf("RED has no default route via 10.0.0.1: %v", r)
	}
}

func routeStrings(rs []Route) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Dst+" "+r.Gw+" "+r.Dev)
	}
	return out
}

func TestOracleFDB(t *testing.T) {
	l := oracleLab(t)
	s := snap(t, l)
	host := s.NS("host")
	var fdb []struct {
		MAC    string   `json:"mac"`
		Ifname string   `json:"ifname"`
		Master string   `json:"master"`
		State  string   `json:"state"`
		Flags  []string `json:"flags"`
	}
	ipJSON(t, l, "host", &fdb, "bridge", "-j", "fdb", "show")
	var dump, snap []fdbLine
	for _, e := range fdb {
		self := false
		for _, f := range e.Flags {
			self = self || f == "self"
		}
		dump = append(dump, fdbLine{e.MAC + " " + e.Ifname + " " + e.Master + " " + e.State, e.State == "" && !self})
	}
	for _, e := range host.FDB {
		snap = append(snap, fdbLine{e.MAC + " " + e.Dev + " " + e.Master + " " + e.State, e.State == "" && !e.Self})
	}
	matchFDB(t, "host", snap, dump)
	// The bridge learned RED's MAC on RED's port.
	redMAC := s.NS("RED").Link("eth0").MAC
	learned := false
	for _, e := range host.FDB {
		if e.MAC == redMAC && e.Dev == "veth-RED" && e.State == "" {
			learned = true
		}
	}
	if !learned {
		t.Errorf("br0 did not learn RED's %s on veth-RED: %+v", redMAC, host.FDB)
	}
}

func TestOracleNeighbors(t *testing.T) {
	l := oracleLab(t)
	s := snap(t, l)
	for _, ns := range s.Namespaces {
		var ip []struct {
			Dst    string   `json:"dst"`
			Dev    string   `json:"dev"`
			Lladdr string   `json:"lladdr"`
			State  []string `json:"state"`
		}
		ipJSON(t, l, ns.Name, &ip, "ip", "-j", "neigh")
		var want, got []string
		for _, n := range ip {
			want = append(want, n.Dst+" "+n.Dev+" "+n.Lladdr)
		}
		for _, n := range ns.Neighbors {
			got = append(got, n.IP+" "+n.Dev+" "+n.MAC)
		}
		if !reflect.DeepEqual(sorted(got), sorted(want)) {
			t.Errorf("%s neighbours: snapshot %v, ip -j neigh %v", ns.Name, got, want)
		}
	}
}

func TestOracleIptables(t *testing.T) {
	l := oracleLab(t)
	apply(t, l,
		mustRule("-t nat -A PREROUTING -p tcp --dport 8080 -j DNAT --to-destination 10.0.0.2:80"),
		mustRule("-t nat -A POSTROUTING -s 10.0.0.3/32 -o uplink -j SNAT --to-source 203.0.113.1"),
		mustRule("-A FORWARD -i uplink -p tcp --dport 22 -j DROP"),
	)
	s := snap(t, l)
	for _, table := range []string{"nat", "filter"} {
		var args []string
		if table == "nat" {
			args = []string{"iptables", "-t", "nat", "-S"}
		} else {
			args = []string{"iptables", "-S"}
		}
		cmd := l.Cmd("host", args...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		if strings.Contains(string(out), "incompatible") || strings.Contains(string(out), "Warning") {
			t.Errorf("iptables -t %s -S warns: %s", table, out)
		}
		var want []string
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if strings.HasPrefix(line, "-A ") {
				want = append(want, "-t "+table+" "+line)
			}
		}
		var got []string
		for _, r := range s.NS("host").Rules {
			if strings.HasPrefix(r, "-t "+table+" ") {
				got = append(got, r)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s rules: snapshot\n%s\niptables -S\n%s", table, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	// Each rule lists exactly as the command the engine shows.
	for _, a := range BaselineActions() {
		ipt, ok := a.(Iptables)
		if !ok {
			continue
		}
		line := "-t " + ipt.Rule.Table + " " + ipt.Rule.Spec()
		if !contains(s.NS("host").Rules, line) {
			t.Errorf("shown %q, not listed by iptables", ipt.Command())
		}
		if !strings.HasSuffix(ipt.Command(), strings.TrimPrefix(ipt.Rule.Spec(), "")) {
			t.Errorf("command %q does not end with the -S line %q", ipt.Command(), ipt.Rule.Spec())
		}
	}
}

func TestOracleSysctl(t *testing.T) {
	l := oracleLab(t)
	s := snap(t, l)
	for _, ns := range s.Namespaces {
		out := strings.TrimSpace(run(t, l, ns.Name, "sysctl", "-n", "net.ipv4.ip_forward"))
		if ns.Sysctl["net.ipv4.ip_forward"] != out {
			t.Errorf("%s ip_forward: snapshot %q, sysctl %q", ns.Name, ns.Sysctl["net.ipv4.ip_forward"], out)
		}
	}
}

// fdbLine is one fdb entry as text, and whether the bridge learned it
// from traffic (no state, not a self entry).
type fdbLine struct {
	text    string
	learned bool
}

// matchFDB compares a snapshot's fdb with bridge's dump taken after it.
// Entries the bridge learns from traffic can appear in between: a
// namespace's IPv6 MLD report or DAD probe teaches its MAC at any moment
// (rootless CI at d4f6540: POD-C's MAC learned on veth-POD-C between
// the two). So every other entry must match exactly, and every learned
// entry of the snapshot must still be in the dump (aging takes 300 s),
// which may hold more.
func matchFDB(t *testing.T, ns string, snap, dump []fdbLine) {
	t.Helper()
	var want, got, dumpLearned []string
	for _, e := range dump {
		if e.learned {
			dumpLearned = append(dumpLearned, e.text)
			continue
		}
		want = append(want, e.text)
	}
	for _, e := range snap {
		if e.learned {
			if !contains(dumpLearned, e.text) {
				t.Errorf("%s fdb: the snapshot's learned entry %q is not in bridge -j fdb\n%v", ns, e.text, sorted(dumpLearned))
			}
			continue
		}
		got = append(got, e.text)
	}
	if !reflect.DeepEqual(sorted(got), sorted(want)) {
		t.Errorf("%s fdb: snapshot\n%v\nbridge -j fdb\n%v", ns, sorted(got), sorted(want))
	}
}
