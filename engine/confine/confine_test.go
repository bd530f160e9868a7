package confine

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine/reexec"
	"github.com/nettutor/nettutor/engine/sandbox"
)

func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	sandbox.RunTests(m.Run)
}

func startKeeper(t *testing.T) *Keeper {
	t.Helper()
	k, err := Start(DefaultLimits)
	if err != nil {
		t.Fatalf("start keeper: %v", err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

// run runs a shell script in the lab's host namespace (pinned first).
func run(t *testing.T, k *Keeper, script string) (string, error) {
	t.Helper()
	cmd := k.Command(Spec{Net: LabHostPin, Argv: []string{"bash", "-c", script}})
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		return "", err
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.String(), err
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("script did not end: %s", script)
	}
	return "", nil
}

func pinHost(t *testing.T, k *Keeper) {
	t.Helper()
	ns, err := k.NewNetns()
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	if err := k.Pin(ns, LabHostPin); err != nil {
		t.Fatal(err)
	}
}

func TestSpawnRunsAsLabRoot(t *testing.T) {
	k := startKeeper(t)
	pinHost(t, k)
	out, err := run(t, k, `id -u; cat /proc/self/uid_map; echo pid=$$; ls /proc | grep -c '^[0-9]'; hostname; ls /home /root | wc -l`)
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	t.Logf("%s", out)
	lines := strings.Fields(out)
	if lines[0] != "0" {
		t.Errorf("uid in lab = %s, want 0", lines[0])
	}
	if !strings.Contains(out, "nettutor-lab") {
		t.Errorf("hostname not the lab's: %s", out)
	}
}

func TestNetnsAddSeenByEngine(t *testing.T) {
	k := startKeeper(t)
	pinHost(t, k)
	out, err := run(t, k, `ip netns add RED && ip netns list && ip -n RED link show lo`)
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if _, err := os.Stat(k.Path("/run/netns/RED")); err != nil {
		t.Fatalf("engine does not see RED: %v (%s)", err, out)
	}
	out, err = run(t, k, `ip netns del RED && ip netns list`)
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if _, err := os.Stat(k.Path("/run/netns/RED")); err == nil {
		t.Fatalf("RED still pinned after ip netns del")
	}
}

func TestExitStatus(t *testing.T) {
	k := startKeeper(t)
	pinHost(t, k)
	_, err := run(t, k, `exit 7`)
	var ee *exec.ExitError
	if err == nil || !errorsAs(err, &ee) || ee.ExitCode() != 7 {
		t.Fatalf("exit = %v, want 7", err)
	}
}

func errorsAs(err error, ee **exec.ExitError) bool {
	e, ok := err.(*exec.ExitError)
	if ok {
		*ee = e
	}
	return ok
}

// TestProcSysOnlyNet: a lab program, root of the lab, cannot write kernel
// parameters that are not per namespace (the kernel checks them against the
// machine's root, which the lab's root is not), and can write the net ones
// of its own namespace. The write tried is of the value already there, so
// the machine is unchanged even were it to succeed.
func TestProcSysOnlyNet(t *testing.T) {
	k := startKeeper(t)
	pinHost(t, k)
	out, err := run(t, k, `v=$(cat /proc/sys/kernel/printk_ratelimit)
if echo "$v" > /proc/sys/kernel/printk_ratelimit 2>/dev/null; then echo KERNEL-WRITTEN; fi
if mount -o remount,rw /proc/sys 2>/dev/null; then echo REMOUNTED; fi
echo 1 > /proc/sys/net/ipv4/ip_forward && cat /proc/sys/net/ipv4/ip_forward`)
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if strings.Contains(out, "KERNEL-WRITTEN") {
		t.Errorf("a lab program wrote kernel.printk_ratelimit: %s", out)
	}
	if !strings.HasSuffix(strings.TrimSpace(out), "1") {
		t.Errorf("a lab program cannot set its own ip_forward: %s", out)
	}
}

// TestLabFilesStayInTheLab: a lab program that replaces the work folder by
// a link to a folder of the machine's (/tmp here, which anyone may write)
// cannot make the engine write there, nor stat a machine file through it.
func TestLabFilesStayInTheLab(t *testing.T) {
	k := startKeeper(t)
	pinHost(t, k)
	marker := fmt.Sprintf("nettutor-labfs-%d", time.Now().UnixNano())
	out, err := run(t, k, `rm -rf /run/nettutor/work && ln -s /tmp /run/nettutor/work && ln -s /etc/shadow /tmp/shadow-link`)
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if err := k.WriteFile(LabWorkDir+"/"+marker, []byte("x"), 0o644); err != nil {
		t.Fatalf("write through the lab's link: %v", err)
	}
	if _, err := os.Stat("/tmp/" + marker); err == nil {
		os.Remove("/tmp/" + marker)
		t.Fatalf("the engine wrote /tmp/%s on the machine through a link the lab made", marker)
	}
	if b, err := os.ReadFile(k.Path("/tmp/" + marker)); err != nil || string(b) != "x" {
		t.Errorf("the file is not in the lab's /tmp: %q, %v", b, err)
	}
	if _, err := k.Lstat(LabWorkDir + "/shadow-link/x"); err == nil {
		t.Errorf("Lstat went through a link to the machine's /etc/shadow")
	}
	if err := k.MkdirAll(LabWorkDir+"/d/e", 0o1777); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/tmp/d/e"); err == nil {
		t.Errorf("MkdirAll made /tmp/d/e on the machine")
	}
}

// TestSeccomp: a lab program runs under the filter, and a denied syscall
// (keyctl, 250 on amd64) fails with EPERM where the kernel alone would say
// EINVAL; an allowed one (getpid, 39) works.
func TestSeccomp(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the filter is for amd64")
	}
	k := startKeeper(t)
	pinHost(t, k)
	out, err := run(t, k, `grep Seccomp: /proc/self/status; perl -e '$r = syscall(250, 0, 0, 0, 0, 0); print "keyctl $r $!\n"; print "getpid ", syscall(39) > 0 ? "ok" : "bad", "\n"'`)
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, want := range []string{"Seccomp:\t2", "keyctl -1 Operation not permitted", "getpid ok"} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in:\n%s", want, out)
		}
	}
}
