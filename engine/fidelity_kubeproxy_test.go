package engine

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// restoreBlocks returns the iptables-restore input of every
// `iptables-restore ... <<'EOF'` heredoc in a lesson file, dedented: the
// rules exactly as the lesson has kube-proxy (or flanneld) write them.
func restoreBlocks(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read %s: %v", file, err)
	}
	start := regexp.MustCompile(`iptables-restore [^<]*<<'(EOF\w*)'\s*$`)
	var out []string
	lines := strings.Split(string(b), "\n")
	for i := 0; i < len(lines); i++ {
		m := start.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		var block []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != m[1]; i++ {
			block = append(block, strings.TrimSpace(lines[i]))
		}
		out = append(out, strings.Join(block, "\n")+"\n")
	}
	return out
}

// declared adds a ":CHAIN - [0:0]" line for every user chain a block
// appends to, for blocks (flanneld's) whose chains were made by an
// earlier `iptables -N`.
func declared(block string) string {
	var out []string
	for _, line := range strings.Split(block, "\n") {
		out = append(out, line)
		if !strings.HasPrefix(line, "*") {
			continue
		}
		seen := map[string]bool{}
		for _, l := range strings.Split(block, "\n") {
			f := strings.Fields(l)
			if len(f) > 1 && f[0] == "-A" && !map[string]bool{"PREROUTING": true, "INPUT": true, "OUTPUT": true, "POSTROUTING": true, "FORWARD": true}[f[1]] && !seen[f[1]] {
				seen[f[1]] = true
				out = append(out, ":"+f[1]+" - [0:0]")
			}
		}
	}
	return strings.Join(out, "\n")
}

// TestFidelityIptablesKubeProxy holds the engine's own `iptables -S`
// rendering of kube-proxy's rules (every iptables-restore block of the
// service and loadbalancer lessons, each restored into a namespace of its
// own, and the forms those blocks do not use: 1/3 as a probability, nth
// mode, --set-mark, MASQUERADE with ports and --random) against the real
// iptables -S in the same namespace, and requires that the engine spelled
// every rule itself: with no "# nft" line left, the journey never needs
// iptables-save to name a rule it crossed.
func TestFidelityIptablesKubeProxy(t *testing.T) {
	needTools(t, "iptables", "iptables-restore")
	var blocks []string
	for _, f := range []string{"../lessons/builtin/service.yaml", "../lessons/builtin/loadbalancer.yaml", "../lessons/builtin/flannel.yaml"} {
		blocks = append(blocks, restoreBlocks(t, f)...)
	}
	if len(blocks) < 8 {
		t.Fatalf("found %d iptables-restore blocks in the lessons; the service lesson alone has more", len(blocks))
	}
	blocks = append(blocks, `*nat
:KUBE-SVC-THREE - [0:0]
:KUBE-SEP-A - [0:0]
:KUBE-NTH - [0:0]
-A KUBE-SVC-THREE -m comment --comment "default/web:http -> 10.244.0.2:80" -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-A
-A KUBE-SVC-THREE -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-A
-A KUBE-SVC-THREE -m statistic --mode random ! --probability 0.25 -j RETURN
-A KUBE-NTH -m statistic --mode nth --every 3 --packet 0 -j KUBE-SEP-A
-A KUBE-NTH -m statistic --mode nth --every 2 --packet 1 -j RETURN
-A KUBE-SEP-A -p udp -m comment --comment "dns" -m udp -j DNAT --to-destination 10.244.0.2:53
-A KUBE-SEP-A -j MARK --set-mark 0x1
-A KUBE-SEP-A -m mark --mark 0x1 -j RETURN
-A POSTROUTING -o eth9 -p tcp -j MASQUERADE --to-ports 1024-2048 --random
-A POSTROUTING -m addrtype ! --src-type LOCAL,BROADCAST --dst-type UNICAST --limit-iface-out -j RETURN
-A PREROUTING -i eth9 -p tcp -m comment --comment "pinned" -m tcp ! --dport 22 -j RETURN
COMMIT
`)
	l := newLab(t)
	restore := func(ns, b string) string {
		out, e := typed(t, l, "ip netns exec "+ns+" iptables-restore --noflush --counters <<'EOF'\n"+b+"EOF\n")
		return out + e
	}
	for i, b := range blocks {
		ns := fmt.Sprintf("KP%d", i)
		apply(t, l, NetnsAdd{Name: ns})
		if msg := restore(ns, b); msg != "" && restore(ns, declared(b)) != "" {
			// A block that adds to an earlier step's rules (its chains
			// exist only there): restored on top of the one before.
			if i == 0 || restore(fmt.Sprintf("KP%d", i-1), b) != "" {
				t.Fatalf("restore block %d: %s\n%s", i, msg, b)
			}
			ns = fmt.Sprintf("KP%d", i-1)
		}
		for _, table := range []string{"nat", "filter"} {
			got, tool, err := l.renderShow(ns, table, "")
			if err != nil {
				t.Fatalf("%s %s: %v", ns, table, err)
			}
			if tool != nil {
				t.Errorf("%s %s: the engine could not spell every rule and needed %v:\n%s", ns, table, tool, got)
			}
			checkShow(t, l, ns, table)
		}
	}
	last := fmt.Sprintf("KP%d", len(blocks)-1)
	checkShow(t, l, last, "nat", "--probability 0.33333333349", "-j MARK --set-xmark 0x1/0xffffffff", "--mode nth --every 3 --packet 0")
	checkShow(t, l, "KP0", "nat", "-j MARK --set-xmark 0x4000/0x4000", "-j MARK --set-xmark 0x4000/0x0",
		"-j MASQUERADE --random-fully", "-m addrtype --dst-type LOCAL", "-m mark ! --mark 0x4000/0x4000")
}
