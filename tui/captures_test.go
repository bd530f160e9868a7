package tui

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopacket/gopacket/pcapgo"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/testkit"
	"github.com/nettutor/nettutor/lessons"
)

// echoKey is one ICMP echo at one capture point: point, id, seq, reply.
type echoKey struct {
	point   string
	id, seq uint16
	reply   bool
}

// frameEcho decodes an Ethernet frame as an ICMP echo (ok false if not).
func frameEcho(point string, d []byte) (echoKey, bool) {
	if len(d) < 14+20+8 || binary.BigEndian.Uint16(d[12:14]) != 0x0800 || d[14+9] != 1 {
		return echoKey{}, false
	}
	ihl := int(d[14]&0x0f) * 4
	if len(d) < 14+ihl+8 {
		return echoKey{}, false
	}
	ic := d[14+ihl:]
	if ic[0] != 8 && ic[0] != 0 {
		return echoKey{}, false
	}
	return echoKey{point, binary.BigEndian.Uint16(ic[4:6]), binary.BigEndian.Uint16(ic[6:8]), ic[0] == 0}, true
}

// oneEcho checks the echoes of one `ping -c 1`: at every point that saw
// it, exactly one request and (where one comes back) one reply, of one id.
func oneEcho(keys []echoKey, wantReply bool) []string {
	type count struct {
		req, rep int
		ids      map[uint16]bool
	}
	per := map[string]*count{}
	for _, k := range keys {
		c := per[k.point]
		if c == nil {
			c = &count{ids: map[uint16]bool{}}
			per[k.point] = c
		}
		c.ids[k.id] = true
		if k.reply {
			c.rep++
		} else {
			c.req++
		}
	}
	var bad []string
	if len(per) == 0 {
		bad = append(bad, "no echo at any capture point")
	}
	for p, c := range per {
		want := 0
		if wantReply {
			want = 1
		}
		if c.req != 1 || c.rep != want || len(c.ids) != 1 {
			bad = append(bad, fmt.Sprintf("%s: %d requests, %d replies, %d ids; want 1, %d, 1", p, c.req, c.rep, len(c.ids), want))
		}
	}
	return bad
}

// learnerPingSteps lists the steps whose only traffic is one `ping -c 1`
// while capture points run, with whether a reply comes back.
func learnerPingSteps(l *lessons.Lesson) map[int]bool {
	out := map[int]bool{}
	running := map[string]bool{}
	for i, st := range l.Steps {
		for _, c := range st.Captures {
			running[c.ID] = true
		}
		pings, other, reply := 0, false, true
		for _, a := range st.Actions {
			switch a.Kind {
			case "ping":
				pings++
				reply = !a.ExpectFailure()
				other = other || a.Args.Count > 1
			case "tcp_connect", "run":
				other = true
			}
		}
		if len(running) > 0 && pings == 1 && !other {
			out[i] = reply
		}
		for _, id := range st.CaptureStop {
			delete(running, id)
		}
	}
	return out
}

// connectSteps lists the steps whose one command that sends is a single
// nc while capture points run.
func connectSteps(l *lessons.Lesson) map[int]bool {
	out := map[int]bool{}
	running := map[string]bool{}
	for i, st := range l.Steps {
		for _, c := range st.Captures {
			running[c.ID] = true
		}
		n := 0
		for _, a := range st.Actions {
			switch a.Kind {
			case "tcp_connect":
				n++
			case "ping", "run":
				n = 99
			}
		}
		if len(running) > 0 && n == 1 {
			out[i] = true
		}
		for _, id := range st.CaptureStop {
			delete(running, id)
		}
	}
	return out
}

// oneConnection checks the TCP of one nc: at every capture point that saw
// TCP, one SYN and one client port.
func oneConnection(pkts []Packet) []string {
	syns, ports := map[string]int{}, map[string]map[uint16]bool{}
	for _, p := range pkts {
		d := p.Data
		if len(d) < 14+20+20 || binary.BigEndian.Uint16(d[12:14]) != 0x0800 || d[14+9] != 6 {
			continue
		}
		tcp := d[14+int(d[14]&0x0f)*4:]
		if len(tcp) < 14 {
			continue
		}
		client := max(binary.BigEndian.Uint16(tcp[0:2]), binary.BigEndian.Uint16(tcp[2:4]))
		if ports[p.Point] == nil {
			ports[p.Point] = map[uint16]bool{}
		}
		ports[p.Point][client] = true
		if tcp[13]&0x02 != 0 && tcp[13]&0x10 == 0 {
			syns[p.Point]++
		}
	}
	var bad []string
	if len(ports) == 0 {
		bad = append(bad, "no TCP at any capture point")
	}
	for pt, ps := range ports {
		if syns[pt] != 1 || len(ps) != 1 {
			bad = append(bad, fmt.Sprintf("%s: %d SYNs, %d client ports; want 1 and 1", pt, syns[pt], len(ps)))
		}
	}
	return bad
}

// drain takes what the packet channel holds until it is quiet.
func drain(ch <-chan Packet, quiet time.Duration) []Packet {
	var out []Packet
	for {
		select {
		case p, ok := <-ch:
			if !ok {
				return out
			}
			out = append(out, p)
		case <-time.After(quiet):
			return out
		}
	}
}

// TestBackendCapturesHoldOnlyTheLearnersPing runs every built-in lesson
// with ping steps through the TUI's backend on a real lab: the packets
// list of a `ping -c 1` step holds one request (and one reply, where one
// comes back) per capture point, whatever the expectations sent; so does
// the pcap the `w` key writes. Going back a step then replays the traffic:
// the rebuilt list holds the replayed ping, once.
func TestBackendCapturesHoldOnlyTheLearnersPing(t *testing.T) {
	if !labOK {
		t.Skip("no lab sandbox here")
	}
	ls, err := lessons.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var covered atomic.Int64
	// A lesson per subtest, each on a lab of its own, a few at once.
	var cases []namedCase
	for _, l := range ls {
		steps := learnerPingSteps(l)
		conns := connectSteps(l)
		if len(steps) == 0 && len(conns) == 0 {
			continue
		}
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
			defer s.Close()
			lastPing := -1
			perStep := map[int][]echoKey{} // every echo of the run, by step
			for i := range l.Steps {
				ev := make(chan ActionEvent, 64)
				go func() {
					for range ev {
					}
				}()
				res := s.RunStep(ctx, i, ev)
				close(ev)
				if res.Err != nil {
					t.Fatalf("step %d: %v", i+1, res.Err)
				}
				pkts := drain(s.Packets(), 100*time.Millisecond)
				for _, p := range pkts {
					if k, ok := frameEcho(p.Point, p.Data); ok {
						perStep[i] = append(perStep[i], k)
					}
				}
				if conns[i] && failingConnectUnsent(l.Steps[i], pkts) {
					covered.Add(1) // no SYN left: nobody answered ARP (see below)
				} else if conns[i] {
					covered.Add(1)
					for _, bad := range oneConnection(pkts) {
						t.Errorf("step %d (%s), packets pane: %s", i+1, l.Steps[i].ID, bad)
					}
				}
				wantReply, ok := steps[i]
				if !ok {
					continue
				}
				covered.Add(1)
				lastPing = i
				var keys []echoKey
				for _, p := range pkts {
					if k, ok := frameEcho(p.Point, p.Data); ok {
						keys = append(keys, k)
					}
				}
				for _, bad := range oneEcho(keys, wantReply) {
					t.Errorf("step %d (%s), packets pane: %s", i+1, l.Steps[i].ID, bad)
				}
			}
			// The pcap of the `w` key: every echo in it is one of the
			// learner's (no id the steps' lists did not show).
			path := filepath.Join(t.TempDir(), "all.pcap")
			if _, err := s.WritePcap(path); err != nil {
				t.Fatal(err)
			}
			inList := map[[2]uint16]bool{}
			for _, keys := range perStep {
				for _, k := range keys {
					inList[[2]uint16{k.id, k.seq}] = true
				}
			}
			got, err := pcapEchoIDs(path)
			if err != nil {
				t.Fatal(err)
			}
			for k, n := range got {
				if !inList[k] {
					t.Errorf("pcap: echo id %d seq %d (%d frames) is not the learner's", k[0], k[1], n)
				}
			}
			if lastPing < 0 {
				return
			}
			// Back to the end of the last ping step: the steps before are
			// replayed, traffic included, into a new list that holds as
			// many echo requests and replies per capture point as the
			// original run showed for those steps.
			if err := s.Goto(ctx, lastPing+1); err != nil {
				t.Fatalf("Goto(%d): %v", lastPing+1, err)
			}
			tally := func(keys []echoKey) map[string]int {
				m := map[string]int{}
				for _, k := range keys {
					m[fmt.Sprintf("%s reply=%v", k.point, k.reply)]++
				}
				return m
			}
			var orig []echoKey
			for i := 0; i <= lastPing; i++ {
				orig = append(orig, perStep[i]...)
			}
			var again []echoKey
			for _, p := range drain(s.Packets(), 100*time.Millisecond) {
				if k, ok := frameEcho(p.Point, p.Data); ok {
					again = append(again, k)
				}
			}
			if got, want := tally(again), tally(orig); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("after going back to step %d, the packets list holds echoes %v; the original run showed %v", lastPing+2, got, want)
			}
		}})
	}
	runParallel(t, cases)
	if n := covered.Load(); n < 3 {
		t.Errorf("only %d ping steps with captures", n)
	}
}

// pcapEchoIDs counts the ICMP echo frames of a pcap file by (id, seq).
func pcapEchoIDs(path string) (map[[2]uint16]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rd, err := pcapgo.NewReader(f)
	if err != nil {
		return nil, err
	}
	out := map[[2]uint16]int{}
	for {
		data, _, err := rd.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if k, ok := frameEcho("", data); ok {
			out[[2]uint16{k.id, k.seq}]++
		}
	}
}

// failingConnectUnsent reports whether st's connect is meant to fail and
// the captures hold ARP requests and no IPv4 at all: where nobody answers
// ARP for the address (loadbalancer's VIP before any speaker) the SYN
// never leaves the client.
func failingConnectUnsent(st *lessons.Step, pkts []Packet) bool {
	fails := false
	for _, a := range st.Actions {
		if a.Kind == "tcp_connect" && a.ExpectFailure() {
			fails = true
		}
	}
	if !fails {
		return false
	}
	var frames [][]byte
	for _, p := range pkts {
		frames = append(frames, p.Data)
	}
	return testkit.ARPOnly(frames)
}
