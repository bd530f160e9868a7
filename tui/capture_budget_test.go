package tui

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/capture"
	"github.com/nettutor/nettutor/engine/nsutil"
	"github.com/nettutor/nettutor/lessons"
)

// budgetLab opens the veth lesson's connect exercise on a fresh lab, as a
// learner's s in exercise mode does, and returns its session.
func budgetLab(t *testing.T) (*engine.Lab, *labSession) {
	t.Helper()
	if !labOK {
		t.Skip("no lab sandbox here")
	}
	lab, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lab.Close() })
	ctx := context.Background()
	sess, err := NewLabBackend(lab).Open(ctx, "veth", "en")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() })
	if _, err := sess.StartExercise(ctx, "connect"); err != nil {
		t.Fatal(err)
	}
	return lab, sess.(*labSession)
}

// rssKiB is the process's resident set (VmRSS), for the log: memory is
// measured here, never asserted (the budget's own counters are).
func rssKiB() int {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

// mappedRings counts the process's socket mappings: the capture points'
// TPACKET_V3 rings.
func mappedRings(t *testing.T) int {
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "socket:[")
}

// labLinks counts the links of every lab namespace but lo.
func labLinks(t *testing.T, lab *engine.Lab) int {
	n := 0
	for _, ns := range lab.Names() {
		h, err := lab.Handle(ns)
		if err != nil {
			continue
		}
		links, err := h.LinkList()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range links {
			if l.Attrs().Name != "lo" {
				n++
			}
		}
	}
	return n
}

// waitUntil waits for cond, checked every 10 ms, for at most d. d only bounds
// a hang: the tests give a minute, so a loaded machine is not a failure.
func waitUntil(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestShellCaptureBudgetLinks: 100 links made in an exercise shell get at
// most the budget's 32 capture points and their 1 MiB rings (before the
// budget every link got a 4 MiB ring in the TUI's process); the packets
// pane says how many links were not captured, in English and Korean. The
// points of links the shell deletes go back to the budget, and every ring
// is unmapped when the shell ends.
func TestShellCaptureBudgetLinks(t *testing.T) {
	lab, sess := budgetLab(t)
	b := sess.CaptureBudget()
	ctx := context.Background()
	rings0, rss0 := mappedRings(t), rssKiB()
	sc, err := sess.CaptureShell(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Stop()
	make50 := engine.Run{NS: engine.HostNS, Shell: "for i in $(seq 50); do ip link add a$i type veth peer name b$i && ip link set a$i up && ip link set b$i up || exit 1; done"}
	if r, err := make50.Apply(ctx, lab); err != nil {
		t.Fatalf("make 100 links: %v %+v", err, r)
	}
	total := labLinks(t, lab)
	if total < 100 {
		t.Fatalf("the lab has %d links", total)
	}
	want := total - b.MaxPoints
	waitUntil(t, fmt.Sprintf("%d links counted as not captured", want), 60*time.Second, func() bool {
		return b.Stats().Uncaptured == want
	})
	st := b.Stats()
	rss1 := rssKiB()
	if st.Points != b.MaxPoints || st.RingBytes != b.MaxPoints*b.ShellRing || st.RingBytes > b.MaxRingBytes {
		t.Errorf("with %d links: %d points, %d ring bytes; want %d points of %d", total, st.Points, st.RingBytes, b.MaxPoints, b.ShellRing)
	}
	if n := mappedRings(t) - rings0; n != st.Points {
		t.Errorf("%d rings mapped for %d points", n, st.Points)
	}
	for lang, want := range map[string]string{
		"en": fmt.Sprintf("capture budget: %d links not captured (limit 32 points)", want),
		"ko": fmt.Sprintf("캡처 한도: 링크 %d개는 캡처하지 않음 (지점 최대 32개)", want),
	} {
		p := newPacketPane(NewCommon(lang))
		p.reset()
		p.setBudget(b)
		if v := strings.Join(p.view(100, 10), "\n"); !strings.Contains(v, want) {
			t.Errorf("%s: the packets pane lacks %q:\n%s", lang, want, v)
		}
	}
	t.Logf("%d links: %d points, %s of rings, %d not captured; VmRSS %d -> %d KiB", total, st.Points,
		capture.FormatBytes(int64(st.RingBytes)), st.Uncaptured, rss0, rss1)

	// The shell deletes the links: their points go, and new links get one.
	del := engine.Run{NS: engine.HostNS, Shell: "for i in $(seq 50); do ip link del a$i || exit 1; done; ip link add c1 type veth peer name c2"}
	if r, err := del.Apply(ctx, lab); err != nil {
		t.Fatalf("delete the links: %v %+v", err, r)
	}
	left := labLinks(t, lab)
	waitUntil(t, "the deleted links' points stopped", 60*time.Second, func() bool {
		st := b.Stats()
		return st.Points == left && st.Uncaptured == 0
	})
	waitUntil(t, "a point on a link made after the deletions", 60*time.Second, func() bool { return capturing(sc, "host/c2") })

	sc.Stop()
	debug.FreeOSMemory()
	t.Logf("after the shell: VmRSS %d KiB", rssKiB())
	if st := b.Stats(); st.Points != 0 || st.RingBytes != 0 {
		t.Errorf("after the shell: %+v", st)
	}
	if n := mappedRings(t) - rings0; n != 0 {
		t.Errorf("%d rings still mapped after the shell", n)
	}
}

// TestShellCaptureBudgetStored: a flood of 60 KB datagrams while the shell
// has the terminal (nobody takes the stream) keeps at most the budget's
// 32 MiB of frames waiting, and the pane at most 32 MiB once it has them;
// what is kept is the newest (the last datagram sent is there, the first
// is not, each point's datagrams in order, none missing in between but
// for what the kernel dropped), and the pane says how many went.
func TestShellCaptureBudgetStored(t *testing.T) {
	lab, sess := budgetLab(t)
	b := sess.CaptureBudget()
	ctx := context.Background()
	build := engine.Run{NS: engine.HostNS, Shell: "ip link add veth0 netns RED mtu 65000 type veth peer name veth1 netns BLUE mtu 65000 && " +
		"ip -n RED addr add 11.11.11.2/24 dev veth0 && ip -n BLUE addr add 11.11.11.3/24 dev veth1 && " +
		"ip -n RED link set veth0 up && ip -n BLUE link set veth1 up"}
	if r, err := build.Apply(ctx, lab); err != nil {
		t.Fatalf("build: %v %+v", err, r)
	}
	sc, err := sess.CaptureShell(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Stop()
	waitUntil(t, "points on both ends", 5*time.Second, func() bool {
		return capturing(sc, "RED/veth0") && capturing(sc, "BLUE/veth1")
	})
	// A listener in BLUE takes the datagrams (no port unreachable back);
	// it never reads, so the kernel lets go of what its buffer cannot hold.
	blue, _ := lab.NsHandle("BLUE")
	red, _ := lab.NsHandle("RED")
	var ln, conn net.PacketConn
	if err := nsutil.Do(blue, func() (err error) { ln, err = net.ListenPacket("udp4", "11.11.11.3:9999"); return }); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := nsutil.Do(red, func() (err error) { conn, err = net.ListenPacket("udp4", "11.11.11.2:0"); return }); err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const n, size = 1000, 60000
	dst := &net.UDPAddr{IP: net.IPv4(11, 11, 11, 3), Port: 9999}
	payload := make([]byte, size)
	rss0 := rssKiB()
	for i := 0; i < n; i++ {
		binary.BigEndian.PutUint32(payload, uint32(i))
		if _, err := conn.WriteTo(payload, dst); err != nil {
			t.Fatalf("datagram %d: %v", i, err)
		}
		if i%4 == 3 {
			time.Sleep(time.Millisecond) // the 1 MiB rings hold 16 of these
		}
	}
	// The last one once the flood is read: the newest, whatever the
	// kernel dropped under the flood.
	time.Sleep(100 * time.Millisecond)
	binary.BigEndian.PutUint32(payload, n)
	if _, err := conn.WriteTo(payload, dst); err != nil {
		t.Fatalf("the last datagram: %v", err)
	}
	time.Sleep(50 * time.Millisecond)
	sc.Stop() // as the shell ends: every point hands on what it read
	rss1 := rssKiB()
	if q := sess.queued.Load(); q > b.MaxStoredBytes {
		t.Errorf("%d frame bytes wait on the stream, over the budget's %d", q, b.MaxStoredBytes)
	}
	if b.Stats().EvictedPackets == 0 {
		t.Fatalf("%d datagrams of %d bytes at two points and nothing let go", n, size)
	}
	// The UI takes the stream, as the lesson model does after the shell.
	p := newPacketPane(NewCommon("en"))
	p.reset()
	ch := sess.Packets()
	var waited int64
	for len(ch) > 0 {
		msg := waitSession(1, ch, sess)().(packetsMsg)
		for _, pk := range msg.pkts {
			waited += int64(len(pk.Data))
		}
		p.setBudget(msg.budget)
		p.add(msg.pkts, msg.drops)
	}
	if waited > b.MaxStoredBytes || sess.queued.Load() != 0 {
		t.Errorf("%d frame bytes waited on the stream, over the budget's %d (%d still counted)", waited, b.MaxStoredBytes, sess.queued.Load())
	}
	debug.FreeOSMemory() // what is still held, not what the GC has yet to give back
	rss2 := rssKiB()
	var held int64
	seqs := map[string][]int{}
	for i := range p.pkts.Len() {
		pk := p.pkts.At(i)
		held += int64(len(pk.Data))
		if s, ok := datagramSeq(pk.Data); ok {
			seqs[pk.Point] = append(seqs[pk.Point], s)
		}
	}
	if held != p.bytes || held > b.MaxStoredBytes {
		t.Errorf("the pane holds %d frame bytes (it counts %d), budget %d", held, p.bytes, b.MaxStoredBytes)
	}
	drops := sess.Drops()
	for _, pt := range []string{"RED/veth0", "BLUE/veth1"} {
		s := seqs[pt]
		if len(s) == 0 {
			t.Fatalf("no datagram of %s kept", pt)
		}
		if s[len(s)-1] != n || s[0] == 0 {
			t.Errorf("%s keeps datagrams %d to %d: want the newest, up to %d, not the first", pt, s[0], s[len(s)-1], n)
		}
		for i := 1; i < len(s); i++ {
			if s[i] <= s[i-1] {
				t.Fatalf("%s: datagram %d after %d", pt, s[i], s[i-1])
			}
		}
		if gaps := uint64(s[len(s)-1] - s[0] + 1 - len(s)); gaps > drops {
			t.Errorf("%s: %d datagrams missing between the kept ones, %d dropped by the kernel", pt, gaps, drops)
		}
	}
	ev := b.Stats().EvictedPackets
	want := fmt.Sprintf("capture budget: oldest %s packets dropped to stay under 32 MiB and 100,000 packets", thousands(ev))
	if v := strings.Join(p.view(120, 10), "\n"); !strings.Contains(v, want) {
		t.Errorf("the packets pane lacks %q:\n%s", want, v)
	}
	t.Logf("%d datagrams of %d bytes: %d packets kept (%s), %d let go, %d dropped by the kernel; VmRSS %d KiB before, %d after the flood, %d with the pane's packets (after debug.FreeOSMemory)",
		n, size, p.pkts.Len(), capture.FormatBytes(held), ev, drops, rss0, rss1, rss2)
}

// datagramSeq is the sequence number a test datagram carries in its first
// payload bytes (UDP to port 9999).
func datagramSeq(data []byte) (int, bool) {
	pkt := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.NoCopy)
	u, ok := pkt.Layer(layers.LayerTypeUDP).(*layers.UDP)
	if !ok || u.DstPort != 9999 || len(u.Payload) < 4 {
		return 0, false
	}
	return int(binary.BigEndian.Uint32(u.Payload)), true
}

// TestLessonsUnderCaptureBudget: every built-in lesson runs to its end
// under the session's capture budget without a capture point refused, and
// logs the most points and ring bytes it held at once (what the lessons
// need of the budget).
func TestLessonsUnderCaptureBudget(t *testing.T) {
	if !labOK {
		t.Skip("no lab sandbox here")
	}
	ls, err := lessons.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// A lesson per subtest, each on a lab of its own, a few at once.
	var cases []namedCase
	for _, l := range ls {
		cases = append(cases, namedCase{l.ID, func(t *testing.T) {
			lab, err := engine.New()
			if err != nil {
				t.Fatal(err)
			}
			defer lab.Close()
			s, err := NewLabBackend(lab).Open(ctx, l.ID, "en")
			if err != nil {
				t.Fatal(err)
			}
			for i := range l.Steps {
				ev := make(chan ActionEvent, 64)
				go func() {
					for range ev {
					}
				}()
				res := s.RunStep(ctx, i, ev)
				close(ev)
				if res.Err != nil {
					t.Fatalf("%s step %d: %v", l.ID, i+1, res.Err)
				}
				for _, e := range res.Expects {
					if e.Text == "capture" {
						t.Errorf("%s step %d: %s", l.ID, i+1, e.Detail)
					}
				}
				drain(s.Packets(), 10*time.Millisecond)
			}
			st := s.(*labSession).CaptureBudget().Stats()
			t.Logf("%s: at most %d points and %s of rings at once", l.ID, st.PeakPoints, capture.FormatBytes(int64(st.PeakRingBytes)))
			s.Close()
		}})
	}
	runParallel(t, cases)
}

// budgetSession is the fake session under a capture budget.
type budgetSession struct {
	*fakeSession
	b *capture.Budget
}

func (s *budgetSession) CaptureBudget() *capture.Budget { return s.b }
func (s *budgetSession) Took(ch <-chan Packet, n int)   {}

type budgetBackend struct {
	fakeBackend
	sess Session
}

func (b *budgetBackend) Open(ctx context.Context, id, lang string) (Session, error) {
	return b.sess, nil
}

// TestPacketsPaneSaysBudgetBit: the lesson model hands the session's
// budget to the packets pane with the packets, and the pane says, in the
// learner's language, which cap bit and how much; a pane under its caps
// says nothing of the budget.
func TestPacketsPaneSaysBudgetBit(t *testing.T) {
	for _, tc := range []struct{ lang, links, stored string }{
		{"en", "capture budget: 5 links not captured (limit 32 points)", "capture budget: oldest 3,210 packets dropped to stay under 32 MiB and 100,000 packets"},
		{"ko", "캡처 한도: 링크 5개는 캡처하지 않음 (지점 최대 32개)", "캡처 한도: 32 MiB, 패킷 100,000개를 넘지 않도록 오래된 패킷 3,210개를 버림"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			b := capture.NewBudget()
			sess := &budgetSession{fakeSession: newFakeSession(sixLessons()[1], tc.lang), b: b}
			m := New(&budgetBackend{fakeBackend: fakeBackend{lessons: sixLessons()}, sess: sess}, Options{Lang: tc.lang, ProgressPath: "-"})
			d := newDriver(t, m)
			d.send(tea.WindowSizeMsg{Width: 160, Height: 40})
			d.run(m.Init(), 50*time.Millisecond)
			d.keys("down", "enter")
			d.waitFor("open", func(m *Model) bool { return m.lesson != nil && !m.lesson.opening && m.lesson.busy == "" })
			for _, p := range fakePackets() {
				sess.ch <- p
			}
			d.waitFor("the packets", func(m *Model) bool { return m.lesson.pk.pkts.Len() == len(fakePackets()) })
			if v := d.view(); strings.Contains(v, tc.links[:10]) {
				t.Fatalf("a budget line with no cap bitten:\n%s", v)
			}
			b.ShellStarted()
			b.SetUncaptured(5)
			b.Evicted(3210, 3210*60000)
			sess.ch <- fakePackets()[0]
			d.waitFor("one more packet", func(m *Model) bool { return m.lesson.pk.pkts.Len() == len(fakePackets())+1 })
			v := d.view()
			for _, want := range []string{tc.links, tc.stored} {
				if !strings.Contains(v, want) {
					t.Errorf("the view lacks %q:\n%s", want, v)
				}
			}
		})
	}
}
