package engine

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/nettutor/nettutor/engine/reexec"
	"github.com/nettutor/nettutor/engine/sandbox"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// nsexecHook is the argv[0] under which the binary enters a namespace and
// execs a program: Go cannot run code between fork and exec, so it re-execs
// itself, switches the one thread that will exec, and replaces itself.
const nsexecHook = "nettutor-nsexec"

func init() { reexec.Register(nsexecHook, nsexecMain) }

func nsexecMain() {
	fs := flag.NewFlagSet(nsexecHook, flag.ContinueOnError)
	netPath := fs.String("net", "", "network namespace to enter")
	mountProc := fs.Bool("mount-proc", false, "mount a private /proc (new mount+pid namespace)")
	hostname := fs.String("hostname", "", "set the hostname first (new UTS namespace)")
	if err := fs.Parse(os.Args[1:]); err != nil || fs.NArg() == 0 {
		reexec.Fail(127, "%s: usage: [-net PATH] [-mount-proc] [-hostname H] -- PROGRAM ARGS", nsexecHook)
	}
	runtime.LockOSThread() // the namespace switch and the exec must be on one thread
	if *netPath != "" {
		ns, err := netns.GetFromPath(*netPath)
		if err != nil {
			reexec.Fail(127, "open %s: %v", *netPath, err)
		}
		if err := netns.Set(ns); err != nil {
			reexec.Fail(127, "enter %s: %v", *netPath, err)
		}
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
	err = syscall.Exec(path, argv, os.Environ())
	reexec.Fail(126, "exec %s: %v", argv[0], err)
}

// Cmd returns a command that runs argv inside lab namespace ns ("host" or a
// name under /run/netns), with the lab's /run/netns visible so `ip netns`
// works in it. NETTUTOR_NS tells the program which namespace it is in.
// The caller starts it (for the TUI, through tea.ExecProcess).
func (l *Lab) Cmd(ns string, argv ...string) *exec.Cmd {
	args := append([]string{"-net", l.NSPath(ns), "--"}, argv...)
	cmd := reexec.Command(nsexecHook, args...)
	cmd.Env = append(os.Environ(), "NETTUTOR_NS="+nsOr(ns))
	return cmd
}

// Shell returns an interactive bash in namespace ns whose prompt names it.
func (l *Lab) Shell(ns string) *exec.Cmd {
	cmd := l.Cmd(ns, "bash", "--norc", "-i")
	cmd.Env = append(cmd.Env, fmt.Sprintf(`PS1=[lab %s] \w# `, nsOr(ns)))
	return cmd
}

// Run runs a command in a namespace, optionally in fresh namespaces of the
// kinds listed in Unshare (uts, ipc, mount, pid, net, cgroup), as the
// isolation lessons do with unshare(1). Output is stdout and stderr.
type Run struct {
	NS       string
	Unshare  []string
	Hostname string // with uts: set this hostname inside first
	Shell    string // a sh -c script
	Timeout  time.Duration
}

var unshareFlags = map[string]uintptr{
	"uts": unix.CLONE_NEWUTS, "ipc": unix.CLONE_NEWIPC, "mount": unix.CLONE_NEWNS,
	"pid": unix.CLONE_NEWPID, "net": unix.CLONE_NEWNET, "cgroup": unix.CLONE_NEWCGROUP,
}

// unshareOrder is the order unshare(1) options are shown in.
var unshareOrder = []string{"uts", "ipc", "mount", "net", "pid", "cgroup"}

// Command implements Action.
func (a Run) Command() string {
	script := a.Shell
	if a.Hostname != "" {
		script = "hostname " + a.Hostname + "; " + script
	}
	if len(a.Unshare) == 0 {
		return inNS(a.NS, "sh -c "+shQuote(script))
	}
	var opts []string
	set := map[string]bool{}
	for _, k := range a.Unshare {
		set[k] = true
	}
	for _, k := range unshareOrder {
		if set[k] {
			opts = append(opts, "--"+k)
		}
	}
	if set["pid"] {
		opts = append(opts, "--fork")
		if set["mount"] {
			opts = append(opts, "--mount-proc")
		}
	}
	return inNS(a.NS, "unshare "+strings.Join(opts, " ")+" sh -c "+shQuote(script))
}

// Apply implements Action.
func (a Run) Apply(ctx context.Context, l *Lab) (Result, error) {
	start := time.Now()
	var flags uintptr
	set := map[string]bool{}
	for _, k := range a.Unshare {
		f, ok := unshareFlags[k]
		if !ok {
			return Result{}, fmt.Errorf("unshare: unknown namespace kind %q (want uts, ipc, mount, pid, net or cgroup)", k)
		}
		flags |= f
		set[k] = true
	}
	args := []string{}
	if !set["net"] {
		args = append(args, "-net", l.NSPath(a.NS))
	}
	if set["pid"] && set["mount"] {
		args = append(args, "-mount-proc")
	}
	if a.Hostname != "" {
		if !set["uts"] {
			return Result{}, errors.New("run: hostname needs a new uts namespace")
		}
		args = append(args, "-hostname", a.Hostname)
	}
	args = append(args, "--", "sh", "-c", a.Shell)
	cmd := reexec.Command(nsexecHook, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: flags, Pdeathsig: syscall.SIGKILL}
	return runCaptured(ctx, cmd, a.Timeout, start)
}

func runCaptured(ctx context.Context, cmd *exec.Cmd, timeout time.Duration, start time.Time) (Result, error) {
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = time.Second
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := cmd.Start(); err != nil {
		return Result{}, fmt.Errorf("start %s: %w", cmd.Args[0], err)
	}
	waitErr := make(chan error, 1)
	go func() { waitErr <- cmd.Wait() }()
	var err error
	select {
	case err = <-waitErr:
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		<-waitErr
		err = fmt.Errorf("killed after %s: %w", timeout, ctx.Err())
	}
	res := Result{Output: strings.TrimRight(out.String(), "\n"), Duration: time.Since(start)}
	if err != nil {
		return res, fmt.Errorf("command failed: %w", err)
	}
	return res, nil
}

// shQuote quotes s for sh when it needs it.
func shQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`;&|<>()*?[]#~=%!{}") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// RemapBase is the first host uid of Docker's userns-remap range
// (dockremap:165536:65536 in /etc/subuid).
const RemapBase = 165536

// RemapSize is the size of that range.
const RemapSize = 65536

// UserNS runs a script as uid 0 of a new user namespace. As root the
// namespace maps 0-65535 to 165536-231071, as Docker's userns-remap does; in
// a rootless lab, where only one uid is ours to map, uid 0 maps to the
// user's own uid.
type UserNS struct {
	Shell   string
	Timeout time.Duration
}

// Mapping returns the uid map the action will use: inside, outside, count,
// as seen from the lab.
func (a UserNS) Mapping() (inside, outside, count int) {
	if sandbox.Rootless() {
		return 0, 0, 1
	}
	return 0, RemapBase, RemapSize
}

// Command implements Action.
func (a UserNS) Command() string {
	if sandbox.Rootless() {
		return "unshare --user --map-root-user sh -c " + shQuote(a.Shell)
	}
	m := fmt.Sprintf("%d,0,%d", RemapBase, RemapSize)
	return "unshare --user --map-users=" + m + " --map-groups=" + m + " --setuid 0 --setgid 0 sh -c " + shQuote(a.Shell)
}

// Apply implements Action.
func (a UserNS) Apply(ctx context.Context, l *Lab) (Result, error) {
	start := time.Now()
	in, out, n := a.Mapping()
	cmd := exec.Command("sh", "-c", a.Shell)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  unix.CLONE_NEWUSER,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: in, HostID: out, Size: n}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: in, HostID: out, Size: n}},
		Credential:  &syscall.Credential{Uid: 0, Gid: 0},
		Pdeathsig:   syscall.SIGKILL,
	}
	if sandbox.Rootless() {
		cmd.SysProcAttr.GidMappingsEnableSetgroups = false
		cmd.SysProcAttr.Credential = nil
	}
	return runCaptured(ctx, cmd, a.Timeout, start)
}
