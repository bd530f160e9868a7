package capture

import (
	"errors"
	"testing"

	"golang.org/x/net/bpf"
)

func TestFilterParseErrors(t *testing.T) {
	cases := []struct {
		expr string
		pos  int // 0-based
	}{
		{"", 0},
		{"tcp port", 8},
		{"tcp port http", 9},
		{"port 70000", 5},
		{"host 11.11.11", 5},
		{"icmp and", 8},
		{"(icmp or arp", 12},
		{"icmp arp", 5},
		{"bogus", 0},
		{"icmp & arp", 5},
		{"src", 3},
		{"tcp src 80", 8},
		{"ether host 11.11.11.3", 11},
		{"icmp )", 5},
		{"not", 3},
		{"arp or or icmp", 7},
		{"udp port 53 $", 12},
	}
	for _, c := range cases {
		_, err := CompileFilter(c.expr)
		var fe *FilterError
		if !errors.As(err, &fe) {
			t.Errorf("%q: err %v, want a *FilterError", c.expr, err)
			continue
		}
		if fe.Pos != c.pos {
			t.Errorf("%q: error at %d (%v), want %d", c.expr, fe.Pos, err, c.pos)
		}
	}
	_, err := CompileFilter("tcp port http")
	if err == nil || err.Error() != `filter "tcp port http": column 10: "http" is not a port number (0-65535)` {
		t.Errorf("message: %v", err)
	}
}

var filterExprs = []string{
	"arp", "ip", "ip6", "icmp", "icmp6", "tcp", "udp",
	"tcp port 80", "udp port 53", "port 53", "port 80", "port 5000", "src port 53", "dst port 53",
	"tcp dst port 8080", "udp src port 40000", "port 4789",
	"host 11.11.11.3", "src host 11.11.11.3", "dst host 11.11.11.3", "host 11.11.11.2", "host 203.0.113.2",
	"host fe80::3", "src host fe80::2", "dst host ff02::2", "host 2001:db8::3",
	"ether host 02:00:00:00:00:03", "ether src host 02:00:00:00:00:02", "ether src host 02:00:00:00:00:03", "ether dst host ff:ff:ff:ff:ff:ff",
	"not arp", "!icmp", "icmp or arp", "icmp and host 11.11.11.3", "not (tcp or udp)",
	"tcp and not port 80", "(tcp port 80 || udp port 53) && src host 11.11.11.2",
	"arp and dst host 11.11.11.2", "ip and not icmp and not tcp", "icmp6 or (ip6 and udp)",
	"not not arp", "host 11.11.11.2 and host 11.11.11.3 and not arp",
	"port 45678 or port 45000 or port 81 or port 40001 or port 50000",
}

// Required 3: for every expression and frame, the BPF program (run in
// x/net/bpf's VM, as the kernel would) and the Go evaluator agree.
func TestFilterBPFAgreesWithGo(t *testing.T) {
	frames := testFrames()
	matched := map[string]int{}
	for _, expr := range filterExprs {
		f, err := CompileFilter(expr)
		if err != nil {
			t.Fatalf("%q: %v", expr, err)
		}
		raw, err := f.BPF()
		if err != nil {
			t.Fatalf("%q: BPF: %v", expr, err)
		}
		prog, ok := bpf.Disassemble(raw)
		if !ok {
			t.Fatalf("%q: program does not disassemble", expr)
		}
		vm, err := bpf.NewVM(prog)
		if err != nil {
			t.Fatalf("%q: VM: %v", expr, err)
		}
		for _, fr := range frames {
			n, err := vm.Run(fr.data)
			if err != nil {
				t.Fatalf("%q on %s: %v", expr, fr.name, err)
			}
			inKernel := n > 0
			inGo := f.Match(fr.data)
			if inKernel != inGo {
				t.Errorf("%q on %s (%d bytes): BPF %v, Go %v", expr, fr.name, len(fr.data), inKernel, inGo)
			}
			if inGo {
				matched[expr]++
			}
		}
	}
	// Each expression must select something and not everything, or the
	// table says nothing.
	for _, expr := range filterExprs {
		if matched[expr] == 0 || matched[expr] == len(testFrames()) {
			t.Errorf("%q matched %d of %d full frames", expr, matched[expr], len(testFrames()))
		}
	}
}

func TestFilterSemantics(t *testing.T) {
	byName := map[string][]byte{}
	for _, f := range testFrames() {
		byName[f.name] = f.data
	}
	cases := []struct {
		expr  string
		yes   []string
		never []string
	}{
		{"icmp", []string{"icmp-echo-request", "icmp-port-unreachable"}, []string{"arp-request", "icmp6-echo", "udp"}},
		{"arp", []string{"arp-request", "arp-reply"}, []string{"icmp-echo-request"}},
		{"tcp port 80", []string{"tcp-syn", "tcp-synack"}, []string{"tcp-data", "udp"}},
		{"port 53", []string{"dns-query", "dns-answer"}, []string{"udp", "tcp-syn"}},
		{"host 11.11.11.3", []string{"arp-request", "arp-reply", "icmp-echo-request", "dns-answer"}, []string{"nat-udp", "arp-gratuitous"}},
		{"src host 11.11.11.3", []string{"arp-reply", "icmp-echo-reply"}, []string{"arp-request", "icmp-echo-request"}},
		{"dst host 11.11.11.3", []string{"arp-request", "icmp-echo-request"}, []string{"arp-reply", "icmp-echo-reply"}},
		{"icmp6", []string{"icmp6-ns", "icmp6-na", "icmp6-echo"}, []string{"udp6", "icmp-echo-request"}},
		{"not arp and not icmp6", []string{"udp", "tcp-syn"}, []string{"arp-request", "icmp6-ns"}},
	}
	for _, c := range cases {
		f, err := CompileFilter(c.expr)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range c.yes {
			if !f.Match(byName[n]) {
				t.Errorf("%q should match %s", c.expr, n)
			}
		}
		for _, n := range c.never {
			if f.Match(byName[n]) {
				t.Errorf("%q should not match %s", c.expr, n)
			}
		}
	}
	var nilFilter *Filter
	if !nilFilter.MatchDecoded(&Decoded{}) {
		t.Error("a nil filter must match everything")
	}
}
