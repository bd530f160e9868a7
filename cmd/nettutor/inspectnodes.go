package main

import (
	"errors"
	"strings"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/diagram"
)

// nodeFlag is inspect's repeatable --node NODE=POD,POD: the cluster roles
// a lesson's `nodes:` gives, for a lab the learner built by hand, so that
// inspect draws it as the lesson does (nodes holding their pods, the
// underlay switch, tunnels with VNI and port).
type nodeFlag []string

func (f *nodeFlag) String() string     { return strings.Join(*f, " ") }
func (f *nodeFlag) Set(s string) error { *f = append(*f, s); return nil }

// roles checks the specs against the namespaces in snap: each a name of
// the snapshot but the caller's own, each with one role.
func (f nodeFlag) roles(snap *engine.Snapshot, lang string) ([]diagram.Node, error) {
	var out []diagram.Node
	seen := map[string]bool{}
	check := func(spec, name string) error {
		if name == "" || name == engine.HostNS || snap.NS(name) == nil {
			return errors.New(assets.M(lang, "cluster.node_no_ns", "spec", spec, "name", name))
		}
		if seen[name] {
			return errors.New(assets.M(lang, "cluster.node_twice", "spec", spec, "name", name))
		}
		seen[name] = true
		return nil
	}
	for _, spec := range f {
		node, pods, ok := strings.Cut(spec, "=")
		if !ok {
			return nil, errors.New(assets.M(lang, "cluster.node_spec", "spec", spec))
		}
		if err := check(spec, node); err != nil {
			return nil, err
		}
		n := diagram.Node{Name: node}
		if pods != "" {
			for _, p := range strings.Split(pods, ",") {
				if err := check(spec, p); err != nil {
					return nil, err
				}
				n.Pods = append(n.Pods, p)
			}
		}
		out = append(out, n)
	}
	return out, nil
}

// clusterLang is the diagram's language: the asked one with roles; ""
// without, so that inspect's diagrams stay as they were.
func clusterLang(roles []diagram.Node, lang string) string {
	if len(roles) == 0 {
		return ""
	}
	return lang
}
