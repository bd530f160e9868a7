package lessons

// The `contained` check: a process the learner's launcher starts, looked at
// from the lab host while it runs. An answer's processes are all gone when
// the checks run (RunAnswer), so a check that needs a live container starts
// one itself: it runs the launcher the answer wrote, as `docker run` would
// run an image, with a sleep of its own choosing as the command, and reads
// that sleep's namespaces through /proc and netlink. Nothing the process
// prints is believed; only what the kernel reports about it.

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

// containedStart is how long the launcher has to start its command.
const containedStart = 5 * time.Second

// containedNS are the namespaces a contained check may look at.
var containedNS = []string{"uts", "pid", "net", "mnt"}

// launched is one run of the learner's launcher: the process it started
// (cmd) and a sibling started beside the launcher on the lab host (ref),
// the lab host's view to compare with. Both are pids as the engine sees them.
type launched struct {
	cmd, ref int
	stop     func()
}

// sleepArg is a sleep(1) argument nobody else uses: a day and a random
// fraction, so that the processes can be told apart in /proc.
func sleepArg() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("86400.%09d", binary.LittleEndian.Uint32(b[:])%1000000000)
}

// launch runs `bash PATH sleep ARG` in the lab host namespace, confined as
// an answer is, with `sleep REF` beside it, and waits until both sleeps
// show in /proc. When they do not, it returns the cause and the detail
// for the learner.
func (c *checker) launch(path, shown string) (*launched, string, string) {
	if _, err := c.lab.Keeper().Lstat(path); err != nil {
		return nil, CauseNoLauncher, assets.C("fault.contained.no_launcher", "path", shown)
	}
	arg, ref := sleepArg(), sleepArg()
	script := `sleep "$1" & exec bash "$2" sleep "$3"`
	env := append(os.Environ(), "NETTUTOR_NS="+engine.HostNS, "EXERCISE_DIR="+c.env.ExerciseDir)
	spec := confine.Spec{Net: c.lab.LabPath(engine.HostNS), Argv: []string{"bash", "-c", script, "launch", ref, path, arg}, Env: env}
	ctx, cancel := context.WithCancel(c.ctx)
	done := make(chan error, 1)
	out := &capBuffer{max: 4096}
	go func() {
		_, err := c.lab.Keeper().Run(ctx, spec, nil, out, out)
		done <- err
	}()
	stop := func() { cancel(); <-done }
	deadline := time.Now().Add(containedStart)
	for {
		cmd, rp := findSleep(arg), findSleep(ref)
		if cmd > 0 && rp > 0 {
			return &launched{cmd: cmd, ref: rp, stop: stop}, "", ""
		}
		select {
		case <-done:
			cancel()
			o, _ := out.String()
			o = strings.TrimSpace(o)
			if o == "" {
				o = "-"
			}
			return nil, CauseLauncherEnded, assets.C("fault.contained.ended", "path", shown, "out", clip(o, 160))
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return nil, CauseLauncherSilent, assets.C("fault.contained.not_started", "path", shown, "arg", arg, "wait", containedStart.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// findSleep is the pid of the process whose command line is `sleep arg`,
// or 0.
func findSleep(arg string) int {
	want := "sleep\x00" + arg + "\x00"
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && string(b) == want {
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
//   - mnt: a root directory other than the lab host's (pivot_root or chroot).
func (c *checker) contained(g AssertArgs) string {
	path := os.Expand(g.Path, func(k string) string {
		if k == "EXERCISE_DIR" && c.env.ExerciseDir != "" {
			return c.env.ExerciseDir
		}
		return os.Getenv(k)
	})
	l, cause, fault := c.launch(path, g.Path)
	if fault != "" {
		launchCauses.Store(c, cause)
		return fault
	}
	defer l.stop()
	kind := g.NS
	if kind == "mnt" {
		return c.ownRoot(l)
	}
	mine, err1 := nsID(l.cmd, kind)
	host, err2 := nsID(l.ref, kind)
	if err := errors.Join(err1, err2); err != nil {
		return assets.C("fault.contained.read", "err", err.Error())
	}
	if mine == host {
		return assets.C("fault.contained.host_ns", "kind", kind, "id", mine)
	}
	switch kind {
	case "uts":
		hn, err := hostnameOf(l.cmd)
		hh, err2 := hostnameOf(l.ref)
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
			return assets.C("fault.contained.extra_links", "links", strings.Join(other, ", "))
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
	var a, b, n unix.Stat_t
	err1 := unix.Stat(fmt.Sprintf("/proc/%d/root/", l.cmd), &a)
	err2 := unix.Stat(fmt.Sprintf("/proc/%d/root/", l.ref), &b)
	if err := errors.Join(err1, err2); err != nil {
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
