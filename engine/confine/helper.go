package confine

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/nettutor/nettutor/engine/sandbox"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// droppedCaps leave the bounding set of every lab program. Inside the lab's
// user namespace most of them grant nothing anyway (the kernel checks them
// against the initial namespace); dropping them means no later kernel
// change, and no file capability, can make them count. CAP_SYS_PTRACE goes
// so that no lab program can trace another (the keeper and the helpers run
// as the same uid). CAP_SYS_RESOURCE goes so that no limit can be raised.
var droppedCaps = []int{
	unix.CAP_LINUX_IMMUTABLE, unix.CAP_IPC_LOCK, unix.CAP_SYS_MODULE, unix.CAP_SYS_RAWIO,
	unix.CAP_SYS_PTRACE, unix.CAP_SYS_PACCT, unix.CAP_SYS_BOOT, unix.CAP_SYS_RESOURCE,
	unix.CAP_SYS_TIME, unix.CAP_SYS_TTY_CONFIG, unix.CAP_MKNOD, unix.CAP_AUDIT_CONTROL,
	unix.CAP_MAC_OVERRIDE, unix.CAP_MAC_ADMIN, unix.CAP_SYSLOG, unix.CAP_WAKE_ALARM,
	unix.CAP_BLOCK_SUSPEND, unix.CAP_AUDIT_READ, unix.CAP_PERFMON, unix.CAP_BPF,
	unix.CAP_CHECKPOINT_RESTORE,
}

// keptEnv are the variables a lab program may inherit; everything else
// (SSH_AUTH_SOCK, TMUX, DISPLAY, XDG_RUNTIME_DIR, DBUS_SESSION_BUS_ADDRESS,
// ...) names something outside the lab and is dropped.
var keptEnv = []string{"TERM", "COLORTERM", "NO_COLOR", "LANG", "LANGUAGE", "TZ", "PS1", "COLUMNS", "LINES",
	"EXERCISE_DIR", "NETTUTOR_NS"}

// labEnv filters env for a lab program and sets the lab's own HOME, user
// and a PATH with the sbin folders (where ip, iptables and nft live).
func labEnv(env []string) []string {
	out := []string{"HOME=/root", "USER=root", "LOGNAME=root", "SHELL=/bin/bash"}
	path := ""
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		switch {
		case k == "PATH":
			path = v
		case strings.HasPrefix(k, "LC_") || strings.HasPrefix(k, "LAB_"):
			out = append(out, kv)
		default:
			for _, w := range keptEnv {
				if k == w {
					out = append(out, kv)
					break
				}
			}
		}
	}
	return append(out, "PATH="+withSbin(path))
}

// withSbin keeps, of the invoker's PATH, only the folders the lab cannot
// write (under the read-only /usr, /bin and /sbin), adds the sbin folders a
// plain user's PATH lacks (ip, iptables and nft live there), and gives a
// sane PATH where there is none. A folder such as /root/bin or
// /home/NAME/bin is writable inside the lab (its /root and /home are the
// lab's own tmpfs): a program planted there would stand in for a tool every
// later lab program names, the engine's own commands and a grader's among
// them, so such folders are dropped. Relative entries would follow the
// learner's working folder and are dropped too.
func withSbin(path string) string {
	var dirs []string
	have := map[string]bool{}
	for _, d := range strings.Split(path, ":") {
		if readOnlyDir(d) && !have[d] {
			have[d] = true
			dirs = append(dirs, d)
		}
	}
	for _, d := range []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin", LabBinDir} {
		if !have[d] {
			dirs = append(dirs, d)
		}
	}
	return strings.Join(dirs, ":")
}

// readOnlyDir says whether d is a folder of the lab root's read-only
// mounts (labfs.go): /usr and below, /bin, /sbin, nettutor's own folder.
func readOnlyDir(d string) bool {
	d = filepath.Clean(d)
	if !strings.HasPrefix(d, "/") || strings.Contains(d, "..") {
		return false
	}
	return d == "/usr" || strings.HasPrefix(d, "/usr/") || d == "/bin" || d == "/sbin" ||
		strings.HasPrefix(d, "/bin/") || strings.HasPrefix(d, "/sbin/") || d == LabBinDir
}

// helperMain is the init of one spawn's PID namespace, in a mount namespace
// of its own. fd 3 is the client's connection.
func helperMain() {
	// Every namespace switch below and the fork of the program happen on
	// this thread.
	runtime.LockOSThread()
	// The program gets its three streams and nothing else.
	sandbox.CloseOnExecFrom(3)
	fail := func() { os.Exit(1) }
	// What does not depend on the program first, while the lab is idle.
	if err := helperPrepare(); err != nil {
		fail()
	}
	// Then the spec, with the client's connection and its streams.
	var spec Spec
	files, err := recvMsgFd(3, &spec)
	unix.Close(3)
	if err == nil && len(files) == 5 {
		// Started before the last reset: the lab's host namespace as the
		// keeper pins it now (helperkeep.go).
		if err := repinHost(files[4]); err != nil {
			_ = sendMsgFd(int(files[0].Fd()), status{Exit: 127, Err: err.Error()})
			os.Exit(1)
		}
		files = files[:4]
	}
	if err != nil || len(files) != 4 {
		fail()
	}
	for i, std := range files[1:] {
		if err := unix.Dup2(int(std.Fd()), i); err != nil {
			fail()
		}
		std.Close()
	}
	if spec.Runner {
		if err := helperSetup(&spec); err != nil {
			_ = sendMsgFd(int(files[0].Fd()), status{Exit: 127, Err: err.Error()})
			os.Exit(1)
		}
		runnerMain(files[0])
	}
	cc, err := net.FileConn(files[0])
	files[0].Close()
	if err != nil {
		fail()
	}
	c := cc.(*net.UnixConn)
	report := func(st status) { _ = sendMsg(c, st) }
	if len(spec.Argv) == 0 {
		report(status{Exit: 127, Err: "bad spawn request"})
		os.Exit(1)
	}
	if err := helperSetup(&spec); err != nil {
		report(status{Exit: 127, Err: err.Error()})
		os.Exit(1)
	}
	pid, err := startProgram(&spec, nil, false)
	if err != nil {
		report(status{Exit: 127, Err: err.Error()})
		os.Exit(1)
	}
	// The program holds the streams now; the helper lets go of them, so a
	// pipe closes when the program (and what it left behind) is done.
	if null, err := os.OpenFile("/dev/null", os.O_RDWR, 0); err == nil {
		for fd := 0; fd < 3; fd++ {
			_ = unix.Dup2(int(null.Fd()), fd)
		}
		null.Close()
	}
	superviseProgram(c, pid, spec.Persist, report)
}

// helperPrepare does what every program needs, before its spec is known.
// Each step, and why:
func helperPrepare() error {
	// The keeper's /proc shows the whole lab; this PID namespace gets a
	// /proc of its own in its place, so that unmounting it uncovers only an
	// empty folder. A new proc may be mounted only while one is visible:
	// mount it aside on a scratch tmpfs, drop the keeper's, move it in.
	if err := swapProc(); err != nil {
		return fmt.Errorf("mount /proc: %w", err)
	}
	// The helper runs as the same uid as the program: made non-dumpable,
	// it can be traced only with CAP_SYS_PTRACE, which the program lacks,
	// so no program can make it report an end that has not come.
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("make the helper non-dumpable: %w", err)
	}
	// no_new_privs: no setuid binary or file capability can give a lab
	// program more than it has.
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("no_new_privs: %w", err)
	}
	for _, cp := range droppedCaps {
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(cp), 0, 0, 0); err != nil && err != unix.EINVAL {
			return fmt.Errorf("drop capability %d: %w", cp, err)
		}
	}
	// Last, a seccomp filter: the syscalls no lesson needs fail, in this
	// process and everything it starts, for good.
	return installSeccomp()
}

// helperSetup puts the helper where the program runs: its network
// namespace, that namespace's sysfs, its working folder.
func helperSetup(spec *Spec) error {
	if spec.Net != "" {
		ns, err := netns.GetFromPath(spec.Net)
		if err != nil {
			return fmt.Errorf("open %s: %w", spec.Net, err)
		}
		err = netns.Set(ns)
		ns.Close()
		if err != nil {
			return fmt.Errorf("enter %s: %w", spec.Net, err)
		}
	}
	// A sysfs of the namespace the program runs in, as `ip netns exec`
	// gives: /sys/class/net lists the lab's links, never the machine's.
	_ = mountSysfs("/sys")
	dir := spec.Dir
	if dir == "" {
		dir = "/root"
	}
	if err := unix.Chdir(dir); err != nil {
		return fmt.Errorf("working folder %s: %w", dir, err)
	}
	return nil
}

func swapProc() error {
	const scratch = "/mnt"
	if err := unix.Mount("tmpfs", scratch, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "size=4k,mode=0700"); err != nil {
		return err
	}
	defer unix.Unmount(scratch, unix.MNT_DETACH)
	p := scratch + "/proc"
	if err := os.Mkdir(p, 0o555); err != nil {
		return err
	}
	if err := unix.Mount("proc", p, "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return err
	}
	if err := unix.Unmount("/proc", unix.MNT_DETACH); err != nil {
		return err
	}
	return unix.Mount(p, "/proc", "", unix.MS_MOVE, "")
}

var cloneFor = map[string]uintptr{
	"uts": unix.CLONE_NEWUTS, "ipc": unix.CLONE_NEWIPC, "mount": unix.CLONE_NEWNS,
	"pid": unix.CLONE_NEWPID, "net": unix.CLONE_NEWNET, "cgroup": unix.CLONE_NEWCGROUP,
}

// startProgram starts the program through the nsexec hook, which applies
// the rlimits and signal dispositions just before it execs: limits set
// here would also bind the helper's own Go runtime. stdio are its standard
// streams (the helper's own when nil); with ownGroup it leads a process
// group of its own, which the runner kills at a time limit.
func startProgram(spec *Spec, stdio []*os.File, ownGroup bool) (int, error) {
	var flags uintptr
	for _, k := range spec.Unshare {
		f, ok := cloneFor[k]
		if !ok {
			return 0, fmt.Errorf("unshare: unknown namespace kind %q", k)
		}
		flags |= f
	}
	args := []string{nsexecHook,
		"-nproc", strconv.Itoa(spec.Limits.Pids),
		"-data", strconv.FormatInt(spec.Limits.Memory, 10),
		"-cpu", strconv.Itoa(int(spec.Limits.CPUTime.Seconds())),
	}
	if spec.MountProc {
		args = append(args, "-mount-proc")
	}
	if spec.Hostname != "" {
		args = append(args, "-hostname", spec.Hostname)
	}
	args = append(args, "--")
	args = append(args, spec.Argv...)
	prog := "/proc/self/exe"
	if pl, ok := prlimitPath(); ok && !spec.MountProc && spec.Hostname == "" {
		// Nothing to do in the program's own namespaces before it runs:
		// prlimit applies the limits and execs it, one Go start fewer
		// (about 25 ms of CPU: every start of this binary runs all its
		// package initialisers). Not looked up on PATH: the helper has
		// none, and a lab's PATH may name a folder the lab can write (see
		// prlimitDirs). (The helper handles no signal, so the program
		// starts with the default dispositions all the same.)
		prog, args = pl, append(prlimitArgs(spec.Limits.Pids, spec.Limits.Memory, int(spec.Limits.CPUTime.Seconds())), spec.Argv...)
	}
	sys := &syscall.SysProcAttr{Cloneflags: flags}
	if m := spec.UserNS; m != nil {
		sys.Cloneflags |= unix.CLONE_NEWUSER
		sys.UidMappings = []syscall.SysProcIDMap{{ContainerID: m.Inside, HostID: m.Outside, Size: m.Size}}
		sys.GidMappings = sys.UidMappings
		// The helper, root of the lab's namespace, writes the maps: it may
		// allow setgroups, and the program starts as the nested root.
		sys.GidMappingsEnableSetgroups = setgroupsAllowed()
		sys.Credential = &syscall.Credential{Uid: 0, Gid: 0, NoSetGroups: !setgroupsAllowed()}
	}
	files := []*os.File{os.Stdin, os.Stdout, os.Stderr}
	if stdio != nil {
		files = stdio
	}
	sys.Setpgid = ownGroup
	if spec.TTY {
		// A process group of its own in the foreground, for job control,
		// where the terminal is our session's (TIOCGPGRP answers only
		// there). A nettutor started by `su -c` has none: its shell gets a
		// pseudo-terminal of the lab's own instead (ptyRelay).
		if _, err := unix.IoctlGetInt(0, unix.TIOCGPGRP); err == nil {
			sys.Setpgid, sys.Foreground, sys.Ctty = true, true, 0
		} else if _, err := unix.IoctlGetTermios(0, unix.TCGETS); err == nil {
			if r, err := newPtyRelay(); err == nil {
				relay = r
				files = []*os.File{r.slave, r.slave, r.slave}
				sys.Setsid, sys.Setctty, sys.Ctty = true, true, 0
			}
		}
	}
	env := labEnv(restoreTerm(spec.Env))
	if prog == "/proc/self/exe" {
		env = HideTerm(env) // nsexec is this binary: see EnvTerm
	}
	p, err := os.StartProcess(prog, args, &os.ProcAttr{
		Env: env, Files: files, Sys: sys,
	})
	if err != nil {
		if relay != nil {
			relay.slave.Close()
			relay.master.Close()
		}
		return 0, fmt.Errorf("start %s: %w", spec.Argv[0], err)
	}
	if relay != nil {
		relay.start()
	}
	// The pid is all the helper keeps (it reaps by wait4): let go of the
	// pidfd the runtime holds, or the runner would gather one per command.
	pid := p.Pid
	_ = p.Release()
	return pid, nil
}

// relay is the shell's pseudo-terminal, when it has one (see ptyRelay).
var relay *ptyRelay

// superviseProgram reaps every process of the PID namespace until none is
// left. Without Persist, the end of the program ends everything it started,
// and the status goes to the client only once all of it is gone: a grade
// is never taken while part of an answer still runs. With Persist, the
// status goes at once and what the program left in the background runs on
// until the lab is reset. Either way, a client that goes away before the
// program ends (killed at a time limit) takes the program with it.
func superviseProgram(c *net.UnixConn, mainPid int, persist bool, report func(status)) {
	// The reaping and the report run on this thread, so the status leaves
	// as soon as wait4 returns, with no hand-off between threads (each a
	// wake-up that waits its turn on a busy machine). The client's
	// connection is watched beside it.
	var mainDone atomic.Bool
	go func() {
		var b [1]byte
		_, _ = c.Read(b[:])
		if !mainDone.Load() || !persist {
			_ = unix.Kill(-1, unix.SIGKILL)
		}
	}()
	var st status
	sent := false
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			// Nothing left in the PID namespace.
			if !mainDone.Load() {
				st = status{Exit: 137, Signal: int(unix.SIGKILL)}
			}
			if !sent {
				report(st)
			}
			os.Exit(0)
		}
		if pid != mainPid {
			continue
		}
		if relay != nil {
			relay.stop() // the learner's terminal as it was, before the status
		}
		switch {
		case ws.Signaled():
			st = status{Exit: 128 + int(ws.Signal()), Signal: int(ws.Signal())}
		default:
			st = status{Exit: ws.ExitStatus()}
		}
		mainDone.Store(true)
		if persist {
			report(st)
			sent = true
			c.Close()
		} else {
			_ = unix.Kill(-1, unix.SIGKILL)
		}
	}
}
