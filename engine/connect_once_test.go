package engine

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestConnectOnceSendsOneSYN: a connect meant to be refused (Once) sends
// the one SYN the nc it shows sends, so a step's captures hold what the
// learner's command sent; a connect meant to answer tries again after a
// refusal (the banner loop's gap), which the same counter sees as five
// SYNs. The SYNs are counted by an iptables rule in the client's OUTPUT.
func TestConnectOnceSendsOneSYN(t *testing.T) {
	needTools(t, "iptables")
	l := newLab(t)
	apply(t, l, BaselineActions()...)
	run(t, l, "RED", "iptables", "-A", "OUTPUT", "-p", "tcp", "--syn", "-d", "10.0.0.3", "--dport", "9")
	syns := func() int {
		t.Helper()
		for _, line := range strings.Split(run(t, l, "RED", "iptables", "-L", "OUTPUT", "-v", "-n", "-x"), "\n") {
			if f := strings.Fields(line); len(f) > 0 && strings.Contains(line, "dpt:9") {
				n, err := strconv.Atoi(f[0])
				if err != nil {
					t.Fatalf("counter %q: %v", line, err)
				}
				return n
			}
		}
		t.Fatal("no counting rule in RED's OUTPUT")
		return 0
	}
	ctx := context.Background()
	r, err := TCPConnect{NS: "RED", Addr: "10.0.0.3:9", Verbose: true, Once: true}.Apply(ctx, l)
	if !errors.Is(err, syscall.ECONNREFUSED) || !strings.Contains(r.Output, "Connection refused") {
		t.Fatalf("a connect to a closed port: %q, %v; want refused", r.Output, err)
	}
	if n := syns(); n != 1 {
		t.Errorf("a connect meant to be refused sent %d SYNs, want 1", n)
	}
	if _, err := (TCPConnect{NS: "RED", Addr: "10.0.0.3:9"}).Apply(ctx, l); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("a connect to a closed port: %v; want refused", err)
	}
	if n := syns() - 1; n != 5 {
		t.Errorf("control: a connect meant to answer sent %d SYNs to a closed port, want 5 (its tries)", n)
	}
}
