package engine

// Kernel features a lesson step may need (lessons: step needs ipip, vxlan,
// ipvs). A driver that is built in or loaded has a directory under
// /sys/module (each of these has module parameters, so even a built-in one
// is listed); that is read, and nothing is made: making a device of a kind
// the kernel lacks would ask modprobe for it, and loading ipip adds a
// tunl0 to every namespace of the host, the host's own included. A module
// that is installed but not loaded therefore counts as absent, and the
// step's "not run here" line says to load it.

import (
	"fmt"
	"os"
)

// Kernel features HasKernelFeature knows, with the module each is.
const (
	FeatureIPIP  = "ipip"  // IP-in-IP tunnels (tunl0, Calico's IPIP mode)
	FeatureVXLAN = "vxlan" // VXLAN devices (flannel.1, vxlan.calico)
	FeatureIPVS  = "ipvs"  // the IPVS load balancer (kube-proxy's ipvs mode)
)

// featureModule is the kernel module of each feature.
var featureModule = map[string]string{FeatureIPIP: "ipip", FeatureVXLAN: "vxlan", FeatureIPVS: "ip_vs"}

// sysModule is where the kernel lists its modules (a test hook).
var sysModule = "/sys/module"

// HasKernelFeature reports whether the kernel under the lab has feature f
// built in or loaded. For ipip, the fallback device tunl0 in the lab host
// namespace also says so (it appears in every new namespace once ipip is
// loaded), for a sandbox whose /sys does not list modules.
func (l *Lab) HasKernelFeature(f string) (bool, error) {
	mod, ok := featureModule[f]
	if !ok {
		return false, fmt.Errorf("unknown kernel feature %q", f)
	}
	if st, err := os.Stat(sysModule + "/" + mod); err == nil && st.IsDir() {
		return true, nil
	}
	if f == FeatureIPIP {
		h, err := l.Handle(HostNS)
		if err != nil {
			return false, fmt.Errorf("probe %s: %w", f, err)
		}
		if ln, err := h.LinkByName("tunl0"); err == nil && ln.Type() == "ipip" {
			return true, nil
		}
	}
	return false, nil
}

// KernelModule is the module that provides feature f ("" if unknown): what
// `modprobe` loads and /sys/module lists.
func KernelModule(f string) string { return featureModule[f] }
