package confine

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nettutor/nettutor/engine/reexec"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Lab paths the keeper pins namespaces at, as the lab itself sees them.
const (
	LabNetnsDir = "/run/netns"
	LabHostPin  = "/run/nettutor/host"
	LabWorkDir  = "/run/nettutor/work"
)

// Keeper is one lab's keeper process, seen from the engine.
type Keeper struct {
	// Map is the lab's id map, from the engine's point of view.
	Map IDMap

	pid   int
	sock  string
	cg    *cgroup
	ids   *os.File // the lock that reserves the lab's host id range, as root
	ctlMu sync.Mutex
	ctl   *net.UnixConn // the engine's standing connection for requests
	runMu sync.Mutex    // held while a program runs through run
	run   *runner       // the lab's runner (runner.go), once started
	// warming is set while WarmRunner starts the runner: a shown command
	// then waits for it rather than spawning a helper of its own.
	warming atomic.Bool
	exited  chan struct{} // closed when the keeper process is gone
	stop    chan struct{} // closed by Close: lets the starting thread go
	once    sync.Once
	err     error // why the keeper exited, once it has
}

var keeperSeq atomic.Int64

// Start starts a keeper for a new lab: a process in a user namespace of
// its own (see the package doc) that makes the lab's namespaces and spawns
// its programs. It must run inside the sandbox, in the engine.
func Start(lim Limits) (*Keeper, error) {
	if err := lim.Valid(); err != nil {
		return nil, err
	}
	m, ids, err := reserveLabMap()
	if err != nil {
		return nil, fmt.Errorf("lab id range: %w", err)
	}
	ok := false
	defer func() {
		if !ok && ids != nil {
			ids.Close() // the range is free again
		}
	}()
	if err := prepareRoot(m); err != nil {
		return nil, fmt.Errorf("build the lab root: %w", err)
	}
	dir := "/run/nettutor/keeper"
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	k := &Keeper{Map: m, ids: ids, exited: make(chan struct{}), stop: make(chan struct{})}
	k.sock = filepath.Join(dir, strconv.FormatInt(keeperSeq.Add(1), 10)+".sock")
	_ = os.Remove(k.sock)
	ln, err := net.ListenUnix("unixpacket", &net.UnixAddr{Name: k.sock, Net: "unixpacket"})
	if err != nil {
		return nil, fmt.Errorf("keeper socket: %w", err)
	}
	ln.SetUnlinkOnClose(false)
	lnFile, err := ln.File()
	ln.Close()
	if err != nil {
		return nil, err
	}
	defer lnFile.Close()
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer readyR.Close()

	cmd := reexec.Command(keeperHook, "-root", RootDir)
	cmd.ExtraFiles = []*os.File{lnFile, readyW}
	if ids != nil {
		// fd 5 of the keeper, held for its whole life: the range stays
		// reserved until the last lab process is gone, even when the engine
		// dies first (the keeper follows it by Pdeathsig, a moment later).
		cmd.ExtraFiles = append(cmd.ExtraFiles, ids)
	}
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// A user namespace whose root is the unprivileged range, and the
		// namespaces it owns: mounts (a locked copy of ours), network (the
		// keeper's own, unused), PID (the keeper is the lab's init, so its
		// death ends every lab process), UTS and IPC.
		Cloneflags: unix.CLONE_NEWUSER | unix.CLONE_NEWNS | unix.CLONE_NEWNET | unix.CLONE_NEWPID |
			unix.CLONE_NEWUTS | unix.CLONE_NEWIPC,
		UidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: m.Outside, Size: m.Size}},
		GidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: m.Outside, Size: m.Size}},
		GidMappingsEnableSetgroups: setgroupsAllowed(),
		// Become the lab's root: the process that makes a user namespace
		// keeps its own uid, which the map (rightly) does not include.
		// (As root, that uid is the lab's own host root: see startOwnedBy.)
		Credential: &syscall.Credential{Uid: 0, Gid: 0, NoSetGroups: !setgroupsAllowed()},
		Pdeathsig:  syscall.SIGKILL,
		// Its own process group: ^C on the terminal is for the engine to
		// decide on, not a signal to the keeper.
		Setpgid: true,
	}
	if lim.Memory > 0 || lim.Pids > 0 {
		k.cg = newCgroup(lim)
	}
	// Pdeathsig fires when the thread that started the child exits: start
	// it from a thread kept for the keeper's whole life.
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		start := cmd.Start
		if ids != nil {
			// As root: the lab's user namespace is made by its host root,
			// so the kernel's per-user pools of the lab are its own.
			start = func() error { return startOwnedBy(m.Outside, cmd.Start) }
		}
		if err := start(); err != nil {
			started <- err
			return
		}
		started <- nil
		go func() {
			werr := cmd.Wait()
			if werr == nil {
				werr = errors.New("exited")
			}
			k.err = werr
			close(k.exited)
		}()
		<-k.stop
		<-k.exited
		// Returning with the thread still locked ends the thread, not the
		// keeper: it has exited.
	}()
	if err := <-started; err != nil {
		readyW.Close()
		k.cg.remove()
		return nil, fmt.Errorf("start the lab keeper: %w", err)
	}
	readyW.Close()
	k.pid = cmd.Process.Pid
	if k.cg != nil {
		// Before the keeper spawns anything: every lab process is its
		// descendant and so inside the cgroup; the engine stays outside.
		if err := k.cg.add(k.pid); err != nil {
			k.cg.remove()
			k.cg = nil
		}
	}
	msg, _ := io.ReadAll(io.LimitReader(readyR, 4096))
	if s := strings.TrimSpace(string(msg)); s != "ok" {
		k.Close()
		if s == "" {
			s = "the keeper exited while setting up"
			if k.err != nil {
				s += ": " + k.err.Error()
			}
		}
		return nil, fmt.Errorf("lab keeper: %s", s)
	}
	ok = true
	return k, nil
}

// Pid is the keeper's pid in the engine's PID namespace.
func (k *Keeper) Pid() int { return k.pid }

// Root is the lab's "/" as the engine sees it: paths below it are the
// lab's own files (workspaces, pins), reached through the keeper.
func (k *Keeper) Root() string { return "/proc/" + strconv.Itoa(k.pid) + "/root" }

// Path is a lab path as the engine sees it.
func (k *Keeper) Path(labPath string) string { return k.Root() + labPath }

// Cgroup describes the cgroup that limits the lab, or says there is none.
func (k *Keeper) Cgroup() string {
	if k.cg == nil {
		return ""
	}
	return k.cg.String()
}

func (k *Keeper) dial() (*net.UnixConn, error) {
	select {
	case <-k.exited:
		return nil, fmt.Errorf("the lab keeper is gone: %v", k.err)
	default:
	}
	return net.DialUnix("unixpacket", nil, &net.UnixAddr{Name: k.sock, Net: "unixpacket"})
}

// call sends one request on the standing connection (made on first use,
// again after a failure) and waits for the reply and any fds with it.
func (k *Keeper) call(req request, fds ...int) ([]*os.File, error) {
	k.ctlMu.Lock()
	defer k.ctlMu.Unlock()
	if k.ctl == nil {
		c, err := k.dial()
		if err != nil {
			return nil, err
		}
		k.ctl = c
	}
	c := k.ctl
	fail := func(err error) ([]*os.File, error) {
		c.Close()
		k.ctl = nil
		return nil, fmt.Errorf("keeper %s: %w", req.Op, err)
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if err := sendMsg(c, req, fds...); err != nil {
		return fail(err)
	}
	var r reply
	files, err := recvMsg(c, &r)
	if err != nil {
		return fail(err)
	}
	if r.Err != "" {
		closeAll(files)
		return nil, errors.New(r.Err)
	}
	return files, nil
}

// NewNetns makes a network namespace owned by the lab's user namespace and
// returns a handle to it; nothing pins it yet.
func (k *Keeper) NewNetns() (netns.NsHandle, error) { return k.NewPinned("") }

// NewPinned makes a network namespace like NewNetns and pins it at labPath
// (see Pin) in the same request.
func (k *Keeper) NewPinned(labPath string) (netns.NsHandle, error) {
	files, err := k.call(request{Op: "netns", Path: labPath})
	if err != nil {
		return -1, err
	}
	if len(files) != 1 {
		closeAll(files)
		return -1, errors.New("keeper netns: no namespace came back")
	}
	fd, err := unix.Dup(int(files[0].Fd()))
	files[0].Close()
	if err != nil {
		return -1, err
	}
	unix.CloseOnExec(fd)
	return netns.NsHandle(fd), nil
}

// Pin bind-mounts the namespace behind ns at labPath in the lab (as `ip
// netns add` does), where the lab's own `ip netns` sees and may delete it.
func (k *Keeper) Pin(ns netns.NsHandle, labPath string) error {
	_, err := k.call(request{Op: "pin", Path: labPath}, int(ns))
	return err
}

// Unpin removes the pin at labPath.
func (k *Keeper) Unpin(labPath string) error {
	_, err := k.call(request{Op: "unpin", Path: labPath})
	return err
}

// Reset kills every process the lab runs and removes every pin: the lab's
// namespaces are freed by the kernel once nothing holds them.
func (k *Keeper) Reset() error {
	_, err := k.call(request{Op: "killall"})
	// The runner died with the rest; the next shown command starts one
	// in the fresh lab.
	k.runMu.Lock()
	k.closeRunner()
	k.runMu.Unlock()
	if _, err2 := k.call(request{Op: "unpinall"}); err == nil {
		err = err2
	}
	return err
}

// Command returns the command that runs spec confined in the lab: a client
// process of this binary that passes its standard streams to the keeper
// and exits with the program's status (128+n when a signal ended it). When
// the client is killed, the program and everything it started are killed
// too. The environment is the client's (cmd.Env), filtered by the helper.
func (k *Keeper) Command(spec Spec) *exec.Cmd {
	if spec.Limits == (Limits{}) {
		spec.Limits = Current
	}
	b, _ := json.Marshal(spec)
	cmd := reexec.Command(spawnHook, k.sock, string(b))
	cmd.Env = HideTerm(os.Environ())
	return cmd
}

// EnvTerm carries the real TERM past the hook processes (client, helper,
// nsexec): each of them is this binary, whose Bubble Tea init asks the
// terminal for its colours when TERM names one, and would write that query
// to the learner's terminal and take the answer from it. With TERM=dumb
// there they do not; the program gets the real TERM back.
const EnvTerm = "NETTUTOR_TERM"

// HideTerm returns env with TERM moved to EnvTerm and TERM=dumb. EnvTerm
// is set (empty) when env has no TERM, so that restoreTerm knows the dumb
// one is not the program's.
func HideTerm(env []string) []string {
	out := make([]string, 0, len(env)+2)
	real := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "TERM="); ok {
			real = v
			continue
		}
		if strings.HasPrefix(kv, EnvTerm+"=") {
			continue
		}
		out = append(out, kv)
	}
	return append(out, EnvTerm+"="+real, "TERM=dumb")
}

// restoreTerm undoes HideTerm. An env that HideTerm did not hide (no
// EnvTerm) keeps its TERM: the helper gets the spawn client's env, which
// the client restored already, and restoring it again lost TERM (a lab
// shell then had none, and clear failed).
func restoreTerm(env []string) []string {
	real, hidden := "", false
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, EnvTerm+"="); ok {
			real, hidden = v, true
		}
	}
	if !hidden {
		return env
	}
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if strings.HasPrefix(kv, EnvTerm+"=") || strings.HasPrefix(kv, "TERM=") {
			continue
		}
		out = append(out, kv)
	}
	if real != "" {
		out = append(out, "TERM="+real)
	}
	return out
}

// Close ends the keeper: every lab process dies with it (it is their PID
// namespace's init), and every pin and namespace goes with its mount
// namespace. Safe to call more than once.
func (k *Keeper) Close() error {
	k.once.Do(func() {
		if k.pid > 0 {
			_ = unix.Kill(k.pid, unix.SIGKILL)
			select {
			case <-k.exited:
			case <-time.After(5 * time.Second):
			}
		}
		close(k.stop)
		k.runMu.Lock()
		k.closeRunner()
		k.runMu.Unlock()
		k.ctlMu.Lock()
		if k.ctl != nil {
			k.ctl.Close()
			k.ctl = nil
		}
		k.ctlMu.Unlock()
		_ = os.Remove(k.sock)
		k.cg.remove()
		if k.ids != nil {
			// After the keeper's end (or 5 s): its own copy of the lock
			// keeps the range while it lives on.
			k.ids.Close()
		}
	})
	return nil
}

// AsLabRoot runs fn on a thread whose file system ids are the lab's root,
// so that files fn makes in the lab's own tmpfs belong to the lab (the
// kernel refuses to create them for an id the lab does not map). The
// thread's ids are restored after; a thread that could not restore them is
// never given back to the runtime.
func (k *Keeper) AsLabRoot(fn func() error) error {
	id := k.Map.LabToEngine(0)
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		ouid, _, _ := unix.RawSyscall(unix.SYS_SETFSUID, uintptr(id), 0, 0)
		ogid, _, _ := unix.RawSyscall(unix.SYS_SETFSGID, uintptr(id), 0, 0)
		err := fn()
		unix.RawSyscall(unix.SYS_SETFSGID, ogid, 0, 0)
		unix.RawSyscall(unix.SYS_SETFSUID, ouid, 0, 0)
		// setfsuid reports the previous id: asking again tells whether the
		// restore took.
		now, _, _ := unix.RawSyscall(unix.SYS_SETFSUID, ^uintptr(0), 0, 0)
		if now == ouid {
			runtime.UnlockOSThread()
		}
		done <- err
	}()
	return <-done
}

// setgroupsAllowed says whether this process's user namespace lets a child
// namespace allow setgroups(2): not under a rootless sandbox that maps only
// the user, where the kernel denied it for good.
func setgroupsAllowed() bool {
	b, err := os.ReadFile("/proc/self/setgroups")
	return err != nil || strings.TrimSpace(string(b)) != "deny"
}
