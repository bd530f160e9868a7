// Package preflight finds out, without changing anything, whether this
// machine can host nettutor's labs: user namespaces, subordinate ids, a
// fresh /proc and /sys in a new user namespace, nftables, AF_PACKET,
// cgroup delegation, the kernel features lessons name in `needs:` and the
// tools a lab shell uses. For each missing piece it names the setting that
// gives it, per environment (a plain host, Ubuntu, a Kubernetes pod).
//
// The kernel's answers come through System, so tests can fake a machine
// that has none of it; the real System reads /proc, /sys and /etc and
// runs one throwaway child in new namespaces (Probe).
package preflight

import (
	"sort"
	"strconv"
	"strings"
)

// Verdict is the overall answer, and the exit code of `nettutor preflight`.
type Verdict int

// Verdicts, in order of gravity.
const (
	Ready    Verdict = 0 // every lesson runs
	Degraded Verdict = 1 // some lessons or steps will not run (Result.Lacks says which features)
	Unusable Verdict = 2 // no lab can be made
)

// String is the verdict's name, as --json writes it.
func (v Verdict) String() string {
	switch v {
	case Ready:
		return "ready"
	case Degraded:
		return "degraded"
	}
	return "unusable"
}

// MarshalText writes the verdict by name.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// Fix is one setting that gives a missing piece, in one environment.
type Fix struct {
	Env     string `json:"env"`     // "host", "ubuntu", "kubernetes", "debian"
	Setting string `json:"setting"` // a command or a manifest field, as typed
}

// Check is the result of one check.
type Check struct {
	ID string `json:"id"` // e.g. "userns", "proc", "kernel.vxlan", "tool.iptables"
	OK bool   `json:"ok"`
	// Fatal: without it no lab can be made at all.
	Fatal bool `json:"fatal,omitempty"`
	// Advisory: missing, but every lesson still runs (cgroup limits fall
	// back to rlimits); it does not change the verdict.
	Advisory bool `json:"advisory,omitempty"`
	// Seen is what was found, in words the same in every language (a
	// sysctl and its value, an errno), for the line of the check.
	Seen string `json:"seen,omitempty"`
	// Affects are the lesson needs (lesson or step `needs:`) that cannot
	// be met while this check fails: "capture", "nat", "subids", "ipip"...
	Affects []string `json:"affects,omitempty"`
	Fixes   []Fix    `json:"fixes,omitempty"`
}

// Result is the whole preflight.
type Result struct {
	Verdict Verdict  `json:"verdict"`
	Root    bool     `json:"root"`
	Checks  []Check  `json:"checks"`
	Lacks   []string `json:"lacks,omitempty"` // needs that cannot be met here, sorted
}

// Failed returns the checks that did not pass.
func (r *Result) Failed() []Check {
	var out []Check
	for _, c := range r.Checks {
		if !c.OK {
			out = append(out, c)
		}
	}
	return out
}

// NSProbe is what the throwaway child in new namespaces found. A nil
// error is success.
type NSProbe struct {
	Namespaces string `json:"namespaces,omitempty"` // creating user/mount/net/pid namespaces
	Proc       string `json:"proc,omitempty"`       // mount a fresh proc
	Sysfs      string `json:"sysfs,omitempty"`      // mount a fresh sysfs
	// SysfsReadOnly: only a read-only sysfs could be mounted (under a
	// container's read-only /sys); labs work, `ip netns exec` mounts ro.
	SysfsReadOnly bool   `json:"sysfs_read_only,omitempty"`
	Packet        string `json:"packet,omitempty"`   // socket(AF_PACKET, SOCK_RAW)
	Nftables      string `json:"nftables,omitempty"` // add and list a table in the new netns
	VXLAN         string `json:"vxlan,omitempty"`    // add a vxlan device (only if the module is there)
	Tunl0         bool   `json:"tunl0"`              // ipip's fallback device appeared in the new netns
	IPVS          bool   `json:"ipvs"`               // /proc/net/ip_vs exists in the new netns
	BrNetfilter   bool   `json:"br_netfilter"`       // /proc/sys/net/bridge exists in the new netns
}

// System is the machine as preflight sees it; Real is this machine.
type System interface {
	// Euid is the effective uid.
	Euid() int
	// User is the login name (for /etc/subuid and usermod).
	User() string
	// ReadFile reads a file (/proc/sys/..., /etc/subuid, /sys/fs/cgroup/...).
	ReadFile(name string) ([]byte, error)
	// Exists reports whether a path exists (/sys/module/vxlan).
	Exists(name string) bool
	// LookPath finds a program on PATH.
	LookPath(name string) (string, error)
	// Setuid reports whether the program at path is set-uid root or
	// carries file capabilities (newuidmap must).
	Setuid(path string) bool
	// Probe runs the throwaway child in new namespaces.
	Probe() NSProbe
}

// Tools are the programs a lab shell and the lessons' shown commands use,
// with the need each serves ("" for all of them) and its Debian package.
var Tools = []struct{ Name, Need, Package string }{
	{"ip", "", "iproute2"},
	{"bridge", "bridge", "iproute2"},
	{"iptables", "nat", "iptables"},
	{"nft", "nat", "nftables"},
	{"tcpdump", "capture", "tcpdump"},
	{"ping", "", "iputils-ping"},
	{"nc", "", "netcat-openbsd"},
	{"unshare", "userns", "util-linux"},
	{"nsenter", "", "util-linux"},
	{"conntrack", "nat", "conntrack"},
	{"bash", "", "bash"},
	{"python3", "python3", "python3-minimal"},
}

// KernelFeatures are the kernel features lessons name in `needs:`, with
// the module that gives each.
var KernelFeatures = []struct{ Need, Module string }{
	{"vxlan", "vxlan"},
	{"ipip", "ipip"},
	{"ipvs", "ip_vs"},
	{"br_netfilter", "br_netfilter"},
}

// Run does every check against sys.
func Run(sys System) *Result {
	r := &Result{Root: sys.Euid() == 0}
	p := sys.Probe()
	add := func(c Check) { r.Checks = append(r.Checks, c) }

	add(checkUserNS(sys, p, r.Root))
	nsOK := p.Namespaces == ""
	if nsOK {
		add(mountCheck("proc", p.Proc))
		c := mountCheck("sysfs", p.Sysfs)
		if p.SysfsReadOnly {
			c.Seen = "read-only (the /sys around is read-only, as in a container)"
		}
		add(c)
	}
	if !r.Root {
		add(checkSubIDs(sys))
	}
	if nsOK {
		c := Check{ID: "af_packet", OK: p.Packet == "", Seen: p.Packet, Affects: []string{"capture"}}
		if !c.OK {
			c.Fixes = []Fix{{"host", "modprobe af_packet (CONFIG_PACKET)"}, {"kubernetes", "seccomp profile RuntimeDefault allows socket(AF_PACKET) with CAP_NET_RAW in the pod's user namespace: do not drop NET_RAW"}}
		}
		add(c)
		c = Check{ID: "nftables", OK: p.Nftables == "", Seen: p.Nftables, Affects: []string{"nat"}}
		if !c.OK {
			c.Fixes = []Fix{{"host", "modprobe nf_tables (CONFIG_NF_TABLES, CONFIG_NFT_NAT, CONFIG_NFT_MASQ)"}, {"kubernetes", "a node kernel with nf_tables; the module cannot be loaded from a pod"}}
		}
		add(c)
	}
	add(checkIptablesNft(sys))
	add(checkCgroup(sys, r.Root))
	for _, kf := range KernelFeatures {
		add(checkKernel(sys, p, kf.Need, kf.Module))
	}
	for _, t := range Tools {
		c := Check{ID: "tool." + t.Name, OK: true}
		if _, err := sys.LookPath(t.Name); err != nil {
			c.OK = false
			c.Seen = t.Name + " not on PATH"
			if t.Need != "" {
				c.Affects = []string{t.Need}
			} else {
				c.Affects = []string{"shell"}
			}
			c.Fixes = []Fix{{"debian", "apt-get install " + t.Package}}
		}
		add(c)
	}

	lacks := map[string]bool{}
	for _, c := range r.Checks {
		if c.OK {
			continue
		}
		if c.Advisory {
			continue
		}
		if c.Fatal {
			r.Verdict = Unusable
		} else if r.Verdict == Ready {
			r.Verdict = Degraded
		}
		for _, a := range c.Affects {
			lacks[a] = true
		}
	}
	for n := range lacks {
		r.Lacks = append(r.Lacks, n)
	}
	sort.Strings(r.Lacks)
	return r
}

// sysctl reads /proc/sys/NAME (dots for slashes); "" when absent.
func sysctl(sys System, name string) string {
	b, err := sys.ReadFile("/proc/sys/" + strings.ReplaceAll(name, ".", "/"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func checkUserNS(sys System, p NSProbe, root bool) Check {
	c := Check{ID: "userns", OK: p.Namespaces == "", Fatal: true}
	if c.OK {
		return c
	}
	c.Seen = p.Namespaces
	if root {
		c.ID = "namespaces"
		c.Fixes = []Fix{
			{"host", "run nettutor on a Linux host or VM (root in a container without CAP_SYS_ADMIN cannot make namespaces)"},
			{"kubernetes", "hostUsers: false with capabilities SYS_ADMIN, NET_ADMIN (deploy/kubernetes)"},
			{"docker", "docker run --privileged, or --cap-add SYS_ADMIN --security-opt seccomp=unconfined"},
		}
		return c
	}
	seen := []string{p.Namespaces}
	if v := sysctl(sys, "kernel.apparmor_restrict_unprivileged_userns"); v == "1" {
		seen = append(seen, "kernel.apparmor_restrict_unprivileged_userns=1")
		c.Fixes = append(c.Fixes,
			Fix{"ubuntu", "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"},
			Fix{"ubuntu", "an AppArmor profile for nettutor with `userns,` (/etc/apparmor.d/nettutor)"})
	}
	if v := sysctl(sys, "kernel.unprivileged_userns_clone"); v == "0" {
		seen = append(seen, "kernel.unprivileged_userns_clone=0")
		c.Fixes = append(c.Fixes, Fix{"debian", "sysctl -w kernel.unprivileged_userns_clone=1"})
	}
	if v := sysctl(sys, "user.max_user_namespaces"); v == "0" {
		seen = append(seen, "user.max_user_namespaces=0")
		c.Fixes = append(c.Fixes, Fix{"host", "sysctl -w user.max_user_namespaces=15000"})
	}
	c.Fixes = append(c.Fixes,
		Fix{"host", "run as root: sudo nettutor"},
		Fix{"kubernetes", "a node that allows user namespaces (hostUsers: false needs kernel >= 6.3, containerd >= 2.0, runc >= 1.2)"})
	c.Seen = strings.Join(seen, "; ")
	return c
}

func mountCheck(what, errText string) Check {
	c := Check{ID: what, OK: errText == "", Fatal: true, Seen: errText}
	if !c.OK {
		c.Fixes = []Fix{
			{"kubernetes", "securityContext.procMount: Unmasked (with hostUsers: false)"},
			{"docker", "docker run --security-opt systempaths=unconfined"},
			{"podman", "podman run --security-opt unmask=ALL"},
		}
	}
	return c
}

// checkSubIDs: a rootless lab maps subordinate ids only with a range in
// both files and newuidmap/newgidmap installed set-uid (or with file caps).
func checkSubIDs(sys System) Check {
	c := Check{ID: "subids", OK: true, Affects: []string{"subids"}}
	user := sys.User()
	var missing []string
	for _, f := range []string{"/etc/subuid", "/etc/subgid"} {
		if !hasRange(sys, f, user, strconv.Itoa(sys.Euid())) {
			missing = append(missing, "no range for "+user+" in "+f)
		}
	}
	for _, p := range []string{"newuidmap", "newgidmap"} {
		path, err := sys.LookPath(p)
		if err != nil {
			missing = append(missing, p+" not on PATH")
		} else if !sys.Setuid(path) {
			missing = append(missing, path+" is neither set-uid nor has file capabilities")
		}
	}
	if len(missing) > 0 {
		c.OK = false
		c.Seen = strings.Join(missing, "; ")
		c.Fixes = []Fix{
			{"host", "usermod --add-subuids 100000-165535 --add-subgids 100000-165535 " + user},
			{"debian", "apt-get install uidmap"},
		}
	}
	return c
}

func hasRange(sys System, file string, names ...string) bool {
	b, err := sys.ReadFile(file)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(strings.TrimSpace(line), ":")
		if len(f) != 3 {
			continue
		}
		for _, n := range names {
			if f[0] == n {
				if k, err := strconv.Atoi(f[2]); err == nil && k > 0 {
					return true
				}
			}
		}
	}
	return false
}

// checkIptablesNft: the tutor writes rules by nftables netlink in the form
// iptables-nft reads; a legacy iptables in the lab shell would list none.
func checkIptablesNft(sys System) Check {
	c := Check{ID: "iptables-nft", OK: true, Affects: []string{"nat"}}
	path, err := sys.LookPath("iptables")
	if err != nil {
		c.OK, c.Seen = false, "iptables not on PATH"
	} else if tgt, err := readlinkAll(sys, path); err == nil && strings.Contains(tgt, "legacy") {
		c.OK, c.Seen = false, path+" is "+tgt
	}
	if !c.OK {
		c.Fixes = []Fix{
			{"debian", "apt-get install iptables && update-alternatives --set iptables /usr/sbin/iptables-nft"},
		}
	}
	return c
}

// readlinkAll resolves path's symlinks through sys (ReadFile of a special
// "readlink:" name keeps System small).
func readlinkAll(sys System, path string) (string, error) {
	b, err := sys.ReadFile("readlink:" + path)
	return string(b), err
}

// checkCgroup: lab limits in a cgroup of their own (v2 delegating pids
// and memory to our cgroup's children, or v1 as root); without, rlimits
// alone bound each process, and the cgroups lesson's limits are not shown
// by the kernel's own files.
func checkCgroup(sys System, root bool) Check {
	c := Check{ID: "cgroup", OK: true, Advisory: true}
	rel := ""
	v1 := false
	if b, err := sys.ReadFile("/proc/self/cgroup"); err == nil {
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			p := strings.SplitN(line, ":", 3)
			if len(p) != 3 {
				continue
			}
			if p[0] == "0" && p[1] == "" {
				rel = p[2]
			} else {
				v1 = true
			}
		}
	}
	if b, err := sys.ReadFile("/sys/fs/cgroup" + rel + "/cgroup.subtree_control"); err == nil {
		ctl := " " + strings.TrimSpace(string(b)) + " "
		if strings.Contains(ctl, " pids ") && strings.Contains(ctl, " memory ") {
			return c
		}
		c.Seen = "cgroup v2 " + rel + " delegates [" + strings.TrimSpace(string(b)) + "], not pids and memory"
	} else if v1 && root {
		return c
	} else if v1 {
		c.Seen = "cgroup v1: only root may make cgroups"
	} else {
		c.Seen = "no cgroup v2 hierarchy at /sys/fs/cgroup"
	}
	c.OK = false
	c.Fixes = []Fix{
		{"host", "systemd-run --user --scope -p Delegate=yes nettutor (or Delegate=pids memory cpu in user@.service)"},
		{"kubernetes", "cgroup v2 nodes: the pod's cgroup is delegated with hostUsers: false (containerd >= 2.0)"},
	}
	return c
}

func checkKernel(sys System, p NSProbe, need, module string) Check {
	c := Check{ID: "kernel." + need, Affects: []string{need}}
	loaded := sys.Exists("/sys/module/" + module)
	// What the throwaway namespace saw: a built-in driver without module
	// parameters has no /sys/module entry, but shows itself there.
	switch need {
	case "vxlan":
		c.OK = loaded && p.VXLAN == ""
		if loaded && p.VXLAN != "" {
			c.Seen = "vxlan device in a new namespace: " + p.VXLAN
		}
	case "ipip":
		c.OK = loaded || p.Tunl0
	case "ipvs":
		c.OK = loaded || p.IPVS
	case "br_netfilter":
		c.OK = loaded || p.BrNetfilter
	}
	if c.OK {
		return c
	}
	if c.Seen == "" {
		c.Seen = "module " + module + " neither loaded nor built in"
	}
	c.Fixes = []Fix{
		{"host", "modprobe " + module + " (and echo " + module + " > /etc/modules-load.d/nettutor.conf)"},
		{"kubernetes", "load " + module + " on the node (a pod cannot load modules)"},
	}
	return c
}
