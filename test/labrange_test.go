package test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// inotifyInit1 is the system call a lab's perl makes directly, so the test
// needs no tool the lab may lack.
var inotifyInit1 = map[string]int{"amd64": 294, "arm64": 26}

// TestLabRangesAcrossProcesses (issue 19, item 3): three nettutor processes
// started at once from the machine, as root, each with a lab alive at the
// same moment (each script waits on its stdin until all have spoken). Their
// labs have disjoint host id ranges (the lock is the machine's, not a
// process's), and one lab holding every inotify instance it can get leaves
// the other two labs, and this process (the host's root), able to make one.
// Root only: rootless labs share the user's pools by design (engine/confine
// asserts that).
func TestLabRangesAcrossProcesses(t *testing.T) {
	needRoot(t)
	nr, ok := inotifyInit1[runtime.GOARCH]
	if !ok {
		t.Skipf("no inotify_init1 number for %s", runtime.GOARCH)
	}
	need(t, "perl")
	b, err := os.ReadFile("/proc/sys/fs/inotify/max_user_instances")
	must(t, err)
	limit, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	dir := t.TempDir()
	must(t, os.Chmod(dir, 0o755))
	// argv[0] of perl's -e is the count to make, 0 for every one it can get.
	script := func(want int) string {
		p := filepath.Join(dir, fmt.Sprintf("hold%d.sh", want))
		must(t, os.WriteFile(p, []byte(fmt.Sprintf(`cat /proc/self/uid_map
exec perl -e '$| = 1; my ($want, @f) = (shift);
while (!$want || @f < $want) { my $r = syscall(%d, 0); last if $r < 0; push @f, $r }
print "held ", scalar(@f), " ", ($!+0 == 24 ? "EMFILE" : "none"), "\n"; <STDIN>;' %d
`, nr, want)), 0o644))
		return p
	}
	type lab struct {
		cmd   *exec.Cmd
		stdin io.WriteCloser
		lines chan string
		want  int
	}
	var labs []*lab
	for _, want := range []int{0, 1, 1} {
		l := &lab{want: want, lines: make(chan string, 4)}
		l.cmd = exec.Command(bin, "sandbox", script(want), "--quiet", "--timeout", "2m")
		l.cmd.Stderr = os.Stderr
		l.stdin, err = l.cmd.StdinPipe()
		must(t, err)
		out, err := l.cmd.StdoutPipe()
		must(t, err)
		must(t, l.cmd.Start())
		t.Cleanup(func() { l.stdin.Close(); _ = l.cmd.Process.Kill(); _ = l.cmd.Wait() })
		go func() {
			s := bufio.NewScanner(out)
			for s.Scan() {
				l.lines <- strings.TrimSpace(s.Text())
			}
			close(l.lines)
		}()
		labs = append(labs, l)
	}
	next := func(l *lab) string {
		select {
		case s := <-l.lines:
			return s
		case <-time.After(90 * time.Second):
			t.Fatalf("a lab said nothing in 90 s")
		}
		return ""
	}
	// Every lab has spoken, and waits: all three are alive now.
	var ranges [][2]int
	for i, l := range labs {
		m := strings.Fields(next(l))
		held := next(l)
		t.Logf("lab %d: uid_map %v, %s", i, m, held)
		if len(m) != 3 || m[0] != "0" {
			t.Fatalf("lab %d: uid_map %v", i, m)
		}
		base, _ := strconv.Atoi(m[1])
		size, _ := strconv.Atoi(m[2])
		for j, r := range ranges {
			if base < r[1] && r[0] < base+size {
				t.Errorf("HOLE: labs %d and %d of two nettutor processes share host ids: %v, %v", j, i, r, [2]int{base, base + size})
			}
		}
		ranges = append(ranges, [2]int{base, base + size})
		want := fmt.Sprintf("held %d none", l.want)
		if l.want == 0 {
			want = fmt.Sprintf("held %d EMFILE", limit)
		}
		if held != want {
			t.Errorf("HOLE: lab %d: %q, want %q (a pool of its own)", i, held, want)
		}
	}
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC)
	if err != nil {
		t.Errorf("HOLE: the host's root cannot make an inotify instance while a lab holds its own: %v", err)
	} else {
		unix.Close(fd)
	}
	for i, l := range labs {
		l.stdin.Close()
		if err := l.cmd.Wait(); err != nil {
			t.Errorf("lab %d: nettutor sandbox: %v", i, err)
		}
	}
}
