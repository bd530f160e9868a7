package journey

// The rule text of a traced hit. A trace event names a rule by its
// handle; the snapshot gives the iptables -S line at the same place in
// its chain. The snapshot spells kube-proxy's rules itself
// (iptables/render.go: statistic, mark, addrtype, MARK, MASQUERADE
// --random-fully), so a Service trace needs nothing more. A rule it still
// cannot spell comes out as "# nft: ..." there; for that the trace asks the real
// iptables-save in that namespace, started when the probe is sent so the
// process start overlaps the probe's own wait, and takes the line at the
// same place in the chain (iptables-nft lists a chain's rules in the
// kernel's order, as GetRules returns them).

import (
	"bytes"
	"os/exec"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nettutor/nettutor/engine/nsutil"
)

// saves counts the iptables-save processes started (SavesStarted).
var saves atomic.Int64

// SavesStarted is how many iptables-save processes the journeys of this
// process have started: a trace on a lab whose every rule the snapshot
// spells should start none (each costs 11-14 ms of the trace and 15-20 ms
// of CPU), and the trace tests hold it to that.
func SavesStarted() int64 { return saves.Load() }

// saved is iptables-save's output of one namespace, by table and chain:
// the -A lines in order (without "-A CHAIN", as -S prints them with it).
type saved struct {
	done  chan struct{}
	lines map[string][]string // "table/chain" -> "-A CHAIN ..." lines
}

// startSave runs iptables-save in n when n has rules the snapshot could
// not spell ("# nft:" lines); nil when it needs none or the tool is not
// there.
func (n *nsEnv) startSave() *saved {
	if n.unrendered == 0 {
		return nil
	}
	path, err := exec.LookPath("iptables-save")
	if err != nil {
		return nil
	}
	saves.Add(1)
	s := &saved{done: make(chan struct{}), lines: map[string][]string{}}
	var out bytes.Buffer
	cmd := exec.Command(path)
	cmd.Stdout = &out
	// The child is forked from a thread inside n: it runs there.
	if err := nsutil.Do(n.fd, func() error { return cmd.Start() }); err != nil {
		return nil
	}
	go func() {
		defer close(s.done)
		if cmd.Wait() != nil {
			return
		}
		table := ""
		for _, l := range strings.Split(out.String(), "\n") {
			switch {
			case strings.HasPrefix(l, "*"):
				table = l[1:]
			case strings.HasPrefix(l, "-A "):
				f := strings.Fields(l)
				if len(f) > 1 {
					k := table + "/" + f[1]
					s.lines[k] = append(s.lines[k], l)
				}
			}
		}
	}()
	return s
}

// line is the i-th rule of table/chain as iptables-save printed it ("" if
// it has not answered within wait, or has no such line).
func (s *saved) line(table, chain string, i int, wait time.Duration) string {
	if s == nil {
		return ""
	}
	select {
	case <-s.done:
	case <-time.After(wait):
		return ""
	}
	ls := s.lines[table+"/"+chain]
	if i < 0 || i >= len(ls) {
		return ""
	}
	return ls[i]
}
