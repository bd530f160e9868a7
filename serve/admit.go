package serve

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// DefaultStartTimeout is how long a member's TUI may hold a start slot
// without saying it is up (its first status on the link): after it, the
// slot goes to the next member and the member's keys reach the TUI
// whether it reads them yet or not.
const DefaultStartTimeout = 30 * time.Second

// errAdmissionClosed: the server is stopping while a member waits to start.
var errAdmissionClosed = errors.New("the server is stopping")

// admission bounds the members' TUIs that start at once. Starting one is
// the heavy part of a session (three processes of the binary, a sandbox,
// a lab with its namespaces, the lessons parsed): thirty members arriving
// together on two cores all start at once otherwise, each taking thirty
// times as long, and every member already stepping waits behind them.
// With a bound, TUIs come up one after another at full speed, while
// each waiting member already sees the picker the server drew
// (Config.FirstFrame).
//
// The order is fair between keys, not only first come first served: the
// next slot goes to the waiting session whose key runs the fewest TUIs
// (ties: the earliest), so one member who opens their sessions-per-key
// again and again cannot push the others back.
type admission struct {
	mu       sync.Mutex
	max      int // slots (at least 1)
	starting int
	running  map[string]int // per key: TUIs started or starting, until they end
	queue    []*startWaiter
	seq      uint64
	closed   bool
	done     chan struct{} // closed by close
}

type startWaiter struct {
	key     string
	seq     uint64
	granted chan struct{}
}

// startSlot is one session's place: a start slot until started (or
// ended), and a count in its key's running TUIs until ended.
type startSlot struct {
	a       *admission
	key     string
	once    sync.Once // the start slot given back
	endOnce sync.Once
}

// DefaultStartsPerCPU times the CPUs is how many TUIs start at once by
// default. Not one per CPU: a start waits on the kernel as much as it
// computes (namespaces made and pinned, processes started), and with one
// per CPU thirty members took half as long again to be up (issue 25's
// figures); a bound still keeps a crowd from starting all at once.
const DefaultStartsPerCPU = 4

func newAdmission(max int) *admission {
	if max <= 0 {
		max = DefaultStartsPerCPU * runtime.NumCPU()
	}
	return &admission{max: max, running: map[string]int{}, done: make(chan struct{})}
}

// acquire waits for a start slot for a session of key, in the fair order,
// until cancel is closed (the member left: nil, false) or the server
// stops (errAdmissionClosed).
func (a *admission) acquire(key string, cancel <-chan struct{}) (*startSlot, error) {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil, errAdmissionClosed
	}
	a.seq++
	w := &startWaiter{key: key, seq: a.seq, granted: make(chan struct{})}
	a.queue = append(a.queue, w)
	a.grantLocked()
	a.mu.Unlock()
	select {
	case <-w.granted:
		return &startSlot{a: a, key: key}, nil
	case <-cancel:
	case <-a.done:
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	select {
	case <-w.granted:
		// Granted as we gave up: give it back whole.
		a.starting--
		a.dropRunningLocked(key)
	default:
		a.removeLocked(w)
	}
	a.grantLocked()
	if a.closed {
		return nil, errAdmissionClosed
	}
	return nil, nil
}

// grantLocked hands free slots to the waiters, fewest running TUIs of
// their key first, then the earliest.
func (a *admission) grantLocked() {
	for a.starting < a.max && len(a.queue) > 0 {
		best := 0
		for i, w := range a.queue[1:] {
			if a.running[w.key] < a.running[a.queue[best].key] {
				best = i + 1
			}
		}
		w := a.queue[best]
		a.queue = append(a.queue[:best], a.queue[best+1:]...)
		a.starting++
		a.running[w.key]++
		close(w.granted)
	}
}

func (a *admission) removeLocked(w *startWaiter) {
	for i, x := range a.queue {
		if x == w {
			a.queue = append(a.queue[:i], a.queue[i+1:]...)
			return
		}
	}
}

func (a *admission) dropRunningLocked(key string) {
	if a.running[key]--; a.running[key] <= 0 {
		delete(a.running, key)
	}
}

// waiting is how many sessions wait for a slot now (tests, the log).
func (a *admission) waiting() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.queue)
}

// close ends every wait: the server is stopping.
func (a *admission) close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.closed {
		a.closed = true
		close(a.done)
	}
}

// started gives the start slot back: the TUI is up (or gave up).
func (s *startSlot) started() {
	s.once.Do(func() {
		s.a.mu.Lock()
		s.a.starting--
		s.a.grantLocked()
		s.a.mu.Unlock()
	})
}

// ended gives back everything the session held: its TUI is gone.
func (s *startSlot) ended() {
	s.started()
	s.endOnce.Do(func() {
		s.a.mu.Lock()
		s.a.dropRunningLocked(s.key)
		s.a.grantLocked()
		s.a.mu.Unlock()
	})
}

// DefaultMemberNice is nettutor serve's --member-nice: a starting lab's
// group weighs about a tenth of the server's (or of a running lab's).
const DefaultMemberNice = 10

// setNice sets the CPU weight of a session's TUI and lab, which share one
// scheduling group: the child starts a session of its own (setsid, for its
// terminal), and with autogrouping (on in most distributions' kernels) the
// kernel gives each session an equal share of the CPU. Thirty members
// arriving together then left the server, which does every member's SSH,
// screen relay and first frame, one share in thirty-one, and the members
// already stepping as much as each starting lab. So a TUI starts at
// Config.MemberNice, and goes back to the server's nice (0) once it is up:
// a crowd starting is background work, while running labs share the CPU
// equally, as before (a lower weight for good measured them several times
// slower beside other users' work on a shared machine). Without
// autogrouping the file is missing and nothing changes; with MemberNice 0
// nothing is set. The writes go through one queue (niceQueue): the kernel
// takes at most one every 100 ms from a process without CAP_SYS_ADMIN (a
// rootless server), and a group must not stay at the start's nice because
// its "back to 0" came too soon after another member's.
func (s *Server) setNice(cmd *exec.Cmd, who string, nice int) {
	if s.cfg.MemberNice == 0 || cmd.Process == nil {
		return
	}
	s.nicer.set(cmd.Process.Pid, nice, who)
}

// niceQueue writes autogroup nice values one after another, the newest
// wanted value per process, again after EAGAIN.
type niceQueue struct {
	s     *Server
	once  sync.Once
	mu    sync.Mutex
	want  map[int]int // pid -> nice still to write
	order []int
	wake  chan struct{}
	who   map[int]string
}

func (q *niceQueue) set(pid, nice int, who string) {
	q.once.Do(func() {
		q.want, q.who, q.wake = map[int]int{}, map[int]string{}, make(chan struct{}, 1)
		go q.run()
	})
	q.mu.Lock()
	if _, queued := q.want[pid]; !queued {
		q.order = append(q.order, pid)
	}
	q.want[pid], q.who[pid] = nice, who
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// forget drops what is still to write for pid: its process has ended.
func (q *niceQueue) forget(pid int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.want != nil {
		delete(q.want, pid)
		delete(q.who, pid)
	}
}

func (q *niceQueue) run() {
	for {
		select {
		case <-q.wake:
		case <-q.s.admit.done:
			return
		}
		for {
			q.mu.Lock()
			for len(q.order) > 0 {
				if _, ok := q.want[q.order[0]]; ok {
					break
				}
				q.order = q.order[1:] // forgotten
			}
			if len(q.order) == 0 {
				q.mu.Unlock()
				break
			}
			pid := q.order[0]
			nice, who := q.want[pid], q.who[pid]
			q.mu.Unlock()
			err := os.WriteFile(fmt.Sprintf("/proc/%d/autogroup", pid), []byte(strconv.Itoa(nice)), 0)
			if errors.Is(err, syscall.EAGAIN) {
				time.Sleep(110 * time.Millisecond) // the kernel's rate for the unprivileged
				continue
			}
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				q.s.log.Debug("member nice", "member", who, "err", err)
			}
			q.mu.Lock()
			if q.want[pid] == nice {
				delete(q.want, pid)
				delete(q.who, pid)
				q.order = q.order[1:]
			}
			q.mu.Unlock()
		}
	}
}
