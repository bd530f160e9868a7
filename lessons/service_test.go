package lessons

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine/kubeproxy"
)

// TestServiceChainNamesAreKubeProxys ties the lesson's iptables-restore
// and nft input to kube-proxy's naming: every KUBE-SVC/EXT/SVL/SEP name and
// every nftables service-/external-/endpoint- chain in the file is the one
// engine/kubeproxy computes for default/web:http, default/logs:syslog and
// their endpoints, and each of them is there.
func TestServiceChainNamesAreKubeProxys(t *testing.T) {
	text := lessonCommands(t, "service")
	web := kubeproxy.PortName("default", "web", "http")
	logs := kubeproxy.PortName("default", "logs", "syslog")
	want := map[string]bool{
		kubeproxy.SVCChain(web, "tcp"):                    true,
		kubeproxy.EXTChain(web, "tcp"):                    true,
		kubeproxy.SVLChain(web, "tcp"):                    true,
		kubeproxy.SEPChain(web, "tcp", "10.244.0.2:80"):   true,
		kubeproxy.SEPChain(web, "tcp", "10.244.1.2:80"):   true,
		kubeproxy.SVCChain(logs, "udp"):                   true,
		kubeproxy.SEPChain(logs, "udp", "10.244.0.2:514"): true,
		kubeproxy.SEPChain(logs, "udp", "10.244.1.2:514"): true,
		// nftables mode (the nftables step's transaction).
		kubeproxy.NFTServiceChain("default", "web", "tcp", "http"):                       true,
		kubeproxy.NFTEndpointChain("default", "web", "tcp", "http", "10.244.0.2:80"):     true,
		kubeproxy.NFTEndpointChain("default", "web", "tcp", "http", "10.244.1.2:80"):     true,
		kubeproxy.NFTServiceChain("default", "logs", "udp", "syslog"):                    true,
		kubeproxy.NFTEndpointChain("default", "logs", "udp", "syslog", "10.244.1.2:514"): true,
	}
	// external-HASH-... shares the service chain's base.
	want["external-"+strings.TrimPrefix(kubeproxy.NFTServiceChain("default", "web", "tcp", "http"), "service-")] = true
	sameChains(t, text, want, "default/web:http or default/logs:syslog")
}

// kubeChainName is any chain name kube-proxy makes: the iptables proxier's
// KUBE-SVC/EXT/SVL/SEP-<hash> and the nftables proxier's
// service-/external-/endpoint-<hash>-<name>.
var kubeChainName = regexp.MustCompile(`KUBE-(SVC|EXT|SVL|SEP)-[A-Z2-7]{16}|(service|external|endpoint)-[A-Z2-7]{8}-[a-z0-9./_-]+`)

// lessonCommands is every command lesson id's steps run, a line each.
func lessonCommands(t *testing.T, id string) string {
	t.Helper()
	l, err := Find(id)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for _, st := range l.Steps {
		for _, a := range st.Actions {
			text.WriteString(a.Command() + "\n")
		}
	}
	return text.String()
}

// sameChains: the chain names in text are exactly want (the Services of
// what, for the message).
func sameChains(t *testing.T, text string, want map[string]bool, what string) {
	t.Helper()
	got := map[string]bool{}
	for _, m := range kubeChainName.FindAllString(text, -1) {
		got[m] = true
		if !want[m] {
			t.Errorf("the lesson names %s, which kube-proxy would not make for %s", m, what)
		}
	}
	for n := range want {
		if !got[n] {
			t.Errorf("the lesson never names %s", n)
		}
	}
}

// Counters, and conntrack -L's timers (the third field of an entry: seconds
// left), change between two reads; the rest must be the tool's own.
var (
	serviceVolatile = regexp.MustCompile(`\[\d+:\d+\]`)
	conntrackTimer  = regexp.MustCompile(`(?m)^(tcp|udp|icmp) +(\d+) \d+ `)
)

// serviceNorm normalises a show of the service lesson: counters and timers
// become N, and conntrack's count line, which it writes on standard error
// (a pipe gets it before the entries, a terminal after them), goes last.
func serviceNorm(s string) string {
	s = serviceVolatile.ReplaceAllString(strings.TrimSpace(s), "[N:N]")
	s = conntrackTimer.ReplaceAllString(s, "$1 $2 N ")
	var lines, counts []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "conntrack v") {
			counts = append(counts, l)
		} else {
			lines = append(lines, l)
		}
	}
	return strings.Join(append(lines, counts...), "\n")
}

// TestServiceShowsAreReal is the fidelity oracle on the service lesson:
// every `show` (iptables -t nat -S and iptables -S of kube-proxy's restores,
// conntrack -L -d of the UDP Service's stale and fresh entries, nft list
// table ip kube-proxy of the nftables mode) prints what the same command
// typed in the lab host's shell right after the step prints, and each of
// those forms is compared at least once.
func TestServiceShowsAreReal(t *testing.T) {
	t.Parallel() // a lab of its own that mostly waits on probes: see parallel_test.go
	for _, tool := range []string{"ip", "iptables", "conntrack", "nc", "nft"} {
		if _, err := lookPathSbin(tool); err != nil {
			t.Skip("no " + tool)
		}
	}
	shown, shows := showsAreReal(t, "service", serviceNorm, 3*time.Minute)
	if shows < 8 {
		t.Errorf("%d shows compared; the lesson has 8", shows)
	}
	for _, want := range []struct{ cmd, text string }{
		{"iptables -t nat -S", "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000"},
		{"iptables -S", "has no local endpoints"},
		{"conntrack -L -d 10.96.0.50", "[UNREPLIED] src=10.244.0.2 dst=10.244.0.3 sport=514 dport=5514"},
		{"conntrack -L -d 10.96.0.50", "[UNREPLIED] src=10.244.1.2 dst=10.244.0.3 sport=514 dport=5514"},
		{"nft list table ip kube-proxy", "numgen random mod 2 vmap"},
	} {
		found := false
		for cmd, out := range shown {
			found = found || strings.HasSuffix(cmd, want.cmd) && strings.Contains(out, want.text)
		}
		if !found {
			t.Errorf("no show of %q printed %q", want.cmd, want.text)
		}
	}
}

// lookPathSbin finds a tool as the engine does: on PATH, or in /usr/sbin
// and /sbin for an account whose PATH leaves them out (nettutor-ci).
func lookPathSbin(tool string) (string, error) {
	if p, err := exec.LookPath(tool); err == nil {
		return p, nil
	}
	for _, d := range []string{"/usr/sbin/", "/sbin/"} {
		if _, err := os.Stat(d + tool); err == nil {
			return d + tool, nil
		}
	}
	return "", exec.ErrNotFound
}
