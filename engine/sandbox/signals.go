package sandbox

import (
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nettutor/nettutor/assets"
	"golang.org/x/sys/unix"
)

// The sandbox child is PID 1 of its PID namespace, and the kernel delivers
// to such a process only the signals it handles: left to the defaults, ^C,
// kill and a closed terminal would all be lost. So the child handles them
// itself: it runs what registered with OnStop (the TUI restores the
// terminal, a lab ends and frees its cgroup), prints one line and exits
// with the shell's code for the signal: 130 for SIGINT, 143 for SIGTERM,
// 129 for SIGHUP, 131 for SIGQUIT.

var (
	stopMu    sync.Mutex
	stopHooks = map[int]func(){}
	stopSeq   int
	stopOnce  sync.Once
	stopping  atomic.Bool
)

// Stopping reports whether a stop signal is being handled: a command whose
// work just failed because of it (its script was killed) says nothing, and
// lets the stop print its one line.
func Stopping() bool { return stopping.Load() }

// Exit exits with code, unless a stop is under way: then the stop's own
// exit (128+signal, after its hooks) wins, and Exit waits for it.
func Exit(code int) {
	if stopping.Load() {
		select {}
	}
	os.Exit(code)
}

// OnStop registers fn to run, newest first, when the sandbox child is told
// to stop by a signal or by its terminal going away. The returned function
// unregisters it. Hooks get a few seconds in all; then the child exits.
func OnStop(fn func()) (cancel func()) {
	stopMu.Lock()
	defer stopMu.Unlock()
	stopSeq++
	id := stopSeq
	stopHooks[id] = fn
	return func() {
		stopMu.Lock()
		delete(stopHooks, id)
		stopMu.Unlock()
	}
}

// handleStops starts the child's handler of stop signals.
func handleStops() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	go func() { Stop((<-ch).(syscall.Signal)) }()
}

// Stop runs the stop hooks and exits as if sig had ended the process: one
// line on stderr and exit 128+sig. It is what a signal does to the sandbox
// child; the TUI calls it when its terminal has gone (as SIGHUP).
func Stop(sig syscall.Signal) {
	stopping.Store(true)
	stopOnce.Do(func() {
		stopMu.Lock()
		ids := make([]int, 0, len(stopHooks))
		for id := range stopHooks {
			ids = append(ids, id)
		}
		sort.Sort(sort.Reverse(sort.IntSlice(ids)))
		fns := make([]func(), 0, len(ids))
		for _, id := range ids {
			fns = append(fns, stopHooks[id])
		}
		stopMu.Unlock()
		done := make(chan struct{})
		go func() {
			for _, fn := range fns {
				fn()
			}
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
		}
		fmt.Fprintln(os.Stderr, "nettutor: "+assets.T(argLang(), "cli.stopped_"+sigName(sig)))
		os.Exit(128 + int(sig))
	})
	select {} // another goroutine is already stopping the process
}

func sigName(s syscall.Signal) string {
	switch s {
	case syscall.SIGINT:
		return "int"
	case syscall.SIGTERM:
		return "term"
	case syscall.SIGHUP:
		return "hup"
	}
	return "quit"
}

// argLang is the language the command line asks for (--lang anywhere), or
// the environment's.
func argLang() string {
	for i, a := range os.Args {
		v, ok := strings.CutPrefix(a, "--lang=")
		if !ok && (a == "--lang" || a == "-lang") && i+1 < len(os.Args) {
			v, ok = os.Args[i+1], true
		}
		if ok && assets.ValidLang(v) {
			return v
		}
	}
	return assets.LangFromEnv()
}

// WatchTerminal stops the child as SIGHUP would when the terminal on fd
// goes away: a nettutor started in a session of its own (setsid) gets no
// SIGHUP when its terminal closes, and would go on running without one.
func WatchTerminal(fd int) {
	if _, err := unix.IoctlGetTermios(fd, unix.TCGETS); err != nil {
		return // not a terminal: nothing to watch
	}
	go func() {
		for range time.Tick(time.Second) {
			if _, err := unix.IoctlGetTermios(fd, unix.TCGETS); err == unix.EIO || err == unix.EBADF || err == unix.ENXIO {
				Stop(syscall.SIGHUP)
			}
		}
	}()
}
