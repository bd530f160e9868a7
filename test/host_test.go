package test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hostState is everything of the real host that a lab must never change.
func hostState(t *testing.T) map[string]string {
	t.Helper()
	st := map[string]string{}
	for name, argv := range map[string][]string{
		"links":   {"ip", "-j", "-d", "link"},
		"addrs":   {"ip", "-j", "addr"},
		"routes":  {"ip", "-j", "route", "show", "table", "all"},
		"rules":   {"ip", "-j", "rule"},
		"nft":     {"nft", "list", "ruleset"},
		"netns":   {"ip", "netns", "list"},
		"iptnat":  {"iptables", "-t", "nat", "-S"},
		"iptfilt": {"iptables", "-S"},
	} {
		out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", argv, err, out)
		}
		st[name] = string(out)
	}
	for _, f := range []string{"/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/ipv4/conf/all/forwarding", "/proc/self/mountinfo", "/proc/sys/kernel/hostname"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		st[f] = string(b)
	}
	return st
}

func compareHost(t *testing.T, before, after map[string]string, when string) {
	t.Helper()
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s: host %s changed:\nbefore:\n%s\nafter:\n%s", when, k, v, after[k])
		}
	}
}

// nettutorProcs lists the pids running the binary under test.
func nettutorProcs() []int {
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err == nil && strings.TrimSuffix(exe, " (deleted)") == bin {
			pids = append(pids, pid)
		}
	}
	return pids
}

func TestHostUntouchedByFullLab(t *testing.T) {
	needRoot(t)
	need(t, "ip", "nft", "iptables")
	before := hostState(t)
	out, err := exec.Command(bin, "baseline", "--count", "3").CombinedOutput()
	if err != nil {
		t.Fatalf("nettutor baseline: %v\n%s", err, out)
	}
	compareHost(t, before, hostState(t), "after build and teardown")
}

func TestHostUntouchedAfterSIGKILL(t *testing.T) {
	needRoot(t)
	need(t, "ip", "nft", "iptables")
	before := hostState(t)
	for _, delay := range []time.Duration{0, 3 * time.Millisecond, -1} {
		cmd := exec.Command(bin, "baseline", "--hold")
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if delay < 0 {
			// Killed while it holds the whole lab.
			line, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil || line != "ready\n" {
				t.Fatalf("nettutor baseline --hold said %q, %v", line, err)
			}
			if len(nettutorProcs()) < 2 {
				t.Fatalf("expected the parent and the sandbox child, found %v", nettutorProcs())
			}
		} else {
			time.Sleep(delay) // killed somewhere in the middle of set-up
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		deadline := time.Now().Add(3 * time.Second)
		for len(nettutorProcs()) > 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if p := nettutorProcs(); len(p) > 0 {
			t.Fatalf("nettutor processes left after SIGKILL: %v", p)
		}
		compareHost(t, before, hostState(t), "after SIGKILL")
	}
}

// TestNoUserNamespacesExplains runs nettutor as a plain user where user
// namespaces are forbidden (user.max_user_namespaces=0, set inside a user
// namespace of the test's own, never on the host): one message naming the
// cause and the remedies, exit 2, nothing changed.
func TestNoUserNamespacesExplains(t *testing.T) {
	needRoot(t)
	need(t, "setpriv")
	before := hostState(t)
	os.Chmod(filepath.Dir(bin), 0o755)
	cmd := exec.Command("sh", "-c", "echo 0 > /proc/sys/user/max_user_namespaces && exec setpriv --reuid=1000 --regid=1000 --clear-groups "+bin+" baseline")
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:                 syscall.CLONE_NEWUSER,
		UidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 65536}},
		GidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 65536}},
		GidMappingsEnableSetgroups: true,
	}
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 2 {
		t.Fatalf("exit = %v, want 2\n%s", err, out)
	}
	s := string(out)
	for _, want := range []string{"user.max_user_namespaces=0", "sudo nettutor", "sysctl -w user.max_user_namespaces="} {
		if !strings.Contains(s, want) {
			t.Errorf("message lacks %q:\n%s", want, s)
		}
	}
	t.Log(s)
	if strings.Contains(s, "goroutine") || strings.Contains(s, "panic") {
		t.Errorf("stack trace in output:\n%s", s)
	}
	compareHost(t, before, hostState(t), "after refused sandbox")
}
