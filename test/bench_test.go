package test

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// BenchmarkFirstFrame times the real binary from its start in a tmux pane
// until the lesson picker is on screen: the sandbox re-exec, loading the
// embedded lessons, and bubbletea's first frame. tmux's own start and the
// 2 ms polling are included, so the figure is an upper bound.
func BenchmarkFirstFrame(b *testing.B) {
	if _, err := exec.LookPath("tmux"); err != nil {
		b.Skip("tmux not installed")
	}
	var total time.Duration
	for i := 0; i < b.N; i++ {
		name := fmt.Sprintf("nettutor-bench-%d", time.Now().UnixNano())
		start := time.Now()
		if out, err := exec.Command("tmux", "new-session", "-d", "-s", name, "-x", "120", "-y", "40", "env", "TERM=xterm-256color", "XDG_STATE_HOME="+b.TempDir(), bin).CombinedOutput(); err != nil {
			b.Fatalf("tmux: %v\n%s", err, out)
		}
		for {
			out, _ := exec.Command("tmux", "capture-pane", "-p", "-t", name).Output()
			if strings.Contains(string(out), "q quit") {
				break
			}
			if time.Since(start) > 10*time.Second {
				b.Fatalf("no picker after 10s:\n%s", out)
			}
			time.Sleep(2 * time.Millisecond)
		}
		total += time.Since(start)
		exec.Command("tmux", "kill-session", "-t", name).Run()
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/first-frame")
}
