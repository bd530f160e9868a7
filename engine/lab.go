// Package engine is the lab: named network namespaces inside the sandbox,
// actions that change them through netlink and nftables, probes, and the
// snapshot that diagrams and checks are drawn from.
package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/google/nftables"
	"github.com/nettutor/nettutor/engine/nsutil"
	"github.com/nettutor/nettutor/engine/sandbox"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// HostNS is the name of the lab host namespace in actions and snapshots.
const HostNS = "host"

// HostPin is where the lab host namespace is pinned inside the sandbox. It is
// outside /run/netns so that `ip netns list` shows only the lesson's
// namespaces, as on a real host.
const HostPin = sandbox.StateDir + "/host"

// Lab is one lab: a host namespace and the named namespaces under /run/netns.
// Its methods are safe for concurrent use.
type Lab struct {
	mu       sync.Mutex
	netnsDir string
	hostPin  string
	ns       map[string]*nsEntry
	closers  []func()
	pool     *nsPool
	sysfs    bool // a sysfs of the host namespace is mounted on /sys
}

type nsEntry struct {
	name string
	path string
	fd   netns.NsHandle
	nl   *netlink.Handle
	dev  uint64 // st_dev/st_ino identify the namespace behind a path
	ino  uint64
	ntc  *nftables.Conn // lasting nftables socket, opened on first use
	fwd  *os.File       // /proc/sys/net/ipv4/ip_forward opened inside the namespace
}

func (e *nsEntry) close() {
	if e.fwd != nil {
		e.fwd.Close()
	}
	if e.ntc != nil {
		_ = e.ntc.CloseLasting()
	}
	if e.nl != nil {
		e.nl.Close()
	}
	if e.fd >= 0 {
		e.fd.Close()
	}
}

// forwardFile returns ip_forward of the namespace, opened once inside it: a
// /proc/sys/net file answers for the namespace it was opened in, so reading
// it again later needs no switch of thread into the namespace.
func (e *nsEntry) forwardFile() *os.File {
	if e.fwd == nil {
		_ = nsutil.Do(e.fd, func() error {
			f, err := os.Open("/proc/sys/net/ipv4/ip_forward")
			e.fwd = f
			return err
		})
	}
	return e.fwd
}

// lastingNft returns the namespace's nftables connection; one socket per
// namespace saves a dial per request on the snapshot's hot path.
func (e *nsEntry) lastingNft() (*nftables.Conn, error) {
	if e.ntc != nil {
		return e.ntc, nil
	}
	c, err := nftables.New(nftables.WithNetNSFd(int(e.fd)), nftables.AsLasting())
	if err != nil {
		return nil, fmt.Errorf("nftables in %s: %w", e.name, err)
	}
	e.ntc = c
	return c, nil
}

// New makes a lab with an empty host namespace (only lo, up). It must run
// inside the sandbox (sandbox.Enter), where /run is private.
func New() (*Lab, error) {
	if !sandbox.Inside() {
		return nil, errors.New("engine.New: not inside the lab sandbox (call sandbox.Enter first)")
	}
	l := &Lab{netnsDir: sandbox.NetnsDir, hostPin: HostPin, ns: map[string]*nsEntry{}}
	if err := l.makeHost(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *Lab) makeHost() error {
	_ = nsutil.Unpin(l.hostPin)
	fd, err := l.newPinned(l.hostPin)
	if err != nil {
		return fmt.Errorf("create lab host namespace: %w", err)
	}
	e, err := openEntry(HostNS, l.hostPin, fd)
	if err != nil {
		fd.Close()
		return err
	}
	l.ns[HostNS] = e
	lo, err := e.nl.LinkByName("lo")
	if err == nil {
		err = e.nl.LinkSetUp(lo)
	}
	if err != nil {
		return fmt.Errorf("bring lo up in the lab host: %w", err)
	}
	l.mountSysfs(fd)
	return nil
}

// mountSysfs mounts a sysfs of the lab host namespace on /sys, inside the
// sandbox's private mount namespace, as `ip netns exec` does for a named
// namespace: /sys/class/net in a lab shell lists the lab's links, and no
// write under it can reach a device of the real machine. Best effort: where
// it cannot be mounted, /sys stays as it was.
func (l *Lab) mountSysfs(host netns.NsHandle) {
	if l.sysfs {
		_ = unix.Unmount("/sys", unix.MNT_DETACH) // the previous host's
		l.sysfs = false
	}
	err := nsutil.Do(host, func() error {
		return unix.Mount("sysfs", "/sys", "sysfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "")
	})
	l.sysfs = err == nil
}

func openEntry(name, path string, fd netns.NsHandle) (*nsEntry, error) {
	h, err := netlink.NewHandleAt(fd)
	if err != nil {
		return nil, fmt.Errorf("netlink handle for %s: %w", name, err)
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(fd), &st); err != nil {
		h.Close()
		return nil, fmt.Errorf("stat netns %s: %w", name, err)
	}
	return &nsEntry{name: name, path: path, fd: fd, nl: h, dev: st.Dev, ino: st.Ino}, nil
}

// KeepSpares makes the lab keep n empty namespaces ready, made while it is
// idle, so that `ip netns add` and Reset do not wait for the kernel to set
// one up. Worth it for a long-lived lab that is reset often (the TUI); a
// one-shot lab (a grade, a transcript) would only pay for namespaces it
// never uses. Call it once, right after New.
func (l *Lab) KeepSpares(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pool == nil && n > 0 {
		l.pool = newNSPool(n)
	}
}

// newPinned takes a fresh namespace and pins it at path.
func (l *Lab) newPinned(path string) (netns.NsHandle, error) {
	fd, err := l.pool.take()
	if err != nil {
		return -1, err
	}
	if err := nsutil.Pin(fd, path); err != nil {
		fd.Close()
		return -1, err
	}
	return fd, nil
}

// HostPath returns the path of the lab host namespace, for nsenter --net=.
func (l *Lab) HostPath() string { return l.hostPin }

// NSPath returns the path of a lab namespace ("host" or a name under /run/netns).
func (l *Lab) NSPath(name string) string {
	if name == HostNS || name == "" {
		return l.hostPin
	}
	return filepath.Join(l.netnsDir, name)
}

// entry returns the open namespace called name, picking up namespaces made
// outside the engine (by `ip netns add` in a lab shell) and dropping ones
// whose pin was replaced or removed.
func (l *Lab) entry(name string) (*nsEntry, error) {
	if name == "" {
		name = HostNS
	}
	path := l.NSPath(name)
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		if e := l.ns[name]; e != nil {
			e.close()
			delete(l.ns, name)
		}
		return nil, fmt.Errorf("namespace %s does not exist", name)
	}
	if e := l.ns[name]; e != nil {
		if e.dev == st.Dev && e.ino == st.Ino {
			return e, nil
		}
		e.close()
		delete(l.ns, name)
	}
	fd, err := netns.GetFromPath(path)
	if err != nil {
		return nil, fmt.Errorf("open namespace %s: %w", name, err)
	}
	e, err := openEntry(name, path, fd)
	if err != nil {
		fd.Close()
		return nil, err
	}
	if e.dev != st.Dev || e.ino != st.Ino {
		// The path is a plain file, not a pinned namespace.
		e.close()
		return nil, fmt.Errorf("namespace %s: %s is not a network namespace", name, path)
	}
	l.ns[name] = e
	return e, nil
}

// Names returns "host" followed by the named namespaces, sorted.
func (l *Lab) Names() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.namesLocked()
}

func (l *Lab) namesLocked() []string {
	names := []string{HostNS}
	ents, _ := os.ReadDir(l.netnsDir)
	var rest []string
	for _, d := range ents {
		if _, err := l.entry(d.Name()); err == nil {
			rest = append(rest, d.Name())
		}
	}
	sort.Strings(rest)
	return append(names, rest...)
}

// Handle returns the netlink handle of a namespace; it stays valid until
// the namespace is deleted or the lab reset.
func (l *Lab) Handle(name string) (*netlink.Handle, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, err := l.entry(name)
	if err != nil {
		return nil, err
	}
	return e.nl, nil
}

// NsHandle returns an open handle to a namespace, for capture and probes.
// It stays valid until the namespace is deleted or the lab reset.
func (l *Lab) NsHandle(name string) (netns.NsHandle, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, err := l.entry(name)
	if err != nil {
		return -1, err
	}
	return e.fd, nil
}

// OnReset registers fn to run when the lab is reset or closed, for servers
// and captures that hold sockets in lab namespaces.
func (l *Lab) OnReset(fn func()) {
	l.mu.Lock()
	l.closers = append(l.closers, fn)
	l.mu.Unlock()
}

// Reset tears the lab down and gives it a fresh, empty host namespace. It
// only detaches the namespaces; the kernel frees them in the background, so
// the caller does not wait for the slow part of namespace cleanup.
func (l *Lab) Reset() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.teardownLocked()
	return l.makeHost()
}

// Close tears the lab down.
func (l *Lab) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.teardownLocked()
	l.pool.close()
	return nil
}

func (l *Lab) teardownLocked() {
	for _, fn := range l.closers {
		fn()
	}
	l.closers = nil
	killStrays()
	for name, e := range l.ns {
		e.close()
		delete(l.ns, name)
	}
	ents, _ := os.ReadDir(l.netnsDir)
	for _, d := range ents {
		_ = nsutil.Unpin(filepath.Join(l.netnsDir, d.Name()))
	}
	_ = nsutil.Unpin(l.hostPin)
}

// killStrays ends every other process of the sandbox's PID namespace: what
// a learner left running in a lab shell (`nc -lk 80 &`), or an answer's
// background jobs, would otherwise keep the old namespaces alive and go on
// serving into them after a reset. It acts only where this process is PID
// 1 of its own PID namespace, which the sandbox guarantees; then the
// killed processes are our children or orphans reparented to us, and are
// reaped here.
func killStrays() {
	if os.Getpid() != 1 {
		return
	}
	ents, _ := os.ReadDir("/proc")
	var killed []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == 1 {
			continue
		}
		if unix.Kill(pid, unix.SIGKILL) == nil {
			killed = append(killed, pid)
		}
	}
	deadline := time.Now().Add(200 * time.Millisecond)
	for len(killed) > 0 && time.Now().Before(deadline) {
		rest := killed[:0]
		for _, pid := range killed {
			var ws unix.WaitStatus
			if n, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil); n == 0 && err == nil {
				rest = append(rest, pid) // not dead yet
			}
		}
		killed = rest
		if len(killed) > 0 {
			time.Sleep(time.Millisecond)
		}
	}
}
