package lessons

import (
	"fmt"
	"net"
	"strings"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/iptables"
)

// ActionArgs holds the fields of every action kind; each kind uses some of
// them (see actionKinds and FORMAT.md).
type ActionArgs struct {
	NS       string   `yaml:"ns"`
	Name     string   `yaml:"name"`
	Peer     string   `yaml:"peer"`
	PeerNS   string   `yaml:"peer_ns"`
	To       string   `yaml:"to"`
	Master   string   `yaml:"master"`
	MTU      int      `yaml:"mtu"`
	NewName  string   `yaml:"new_name"`
	Dev      string   `yaml:"dev"`
	Addr     string   `yaml:"addr"`
	Dst      string   `yaml:"dst"`
	Via      string   `yaml:"via"`
	Key      string   `yaml:"key"`
	Value    string   `yaml:"value"`
	Rule     string   `yaml:"rule"`
	Unshare  []string `yaml:"unshare"`
	Hostname string   `yaml:"hostname"`
	Sh       string   `yaml:"sh"`
	Count    int      `yaml:"count"`
	Expect   string   `yaml:"expect"`
	Port     int      `yaml:"port"`
	Banner   string   `yaml:"banner"`
	What     string   `yaml:"what"`
	// Makes lists the links a run command leaves ("NS/LINK"), such as a
	// CNI plugin's cni0: the validator cannot read shell, and later steps
	// may name them.
	Makes []string `yaml:"makes"`
	// The overlay actions (vxlan, neigh_add, fdb_add, link_address) and
	// the route forms flanneld and Calico leave; see overlay_args.go.
	ID       int    `yaml:"id"`
	DstPort  int    `yaml:"dstport"`
	Local    string `yaml:"local"`
	Remote   string `yaml:"remote"`
	Address  string `yaml:"address"`
	Learning bool   `yaml:"learning"`
	IP       string `yaml:"ip"`
	LLAddr   string `yaml:"lladdr"`
	MAC      string `yaml:"mac"`
	OnLink   bool   `yaml:"onlink"`
	Proto    string `yaml:"proto"`
	Type     string `yaml:"type"`
	Scope    string `yaml:"scope"`
}

// AssertArgs holds the fields of every assertion kind (expectations and
// exercise checks share them; see assertKinds and FORMAT.md).
type AssertArgs struct {
	NS           string `yaml:"ns"`
	Name         string `yaml:"name"`
	State        string `yaml:"state"`
	Addr         string `yaml:"addr"`
	Master       string `yaml:"master"`
	Peer         string `yaml:"peer"` // NS/NAME
	Kind         string `yaml:"kind"`
	Absent       bool   `yaml:"absent"`
	Up           *bool  `yaml:"up"`
	Dst          string `yaml:"dst"`
	Via          string `yaml:"via"`
	Dev          string `yaml:"dev"`
	IP           string `yaml:"ip"`
	Bridge       string `yaml:"bridge"`
	MacOf        string `yaml:"mac_of"` // NS/LINK
	Key          string `yaml:"key"`
	Value        string `yaml:"value"`
	Spec         string `yaml:"spec"`
	From         string `yaml:"from"`
	To           string `yaml:"to"`
	Banner       string `yaml:"banner"`
	Capture      string `yaml:"capture"`
	Match        string `yaml:"match"`
	Min          int    `yaml:"min"`
	Src          string `yaml:"src"`
	A            string `yaml:"a"`
	B            string `yaml:"b"`
	CaptureNS    string `yaml:"capture_ns"`
	CaptureIface string `yaml:"capture_iface"`
	Path         string `yaml:"path"`
	UIDMin       *int   `yaml:"uid_min"`
	UIDNot       *int   `yaml:"uid_not"`
	// UIDMap asks that the file hold its writer's /proc/self/uid_map and
	// that its owner be where that map sends uid 0: an owner alone can be
	// set by chown.
	UIDMap   bool   `yaml:"uid_map"`
	Contains string `yaml:"contains"`
	// Table and Chain name a chain whose policy a policy check reads
	// (table: filter when empty).
	Table string `yaml:"table"`
	Chain string `yaml:"chain"`
	// Size is a reachable check's echo data in bytes, sent with DF set
	// (ping -M do -s SIZE); 0 is a plain ping.
	Size int `yaml:"size"`
	// Port and VNI are the VXLAN UDP destination port and network
	// identifier an encapsulated check asks for (VNI 0: 1).
	Port int `yaml:"port"`
	VNI  int `yaml:"vni"`
	// Banners and Count: an endpoints check's endpoints, each known by
	// what it answers, and the most connections it makes (0: 24).
	Banners []string `yaml:"banners"`
	Count   int      `yaml:"count"`
}

// kindSpec lists the fields a kind allows and those it requires.
type kindSpec struct {
	fields   []string
	required []string
}

var actionKinds = map[string]kindSpec{
	"netns_add":     {[]string{"name"}, []string{"name"}},
	"netns_del":     {[]string{"name"}, []string{"name"}},
	"veth":          {[]string{"ns", "name", "peer", "peer_ns"}, []string{"name", "peer"}},
	"bridge":        {[]string{"ns", "name"}, []string{"name"}},
	"link_up":       {[]string{"ns", "name"}, []string{"name"}},
	"link_down":     {[]string{"ns", "name"}, []string{"name"}},
	"link_netns":    {[]string{"ns", "name", "to"}, []string{"name", "to"}},
	"link_master":   {[]string{"ns", "name", "master"}, []string{"name", "master"}},
	"link_nomaster": {[]string{"ns", "name"}, []string{"name"}},
	"link_mtu":      {[]string{"ns", "name", "mtu"}, []string{"name", "mtu"}},
	"link_rename":   {[]string{"ns", "name", "new_name"}, []string{"name", "new_name"}},
	"addr_add":      {[]string{"ns", "dev", "addr"}, []string{"dev", "addr"}},
	"addr_del":      {[]string{"ns", "dev", "addr"}, []string{"dev", "addr"}},
	"route_add":     {[]string{"ns", "dst", "via", "dev", "onlink", "proto", "type", "scope"}, []string{"dst"}},
	"route_del":     {[]string{"ns", "dst", "via", "dev", "onlink", "proto", "type", "scope"}, []string{"dst"}},
	"sysctl":        {[]string{"ns", "key", "value"}, []string{"key", "value"}},
	"iptables":      {[]string{"ns", "rule"}, []string{"rule"}},
	"iptables_del":  {[]string{"ns", "rule"}, []string{"rule"}},
	"run":           {[]string{"ns", "unshare", "hostname", "sh", "makes"}, []string{"sh"}},
	"userns":        {[]string{"sh"}, []string{"sh"}},
	"ping":          {[]string{"ns", "dst", "count", "expect"}, []string{"dst"}},
	"tcp_serve":     {[]string{"ns", "port", "banner"}, []string{"port"}},
	"tcp_connect":   {[]string{"ns", "addr", "expect"}, []string{"addr"}},
	"show":          {[]string{"ns", "what", "dev", "dst"}, []string{"what"}},
	"vxlan":         {[]string{"ns", "name", "id", "dstport", "local", "dev", "remote", "address", "learning"}, []string{"name", "id", "dstport"}},
	"neigh_add":     {[]string{"ns", "ip", "lladdr", "dev"}, []string{"ip", "lladdr", "dev"}},
	"fdb_add":       {[]string{"ns", "mac", "dev", "dst"}, []string{"mac", "dev", "dst"}},
	"link_address":  {[]string{"ns", "name", "address"}, []string{"name", "address"}},
}

var assertKinds = map[string]kindSpec{
	"link":           {[]string{"ns", "name", "state", "addr", "master", "peer", "kind", "absent"}, []string{"name"}},
	"addr":           {[]string{"ns", "addr", "up"}, []string{"addr"}},
	"route":          {[]string{"ns", "dst", "via", "dev", "absent"}, []string{"dst"}},
	"neighbor":       {[]string{"ns", "ip", "absent"}, []string{"ip"}},
	"fdb":            {[]string{"ns", "bridge", "mac_of"}, []string{"bridge", "mac_of"}},
	"sysctl":         {[]string{"ns", "key", "value"}, []string{"key", "value"}},
	"rule":           {[]string{"ns", "spec"}, []string{"spec"}},
	"reachable":      {[]string{"from", "to", "size"}, []string{"from", "to"}},
	"unreachable":    {[]string{"from", "to"}, []string{"from", "to"}},
	"tcp":            {[]string{"from", "addr", "banner"}, []string{"from", "addr"}},
	"packet":         {[]string{"capture", "match", "min", "src", "dst"}, []string{"capture"}},
	"veth_pair":      {[]string{"a", "b"}, []string{"a", "b"}},
	"bridge_port":    {[]string{"bridge", "ns"}, []string{"bridge", "ns"}},
	"no_direct_veth": {[]string{"a", "b"}, []string{"a", "b"}},
	"udp_flow":       {[]string{"from", "addr", "capture_ns", "src"}, []string{"from", "addr", "capture_ns", "src"}},
	"snat":           {[]string{"from", "to", "capture_ns", "capture_iface", "src"}, []string{"from", "to", "capture_ns", "src"}},
	"file_owner":     {[]string{"path", "uid_min", "uid_not", "uid_map"}, []string{"path"}},
	"output":         {[]string{"contains"}, []string{"contains"}},
	"contained":      {[]string{"path", "ns"}, []string{"path", "ns"}},
	"forwards":       {[]string{"ns", "from", "to"}, []string{"from", "to"}},
	"policy":         {[]string{"ns", "table", "chain", "value"}, []string{"chain", "value"}},
	"routed_pod":     {[]string{"ns", "addr"}, []string{"ns", "addr"}},
	"node_route":     {[]string{"ns", "dst", "to"}, []string{"ns", "dst", "to"}},
	"encapsulated":   {[]string{"from", "to", "ns", "port", "vni"}, []string{"from", "to", "port"}},
	"endpoints":      {[]string{"from", "addr", "banners", "count"}, []string{"from", "addr", "banners"}},
}

// ActionKinds returns the action keys, for documentation and tests.
func ActionKinds() []string { return sortedKeys(actionKinds) }

// AssertKinds returns the expectation/check keys.
func AssertKinds() []string { return sortedKeys(assertKinds) }

// Needs are the kernel features a lesson may declare in `needs`.
var Needs = []string{"capture", "nat", "userns", "bridge"}

func nsOr(ns string) string {
	if ns == "" {
		return engine.HostNS
	}
	return ns
}

// buildAction makes the engine action of a decoded action. Its errors are
// messages for the field named in the returned string ("" = the action).
func buildAction(kind string, a ActionArgs) (engine.Action, string, error) {
	switch kind {
	case "netns_add":
		return engine.NetnsAdd{Name: a.Name}, "", nil
	case "netns_del":
		return engine.NetnsDel{Name: a.Name}, "", nil
	case "veth":
		return engine.VethAdd{NS: a.NS, Name: a.Name, Peer: a.Peer, PeerNS: a.PeerNS}, "", nil
	case "bridge":
		return engine.BridgeAdd{NS: a.NS, Name: a.Name}, "", nil
	case "link_up":
		return engine.LinkUp{NS: a.NS, Name: a.Name}, "", nil
	case "link_down":
		return engine.LinkDown{NS: a.NS, Name: a.Name}, "", nil
	case "link_netns":
		return engine.LinkSetNetns{NS: a.NS, Name: a.Name, To: a.To}, "", nil
	case "link_master":
		return engine.LinkSetMaster{NS: a.NS, Name: a.Name, Master: a.Master}, "", nil
	case "link_nomaster":
		return engine.LinkNoMaster{NS: a.NS, Name: a.Name}, "", nil
	case "link_mtu":
		if a.MTU < 68 || a.MTU > 65535 {
			return nil, "mtu", fmt.Errorf("mtu %d: want 68..65535", a.MTU)
		}
		return engine.LinkSetMTU{NS: a.NS, Name: a.Name, MTU: a.MTU}, "", nil
	case "link_rename":
		return engine.LinkRename{NS: a.NS, Name: a.Name, NewName: a.NewName}, "", nil
	case "addr_add", "addr_del":
		if err := checkCIDR(a.Addr, true); err != nil {
			return nil, "addr", err
		}
		if kind == "addr_add" {
			return engine.AddrAdd{NS: a.NS, Dev: a.Dev, Addr: a.Addr}, "", nil
		}
		return engine.AddrDel{NS: a.NS, Dev: a.Dev, Addr: a.Addr}, "", nil
	case "route_add", "route_del":
		if a.Dst != "default" {
			if err := checkCIDROrIP(a.Dst); err != nil {
				return nil, "dst", err
			}
		}
		if a.Via != "" {
			if err := checkIP(a.Via); err != nil {
				return nil, "via", err
			}
		}
		if field, err := checkRouteForm(kind, a); err != nil {
			return nil, field, err
		}
		if kind == "route_add" && a.Via == "" && a.Dev == "" && (a.Type == "" || a.Type == "unicast") {
			return nil, "", fmt.Errorf("%s needs via or dev", kind)
		}
		if kind == "route_add" {
			return engine.RouteAdd{NS: a.NS, Dst: a.Dst, Via: a.Via, Dev: a.Dev, OnLink: a.OnLink, Proto: a.Proto, Type: a.Type, Scope: a.Scope}, "", nil
		}
		return engine.RouteDel{NS: a.NS, Dst: a.Dst, Via: a.Via, Dev: a.Dev, OnLink: a.OnLink, Proto: a.Proto, Type: a.Type, Scope: a.Scope}, "", nil
	case "sysctl":
		if !strings.HasPrefix(a.Key, "net.") || strings.ContainsAny(a.Key, "/ ") || strings.Contains(a.Key, "..") {
			return nil, "key", fmt.Errorf("sysctl key %q: only net.* keys are per namespace", a.Key)
		}
		return engine.Sysctl{NS: a.NS, Key: a.Key, Value: a.Value}, "", nil
	case "iptables", "iptables_del":
		words, err := splitWords(a.Rule)
		if err != nil {
			return nil, "rule", err
		}
		r, err := iptables.Parse(words)
		if err != nil {
			return nil, "rule", fmt.Errorf("iptables rule: %v", err)
		}
		return engine.Iptables{NS: a.NS, Rule: r, Delete: kind == "iptables_del"}, "", nil
	case "run":
		uts := false
		for _, u := range a.Unshare {
			switch u {
			case "uts":
				uts = true
			case "ipc", "mount", "pid", "net", "cgroup":
			default:
				return nil, "unshare", fmt.Errorf("unshare: unknown namespace kind %q%s (want uts, ipc, mount, pid, net or cgroup)", u, suggest(u, []string{"uts", "ipc", "mount", "pid", "net", "cgroup"}))
			}
		}
		if a.Hostname != "" && !uts {
			return nil, "hostname", fmt.Errorf("hostname needs unshare: [uts]")
		}
		// A block scalar (`sh: |`) ends in a newline that is no part of
		// the command: the command shown, exported and noted ends where
		// its last line does (a here-document's EOF included).
		return engine.Run{NS: a.NS, Unshare: a.Unshare, Hostname: a.Hostname, Shell: strings.TrimRight(a.Sh, "\n")}, "", nil
	case "userns":
		return engine.UserNS{Shell: strings.TrimRight(a.Sh, "\n")}, "", nil
	case "ping":
		if err := checkIP(a.Dst); err != nil {
			return nil, "dst", err
		}
		switch a.Expect {
		case "", "reply", "no-reply":
		default:
			return nil, "expect", fmt.Errorf("expect %q: want reply or no-reply%s", a.Expect, suggest(a.Expect, []string{"reply", "no-reply"}))
		}
		if a.Count < 0 || a.Count > 20 {
			return nil, "count", fmt.Errorf("count %d: want 1..20", a.Count)
		}
		return engine.Ping{NS: a.NS, Dst: a.Dst, Count: a.Count}, "", nil
	case "tcp_serve":
		if a.Port < 1 || a.Port > 65535 {
			return nil, "port", fmt.Errorf("port %d: want 1..65535", a.Port)
		}
		return engine.TCPServe{NS: a.NS, Port: a.Port, Banner: a.Banner}, "", nil
	case "tcp_connect":
		if err := checkHostPort(a.Addr); err != nil {
			return nil, "addr", err
		}
		switch a.Expect {
		case "", "connect", "fail":
		default:
			return nil, "expect", fmt.Errorf("expect %q: want connect or fail%s", a.Expect, suggest(a.Expect, []string{"connect", "fail"}))
		}
		// A step about a refusal shows `nc -v`: plain nc prints nothing
		// when a connection fails, -v prints why.
		return engine.TCPConnect{NS: a.NS, Addr: a.Addr, Verbose: a.Expect == "fail", Once: a.Expect == "fail"}, "", nil
	case "show":
		kinds := append(append([]string{}, engine.ShowKinds...), engine.ToolShowKinds...)
		if !contains(kinds, a.What) {
			return nil, "what", fmt.Errorf("what %q: want one of %s%s", a.What, strings.Join(kinds, ", "), suggest(a.What, kinds))
		}
		if a.Dev != "" && !contains(engine.DevShowKinds, a.What) {
			return nil, "dev", fmt.Errorf("what %s takes no dev (dev narrows %s)", a.What, strings.Join(engine.DevShowKinds, ", "))
		}
		if a.Dst != "" {
			if !contains(engine.DstShowKinds, a.What) {
				return nil, "dst", fmt.Errorf("what %s takes no dst (dst narrows %s)", a.What, strings.Join(engine.DstShowKinds, ", "))
			}
			if ip := net.ParseIP(a.Dst); ip == nil || ip.To4() == nil {
				return nil, "dst", fmt.Errorf("dst %q: want an IPv4 address", a.Dst)
			}
		}
		return engine.Show{NS: a.NS, What: a.What, Dev: a.Dev, Dst: a.Dst}, "", nil
	case "vxlan", "neigh_add", "fdb_add", "link_address":
		return buildOverlayAction(kind, a)
	}
	return nil, "", fmt.Errorf("unknown action %q", kind)
}

// splitWords splits an iptables rule into words, honouring simple quotes.
func splitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	in := false
	quote := rune(0)
	for _, c := range s {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteRune(c)
			}
		case c == '\'' || c == '"':
			quote, in = c, true
		case c == ' ' || c == '\t' || c == '\n':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(c)
			in = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("iptables rule: unterminated quote")
	}
	if in {
		words = append(words, cur.String())
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("iptables rule is empty")
	}
	return words, nil
}
