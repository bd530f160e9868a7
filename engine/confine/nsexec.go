package confine

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/nettutor/nettutor/engine/reexec"
	"golang.org/x/sys/unix"
)

// nsexecHook is the last step before a lab program runs: Go cannot run code
// between fork and exec, so the helper starts this binary under this name,
// which finishes the set-up in the program's own namespaces and execs it.
const nsexecHook = "nettutor-nsexec"

func init() { reexec.Register(nsexecHook, nsexecMain) }

func nsexecMain() {
	fs := flag.NewFlagSet(nsexecHook, flag.ContinueOnError)
	mountProc := fs.Bool("mount-proc", false, "mount a private /proc (new mount+pid namespace)")
	hostname := fs.String("hostname", "", "set the hostname first (new UTS namespace)")
	nproc := fs.Int("nproc", 0, "RLIMIT_NPROC")
	data := fs.Int64("data", 0, "RLIMIT_DATA in bytes")
	cpu := fs.Int("cpu", 0, "RLIMIT_CPU in seconds")
	if err := fs.Parse(os.Args[1:]); err != nil || fs.NArg() == 0 {
		reexec.Fail(127, "%s: usage: [-mount-proc] [-hostname H] [-nproc N] [-data B] [-cpu S] -- PROGRAM ARGS", nsexecHook)
	}
	if *mountProc {
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			reexec.Fail(127, "make mounts private: %v", err)
		}
		if err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
			reexec.Fail(127, "mount /proc: %v", err)
		}
	}
	if *hostname != "" {
		if err := unix.Sethostname([]byte(*hostname)); err != nil {
			reexec.Fail(127, "set hostname: %v", err)
		}
	}
	argv := fs.Args()
	path, err := exec.LookPath(argv[0])
	if err != nil {
		reexec.Fail(127, "%s: command not found", argv[0])
	}
	// Default dispositions for the program: a signal ignored anywhere up
	// the chain (a terminal's SIGINT, say) stays ignored across exec, but a
	// handled one goes back to its default. Handle them all for a moment.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTSTP, syscall.SIGTTIN,
		syscall.SIGTTOU, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGPIPE, syscall.SIGUSR1, syscall.SIGUSR2,
		syscall.SIGALRM, syscall.SIGCHLD, syscall.SIGWINCH)
	// The limits are for the program alone, and are applied by util-linux's
	// prlimit, which execs it: set here they would bind this Go process too,
	// whose runtime may need to grow at any moment before its exec and dies
	// when it cannot. Soft and hard alike, and no core files (a crash must
	// leave nothing for a core_pattern to act on).
	if pl, ok := prlimitPath(); ok {
		path, argv = pl, append(prlimitArgs(*nproc, *data, *cpu), argv...)
	} else {
		// No prlimit on this machine: set them here, as late as can be.
		set := func(res int, v uint64) {
			if v > 0 {
				_ = unix.Setrlimit(res, &unix.Rlimit{Cur: v, Max: v})
			}
		}
		set(unix.RLIMIT_NPROC, uint64(*nproc))
		set(unix.RLIMIT_CPU, uint64(*cpu))
		_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{})
		set(unix.RLIMIT_DATA, uint64(*data))
	}
	err = syscall.Exec(path, argv, restoreTerm(os.Environ()))
	reexec.Fail(126, "exec %s: %v", argv[0], err)
}

// prlimitDirs are where prlimit(1) is looked for: the host's system
// folders, bound read-only into the lab root. Never the program's PATH: a
// folder on it may be the lab's own (root's PATH may name /root/go/bin, and
// /root is the lab's tmpfs), and a prlimit written there would start every
// later program without its limits.
var prlimitDirs = []string{"/usr/bin", "/bin", "/usr/sbin", "/sbin"}

// prlimitPath returns the system's prlimit(1), if it has one.
func prlimitPath() (string, bool) {
	for _, d := range prlimitDirs {
		p := d + "/prlimit"
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, true
		}
	}
	return "", false
}

// prlimitArgs is the prlimit(1) command line that applies the limits and
// then runs the program that follows it, by its name as given: prlimit
// finds it on PATH, and the program's argv[0] stays what a shell would give
// it. No core files: a crash must leave nothing for a core_pattern to act on.
func prlimitArgs(nproc int, data int64, cpu int) []string {
	lim := []string{"prlimit", "--core=0"}
	if nproc > 0 {
		lim = append(lim, fmt.Sprintf("--nproc=%d", nproc))
	}
	if data > 0 {
		lim = append(lim, fmt.Sprintf("--data=%d", data))
	}
	if cpu > 0 {
		lim = append(lim, fmt.Sprintf("--cpu=%d", cpu))
	}
	return append(lim, "--")
}
