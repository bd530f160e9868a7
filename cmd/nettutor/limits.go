package main

import (
	"flag"
	"os"
	"time"

	"github.com/nettutor/nettutor/engine/confine"
)

// limitFlags are the flags that bound what one lab may use; every command
// that builds a lab takes them.
type limitFlags struct {
	pids int
	mem  int64
	cpu  time.Duration
}

// addLimitFlags registers --max-procs, --max-memory and --max-cpu-time on fs,
// with the defaults (or what a parent nettutor passed on) as their values.
func addLimitFlags(fs *flag.FlagSet) *limitFlags {
	cur := confine.Current
	f := &limitFlags{pids: cur.Pids, mem: cur.Memory, cpu: cur.CPUTime}
	fs.IntVar(&f.pids, "max-procs", f.pids, "most processes a lab may run at once (RLIMIT_NPROC, and pids.max where a cgroup is available)")
	fs.Var(confine.BytesFlag{P: &f.mem}, "max-memory", "most memory of a lab (memory.max where a cgroup is available, else per process: RLIMIT_DATA), e.g. 512M")
	fs.DurationVar(&f.cpu, "max-cpu-time", f.cpu, "most CPU time of one lab process (RLIMIT_CPU); with a cgroup the lab also gets one core at most")
	return f
}

// apply checks the limits and makes them the ones of every lab this
// process, its sandbox child and the graders it starts build.
func (f *limitFlags) apply() error {
	l := confine.Limits{Pids: f.pids, Memory: f.mem, CPUTime: f.cpu}
	if err := l.Valid(); err != nil {
		return err
	}
	confine.Current = l
	return os.Setenv(confine.EnvLimits, l.Env())
}
