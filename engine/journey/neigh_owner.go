package journey

import "strings"

// neighOwner is, for an address that no namespace of the lab holds, the
// namespace and link whose MAC n's neighbour table gives that address on
// dev, with the MAC. Someone answered n's ARP for it from user space (a
// load balancer's speaker, as MetalLB's layer 2 mode does, or a
// gratuitous ARP it sent): no kernel owns the address, but the kernel of
// n sends the frame to that MAC all the same, so the packet arrives there.
// An entry that is failed or incomplete names nobody, and nor does a MAC
// on a link that is down (the frame is lost; the ARP stop stands).
func (x *explainer) neighOwner(n *nsEnv, dev, ip string) (*nsEnv, string, string) {
	mac, state := n.neighMAC(ip, dev)
	switch strings.ToLower(state) {
	case "", "failed", "incomplete", "none":
		return nil, "", ""
	}
	for _, o := range x.e.nss {
		if o == n {
			continue
		}
		for _, l := range o.snap.Links {
			if strings.EqualFold(l.MAC, mac) && l.State == "up" {
				return o, l.Name, mac
			}
		}
	}
	return nil, "", ""
}
