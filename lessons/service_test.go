package lessons

import (
	"context"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine"
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
	l, err := Find("service")
	if err != nil {
		t.Fatal(err)
	}
	lab := newLab(t)
	r := NewRunner(lab, l, Options{})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	shows := 0
	for !r.Done() {
		res, err := r.RunNext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.NotRun != nil {
			continue
		}
		for _, a := range res.Actions {
			if a.Kind != "show" {
				continue
			}
			shows++
			out, err := lab.Cmd(engine.HostNS, "bash", "-c", a.Command).CombinedOutput()
			if err != nil {
				t.Fatalf("step %s: $ %s: %v\n%s", res.Step.ID, a.Command, err, out)
			}
			real := serviceVolatile.ReplaceAllString(strings.TrimSpace(string(out)), "[N:N]")
			tutor := serviceVolatile.ReplaceAllString(strings.TrimSpace(a.Output), "[N:N]")
			if real != tutor {
				t.Errorf("step %s: $ %s\n--- tutor:\n%s\n--- real:\n%s", res.Step.ID, a.Command, a.Output, out)
			}
		}
	}
	if shows < 3 {
		t.Errorf("%d shows compared; the lesson has 3", shows)
	}
}
