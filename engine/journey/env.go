package journey

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/google/nftables"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/iptables"
	"github.com/nettutor/nettutor/engine/nsutil"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// nsEnv is one visible namespace with what the explanation needs of it.
type nsEnv struct {
	name     string
	path     string // "" for the caller's own namespace
	fd       netns.NsHandle
	h        *netlink.Handle
	snap     *engine.Namespace
	rules    []iptables.Rule   // parsed from the snapshot's iptables -S lines
	policy   map[string]string // "filter/FORWARD" -> "DROP" or "ACCEPT"
	sysctl   map[string]string
	localIPs map[string]bool
	// unparsed counts the rules not in a form the replay reads (nft-only
	// matches such as addrtype): a replayed journey says it skipped them.
	unparsed int
	// unrendered counts the rules the snapshot could not spell at all
	// ("# nft:" lines): only for those does a trace need iptables-save
	// (svc_save.go) to name a rule it crossed.
	unrendered int
	// vx are the namespace's VXLAN devices by name (tunnel.go).
	vx map[string]*vxDev
	// save is iptables-save's listing, asked for while a trace runs
	// (svc_save.go), for the rules the snapshot lists as "# nft:".
	save *saved
	// nft is a lasting nftables connection in the namespace (nil: none
	// could be made; readers then open their own).
	nft *nftables.Conn
}

// env is every namespace the caller can see: its own ("host") and those
// pinned under dir, as `nettutor inspect` sees them.
type env struct {
	nss  []*nsEnv
	snap *engine.Snapshot
	// onPath are the namespaces checkInside's walk crossed, by a route or
	// at layer 2 through a veth (fastrules.go): where iptables-save is
	// started ahead.
	onPath map[string]bool
}

func (e *env) close() {
	for _, n := range e.nss {
		if n.h != nil {
			n.h.Close()
		}
		if n.nft != nil {
			n.nft.CloseLasting()
		}
		n.fd.Close()
	}
}

func (e *env) ns(name string) *nsEnv {
	for _, n := range e.nss {
		if n.name == name {
			return n
		}
	}
	return nil
}

// owner returns the namespace that has ip as one of its addresses.
func (e *env) owner(ip string) *nsEnv {
	for _, n := range e.nss {
		if n.localIPs[ip] {
			return n
		}
	}
	return nil
}

// openEnv opens the caller's own namespace ("host") and each one pinned
// under dir once: its fd, netlink handle and a lasting nftables
// connection serve both the snapshot and the trace.
func openEnv(dir string, ph *Phases) (*env, error) {
	self, err := netns.Get()
	if err != nil {
		return nil, fmt.Errorf("open own network namespace: %w", err)
	}
	var selfSt syscall.Stat_t
	if err := syscall.Fstat(int(self), &selfSt); err != nil {
		self.Close()
		return nil, fmt.Errorf("stat own network namespace: %w", err)
	}
	e := &env{}
	h, err := netlink.NewHandleAt(self)
	if err != nil {
		self.Close()
		return nil, fmt.Errorf("netlink in %s: %w", engine.HostNS, err)
	}
	e.nss = append(e.nss, &nsEnv{name: engine.HostNS, fd: self, h: h})
	ents, _ := os.ReadDir(dir)
	// Each namespace is opened on a thread of its own (a netlink handle is
	// made by entering the namespace): side by side.
	others := make([]*nsEnv, len(ents))
	var wg sync.WaitGroup
	for i, d := range ents {
		p := filepath.Join(dir, d.Name())
		var st syscall.Stat_t
		if syscall.Stat(p, &st) != nil || (st.Dev == selfSt.Dev && st.Ino == selfSt.Ino) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			fd, err := netns.GetFromPath(p)
			if err != nil {
				return // not a namespace pin (or not ours to open)
			}
			h, err := netlink.NewHandleAt(fd)
			if err != nil {
				fd.Close()
				return
			}
			others[i] = &nsEnv{name: d.Name(), path: p, fd: fd, h: h}
		}()
	}
	wg.Wait()
	for _, n := range others {
		if n != nil {
			e.nss = append(e.nss, n)
		}
	}
	sort.SliceStable(e.nss[1:], func(i, j int) bool { return e.nss[1+i].name < e.nss[1+j].name })
	refs := make([]engine.NSRef, len(e.nss))
	for i, n := range e.nss {
		n.policy, n.sysctl, n.localIPs = map[string]string{}, map[string]string{}, map[string]bool{}
		if c, err := nftables.New(nftables.AsLasting(), nftables.WithNetNSFd(int(n.fd))); err == nil {
			n.nft = c
		}
		refs[i] = engine.NSRef{Name: n.name, FD: n.fd, NL: n.h, Nft: n.nft}
	}
	ph.mark("open-handles")
	snap, err := engine.InspectRefs(refs)
	if err != nil {
		e.close()
		return nil, fmt.Errorf("read namespaces: %w", err)
	}
	e.snap = snap
	for _, n := range e.nss {
		n.snap = snap.NS(n.name)
	}
	ph.mark("inspect")
	e.prepare()
	ph.mark("prepare")
	return e, nil
}

// openLabEnv is the env of an engine lab: its host namespace and its named
// ones, reached by the paths the engine uses (the lab's host is not the
// caller's own namespace), with the lab's own snapshot.
func openLabEnv(lab *engine.Lab) (*env, error) { return openLabEnvSnap(lab, nil) }

// openLabEnvSnap is openLabEnv with the lab's snapshot already taken (nil:
// take it now).
func openLabEnvSnap(lab *engine.Lab, snap *engine.Snapshot) (*env, error) {
	if snap == nil {
		var err error
		if snap, err = lab.Snapshot(); err != nil {
			return nil, fmt.Errorf("read the lab: %w", err)
		}
	}
	e := &env{snap: snap}
	for i := range snap.Namespaces {
		name := snap.Namespaces[i].Name
		path := lab.NSPath(name)
		fd, err := netns.GetFromPath(path)
		if err != nil {
			e.close()
			return nil, fmt.Errorf("open namespace %s: %w", name, err)
		}
		h, err := netlink.NewHandleAt(fd)
		if err != nil {
			fd.Close()
			e.close()
			return nil, fmt.Errorf("netlink in %s: %w", name, err)
		}
		e.nss = append(e.nss, &nsEnv{name: name, path: path, fd: fd, h: h, snap: &snap.Namespaces[i],
			policy: map[string]string{}, sysctl: map[string]string{}, localIPs: map[string]bool{}})
	}
	e.prepare()
	return e, nil
}

// prepare reads, for every namespace of e, what the explanation needs
// besides the snapshot: its addresses, parsed rules, sysctls and policies.
func (e *env) prepare() {
	for _, n := range e.nss {
		if n.snap == nil {
			n.snap = &engine.Namespace{Name: n.name, Sysctl: map[string]string{}}
		}
		for _, l := range n.snap.Links {
			for _, a := range l.Addrs {
				ip, _, _ := strings.Cut(a, "/")
				n.localIPs[ip] = true
			}
		}
		for _, line := range n.snap.Rules {
			if strings.HasPrefix(line, "#") {
				n.unparsed++
				n.unrendered++
				continue
			}
			if r, ok := replayed(line); ok {
				n.rules = append(n.rules, r)
			} else {
				n.unparsed++
			}
		}
		n.readSysctls()
		n.readPolicies()
		n.readVXLAN()
	}
}

// sysctls the explanation reads in every namespace.
var sysctlKeys = []string{
	"net.ipv4.ip_forward",
	"net.ipv4.conf.all.rp_filter",
	"net.bridge.bridge-nf-call-iptables",
	"net.ipv4.conf.all.proxy_arp",
}

func (n *nsEnv) readSysctls() {
	keys := append([]string{}, sysctlKeys...)
	for _, l := range n.snap.Links {
		keys = append(keys, "net.ipv4.conf."+l.Name+".rp_filter", ForwardingKey(l.Name))
		if l.Kind == "veth" {
			keys = append(keys, "net.ipv4.conf."+l.Name+".proxy_arp", "net.ipv4.neigh."+l.Name+".proxy_delay")
		}
	}
	_ = nsutil.Do(n.fd, func() error {
		// Plain open/read/close: os.ReadFile would also register each
		// file with the runtime's poller and stat it, for a few bytes.
		var b [64]byte
		for _, k := range keys {
			fd, err := unix.Open(filepath.Join("/proc/sys", strings.ReplaceAll(k, ".", "/")), unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				continue
			}
			m, err := unix.Read(fd, b[:])
			unix.Close(fd)
			if err == nil && m >= 0 {
				n.sysctl[k] = strings.TrimSpace(string(b[:m]))
			}
		}
		return nil
	})
	// The device part of a key may hold a dot (eth0.10): the loop above
	// replaced it; such devices are rare in labs and only lose rp_filter.
}

// readPolicies reads the policies of the filter table's base chains
// (iptables -S prints them as -P lines; the snapshot keeps only rules).
func (n *nsEnv) readPolicies() {
	c := n.nft
	if c == nil {
		var err error
		if c, err = nftables.New(nftables.WithNetNSFd(int(n.fd))); err != nil {
			return
		}
		defer c.CloseLasting()
	}
	chains, err := c.ListChainsOfTableFamily(nftables.TableFamilyIPv4)
	if err != nil {
		return
	}
	for _, ch := range chains {
		if ch.Policy == nil || ch.Table == nil {
			continue
		}
		p := "ACCEPT"
		if *ch.Policy == nftables.ChainPolicyDrop {
			p = "DROP"
		}
		n.policy[ch.Table.Name+"/"+ch.Name] = p
	}
}

func (n *nsEnv) on(key string) bool { return n.sysctl[key] == "1" }

// ForwardingKey is the sysctl that decides whether IPv4 packets that
// arrive on dev for another address are forwarded: the kernel asks the
// ingress device's own conf (IN_DEV_FORWARD in ip_route_input_slow), not
// net.ipv4.ip_forward, which only sets every device's value at once when
// written (and reads back as conf.all.forwarding).
func ForwardingKey(dev string) string { return "net.ipv4.conf." + dev + ".forwarding" }

// Forwards decides whether a namespace forwards what arrives on dev, from
// its sysctls as get reads them (ok false: not known); devs are the
// namespace's devices. key is the sysctl that explains the answer:
// net.ipv4.ip_forward while every device agrees with it (the usual case,
// and the usual fix), else dev's own ForwardingKey, which a learner who
// set forwarding per device reads as what they changed. With neither
// known it answers false, as a kernel whose ip_forward reads 0.
func Forwards(get func(key string) (string, bool), dev string, devs []string) (on bool, key string) {
	all, okAll := get("net.ipv4.ip_forward")
	d, okDev := "", false
	if dev != "" {
		d, okDev = get(ForwardingKey(dev))
	}
	uniform := okAll
	for _, o := range devs {
		if v, ok := get(ForwardingKey(o)); ok && v != all {
			uniform = false
		}
	}
	if !okDev || uniform {
		return all == "1", "net.ipv4.ip_forward"
	}
	return d == "1", ForwardingKey(dev)
}

// forwards is Forwards on n's sysctls.
func (n *nsEnv) forwards(dev string) (bool, string) {
	var devs []string
	if n.snap != nil {
		for _, l := range n.snap.Links {
			devs = append(devs, l.Name)
		}
	}
	return Forwards(func(k string) (string, bool) { v, ok := n.sysctl[k]; return v, ok }, dev, devs)
}

// knowsForwarding says whether n's sysctls say anything about forwarding
// on dev (a snapshot written by hand may hold none).
func (n *nsEnv) knowsForwarding(dev string) bool {
	_, a := n.sysctl["net.ipv4.ip_forward"]
	_, d := n.sysctl[ForwardingKey(dev)]
	return a || d
}

// shortKey is a forwarding key as the why lines write it: ip_forward,
// conf.br0.forwarding.
func shortKey(key string) string { return strings.TrimPrefix(key, "net.ipv4.") }

// rpFilter is the effective rp_filter of dev: the kernel uses the larger
// of "all" and the device's own.
func (n *nsEnv) rpFilter(dev string) string {
	a, d := n.sysctl["net.ipv4.conf.all.rp_filter"], n.sysctl["net.ipv4.conf."+dev+".rp_filter"]
	if d > a {
		return d
	}
	return a
}

// link returns the snapshot's link called name.
func (n *nsEnv) link(name string) *engine.Link {
	if n.snap == nil {
		return nil
	}
	return n.snap.Link(name)
}

// matchRoute is the snapshot route that a lookup of dst matches: the
// longest prefix (the main table only, as the snapshot holds it).
func (n *nsEnv) matchRoute(dst net.IP) *engine.Route {
	var best *engine.Route
	bestLen := -1
	for i, r := range n.snap.Routes {
		var cidr *net.IPNet
		if r.Dst == "default" {
			_, cidr, _ = net.ParseCIDR("0.0.0.0/0")
		} else if _, c, err := net.ParseCIDR(r.Dst); err == nil {
			cidr = c
		} else if ip := net.ParseIP(r.Dst); ip != nil {
			cidr = &net.IPNet{IP: ip, Mask: net.CIDRMask(32, 32)}
		}
		if cidr == nil || !cidr.Contains(dst) {
			continue
		}
		if l, _ := cidr.Mask.Size(); l > bestLen {
			best, bestLen = &n.snap.Routes[i], l
		}
	}
	return best
}

func routeText(r *engine.Route) string {
	s := r.Dst
	if r.Gw != "" {
		s += " via " + r.Gw
	}
	return s + " dev " + r.Dev
}

// replayed is the rule of a snapshot line the iptables -S replay reads.
// The snapshot now spells kube-proxy's rules in full (iptables/render.go);
// Parse fails on most of them (-m statistic, -m mark), but reads two forms
// only by dropping their order or an empty match: a comment before the
// port match, and "-m tcp" with no port (KUBE-SEP's DNAT). The replay
// reads those over netlink (svc_predict.go), as it did when the snapshot
// listed them as "# nft:" lines, so they are left to it here too.
func replayed(line string) (iptables.Rule, bool) {
	r, err := iptables.Parse(iptables.Fields(line))
	if err != nil || renderOnly(iptables.Fields(line)) {
		return iptables.Rule{}, false
	}
	return r, true
}

// renderOnly reports the two forms of replayed's comment in a rule's words.
func renderOnly(f []string) bool {
	comment := false
	for i := 0; i+1 < len(f); i++ {
		if f[i] != "-m" {
			continue
		}
		switch f[i+1] {
		case "comment":
			comment = true
		case "tcp", "udp":
			if comment || i+2 >= len(f) || (f[i+2] != "--sport" && f[i+2] != "--dport" && f[i+2] != "!") {
				return true
			}
		}
	}
	return false
}
