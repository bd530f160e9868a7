package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/nettutor/nettutor/lessons"
)

// TestRunFrom: `run veth --from 9` replays steps 1-8 (their ping included)
// silently, then runs step 9, whose expectation is that RED and BLUE know
// each other's MAC: it holds only if the replay re-sent the traffic.
func TestRunFrom(t *testing.T) {
	l, err := lessons.Find("veth")
	if err != nil {
		t.Fatal(err)
	}
	n := len(l.Steps)
	r := runCLI(t, nil, "run", "veth", "--plain", "--from", fmt.Sprint(n))
	needLab(t, r)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	last := l.Steps[n-1].Title.Get("en")
	for _, want := range []string{
		fmt.Sprintf("(steps 1 to %d replayed", n-1),
		fmt.Sprintf("== Step %d/%d: %s ==", n, n, last),
		"  ✓ RED knows the MAC of 11.11.11.3",
		"✓ every expectation held (",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("transcript lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, fmt.Sprintf("== Step %d/%d", n-1, n)) {
		t.Errorf("a replayed step was printed:\n%s", r.stdout)
	}
}

func TestRunFromBadInput(t *testing.T) {
	badInputLine(t, runCLI(t, nil, "run", "veth", "--plain", "--from", "0"), "--from 0: veth has steps 1 to")
	badInputLine(t, runCLI(t, nil, "run", "veth", "--plain", "--from", "99"), "--from 99: veth has steps 1 to")
	badInputLine(t, runCLI(t, nil, "run", "veth", "--plain", "--from", "two"), "invalid value")
}

func TestRunHelp(t *testing.T) {
	r := runCLI(t, nil, "run", "--help")
	if r.code != 0 {
		t.Fatalf("run --help: exit %d, %s", r.code, r.stderr)
	}
	for _, want := range []string{"usage: nettutor run", "-from", "-pcap", "-state-json", "-lang"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("run --help lacks %q:\n%s", want, r.stdout)
		}
	}
}

// TestRunPcapHoldsOnlyTheLearnersPings: in the pcap files of every lesson
// with capture points, each echo (id, seq) is one request and at most one
// reply, and there are no more echo ids than the lesson's ping commands
// sent while that capture point ran: the expectations' own pings, which
// run while the points capture, are not in the files.
func TestRunPcapHoldsOnlyTheLearnersPings(t *testing.T) {
	ls, err := lessons.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var covered atomic.Int64
	// A lesson per subtest, a few at once (runParallel).
	var cases []namedCase
	for _, l := range ls {
		pings := pingsPerCapture(l)
		if len(pings) == 0 {
			continue
		}
		cases = append(cases, namedCase{l.ID, func(t *testing.T) {
			r, dir := koRunWithPcaps(t, l.ID) // the same run as TestRunKoreanEveryLesson's
			needLab(t, r)
			if r.code != 0 {
				t.Fatalf("%s: exit %d\n%s\n%s", l.ID, r.code, r.stdout, r.stderr)
			}
			for id, sent := range pings {
				reqs, reps, err := pcapEchoes(filepath.Join(dir, id+".pcap"))
				if err != nil {
					t.Fatalf("%s/%s.pcap: %v", l.ID, id, err)
				}
				ids := map[uint16]bool{}
				for k, n := range reqs {
					ids[k[0]] = true
					if n != 1 {
						t.Errorf("%s/%s.pcap: echo id %d seq %d: %d requests, want 1", l.ID, id, k[0], k[1], n)
					}
				}
				for k, n := range reps {
					if n > 1 || reqs[k] == 0 {
						t.Errorf("%s/%s.pcap: echo id %d seq %d: %d replies to %d requests", l.ID, id, k[0], k[1], n, reqs[k])
					}
				}
				if len(ids) > sent {
					t.Errorf("%s/%s.pcap: %d echo ids, but the lesson's commands sent %d pings while it ran (the tutor's probes are in it)", l.ID, id, len(ids), sent)
				}
				if len(ids) > 0 {
					covered.Add(1)
				}
			}
		}})
	}
	runParallel(t, cases)
	if n := covered.Load(); n < 3 {
		t.Errorf("only %d capture points saw a ping", n)
	}
}

// pingsPerCapture counts, per capture id, the ping commands of the steps
// during which it runs.
func pingsPerCapture(l *lessons.Lesson) map[string]int {
	out := map[string]int{}
	running := map[string]bool{}
	for _, st := range l.Steps {
		for _, c := range st.Captures {
			running[c.ID] = true
			out[c.ID] += 0
		}
		for _, a := range st.Actions {
			if a.Kind == "ping" {
				for id := range running {
					out[id]++
				}
			}
		}
		for _, id := range st.CaptureStop {
			delete(running, id)
		}
	}
	return out
}

// pcapEchoes counts the ICMP echo requests and replies of a pcap file by
// (id, seq).
func pcapEchoes(path string) (reqs, reps map[[2]uint16]int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	rd, err := pcapgo.NewReader(f)
	if err != nil {
		return nil, nil, err
	}
	reqs, reps = map[[2]uint16]int{}, map[[2]uint16]int{}
	for {
		data, _, err := rd.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return reqs, reps, nil
		}
		if err != nil {
			return nil, nil, err
		}
		p := gopacket.NewPacket(data, rd.LinkType(), gopacket.Default)
		ic, ok := p.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4)
		if !ok {
			continue
		}
		k := [2]uint16{ic.Id, ic.Seq}
		switch ic.TypeCode.Type() {
		case layers.ICMPv4TypeEchoRequest:
			reqs[k]++
		case layers.ICMPv4TypeEchoReply:
			reps[k]++
		}
	}
}
