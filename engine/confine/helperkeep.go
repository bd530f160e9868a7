package confine

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// The ready helper outlives a reset (issue 25: the first command after a
// reset at the cost of a later one).
//
// Why: every spawn, the lab's runner included, takes a helper the keeper
// started ahead (takeHelper), because a helper's start is a whole start of
// this binary: the Go runtime and every package initialiser, about 40 ms on
// the 2-core machines this runs on (BenchmarkFirstRunAfterReset: a runner
// warmed at the reset still made the first command wait 46 ms against 12.6
// ms for a later one, quiet). A reset used to kill that helper with
// everything else (kill(-1)), so the runner WarmRunner starts at the reset
// had to start a helper from nothing, and a command typed right after a
// reset (`p`, a jump, a lesson's first step) waited for it.
//
// A helper nobody has taken yet holds nothing of the lab: it has made its
// own (empty) PID and mount namespaces, its own /proc, dropped its
// privileges and installed seccomp (helperPrepare), and waits for a spec;
// it has joined no lab network namespace, started no program, and no lab
// program can reach it (it is non-dumpable, in a PID namespace of its own).
// So a reset spares it: killAll kills every other process of the lab and
// waits for their helpers to be reaped, as kill(-1) did.
//
// What a spared helper lacks is only what the keeper's mount namespace
// gained after the helper copied it: the new host namespace's pin
// (LabHostPin lives on the keeper's private /run; /run/netns is a shared
// mount, so `ip netns` pins reach every helper anyway). The old pin left
// the helper's copy when the keeper removed the file (the kernel detaches
// mounts on a file unlinked in another mount namespace), so it holds no old
// namespace alive. The keeper hands such a helper the current host
// namespace with its spec, and the helper pins it in its own copy
// (repinHost) before it enters any namespace: it then sees exactly what a
// helper started after the reset sees.
//
// Which helpers lack the pin is counted by pins, not by resets (gen): a
// helper started after a reset's kill but before its new host pin (the
// next one after a spawn in that window) lacks it just as a spared one
// does; counted by pins, a helper that read the count before the pin is
// stale, and one that read it after was started after the pin.

// pinned notes a pin made at p: a new host namespace makes every helper
// started before it stale.
func (k *keeperState) pinned(p string) {
	if p != LabHostPin {
		return
	}
	k.mu.Lock()
	k.gen++
	k.mu.Unlock()
}

// track records a started helper; the channel closes when it is reaped.
func (k *keeperState) track(pid int) chan struct{} {
	reaped := make(chan struct{})
	k.mu.Lock()
	if k.helpers == nil {
		k.helpers = map[int]chan struct{}{}
	}
	k.helpers[pid] = reaped
	k.mu.Unlock()
	go func() {
		<-reaped
		k.mu.Lock()
		delete(k.helpers, pid)
		k.mu.Unlock()
	}()
	return reaped
}

// killAll ends every process of the lab but the keeper and the ready
// helper no one took (see above), and waits (briefly) for the helpers to be
// reaped, so their namespaces are released. No program can be handed to
// the ready helper meanwhile (handoff).
func (k *keeperState) killAll() error {
	k.handoff.Lock()
	defer k.handoff.Unlock()
	k.mu.Lock()
	spare := 0
	if k.ready != nil {
		spare = k.readyPid
	}
	var waits []chan struct{}
	for pid, reaped := range k.helpers {
		if pid != spare {
			waits = append(waits, reaped)
		}
	}
	k.mu.Unlock()
	if spare == 0 {
		// As init of the lab's PID namespace, kill(-1) reaches exactly
		// every other process of the lab.
		if err := unix.Kill(-1, unix.SIGKILL); err != nil && err != unix.ESRCH {
			return fmt.Errorf("kill lab processes: %w", err)
		}
	} else if err := killAllBut(spare); err != nil {
		return err
	}
	deadline := time.After(2 * time.Second)
	for _, reaped := range waits {
		select {
		case <-reaped:
		case <-deadline:
			return nil
		}
	}
	return nil
}

// killAllBut kills every process the keeper's /proc lists (the lab's PID
// namespace and every one nested in it) but the keeper and spare. Every
// lab program runs in the PID namespace of a helper, the keeper's child:
// one forked after the listing dies with its helper's namespace, as the
// kernel ends a PID namespace whose init is killed.
func killAllBut(spare int) error {
	d, err := os.Open("/proc")
	if err != nil {
		return fmt.Errorf("kill lab processes: %w", err)
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return fmt.Errorf("kill lab processes: list /proc: %w", err)
	}
	self := os.Getpid()
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil || pid == self || pid == spare {
			continue
		}
		if err := unix.Kill(pid, unix.SIGKILL); err != nil && err != unix.ESRCH {
			return fmt.Errorf("kill lab process %d: %w", pid, err)
		}
	}
	return nil
}

// repinHost, in a helper started before the last reset, pins the lab's
// current host namespace (ns, from the keeper) at LabHostPin in the
// helper's own mount namespace, where the keeper's pin made after the
// helper started does not show.
func repinHost(ns *os.File) error {
	defer ns.Close()
	// Nothing should be mounted there (see above); if something is, it
	// goes first, so that no old namespace stays pinned.
	if err := unix.Unmount(LabHostPin, unix.MNT_DETACH); err != nil && err != unix.EINVAL && err != unix.ENOENT {
		return fmt.Errorf("unpin the old host namespace: %w", err)
	}
	if err := unix.Mount("/proc/self/fd/"+strconv.Itoa(int(ns.Fd())), LabHostPin, "none", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("pin the host namespace: %w", err)
	}
	return nil
}
