package sandbox

import (
	"os"

	"golang.org/x/sys/unix"
)

// hostLockDir is the folder of the machine's /run where every nettutor run
// as root locks what must be unique across processes: each lab's host id
// range (engine/confine). In the machine's /run, not the sandbox's private
// one, so that two `check --jobs` graders, every `serve` session and any
// other nettutor see the same locks.
const hostLockDir = "/run/nettutor-ranges"

var (
	hostLocks              *os.File
	hostSubUID, hostSubGID []byte
)

// keepHostState opens hostLockDir and reads the machine's /etc/subuid and
// /etc/subgid, in the sandbox child before its private /run and its own
// subuid files hide them. Errors leave them unset: HostLockDir says so.
func keepHostState() {
	hostSubUID, _ = os.ReadFile("/etc/subuid")
	hostSubGID, _ = os.ReadFile("/etc/subgid")
	_ = unix.Mkdir(hostLockDir, 0o700) // EEXIST: made by an earlier run
	// No symlink, and a folder only root can write to: a lock anyone could
	// take (or remove) would let them keep labs from starting.
	fd, err := unix.Open(hostLockDir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Uid != 0 || st.Mode&0o022 != 0 {
		unix.Close(fd)
		return
	}
	hostLocks = os.NewFile(uintptr(fd), hostLockDir)
}

// HostLockDir returns, in a sandbox started as root, the machine's folder
// for locks that must hold across nettutor processes (see hostLockDir),
// opened before the sandbox's private /run covered it; close-on-exec, so
// nothing the lab runs inherits it. nil when rootless or when it could not
// be opened. A nettutor started from inside another's sandbox (tests do)
// gets that sandbox's private /run: its locks are shared with its siblings
// only.
func HostLockDir() *os.File { return hostLocks }

// HostSubIDs returns, in a sandbox started as root, the machine's
// /etc/subuid and /etc/subgid as they were before the sandbox mounted the
// lab's own over them: the ranges other users may map, which a lab's host
// range must not overlap.
func HostSubIDs() (subuid, subgid []byte) { return hostSubUID, hostSubGID }
