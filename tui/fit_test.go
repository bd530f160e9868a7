package tui

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/nettutor/nettutor/engine"
)

// dockerSnapshot is docker-networks at its last step: WEB and APP on
// docker0 with a default route, NONE with only lo, the host's uplink to
// OUTSIDE, MASQUERADE and the published port's DNAT.
func dockerSnapshot() *engine.Snapshot {
	br := engine.Link{Name: "docker0", Kind: "bridge", State: "up", Oper: "up", MTU: 1500, Addrs: []string{"172.17.0.1/16"}}
	port := func(name, ns string) engine.Link {
		l := veth(name, "up", "2a:00:00:00:00:0"+fmt.Sprint(len(ns)), ns, "eth0")
		l.Master = "docker0"
		return l
	}
	ctr := func(name, addr string, others ...string) engine.Namespace {
		n := engine.Namespace{Name: name, Links: []engine.Link{lo(), veth("eth0", "up", "6e:0b:00:00:00:0"+fmt.Sprint(len(addr)), "host", "veth-"+strings.ToLower(name), addr+"/16")},
			Routes: []engine.Route{{Dst: "172.17.0.0/16", Dev: "eth0"}, {Dst: "default", Gw: "172.17.0.1", Dev: "eth0"}}}
		for _, o := range others {
			n.Neighbors = append(n.Neighbors, engine.Neighbor{IP: o, MAC: "6e:0b:00:00:00:01", Dev: "eth0", State: "reachable"})
		}
		return n
	}
	return &engine.Snapshot{Namespaces: []engine.Namespace{
		{Name: "host", Links: []engine.Link{lo(), br, port("veth-web", "WEB"), port("veth-app", "APP"),
			veth("uplink", "up", "2a:00:00:00:00:09", "OUTSIDE", "eth0", "203.0.113.1/24")},
			Neighbors: []engine.Neighbor{{IP: "172.17.0.2", State: "reachable", MAC: "6e:0b:00:00:00:02"}, {IP: "172.17.0.3", State: "reachable", MAC: "6e:0b:00:00:00:03"}, {IP: "203.0.113.2", State: "reachable", MAC: "6e:0b:00:00:00:99"}},
			FDB:       []engine.FDBEntry{{MAC: "6e:0b:00:00:00:02", Dev: "veth-web", Master: "docker0"}, {MAC: "6e:0b:00:00:00:03", Dev: "veth-app", Master: "docker0"}},
			Rules: []string{"-t nat -A PREROUTING ! -i docker0 -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80",
				"-t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE"},
			Sysctl: map[string]string{"net.ipv4.ip_forward": "1"}},
		ctr("WEB", "172.17.0.2", "172.17.0.1", "172.17.0.3"),
		ctr("APP", "172.17.0.3", "172.17.0.1", "172.17.0.2"),
		{Name: "NONE", Links: []engine.Link{lo()}},
		{Name: "OUTSIDE", Links: []engine.Link{lo(), veth("eth0", "up", "6e:0b:00:00:00:99", "host", "uplink", "203.0.113.2/24")},
			Neighbors: []engine.Neighbor{{IP: "203.0.113.1", MAC: "2a:00:00:00:00:09", State: "reachable"}}},
	}}
}

// diagramRows is the rows the lesson view gives the diagram at w x h (as
// View computes them), and its width.
func diagramRows(w, h int) (int, int) {
	bodyH := h - 2
	return bodyH - min(9, bodyH/3+1) - 2, w - splitWidth(w) - 2
}

var loLine = regexp.MustCompile(`[●○◐] lo\b`)

// TestDiagramsFitAndKeepLo draws every fixture lab at the diagram sizes
// of 80x24 and 120x40: at 120x40 each fits the rows the packets pane
// leaves, every namespace box holds its lo, no line is wider than the
// pane, and nothing is cut ("…").
func TestDiagramsFitAndKeepLo(t *testing.T) {
	labs := []struct {
		name  string
		snap  *engine.Snapshot
		boxes int // namespace boxes drawn
	}{
		{"veth", vethSnapshot(), 2},
		{"bridge", bridgeSnapshot(), 3},
		{"nat", natSnapshot(), 4},
		{"docker-networks", dockerSnapshot(), 5},
	}
	for _, lab := range labs {
		for _, sz := range sizes {
			rows, w := diagramRows(sz.w, sz.h)
			out := RenderTopology(lab.snap, TopoOptions{Width: w, Height: rows, Order: []string{"WEB", "APP", "NONE"}})
			lines := strings.Split(out, "\n")
			name := fmt.Sprintf("%s %dx%d", lab.name, sz.w, sz.h)
			if sz.w >= 120 && len(lines) > rows {
				t.Errorf("%s: %d lines, the pane has %d:\n%s", name, len(lines), rows, out)
			}
			if n := len(loLine.FindAllString(out, -1)); n < lab.boxes {
				t.Errorf("%s: lo in %d boxes, want %d:\n%s", name, n, lab.boxes, out)
			}
			for _, l := range lines {
				if width(l) > w {
					t.Errorf("%s: %q is wider than %d", name, l, w)
				}
			}
			if strings.Contains(out, "…") && sz.w >= 120 {
				t.Errorf("%s: something is cut:\n%s", name, out)
			}
		}
	}
}

// TestDockerNetworksWiresStay is issue 12's report: adding NONE must not
// turn WEB's and APP's wires into "↔ host/veth-web" text, and OUTSIDE
// stays in view (at 120x40 and, compact, at a narrower pane).
func TestDockerNetworksWiresStay(t *testing.T) {
	for _, w := range []int{70, 56} {
		rows, _ := diagramRows(120, 40)
		out := RenderTopology(dockerSnapshot(), TopoOptions{Width: w, Height: rows, Order: []string{"WEB", "APP", "NONE"}})
		if strings.Contains(out, "↔ host/") {
			t.Errorf("width %d: a wire into the host became text:\n%s", w, out)
		}
		for _, want := range []string{"│ veth-web", "│ veth-app", "OUTSIDE", "NONE", "⇄ NAT MASQUERADE"} {
			if !strings.Contains(out, want) {
				t.Errorf("width %d: no %q:\n%s", w, want, out)
			}
		}
	}
	rows, w := diagramRows(120, 40)
	golden(t, "docker_topology_120x40", RenderTopology(dockerSnapshot(), TopoOptions{Width: w, Height: rows, Order: []string{"WEB", "APP", "NONE"}}))
}

// TestOutputsWrapNotCut renders outputs whose last words are the lesson's
// point at the step pane's width of 80 and 120 columns: the words are all
// on screen, whole, and no line is wider than the pane.
func TestOutputsWrapNotCut(t *testing.T) {
	m := newLesson(NewCommon("en"), nil, "x")
	cases := []struct {
		cmd, out string
		words    []string
	}{
		{"ip -n RED neigh", "11.11.11.3 dev veth0 lladdr 6e:0b:11:22:33:03 REACHABLE\n11.11.11.1 dev veth0 lladdr 6e:0b:11:22:33:01 DELAY", []string{"REACHABLE", "DELAY", "6e:0b:11:22:33:03"}},
		{"bridge fdb show br br0", "6e:0b:11:22:33:02 dev veth-red master br0\n2a:00:00:00:00:02 dev veth-red vlan 1 master br0 permanent", []string{"permanent", "master br0"}},
		{"ip -br link", "veth0@if2        UP             6e:0b:11:22:33:02 <BROADCAST,MULTICAST,UP,LOWER_UP>", []string{"<BROADCAST,MULTICAST,UP,LOWER_UP>", "6e:0b:11:22:33:02"}},
	}
	for _, sw := range []int{80, 120} {
		w := splitWidth(sw) - 2
		for _, c := range cases {
			lines := m.actionLines(ActionEvent{Command: c.cmd, OK: true, Output: c.out}, w)
			var words []string
			for _, l := range lines {
				l = ansi.Strip(l)
				if width(l) > w {
					t.Errorf("%d: %q is wider than %d", sw, l, w)
				}
				if strings.Contains(l, "…") {
					t.Errorf("%d: %q is cut", sw, l)
				}
				words = append(words, strings.Fields(l)...)
			}
			for _, want := range c.words {
				joined := " " + strings.Join(words, " ") + " "
				found := strings.Contains(joined, " "+want+" ")
				// At 80 columns a word longer than the pane's line is broken
				// (all of it shown); at 120 it is whole.
				if !found && (sw >= 120 || !strings.Contains(strings.Join(words, ""), want)) {
					t.Errorf("%d: %q is not on screen whole:\n%s", sw, want, strings.Join(lines, "\n"))
				}
			}
		}
	}
}

// TestPacketSummariesKeepTheirWords: at 80x24 an echo request and an echo
// reply (and ARP's request and reply) still say which they are.
func TestPacketSummariesKeepTheirWords(t *testing.T) {
	t.Parallel() // the fake backend: no lab, no package state (parallel_test.go)
	for _, sz := range sizes {
		d := openLesson(t, "en", "veth", sz.w, sz.h, 4)
		scr := d.view()
		// A summary goes on over the next line: read the pane as words.
		right := strings.Join(strings.Fields(strings.Join(paneColumn(scr, splitWidth(sz.w)+1, sz.w-1), " ")), " ")
		for _, want := range []string{"ARP, Request", "ARP, Reply", "echo request", "echo reply"} {
			if !strings.Contains(right, want) {
				t.Errorf("%dx%d: the packets pane lacks %q:\n%s", sz.w, sz.h, want, right)
			}
		}
	}
}

// paneColumn returns cells [from, to) of every line of a screen.
func paneColumn(scr string, from, to int) []string {
	var out []string
	for _, l := range strings.Split(scr, "\n") {
		r := []rune(ansi.Strip(l))
		if len(r) <= from {
			out = append(out, "")
			continue
		}
		out = append(out, strings.TrimRight(string(r[from:min(to, len(r))]), " "))
	}
	return out
}

// TestRenderedCommandCopiesBack takes the veth pair's command as the 80x24
// step pane draws it, joins the continuation lines as bash does and gets
// the command back.
func TestRenderedCommandCopiesBack(t *testing.T) {
	const cmd = "ip link add veth0 netns RED type veth peer name veth1 netns BLUE"
	d := openLesson(t, "en", "veth", 80, 24, 2)
	pane := paneColumn(d.view(), 1, splitWidth(80)-1)
	start := -1
	for i, l := range pane {
		if strings.Contains(l, "$ ip link add") {
			start = i
		}
	}
	if start < 0 {
		t.Fatalf("the command is not on screen:\n%s", strings.Join(pane, "\n"))
	}
	lines := []string{pane[start]}
	for i := start; strings.HasSuffix(pane[i], "\\") && i+1 < len(pane); i++ {
		lines = append(lines, pane[i+1])
	}
	if len(lines) < 2 {
		t.Fatalf("the command did not wrap at 80 columns:\n%s", strings.Join(pane, "\n"))
	}
	if got := stripCommand(lines); got != cmd {
		t.Errorf("the screen's lines\n%s\njoin to %q, want %q", strings.Join(lines, "\n"), got, cmd)
	}
}

// TestGoldenZoom: z fills the screen with the focused pane, borderless,
// all of it; z again (or esc) goes back.
func TestGoldenZoom(t *testing.T) {
	t.Parallel() // the fake backend: no lab, no package state (parallel_test.go)
	for _, sz := range sizes {
		d := openLesson(t, "en", "veth", sz.w, sz.h, 4)
		before := d.view()
		d.keys("z")
		golden(t, fmt.Sprintf("zoom_steps_%dx%d", sz.w, sz.h), d.view())
		d.keys("z")
		if d.view() != before {
			t.Errorf("%dx%d: z twice is not the split view again", sz.w, sz.h)
		}
		d.keys("tab", "tab", "z")
		golden(t, fmt.Sprintf("zoom_packets_%dx%d", sz.w, sz.h), d.view())
		d.keys("esc")
		if strings.Contains(d.view(), "z or esc") {
			t.Errorf("%dx%d: esc did not leave the zoom", sz.w, sz.h)
		}
	}
}

// TestCompactTitlesInColour: in colour the compact diagram reads as it
// does in the goldens (the styling adds no blanks to what goes into a
// title), and changed items keep their mark.
func TestCompactTitlesInColour(t *testing.T) {
	rows, w := diagramRows(120, 40)
	var plain, coloured string
	changed := ChangeSet{sysctlKey("host", "net.ipv4.ip_forward"): true}
	plain = RenderTopology(dockerSnapshot(), TopoOptions{Width: w, Height: rows, Changed: changed, Order: []string{"WEB", "APP", "NONE"}})
	withColour(func() {
		coloured = RenderTopology(dockerSnapshot(), TopoOptions{Width: w, Height: rows, Changed: changed, Styles: DefaultStyles(), Order: []string{"WEB", "APP", "NONE"}})
	})
	if !strings.Contains(coloured, "\x1b[") {
		t.Fatal("no colour: the test tests nothing")
	}
	if got := ansi.Strip(coloured); got != plain {
		t.Errorf("in colour the diagram reads differently:\n%s\n--- plain\n%s", got, plain)
	}
	if !strings.Contains(plain, "host ◆ ip_forward=1") || !strings.Contains(plain, "docker0 bridge ● up · 172.17.0.1/16") {
		t.Errorf("compact titles:\n%s", plain)
	}
}

// TestManyPacketsWrapQuickly: the wrapped list formats only what one pane
// shows, however many packets there are and wherever the selection is.
func TestManyPacketsWrapQuickly(t *testing.T) {
	p := newPacketPane(NewCommon("en"))
	base := fakePackets()
	var pkts []Packet
	for i := 0; i < 50_000; i++ {
		pk := base[i%len(base)]
		pk.Seq = i + 1
		pkts = append(pkts, pk)
	}
	p.add(pkts, 0)
	start := time.Now()
	for _, sel := range []int{len(pkts) - 1, 0, len(pkts) / 2, len(pkts) - 1} {
		p.sel = sel
		lines := p.view(44, 14)
		joined := strings.Join(lines, "\n")
		if !strings.Contains(joined, "▶") {
			t.Fatalf("selection %d not in view:\n%s", sel, joined)
		}
	}
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Errorf("four views of 50000 packets took %v", d)
	}
}
