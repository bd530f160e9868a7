package confine

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// startOwnedBy runs start, which forks the lab's keeper with CLONE_NEWUSER
// (exec.Cmd.Start, mappings in SysProcAttr), so that the new user namespace
// is created BY id, the lab's host root, and not by root. It must run on a
// thread locked to its goroutine, which the caller never gives back to the
// runtime (Start's keeper thread ends with the keeper): the ids changed here
// are that thread's alone. It is the arrangement of a rootless runtime
// (rootlesskit, runc run by a user): the namespace is made by an
// unprivileged uid, and the map of a whole range is written by a process
// privileged over the initial namespace (newuidmap there, this thread's
// kept capabilities here). Each step, and why:
func startOwnedBy(id int, start func() error) error {
	// 1. Effective gid and then uid = id, on this thread only: the raw
	//    system calls, because syscall.Setresuid changes every thread of the
	//    process. The kernel records the euid of the process that makes a
	//    user namespace as its owner, and charges the namespace and
	//    everything counted per user inside it (inotify instances and
	//    watches, namespaces, mqueue bytes...) to that owner in the initial
	//    namespace: to id, whose pools no other lab and no host process
	//    shares. The real and saved ids stay 0, which is what lets step 3
	//    undo this.
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, ^uintptr(0), uintptr(id), ^uintptr(0)); e != 0 {
		return fmt.Errorf("set the lab owner's gid %d: %w", id, e)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, ^uintptr(0), uintptr(id), ^uintptr(0)); e != 0 {
		backToRoot()
		return fmt.Errorf("set the lab owner's uid %d: %w", id, e)
	}
	// 2. Leaving euid 0 emptied the thread's effective capabilities; the
	//    permitted ones stay, as the real uid is still 0. Raise them again:
	//    the parent half of the fork, this thread, writes the child's
	//    uid_map and gid_map, and a map of more than the owner's own id needs
	//    CAP_SETUID and CAP_SETGID over the initial namespace (what
	//    newuidmap, setuid root, has for a rootless runtime). The child
	//    inherits them, as it would from root, and loses them to its new
	//    namespace's root at exec. No securebits are used for this: they
	//    would be inherited by every lab process, where a learner's
	//    `setpriv --reuid` must drop capabilities as it does anywhere.
	if err := raiseEffective(); err != nil {
		backToRoot()
		return fmt.Errorf("capabilities to map the lab's ids: %w", err)
	}
	err := start()
	// 3. Back to root: with euid 0 again the kernel refills the effective
	//    set from the permitted one.
	backToRoot()
	return err
}

// backToRoot sets the thread's effective uid and gid back to 0. It cannot
// fail while the real uid is 0; were it to, the thread stays as it is, and
// the caller ends it (see startOwnedBy).
func backToRoot() {
	unix.RawSyscall(unix.SYS_SETRESUID, ^uintptr(0), 0, ^uintptr(0))
	unix.RawSyscall(unix.SYS_SETRESGID, ^uintptr(0), 0, ^uintptr(0))
}

// raiseEffective makes the thread's effective capabilities its permitted
// ones. capget and capset act on the calling thread alone.
func raiseEffective() error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return err
	}
	for i := range data {
		data[i].Effective = data[i].Permitted
	}
	return unix.Capset(&hdr, &data[0])
}
