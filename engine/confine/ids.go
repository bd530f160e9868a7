package confine

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/nettutor/nettutor/engine/sandbox"
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

// privateBase is where the host range of a root-started lab starts: inside
// the block systemd sets aside for containers (524288-1879048191), far above
// any login user, and checked against /etc/passwd and /etc/subuid before use.
const privateBase = 1_600_000_000

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

// LabMap returns the lab's id map for this process: a private range as
// root, the sandbox's subordinate ids (never the user's own uid) when
// rootless with them, and the user alone when rootless without.
func LabMap() (IDMap, error) {
	switch {
	case !sandbox.Rootless():
		base, err := freeRange(privateBase, labIDs)
		if err != nil {
			return IDMap{}, err
		}
		return IDMap{Outside: base, Size: labIDs}, nil
	case sandbox.SubIDs() > 0:
		// The sandbox maps its own 1..n to the user's subordinate range.
		return IDMap{Outside: 1, Size: sandbox.SubIDs()}, nil
	}
	return IDMap{Outside: 0, Size: 1}, nil
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

// freeRange returns the first range of size ids at or above base that no
// /etc/passwd user and no /etc/subuid or /etc/subgid grant overlaps.
func freeRange(base, size int) (int, error) {
	var taken [][2]int
	for _, f := range []string{"/etc/subuid", "/etc/subgid"} {
		b, _ := os.ReadFile(f)
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
	for start := base; start+size < 1<<31; start += size {
		free := true
		for _, t := range taken {
			if t[0] < start+size && start < t[1] {
				free = false
				break
			}
		}
		if free {
			return start, nil
		}
	}
	return 0, fmt.Errorf("no free range of %d ids above %d for the lab", size, base)
}
