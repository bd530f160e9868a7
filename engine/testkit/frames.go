package testkit

import "encoding/binary"

// ARPOnly reports whether frames (Ethernet, as the capture points keep
// them) hold ARP and no IPv4 at all: a client whose next hop never
// answered ARP sent nothing else, so a connect meant to fail there leaves
// no SYN on the wire (the loadbalancer lesson's VIP before any speaker).
func ARPOnly(frames [][]byte) bool {
	arp := 0
	for _, f := range frames {
		if len(f) < 14 {
			continue
		}
		switch binary.BigEndian.Uint16(f[12:14]) {
		case 0x0806:
			arp++
		case 0x0800:
			return false
		}
	}
	return arp > 0
}
