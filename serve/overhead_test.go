package serve

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// BenchmarkServeOverhead is serve's own share of a member's first frame:
// N members dial at once, and each session's child is a script that draws
// one line at once instead of the TUI, so the time from the dial to that
// line is the SSH handshake, the key check, the PTY, the fork and exec and
// the relay back, with none of the TUI's or the lab's start. Beside
// BenchmarkServeSessions' first-frame-ms (the whole) it says where the
// time of 30 members arriving together goes (issue 25).
//
//	go test ./serve -run '^$' -bench ServeOverhead -benchtime 3x
func BenchmarkServeOverhead(b *testing.B) {
	dir := b.TempDir()
	script := filepath.Join(dir, "child")
	// The child gets the session's PTY as its terminal, as the TUI does,
	// and says it is up on the status link, as the TUI does once it has
	// the terminal (its start slot goes to the next member then).
	if err := os.WriteFile(script, []byte("#!/bin/sh\nprintf 'FRAME-READY\\r\\n'\nprintf '{\"type\":\"status\"}\\n' >&3\nexec sleep 30\n"), 0o755); err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1, 10, 30} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			signers := make([]gossh.Signer, n)
			var lines string
			for i := range signers {
				var line string
				signers[i], line = newKey(b, fmt.Sprintf("m%02d", i))
				lines += line
			}
			f := startServer(b, lines, "", func(c *Config) { c.Exe = script; c.MaxSessionsPerKey = 2 })
			var all []time.Duration
			for it := 0; it < b.N; it++ {
				firsts := make([]time.Duration, n)
				errs := make([]error, n)
				sts := make([]*silentTerm, n)
				var wg sync.WaitGroup
				for i := 0; i < n; i++ {
					wg.Add(1)
					go func(i int) {
						defer wg.Done()
						st, err := dialSilentScreen(f.addr, signers[i], 120, 40, false)
						if err != nil {
							errs[i] = err
							return
						}
						sts[i] = st
						at, _, err := st.waitScreen(60*time.Second, "FRAME-READY")
						errs[i] = err
						firsts[i] = at.Sub(st.dialed)
					}(i)
				}
				wg.Wait()
				for i, st := range sts {
					if st != nil {
						st.close()
					}
					if errs[i] != nil {
						b.Fatal(errs[i])
					}
				}
				all = append(all, firsts...)
				deadline := time.Now().Add(20 * time.Second)
				for len(f.srv.hub.Rows(time.Now())) > 0 && time.Now().Before(deadline) {
					time.Sleep(20 * time.Millisecond)
				}
			}
			sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
			at := func(p float64) float64 {
				return float64(all[min(int(p*float64(len(all))), len(all)-1)].Microseconds()) / 1000
			}
			b.ReportMetric(at(0.5), "first-frame-ms-p50")
			b.ReportMetric(at(0.95), "first-frame-ms-p95")
			b.ReportMetric(at(1), "first-frame-ms-max")
		})
	}
}
