package capture

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/vishvananda/netlink"
)

// startCapture starts p and stops it when the test ends.
func startCapture(t testing.TB, p Point, opts Options) *Capture {
	t.Helper()
	c, err := Start(p, opts)
	if err != nil {
		t.Fatalf("start capture: %v", err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	return c
}

func protos(pkts []Packet) []Packet {
	var out []Packet
	for _, p := range pkts {
		if p.Proto == "ARP" || p.Proto == "ICMP" {
			out = append(out, p)
		}
	}
	return out
}

// Required 1: a ping from RED to BLUE, captured on BLUE's veth1, is an ARP
// request, an ARP reply, an echo request and an echo reply, in order.
func TestPingCapturedOnBlue(t *testing.T) {
	for _, method := range []string{"tpacket_v3", "recvmsg"} {
		t.Run(method, func(t *testing.T) { testPing(t, method) })
	}
}

func testPing(t *testing.T, method string) {
	l := newLab(t)
	c := startCapture(t, l.point("BLUE", ""), Options{RecvMsg: method == "recvmsg"})
	if m := c.Stats().Method; m != method {
		t.Fatalf("read method %q, want %q", m, method)
	}
	l.ping(t, 0x1234, 1)
	if !waitFor(2*time.Second, func() bool { return len(protos(c.Packets())) >= 4 }) {
		t.Fatalf("captured %d ARP/ICMP packets, want 4: %v", len(protos(c.Packets())), c.Packets())
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	pkts := protos(c.Packets())
	want := []struct{ summary, src, dst, proto string }{
		{"ARP, Request who-has 11.11.11.3 tell 11.11.11.2, length 28", "11.11.11.2", "11.11.11.3", "ARP"},
		{"ARP, Reply 11.11.11.3 is-at " + l.blueMAC.String() + ", length 28", "11.11.11.3", "11.11.11.2", "ARP"},
		{"IP 11.11.11.2 > 11.11.11.3: ICMP echo request, id 4660, seq 1, length 64", "11.11.11.2", "11.11.11.3", "ICMP"},
		{"IP 11.11.11.3 > 11.11.11.2: ICMP echo reply, id 4660, seq 1, length 64", "11.11.11.3", "11.11.11.2", "ICMP"},
	}
	if len(pkts) != len(want) {
		t.Fatalf("got %d packets, want %d", len(pkts), len(want))
	}
	for i, w := range want {
		p := pkts[i]
		if p.Summary != w.summary || p.Src != w.src || p.Dst != w.dst || p.Proto != w.proto {
			t.Errorf("packet %d: got %q %s>%s %s, want %q %s>%s %s", i, p.Summary, p.Src, p.Dst, p.Proto, w.summary, w.src, w.dst, w.proto)
		}
		if p.Point != "BLUE/veth1" {
			t.Errorf("packet %d: point %q", i, p.Point)
		}
		if i > 0 && p.Time.Before(pkts[i-1].Time) {
			t.Errorf("packet %d is earlier than packet %d", i, i-1)
		}
		if time.Since(p.Time) > time.Minute || p.Len != len(p.Data) {
			t.Errorf("packet %d: time %v, len %d, data %d", i, p.Time, p.Len, len(p.Data))
		}
	}
	// Who sent what, seen from BLUE: the request and the echo request came in.
	if pkts[0].Outgoing || !pkts[1].Outgoing || pkts[2].Outgoing || !pkts[3].Outgoing {
		t.Errorf("directions: %v %v %v %v", pkts[0].Outgoing, pkts[1].Outgoing, pkts[2].Outgoing, pkts[3].Outgoing)
	}
	st := c.Stats()
	if st.Captured < 4 || st.KernelSeen < st.Captured || st.DroppedKernel != 0 {
		t.Errorf("stats: %+v", st)
	}
}

// trafficMix makes ARP, ICMP, a TCP connection with data, a UDP datagram
// and a DNS query and answer between RED and BLUE.
func trafficMix(t *testing.T, l *lab) {
	l.ping(t, 7, 1)
	// TCP: a tiny server in BLUE that answers one line.
	ln := inNS(t, l.blue, func() (net.Listener, error) { return net.Listen("tcp4", "11.11.11.3:8080") })
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		buf := make([]byte, 100)
		n, _ := c.Read(buf)
		_, _ = c.Write([]byte("HTTP/1.0 200 OK\r\n\r\n" + string(bytes.ToUpper(buf[:n]))))
		c.Close()
	}()
	conn := inNS(t, l.red, func() (net.Conn, error) {
		return net.DialTimeout("tcp4", "11.11.11.3:8080", 2*time.Second)
	})
	_, _ = conn.Write([]byte("GET / HTTP/1.0\r\n\r\n"))
	_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 200)
	for {
		if _, err := conn.Read(buf); err != nil {
			break
		}
	}
	conn.Close()
	// UDP and DNS: a responder in BLUE on port 53 answering A queries.
	dnsSrv := inNS(t, l.blue, func() (net.PacketConn, error) { return net.ListenPacket("udp4", "11.11.11.3:53") })
	defer dnsSrv.Close()
	go func() {
		b := make([]byte, 512)
		n, from, err := dnsSrv.ReadFrom(b)
		if err != nil {
			return
		}
		d, err := Decode(append(make([]byte, 0), fakeEthIPUDP(b[:n])...))
		if err != nil || !d.Has(layers.LayerTypeDNS) {
			return
		}
		ans := dnsAnswer()
		ans.ID = d.DNS.ID
		ans.Questions = []layers.DNSQuestion{{Name: []byte("red.lab"), Type: layers.DNSTypeA, Class: layers.DNSClassIN}}
		_, _ = dnsSrv.WriteTo(serialize(ans), from)
	}()
	udp := inNS(t, l.red, func() (net.Conn, error) { return net.Dial("udp4", "11.11.11.3:53") })
	defer udp.Close()
	q := dnsQuery()
	q.ID = 4711
	_, _ = udp.Write(serialize(q))
	_ = udp.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := udp.Read(buf); err != nil {
		t.Fatalf("no DNS answer: %v", err)
	}
	plain := inNS(t, l.blue, func() (net.PacketConn, error) { return net.ListenPacket("udp4", "11.11.11.3:5000") })
	defer plain.Close()
	u2 := inNS(t, l.red, func() (net.Conn, error) { return net.Dial("udp4", "11.11.11.3:5000") })
	_, _ = u2.Write([]byte("hello blue"))
	u2.Close()
}

// fakeEthIPUDP wraps a UDP payload from port 53 so the decoder sees DNS.
func fakeEthIPUDP(p []byte) []byte {
	return serialize(eth(macRed, macBlue, layers.EthernetTypeIPv4), ip4(ipRed, ipBlue, layers.IPProtocolUDP),
		&layers.UDP{SrcPort: 40000, DstPort: 53}, gopacket.Payload(p))
}

// Required 2: the exported pcap reads back in tcpdump with the same packet
// count and, line by line, the same text after the timestamp.
func TestPcapOracleTcpdump(t *testing.T) {
	l := newLab(t)
	c := startCapture(t, l.point("BLUE", ""), Options{})
	trafficMix(t, l)
	time.Sleep(100 * time.Millisecond)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	pkts := c.Packets()
	protoSeen := map[string]int{}
	for _, p := range pkts {
		protoSeen[p.Proto]++
	}
	for _, p := range []string{"ARP", "ICMP", "TCP", "UDP", "DNS"} {
		if protoSeen[p] == 0 {
			t.Errorf("no %s packet captured (%v)", p, protoSeen)
		}
	}
	file := writeTemp(t, "blue.pcap", func(f *os.File) error { return WritePcap(f, pkts) })
	lines := tcpdumpLines(t, file)
	if len(lines) != len(pkts) {
		t.Fatalf("tcpdump read %d packets, we captured %d", len(lines), len(pkts))
	}
	for i, p := range pkts {
		if p.Summary != lines[i] {
			t.Errorf("packet %d:\n ours:    %s\n tcpdump: %s", i+1, p.Summary, lines[i])
		} else if testing.Verbose() {
			t.Logf("%2d %s", i+1, p.Summary)
		}
	}
}

// Required 5: a merged pcapng of two points reads back in tcpdump.
func TestPcapNGMergedTwoPoints(t *testing.T) {
	l := newLab(t)
	set, err := StartSet([]Point{l.point("RED", ""), l.point("BLUE", "")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer set.Stop()
	l.ping(t, 9, 1)
	l.ping(t, 9, 2)
	if !waitFor(2*time.Second, func() bool { return len(set.Packets()) >= 12 }) {
		t.Fatalf("got %d packets from two points, want 12", len(set.Packets()))
	}
	if err := set.Stop(); err != nil {
		t.Fatal(err)
	}
	pkts := set.Packets()
	for i := 1; i < len(pkts); i++ {
		if pkts[i].Time.Before(pkts[i-1].Time) {
			t.Fatalf("merged packets out of time order at %d", i)
		}
	}
	// Every frame crosses both ends of the pair: RED's copy comes first.
	points := map[string]int{}
	for _, p := range pkts {
		points[p.Point]++
	}
	if points["RED/veth0"] != points["BLUE/veth1"] || points["RED/veth0"] < 6 {
		t.Errorf("packets per point: %v", points)
	}
	if pkts[0].Point != "RED/veth0" || !strings.HasPrefix(pkts[0].Summary, "ARP, Request") {
		t.Errorf("first merged packet: %s %s", pkts[0].Point, pkts[0].Summary)
	}
	file := writeTemp(t, "merged.pcapng", func(f *os.File) error { return WritePcapNG(f, set.Points(), pkts) })
	lines := tcpdumpLines(t, file)
	if len(lines) != len(pkts) {
		t.Fatalf("tcpdump read %d packets from pcapng, we wrote %d", len(lines), len(pkts))
	}
	for i, p := range pkts {
		// tcpdump keeps one TCP state for the merged file; ICMP and ARP
		// lines do not depend on it.
		if p.Summary != lines[i] {
			t.Errorf("packet %d (%s): ours %q, tcpdump %q", i+1, p.Point, p.Summary, lines[i])
		}
	}
	// Per point files agree as well.
	for _, pt := range set.Points() {
		own := ByPoint(pkts, pt)
		f := writeTemp(t, strings.ReplaceAll(pt, "/", "_")+".pcap", func(f *os.File) error { return WritePcap(f, own) })
		if n := len(tcpdumpLines(t, f)); n != len(own) {
			t.Errorf("%s: tcpdump read %d, want %d", pt, n, len(own))
		}
	}
	// The ladder shows RED and BLUE with arrows both ways, per point.
	lad := BuildLadder(pkts, map[string]string{"11.11.11.2": "RED", "11.11.11.3": "BLUE"}, "RED", "BLUE")
	if len(lad.Columns) != 2 || len(lad.Arrows) != len(pkts) || len(lad.Points) != 2 {
		t.Fatalf("ladder: %+v", lad)
	}
	if a := lad.Arrows[0]; a.From != 0 || a.To != 1 || !strings.HasPrefix(a.Label, "ARP who-has 11.11.11.3") {
		t.Errorf("first arrow: %+v", a)
	}
	t.Logf("\n%s", RenderLadder(lad, 90))
}

// Required 3 (live part): with filter "icmp" no ARP reaches the ring, and
// the filter runs in the kernel.
func TestCaptureFilterICMP(t *testing.T) {
	l := newLab(t)
	c := startCapture(t, l.point("BLUE", "icmp"), Options{})
	all := startCapture(t, l.point("BLUE", ""), Options{})
	l.ping(t, 3, 1)
	waitFor(2*time.Second, func() bool { return len(c.Packets()) >= 2 })
	time.Sleep(50 * time.Millisecond)
	_ = c.Stop()
	_ = all.Stop()
	pkts := c.Packets()
	if len(pkts) != 2 {
		t.Fatalf("filtered capture has %d packets, want 2: %v", len(pkts), pkts)
	}
	for _, p := range pkts {
		if p.Proto != "ICMP" {
			t.Errorf("filter icmp let through %s", p.Summary)
		}
	}
	st := c.Stats()
	if !st.FilterInBPF || st.KernelSeen != 2 {
		t.Errorf("stats %+v: want the filter in the kernel and 2 packets passed", st)
	}
	if n := len(all.Packets()); n < 4 {
		t.Errorf("unfiltered capture saw %d packets, want >= 4 (ARP too)", n)
	}
	if _, err := Start(l.point("BLUE", "tcp port"), Options{}); err == nil || !strings.Contains(err.Error(), "column 9") {
		t.Errorf("bad filter: %v", err)
	}
}

// Required 4: Stop returns promptly on an idle capture, and twice is fine.
func TestStopNeverHangs(t *testing.T) {
	l := newLab(t)
	var caps []*Capture
	for i := 0; i < 3; i++ {
		caps = append(caps, startCapture(t, l.point("BLUE", ""), Options{}))
	}
	time.Sleep(50 * time.Millisecond)
	for _, c := range caps {
		start := time.Now()
		if err := c.Stop(); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("Stop took %v", d)
		}
		select {
		case <-c.Done():
		default:
			t.Error("reader still running after Stop")
		}
		if _, ok := <-c.Updates(); ok {
			t.Error("Updates not closed after Stop")
		}
		if err := c.Stop(); err != nil {
			t.Errorf("second Stop: %v", err)
		}
	}
	if _, err := Start(Point{NS: "BLUE", NSPath: l.bluePath, Iface: "nosuch0"}, Options{}); err == nil {
		t.Error("capture on a missing interface started")
	}
	if _, err := Start(Point{NS: "X", NSPath: "/run/netns/nosuch", Iface: "lo"}, Options{}); err == nil {
		t.Error("capture in a missing namespace started")
	}
}

// The ring keeps the newest packets and counts what it overwrote; a
// consumer that never reads Updates does not hold the reader up.
func TestRingKeepsNewest(t *testing.T) {
	l := newLab(t)
	c := startCapture(t, l.point("BLUE", "icmp"), Options{RingSize: 4, StreamBuffer: 1})
	for seq := 1; seq <= 5; seq++ {
		l.ping(t, 11, seq)
	}
	waitFor(2*time.Second, func() bool { return c.Stats().Captured >= 10 })
	_ = c.Stop()
	pkts := c.Packets()
	st := c.Stats()
	if len(pkts) != 4 || st.Captured != 10 || st.DroppedRing != 6 || st.DroppedStream != 9 {
		t.Fatalf("ring %d packets, stats %+v", len(pkts), st)
	}
	if pkts[0].Seq != 7 || pkts[3].Seq != 10 || !strings.Contains(pkts[3].Summary, "echo reply, id 11, seq 5") {
		t.Errorf("ring holds %d..%d: %s", pkts[0].Seq, pkts[3].Seq, pkts[3].Summary)
	}
	got, missed := c.Since(2)
	if len(got) != 4 || missed != 4 {
		t.Errorf("Since(2): %d packets, %d missed; want 4, 4", len(got), missed)
	}
	if got, missed := c.Since(9); len(got) != 1 || missed != 0 {
		t.Errorf("Since(9): %d packets, %d missed", len(got), missed)
	}
	if !strings.Contains(st.String(), "10 packets captured") || !strings.Contains(st.String(), "0 packets dropped by kernel") {
		t.Errorf("stats text: %q", st.String())
	}
}

func rssMiB() float64 { return procStatusMiB("VmRSS:") }

// procStatusMiB reads a kB field of /proc/self/status (VmRSS, VmHWM).
func procStatusMiB(field string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, field) {
			f := strings.Fields(line)
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkFlood: a UDP sender in RED floods BLUE (lab addresses only) at
// full speed while BLUE/veth1 is captured into a 100000-packet ring.
// Reports packets seen, kernel drops and RSS with the ring full: MiB-RSS
// after a GC and returning free memory to the OS (what holding 100000
// packets costs), MiB-RSS-after-GC before that, and the process's peak. The flood
// lasts CAPTURE_FLOOD_SECONDS (default 3, at most 5) and runs once.
func BenchmarkFlood(b *testing.B) {
	for _, method := range []string{"tpacket_v3", "recvmsg"} {
		b.Run(method, func(b *testing.B) { benchFlood(b, method == "recvmsg") })
	}
}

func benchFlood(b *testing.B, recvmsg bool) {
	secs := 3.0
	if v, err := strconv.ParseFloat(os.Getenv("CAPTURE_FLOOD_SECONDS"), 64); err == nil && v > 0 && v <= 5 {
		secs = v
	}
	runtime.GC()
	base := rssMiB()
	l := newLab(b)
	sink := inNS(b, l.blue, func() (net.PacketConn, error) { return net.ListenPacket("udp4", "11.11.11.3:9999") })
	defer sink.Close()
	conn := inNS(b, l.red, func() (net.Conn, error) { return net.Dial("udp4", "11.11.11.3:9999") })
	defer conn.Close()
	l.ping(b, 1, 1) // resolve ARP first
	c, err := Start(l.point("BLUE", "udp"), Options{RingSize: 100000, RecvMsg: recvmsg})
	if err != nil {
		b.Fatal(err)
	}
	msg := make([]byte, 64)
	b.ResetTimer()
	sent := 0
	deadline := time.Now().Add(time.Duration(secs * float64(time.Second)))
	for time.Now().Before(deadline) {
		for i := 0; i < 256; i++ {
			if _, err := conn.Write(msg); err == nil {
				sent++
			}
		}
	}
	time.Sleep(200 * time.Millisecond)
	b.StopTimer()
	if err := c.Stop(); err != nil {
		b.Fatal(err)
	}
	st := c.Stats()
	held := c.Len()
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	rssGC := rssMiB()
	debug.FreeOSMemory()
	rss := rssMiB()
	b.ReportMetric(float64(sent), "sent")
	b.ReportMetric(float64(st.Captured), "pkts")
	b.ReportMetric(float64(st.Captured)/secs, "pkts/s")
	b.ReportMetric(float64(st.DroppedKernel), "kdrops")
	b.ReportMetric(float64(held), "held")
	b.ReportMetric(rss, "MiB-RSS")
	b.ReportMetric(base, "MiB-RSS-base")
	b.ReportMetric(rssGC, "MiB-RSS-after-GC")
	b.ReportMetric(procStatusMiB("VmHWM:"), "MiB-RSS-peak")
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "MiB-heap")
	b.Logf("%s\n%d packets sent, %d held in the ring, %d overwritten", st, sent, held, st.DroppedRing)
	if held > 100000 {
		b.Fatalf("ring holds %d > 100000", held)
	}
	runtime.KeepAlive(c)
	_ = fmt.Sprint()
}

// Snaplen cuts the stored bytes but not the summary's lengths, which come
// from the headers, nor Len, the length on the wire.
func TestSnaplenAndStream(t *testing.T) {
	l := newLab(t)
	set, err := StartSet([]Point{l.point("BLUE", "icmp")}, Options{Snaplen: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer set.Stop()
	got := make(chan Packet, 10)
	go func() {
		for p := range set.Updates() {
			got <- p
		}
		close(got)
	}()
	l.ping(t, 21, 1)
	var pkts []Packet
	timeout := time.After(2 * time.Second)
	for len(pkts) < 2 {
		select {
		case p := <-got:
			pkts = append(pkts, p)
		case <-timeout:
			t.Fatalf("streamed %d packets, want 2", len(pkts))
		}
	}
	if err := set.Stop(); err != nil {
		t.Fatal(err)
	}
	for range got { // closed after Stop
	}
	p := pkts[0]
	if len(p.Data) != 64 || p.Len != 98 || p.Summary != "IP 11.11.11.2 > 11.11.11.3: ICMP echo request, id 21, seq 1, length 64" {
		t.Errorf("snaplen 64: data %d, len %d, %q", len(p.Data), p.Len, p.Summary)
	}
	st := set.Stats()
	if len(st) != 1 || st[0].Captured != 2 || st[0].Point != "BLUE/veth1" || set.StreamDropped() != 0 {
		t.Errorf("stats %+v, stream dropped %d", st, set.StreamDropped())
	}
	// pcap export keeps the wire length: tcpdump prints the same line.
	file := writeTemp(t, "snap.pcap", func(f *os.File) error { return WritePcap(f, set.Packets()) })
	if lines := tcpdumpLines(t, file); len(lines) != 2 || lines[0] != p.Summary {
		t.Errorf("tcpdump: %q", lines)
	}
}

// flood sends UDP from RED to BLUE (lab addresses only) until stop closes.
func (l *lab) flood(t testing.TB, stop <-chan struct{}) <-chan int {
	sink := inNS(t, l.blue, func() (net.PacketConn, error) { return net.ListenPacket("udp4", "11.11.11.3:9998") })
	conn := inNS(t, l.red, func() (net.Conn, error) { return net.Dial("udp4", "11.11.11.3:9998") })
	sent := make(chan int, 1)
	go func() {
		defer sink.Close()
		defer conn.Close()
		msg := make([]byte, 64)
		n := 0
		for {
			select {
			case <-stop:
				sent <- n
				return
			default:
			}
			for i := 0; i < 64; i++ {
				if _, err := conn.Write(msg); err == nil {
					n++
				}
			}
		}
	}()
	return sent
}

// Kernel drops are read from PACKET_STATISTICS and shown like tcpdump; a
// capture under a flood stops promptly.
func TestKernelDropsAndStopUnderFlood(t *testing.T) {
	for _, method := range []string{"tpacket_v3", "recvmsg"} {
		t.Run(method, func(t *testing.T) {
			l := newLab(t)
			l.ping(t, 1, 1)
			c := startCapture(t, l.point("BLUE", "udp"), Options{RecvMsg: method == "recvmsg", RcvBuf: 64 << 10, RingSize: 1000})
			stop := make(chan struct{})
			sent := l.flood(t, stop)
			// Hold the reader up: it blocks on the ring's lock, the kernel's
			// buffer fills and the kernel drops.
			c.mu.Lock()
			time.Sleep(300 * time.Millisecond)
			c.mu.Unlock()
			time.Sleep(200 * time.Millisecond)
			start := time.Now()
			if err := c.Stop(); err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("Stop under flood took %v", d)
			}
			close(stop)
			n := <-sent
			st := c.Stats()
			t.Logf("%d sent\n%s\n(%d overwritten in the ring)", n, st, st.DroppedRing)
			if st.DroppedKernel == 0 || st.Captured == 0 || st.KernelSeen < st.Captured {
				t.Errorf("stats after a blocked reader: %+v", st)
			}
			if st.Method != method {
				t.Errorf("method %q", st.Method)
			}
			want := fmt.Sprintf("%d packets dropped by kernel", st.DroppedKernel)
			if !strings.Contains(st.String(), want) {
				t.Errorf("%q lacks %q", st.String(), want)
			}
			if c.Len() != 1000 || st.DroppedRing != st.Captured-1000 {
				t.Errorf("ring holds %d, overwrote %d of %d", c.Len(), st.DroppedRing, st.Captured)
			}
		})
	}
}

// A lesson may take the link down and up again: the capture survives it,
// does not spin while the link is down, and sees the traffic afterwards.
func TestLinkDownAndUp(t *testing.T) {
	for _, method := range []string{"tpacket_v3", "recvmsg"} {
		t.Run(method, func(t *testing.T) {
			l := newLab(t)
			c := startCapture(t, l.point("BLUE", "icmp"), Options{RecvMsg: method == "recvmsg"})
			l.ping(t, 5, 1)
			h, err := netlink.NewHandleAt(l.blue)
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			link, err := h.LinkByName("veth1")
			if err != nil {
				t.Fatal(err)
			}
			if err := h.LinkSetDown(link); err != nil {
				t.Fatal(err)
			}
			var before, after syscall.Rusage
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
			time.Sleep(300 * time.Millisecond)
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
			cpu := time.Duration(after.Utime.Nano()+after.Stime.Nano()-before.Utime.Nano()-before.Stime.Nano()) * time.Nanosecond
			if cpu > 150*time.Millisecond {
				t.Errorf("%v of CPU in 300ms with the link down: the reader spins", cpu)
			}
			if err := h.LinkSetUp(link); err != nil {
				t.Fatal(err)
			}
			waitFor(2*time.Second, func() bool {
				lk, err := h.LinkByName("veth1")
				return err == nil && lk.Attrs().OperState == netlink.OperUp
			})
			l.ping(t, 5, 2)
			if !waitFor(2*time.Second, func() bool { return c.Len() >= 4 }) {
				t.Fatalf("after link up: %d packets, want 4 (%+v)", c.Len(), c.Stats())
			}
			select {
			case <-c.Done():
				t.Fatal("reader ended when the link went down")
			default:
			}
			st := c.Stats()
			t.Logf("socket errors %d (%s)", st.SocketErrors, st.LastError)
		})
	}
}

// A filter too long for classic BPF's 8-bit jumps runs in Go instead, with
// the same result.
func TestFilterTooComplexRunsInGo(t *testing.T) {
	var parts []string
	for i := 1; i <= 60; i++ {
		parts = append(parts, fmt.Sprintf("host 10.9.%d.%d", i/250, i%250))
	}
	expr := "icmp and (" + strings.Join(parts, " or ") + " or host 11.11.11.3)"
	f, err := CompileFilter(expr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.BPF(); err == nil {
		t.Fatal("expected the program to be too long for classic BPF jumps")
	}
	l := newLab(t)
	c := startCapture(t, l.point("BLUE", expr), Options{})
	l.ping(t, 8, 1)
	waitFor(2*time.Second, func() bool { return c.Len() >= 2 })
	time.Sleep(50 * time.Millisecond)
	_ = c.Stop()
	st := c.Stats()
	if st.FilterInBPF || st.Captured != 2 || st.KernelSeen < 4 {
		t.Errorf("stats %+v: want the filter in Go, 2 ICMP kept of >= 4 seen", st)
	}
	for _, p := range c.Packets() {
		if p.Proto != "ICMP" {
			t.Errorf("let through: %s", p.Summary)
		}
	}
}
