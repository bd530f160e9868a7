package confine

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Limits bound what one lab (and so one answer: every answer gets a lab of
// its own) may use. They apply to every process the lab runs and never to
// the engine, which grades from outside them.
type Limits struct {
	// Pids is the most processes (threads count) the lab's root may have at
	// once: RLIMIT_NPROC, and pids.max where a cgroup is available.
	Pids int
	// Memory is the most memory, in bytes: memory.max (or v1
	// memory.limit_in_bytes) for the whole lab where a cgroup is available,
	// and RLIMIT_DATA for each process in any case. RLIMIT_DATA, not
	// RLIMIT_AS: it counts memory a process writes to, not address space it
	// reserves, so a Go program (nettutor itself in a lab shell), which
	// reserves far more than it uses, still starts under it.
	Memory int64
	// CPUTime is the most CPU time one process may use (RLIMIT_CPU); where a
	// cgroup is available the lab as a whole also gets at most one core.
	CPUTime time.Duration
}

// DefaultLimits are the limits used when no flag changes them.
var DefaultLimits = Limits{Pids: 512, Memory: 512 << 20, CPUTime: 2 * time.Minute}

// Current are the limits that new labs of this process get; cmd sets them
// from its flags, and a parent nettutor passes them on in EnvLimits.
var Current = fromEnv()

// EnvLimits carries the limits to a sandbox child and to the graders of a
// class run.
const EnvLimits = "NETTUTOR_LIMITS"

// Env is the limits as EnvLimits holds them: procs,bytes,seconds.
func (l Limits) Env() string {
	return fmt.Sprintf("%d,%d,%d", l.Pids, l.Memory, int64(l.CPUTime/time.Second))
}

func fromEnv() Limits {
	var p, m, c int64
	if _, err := fmt.Sscanf(os.Getenv(EnvLimits), "%d,%d,%d", &p, &m, &c); err == nil {
		l := Limits{Pids: int(p), Memory: m, CPUTime: time.Duration(c) * time.Second}
		if l.Valid() == nil {
			return l
		}
	}
	return DefaultLimits
}

// Valid says whether the limits can be applied.
func (l Limits) Valid() error {
	switch {
	case l.Pids < 16 || l.Pids > 1<<20:
		return fmt.Errorf("pids limit %d out of range (16 to %d)", l.Pids, 1<<20)
	case l.Memory < 32<<20 || l.Memory > 1<<40:
		return fmt.Errorf("memory limit %s out of range (32M to 1T)", FormatBytes(l.Memory))
	case l.CPUTime < time.Second || l.CPUTime > 24*time.Hour:
		return fmt.Errorf("cpu time limit %s out of range (1s to 24h)", l.CPUTime)
	}
	return nil
}

// String is the limits as --help and the README state them.
func (l Limits) String() string {
	return fmt.Sprintf("%d processes, %s of memory, %s of CPU time per process", l.Pids, FormatBytes(l.Memory), l.CPUTime)
}

// ParseBytes reads a size such as 512M, 2G, 1048576 or 64k.
func ParseBytes(s string) (int64, error) {
	t := strings.TrimSpace(strings.ToUpper(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "IB"), "B")
	mult := int64(1)
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'K':
			mult, t = 1<<10, t[:n-1]
		case 'M':
			mult, t = 1<<20, t[:n-1]
		case 'G':
			mult, t = 1<<30, t[:n-1]
		case 'T':
			mult, t = 1<<40, t[:n-1]
		}
	}
	v, err := strconv.ParseInt(t, 10, 64)
	if err != nil || v < 0 || v > (1<<62)/mult {
		return 0, fmt.Errorf("bad size %q (want e.g. 512M or 2G)", s)
	}
	return v * mult, nil
}

// FormatBytes prints a size the way ParseBytes reads it.
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%dG", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dM", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dK", n>>10)
	}
	return strconv.FormatInt(n, 10)
}

// BytesFlag is a flag.Value for a size.
type BytesFlag struct{ P *int64 }

// String implements flag.Value.
func (b BytesFlag) String() string {
	if b.P == nil {
		return ""
	}
	return FormatBytes(*b.P)
}

// Set implements flag.Value.
func (b BytesFlag) Set(s string) error {
	v, err := ParseBytes(s)
	if err != nil {
		return err
	}
	*b.P = v
	return nil
}
