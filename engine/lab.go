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
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/google/nftables"
	"github.com/nettutor/nettutor/engine/confine"
	"github.com/nettutor/nettutor/engine/nsutil"
	"github.com/nettutor/nettutor/engine/sandbox"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// HostNS is the name of the lab host namespace in actions and snapshots.
const HostNS = "host"

// HostPin is where the lab host namespace is pinned, as the lab sees it. It
// is outside /run/netns so that `ip netns list` shows only the lesson's
// namespaces, as on a real host.
const HostPin = confine.LabHostPin

// Lab is one lab: a host namespace and the named namespaces under /run/netns,
// made and pinned by the lab's keeper (engine/confine), so that they belong
// to the lab's unprivileged user namespace. Its methods are safe for
// concurrent use.
type Lab struct {
	mu       sync.Mutex
	k        *confine.Keeper
	netnsDir string // the lab's /run/netns, as the engine reaches it
	hostPin  string // the lab's host pin, as the engine reaches it
	ns       map[string]*nsEntry
	closers  []func()
	pool     *nsPool
	unhook   func()

	// linkLooks counts linksPending's looks (a dump of every
	// namespace's links), so a test can hold what settling costs.
	linkLooks atomic.Int64
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
	k, err := confine.Start(confine.Current)
	if err != nil {
		return nil, err
	}
	l := &Lab{k: k, netnsDir: k.Path(confine.LabNetnsDir), hostPin: k.Path(HostPin), ns: map[string]*nsEntry{}}
	// Stopped by a signal, the process ends the lab first: its processes
	// die with the process anyway, its cgroup would be left behind.
	l.unhook = sandbox.OnStop(func() { l.Close() })
	if err := l.makeHost(); err != nil {
		k.Close()
		return nil, err
	}
	return l, nil
}

func (l *Lab) makeHost() error {
	fd, err := l.newPinned(HostPin)
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
	return nil
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
// one up; and it keeps the runner of the lab's shown commands started
// after each Reset, so that the first command does not wait for it. Worth it for a long-lived lab that is reset often (the TUI); a
// one-shot lab (a grade, a transcript) would only pay for namespaces it
// never uses. Call it once, right after New.
func (l *Lab) KeepSpares(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pool == nil && n > 0 {
		l.pool = newNSPool(n, l.k.NewNetns)
		l.warmLocked()
	}
}

// newPinned takes a fresh namespace and has the keeper pin it at labPath.
func (l *Lab) newPinned(labPath string) (netns.NsHandle, error) {
	if l.pool == nil {
		return l.k.NewPinned(labPath) // one request to the keeper
	}
	fd, err := l.pool.take(l.k.NewNetns)
	if err != nil {
		return -1, err
	}
	if err := l.k.Pin(fd, labPath); err != nil {
		fd.Close()
		return -1, err
	}
	return fd, nil
}

// HostPath returns the path of the lab host namespace as the lab sees it,
// for nsenter --net= in a lab program.
func (l *Lab) HostPath() string { return HostPin }

// NSPath returns the path at which the engine reaches a lab namespace
// ("host" or a name under the lab's /run/netns).
func (l *Lab) NSPath(name string) string {
	if name == HostNS || name == "" {
		return l.hostPin
	}
	return filepath.Join(l.netnsDir, name)
}

// LabPath returns the path of a lab namespace as lab programs see it.
func (l *Lab) LabPath(name string) string {
	if name == HostNS || name == "" {
		return HostPin
	}
	return confine.LabNetnsDir + "/" + name
}

// Keeper is the lab's keeper: its id map, its root as the engine reaches it.
func (l *Lab) Keeper() *confine.Keeper { return l.k }

// LabUID turns a file owner's uid as the engine sees it into the lab's
// view of it (-1 for an id the lab does not map, shown there as nobody).
func (l *Lab) LabUID(uid int) int { return l.k.Map.EngineToLab(uid) }

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

// MaxNamespaces is the most named namespaces of a lab the engine looks at;
// the lessons use four.
const MaxNamespaces = 256

// Names returns "host" followed by the named namespaces, sorted (at most
// MaxNamespaces of them).
func (l *Lab) Names() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.namesLocked()
}

func (l *Lab) namesLocked() []string {
	names := []string{HostNS}
	ents, _ := os.ReadDir(l.netnsDir) // sorted by name
	var rest []string
	for _, d := range ents {
		if len(rest) == MaxNamespaces {
			// A lab that made thousands (`ip netns add` in a loop) must not
			// make the engine hold a netlink socket for each.
			break
		}
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
	if err := l.makeHost(); err != nil {
		return err
	}
	l.warmLocked()
	return nil
}

// warmLocked starts the lab's runner for its shown commands ahead of the
// first one (confine.Keeper.WarmRunner), in a lab that keeps spares: one
// reset often, where the start would otherwise be the first command's.
// l.mu held.
func (l *Lab) warmLocked() {
	if l.pool != nil {
		l.k.WarmRunner(l.LabPath(HostNS))
	}
}

// Close tears the lab down.
func (l *Lab) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.teardownLocked()
	l.pool.close()
	l.k.Close()
	if l.unhook != nil {
		l.unhook()
	}
	return nil
}

func (l *Lab) teardownLocked() {
	for _, fn := range l.closers {
		fn()
	}
	l.closers = nil
	for name, e := range l.ns {
		e.close()
		delete(l.ns, name)
	}
	// What a learner left running in a lab shell (`nc -lk 80 &`) or an
	// answer in the background would keep the old namespaces alive and go
	// on serving into them: the keeper kills every lab process, then
	// removes every pin, its own and those made by `ip netns add`.
	_ = l.k.Reset()
}
