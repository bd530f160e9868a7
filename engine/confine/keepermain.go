package confine

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"

	"github.com/nettutor/nettutor/engine/reexec"
	"github.com/nettutor/nettutor/engine/sandbox"
	"golang.org/x/sys/unix"
)

// Hook names: the argv[0] under which the binary runs each part.
const (
	keeperHook = "nettutor-keeper"
	helperHook = "nettutor-confine"
	spawnHook  = "nettutor-spawn"
)

func init() {
	reexec.Register(keeperHook, keeperMain)
	reexec.Register(helperHook, helperMain)
	reexec.Register(spawnHook, spawnMain)
}

// keeperMain runs as root of the lab's user namespace and init of its PID
// namespace. fd 3 is the listening socket, fd 4 the ready pipe; as root,
// fd 5 is the lock of the lab's host id range, which it only holds (see
// reserveRange).
func keeperMain() {
	fs := flag.NewFlagSet(keeperHook, flag.ContinueOnError)
	root := fs.String("root", RootDir, "the lab root to pivot into")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	sandbox.CloseOnExecFrom(5) // nothing the keeper starts inherits what it did
	unix.CloseOnExec(3)
	unix.CloseOnExec(4)
	ready := os.NewFile(4, "ready")
	if err := keeperSetup(*root); err != nil {
		fmt.Fprintf(ready, "%v\n", err)
		os.Exit(1)
	}
	ln, err := net.FileListener(os.NewFile(3, "listener"))
	if err != nil {
		fmt.Fprintf(ready, "keeper socket: %v\n", err)
		os.Exit(1)
	}
	fmt.Fprintln(ready, "ok")
	ready.Close()
	k := &keeperState{}
	for {
		c, err := ln.Accept()
		if err != nil {
			os.Exit(1)
		}
		go k.serve(c.(*net.UnixConn))
	}
}

// keeperSetup builds the keeper's mount namespace and pivots into the lab
// root. Each step, and why:
func keeperSetup(root string) error {
	steps := []struct {
		what string
		fn   func() error
	}{
		// Nothing mounted from here on may reach the engine's namespace.
		{"make mounts private", func() error { return unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, "") }},
		// The root the engine built arrives locked (so its read-only binds
		// stay read-only); pivot_root refuses a locked new root, so take a
		// recursive bind of it, whose top is ours.
		{"bind the lab root", func() error { return unix.Mount(root, root, "", unix.MS_BIND|unix.MS_REC, "") }},
		// The keeper's own /proc, of the lab's PID namespace: it needs
		// /proc/self/fd to pin namespaces and /proc/self/exe to start
		// helpers. Every helper unmounts it and mounts its own.
		{"mount /proc", func() error {
			return unix.Mount("proc", root+"/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "")
		}},
		// A sysfs for the lab root. A user namespace may mount sysfs (and
		// proc) only where one is already fully visible, and after the pivot
		// the engine's is gone: this one lets every helper mount the sysfs
		// of its own network namespace on top of it. It shows the keeper's
		// own, empty, network namespace. Read-write: a read-only sysfs here
		// would oblige every later one to be read-only too, and `ip netns
		// exec` mounts its own read-write (writes need the namespace's own
		// capabilities all the same).
		{"mount /sys", func() error {
			return mountSysfs(root + "/sys")
		}},
		// Writable places, private to the lab, bounded in size.
		{"mount the lab's tmpfs", func() error { return mountScratch(root) }},
		{"set the hostname", func() error { return unix.Sethostname([]byte("nettutor-lab")) }},
		// pivot_root(".", "."): the old root ends up stacked on the new one
		// and is detached at once, so no host path stays reachable.
		{"pivot_root into the lab root", func() error {
			if err := unix.Chdir(root); err != nil {
				return err
			}
			if err := unix.PivotRoot(".", "."); err != nil {
				return err
			}
			if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
				return err
			}
			return unix.Chdir("/")
		}},
		// Nothing of the lab may ptrace the keeper or read its memory.
		{"make the keeper non-dumpable", func() error { return unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0) }},
	}
	for _, s := range steps {
		if err := s.fn(); err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
	}
	return nil
}

// mountScratch mounts the lab's writable folders and /run/netns, a shared
// mount point: `ip netns add` in any lab program then shows in the keeper's
// view (where the engine reads it) and in every other program's.
func mountScratch(root string) error {
	type mnt struct {
		dir, fstype, opts string
		flags             uintptr
	}
	const ns = unix.MS_NOSUID | unix.MS_NODEV
	for _, m := range []mnt{
		{"tmp", "tmpfs", "mode=1777,size=64m", ns},
		{"root", "tmpfs", "mode=0700,size=16m", ns},
		{"home", "tmpfs", "mode=0755,size=16m", ns},
		{"run", "tmpfs", "mode=0755,size=16m", ns},
		{"var", "tmpfs", "mode=0755,size=16m", ns},
		{"dev/shm", "tmpfs", "mode=1777,size=16m", ns | unix.MS_NOEXEC},
		{"dev/pts", "devpts", "newinstance,ptmxmode=0666,mode=0620", unix.MS_NOSUID | unix.MS_NOEXEC},
	} {
		if err := unix.Mount(m.fstype, filepath.Join(root, m.dir), m.fstype, m.flags, m.opts); err != nil {
			return fmt.Errorf("%s on /%s: %w", m.fstype, m.dir, err)
		}
	}
	for _, d := range []string{"run/netns", "run/nettutor/work", "run/lock", "var/lib", "var/log", "var/cache"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return err
		}
	}
	if err := os.Mkdir(filepath.Join(root, "var/tmp"), 0o1777); err != nil {
		return err
	}
	_ = os.Chmod(filepath.Join(root, "var/tmp"), 0o1777)
	for name, to := range map[string]string{"var/run": "/run", "var/lock": "/run/lock"} {
		if err := os.Symlink(to, filepath.Join(root, name)); err != nil {
			return err
		}
	}
	nsDir := filepath.Join(root, "run/netns")
	if err := unix.Mount(nsDir, nsDir, "", unix.MS_BIND, ""); err != nil {
		return err
	}
	return unix.Mount("", nsDir, "", unix.MS_SHARED, "")
}

// keeperState tracks the helpers the keeper started.
type keeperState struct {
	mu    sync.Mutex
	ready *net.UnixConn // a started helper waiting for its program
	// readyPid and readyGen are the ready helper's pid and the host pin
	// generation it was started in (helperkeep.go: it outlives a reset).
	readyPid int
	readyGen uint64
	gen      uint64                // host namespaces pinned so far
	helpers  map[int]chan struct{} // running helpers: closed when reaped
	// handoff orders handing the ready helper a program (read side)
	// against a reset (write side), which spares a helper no one took.
	handoff sync.RWMutex
}

// serve answers the requests on one connection until it closes: the
// engine keeps one open for its requests. A spawn is the only request on a
// connection of its own, which goes to the program's helper.
func (k *keeperState) serve(c *net.UnixConn) {
	defer c.Close()
	for k.serveOne(c) {
	}
}

// serveOne answers one request; false when the connection is done.
func (k *keeperState) serveOne(c *net.UnixConn) bool {
	var req request
	files, err := recvMsg(c, &req)
	if err != nil {
		return false
	}
	defer closeAll(files)
	answer := func(err error, fds ...int) {
		r := reply{}
		if err != nil {
			r.Err = err.Error()
		}
		_ = sendMsg(c, r, fds...)
	}
	switch req.Op {
	case "netns":
		f, err := newNetns()
		if err != nil {
			answer(err)
			return true
		}
		if req.Path != "" {
			// Made and pinned in one request: a lab build makes several.
			if err := pin(f, req.Path); err != nil {
				f.Close()
				answer(err)
				return true
			}
			k.pinned(req.Path)
		}
		answer(nil, int(f.Fd()))
		f.Close()
	case "pin":
		if len(files) != 1 {
			answer(fmt.Errorf("pin: want one namespace fd, got %d", len(files)))
			return true
		}
		err := pin(files[0], req.Path)
		if err == nil {
			k.pinned(req.Path)
		}
		answer(err)
	case "unpin":
		answer(unpin(req.Path))
	case "unpinall":
		ents, _ := os.ReadDir(LabNetnsDir)
		var first error
		for _, e := range ents {
			if err := unpin(filepath.Join(LabNetnsDir, e.Name())); err != nil && first == nil {
				first = err
			}
		}
		if err := unpin(LabHostPin); err != nil && first == nil {
			first = err
		}
		answer(first)
	case "killall":
		answer(k.killAll())
	case "spawn":
		if req.Spawn == nil || len(files) != 3 {
			answer(fmt.Errorf("spawn: want a spec and 3 standard streams"))
			return false
		}
		if err := k.spawn(c, req.Spawn, files); err != nil {
			answer(err)
		}
		return false // the connection is the helper's now
	default:
		answer(fmt.Errorf("unknown request %q", req.Op))
	}
	return true
}

// newNetns makes a network namespace on a thread of its own and returns
// it. The thread goes back to the keeper's namespace before it is given
// back to the runtime. Leaving it locked to end with its goroutine is not
// enough: the runtime cannot end the main thread, and a goroutine that ran
// there would wedge it in the new namespace for good, so that namespace,
// with its links, outlived `ip netns del` (seen as a veth end that never
// went away). Only when the way back fails does the thread stay locked.
func newNetns() (*os.File, error) {
	type result struct {
		f   *os.File
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			done <- result{nil, fmt.Errorf("open own netns: %w", err)}
			return
		}
		defer orig.Close()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			done <- result{nil, fmt.Errorf("unshare net: %w", err)}
			return
		}
		f, err := os.Open("/proc/thread-self/ns/net")
		if serr := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); serr != nil {
			if f != nil {
				f.Close()
			}
			done <- result{nil, fmt.Errorf("setns back: %w", serr)}
			return // the thread stays locked and dies with this goroutine
		}
		runtime.UnlockOSThread()
		done <- result{f, err}
	}()
	r := <-done
	return r.f, r.err
}

// checkPinPath keeps pins to the places `ip netns` and the engine use.
func checkPinPath(p string) error {
	clean := filepath.Clean(p)
	if clean != p || (filepath.Dir(p) != LabNetnsDir && p != LabHostPin) || strings.HasPrefix(filepath.Base(p), ".") {
		return fmt.Errorf("pin: %q is not a namespace path of the lab", p)
	}
	return nil
}

func pin(ns *os.File, p string) error {
	if err := checkPinPath(p); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return fmt.Errorf("create netns file %s: %w", p, err)
	}
	f.Close()
	if err := unix.Mount(fmt.Sprintf("/proc/self/fd/%d", ns.Fd()), p, "none", unix.MS_BIND, ""); err != nil {
		_ = os.Remove(p)
		return fmt.Errorf("pin netns at %s: %w", p, err)
	}
	return nil
}

func unpin(p string) error {
	if err := checkPinPath(p); err != nil {
		return err
	}
	if err := unix.Unmount(p, unix.MNT_DETACH); err != nil && err != unix.EINVAL && err != unix.ENOENT {
		return fmt.Errorf("unmount %s: %w", p, err)
	}
	if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("remove %s: %w", p, err)
	}
	return nil
}

// spawn hands spec, the client's connection and its streams to a helper
// started ahead of time (see readyHelper), and starts the next one; the
// helper answers the client itself.
func (k *keeperState) spawn(c *net.UnixConn, spec *Spec, stdio []*os.File) error {
	conn, err := c.File()
	if err != nil {
		return err
	}
	defer conn.Close()
	fds := []int{int(conn.Fd()), int(stdio[0].Fd()), int(stdio[1].Fd()), int(stdio[2].Fd())}
	// Not while a reset runs: the helper it spares must still be idle.
	k.handoff.RLock()
	defer k.handoff.RUnlock()
	// A helper that died under us (killed with the lab): take another.
	for try := 0; try < 3; try++ {
		h, stale, err := k.takeHelper()
		if err != nil {
			return err
		}
		hfds := fds
		if stale {
			// Started before the host namespace was pinned (a reset's
			// new one, helperkeep.go): it gets it as the keeper sees it.
			host, err := os.Open(LabHostPin)
			if err != nil {
				h.Close() // no host pin to give: it exits, another starts
				continue
			}
			hfds = append(fds[:4:4], int(host.Fd()))
			defer host.Close()
		}
		err = sendMsg(h, spec, hfds...)
		h.Close()
		if err == nil {
			return nil
		}
	}
	return errors.New("start helper: no helper took the program")
}

// takeHelper returns the ready helper's socket (and starts the next one in
// the background), or starts one now when none is ready; stale says the
// helper was started before the host namespace was last pinned.
func (k *keeperState) takeHelper() (h *net.UnixConn, stale bool, err error) {
	k.mu.Lock()
	h, stale = k.ready, k.readyGen != k.gen
	k.ready, k.readyPid = nil, 0
	k.mu.Unlock()
	go func() {
		k.mu.Lock()
		gen := k.gen
		k.mu.Unlock()
		next, pid, err := k.startHelper()
		if err != nil {
			return
		}
		k.mu.Lock()
		defer k.mu.Unlock()
		if k.ready == nil {
			k.ready, k.readyPid, k.readyGen = next, pid, gen
		} else {
			next.Close() // its helper sees EOF and exits
		}
	}()
	if h != nil {
		return h, stale, nil
	}
	h, _, err = k.startHelper()
	return h, false, err
}

// startHelper starts a helper, which prepares what does not depend on the
// program (its namespaces, /proc, no_new_privs, capabilities, seccomp) and
// then waits on fd 3 for the spec: a helper's start, a whole Go process,
// is then paid while the lab is idle, not while the learner waits.
func (k *keeperState) startHelper() (*net.UnixConn, int, error) {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, 0, err
	}
	mine, theirs := os.NewFile(uintptr(pair[0]), "helper"), os.NewFile(uintptr(pair[1]), "helper")
	defer theirs.Close()
	cmd := exec.Command("/proc/self/exe")
	cmd.Args[0] = helperHook
	cmd.ExtraFiles = []*os.File{theirs}
	// TERM=dumb: see EnvTerm. One P: a helper only waits (for its spec,
	// then on its program), and each P the runtime sets up at start is CPU
	// every lab program pays for (2-4 ms a start on a busy 2-core machine).
	cmd.Env = []string{"TERM=dumb", "GOMAXPROCS=1"}
	// New mount and PID namespaces per spawn: the program sees only its
	// own processes and gets its own /proc and /sys. No Pdeathsig: it
	// follows the starting thread, which may be one that newNetns ends;
	// the helpers die with the keeper anyway, as their PID namespace's
	// ancestor init.
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: unix.CLONE_NEWNS | unix.CLONE_NEWPID}
	if err := cmd.Start(); err != nil {
		mine.Close()
		return nil, 0, fmt.Errorf("start helper: %w", err)
	}
	reaped := k.track(cmd.Process.Pid)
	go func() {
		_ = cmd.Wait()
		close(reaped)
	}()
	fc, err := net.FileConn(mine)
	mine.Close()
	if err != nil {
		return nil, 0, err
	}
	return fc.(*net.UnixConn), cmd.Process.Pid, nil
}
