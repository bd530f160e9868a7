package confine

import (
	"bufio"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// cgroup is the control group that limits one lab, where the machine lets
// nettutor make one: cgroup v2 where our own cgroup delegates pids and
// memory to children, else the v1 pids, memory and cpu hierarchies, which
// only root may write. Neither (a rootless lab on most machines): no
// cgroup, and the rlimits alone bound each process.
type cgroup struct {
	dirs []string // one per hierarchy, v2 has one
	v2   bool
}

var cgroupSeq atomic.Int64

// newCgroup makes the lab's cgroup and writes its limits; nil when there
// is none to be had.
func newCgroup(lim Limits) *cgroup {
	// Unique across sandboxes, whose pids all look alike (each is PID 1).
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	name := fmt.Sprintf("nettutor-%x-%d", rnd, cgroupSeq.Add(1))
	if base, ok := v2Base(); ok {
		dir := filepath.Join(base, name)
		if os.Mkdir(dir, 0o755) == nil {
			cg := &cgroup{dirs: []string{dir}, v2: true}
			w := func(f, v string) error { return os.WriteFile(filepath.Join(dir, f), []byte(v), 0) }
			if w("pids.max", strconv.Itoa(lim.Pids)) == nil && w("memory.max", strconv.FormatInt(lim.Memory, 10)) == nil {
				_ = w("memory.swap.max", "0")
				_ = w("cpu.max", "100000 100000") // one core
				return cg
			}
			cg.remove()
		}
	}
	if os.Geteuid() != 0 {
		return nil
	}
	cg := &cgroup{}
	limits := map[string][][2]string{
		"pids":   {{"pids.max", strconv.Itoa(lim.Pids)}},
		"memory": {{"memory.limit_in_bytes", strconv.FormatInt(lim.Memory, 10)}},
		"cpu":    {{"cpu.cfs_period_us", "100000"}, {"cpu.cfs_quota_us", "100000"}},
	}
	for _, ctrl := range []string{"pids", "memory", "cpu"} {
		base, ok := v1Base(ctrl)
		if !ok {
			if ctrl == "cpu" {
				continue // CPU time is bounded by RLIMIT_CPU all the same
			}
			cg.remove()
			return nil
		}
		sweep(base)
		dir := filepath.Join(base, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			cg.remove()
			return nil
		}
		cg.dirs = append(cg.dirs, dir)
		for _, kv := range limits[ctrl] {
			if err := os.WriteFile(filepath.Join(dir, kv[0]), []byte(kv[1]), 0); err != nil && ctrl != "cpu" {
				cg.remove()
				return nil
			}
		}
	}
	return cg
}

// String says which cgroup limits the lab.
func (c *cgroup) String() string {
	if c.v2 {
		return "cgroup v2 " + c.dirs[0]
	}
	return "cgroup v1 " + strings.Join(c.dirs, ", ")
}

func (c *cgroup) add(pid int) error {
	for _, d := range c.dirs {
		if err := os.WriteFile(filepath.Join(d, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0); err != nil {
			return err
		}
	}
	return nil
}

// remove deletes the cgroup once its processes are gone (they are being
// killed when this runs, so it retries for a moment).
func (c *cgroup) remove() {
	if c == nil {
		return
	}
	for _, d := range c.dirs {
		for i := 0; i < 100; i++ {
			if err := os.Remove(d); err == nil || os.IsNotExist(err) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// sweep removes the empty cgroups that labs of a nettutor killed by SIGKILL
// left behind (a removal fails on one still in use, and young ones are
// left alone: they may be a starting lab's).
func sweep(base string) {
	ents, _ := os.ReadDir(base)
	for _, e := range ents {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "nettutor-") {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > time.Minute {
			_ = os.Remove(filepath.Join(base, e.Name()))
		}
	}
}

// ownCgroups reads /proc/self/cgroup: hierarchy controllers to path.
func ownCgroups() map[string]string {
	out := map[string]string{}
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.SplitN(sc.Text(), ":", 3)
		if len(p) == 3 {
			out[p[1]] = p[2]
		}
	}
	return out
}

// v2Base is our own v2 cgroup, if it delegates pids and memory to children
// that we may make (a systemd user slice with Delegate=yes, a container's
// root cgroup). A cgroup with processes of its own cannot enable
// controllers for children, so only an existing delegation is used.
func v2Base() (string, bool) {
	rel, ok := ownCgroups()[""]
	if !ok {
		return "", false
	}
	for _, mnt := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified"} {
		dir := filepath.Join(mnt, rel)
		b, err := os.ReadFile(filepath.Join(dir, "cgroup.subtree_control"))
		if err != nil {
			continue
		}
		ctl := " " + strings.TrimSpace(string(b)) + " "
		if strings.Contains(ctl, " pids ") && strings.Contains(ctl, " memory ") {
			return dir, true
		}
	}
	return "", false
}

// v1Base is our own cgroup in the v1 hierarchy of ctrl, if it is mounted.
func v1Base(ctrl string) (string, bool) {
	for hier, rel := range ownCgroups() {
		for _, c := range strings.Split(hier, ",") {
			if c != ctrl {
				continue
			}
			for _, mnt := range []string{"/sys/fs/cgroup/" + hier, "/sys/fs/cgroup/" + ctrl} {
				dir := filepath.Join(mnt, rel)
				if st, err := os.Stat(filepath.Join(dir, "cgroup.procs")); err == nil && st.Mode().IsRegular() {
					return dir, true
				}
			}
		}
	}
	return "", false
}
