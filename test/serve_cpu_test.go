package test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// cpuSampler follows every process below a server (its members' TUIs,
// sandboxes, keepers, runners, helpers) and records each one's CPU time,
// so that BenchmarkServeSessions can say where a session's CPU goes, role
// by role. A process is read every few tens of milliseconds until it is
// gone: what it used since its last reading is lost, and programs that
// live shorter than a reading (a step's iptables) are not seen at all.
// Those roll up into their parent's waited-for children's time
// (cutime/cstime), which breakdown counts as the parent role's "children
// not seen".
type cpuSampler struct {
	root  int
	every time.Duration
	stop  chan struct{}
	done  chan struct{}

	mu    sync.Mutex
	procs map[string]*sampledProc // by pid and start time
}

// sampledProc is one process as last read.
type sampledProc struct {
	pid, ppid  int
	start      string
	argv       []string
	own, kids  time.Duration // utime+stime, cutime+cstime
	first, end time.Time
	reads      int
}

func newCPUSampler(root int, every time.Duration) *cpuSampler {
	s := &cpuSampler{root: root, every: every, stop: make(chan struct{}), done: make(chan struct{}), procs: map[string]*sampledProc{}}
	go s.run()
	return s
}

func (s *cpuSampler) run() {
	defer close(s.done)
	t := time.NewTicker(s.every)
	defer t.Stop()
	for {
		s.sample()
		select {
		case <-s.stop:
			s.sample()
			return
		case <-t.C:
		}
	}
}

// halt stops the sampling after one last reading.
func (s *cpuSampler) halt() {
	close(s.stop)
	<-s.done
}

// statOf reads a process's ppid, start time and CPU times.
func statOf(pid int) (ppid int, start string, own, kids time.Duration, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, "", 0, 0, false
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 20 {
		return 0, "", 0, 0, false
	}
	tick := func(i int) time.Duration {
		v, _ := strconv.ParseInt(f[i], 10, 64)
		return time.Duration(v) * 10 * time.Millisecond
	}
	ppid, _ = strconv.Atoi(f[1])
	return ppid, f[19], tick(11) + tick(12), tick(13) + tick(14), true
}

func (s *cpuSampler) sample() {
	now := time.Now()
	parent := map[int]int{}
	ents, _ := os.ReadDir("/proc")
	type st struct {
		start     string
		own, kids time.Duration
	}
	stats := map[int]st{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		pp, start, own, kids, ok := statOf(pid)
		if !ok {
			continue
		}
		parent[pid] = pp
		stats[pid] = st{start, own, kids}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for pid, pp := range parent {
		under := false
		for p := pp; p > 1; p = parent[p] {
			if p == s.root {
				under = true
				break
			}
		}
		if !under {
			continue
		}
		x := stats[pid]
		key := strconv.Itoa(pid) + "/" + x.start
		sp := s.procs[key]
		if sp == nil {
			sp = &sampledProc{pid: pid, ppid: pp, start: x.start, first: now}
			b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
			sp.argv = strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
			s.procs[key] = sp
		}
		if sp.reads++; sp.reads <= 3 || (sp.reads <= 100 && s.sameAsParent(sp)) {
			// Read again: a fork not yet exec'd shows its parent's command
			// (a keeper waits for its id map before its exec).
			b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
			if len(b) > 0 {
				sp.argv = strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
			}
		}
		sp.own, sp.kids, sp.end = x.own, x.kids, now
	}
}

// sameAsParent reports whether p's command is its parent's (s.mu held).
func (s *cpuSampler) sameAsParent(p *sampledProc) bool {
	for _, q := range s.procs {
		if q.pid == p.ppid && q != p {
			return strings.Join(q.argv, "\x00") == strings.Join(p.argv, "\x00")
		}
	}
	return false
}

// role names a process of a session by what it is: the TUI (outside the
// sandbox and in it), the keepers of the learner's lab and of the spare
// (told apart by which started first under the same sandbox), the lab's
// runner and helpers, and the programs a step runs.
func (s *cpuSampler) roles() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	byPid := map[int]*sampledProc{}
	for _, p := range s.procs {
		byPid[p.pid] = p
	}
	role := map[string]string{}
	keyOf := func(p *sampledProc) string { return strconv.Itoa(p.pid) + "/" + p.start }
	// Keepers in the order they were first seen, per parent: the first
	// is the learner's lab, a later one the spare's.
	var keepers []*sampledProc
	for _, p := range s.procs {
		if len(p.argv) > 0 && filepath.Base(p.argv[0]) == "nettutor-keeper" {
			keepers = append(keepers, p)
		}
	}
	sort.Slice(keepers, func(i, j int) bool {
		if !keepers[i].first.Equal(keepers[j].first) {
			return keepers[i].first.Before(keepers[j].first)
		}
		return keepers[i].pid < keepers[j].pid
	})
	seenKeeper := map[int]bool{}
	for _, k := range keepers {
		if seenKeeper[k.ppid] {
			role[keyOf(k)] = "keeper(spare)"
		} else {
			role[keyOf(k)] = "keeper(lab)"
			seenKeeper[k.ppid] = true
		}
	}
	var name func(p *sampledProc, depth int) string
	name = func(p *sampledProc, depth int) string {
		if r, ok := role[keyOf(p)]; ok {
			return r
		}
		a0 := ""
		if len(p.argv) > 0 {
			a0 = filepath.Base(p.argv[0])
		}
		r := ""
		switch {
		case a0 == "nettutor-keeper":
			r = "keeper(lab)"
		case p.ppid == s.root:
			r = "tui(outer)"
		case depth < 8 && byPid[p.ppid] != nil && name(byPid[p.ppid], depth+1) == "tui(outer)":
			r = "tui(sandbox)"
		case depth < 8 && byPid[p.ppid] != nil:
			par := name(byPid[p.ppid], depth+1)
			base := strings.TrimSuffix(strings.TrimSuffix(par, "(lab)"), "(spare)")
			which := strings.TrimPrefix(par, base)
			switch {
			case strings.HasPrefix(par, "keeper"):
				r = "keeper-child" + which + ":" + a0
			case strings.HasPrefix(par, "keeper-child"):
				r = "program" + strings.TrimPrefix(par[:strings.Index(par, ":")], "keeper-child") + ":" + a0
			default:
				r = par + ">" + a0
			}
		default:
			r = "?:" + a0
		}
		role[keyOf(p)] = r
		return r
	}
	for _, p := range s.procs {
		name(p, 0)
	}
	return role
}

// breakdown is the CPU of the sampled processes by role: each process's
// own time, and under "role+unseen" its waited-for children's time that no
// sampled child accounts for.
func (s *cpuSampler) breakdown() map[string]time.Duration {
	role := s.roles()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]time.Duration{}
	childSum := map[int]time.Duration{}
	for _, p := range s.procs {
		childSum[p.ppid] += p.own + p.kids
	}
	for k, p := range s.procs {
		r := role[k]
		out[r] += p.own
		if un := p.kids - childSum[p.pid]; un > 0 {
			out[r+" +unseen"] += un
		}
	}
	return out
}

// report formats a breakdown per session (n sessions), largest first.
func cpuReport(b map[string]time.Duration, n int) string {
	type kv struct {
		k string
		v time.Duration
	}
	var all []kv
	var total time.Duration
	for k, v := range b {
		all = append(all, kv{k, v})
		total += v
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v })
	var parts []string
	for _, x := range all {
		if x.v/time.Duration(n) < 5*time.Millisecond {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %.0f", x.k, ms(x.v)/float64(n)))
	}
	return fmt.Sprintf("total %.0f: %s", ms(total)/float64(n), strings.Join(parts, ", "))
}
