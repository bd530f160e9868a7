package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTraceKorean: `nettutor trace --lang ko` on a hand-built lab prints
// its journey in Korean: every why line under a hop and the stop line are
// Korean sentences (the kernel's names inside them stay as they are), for
// a probe that gets through MASQUERADE and for one that ip_forward stops.
func TestTraceKorean(t *testing.T) {
	need(t, "ip", "iptables", "bash")
	for _, c := range []struct{ name, script, stop string }{
		{"masquerade", natLab + forwardOn + masquerade, ""},
		{"ip-forward-off", natLab + masquerade + "echo 0 > /proc/sys/net/ipv4/ip_forward\n", "멈춘 곳: host의 "},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			os.Chmod(dir, 0o755)
			p := filepath.Join(dir, "lab.sh")
			os.WriteFile(p, []byte(c.script+"set +e\nnettutor trace RED 203.0.113.2 --lang ko; echo exit=$?\n"), 0o644)
			out, err := exec.Command(bin, "sandbox", "--quiet", p).CombinedOutput()
			if err != nil {
				t.Fatalf("sandbox: %v\n%s", err, out)
			}
			text := string(out)
			whys := 0
			for _, l := range strings.Split(text, "\n") {
				// A why line is indented under its hop (11 spaces).
				if strings.HasPrefix(l, "           ") && strings.TrimSpace(l) != "" {
					whys++
					if !hasHangul(l) {
						t.Errorf("English why line: %q", l)
					}
				}
				if strings.HasPrefix(l, "stopped") || strings.HasPrefix(l, "reply (") || strings.HasPrefix(l, "rule:") {
					t.Errorf("English line: %q", l)
				}
			}
			if whys < 3 {
				t.Errorf("only %d why lines:\n%s", whys, text)
			}
			if c.stop != "" && !strings.Contains(text, c.stop) {
				t.Errorf("no Korean stop line %q:\n%s", c.stop, text)
			}
			if c.stop == "" && !strings.Contains(text, "SNAT 11.11.11.2 → 203.0.113.1 (nat POSTROUTING에서 소스 주소 변환)") {
				t.Errorf("no Korean SNAT on the uplink hop:\n%s", text)
			}
			if t.Failed() {
				t.Log(text)
			}
		})
	}
}
