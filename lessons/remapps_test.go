package lessons

// Tests for the userns lesson's remap assignment: the container's process,
// uid 0 inside, is seen by ps in the lab host as the first id of root's
// range in the lab's /etc/subuid (165536, as dockremap's, when nettutor
// runs as root), and a file it makes through a bind-mounted /tmp is owned
// by that id. They run as root and rootless (CI).

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/sandbox"
)

// rootRange reads the first id of root's range from the lab's /etc/subuid.
func rootRange(t *testing.T, lab *engine.Lab) int {
	t.Helper()
	out, err := lab.Job(engine.HostNS, "cat", "/etc/subuid").CombinedOutput()
	if err != nil {
		t.Fatalf("cat /etc/subuid: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Split(line, ":"); len(f) == 3 && f[0] == "root" {
			n, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatalf("/etc/subuid: %q", line)
			}
			return n
		}
	}
	t.Skipf("the lab's /etc/subuid gives root no range (an account without subordinate ids):\n%s", out)
	return 0
}

// TestRemappedProcessSeenFromTheHost: userns's remap-ps step prints, from
// ps in the lab host, the remapped sleep's uid and gid: the first id of
// root's range, 165536 as root, never 0; inside, id said uid=0(root). The
// bind-tmp step's file is owned by the same id in the lab host.
func TestRemappedProcessSeenFromTheHost(t *testing.T) {
	lab := newLab(t)
	want := rootRange(t, lab)
	if !sandbox.Rootless() && want != engine.RemapBase {
		t.Errorf("as root, the lab's /etc/subuid gives root %d, want %d (dockremap's)", want, engine.RemapBase)
	}
	if want == 0 {
		t.Fatalf("root's range starts at 0: nothing would be remapped")
	}
	res := runLessonTo(t, lab, "userns", "bind-tmp")
	out := res["remap-ps"].Actions[0].Output
	if !strings.Contains(out, "uid=0(root)") {
		t.Errorf("id inside the container did not say uid=0(root):\n%s", out)
	}
	m := regexp.MustCompile(`(?m)^\s*(\d+)\s+(\d+)\s+\d+ sleep 30$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no ps line for the container's sleep:\n%s", out)
	}
	if uid, _ := strconv.Atoi(m[1]); uid != want {
		t.Errorf("ps in the lab host shows the container's process as uid %d, want %d", uid, want)
	}
	if gid, _ := strconv.Atoi(m[2]); gid != want {
		t.Errorf("ps in the lab host shows the container's process as gid %d, want %d", gid, want)
	}
	st, err := lab.Job(engine.HostNS, "stat", "-c", "%u %g", "/tmp/test-file").CombinedOutput()
	if err != nil {
		t.Fatalf("stat /tmp/test-file: %v\n%s", err, st)
	}
	if got, exp := strings.TrimSpace(string(st)), strconv.Itoa(want)+" "+strconv.Itoa(want); got != exp {
		t.Errorf("/tmp/test-file made by container root is owned by %q in the lab host, want %q", got, exp)
	}
	if inside := res["bind-tmp"].Actions[0].Output; !strings.Contains(inside, " 1 0 0 0 ") {
		t.Errorf("inside, the file should read as owned by 0:\n%s", inside)
	}
}
