package preflight

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine/reexec"
)

func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

// fake is a machine described by its files and its probe.
type fake struct {
	euid  int
	files map[string]string
	tools map[string]bool
	probe NSProbe
}

func (f *fake) Euid() int    { return f.euid }
func (f *fake) User() string { return "alice" }
func (f *fake) ReadFile(n string) ([]byte, error) {
	if s, ok := f.files[n]; ok {
		return []byte(s), nil
	}
	return nil, os.ErrNotExist
}
func (f *fake) Exists(n string) bool { _, ok := f.files[n]; return ok }
func (f *fake) LookPath(n string) (string, error) {
	if f.tools[n] {
		return "/usr/bin/" + n, nil
	}
	return "", errors.New("not found")
}
func (f *fake) Setuid(string) bool { return true }
func (f *fake) Probe() NSProbe     { return f.probe }

// goodMachine has everything: a rootless user with a range, v2 delegation.
func goodMachine() *fake {
	f := &fake{euid: 1000, tools: map[string]bool{"newuidmap": true, "newgidmap": true},
		files: map[string]string{
			"/etc/subuid": "alice:100000:65536\n", "/etc/subgid": "alice:100000:65536\n",
			"/proc/self/cgroup": "0::/user.slice/u\n",
			"/sys/fs/cgroup/user.slice/u/cgroup.subtree_control": "cpu memory pids\n",
			"/sys/module/vxlan": "", "/sys/module/ipip": "", "/sys/module/ip_vs": "", "/sys/module/br_netfilter": "",
			"readlink:/usr/bin/iptables": "/usr/sbin/xtables-nft-multi",
		}}
	for _, t := range Tools {
		f.tools[t.Name] = true
	}
	return f
}

func find(r *Result, id string) *Check {
	for i := range r.Checks {
		if r.Checks[i].ID == id {
			return &r.Checks[i]
		}
	}
	return nil
}

func hasFix(c *Check, env, sub string) bool {
	for _, f := range c.Fixes {
		if f.Env == env && strings.Contains(f.Setting, sub) {
			return true
		}
	}
	return false
}

func TestReady(t *testing.T) {
	r := Run(goodMachine())
	if r.Verdict != Ready || len(r.Failed()) != 0 {
		t.Fatalf("verdict %v, failed %+v", r.Verdict, r.Failed())
	}
}

// Ubuntu 24.04: AppArmor refuses the user namespace: unusable, the sysctl named.
func TestAppArmorRestriction(t *testing.T) {
	f := goodMachine()
	f.probe = NSProbe{Namespaces: "clone: EACCES (permission denied)"}
	f.files["/proc/sys/kernel/apparmor_restrict_unprivileged_userns"] = "1\n"
	r := Run(f)
	c := find(r, "userns")
	if r.Verdict != Unusable || c == nil || c.OK || !hasFix(c, "ubuntu", "kernel.apparmor_restrict_unprivileged_userns=0") ||
		!strings.Contains(c.Seen, "apparmor_restrict_unprivileged_userns=1") {
		t.Fatalf("%v %+v", r.Verdict, c)
	}
	if find(r, "proc") != nil {
		t.Fatal("proc checked without namespaces")
	}
}

func TestMaxUserNamespacesZero(t *testing.T) {
	f := goodMachine()
	f.probe = NSProbe{Namespaces: "clone: ENOSPC"}
	f.files["/proc/sys/user/max_user_namespaces"] = "0\n"
	r := Run(f)
	if c := find(r, "userns"); r.Verdict != Unusable || !hasFix(c, "host", "sysctl -w user.max_user_namespaces=15000") {
		t.Fatalf("%v %+v", r.Verdict, c)
	}
}

// A Kubernetes pod with the default (masked) /proc: unusable, procMount named.
func TestMaskedProc(t *testing.T) {
	f := goodMachine()
	f.probe = NSProbe{Proc: "EPERM (operation not permitted)"}
	r := Run(f)
	if c := find(r, "proc"); r.Verdict != Unusable || c.OK || !hasFix(c, "kubernetes", "procMount: Unmasked") {
		t.Fatalf("%v %+v", r.Verdict, c)
	}
}

// No subordinate range, no ipip, legacy iptables, no tcpdump: degraded,
// each lack named with what it affects.
func TestDegraded(t *testing.T) {
	f := goodMachine()
	delete(f.files, "/etc/subuid")
	delete(f.files, "/sys/module/ipip")
	f.files["readlink:/usr/bin/iptables"] = "/usr/sbin/xtables-legacy-multi"
	f.tools["tcpdump"] = false
	delete(f.files, "/sys/fs/cgroup/user.slice/u/cgroup.subtree_control")
	r := Run(f)
	if r.Verdict != Degraded {
		t.Fatalf("verdict %v", r.Verdict)
	}
	want := "capture,ipip,nat,subids"
	if got := strings.Join(r.Lacks, ","); got != want {
		t.Fatalf("lacks %s, want %s", got, want)
	}
	if c := find(r, "subids"); !hasFix(c, "host", "usermod --add-subuids 100000-165535 --add-subgids 100000-165535 alice") {
		t.Fatalf("%+v", c)
	}
	if c := find(r, "iptables-nft"); c.OK || !hasFix(c, "debian", "iptables-nft") {
		t.Fatalf("%+v", c)
	}
	if c := find(r, "cgroup"); c.OK || !c.Advisory {
		t.Fatalf("cgroup %+v", c)
	}
	// ipip built in without /sys/module: the new namespace's tunl0 counts.
	f.probe.Tunl0 = true
	if c := find(Run(f), "kernel.ipip"); !c.OK {
		t.Fatalf("tunl0 seen, ipip %+v", c)
	}
}

// Root needs no user namespace: a refused clone names the container
// settings, not the sysctl; subids are not checked.
func TestRootInAContainer(t *testing.T) {
	f := goodMachine()
	f.euid = 0
	f.probe = NSProbe{Namespaces: "clone: EPERM"}
	r := Run(f)
	if c := find(r, "namespaces"); r.Verdict != Unusable || !hasFix(c, "kubernetes", "hostUsers: false") || find(r, "subids") != nil {
		t.Fatalf("%v %+v", r.Verdict, r.Checks)
	}
}

// TestRealMachine asks this kernel: the throwaway namespaces are made, and
// what the probe says agrees with the machine (vxlan module present ⇔ the
// probe could make a vxlan device; /proc/sys/net/bridge ⇔ br_netfilter).
func TestRealMachine(t *testing.T) {
	r := Run(Real{})
	for _, c := range r.Checks {
		t.Logf("%-20s ok=%v %s", c.ID, c.OK, c.Seen)
	}
	p := Real{}.Probe()
	if p.Namespaces != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true: no namespaces: %s", p.Namespaces)
		}
		t.Skipf("no namespaces here: %s", p.Namespaces)
	}
	if r.Verdict == Unusable {
		t.Fatalf("unusable on a machine that made the probe's namespaces: %+v", r.Failed())
	}
	_, hostBr := os.Stat("/proc/sys/net/bridge")
	if _, err := os.Stat("/sys/module/br_netfilter"); err == nil && !p.BrNetfilter {
		t.Fatal("br_netfilter loaded, but not seen in the new namespace")
	}
	if hostBr == nil != p.BrNetfilter {
		t.Fatalf("host /proc/sys/net/bridge %v, probe %v", hostBr == nil, p.BrNetfilter)
	}
	if _, err := os.Stat("/sys/module/vxlan"); (err == nil) != (p.VXLAN == "" && find(r, "kernel.vxlan").OK) {
		t.Fatalf("vxlan module %v, probe %q", err == nil, p.VXLAN)
	}
	if p.Proc != "" || p.Nftables != "" {
		t.Fatalf("proc %q nftables %q", p.Proc, p.Nftables)
	}
}

// TestImageHasTheTools: the image's package list (deploy/image/packages.txt,
// read by the Containerfile and rootfs.sh) holds every tool's package, so
// preflight in the image finds every tool.
func TestImageHasTheTools(t *testing.T) {
	b, err := os.ReadFile("../../deploy/image/packages.txt")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			have[l] = true
		}
	}
	for _, tool := range Tools {
		if !have[tool.Package] {
			t.Errorf("%s: package %s is not in packages.txt", tool.Name, tool.Package)
		}
	}
	if !have["uidmap"] {
		t.Error("uidmap (newuidmap) is not in packages.txt")
	}
	for _, f := range []string{"../../Containerfile", "../../deploy/image/rootfs.sh"} {
		s, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(s), "packages.txt") || !strings.Contains(string(s), "setup-user.sh") {
			t.Errorf("%s does not install packages.txt and run setup-user.sh", f)
		}
	}
}
