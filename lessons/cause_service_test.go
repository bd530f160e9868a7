package lessons

import (
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine/journey"
)

// TestServiceCauses: each Service stop of a journey names its cause and
// the learner's names, and the cause's hint fills them in both
// languages with no name left unfilled.
func TestServiceCauses(t *testing.T) {
	cases := []struct {
		reason string
		names  map[string]string
		cause  string
		want   string // in the English hint
	}{
		{journey.ReasonSvcRejected, map[string]string{"node": "NODE1", "chain": "KUBE-SERVICES", "rule": "-A KUBE-SERVICES ... -j REJECT", "service": "10.96.0.100:80"}, CauseSvcRejected, "in NODE1, filter KUBE-SERVICES rejects it"},
		{journey.ReasonHairpinOff, map[string]string{"node": "NODE1", "port": "veth-a", "bridge": "cni0", "pod": "POD-A", "endpoint": "10.244.0.2:80"}, CauseHairpinOff, "bridge -n NODE1 link set dev veth-a hairpin on"},
		{journey.ReasonBrNFOff, map[string]string{"node": "NODE1", "bridge": "cni0", "key": "net.bridge.bridge-nf-call-iptables", "endpoint": "10.244.0.2:80", "pod": "POD-C"}, CauseBrNFOff, "Set net.bridge.bridge-nf-call-iptables=1 in NODE1"},
		{journey.ReasonNoMasq, map[string]string{"node": "NODE1", "pod": "POD-A", "endpoint": "10.244.0.2:80"}, CauseNoMasq, "-s 10.244.0.2 -j KUBE-MARK-MASQ"},
		{journey.ReasonSvcNoLocal, map[string]string{"node": "NODE1", "chain": "KUBE-EXTERNAL-SERVICES", "rule": `-A KUBE-EXTERNAL-SERVICES ... "default/web:http has no local endpoints" ... -j DROP`, "service": "default/web:http", "addr": "192.168.10.101:30080"}, CauseSvcNoLocal, "default/web:http has externalTrafficPolicy: Local and no endpoint on NODE1"},
	}
	for _, c := range cases {
		d := &diag{c: &checker{jrn: &journey.Journey{To: "10.96.0.100", Drop: &journey.Drop{Reason: c.reason, Names: c.names}}}, v: vars{}}
		if got := d.fromService(); got != c.cause {
			t.Errorf("%s: cause %q, want %q", c.reason, got, c.cause)
			continue
		}
		if !contains(Causes, c.cause) {
			t.Errorf("%s is not in Causes", c.cause)
		}
		h := d.v.fill(ServiceHints[c.cause])
		for _, lang := range []string{"en", "ko"} {
			if h[lang] == "" || strings.Contains(h[lang], "{") {
				t.Errorf("%s hint in %s: %q", c.cause, lang, h[lang])
			}
		}
		if !strings.Contains(h["en"], c.want) {
			t.Errorf("%s hint %q lacks %q", c.cause, h["en"], c.want)
		}
	}
	d := &diag{c: &checker{jrn: &journey.Journey{Drop: &journey.Drop{Reason: journey.ReasonNoFDB}}}, v: vars{}}
	if got := d.fromService(); got != "" {
		t.Errorf("a tunnel stop gave %q", got)
	}
}
