package lessons

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine/kubeproxy"
)

// TestServiceChainNamesAreKubeProxys ties the lesson's iptables-restore
// input to kube-proxy's naming: every KUBE-SVC/EXT/SEP name in the file is
// the one engine/kubeproxy computes for default/web:http and its endpoints,
// and each of them is there.
func TestServiceChainNamesAreKubeProxys(t *testing.T) {
	l, err := Find("service")
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for _, st := range l.Steps {
		for _, a := range st.Actions {
			text.WriteString(a.Command() + "\n")
		}
	}
	web := kubeproxy.PortName("default", "web", "http")
	want := map[string]bool{
		kubeproxy.SVCChain(web, "tcp"):                  true,
		kubeproxy.EXTChain(web, "tcp"):                  true,
		kubeproxy.SEPChain(web, "tcp", "10.244.0.2:80"): true,
		kubeproxy.SEPChain(web, "tcp", "10.244.1.2:80"): true,
	}
	got := map[string]bool{}
	for _, m := range regexp.MustCompile(`KUBE-(SVC|EXT|SEP)-[A-Z2-7]{16}`).FindAllString(text.String(), -1) {
		got[m] = true
		if !want[m] {
			t.Errorf("the lesson names %s, which kube-proxy would not make for default/web:http", m)
		}
	}
	for n := range want {
		if !got[n] {
			t.Errorf("the lesson never names %s", n)
		}
	}
}

// conntrack -L's counters and timers, nc's random ports and the neighbour
// states change between two reads; the rest must be the tool's own.
var serviceVolatile = regexp.MustCompile(`\[\d+:\d+\]`)

// TestServiceShowsAreReal is the fidelity oracle on the service lesson:
// every `show` (iptables -t nat -S, iptables -S in NODE1 after kube-proxy's
// restore) prints what the same command typed in the lab host's shell
// right after the step prints.
func TestServiceShowsAreReal(t *testing.T) {
	for _, tool := range []string{"ip", "iptables", "conntrack", "nc"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip("no " + tool)
		}
	}
	norm := func(s string) string { return serviceVolatile.ReplaceAllString(strings.TrimSpace(s), "[N:N]") }
	if _, shows := showsAreReal(t, "service", norm, 3*time.Minute); shows < 3 {
		t.Errorf("%d shows compared; the lesson has 3", shows)
	}
}
