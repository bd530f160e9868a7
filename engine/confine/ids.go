package confine

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"

	"github.com/nettutor/nettutor/engine/sandbox"
	"golang.org/x/sys/unix"
)

// RemapBase and RemapSize are Docker's userns-remap range
// (dockremap:165536:65536): the lab's own /etc/subuid grants it to the
// lab's root, so a nested `unshare --map-users=165536,0,65536` works.
const (
	RemapBase = 165536
	RemapSize = 65536
)

// labIDs is how many ids the lab's user namespace maps when nettutor runs as
// root: 0..65535 for the lab's own users and 165536..231071 for the remap
// range a lesson maps again, so one contiguous range of 231072.
const labIDs = RemapBase + RemapSize

// Host id ranges of root-started labs. Each lab gets a range of its own,
// so that its root is a host uid no other lab and no host process has: the
// kernel's per-user pools (inotify instances and watches, user and other
// namespaces, POSIX message queue bytes: counted for the owner of the
// lab's user namespace; key quotas: counted per uid) count per host uid,
// and a lab that fills one then fills only its own.
const (
	// privateBase is where the pool starts: inside the block systemd sets
	// aside for containers (524288-1879048191), far above any login user.
	privateBase = 1_600_000_000
	// privateEnd is where the pool ends: the end of that block, and below
	// 2^31, since tools that take a uid for a signed int misread higher ones.
	privateEnd = 1_879_048_192
	// rangeSize is one lab's share: labIDs (231072) rounded up to a power of
	// two, 2^18. The pool holds (privateEnd-privateBase)/rangeSize = 1064
	// ranges: far more labs than a machine runs at once (a `serve` of 30
	// members, a class run's graders).
	rangeSize = 1 << 18
)

// IDMap is how the lab's user namespace maps ids: lab ids [0, Size) are
// Outside+[0, Size) in the namespace nettutor's engine runs in (the host's
// when nettutor runs as root, the rootless sandbox's otherwise).
type IDMap struct {
	Outside int
	Size    int
}

// LabToEngine turns a lab uid into the engine's view of it; -1 when the lab
// does not map it.
func (m IDMap) LabToEngine(id int) int {
	if id < 0 || id >= m.Size {
		return -1
	}
	return m.Outside + id
}

// EngineToLab turns a uid as the engine sees it (a file's owner, say) into
// the lab's view of it; -1 when the lab does not map it (it shows as nobody
// there).
func (m IDMap) EngineToLab(id int) int {
	if id < m.Outside || id >= m.Outside+m.Size {
		return -1
	}
	return id - m.Outside
}

// reserveLabMap returns the id map for a new lab of this process. As
// root it is a host range of the lab's own, reserved until release (see
// reserveRange); rootless it is the sandbox's subordinate ids (never the
// user's own uid) when it has them, and the user alone when not: a rootless
// lab's root is the user's, and counts in the user's pools, by design.
func reserveLabMap() (m IDMap, release *os.File, err error) {
	switch {
	case !sandbox.Rootless():
		base, lock, err := reserveRange(sandbox.HostLockDir(), takenIDs(), rand.IntN(rangeSlots))
		if err != nil {
			return IDMap{}, nil, err
		}
		return IDMap{Outside: base, Size: labIDs}, lock, nil
	case sandbox.SubIDs() > 0:
		// The sandbox maps its own 1..n to the user's subordinate range.
		return IDMap{Outside: 1, Size: sandbox.SubIDs()}, nil, nil
	}
	return IDMap{Outside: 0, Size: 1}, nil, nil
}

// SubIDLines is what the lab's own /etc/subuid and /etc/subgid say: the
// ids above its root that a nested user namespace in the lab may map.
func (m IDMap) SubIDLines() string {
	switch {
	case m.Size >= labIDs:
		return fmt.Sprintf("root:%d:%d\ndockremap:%d:%d\n", RemapBase, RemapSize, RemapBase, RemapSize)
	case m.Size > 1:
		return fmt.Sprintf("root:1:%d\n", m.Size-1)
	}
	return ""
}

// rangeSlots is how many lab ranges the pool holds.
const rangeSlots = (privateEnd - privateBase) / rangeSize

// takenIDs lists the host ids the machine has given out already: every
// /etc/passwd and /etc/group id, and every /etc/subuid and /etc/subgid
// grant (the machine's files, which the sandbox covers with the lab's own).
// A lab range overlapping one would share its pools, or its files, with a
// user of the machine.
func takenIDs() [][2]int {
	var taken [][2]int
	subuid, subgid := sandbox.HostSubIDs()
	for _, b := range [][]byte{subuid, subgid} {
		for _, line := range strings.Split(string(b), "\n") {
			p := strings.Split(strings.TrimSpace(line), ":")
			if len(p) != 3 {
				continue
			}
			s, e1 := strconv.Atoi(p[1])
			c, e2 := strconv.Atoi(p[2])
			if e1 == nil && e2 == nil {
				taken = append(taken, [2]int{s, s + c})
			}
		}
	}
	for _, f := range []string{"/etc/passwd", "/etc/group"} {
		b, _ := os.ReadFile(f)
		for _, line := range strings.Split(string(b), "\n") {
			p := strings.Split(line, ":")
			if len(p) < 3 {
				continue
			}
			if id, err := strconv.Atoi(p[2]); err == nil {
				taken = append(taken, [2]int{id, id + 1})
			}
		}
	}
	return taken
}

// reserveRange finds a range of rangeSize host ids in the pool that no id
// in taken overlaps and that no live lab holds, and holds it: an exclusive
// flock(2) on the file named after its first id in dir, a folder every
// nettutor of the machine shares (sandbox.HostLockDir). The lock is the
// reservation, and the kernel drops it when the last descriptor of the
// returned file closes: Keeper.Close, the keeper's exit (it holds a copy,
// so the range stays taken while any of the lab is alive), or the end of a
// process that crashed, so no reservation outlives its lab. The files
// stay: removing one would race with a process about to lock it.
//
// The search starts at slot start (random in use) and wraps around: two
// processes starting labs at the same moment do not contend for the same
// first range, and a range just freed is not at once handed to the next
// lab, which might inherit what the kernel still counts for the last one
// (keys not yet collected).
func reserveRange(dir *os.File, taken [][2]int, start int) (int, *os.File, error) {
	if dir == nil {
		return 0, nil, errors.New("no lock folder for lab id ranges (the machine's /run/nettutor-ranges could not be opened)")
	}
	for i := 0; i < rangeSlots; i++ {
		base := privateBase + (start+i)%rangeSlots*rangeSize
		if overlaps(taken, base, rangeSize) {
			continue
		}
		// Read-only is enough for flock, and is all the keeper's copy needs.
		fd, err := unix.Openat(int(dir.Fd()), strconv.Itoa(base),
			unix.O_RDONLY|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		if err != nil {
			return 0, nil, fmt.Errorf("lock file for lab id range %d: %w", base, err)
		}
		err = unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return base, os.NewFile(uintptr(fd), strconv.Itoa(base)), nil
		}
		unix.Close(fd)
		if err != unix.EWOULDBLOCK {
			return 0, nil, fmt.Errorf("lock lab id range %d: %w", base, err)
		}
	}
	return 0, nil, fmt.Errorf("no free range of %d host ids for the lab: all %d are taken", rangeSize, rangeSlots)
}

// overlaps says whether [start, start+size) meets any range in taken.
func overlaps(taken [][2]int, start, size int) bool {
	for _, t := range taken {
		if t[0] < start+size && start < t[1] {
			return true
		}
	}
	return false
}
