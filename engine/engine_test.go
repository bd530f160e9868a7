package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/nettutor/nettutor/engine/confine"
	"os"
	"reflect"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine/reexec"
	"github.com/nettutor/nettutor/engine/sandbox"
)

func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	sandbox.RunTests(m.Run)
}

// newLab gives a test a fresh lab, torn down at the end.
func newLab(t testing.TB) *Lab {
	t.Helper()
	l, err := New()
	if err != nil {
		t.Fatalf("new lab: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func apply(t testing.TB, l *Lab, as ...Action) {
	t.Helper()
	if err := l.ApplyAll(context.Background(), as); err != nil {
		t.Fatal(err)
	}
}

func snap(t testing.TB, l *Lab) *Snapshot {
	t.Helper()
	s, err := l.Snapshot()
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	return s
}

// run runs a command in a lab namespace (through the same entry the lab
// shell uses) and returns its stdout.
func run(t testing.TB, l *Lab, ns string, argv ...string) string {
	t.Helper()
	cmd := l.Cmd(ns, argv...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s in %s: %v\n%s", strings.Join(argv, " "), ns, err, stderr.String())
	}
	if s := stderr.String(); s != "" {
		t.Errorf("%s in %s wrote to stderr: %s", strings.Join(argv, " "), ns, s)
	}
	return string(out)
}

// vethActions is the seed's RED <-> BLUE lab.
func vethActions() []Action {
	return []Action{
		NetnsAdd{Name: "RED"}, NetnsAdd{Name: "BLUE"},
		VethAdd{Name: "veth0", Peer: "veth1"},
		LinkSetNetns{Name: "veth0", To: "RED"},
		LinkSetNetns{Name: "veth1", To: "BLUE"},
		LinkUp{NS: "RED", Name: "veth0"}, LinkUp{NS: "BLUE", Name: "veth1"},
		AddrAdd{NS: "RED", Dev: "veth0", Addr: "11.11.11.2/24"},
		AddrAdd{NS: "BLUE", Dev: "veth1", Addr: "11.11.11.3/24"},
	}
}

func TestVethTopologySnapshot(t *testing.T) {
	l := newLab(t)
	apply(t, l, vethActions()...)
	s := snap(t, l)
	if got, want := nsNames(s), []string{"host", "BLUE", "RED"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("namespaces = %v, want %v", got, want)
	}
	red := s.NS("RED").Link("veth0")
	if red == nil {
		t.Fatal("RED has no veth0")
	}
	if red.Kind != "veth" || red.State != "up" || red.MTU != 1500 || len(red.MAC) != 17 {
		t.Errorf("RED veth0 = %+v", red)
	}
	if red.Peer == nil || *red.Peer != (PeerRef{NS: "BLUE", Name: "veth1"}) {
		t.Errorf("RED veth0 peer = %+v, want BLUE/veth1", red.Peer)
	}
	if !contains(red.Addrs, "11.11.11.2/24") {
		t.Errorf("RED veth0 addrs = %v", red.Addrs)
	}
	if s.NS("host").Link("veth0") != nil {
		t.Error("veth0 still in host after the move")
	}
	if r := s.NS("RED").Routes; len(r) != 1 || r[0].Dst != "11.11.11.0/24" || r[0].Dev != "veth0" {
		t.Errorf("RED routes = %+v", r)
	}
}

func TestActionsAreIdempotent(t *testing.T) {
	l := newLab(t)
	as := BaselineActions()
	apply(t, l, as...)
	before := snap(t, l)
	apply(t, l, as...) // every action again: no error, no change
	after := snap(t, l)
	stripVolatile(before)
	stripVolatile(after)
	if !reflect.DeepEqual(before, after) {
		b, _ := json.MarshalIndent(before, "", " ")
		a, _ := json.MarshalIndent(after, "", " ")
		t.Fatalf("snapshot changed on repeat:\n%s\n---\n%s", b, a)
	}
	if n := countRules(after.NS("host").Rules, "MASQUERADE"); n != 1 {
		t.Errorf("MASQUERADE rules after applying twice = %d, want 1", n)
	}
}

// stripVolatile drops what the kernel changes on its own between reads.
func stripVolatile(s *Snapshot) {
	for i := range s.Namespaces {
		s.Namespaces[i].Neighbors = nil
		s.Namespaces[i].FDB = nil
		for j := range s.Namespaces[i].Links {
			s.Namespaces[i].Links[j].Oper = ""
			var keep []string
			for _, a := range s.Namespaces[i].Links[j].Addrs {
				if !strings.HasPrefix(a, "fe80:") {
					keep = append(keep, a)
				}
			}
			s.Namespaces[i].Links[j].Addrs = keep
		}
	}
}

func countRules(rules []string, sub string) int {
	n := 0
	for _, r := range rules {
		if strings.Contains(r, sub) {
			n++
		}
	}
	return n
}

func TestFailedActionsNameTheFault(t *testing.T) {
	l := newLab(t)
	apply(t, l, NetnsAdd{Name: "RED"})
	cases := []struct {
		a    Action
		want string
	}{
		{LinkUp{NS: "RED", Name: "nope0"}, `RED: no link "nope0"`},
		{AddrAdd{NS: "GREEN", Dev: "veth0", Addr: "11.11.11.2/24"}, "namespace GREEN does not exist"},
		{AddrAdd{NS: "RED", Dev: "lo", Addr: "11.11.11.2"}, "want a CIDR"},
		{RouteAdd{NS: "RED", Dst: "default", Via: "11.11.11.1"}, "gateway not reachable"},
		{Sysctl{Key: "kernel.hostname", Value: "x"}, "only net.* keys"},
		{NetnsAdd{Name: "a/b"}, "invalid namespace name"},
		{Run{Unshare: []string{"time"}, Shell: "true"}, "unknown namespace kind"},
	}
	for _, c := range cases {
		_, err := c.a.Apply(context.Background(), l)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to contain %q", c.a.Command(), err, c.want)
		}
	}
	// A failed veth add leaves nothing behind.
	apply(t, l, VethAdd{Name: "veth0", Peer: "veth1"})
	if _, err := (VethAdd{Name: "veth0", Peer: "other"}).Apply(context.Background(), l); err == nil {
		t.Error("veth add over an existing veth0 with another peer succeeded")
	}
	if s := snap(t, l); s.NS("host").Link("other") != nil {
		t.Error("a half-made peer 'other' was left in host")
	}
}

func TestCommands(t *testing.T) {
	cases := []struct {
		a    Action
		want string
	}{
		{NetnsAdd{Name: "RED"}, "ip netns add RED"},
		{VethAdd{Name: "veth0", Peer: "veth1"}, "ip link add veth0 type veth peer name veth1"},
		{VethAdd{Name: "veth-red", Peer: "eth0", PeerNS: "RED"}, "ip link add veth-red type veth peer name eth0 netns RED"},
		{LinkSetNetns{Name: "veth0", To: "RED"}, "ip link set veth0 netns RED"},
		{LinkUp{NS: "RED", Name: "veth0"}, "ip -n RED link set veth0 up"},
		{AddrAdd{NS: "RED", Dev: "veth0", Addr: "11.11.11.2/24"}, "ip -n RED addr add 11.11.11.2/24 dev veth0"},
		{RouteAdd{NS: "RED", Dst: "default", Via: "11.11.11.1"}, "ip -n RED route add default via 11.11.11.1"},
		{Sysctl{Key: "net.ipv4.ip_forward", Value: "1"}, "sysctl -w net.ipv4.ip_forward=1"},
		{Ping{NS: "RED", Dst: "11.11.11.3"}, "ip netns exec RED ping -c 1 11.11.11.3"},
		{Run{Unshare: []string{"pid", "mount"}, Shell: "ps -e"}, "unshare --mount --pid --fork --mount-proc sh -c 'ps -e'"},
		{Run{Unshare: []string{"uts"}, Hostname: "RED", Shell: "hostname"}, "unshare --uts sh -c 'hostname RED; hostname'"},
		{Show{NS: "host", What: "fdb"}, "bridge fdb show"},
		{Show{NS: "RED", What: "neigh"}, "ip -n RED neigh"},
	}
	for _, c := range cases {
		if got := c.a.Command(); got != c.want {
			t.Errorf("Command() = %q, want %q", got, c.want)
		}
	}
}

func TestPingAcrossVeth(t *testing.T) {
	l := newLab(t)
	apply(t, l, vethActions()...)
	res, err := l.Ping(context.Background(), "RED", "11.11.11.3", 2, time.Second)
	if err != nil {
		t.Fatalf("ping RED -> BLUE: %v", err)
	}
	if len(res.Replies) != 2 || res.Replies[0].TTL != 64 {
		t.Errorf("replies = %+v", res.Replies)
	}
	// RED learned BLUE's MAC through ARP.
	s := snap(t, l)
	blueMAC := s.NS("BLUE").Link("veth1").MAC
	found := false
	for _, n := range s.NS("RED").Neighbors {
		if n.IP == "11.11.11.3" && n.MAC == blueMAC {
			found = true
		}
	}
	if !found {
		t.Errorf("RED neighbours %+v lack 11.11.11.3 at %s", s.NS("RED").Neighbors, blueMAC)
	}
	// Down the link: no reply, and the error says so.
	apply(t, l, LinkDown{NS: "BLUE", Name: "veth1"})
	_, err = l.Ping(context.Background(), "RED", "11.11.11.3", 1, 200*time.Millisecond)
	if !errors.Is(err, ErrNoReply) {
		t.Errorf("ping with BLUE down: err = %v, want ErrNoReply", err)
	}
	// Fixed at once: the next probe must not wait for the kernel's ARP
	// retry timer left over from the failed one.
	apply(t, l, LinkUp{NS: "BLUE", Name: "veth1"})
	if _, err := l.Ping(context.Background(), "RED", "11.11.11.3", 1, 300*time.Millisecond); err != nil {
		t.Errorf("ping right after the fix: %v", err)
	}
}

func TestBaselineForwardingNATAndPublish(t *testing.T) {
	l := newLab(t)
	apply(t, l, BaselineActions()...)
	if _, err := l.Ping(context.Background(), "RED", "203.0.113.2", 1, time.Second); err != nil {
		s := snap(t, l)
		for _, ns := range s.Namespaces {
			t.Logf("%s neigh %+v", ns.Name, ns.Neighbors)
			for _, lk := range ns.Links {
				t.Logf("   %s %s %s %s %s", lk.Name, lk.State, lk.Oper, lk.MAC, lk.Master)
			}
		}
		_, err2 := l.Ping(context.Background(), "RED", "203.0.113.2", 1, time.Second)
		_, err3 := l.Ping(context.Background(), "RED", "10.0.0.1", 1, time.Second)
		_, err4 := l.Ping(context.Background(), "host", "203.0.113.2", 1, time.Second)
		t.Logf("again: %v / gw %v / host->outside %v", err2, err3, err4)
		t.Fatalf("RED -> OUTSIDE through NAT: %v", err)
	}
	// Port publishing, docker run -p 8080:80 style.
	apply(t, l,
		TCPServe{NS: "RED", Port: 80, Banner: "hello from RED"},
		mustRule("-t nat -A PREROUTING -p tcp --dport 8080 -j DNAT --to-destination 10.0.0.2:80"),
	)
	got, err := l.Connect(context.Background(), "OUTSIDE", "203.0.113.1:8080", time.Second)
	if err != nil || got != "hello from RED\n" { // what nc prints, newline included
		t.Fatalf("OUTSIDE -> 203.0.113.1:8080 = %q, %v; want the RED banner", got, err)
	}
	if _, err := l.Connect(context.Background(), "OUTSIDE", "203.0.113.1:8081", 300*time.Millisecond); err == nil {
		t.Error("connect to an unpublished port succeeded")
	}
}

func TestResetGivesAnEmptyLab(t *testing.T) {
	l := newLab(t)
	apply(t, l, BaselineActions()...)
	if err := l.Reset(); err != nil {
		t.Fatal(err)
	}
	s := snap(t, l)
	if got := nsNames(s); !reflect.DeepEqual(got, []string{"host"}) {
		t.Fatalf("after reset namespaces = %v", got)
	}
	h := s.NS("host")
	if len(h.Links) != 1 || h.Links[0].Name != "lo" || len(h.Rules) != 0 || h.Sysctl["net.ipv4.ip_forward"] != "0" {
		t.Errorf("host after reset = %+v", h)
	}
	apply(t, l, BaselineActions()...) // and it builds again with the same names
}

func TestNamespacesMadeByHandAreSeen(t *testing.T) {
	l := newLab(t)
	run(t, l, "host", "ip", "netns", "add", "GREEN")
	run(t, l, "host", "ip", "link", "add", "g0", "type", "veth", "peer", "name", "g1", "netns", "GREEN")
	s := snap(t, l)
	g := s.NS("GREEN")
	if g == nil || g.Link("g1") == nil {
		t.Fatalf("GREEN/g1 made with ip(8) not in snapshot: %+v", nsNames(s))
	}
	if p := s.NS("host").Link("g0").Peer; p == nil || *p != (PeerRef{"GREEN", "g1"}) {
		t.Errorf("g0 peer = %+v", p)
	}
	out := run(t, l, "host", "ip", "netns", "list")
	if !strings.Contains(out, "GREEN") || strings.Contains(out, "host") {
		t.Errorf("ip netns list in the lab = %q", out)
	}
}

func TestRunIsolation(t *testing.T) {
	l := newLab(t)
	res, err := Run{Unshare: []string{"uts"}, Hostname: "RED", Shell: "hostname"}.Apply(context.Background(), l)
	if err != nil || res.Output != "RED" {
		t.Fatalf("hostname inside = %q, %v", res.Output, err)
	}
	outside, _ := os.Hostname()
	if outside == "RED" {
		t.Error("hostname changed outside the UTS namespace")
	}
	res, err = Run{Unshare: []string{"pid", "mount"}, Shell: "echo $$; ls /proc | grep -c '^[0-9]'"}.Apply(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(res.Output)
	if len(lines) != 2 || lines[0] != "1" {
		t.Errorf("pid namespace: output %q, want pid 1 first", res.Output)
	}
	res, err = Run{Unshare: []string{"net"}, Shell: "tail -n +3 /proc/net/dev | cut -d: -f1"}.Apply(context.Background(), l)
	if err != nil || strings.TrimSpace(res.Output) != "lo" {
		t.Errorf("new net namespace shows %q, %v", res.Output, err)
	}
}

func TestUserNSMapsRoot(t *testing.T) {
	l := newLab(t)
	inLab := confine.LabWorkDir + "/userns"
	dir := l.Keeper().Path(inLab)
	if err := l.Keeper().AsLabRoot(func() error { return os.Mkdir(dir, 0o1777) }); err != nil {
		t.Fatal(err)
	}
	l.Keeper().AsLabRoot(func() error { return os.Chmod(dir, 0o1777) })
	a := UserNS{Shell: "id -u; cat /proc/self/uid_map; touch " + inLab + "/proof"}
	res, err := a.Apply(context.Background(), l)
	if err != nil {
		t.Fatalf("%s: %v\n%s", a.Command(), err, res.Output)
	}
	f := strings.Fields(res.Output)
	_, outside, n := a.Mapping()
	if len(f) < 4 || f[0] != "0" || f[1] != "0" || f[2] != fmt.Sprint(outside) || f[3] != fmt.Sprint(n) {
		t.Errorf("inside: %q, want uid 0 and map 0 %d %d", res.Output, outside, n)
	}
	st, err := os.Stat(dir + "/proof")
	if err != nil {
		t.Fatal(err)
	}
	// The owner as the lab sees it is the nested map's outside id; the
	// engine sees that id through the lab's own map.
	uid := l.LabUID(int(st.Sys().(*syscall.Stat_t).Uid))
	if uid != outside {
		t.Errorf("file owner in the lab = %d, want %d", uid, outside)
	}
}

func TestShowMatchesCommand(t *testing.T) {
	l := newLab(t)
	apply(t, l, vethActions()...)
	if _, err := l.Ping(context.Background(), "RED", "11.11.11.3", 1, time.Second); err != nil {
		t.Fatal(err)
	}
	res, err := Show{NS: "RED", What: "neigh"}.Apply(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	real := run(t, l, "host", "ip", "-n", "RED", "neigh")
	first := strings.Fields(real)
	if len(first) < 5 || !strings.HasPrefix(res.Output, strings.Join(first[:5], " ")) {
		t.Errorf("show neigh = %q, ip -n RED neigh = %q", res.Output, real)
	}
}

func nsNames(s *Snapshot) []string {
	var out []string
	for _, n := range s.Namespaces {
		out = append(out, n.Name)
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func sorted(xs []string) []string {
	ys := append([]string(nil), xs...)
	sort.Strings(ys)
	return ys
}

// TestSandboxIdentity checks what the sandbox is: PID 1 of its own PID
// namespace, root inside, and, when rootless with subordinate ids in
// /etc/subuid, those ids mapped through newuidmap.
func TestSandboxIdentity(t *testing.T) {
	if os.Getpid() != 1 {
		t.Errorf("sandbox pid = %d, want 1", os.Getpid())
	}
	if os.Geteuid() != 0 {
		t.Errorf("euid inside = %d, want 0", os.Geteuid())
	}
	b, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	switch {
	case !sandbox.Rootless():
		if len(lines) != 1 || !strings.HasSuffix(strings.Join(strings.Fields(lines[0]), " "), "4294967295") {
			t.Errorf("root sandbox has a user namespace: %q", b)
		}
	case sandbox.SubIDs() > 0:
		if len(lines) != 2 || strings.Fields(lines[1])[0] != "1" {
			t.Errorf("rootless with %d subordinate ids: uid_map %q", sandbox.SubIDs(), b)
		}
	default:
		if len(lines) != 1 || strings.Fields(lines[0])[2] != "1" {
			t.Errorf("rootless uid_map %q, want one uid", b)
		}
	}
	t.Logf("rootless=%v subids=%d uid_map=%q", sandbox.Rootless(), sandbox.SubIDs(), b)
}

func TestCloseTwice(t *testing.T) {
	l, err := New()
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	l.Close()
}

// TestResetEndsLeftoverProcesses: what a learner left running in the lab
// (a child of ours, and an orphan) does not outlive a reset.
func TestResetEndsLeftoverProcesses(t *testing.T) {
	l := newLab(t)
	apply(t, l, NetnsAdd{Name: "RED"})
	child := l.Cmd("RED", "sleep", "300")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { child.Wait(); close(done) }()
	run(t, l, "host", "sh", "-c", "sleep 301 >/dev/null 2>&1 &") // orphaned at once
	// The child's sleep starts once the keeper has it: Start returned when
	// its client did.
	for deadline := time.Now().Add(3 * time.Second); countProcs("sleep") != 2 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if n := countProcs("sleep"); n != 2 {
		t.Fatalf("%d sleep processes before the reset, want 2", n)
	}
	if err := l.Reset(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Error("the lab shell's child survived the reset")
	}
	if n := countProcs("sleep"); n != 0 {
		t.Errorf("%d sleep processes after the reset", n)
	}
}

// countProcs counts live (not zombie) processes whose command is name.
func countProcs(name string) int {
	ents, _ := os.ReadDir("/proc")
	n := 0
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(b))
		if len(f) > 2 && f[1] == "("+name+")" && f[2] != "Z" {
			n++
		}
	}
	return n
}
