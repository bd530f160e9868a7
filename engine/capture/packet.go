package capture

import (
	"github.com/gopacket/gopacket/layers"
)

// addrCache interns address strings so the reader does not allocate one
// per packet.
type addrCache struct {
	m map[addrKey]string
}

type addrKey struct {
	b [16]byte
	n uint8
}

const maxAddrCache = 4096

func newAddrCache() *addrCache { return &addrCache{m: make(map[addrKey]string)} }

func (c *addrCache) ip(b []byte) string {
	return c.get(b, false)
}

func (c *addrCache) mac(b []byte) string {
	return c.get(b, true)
}

func (c *addrCache) get(b []byte, mac bool) string {
	var k addrKey
	k.n = uint8(copy(k.b[:], b))
	if mac {
		k.n |= 0x80
	}
	if s, ok := c.m[k]; ok {
		return s
	}
	var buf [64]byte
	var out []byte
	if mac {
		out = appendMAC(buf[:0], b)
	} else {
		out = appendIP(buf[:0], b)
	}
	s := string(out)
	if len(c.m) >= maxAddrCache {
		clear(c.m)
	}
	c.m[k] = s
	return s
}

// endpoints gives a packet's source, destination and protocol label: IP
// addresses for IP and ARP (sender and target protocol addresses), MACs
// otherwise.
func endpoints(d *Decoded, c *addrCache) (src, dst, proto string) {
	if len(d.Layers) == 0 {
		return "", "", ""
	}
	if len(d.Layers) > 1 {
		switch d.Layers[1] {
		case layers.LayerTypeARP:
			if len(d.ARP.SourceProtAddress) == 4 && len(d.ARP.DstProtAddress) == 4 {
				return c.ip(d.ARP.SourceProtAddress), c.ip(d.ARP.DstProtAddress), "ARP"
			}
			return c.mac(d.Eth.SrcMAC), c.mac(d.Eth.DstMAC), "ARP"
		case layers.LayerTypeIPv4:
			return c.ip(d.IP4.SrcIP), c.ip(d.IP4.DstIP), protoLabel(d, "IP")
		case layers.LayerTypeIPv6:
			return c.ip(d.IP6.SrcIP), c.ip(d.IP6.DstIP), protoLabel(d, "IP6")
		}
	}
	return c.mac(d.Eth.SrcMAC), c.mac(d.Eth.DstMAC), "ETH"
}

func protoLabel(d *Decoded, ip string) string {
	p := ip
	for _, l := range d.Layers[2:] {
		switch l {
		case layers.LayerTypeICMPv4:
			p = "ICMP"
		case layers.LayerTypeICMPv6:
			p = "ICMP6"
		case layers.LayerTypeTCP:
			p = "TCP"
		case layers.LayerTypeUDP:
			p = "UDP"
		case layers.LayerTypeDNS:
			return "DNS"
		case layers.LayerTypeVXLAN:
			return "VXLAN"
		}
	}
	return p
}
