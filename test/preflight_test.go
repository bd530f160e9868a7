package test

import (
	"encoding/json"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// preflightRun runs `nettutor preflight` (by cmd, already set up) and
// returns its first line, all of stdout and the exit code.
func preflightRun(t *testing.T, cmd *exec.Cmd) (string, string, int) {
	t.Helper()
	out, err := cmd.Output()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("preflight: %v", err)
	}
	first, _, _ := strings.Cut(string(out), "\n")
	return first, string(out), code
}

// readableBin copies the binary where a plain user can run it.
func readableBin(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "nettutor-pf")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "nettutor")
	if err := os.WriteFile(p, b, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPreflightHere: as root, one verdict line and the exit code that
// --json's verdict gives; this machine can make labs (not 2).
func TestPreflightHere(t *testing.T) {
	first, _, code := preflightRun(t, exec.Command(bin, "preflight"))
	if code == 2 || !strings.HasPrefix(first, "preflight: ") {
		t.Fatalf("exit %d, first line %q", code, first)
	}
	out, _ := exec.Command(bin, "preflight", "--json").Output()
	var j struct {
		Verdict string `json:"verdict"`
		Root    bool   `json:"root"`
		Line    string `json:"line"`
	}
	if err := json.Unmarshal(out, &j); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	want := map[string]int{"ready": 0, "degraded": 1, "unusable": 2}[j.Verdict]
	if want != code || j.Line != first || j.Root != (os.Geteuid() == 0) {
		t.Fatalf("text exit %d first %q; json %+v", code, first, j)
	}
	t.Logf("exit %d: %s", code, first)
}

// TestPreflightRootless: as the plain users CI makes, one line each:
// nettutor-ci (subordinate ids) is not unusable and has subids;
// nettutor-nosub is degraded and the line names the userns steps and
// subids, the text the usermod that fixes it.
func TestPreflightRootless(t *testing.T) {
	needRoot(t)
	exe := readableBin(t)
	for _, u := range []string{"nettutor-ci", "nettutor-nosub"} {
		if _, err := user.Lookup(u); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("CI=true: no user %s", u)
			}
			t.Skipf("no user %s", u)
		}
		cmd := exec.Command("su", u, "-s", "/bin/sh", "-c", "cd / && "+exe+" preflight")
		first, all, code := preflightRun(t, cmd)
		t.Logf("%s: exit %d: %s", u, code, first)
		if code == 2 || !strings.HasPrefix(first, "preflight: ") || !strings.Contains(first, "rootless") {
			t.Fatalf("%s: exit %d, %q", u, code, first)
		}
		if strings.Contains(all, "✗ subids") != (u == "nettutor-nosub") {
			t.Fatalf("%s: subids check wrong:\n%s", u, all)
		}
		if u == "nettutor-nosub" && (code != 1 || !strings.Contains(first, "userns ") || !strings.Contains(first, "subids") ||
			!strings.Contains(all, "usermod --add-subuids 100000-165535 --add-subgids 100000-165535 nettutor-nosub")) {
			t.Fatalf("nosub: exit %d:\n%s", code, all)
		}
	}
}

// TestPreflightNoUserNamespaces: a user namespace whose
// user.max_user_namespaces is 0 (set by its root, as a host's sysctl
// would be), where a plain uid runs preflight: exit 2, one line naming
// the setting and the sysctl that gives user namespaces back.
func TestPreflightNoUserNamespaces(t *testing.T) {
	needRoot(t)
	need(t, "setpriv")
	exe := readableBin(t)
	cmd := exec.Command("sh", "-c", "cd / && echo 0 > /proc/sys/user/max_user_namespaces && exec setpriv --reuid=1000 --regid=1000 --clear-groups "+exe+" preflight")
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWUSER,
		// Root of the new namespace (host uid 300000), not the host's
		// root seen from inside as nobody; setpriv may then drop groups.
		Credential:                 &syscall.Credential{Uid: 0, Gid: 0},
		GidMappingsEnableSetgroups: true,
		UidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: 300000, Size: 65536}},
		GidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: 300000, Size: 65536}},
	}
	first, all, code := preflightRun(t, cmd)
	t.Logf("exit %d: %s", code, first)
	if code != 2 || !strings.HasPrefix(first, "preflight: unusable (rootless)") ||
		!strings.Contains(first, "user.max_user_namespaces=0") ||
		!strings.Contains(first, "sysctl -w user.max_user_namespaces=15000") {
		t.Fatalf("exit %d:\n%s", code, all)
	}
}
