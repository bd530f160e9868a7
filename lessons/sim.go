package lessons

import (
	"fmt"
	"sort"
	"strings"
)

// sim follows which namespaces and links exist, action by action, so that
// the validator can report a reference to one that does not exist at that
// point without touching the kernel.
type sim struct {
	ns       map[string]map[string]*simLink
	captures map[string]bool // running capture ids
}

type simLink struct {
	kind   string
	peerNS string
	peer   string
}

func newSim() *sim {
	s := &sim{ns: map[string]map[string]*simLink{}, captures: map[string]bool{}}
	s.ns["host"] = map[string]*simLink{"lo": {kind: "loopback"}}
	return s
}

func (s *sim) nsList() []string { return sortedKeys(s.ns) }

func (s *sim) needNS(ns string) string {
	ns = nsOr(ns)
	if _, ok := s.ns[ns]; ok {
		return ""
	}
	return fmt.Sprintf("namespace %q does not exist at this point (no netns_add before it)%s", ns, suggest(ns, s.nsList()))
}

func (s *sim) needLink(ns, name string) string {
	ns = nsOr(ns)
	if msg := s.needNS(ns); msg != "" {
		return msg
	}
	if _, ok := s.ns[ns][name]; ok {
		return ""
	}
	names := sortedKeys(s.ns[ns])
	for _, o := range s.nsList() {
		if _, ok := s.ns[o][name]; ok && o != ns {
			return fmt.Sprintf("%s has no link %q at this point (it is in %s)", ns, name, o)
		}
	}
	return fmt.Sprintf("%s has no link %q at this point (links: %s)%s", ns, name, strings.Join(names, ", "), suggest(name, names))
}

func (s *sim) link(ns, name string) *simLink { return s.ns[nsOr(ns)][name] }

// apply follows one action; it returns a message and the field it is about
// when the action refers to something that does not exist (or clashes).
func (s *sim) apply(kind string, a ActionArgs) (string, string) {
	ns := nsOr(a.NS)
	switch kind {
	case "netns_add":
		if a.Name == "host" {
			return `"host" is the lab host namespace; pick another name`, "name"
		}
		if _, ok := s.ns[a.Name]; ok {
			return fmt.Sprintf("namespace %q already exists at this point", a.Name), "name"
		}
		s.ns[a.Name] = map[string]*simLink{"lo": {kind: "loopback"}}
		return "", ""
	case "netns_del":
		if a.Name == "host" {
			return "the lab host namespace cannot be deleted", "name"
		}
		if msg := s.needNS(a.Name); msg != "" {
			return msg, "name"
		}
		for _, l := range s.ns[a.Name] {
			if l.peerNS != "" && l.peerNS != a.Name {
				delete(s.ns[l.peerNS], l.peer) // the kernel destroys both ends
			}
		}
		delete(s.ns, a.Name)
		return "", ""
	}
	// Everything else acts in an existing namespace.
	if msg := s.needNS(ns); msg != "" && kind != "userns" {
		return msg, "ns"
	}
	switch kind {
	case "veth":
		pns := ns
		if a.PeerNS != "" {
			pns = a.PeerNS
		}
		if msg := s.needNS(pns); msg != "" {
			return msg, "peer_ns"
		}
		if s.link(ns, a.Name) != nil {
			return fmt.Sprintf("%s already has a link %q", ns, a.Name), "name"
		}
		if s.link(pns, a.Peer) != nil || (pns == ns && a.Peer == a.Name) {
			return fmt.Sprintf("%s already has a link %q", pns, a.Peer), "peer"
		}
		s.ns[ns][a.Name] = &simLink{kind: "veth", peerNS: pns, peer: a.Peer}
		s.ns[pns][a.Peer] = &simLink{kind: "veth", peerNS: ns, peer: a.Name}
	case "bridge":
		if s.link(ns, a.Name) != nil {
			return fmt.Sprintf("%s already has a link %q", ns, a.Name), "name"
		}
		s.ns[ns][a.Name] = &simLink{kind: "bridge"}
	case "link_up", "link_down", "link_mtu", "link_nomaster":
		return s.needLink(ns, a.Name), "name"
	case "link_netns":
		if msg := s.needLink(ns, a.Name); msg != "" {
			return msg, "name"
		}
		if msg := s.needNS(a.To); msg != "" {
			return msg, "to"
		}
		if a.To == ns {
			return "", ""
		}
		if s.link(a.To, a.Name) != nil {
			return fmt.Sprintf("%s already has a link %q", a.To, a.Name), "to"
		}
		l := s.ns[ns][a.Name]
		delete(s.ns[ns], a.Name)
		s.ns[a.To][a.Name] = l
		if l.peerNS != "" {
			if p := s.link(l.peerNS, l.peer); p != nil {
				p.peerNS = a.To
			}
		}
	case "link_master":
		if msg := s.needLink(ns, a.Name); msg != "" {
			return msg, "name"
		}
		if msg := s.needLink(ns, a.Master); msg != "" {
			return msg, "master"
		}
		if k := s.link(ns, a.Master).kind; k != "bridge" && k != "" {
			return fmt.Sprintf("%s: %s is a %s, not a bridge", ns, a.Master, k), "master"
		}
	case "link_rename":
		if msg := s.needLink(ns, a.Name); msg != "" {
			return msg, "name"
		}
		if a.NewName == a.Name {
			return "", ""
		}
		if s.link(ns, a.NewName) != nil {
			return fmt.Sprintf("%s already has a link %q", ns, a.NewName), "new_name"
		}
		l := s.ns[ns][a.Name]
		delete(s.ns[ns], a.Name)
		s.ns[ns][a.NewName] = l
		if l.peerNS != "" {
			if p := s.link(l.peerNS, l.peer); p != nil {
				p.peer = a.NewName
			}
		}
	case "addr_add", "addr_del":
		return s.needLink(ns, a.Dev), "dev"
	case "vxlan", "neigh_add", "fdb_add", "link_address", "show":
		return s.applyOverlay(kind, ns, a)
	case "route_add", "route_del":
		if a.Dev != "" {
			return s.needLink(ns, a.Dev), "dev"
		}
	case "run":
		return s.makes(a.Makes), "makes"
	}
	return "", ""
}

// checkAssert reports references of an expectation to namespaces, links or
// captures that do not exist after the step's actions.
func (s *sim) checkAssert(kind string, g AssertArgs) []fieldErr {
	var errs []fieldErr
	add := func(field, msg string) {
		if msg != "" {
			errs = append(errs, fieldErr{field, msg, -1})
		}
	}
	ns := nsOr(g.NS)
	switch kind {
	case "link":
		if !g.Absent {
			if msg := s.needNS(ns); msg != "" {
				add("ns", msg)
			} else {
				add("name", s.needLink(ns, g.Name))
				if g.Master != "" {
					add("master", s.needLink(ns, g.Master))
				}
			}
			if pns, pname, ok := strings.Cut(g.Peer, "/"); ok {
				add("peer", s.needLink(pns, pname))
			} else if g.Peer != "" {
				add("peer", s.needNS(g.Peer))
			}
		}
	case "addr", "neighbor", "sysctl", "rule":
		add("ns", s.needNS(ns))
	case "route":
		if !g.Absent {
			if msg := s.needNS(ns); msg != "" {
				add("ns", msg)
			} else if g.Dev != "" {
				add("dev", s.needLink(ns, g.Dev))
			}
		}
	case "fdb":
		if msg := s.needNS(ns); msg != "" {
			add("ns", msg)
		} else {
			add("bridge", s.needLink(ns, g.Bridge))
		}
		if o, l, ok := strings.Cut(g.MacOf, "/"); ok {
			add("mac_of", s.needLink(o, l))
		}
	case "reachable", "unreachable", "tcp":
		add("from", s.needNS(g.From))
	case "policy":
		add("ns", s.needNS(nsOr(g.NS)))
	case "forwards":
		add("ns", s.needNS(nsOr(g.NS)))
		add("from", s.needNS(g.From))
	case "packet":
		if !s.captures[g.Capture] {
			running := sortedKeys(s.captures)
			sort.Strings(running)
			r := strings.Join(running, ", ")
			if r == "" {
				r = "none"
			}
			add("capture", fmt.Sprintf("no running capture %q at this step (running: %s)%s", g.Capture, r, suggest(g.Capture, running)))
		}
	case "veth_pair", "no_direct_veth":
		add("a", s.needNS(g.A))
		add("b", s.needNS(g.B))
	case "bridge_port":
		add("bridge", s.needLink("host", g.Bridge))
		add("ns", s.needNS(g.NS))
	case "udp_flow":
		add("from", s.needNS(g.From))
		add("capture_ns", s.needNS(g.CaptureNS))
	case "snat":
		add("from", s.needNS(g.From))
		if msg := s.needNS(g.CaptureNS); msg != "" {
			add("capture_ns", msg)
		} else if g.CaptureIface != "" {
			add("capture_iface", s.needLink(g.CaptureNS, g.CaptureIface))
		}
	}
	return errs
}

// makes follows a run command's declared links (run.makes, "NS/LINK"):
// each exists afterwards, of a kind the validator does not know. A link
// that is there already is reused, as a CNI plugin reuses cni0.
func (s *sim) makes(links []string) string {
	for _, m := range links {
		ns, name, ok := strings.Cut(m, "/")
		if !ok || ns == "" || name == "" {
			return fmt.Sprintf("makes: %q: want NS/LINK, such as NODE1/cni0", m)
		}
		if msg := s.needNS(ns); msg != "" {
			return "makes: " + msg
		}
		if s.link(ns, name) == nil {
			s.ns[ns][name] = &simLink{}
		}
	}
	return ""
}
