package test

import (
	"strings"
	"testing"
)

// TestServiceJourneyExplains: in `nettutor run service --plain`, in both
// languages, the connect to NODE1's NodePort under externalTrafficPolicy:
// Local (the step's own nc times out) stops at kube-proxy's "has no local
// endpoints" DROP, named, and the journeys of the connections kube-proxy masquerades (a
// node's own, a NodePort's from the lab host, a pod sent to itself) name
// the masquerade and kube-proxy's rule (KUBE-POSTROUTING … -j MASQUERADE),
// as the nodes' own `iptables -t nat -S` in the same transcript lists it,
// and none calls it a SNAT: the lab has no SNAT rule.
func TestServiceJourneyExplains(t *testing.T) {
	need(t, "ip", "bridge", "iptables-restore", "nc", "conntrack")
	for _, lang := range []string{"en", "ko"} {
		t.Run(lang, func(t *testing.T) {
			text, _, err := plainRun(t, "service", lang)
			if err != nil {
				t.Fatalf("nettutor run service --plain --lang %s: %v\n%s", lang, err, text)
			}
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
			// externalTrafficPolicy: Local, to the node without an
			// endpoint: the replay names kube-proxy's filter DROP.
			if !localStop(text, lang) {
				t.Errorf("the local-policy connect's journey does not name kube-proxy's \"has no local endpoints\" DROP:\n%s", text)
			}
			if masq < 3 {
				t.Errorf("%d journey hops name kube-proxy's masquerade, want the node's own, the NodePort's and the hairpin's:\n%s", masq, text)
			}
		})
	}
}

// localStop reports whether the journey of `nc -v -w 1 192.168.10.101
// 30080` (the local-policy step's connect to NODE1, which holds no
// endpoint) stops at kube-proxy's DROP in NODE1's KUBE-EXTERNAL-SERVICES.
func localStop(text, lang string) bool {
	_, after, ok := strings.Cut(text, "$ nc -v -w 1 192.168.10.101 30080")
	if !ok {
		return false
	}
	var journey []string
	for _, l := range strings.Split(after, "\n")[1:] {
		if strings.HasPrefix(l, "✓ ") || strings.HasPrefix(l, "✗ ") {
			break
		}
		journey = append(journey, l)
	}
	j := strings.Join(journey, "\n")
	reason := map[string]string{"en": "no local endpoint (externalTrafficPolicy: Local)", "ko": "로컬 엔드포인트 없음(externalTrafficPolicy: Local)"}[lang]
	return strings.Contains(j, reason) && strings.Contains(j, "KUBE-EXTERNAL-SERVICES") && strings.Contains(j, "has no local endpoints") && strings.Contains(j, "-j DROP")
}
