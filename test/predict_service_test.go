package test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestServicePlainJourneys: in `nettutor run service --plain` and `run
// loadbalancer --plain`, every nc that printed a pod's banner ("web on
// POD-…") has under it a replayed journey that never says "no reply": it
// reaches that very pod (through a DNAT, for a Service address), or, when
// conntrack holds connections of the same moment to several endpoints,
// says the DNAT goes to one of them, that pod among them. The replay
// follows kube-proxy's DNAT (ClusterIP from a pod and from a node,
// NodePort, a LoadBalancer VIP) to the endpoint conntrack recorded.
func TestServicePlainJourneys(t *testing.T) {
	need(t, "ip", "bridge", "iptables-restore", "nc", "conntrack")
	for _, lesson := range []string{"service", "loadbalancer"} {
		lesson := lesson
		t.Run(lesson, func(t *testing.T) {
			out, err := exec.Command(bin, "run", lesson, "--plain", "--lang", "en").CombinedOutput()
			if err != nil {
				t.Fatalf("nettutor run %s --plain: %v\n%s", lesson, err, out)
			}
			lines := strings.Split(string(out), "\n")
			checked, followed := 0, 0
			podIP := map[string]string{"POD-A": "10.244.0.2", "POD-B": "10.244.1.2"}
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
				case strings.HasSuffix(journey[0], ": endpoint not decided"):
					// Several connections of the same second went to
					// different endpoints: the replay names them all.
					if !direct && strings.Contains(text, "DNAT to one of ") && strings.Contains(text, podIP[pod]+":80") {
						break
					}
					fallthrough
				default:
					t.Errorf("%s printed web on %s; its journey:\n%s", cmd, pod, text)
				}
			}
			if checked < 3 || followed < 2 {
				t.Errorf("%d successful nc with a journey in run %s --plain, %d followed through a DNAT:\n%s", checked, lesson, followed, out)
			}
		})
	}
}
