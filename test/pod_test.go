package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// podHost is the host uid of the stand-in pod's uid 0, and podUser the
// image's user inside (deploy/image/setup-user.sh).
const (
	podHost = 400000
	podUser = 10001
)

// podCmd runs args as the image's user in a stand-in for a Kubernetes pod
// with hostUsers: false (testdata/pod.sh): a user namespace mapping 65536
// ids, new mount/pid/net/uts/ipc namespaces, a read-only /sys, /proc
// masked (mask) or not (procMount: Unmasked), the pod's bounding set.
func podCmd(t *testing.T, mask bool, exe string, args ...string) *exec.Cmd {
	t.Helper()
	state := t.TempDir()
	if err := os.Chown(state, podHost+podUser, podHost+podUser); err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(filepath.Dir(state), 0o755)
	script, err := filepath.Abs("testdata/pod.sh")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", append([]string{script, exe}, args...)...)
	m := "0"
	if mask {
		m = "1"
	}
	cmd.Env = append(os.Environ(), "MASK="+m, "POD_STATE="+state, "LANG=C.UTF-8")
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS | syscall.CLONE_NEWPID | syscall.CLONE_NEWNET |
			syscall.CLONE_NEWUTS | syscall.CLONE_NEWIPC,
		Credential:                 &syscall.Credential{Uid: 0, Gid: 0},
		GidMappingsEnableSetgroups: true,
		UidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: podHost, Size: 65536}},
		GidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: podHost, Size: 65536}},
		Pdeathsig:                  syscall.SIGKILL,
	}
	return cmd
}

// TestPodStandIn: nettutor where a hostUsers: false pod would run it. With
// the default masked /proc, preflight says unusable in one line that names
// procMount: Unmasked (exit 2), and a lesson says the same cause; with
// procMount: Unmasked, preflight is not unusable and the veth lesson runs
// to its end with every expectation held.
func TestPodStandIn(t *testing.T) {
	needRoot(t)
	need(t, "setpriv", "ip")
	exe := readableBin(t)

	first, all, code := preflightRun(t, podCmd(t, true, exe, "preflight"))
	t.Logf("masked /proc: exit %d: %s", code, first)
	if code != 2 || !strings.HasPrefix(first, "preflight: unusable (rootless)") || !strings.Contains(first, "procMount: Unmasked") {
		t.Fatalf("masked /proc: exit %d:\n%s", code, all)
	}
	out, err := podCmd(t, true, exe, "run", "veth", "--plain").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), "procMount: Unmasked") {
		t.Fatalf("masked /proc, run veth: %v\n%s", err, out)
	}

	first, all, code = preflightRun(t, podCmd(t, false, exe, "preflight"))
	t.Logf("procMount: Unmasked: exit %d: %s", code, first)
	if code == 2 || !strings.Contains(first, "(rootless)") || !strings.Contains(all, "✓ proc ") {
		t.Fatalf("unmasked: exit %d:\n%s", code, all)
	}
	out, err = podCmd(t, false, exe, "run", "veth", "--plain").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "✓ every expectation held") {
		t.Fatalf("unmasked, run veth: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	t.Logf("procMount: Unmasked, run veth --plain: %s", lines[len(lines)-1])
}
