package serve

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// envGrow makes the test binary a process that takes the memory bound
// serve gives a member's TUI and then grows without end, as a TUI that a
// member made grow would.
const envGrow = "NETTUTOR_TEST_GROW"

// grow is the test binary as such a process: it never returns.
func grow() {
	if err := LimitMemory(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	var keep [][]byte
	for i := 0; i < 512; i++ {
		b := make([]byte, 1<<20)
		for j := range b {
			b[j] = byte(j)
		}
		keep = append(keep, b)
	}
	fmt.Println("grew", len(keep), "MiB")
	os.Exit(0)
}

// TestLimitMemoryEndsOnlyItself: a process under the bound that grows
// past it dies (the Go runtime ends it when a mapping fails), and its
// parent goes on. It grows to 512M at most: harmless without the bound.
func TestLimitMemoryEndsOnlyItself(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run", "^$")
	cmd.Env = append(os.Environ(), envGrow+"=1", fmt.Sprintf("%s=%d", EnvMemory, 128<<20))
	out, err := cmd.CombinedOutput()
	if err == nil || strings.Contains(string(out), "grew") {
		t.Fatalf("a process under a 128M bound grew to 512M: %v\n%s", err, tail(string(out), 5))
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() == 3 {
		t.Errorf("it did not die of the bound: %v\n%s", err, tail(string(out), 5))
	}
}

func tail(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(l[max(0, len(l)-n):], "\n")
}

// dataLimit reads a process's RLIMIT_DATA (soft, hard) from /proc.
func dataLimit(pid int) (string, bool) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/limits")
	if err != nil {
		return "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "Max data size") {
			fl := strings.Fields(strings.TrimPrefix(l, "Max data size"))
			if len(fl) >= 2 {
				return fl[0] + " " + fl[1], true
			}
		}
	}
	return "", false
}

// TestMemberMemory: every process of a member's session (the TUI, its
// sandbox, the keeper, the lab's) runs under the session's memory bound,
// soft and hard, or under the lab's lower one.
func TestMemberMemory(t *testing.T) {
	exe := nettutorBinary(t)
	alice, la := newKey(t, "alice")
	const bound = 768 << 20
	f := startServer(t, la, "", func(c *Config) { c.Exe = exe; c.MemberMemory = bound })
	c, err := dial(f.addr, gossh.PublicKeys(alice))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, out := memberShell(t, c)
	readUntil(t, out, "RED <-> BLUE", 30*time.Second)
	pids := descendants()
	if len(pids) < 2 {
		t.Fatalf("session processes: %v", pids)
	}
	want := fmt.Sprintf("%d %d", bound, bound)
	at := 0
	for _, pid := range pids {
		lim, ok := dataLimit(pid)
		if !ok {
			continue // gone meanwhile
		}
		if lim == want {
			at++
			continue
		}
		f := strings.Fields(lim)
		soft, err1 := strconv.ParseInt(f[0], 10, 64)
		hard, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 != nil || err2 != nil || soft > bound || hard > bound {
			cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
			t.Errorf("pid %d (%s) has RLIMIT_DATA %q, over the session's %d", pid, strings.ReplaceAll(string(cmdline), "\x00", " "), lim, bound)
		}
	}
	if at < 2 {
		t.Errorf("%d processes at the session's bound, want the TUI and its sandbox at least", at)
	}
}
