package test

// Issue 11's corrections, through the real binary: every lesson still runs
// to the end in both languages, with the corrected topics in its
// transcript, and the export scripts carry the set-up a stock root shell
// needs.

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"unicode"
)

func hasHangul(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Hangul, r) {
			return true
		}
	}
	return false
}

// TestEveryLessonRunsInBothLanguages: `nettutor run L --plain` exits 0 for
// every built-in lesson in English and Korean, and the corrected topics
// show in the transcript.
func TestEveryLessonRunsInBothLanguages(t *testing.T) {
	want := map[string][]string{
		"bridge": {"net.bridge.bridge-nf-call-iptables = 1", "-P FORWARD DROP", "REACHABLE",
			"-A FORWARD -i br0 -o br0 -j ACCEPT", "DOCKER-USER", "Calico", "MACAddressPolicy=persistent", "fe80::"},
		"docker-networks": {"-m addrtype --dst-type LOCAL", "! -i docker0", "hello from OUTSIDE", "DOCKER-FORWARD",
			"docker-proxy", "SO_REUSEPORT", "unshare --uts --ipc --mount --pid"},
		"isolation": {"pid_for_children -> pid:[", "time_for_children", "every path is /", "struct utsname"},
		"containers": {"one kernel for both", "Storage Driver: overlay2", "Cgroup Version: 2", "Default Runtime: runc",
			"Docker Root Dir: /var/lib/docker", "c--------- ", "/root/from-the-container", "br0 ", "/ now holds: bin dev etc home",
			"mounts left: / /usr /proc", "cgroup v2 (cgroup2fs)", "Cannot fork"},
		"veth": {"fb_tunnels_only_for_init_net", "state LOWERLAYERDOWN",
			// the seed's multi-terminal workflow
			"ip netns list", "nsenter --net=/var/run/netns/RED", "lsns -t net", "iptables -t nat -S"},
		"nat": {"FORWARD", "conntrack -L", "iptables -t nat -nvL POSTROUTING", "[UNREPLIED]", "conntrack -D"},
		"pod": {"/run/netns/POD-A", "hello from the app container", "Connection refused", `"sandbox": "/run/netns/POD-A"`,
			"10.244.0.3/24", "hairpin on", "CNI-0fea042e7a9d1b13b279cf4f", "! -d 224.0.0.0/4"},
		"userns": {"uid=0(root)", "dockremap", "userns-remap", "165536", "Sysbox", "/proc/meminfo"},
		"service": {"KUBE-SVC-CDGGSHYLG3RE2FKL", "--set-xmark 0x4000/0x4000", "--probability 0.50000000000",
			"-j REJECT --reject-with icmp-port-unreachable", "iptables-restore --noflush --counters", "dport=30080"},
		"loadbalancer": {"loadbalancer IP\" -m tcp --dport 80 -j KUBE-EXT-CDGGSHYLG3RE2FKL", "announcing 192.168.10.240 at 02:00:c0:a8:0a:66",
			"192.168.10.240 lladdr 02:00:c0:a8:0a:66", "Request who-has 192.168.10.240 (ff:ff:ff:ff:ff:ff) tell 192.168.10.240",
			"-j KUBE-SVL-CDGGSHYLG3RE2FKL", "src=10.244.1.2 dst=192.168.10.1", "OSError: [Errno 100] Network is down"},
		"calico": {"169.254.1.1 dev eth0 scope link", "blackhole 10.244.0.0/24 proto bird", "ee:ee:ee:ee:ee:ee", "vxlan.calico"},
		"flannel": {"dstport 8472 nolearning", "mtu 1450", "PERMANENT", "dst 192.168.10.102 self permanent",
			"via 10.244.1.0 dev flannel.1 onlink", "ttl=62", "-j MASQUERADE --random-fully", "FLANNEL_MTU=1450"},
	}
	want["bridge"] = append(want["bridge"], "ip netns del RED", "@if")
	if _, err := os.Stat("/usr/lib/cni/bridge"); err == nil {
		// The plugin's own output: its result and host-local's lease files.
		want["pod"] = append(want["pod"], `"sandbox": "/run/netns/POD-A"`, "last_reserved_ip.0")
	}
	for _, id := range lessonIDs {
		for _, lang := range []string{"en", "ko"} {
			id, lang := id, lang
			t.Run(id+"/"+lang, func(t *testing.T) {
				t.Parallel()
				// the run TestExportRoundTrip and the Service journey
				// tests read too (plainRun)
				text, _, err := plainRun(t, id, lang)
				if err != nil {
					t.Fatalf("nettutor run %s --plain --lang %s: %v\n%s", id, lang, err, text)
				}
				if lang == "ko" && !hasHangul(text) {
					t.Errorf("--lang ko printed no Korean")
				}
				for _, w := range want[id] {
					if !strings.Contains(text, w) {
						t.Errorf("the transcript has no %q", w)
					}
				}
				// The plain transcript wraps prose: compare with every run
				// of white space as one space, except for the absent lines
				// that name where a line starts.
				flat := strings.Join(strings.Fields(text), " ")
				for _, w := range append(append([]string(nil), issue20Both[id]...), issue20Lang[lang][id]...) {
					if !strings.Contains(flat, strings.Join(strings.Fields(w), " ")) {
						t.Errorf("the transcript has no %q (issue 20)", w)
					}
				}
				for _, w := range issue20Absent {
					switch {
					case strings.HasPrefix(w, "\n"):
						if strings.Contains(text, w) {
							t.Errorf("a tutor's line sits inside a command's output: %q (issue 20)", w)
						}
					case strings.Contains(flat, strings.Join(strings.Fields(w), " ")):
						t.Errorf("the transcript still has %q (issue 20)", w)
					}
				}
				// The ladders draw a lane per namespace the lab has: the
				// veth and bridge labs have no OUTSIDE.
				if (id == "veth" || id == "bridge") && strings.Contains(text, "OUTSIDE") {
					t.Errorf("the %s transcript names OUTSIDE, which its lab does not have", id)
				}
			})
		}
	}
}

// TestExportHeaders: the scripts say to mount a fresh /proc with the new
// PID namespace, and the userns script how root gets a subordinate range
// on a machine without one, with both --map-users syntaxes.
func TestExportHeaders(t *testing.T) {
	for _, id := range lessonIDs {
		out, err := exec.Command(bin, "export", id).Output()
		if err != nil {
			t.Fatalf("export %s: %v", id, err)
		}
		s := string(out)
		if !strings.Contains(s, "unshare --net --mount --uts --ipc --pid --fork --mount-proc") {
			t.Errorf("%s: the header's unshare has no --mount-proc", id)
		}
		sub := strings.Contains(s, "usermod --add-subuids 165536-231071 --add-subgids 165536-231071 root")
		if sub != (id == "userns") {
			t.Errorf("%s: subordinate-id set-up in the header = %v", id, sub)
		}
		if id == "userns" && (!strings.Contains(s, "2.38") || !strings.Contains(s, "0:165536:65536") || !strings.Contains(s, "not allowed")) {
			t.Errorf("userns header lacks the util-linux syntax note or the newuidmap error:\n%s", s)
		}
	}
}
