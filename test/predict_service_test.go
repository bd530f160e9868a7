package test

import (
	"strings"
	"testing"
)

// TestServicePlainJourneys: in `nettutor run service --plain` and `run
// loadbalancer --plain`, every nc that printed a pod's banner ("web on
// POD-…") has under it a replayed journey that reaches that very pod
// (through a DNAT, for a Service address), never "no reply" and never
// "one of" several endpoints: the replay follows the DNAT conntrack
// recorded for that connection (its source port), though the step made
// other connections to the same address. The replay follows kube-proxy's
// DNAT (ClusterIP from a pod and from a node, NodePort, a LoadBalancer
// VIP). In the service lesson's hairpin step, each failed nc's journey
// tells of the lab as it was when nc ran, before the step put hairpin
// and the masquerade rule back: it stops at hairpin-off, then at the
// missing masquerade. The refused nc to default/empty (10.96.0.200, no
// endpoints) stops in NODE1 at kube-proxy's REJECT.
func TestServicePlainJourneys(t *testing.T) {
	need(t, "ip", "bridge", "iptables-restore", "nc", "conntrack")
	for _, lesson := range []string{"service", "loadbalancer"} {
		lesson := lesson
		t.Run(lesson, func(t *testing.T) {
			out, _, err := plainRun(t, lesson, "en")
			if err != nil {
				t.Fatalf("nettutor run %s --plain: %v\n%s", lesson, err, out)
			}
			lines := strings.Split(out, "\n")
			checked, followed := 0, 0
			for i := 0; i < len(lines); i++ {
				cmd, ok := strings.CutPrefix(lines[i], "✓ $ ")
				if !ok || !strings.Contains(cmd, "nc ") {
					continue
				}
				// The command's output (indented), then the tutor's notes.
				k := i + 1
				pod := ""
				for ; k < len(lines) && strings.HasPrefix(lines[k], "    "); k++ {
					if _, p, ok := strings.Cut(lines[k], "web on "); ok {
						pod = strings.TrimSpace(p)
					}
				}
				if pod == "" {
					continue
				}
				var journey []string
				for ; k < len(lines) && strings.HasPrefix(lines[k], "  # "); k++ {
					if strings.HasPrefix(lines[k], "  # journey ") || len(journey) > 0 {
						journey = append(journey, lines[k])
					}
				}
				text := strings.Join(journey, "\n")
				if len(journey) == 0 {
					t.Errorf("%s (%s): no journey under it", cmd, pod)
					continue
				}
				checked++
				direct := strings.Contains(journey[0], " -> 10.244.")
				switch {
				case strings.Contains(text, "no reply"):
					t.Errorf("%s printed web on %s; its journey says no reply:\n%s", cmd, pod, text)
				case strings.HasSuffix(journey[0], ": replied"):
					if !strings.Contains(text, "  # "+"  "+pod+"/eth0 in ") || !direct && !strings.Contains(text, "DNAT ") {
						t.Errorf("%s printed web on %s; its journey:\n%s", cmd, pod, text)
					}
					if !direct {
						followed++
					}
				default:
					t.Errorf("%s printed web on %s; its journey:\n%s", cmd, pod, text)
				}
			}
			if checked < 3 || followed < 2 {
				t.Errorf("%d successful nc with a journey in run %s --plain, %d followed through a DNAT:\n%s", checked, lesson, followed, out)
			}
			if lesson == "service" {
				hairpinJourneys(t, lines)
				rejectJourneys(t, lines)
			}
		})
	}
}

// hairpinJourneys checks the journeys of the service lesson's hairpin
// step: the nc after `hairpin off` stops at hairpin-off, the nc after the
// KUBE-MARK-MASQ rule's deletion stops at the missing masquerade.
func hairpinJourneys(t *testing.T, lines []string) {
	t.Helper()
	want := []struct{ after, stop string }{
		{"link set dev veth-b hairpin off", "stop (hairpin off on the bridge port)"},
		{"-D KUBE-SEP-PBQ62IOVWGYEN623 -s 10.244.1.2/32", "stop (no masquerade for the Service)"},
	}
	for _, w := range want {
		i := 0
		for ; i < len(lines) && !(strings.HasPrefix(lines[i], "✓ $ ") && strings.Contains(lines[i], w.after)); i++ {
		}
		for i++; i < len(lines) && !strings.HasPrefix(lines[i], "✓ $ ") && !strings.HasPrefix(lines[i], "✗ $ "); i++ {
		}
		if i == len(lines) || !strings.Contains(lines[i], "POD-B nc -v ") {
			t.Errorf("no nc -v from POD-B after %q", w.after)
			continue
		}
		var journey []string
		for k := i + 1; k < len(lines) && !strings.HasPrefix(lines[k], "✓ $ ") && !strings.HasPrefix(lines[k], "✗ $ "); k++ {
			if strings.HasPrefix(lines[k], "  # journey ") || len(journey) > 0 && strings.HasPrefix(lines[k], "  # ") {
				journey = append(journey, lines[k])
			}
		}
		text := strings.Join(journey, "\n")
		if len(journey) == 0 || !strings.HasSuffix(journey[0], ": no reply") || !strings.Contains(text, w.stop) {
			t.Errorf("the failed nc after %q: its journey should stop with %q:\n%s", w.after, w.stop, text)
		}
		if strings.Contains(text, "POD-B/eth0 in") && strings.Contains(w.stop, "hairpin") {
			t.Errorf("with hairpin off the journey must not reach POD-B again:\n%s", text)
		}
	}
}

// rejectJourneys checks the journeys of the service lesson's nc to
// default/empty: dropped in NODE1 for want of endpoints.
func rejectJourneys(t *testing.T, lines []string) {
	t.Helper()
	n := 0
	for i, l := range lines {
		if !strings.HasPrefix(l, "✓ $ ") || !strings.Contains(l, "nc -v -w 1 10.96.0.200 80") {
			continue
		}
		var journey []string
		for k := i + 1; k < len(lines) && !strings.HasPrefix(lines[k], "✓ $ ") && !strings.HasPrefix(lines[k], "✗ $ "); k++ {
			if strings.HasPrefix(lines[k], "  # journey ") || len(journey) > 0 && strings.HasPrefix(lines[k], "  # ") {
				journey = append(journey, lines[k])
			}
		}
		text := strings.Join(journey, "\n")
		n++
		if len(journey) == 0 || !strings.HasSuffix(journey[0], ": dropped") || !strings.Contains(text, "stop (Service without endpoints: REJECT): in NODE1 ") {
			t.Errorf("%s: its journey should stop at the REJECT in NODE1:\n%s", l, text)
		}
	}
	if n == 0 {
		t.Errorf("no nc to 10.96.0.200 in run service --plain")
	}
}
