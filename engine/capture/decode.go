package capture

import (
	"errors"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Ports on which UDP payloads are decoded further. Every other UDP or TCP
// payload is kept as bytes (gopacket.Payload).
const (
	PortDNS = 53
	// PortVXLAN is IANA's VXLAN port (Calico's VXLAN mode uses it).
	PortVXLAN = 4789
	// PortVXLANLinux is the port the Linux kernel chose before IANA
	// assigned one, and the one flannel's VXLAN backend uses. tcpdump
	// decodes it as OTV unless told -T vxlan; gopacket does not register
	// it. It is decoded here, in this package's own parser only, so no
	// other user of gopacket sees its global port table change.
	PortVXLANLinux = 8472
)

// vxlanFlagI is the VXLAN header's I flag: the VNI field is valid (RFC
// 7348 says it must be set).
const vxlanFlagI = 0x08

// isVXLAN says whether a UDP datagram to dport carrying p is VXLAN: one of
// the two VXLAN ports, a whole 8-byte header, and the I flag set.
func isVXLAN(dport uint16, p []byte) bool {
	return (dport == PortVXLAN || dport == PortVXLANLinux) && len(p) >= 8 && p[0]&vxlanFlagI != 0
}

// ip4Layer is layers.IPv4 that hands a first fragment (offset 0) on to its
// transport, as tcpdump does; later fragments stop there.
type ip4Layer struct{ layers.IPv4 }

func (i *ip4Layer) NextLayerType() gopacket.LayerType {
	if i.FragOffset != 0 {
		return gopacket.LayerTypeFragment
	}
	return i.Protocol.LayerType()
}

// tcpLayer is layers.TCP whose payload is never decoded further (DNS over
// TCP carries a length prefix that layers.DNS does not expect).
type tcpLayer struct{ layers.TCP }

func (t *tcpLayer) NextLayerType() gopacket.LayerType { return gopacket.LayerTypePayload }

// udpLayer is layers.UDP that hands on only DNS (port 53 either side) and
// VXLAN (destination port 4789 or 8472, with the I flag set).
type udpLayer struct{ layers.UDP }

func (u *udpLayer) NextLayerType() gopacket.LayerType {
	switch {
	case u.SrcPort == PortDNS || u.DstPort == PortDNS:
		return layers.LayerTypeDNS
	case isVXLAN(uint16(u.DstPort), u.Payload):
		return layers.LayerTypeVXLAN
	}
	return gopacket.LayerTypePayload
}

// vxlanLayer stops the outer parser: the inner frame is decoded by a
// second parser into Decoded.Inner, so inner layers do not overwrite outer
// ones.
type vxlanLayer struct{ layers.VXLAN }

func (v *vxlanLayer) NextLayerType() gopacket.LayerType { return gopacket.LayerTypeZero }

// Decoded holds one decoded frame. The layer structs are reused by every
// call to Decoder.Decode, so nothing is allocated in steady state; copy what
// you keep. Layers lists the layers found, outermost first; only those
// fields are valid.
type Decoded struct {
	Data      []byte // the frame as given to Decode
	Layers    []gopacket.LayerType
	Truncated bool  // a layer ran past the captured bytes
	Err       error // why decoding stopped early, if it did

	Eth       layers.Ethernet
	ARP       layers.ARP
	IP4       ip4Layer
	IP6       layers.IPv6
	ICMP4     layers.ICMPv4
	ICMP6     layers.ICMPv6
	ICMP6Echo layers.ICMPv6Echo
	NS        layers.ICMPv6NeighborSolicitation
	NA        layers.ICMPv6NeighborAdvertisement
	RS        layers.ICMPv6RouterSolicitation
	RA        layers.ICMPv6RouterAdvertisement
	TCP       tcpLayer
	UDP       udpLayer
	DNS       layers.DNS
	VXLAN     vxlanLayer
	Payload   gopacket.Payload

	// Inner is the frame inside a VXLAN packet (nil until one is seen;
	// check Has(layers.LayerTypeVXLAN)).
	Inner *Decoded

	parser *gopacket.DecodingLayerParser
	depth  int
}

// Decoder decodes frames that start with an Ethernet header. It is not safe
// for concurrent use; make one per goroutine.
type Decoder struct {
	d Decoded
}

// NewDecoder returns a Decoder whose buffers are reused between calls.
func NewDecoder() *Decoder {
	dec := &Decoder{}
	dec.d.init(0)
	return dec
}

func (d *Decoded) init(depth int) {
	d.depth = depth
	d.Layers = make([]gopacket.LayerType, 0, 12)
	p := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet)
	p.SetDecodingLayerContainer(gopacket.DecodingLayerSparse(nil))
	for _, l := range []gopacket.DecodingLayer{
		&d.Eth, &d.ARP, &d.IP4, &d.IP6, &d.ICMP4, &d.ICMP6, &d.ICMP6Echo,
		&d.NS, &d.NA, &d.RS, &d.RA, &d.TCP, &d.UDP, &d.DNS, &d.VXLAN, &d.Payload,
	} {
		p.AddDecodingLayer(l)
	}
	p.IgnoreUnsupported = true
	d.parser = p
}

// maxVXLANDepth bounds VXLAN-in-VXLAN recursion.
const maxVXLANDepth = 2

// Decode decodes data into the decoder's reused Decoded and returns it. The
// result is valid until the next call. A frame that cannot be decoded at all
// (shorter than an Ethernet header) returns an error; a frame decoded part
// way sets Decoded.Err and returns no error.
func (dec *Decoder) Decode(data []byte) (*Decoded, error) {
	d := &dec.d
	d.decode(data)
	if len(d.Layers) == 0 {
		if d.Err == nil {
			d.Err = errShort
		}
		return d, d.Err
	}
	return d, nil
}

var errShort = errors.New("frame shorter than an Ethernet header")

func (d *Decoded) decode(data []byte) {
	d.Data = data
	d.Err = d.parser.DecodeLayers(data, &d.Layers)
	d.Truncated = d.parser.Truncated
	if d.Has(layers.LayerTypeVXLAN) && d.depth < maxVXLANDepth && len(d.VXLAN.Payload) > 0 {
		if d.Inner == nil {
			d.Inner = &Decoded{}
			d.Inner.init(d.depth + 1)
		}
		d.Inner.decode(d.VXLAN.Payload)
	}
}

// Decode decodes one frame with a fresh Decoder. Use a Decoder to decode
// many frames without allocating.
func Decode(data []byte) (*Decoded, error) {
	return NewDecoder().Decode(data)
}

// Has reports whether layer t was decoded.
func (d *Decoded) Has(t gopacket.LayerType) bool {
	for _, l := range d.Layers {
		if l == t {
			return true
		}
	}
	return false
}

// ipPayloadLen is the length of the IP payload as the header states it
// (not what was captured), and whether there is an IP layer.
func (d *Decoded) ipPayloadLen() (int, bool) {
	for _, l := range d.Layers {
		switch l {
		case layers.LayerTypeIPv4:
			n := int(d.IP4.Length) - int(d.IP4.IHL)*4
			if n < 0 {
				n = 0
			}
			return n, true
		case layers.LayerTypeIPv6:
			n := int(d.IP6.Length)
			if d.IP6.HopByHop != nil {
				n -= d.IP6.HopByHop.ActualLength
			}
			if n < 0 {
				n = 0
			}
			return n, true
		}
	}
	return 0, false
}
