package engine

// Kernel features a lesson step may need (lessons: step needs ipip, vxlan,
// ipvs). Each is probed the way the step would use it, in the lab host
// namespace: a tunnel driver by making a device of its kind and deleting it
// at once, IPVS by asking generic netlink for its family. Making the device
// is what loads a loadable driver on a real host (the kernel asks modprobe
// for rtnl-link-KIND), so a module that is installed but not yet loaded
// counts as present, as it would for Calico or kube-proxy; a kernel
// without the driver at all (as here: no module support, no ipip) answers
// "Unknown device type".

import (
	"errors"
	"fmt"
	"net"
	"syscall"

	"github.com/vishvananda/netlink"
)

// Kernel features HasKernelFeature knows.
const (
	FeatureIPIP  = "ipip"  // IP-in-IP tunnels (tunl0, Calico's IPIP mode)
	FeatureVXLAN = "vxlan" // VXLAN devices (flannel.1, vxlan.calico)
	FeatureIPVS  = "ipvs"  // the IPVS load balancer (kube-proxy's ipvs mode)
)

// probeLink is the name of the throwaway device a link-kind probe makes.
const probeLink = "nt-probe0"

// HasKernelFeature reports whether the kernel under the lab has feature f,
// probed from the lab host namespace. A probe that cannot be made (the lab
// is closed) is an error, never an answer.
func (l *Lab) HasKernelFeature(f string) (bool, error) {
	h, err := l.Handle(HostNS)
	if err != nil {
		return false, fmt.Errorf("probe %s: %w", f, err)
	}
	switch f {
	case FeatureIPIP:
		// The fallback device tunl0 exists in every namespace once ipip
		// is loaded (unless net.core.fb_tunnels_only_for_init_net says
		// otherwise): no need to make one then.
		if ln, err := h.LinkByName("tunl0"); err == nil && ln.Type() == "ipip" {
			return true, nil
		}
		return probeLinkKind(h, &netlink.Iptun{LinkAttrs: netlink.LinkAttrs{Name: probeLink},
			Local: net.IPv4(127, 0, 0, 1), Remote: net.IPv4(127, 0, 0, 2)})
	case FeatureVXLAN:
		return probeLinkKind(h, &netlink.Vxlan{LinkAttrs: netlink.LinkAttrs{Name: probeLink}, VxlanId: 1, Port: 4789})
	case FeatureIPVS:
		if _, err := h.GenlFamilyGet("IPVS"); err != nil {
			if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.EOPNOTSUPP) {
				return false, nil
			}
			return false, fmt.Errorf("probe ipvs: %w", err)
		}
		return true, nil
	}
	return false, fmt.Errorf("unknown kernel feature %q", f)
}

// probeLinkKind makes link and deletes it: made (or already there) means
// the kernel has its kind; "not supported" means it has not.
func probeLinkKind(h *netlink.Handle, link netlink.Link) (bool, error) {
	err := h.LinkAdd(link)
	switch {
	case err == nil:
		if err := h.LinkDel(link); err != nil {
			return true, fmt.Errorf("probe %s: delete %s: %w", link.Type(), probeLink, err)
		}
		return true, nil
	case errors.Is(err, syscall.EEXIST):
		return true, nil
	case errors.Is(err, syscall.EOPNOTSUPP):
		// "Unknown device type": no driver of this kind, built in or loadable.
		return false, nil
	}
	return false, fmt.Errorf("probe %s: %w", link.Type(), err)
}
