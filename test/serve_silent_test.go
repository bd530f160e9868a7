package test

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// benchSigner makes a key pair for an in-process client: the signer and
// its sshKey (the authorized_keys line, named name).
func benchSigner(b testing.TB, name string) (gossh.Signer, sshKey) {
	b.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		b.Fatal(err)
	}
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(s.PublicKey()))) + " " + name
	return s, sshKey{name: name, pub: line}
}

// BenchmarkServeFirstFrameSilent: from the start of the SSH dial until the
// first frame is on the screen of an in-process client (PTY 120x40) whose
// terminal answers no query (no background colour, no cursor position),
// for the presenter's dashboard and for a member's TUI, against the real
// binary's `nettutor serve`. With NETTUTOR_BENCH_BASELINE=/path/to/nettutor
// (main's build, say) that binary runs first, back to back, for the
// side-by-side figure. A member's TUI is whatever tui/ this tree builds.
// Target (issue 23): at most 300 ms.
//
//	NETTUTOR_BENCH_BASELINE=/tmp/v1/nettutor go test ./test -run '^$' -bench ServeFirstFrameSilent -benchtime 3x
func BenchmarkServeFirstFrameSilent(b *testing.B) {
	builds := []struct{ name, exe string }{{"this", bin}}
	if base := os.Getenv("NETTUTOR_BENCH_BASELINE"); base != "" {
		builds = append([]struct{ name, exe string }{{"baseline", base}}, builds...)
	}
	member, mk := benchSigner(b, "member00")
	presenter, pk := benchSigner(b, "presenter")
	for _, build := range builds {
		srv := startServeExe(b, build.exe, []sshKey{mk}, []sshKey{pk})
		for _, c := range []struct {
			who    string
			signer gossh.Signer
			want   string
		}{
			{"dashboard", presenter, "members: 0"},
			{"member", member, "RED <-> BLUE"},
		} {
			b.Run(fmt.Sprintf("build=%s/%s", build.name, c.who), func(b *testing.B) {
				var total, worst time.Duration
				for i := 0; i < b.N; i++ {
					t0 := time.Now()
					s, err := dialBenchTerm(srv.addr(), c.signer, false)
					if err != nil {
						b.Fatal(err)
					}
					at, err := s.waitText(0, c.want, 60*time.Second)
					s.close()
					if err != nil {
						b.Fatalf("%v\nserver log:\n%s", err, tail(srv.log.String(), 2000))
					}
					total += at.Sub(t0)
					worst = max(worst, at.Sub(t0))
					// The next session starts when this one's processes are gone.
					deadline := time.Now().Add(20 * time.Second)
					for len(childrenOf(srv.cmd.Process.Pid)) > 0 && time.Now().Before(deadline) {
						time.Sleep(20 * time.Millisecond)
					}
				}
				b.ReportMetric(ms(total)/float64(b.N), "first-frame-ms")
				b.ReportMetric(ms(worst), "first-frame-ms-max")
			})
		}
		srv.stop()
	}
	if la, err := os.ReadFile("/proc/loadavg"); err == nil {
		b.Logf("load average at the end: %s", strings.TrimSpace(string(la)))
	}
}
