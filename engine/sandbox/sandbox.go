// Package sandbox moves the running nettutor into its own namespaces before a
// lab is built: a new mount, network, PID, UTS and IPC namespace, plus a user
// namespace when not root. The process re-executes itself into them; the
// child is PID 1 of its PID namespace and dies with its parent, so when
// nettutor dies, even by SIGKILL, the kernel removes every lab object.
package sandbox

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// EnvMarker is set in the environment of the re-executed child.
const EnvMarker = "NETTUTOR_SANDBOX"

// Dirs inside the sandbox.
const (
	NetnsDir = "/run/netns"    // named namespaces, as `ip netns` expects
	StateDir = "/run/nettutor" // the lab's own pins and files
)

// ExitUnavailable is the exit code when no sandbox can be made.
const ExitUnavailable = 2

var (
	inside, rootless bool
	subIDs           int // uids 1..subIDs inside map to the user's subordinate range
)

// SubIDs reports how many uids above 0 the rootless sandbox maps (to the
// user's range in /etc/subuid, through newuidmap); 0 when only uid 0 is
// mapped, and always 0 as root, who needs no mapping.
func SubIDs() int { return subIDs }

// Inside reports whether this process is the sandboxed child (after Enter).
func Inside() bool { return inside }

// Rootless reports whether the sandbox uses a user namespace because the
// real user is not root.
func Rootless() bool { return rootless }

// Error says why a sandbox could not be made, with a hint for the learner.
type Error struct {
	Step string // what failed, e.g. "create user namespace"
	Err  error
}

// Error implements error.
func (e *Error) Error() string {
	return fmt.Sprintf("cannot make the lab sandbox: %s: %v", e.Step, e.Err)
}

// Unwrap gives the errno underneath, for errors.Is.
func (e *Error) Unwrap() error { return e.Err }

// Hint explains the cause of a sandbox failure and the remedies, in a few
// lines fit for a terminal.
func Hint(err error) string {
	var b strings.Builder
	b.WriteString("nettutor: " + err.Error() + "\n")
	var se *Error
	if errors.As(err, &se) && strings.HasPrefix(se.Step, "mount /proc") {
		// A container's /proc with paths masked over it: the kernel lets
		// no new namespace mount a proc of its own (nettutor preflight).
		b.WriteString("  cause: this /proc has paths masked over it (a container's default), so no new namespace may mount its own\n")
		b.WriteString("  remedy: Kubernetes: securityContext.procMount: Unmasked with hostUsers: false; podman: --security-opt unmask=ALL; docker: --security-opt systempaths=unconfined\n")
		return b.String()
	}
	if os.Geteuid() == 0 {
		b.WriteString("  cause: the kernel refused new namespaces even to root (a container without CAP_SYS_ADMIN?)\n")
		b.WriteString("  remedy: run nettutor on a Linux host or VM, or in a container started with --privileged\n")
		return b.String()
	}
	cause := "unprivileged user namespaces are not allowed on this machine"
	fix := "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (or an AppArmor profile granting 'userns,' to nettutor)"
	if v := readSysctl("kernel/apparmor_restrict_unprivileged_userns"); v == "1" {
		cause = "AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1)"
	} else if v := readSysctl("kernel/unprivileged_userns_clone"); v == "0" {
		cause = "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone=0)"
		fix = "sudo sysctl -w kernel.unprivileged_userns_clone=1"
	} else if v := readSysctl("user/max_user_namespaces"); v == "0" {
		cause = "user namespaces are disabled (user.max_user_namespaces=0)"
		fix = "sudo sysctl -w user.max_user_namespaces=15000"
	}
	b.WriteString("  cause: " + cause + "\n")
	b.WriteString("  remedy 1: run nettutor as root (sudo nettutor ...)\n")
	b.WriteString("  remedy 2: allow user namespaces: " + fix + "\n")
	return b.String()
}

func readSysctl(name string) string {
	b, err := os.ReadFile("/proc/sys/" + name)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// Enter puts the process in a sandbox. In the parent it re-executes the
// binary with the same arguments inside new namespaces, waits for it and
// exits with its status; it never returns there. In the child it finishes
// the set-up (private mounts, /run, /proc) and returns nil. It returns an
// *Error when no sandbox can be made; nothing has been changed then.
func Enter() error {
	if inside {
		return nil
	}
	if os.Getenv(EnvMarker) == "1" {
		// Processes the lab starts (shells, answers, a nested nettutor) must
		// not take themselves for this child.
		rootless = os.Getenv(EnvMarker+"_ROOTLESS") == "1"
		if n, err := strconv.Atoi(os.Getenv(EnvMarker + "_SUBIDS")); err == nil {
			subIDs = n
		}
		os.Unsetenv(EnvMarker)
		os.Unsetenv(EnvMarker + "_ROOTLESS")
		os.Unsetenv(EnvMarker + "_SUBIDS")
		if err := setupChild(); err != nil {
			// The parent got the reason through the handshake pipe and
			// explains it; the child only stops.
			os.Exit(ExitUnavailable)
		}
		inside = true
		// Nothing the invoker left open reaches what the lab runs; the
		// report pipe is marked close-on-exec by ReportFile.
		CloseOnExecFrom(reportFD + 1)
		ReportFile()
		handleStops()
		return nil
	}
	code, err := runParent()
	if err != nil {
		return err
	}
	os.Exit(code)
	return nil
}

// EnvReportFD names the file descriptor on which a grader child writes its
// report (see ReportFile).
const EnvReportFD = "NETTUTOR_REPORT_FD"

// reportFD is where the report pipe sits in the sandbox child: after the
// handshake pipes.
const reportFD = 5

// inheritedReport returns the report pipe this process was given, if any.
func inheritedReport() *os.File {
	n, err := strconv.Atoi(os.Getenv(EnvReportFD))
	if err != nil || n < 3 {
		return nil
	}
	var st unix.Stat_t
	if unix.Fstat(n, &st) != nil {
		return nil
	}
	return os.NewFile(uintptr(n), "report")
}

var reportFile *os.File

// ReportFile returns the pipe on which a grader child reports to the
// process that started it (a class run), or nil when it was given none. The
// fd is close-on-exec, so nothing the lab runs inherits it: the report is
// out of an answer's reach. Inside the sandbox it is the fd the parent
// carried across the re-exec.
func ReportFile() *os.File {
	if reportFile == nil {
		if f := inheritedReport(); f != nil {
			unix.CloseOnExec(int(f.Fd()))
			os.Unsetenv(EnvReportFD)
			reportFile = f
		}
	}
	return reportFile
}

// handshakeFD is the child's end of the pipe on which it reports set-up;
// goFD the pipe on which it waits until its uid map is written.
const (
	handshakeFD = 3
	goFD        = 4
)

func runParent() (int, error) {
	if os.Geteuid() != 0 {
		if r, ok := lookupSubIDs(); ok {
			code, err := startAndWait(&r)
			if !errors.Is(err, errSubIDMap) {
				return code, err
			}
			// newuidmap refused: fall back to mapping only our own uid.
		}
	}
	return startAndWait(nil)
}

// errSubIDMap says newuidmap/newgidmap could not map the subordinate range.
var errSubIDMap = errors.New("newuidmap/newgidmap failed")

// subRange is a user's subordinate uid and gid ranges from /etc/subuid and
// /etc/subgid.
type subRange struct {
	uid, gid, count int
}

// lookupSubIDs finds the user's subordinate ranges, if both files grant one
// and newuidmap and newgidmap are installed.
func lookupSubIDs() (subRange, bool) {
	if _, err := exec.LookPath("newuidmap"); err != nil {
		return subRange{}, false
	}
	if _, err := exec.LookPath("newgidmap"); err != nil {
		return subRange{}, false
	}
	names := []string{strconv.Itoa(os.Getuid())}
	if u, err := user.Current(); err == nil {
		names = append(names, u.Username)
	}
	uid, uc, ok1 := findSubID("/etc/subuid", names)
	gid, gc, ok2 := findSubID("/etc/subgid", names)
	if !ok1 || !ok2 {
		return subRange{}, false
	}
	return subRange{uid, gid, min(uc, gc, 65536)}, true
}

func findSubID(file string, names []string) (start, count int, ok bool) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(strings.TrimSpace(line), ":")
		if len(f) != 3 {
			continue
		}
		for _, n := range names {
			if f[0] != n {
				continue
			}
			s, err1 := strconv.Atoi(f[1])
			c, err2 := strconv.Atoi(f[2])
			if err1 == nil && err2 == nil && c > 0 {
				return s, c, true
			}
		}
	}
	return 0, 0, false
}

// startAndWait starts the sandbox child and waits for it. With sub, the
// child's user namespace maps 0 to the user and 1..count to the subordinate
// range, written by newuidmap/newgidmap while the child waits on a pipe.
func startAndWait(sub *subRange) (int, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return 0, &Error{"create handshake pipe", err}
	}
	defer r.Close()
	goR, goW, err := os.Pipe()
	if err != nil {
		w.Close()
		return 0, &Error{"create handshake pipe", err}
	}
	defer goW.Close()
	cmd := exec.Command("/proc/self/exe", os.Args[1:]...)
	cmd.Args[0] = os.Args[0]
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{w, goR}
	cmd.Env = append(os.Environ(), EnvMarker+"=1")
	if f := inheritedReport(); f != nil {
		// The grader's report pipe goes on to the child as reportFD, and
		// to nothing else this process starts (newuidmap, say).
		unix.CloseOnExec(int(f.Fd()))
		cmd.ExtraFiles = append(cmd.ExtraFiles, f)
		cmd.Env = append(cmd.Env, fmt.Sprintf("%s=%d", EnvReportFD, reportFD))
	}
	flags := unix.CLONE_NEWNS | unix.CLONE_NEWNET | unix.CLONE_NEWPID | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC
	attr := &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if os.Geteuid() != 0 {
		flags |= unix.CLONE_NEWUSER
		if sub == nil {
			attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Geteuid(), Size: 1}}
			attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getegid(), Size: 1}}
			attr.GidMappingsEnableSetgroups = false
		} else {
			cmd.Env = append(cmd.Env, fmt.Sprintf("%s_SUBIDS=%d", EnvMarker, sub.count))
		}
		cmd.Env = append(cmd.Env, EnvMarker+"_ROOTLESS=1")
	}
	attr.Cloneflags = uintptr(flags)
	if fg, err := unix.IoctlGetInt(0, unix.TIOCGPGRP); err == nil && fg == unix.Getpgrp() {
		// On a terminal where we are the foreground, the child gets a
		// process group of its own and the foreground (never taken from a
		// shell that started us in the background): inside its PID namespace the parent's group is
		// invisible, so without this a shell it starts (tea.ExecProcess)
		// could not give the terminal back when it exits, and the TUI's
		// next read would fail with EIO.
		attr.Setpgid, attr.Foreground, attr.Ctty = true, true, 0
		defer func() { _ = unix.IoctlSetPointerInt(0, unix.TIOCSPGRP, unix.Getpgrp()) }()
	}
	cmd.SysProcAttr = attr

	// Pdeathsig fires when the creating thread exits, not the process: keep
	// this goroutine on its thread for the child's whole life.
	runtime.LockOSThread()
	// The terminal sends ^C and friends to the whole foreground group; the
	// child decides what they mean, the parent only passes them on. They
	// are caught, not ignored, from before the start: an ignored signal
	// would stay ignored in the child, and in everything it runs.
	fwd := make(chan os.Signal, 4)
	signal.Notify(fwd, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(fwd)
	if err := cmd.Start(); err != nil {
		w.Close()
		goR.Close()
		step := "create namespaces"
		if os.Geteuid() != 0 {
			step = "create user namespace"
		}
		return 0, &Error{step, unwrapExec(err)}
	}
	w.Close()
	goR.Close()
	if sub != nil {
		pid := strconv.Itoa(cmd.Process.Pid)
		uidOut, uerr := exec.Command("newuidmap", pid, "0", strconv.Itoa(os.Getuid()), "1", "1", strconv.Itoa(sub.uid), strconv.Itoa(sub.count)).CombinedOutput()
		gidOut, gerr := exec.Command("newgidmap", pid, "0", strconv.Itoa(os.Getgid()), "1", "1", strconv.Itoa(sub.gid), strconv.Itoa(sub.count)).CombinedOutput()
		if uerr != nil || gerr != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			return 0, fmt.Errorf("%w: %s%s", errSubIDMap, uidOut, gidOut)
		}
	}
	if _, err := goW.Write([]byte{1}); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return 0, &Error{"start sandbox", err}
	}
	goW.Close()
	// The child may leave us in the background when it ends (its own
	// group had the terminal): giving the terminal back must not stop us.
	signal.Ignore(syscall.SIGTTOU, syscall.SIGTTIN, syscall.SIGTSTP)
	go func() {
		for s := range fwd {
			_ = cmd.Process.Signal(s)
		}
	}()
	msg, _ := io.ReadAll(bufio.NewReader(r))
	if s := strings.TrimSpace(string(msg)); s != "ok" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if s == "" {
			s = "the sandbox process exited before it was ready"
		}
		step, detail, _ := strings.Cut(s, ": ")
		return 0, &Error{step, errors.New(detail)}
	}
	err = cmd.Wait()
	signal.Stop(fwd)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), nil
		}
		return ee.ExitCode(), nil
	}
	if err != nil {
		return 0, &Error{"wait for sandbox", err}
	}
	return 0, nil
}

func unwrapExec(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return err
}

// setupChild runs in the re-executed child before anything else.
func setupChild() error {
	if os.Getenv(EnvMarker+"_MAPPED") != "1" {
		// Wait until the parent has written our uid map (or gave up).
		g := os.NewFile(goFD, "go")
		var b [1]byte
		n, _ := g.Read(b[:])
		g.Close()
		if n != 1 {
			os.Exit(ExitUnavailable)
		}
		if subIDs > 0 {
			// The map was written after our exec, so the kernel gave this
			// process no capabilities in its namespace; exec'ing again as
			// the now-mapped uid 0 does.
			os.Setenv(EnvMarker, "1")
			os.Setenv(EnvMarker+"_ROOTLESS", "1")
			os.Setenv(EnvMarker+"_SUBIDS", strconv.Itoa(subIDs))
			os.Setenv(EnvMarker+"_MAPPED", "1")
			err := syscall.Exec("/proc/self/exe", os.Args, os.Environ())
			pipe := os.NewFile(handshakeFD, "handshake")
			fmt.Fprintf(pipe, "re-exec after uid mapping: %v\n", err)
			os.Exit(ExitUnavailable)
		}
	}
	os.Unsetenv(EnvMarker + "_MAPPED")
	pipe := os.NewFile(handshakeFD, "handshake")
	fail := func(step string, err error) error {
		if pipe != nil {
			fmt.Fprintf(pipe, "%s: %v\n", step, err)
			pipe.Close()
		}
		return &Error{step, err}
	}
	// Nothing mounted here may propagate back to the host.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fail("make mounts private", err)
	}
	if !rootless {
		// Before the private /run and the lab's /etc/subuid cover the
		// machine's: what root-run labs must agree on machine-wide.
		keepHostState()
	}
	if err := unix.Mount("tmpfs", "/run", "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755"); err != nil {
		return fail("mount tmpfs on /run", err)
	}
	if err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fail("mount /proc for the lab's PID namespace", err)
	}
	for _, d := range []string{NetnsDir, StateDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fail("create "+d, err)
		}
	}
	// /run/netns as a shared mount point of its own, which is what
	// `ip netns add` makes of it the first time it runs on a machine. Left to
	// a learner's `ip netns add`, that bind would cover the pins already
	// there, and they could no longer be removed.
	if err := unix.Mount(NetnsDir, NetnsDir, "none", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fail("make "+NetnsDir+" a mount point", err)
	}
	if err := unix.Mount("", NetnsDir, "none", unix.MS_SHARED|unix.MS_REC, ""); err != nil {
		return fail("make "+NetnsDir+" shared", err)
	}
	_ = unix.Sethostname([]byte("nettutor-lab"))
	if err := prepareSubIDs(); err != nil {
		return fail("set up /etc/subuid for the lab", err)
	}
	if pipe != nil {
		fmt.Fprintln(pipe, "ok")
		pipe.Close()
	}
	return nil
}

// RunTests enters the sandbox for a package's tests and runs them. Where no
// sandbox can be made it skips the whole package, except under CI=true,
// where that is a failure: privileged tests must really run in CI.
func RunTests(run func() int) {
	if err := Enter(); err != nil {
		fmt.Fprint(os.Stderr, Hint(err))
		if os.Getenv("CI") == "true" {
			fmt.Fprintln(os.Stderr, "FAIL: CI=true and the lab sandbox is unavailable")
			os.Exit(1)
		}
		fmt.Println("SKIP: the lab sandbox is unavailable here; namespace tests skipped")
		os.Exit(0)
	}
	os.Exit(run())
}

// SubIDLines returns what /etc/subuid and /etc/subgid say inside the lab
// about root: as root, the range Docker's userns-remap uses
// (root:165536:65536 and dockremap:165536:65536), so that
// `unshare --user --map-users=165536,0,65536` works through newuidmap; in a
// rootless lab with subordinate ids, the lab's own uids 1..n, which are the
// only ones it can map. Empty when the lab can map nothing but uid 0.
func SubIDLines() string {
	switch {
	case !rootless:
		return "root:165536:65536\ndockremap:165536:65536\n"
	case subIDs > 0:
		return fmt.Sprintf("root:1:%d\n", subIDs)
	}
	return ""
}

// prepareSubIDs gives the lab its own /etc/subuid and /etc/subgid,
// reading exactly SubIDLines, mounted inside the sandbox's private mount
// namespace. The host's /etc is never written.
func prepareSubIDs() error {
	content := SubIDLines()
	if content == "" {
		return nil
	}
	return prepareSubIDsAt("/etc", StateDir+"/subids", content)
}

// prepareSubIDsAt makes etc/subuid and etc/subgid read content. When both
// are regular files each gets a bind mount of a copy kept in state;
// otherwise etc gets an overlay (which would hide a bind mount on one of
// them) whose upper layer lives in state, and both are written into it.
func prepareSubIDsAt(etc, state, content string) error {
	if err := os.MkdirAll(state, 0o755); err != nil {
		return err
	}
	files := []string{etc + "/subuid", etc + "/subgid"}
	bind := true
	for _, f := range files {
		if st, err := os.Lstat(f); err != nil || !st.Mode().IsRegular() {
			bind = false
		}
	}
	if bind {
		for _, f := range files {
			src := state + "/" + f[strings.LastIndexByte(f, '/')+1:]
			if err := os.WriteFile(src, []byte(content), 0o644); err != nil {
				return err
			}
			if err := unix.Mount(src, f, "", unix.MS_BIND, ""); err != nil {
				return fmt.Errorf("bind %s over %s: %w", src, f, err)
			}
		}
		return nil
	}
	up, work := state+"/upper", state+"/work"
	for _, d := range []string{up, work} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := unix.Mount("overlay", etc, "overlay", 0, "lowerdir="+etc+",upperdir="+up+",workdir="+work); err != nil {
		return fmt.Errorf("overlay on %s: %w", etc, err)
	}
	for _, f := range files {
		_ = os.Remove(f) // a dangling link or other oddity, in the upper layer only
		if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
			return fmt.Errorf("write %s in the lab's overlay: %w", f, err)
		}
	}
	return nil
}

// CloseOnExecFrom marks every file descriptor from fd up close-on-exec:
// Go's exec passes on any descriptor that is not, and a descriptor the
// invoker left open (a shell's `exec 7<dir`, a CI runner's) would give a
// lab program a way around its root — a directory fd is a way out of a
// pivot_root.
func CloseOnExecFrom(fd int) {
	if unix.CloseRange(uint(fd), ^uint(0), unix.CLOSE_RANGE_CLOEXEC) == nil {
		return
	}
	ents, _ := os.ReadDir("/proc/self/fd")
	for _, e := range ents {
		if n, err := strconv.Atoi(e.Name()); err == nil && n >= fd {
			unix.CloseOnExec(n)
		}
	}
}
