// Package nsutil holds every switch of an OS thread into another network
// namespace. Go schedules goroutines over many threads, and a namespace belongs
// to a thread, so each switch happens on a throwaway goroutine that locks its
// thread, and a thread that could not switch back is never given back to the
// runtime (it dies with its goroutine instead).
package nsutil

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Do runs fn on an OS thread that is switched into the network namespace ns
// and waits for it. Sockets that fn opens stay in ns after Do returns; threads
// fn starts do not inherit ns.
func Do(ns netns.NsHandle, fn func() error) error {
	type result struct{ err error }
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			done <- result{fmt.Errorf("read current netns: %w", err)}
			return
		}
		defer orig.Close()
		if err := netns.Set(ns); err != nil {
			runtime.UnlockOSThread()
			done <- result{fmt.Errorf("setns into %s: %w", ns, err)}
			return
		}
		ferr := fn()
		if err := netns.Set(orig); err != nil {
			// The thread is stuck in ns: leave it locked so it exits with this
			// goroutine rather than running other goroutines in the wrong namespace.
			done <- result{fmt.Errorf("setns back: %w (after: %v)", err, ferr)}
			return
		}
		runtime.UnlockOSThread()
		done <- result{ferr}
	}()
	return (<-done).err
}

// DoPath is Do for a namespace named by a path such as /run/netns/RED.
func DoPath(path string, fn func() error) error {
	ns, err := netns.GetFromPath(path)
	if err != nil {
		return fmt.Errorf("open netns %s: %w", path, err)
	}
	defer ns.Close()
	return Do(ns, fn)
}

// NewPinned makes a new network namespace, bind-mounts it at path (as
// `ip netns add` does) and returns an open handle to it. The calling
// goroutine's namespace is not changed.
func NewPinned(path string) (netns.NsHandle, error) {
	ns, err := New()
	if err != nil {
		return -1, fmt.Errorf("new netns for %s: %w", path, err)
	}
	if err := Pin(ns, path); err != nil {
		ns.Close()
		return -1, err
	}
	return ns, nil
}

// New makes a new network namespace and returns an open handle to it,
// without pinning it anywhere: it lives as long as the handle (or anything
// else) holds it. The calling goroutine's namespace is not changed.
func New() (netns.NsHandle, error) {
	type result struct {
		ns  netns.NsHandle
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			done <- result{-1, err}
			return
		}
		defer orig.Close()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			done <- result{-1, fmt.Errorf("unshare net: %w", err)}
			return
		}
		ns, nerr := netns.Get()
		if err := netns.Set(orig); err != nil {
			if nerr == nil {
				ns.Close()
			}
			done <- result{-1, fmt.Errorf("setns back: %w", err)}
			return // thread stays locked and dies
		}
		runtime.UnlockOSThread()
		done <- result{ns, nerr}
	}()
	r := <-done
	return r.ns, r.err
}

// Pin bind-mounts the namespace behind ns at path, as `ip netns add` does
// for a new one, so that `ip netns` and other processes find it by name.
func Pin(ns netns.NsHandle, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return fmt.Errorf("create netns file %s: %w", path, err)
	}
	f.Close()
	src := fmt.Sprintf("/proc/self/fd/%d", int(ns))
	if err := unix.Mount(src, path, "none", unix.MS_BIND, ""); err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("pin netns at %s: %w", path, err)
	}
	return nil
}

// Unpin detaches the bind mount at path and removes the file. The kernel
// frees the namespace later, once nothing else holds it, so this returns
// without waiting for the kernel's slow cleanup.
func Unpin(path string) error {
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil && err != unix.EINVAL && err != unix.ENOENT {
		return fmt.Errorf("unmount %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("remove %s: %w", path, err)
	}
	return nil
}
