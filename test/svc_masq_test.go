package test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestServiceJourneyMasquerade: in `nettutor run service --plain`, in both
// languages, the journeys of the connections kube-proxy masquerades (a
// node's own, a NodePort's from the lab host, a pod sent to itself) name
// the masquerade and kube-proxy's rule (KUBE-POSTROUTING … -j MASQUERADE),
// as the nodes' own `iptables -t nat -S` in the same transcript lists it,
// and none calls it a SNAT: the lab has no SNAT rule.
func TestServiceJourneyMasquerade(t *testing.T) {
	need(t, "ip", "bridge", "iptables-restore", "nc", "conntrack")
	for _, lang := range []string{"en", "ko"} {
		t.Run(lang, func(t *testing.T) {
			out, err := exec.Command(bin, "run", "service", "--plain", "--lang", lang).CombinedOutput()
			if err != nil {
				t.Fatalf("nettutor run service --plain --lang %s: %v\n%s", lang, err, out)
			}
			text := string(out)
			if !strings.Contains(text, `-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully`) {
				t.Fatalf("the transcript does not list kube-proxy's masquerade rule")
			}
			masq := 0
			for _, l := range strings.Split(text, "\n") {
				if !strings.HasPrefix(l, "  #   ") {
					continue // not a journey's hop line
				}
				if strings.Contains(l, "SNAT ") {
					t.Errorf("a journey calls a masquerade SNAT: %s", l)
				}
				if strings.Contains(l, "MASQUERADE ") && strings.Contains(l, "(nat POSTROUTING → KUBE-POSTROUTING … -j MASQUERADE") {
					masq++
				}
			}
			if masq < 3 {
				t.Errorf("%d journey hops name kube-proxy's masquerade, want the node's own, the NodePort's and the hairpin's:\n%s", masq, text)
			}
		})
	}
}
