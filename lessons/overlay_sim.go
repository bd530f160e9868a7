package lessons

import "fmt"

// applyOverlay follows the overlay actions in the validator's lab: vxlan
// makes a link (on an existing underlay dev), the others need their link,
// and so does a show narrowed to one dev.
func (s *sim) applyOverlay(kind, ns string, a ActionArgs) (string, string) {
	switch kind {
	case "vxlan":
		if s.link(ns, a.Name) != nil {
			return fmt.Sprintf("%s already has a link %q", ns, a.Name), "name"
		}
		if a.Dev != "" {
			if msg := s.needLink(ns, a.Dev); msg != "" {
				return msg, "dev"
			}
		}
		s.ns[ns][a.Name] = &simLink{kind: "vxlan"}
	case "neigh_add":
		return s.needLink(ns, a.Dev), "dev"
	case "fdb_add":
		if msg := s.needLink(ns, a.Dev); msg != "" {
			return msg, "dev"
		}
		// Only a VXLAN device sends a frame to the address after dst. A
		// link of unknown kind (one a run command declares it makes) may
		// be one.
		if k := s.link(ns, a.Dev).kind; k != "vxlan" && k != "" {
			return fmt.Sprintf("%s: %s is a %s; fdb entries with dst belong to a VXLAN device", ns, a.Dev, k), "dev"
		}
	case "link_address":
		return s.needLink(ns, a.Name), "name"
	case "show":
		if a.Dev != "" {
			return s.needLink(ns, a.Dev), "dev"
		}
	}
	return "", ""
}
