package lessons

// The `contained` check: a process the learner's launcher starts, looked at
// from the lab host while it runs. An answer's processes are all gone when
// the checks run (RunAnswer), so a check that needs a live container starts
// one itself: it runs the launcher the answer wrote, as `docker run` would
// run an image, with a sleep of its own choosing as the command, and reads
// that sleep's namespaces through /proc and netlink. Nothing the process
// prints is believed; only what the kernel reports about it. The lab host
// it is compared with is read before the launcher runs, and the sleep
// counts only if it descends from the launcher (issue 19).

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/confine"
)

// Causes of a failed contained check that no namespace explains (see
// Causes): the hint then speaks of the launcher, not of one namespace.
const (
	CauseNoLauncher     = "no-launcher"     // {path}: no launcher was written there
	CauseLauncherEnded  = "launcher-ended"  // {path}: the launcher or its command ended before it could be read
	CauseLauncherSilent = "launcher-silent" // {path}: the launcher never started the command it was given
)

func init() { Causes = append(Causes, CauseNoLauncher, CauseLauncherEnded, CauseLauncherSilent) }

// launchCauses holds, per checker, the cause its contained check found
// before any namespace could be read; pickHint takes it (containedCause).
var launchCauses sync.Map

// containedCause is the cause of a failed contained check for the hint,
// "" when a namespace is at fault (the check's own hint says which).
func containedCause(c *checker, g AssertArgs, v vars) string {
	v["path"] = g.Path
	cause, _ := launchCauses.LoadAndDelete(c)
	s, _ := cause.(string)
	return s
}

// containedStart is how long the launcher has to start its command. It is
// a deadline, not a wait (an honest launcher is seen within milliseconds):
// a class run grading answers side by side on two cores, or CI, can take
// seconds to start unshare, a shell and the command, and a launcher that
// was only slow must not fail as silent.
const containedStart = 15 * time.Second

// containedNS are the namespaces a contained check may look at.
var containedNS = []string{"uts", "pid", "net", "mnt", "user"}

// launched is one run of the learner's launcher: the process it started
// (cmd, a pid as the engine sees it) and the lab host it is compared with
// (host), read before the launcher ran.
type launched struct {
	cmd  int
	arg  string // the sleep's argument
	host *hostView
	stop func()
}

// hostView is the lab host as a program of the lab sees it, the reference
// of a contained check. It is read while the launcher's spawn holds only
// the grader's own shell, stopped before it runs the launcher: nothing of
// the answer runs yet, and the launcher never sees a reference process it
// could kill or replace (issue 19). UTS, user and / are the keeper's, the
// network namespace the one it pinned as the lab host, and the PID
// namespace the spawn's, read from the stopped shell.
type hostView struct {
	launcher int               // the grader's shell, which becomes the launcher (exec)
	init     int               // the init of the spawn's PID namespace, or 0
	ns       map[string]string // kind -> "uts:[4026531838]"
	uts      *os.File          // the lab host's UTS namespace, held for its hostname
	root     unix.Stat_t       // the lab host's /
}

func (h *hostView) close() {
	if h != nil && h.uts != nil {
		h.uts.Close()
	}
}

// sleepArg is a sleep(1) argument nobody else uses: a day and a random
// fraction, so that the processes can be told apart in /proc.
func sleepArg() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("86400.%09d", binary.LittleEndian.Uint32(b[:])%1000000000)
}

// launchScript is the grader's shell in the launcher's spawn: it waits for
// a line on stdin (the grader reads the lab host meanwhile), then becomes
// the launcher, `bash PATH CMD...`.
const launchScript = `read -r _ || exit 1; exec /bin/bash "$0" "$@" </dev/null`

// launch runs `bash PATH CMD...` in the lab host namespace, confined as an
// answer is, and waits until a process that descends from it runs `sleep
// arg` (cmd must end in that). When none does, it returns the cause and
// the detail for the learner.
func (c *checker) launch(path, shown, arg string, cmd []string) (*launched, string, string) {
	if _, err := c.lab.Keeper().Lstat(path); err != nil {
		return nil, CauseNoLauncher, assets.C("fault.contained.no_launcher", "path", shown)
	}
	// /bin/bash, not bash: a PATH the lab inherits may hold a folder the
	// answer can write to (/root/bin), and this shell is read as the lab
	// host before anything of the answer runs.
	argv := append([]string{"/bin/bash", "-c", launchScript, path}, cmd...)
	env := append(os.Environ(), "NETTUTOR_NS="+engine.HostNS, "EXERCISE_DIR="+c.env.ExerciseDir)
	spec := confine.Spec{Net: c.lab.LabPath(engine.HostNS), Argv: argv, Env: env}
	goR, goW, err := os.Pipe()
	if err != nil {
		return nil, "", assets.C("fault.contained.read", "err", err.Error())
	}
	ctx, cancel := context.WithCancel(c.ctx)
	done := make(chan error, 1)
	out := &capBuffer{max: 4096}
	go func() {
		_, err := c.lab.Keeper().Run(ctx, spec, goR, out, out)
		done <- err
	}()
	var host *hostView
	stop := func() { cancel(); <-done; goR.Close(); goW.Close(); host.close() }
	ended := func() (string, string) {
		cancel()
		goR.Close()
		goW.Close()
		host.close()
		o, _ := out.String()
		o = strings.TrimSpace(o)
		if o == "" {
			o = "-"
		}
		return CauseLauncherEnded, assets.C("fault.contained.ended", "path", shown, "out", clip(o, 160))
	}
	// The grader's shell first, by its whole command line (arg makes it
	// unique), read while it waits.
	shell := strings.Join(argv, "\x00") + "\x00"
	deadline := time.Now().Add(containedStart)
	for host == nil {
		if p := findCmdline(shell, nil); p > 0 {
			if host, err = c.readHost(p); err != nil {
				stop()
				return nil, "", assets.C("fault.contained.read", "err", err.Error())
			}
			break
		}
		select {
		case <-done:
			cause, fault := ended()
			return nil, cause, fault
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return nil, "", assets.C("fault.contained.read", "err", "the grader's shell did not start")
		}
	}
	// Go: the shell becomes the launcher, with stdin at its end.
	_, _ = goW.Write([]byte("\n"))
	goW.Close()
	want := "sleep\x00" + arg + "\x00"
	deadline = time.Now().Add(containedStart)
	for {
		// Only a process the launcher started counts: one planted
		// elsewhere in the lab with the same command line is not it.
		if p := findCmdline(want, host.descends); p > 0 {
			return &launched{cmd: p, arg: arg, host: host, stop: stop}, "", ""
		}
		select {
		case <-done:
			cause, fault := ended()
			return nil, cause, fault
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return nil, CauseLauncherSilent, assets.C("fault.contained.not_started", "path", shown, "arg", arg, "wait", containedStart.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// readHost reads the lab host: the keeper's UTS and user namespaces and
// its / (no lab program can move the keeper or replace them), the network
// namespace the keeper pinned as the lab host, and the PID namespace of
// the launcher's spawn from the grader's waiting shell pid, which must
// share the keeper's UTS and user namespaces.
func (c *checker) readHost(pid int) (*hostView, error) {
	h := &hostView{launcher: pid, ns: map[string]string{}}
	keeper := c.lab.Keeper().Pid()
	for _, kind := range []string{"uts", "user"} {
		id, err := nsID(keeper, kind)
		if err != nil {
			return nil, err
		}
		if mine, err := nsID(pid, kind); err != nil || mine != id {
			return nil, fmt.Errorf("the grader's shell is not in the lab host's %s namespace (%s, %v)", kind, mine, err)
		}
		h.ns[kind] = id
	}
	id, err := nsID(pid, "pid")
	if err != nil {
		return nil, err
	}
	h.ns["pid"] = id
	fd, err := c.lab.NsHandle(engine.HostNS)
	if err != nil {
		return nil, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(fd), &st); err != nil {
		return nil, fmt.Errorf("stat the lab host's network namespace: %w", err)
	}
	h.ns["net"] = fmt.Sprintf("net:[%d]", st.Ino)
	if err := unix.Stat(c.lab.Keeper().Root()+"/", &h.root); err != nil {
		return nil, err
	}
	// The spawn's init: what the launcher leaves behind is reparented to it.
	if pp, err := parentOf(pid); err == nil {
		if n, err := innerPID(pp); err == nil && n == 1 {
			if id, err := nsID(pp, "pid"); err == nil && id == h.ns["pid"] {
				h.init = pp
			}
		}
	}
	if h.uts, err = os.Open(fmt.Sprintf("/proc/%d/ns/uts", keeper)); err != nil {
		return nil, err
	}
	return h, nil
}

// descends says whether pid is the launcher, or a process it started (or
// one left to the spawn's init): walked up the PPid chain.
func (h *hostView) descends(pid int) bool {
	for i := 0; i < 4096 && pid > 0; i++ {
		if pid == h.launcher || (h.init > 0 && pid == h.init) {
			return true
		}
		pp, err := parentOf(pid)
		if err != nil || pp == pid {
			return false
		}
		pid = pp
	}
	return false
}

// parentOf is the PPid of a process, as the engine sees it.
func parentOf(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "PPid:"); ok {
			return strconv.Atoi(strings.TrimSpace(rest))
		}
	}
	return 0, errors.New("no PPid line")
}

// findCmdline is the pid of a process whose command line is want (NUL
// separated) and that ok accepts (nil: any), or 0.
func findCmdline(want string, ok func(int) bool) int {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && string(b) == want && (ok == nil || ok(pid)) {
			return pid
		}
	}
	return 0
}

// nsID is the namespace link of a process: "uts:[4026531838]".
func nsID(pid int, kind string) (string, error) {
	return os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, kind))
}

// contained holds when the process the launcher at g.Path starts has a
// namespace of kind g.NS of its own, used as a container uses it:
//   - uts: a UTS namespace other than the lab host's, with another hostname;
//   - pid: it is PID 1 of a PID namespace other than the lab host's;
//   - net: a network namespace other than the lab host's, whose only link
//     is lo, and lo is up;
//   - mnt: a root directory other than the lab host's (pivot_root or chroot);
//   - user: it runs as a remapped root (remapped, in remap.go).
func (c *checker) contained(g AssertArgs) string {
	path := os.Expand(g.Path, func(k string) string {
		if k == "EXERCISE_DIR" && c.env.ExerciseDir != "" {
			return c.env.ExerciseDir
		}
		return os.Getenv(k)
	})
	arg := sleepArg()
	cmd := []string{"sleep", arg}
	if g.NS == "user" {
		cmd = remapCommand(c.env.ExerciseDir, arg)
	}
	l, cause, fault := c.launch(path, g.Path, arg, cmd)
	if fault != "" {
		launchCauses.Store(c, cause)
		return fault
	}
	defer l.stop()
	kind := g.NS
	switch kind {
	case "mnt":
		return c.ownRoot(l)
	case "user":
		return c.remapped(l, g)
	}
	mine, err := nsID(l.cmd, kind)
	if err != nil {
		return assets.C("fault.contained.read", "err", err.Error())
	}
	if host := l.host.ns[kind]; mine == host {
		return assets.C("fault.contained.host_ns", "kind", kind, "id", mine)
	}
	switch kind {
	case "uts":
		hn, err := hostnameOf(l.cmd)
		hh, err2 := hostnameIn(l.host.uts)
		if err := errors.Join(err, err2); err != nil {
			return assets.C("fault.contained.read", "err", err.Error())
		}
		if hn == hh {
			return assets.C("fault.contained.same_hostname", "name", hn)
		}
	case "pid":
		n, err := innerPID(l.cmd)
		if err != nil {
			return assets.C("fault.contained.read", "err", err.Error())
		}
		if n != 1 {
			return assets.C("fault.contained.not_pid1", "n", strconv.Itoa(n))
		}
	case "net":
		links, err := linksOf(l.cmd)
		if err != nil {
			return assets.C("fault.contained.read", "err", err.Error())
		}
		var other []string
		loUp, loSeen := false, false
		for _, lk := range links {
			a := lk.Attrs()
			if a.Name == "lo" {
				loSeen, loUp = true, a.Flags&unix.IFF_UP != 0
				continue
			}
			other = append(other, a.Name)
		}
		switch {
		case len(other) > 0:
			return assets.C("fault.contained.extra_links", "links", clipList(other, maxListed))
		case !loSeen || !loUp:
			return assets.C("fault.contained.lo_down")
		}
	default:
		return assets.C("fault.unknown_check", "kind", strconv.Quote("contained "+kind))
	}
	return ""
}

// ownRoot holds when the process's root directory is not the lab host's,
// and neither is the root of its mount namespace: a chroot alone leaves
// the lab's / at the top of the namespace, where `chdir("..")` from a
// second chroot leads; pivot_root with the old root unmounted does not.
func (c *checker) ownRoot(l *launched) string {
	var a, n unix.Stat_t
	b := l.host.root
	if err := unix.Stat(fmt.Sprintf("/proc/%d/root/", l.cmd), &a); err != nil {
		return assets.C("fault.contained.read", "err", err.Error())
	}
	if a.Dev == b.Dev && a.Ino == b.Ino {
		return assets.C("fault.contained.host_root")
	}
	if err := nsRootStat(l.cmd, &n); err != nil {
		return assets.C("fault.contained.read", "err", err.Error())
	}
	if n.Dev == b.Dev && n.Ino == b.Ino {
		return assets.C("fault.contained.chroot")
	}
	return ""
}

// nsRootStat stats the root of the process's mount namespace: a locked
// thread leaves the shared file system context (CLONE_FS), joins the
// namespace, which sets its root there, and is thrown away afterwards.
func nsRootStat(pid int, st *unix.Stat_t) error {
	f, err := os.Open(fmt.Sprintf("/proc/%d/ns/mnt", pid))
	if err != nil {
		return err
	}
	defer f.Close()
	done := make(chan error, 1)
	go func() {
		// Never unlocked: the thread's root and mounts are no longer the
		// process's, so it must end with this goroutine.
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			done <- fmt.Errorf("unshare fs: %w", err)
			return
		}
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNS); err != nil {
			done <- fmt.Errorf("setns mnt: %w", err)
			return
		}
		done <- unix.Stat("/", st)
	}()
	return <-done
}

// innerPID is the process's pid in its own (innermost) PID namespace.
func innerPID(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "NSpid:"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				break
			}
			return strconv.Atoi(f[len(f)-1])
		}
	}
	return 0, errors.New("no NSpid line")
}

// hostnameOf reads the hostname of the process's UTS namespace: a locked
// thread joins it for one uname(2) and goes back.
func hostnameOf(pid int) (string, error) {
	target, err := os.Open(fmt.Sprintf("/proc/%d/ns/uts", pid))
	if err != nil {
		return "", err
	}
	defer target.Close()
	return hostnameIn(target)
}

// hostnameIn reads the hostname of the UTS namespace target.
func hostnameIn(target *os.File) (string, error) {
	type result struct {
		name string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		self, err := os.Open("/proc/thread-self/ns/uts")
		if err != nil {
			runtime.UnlockOSThread()
			done <- result{err: err}
			return
		}
		defer self.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWUTS); err != nil {
			runtime.UnlockOSThread()
			done <- result{err: fmt.Errorf("setns uts: %w", err)}
			return
		}
		var u unix.Utsname
		uerr := unix.Uname(&u)
		if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWUTS); err != nil {
			// Stuck in the other namespace: the thread ends with this
			// goroutine, still locked, rather than serve others.
			done <- result{err: fmt.Errorf("setns back: %w", err)}
			return
		}
		runtime.UnlockOSThread()
		done <- result{name: unix.ByteSliceToString(u.Nodename[:]), err: uerr}
	}()
	r := <-done
	return r.name, r.err
}

// linksOf lists the links of the process's network namespace.
func linksOf(pid int) ([]netlink.Link, error) {
	ns, err := netns.GetFromPath(fmt.Sprintf("/proc/%d/ns/net", pid))
	if err != nil {
		return nil, err
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	for i := 0; ; i++ {
		links, err := h.LinkList()
		if errors.Is(err, netlink.ErrDumpInterrupted) && i < 3 {
			continue
		}
		return links, err
	}
}

// describeContained says what a contained check holds, in lang.
func describeContained(g AssertArgs, lang string) string {
	if !contains(containedNS, g.NS) {
		return "contained " + g.NS
	}
	return assets.M(lang, "desc.contained."+g.NS, "path", g.Path)
}
