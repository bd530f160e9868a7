package journey

// The probe's conntrack entries, asked for by tuple. A conntrack dump
// walks the kernel's one conntrack hash table, which holds the entries of
// every network namespace on the machine (each lab's, each container's),
// and keeps those of the asking namespace: its cost grows with the whole
// machine's connections, not the lab's. A get (IPCTNL_MSG_CT_GET with the
// original tuple) is one hash lookup. The journey needs only the probe's
// own entries: the one whose original tuple is the probe's, then, in
// turn, the one whose original tuple is what the previous entry's reply
// tuple says the packet became (closeOverNAT's closure), in every
// namespace that has nat rules.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/nettutor/nettutor/engine/nsutil"
	"golang.org/x/sys/unix"
)

// Conntrack netlink attributes (linux/netfilter/nfnetlink_conntrack.h).
const (
	ctaTupleOrig     = 1
	ctaTupleReply    = 2
	ctaTupleIP       = 1
	ctaTupleProto    = 2
	ctaIPv4Src       = 1
	ctaIPv4Dst       = 2
	ctaProtoNum      = 1
	ctaProtoSport    = 2
	ctaProtoDport    = 3
	ctaProtoICMPID   = 4
	ctaProtoICMPType = 5
	ctaProtoICMPCode = 6
	ipctnlMsgCtNew   = 0
	ipctnlMsgCtGet   = 1
)

// ctKey is a conntrack tuple as the kernel looks it up: for ICMP the echo
// id and type instead of ports.
type ctKey struct {
	proto   uint8
	src     string
	dst     string
	sp, dp  int // ports; for ICMP: sp is the echo id
	icmpTyp uint8
}

// flowTuple is k as the journey's flows hold it (no ports for ICMP).
func (k ctKey) flowTuple() tuple {
	t := tuple{k.proto, k.src, k.dst, k.sp, k.dp}
	if k.proto == 1 {
		t.sp, t.dp = 0, 0
	}
	return t
}

// errCTGet says a namespace's conntrack could not be asked by tuple (not
// "no such entry"): its table is then read whole.
var errCTGet = errors.New("conntrack get")

// ctConn is a NETLINK_NETFILTER socket in one namespace.
type ctConn struct {
	fd  int
	seq uint32
}

func openCTConn(n *nsEnv) (*ctConn, error) {
	c := &ctConn{fd: -1}
	err := nsutil.Do(n.fd, func() (err error) {
		c.fd, err = nfnetlinkSocket()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("conntrack socket in %s: %w", n.name, err)
	}
	tv := unix.NsecToTimeval(int64(time.Second))
	_ = unix.SetsockoptTimeval(c.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	return c, nil
}

func (c *ctConn) close() { unix.Close(c.fd) }

// nfnetlinkSocket opens and binds a netfilter netlink socket in the
// calling thread's namespace (run it inside nsutil.Do): conntrack lookups
// and nftables trace events both speak it.
func nfnetlinkSocket() (int, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_NETFILTER)
	if err != nil {
		return -1, err
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// get asks for the entry with original (or reply) tuple k; nil, nil when
// there is none.
func (c *ctConn) get(k ctKey) (*ctEntry, error) {
	src, dst := net.ParseIP(k.src).To4(), net.ParseIP(k.dst).To4()
	if src == nil || dst == nil {
		return nil, nil
	}
	var proto []byte
	proto = append(proto, attr(ctaProtoNum, []byte{k.proto})...)
	if k.proto == 1 {
		proto = append(proto, attr(ctaProtoICMPID, be16b(uint16(k.sp)))...)
		proto = append(proto, attr(ctaProtoICMPType, []byte{k.icmpTyp})...)
		proto = append(proto, attr(ctaProtoICMPCode, []byte{0})...)
	} else {
		proto = append(proto, attr(ctaProtoSport, be16b(uint16(k.sp)))...)
		proto = append(proto, attr(ctaProtoDport, be16b(uint16(k.dp)))...)
	}
	body := []byte{unix.AF_INET, 0, 0, 0} // nfgenmsg
	body = append(body, attr(unix.NLA_F_NESTED|ctaTupleOrig,
		attr(unix.NLA_F_NESTED|ctaTupleIP, attr(ctaIPv4Src, src), attr(ctaIPv4Dst, dst)),
		attr(unix.NLA_F_NESTED|ctaTupleProto, proto))...)
	c.seq++
	h := make([]byte, 16, 16+len(body))
	binary.NativeEndian.PutUint32(h[0:4], uint32(16+len(body)))
	binary.NativeEndian.PutUint16(h[4:6], unix.NFNL_SUBSYS_CTNETLINK<<8|ipctnlMsgCtGet)
	binary.NativeEndian.PutUint16(h[6:8], unix.NLM_F_REQUEST|unix.NLM_F_ACK)
	binary.NativeEndian.PutUint32(h[8:12], c.seq)
	if err := unix.Sendto(c.fd, append(h, body...), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, fmt.Errorf("%w: %w", errCTGet, err)
	}
	var found *ctEntry
	buf := make([]byte, 1<<14)
	for {
		n, _, err := unix.Recvfrom(c.fd, buf, 0)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errCTGet, err)
		}
		ms, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errCTGet, err)
		}
		for _, m := range ms {
			if m.Header.Seq != c.seq {
				continue
			}
			switch {
			case m.Header.Type == unix.NLMSG_ERROR && len(m.Data) >= 4:
				switch e := syscall.Errno(-int32(binary.NativeEndian.Uint32(m.Data[0:4]))); e {
				case 0:
					return found, nil
				case unix.ENOENT:
					return nil, nil
				default:
					return nil, fmt.Errorf("%w: %w", errCTGet, e)
				}
			case m.Header.Type == unix.NFNL_SUBSYS_CTNETLINK<<8|ipctnlMsgCtNew && len(m.Data) >= 4:
				found = parseCTFlow(m.Data[4:])
			}
		}
	}
}

// parseCTFlow reads the two tuples of a conntrack message's attributes.
func parseCTFlow(b []byte) *ctEntry {
	var orig, reply ctKey
	var haveO, haveR bool
	for _, a := range attrs(b) {
		switch a.typ {
		case ctaTupleOrig:
			orig, haveO = parseCTTuple(a.data), true
		case ctaTupleReply:
			reply, haveR = parseCTTuple(a.data), true
		}
	}
	if !haveO || !haveR {
		return nil
	}
	return &ctEntry{f: flow{orig: orig.flowTuple(), replyDir: reply.flowTuple()}, orig: orig, reply: reply}
}

// ctEntry is a conntrack entry as get returns it: the flow, and its two
// tuples as the kernel keys them.
type ctEntry struct {
	f           flow
	orig, reply ctKey
}

func parseCTTuple(b []byte) ctKey {
	var k ctKey
	for _, a := range attrs(b) {
		switch a.typ {
		case ctaTupleIP:
			for _, x := range attrs(a.data) {
				switch {
				case x.typ == ctaIPv4Src && len(x.data) == 4:
					k.src = net.IP(x.data).String()
				case x.typ == ctaIPv4Dst && len(x.data) == 4:
					k.dst = net.IP(x.data).String()
				}
			}
		case ctaTupleProto:
			for _, x := range attrs(a.data) {
				switch {
				case x.typ == ctaProtoNum && len(x.data) >= 1:
					k.proto = x.data[0]
				case x.typ == ctaProtoSport && len(x.data) == 2, x.typ == ctaProtoICMPID && len(x.data) == 2:
					k.sp = int(binary.BigEndian.Uint16(x.data))
				case x.typ == ctaProtoDport && len(x.data) == 2:
					k.dp = int(binary.BigEndian.Uint16(x.data))
				case x.typ == ctaProtoICMPType && len(x.data) >= 1:
					k.icmpTyp = x.data[0]
				}
			}
		}
	}
	return k
}

func be16b(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }

// reverseKey is the tuple of a packet going the other way: for ICMP, an
// echo reply's tuple answers an echo request's and the other way round.
func (k ctKey) reverse() ctKey {
	r := ctKey{proto: k.proto, src: k.dst, dst: k.src, sp: k.dp, dp: k.sp, icmpTyp: k.icmpTyp}
	if k.proto == 1 {
		r.sp, r.dp = k.sp, 0
		switch k.icmpTyp {
		case 0:
			r.icmpTyp = 8
		case 8:
			r.icmpTyp = 0
		}
	}
	return r
}

// probeFlows are the conntrack entries of the probe whose original tuple
// is t0, and of what it became after each rewrite, in the namespaces that
// have nat rules. If a namespace's conntrack cannot be asked by tuple,
// every such namespace's table is read whole, as the dump did before.
func (e *env) probeFlows(t0 ctKey) []flow {
	var nss []*nsEnv
	for _, n := range e.nss {
		for _, r := range n.rules {
			if r.Table == "nat" {
				nss = append(nss, n)
				break
			}
		}
	}
	conns := make([]*ctConn, len(nss))
	errs := make([]error, len(nss))
	var wg sync.WaitGroup
	for i, n := range nss {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conns[i], errs[i] = openCTConn(n)
		}()
	}
	wg.Wait()
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.close()
			}
		}
	}()
	if errors.Join(errs...) != nil {
		return e.conntrack()
	}
	// The closure: an entry's reply tuple, reversed, is the packet after
	// its rewrite, which a later entry (here or in the next namespace)
	// holds as its original tuple.
	var out []flow
	seen := map[ctKey]bool{}
	queue := []ctKey{t0}
	for len(queue) > 0 && len(seen) < 32 {
		k := queue[0]
		queue = queue[1:]
		if seen[k] {
			continue
		}
		seen[k] = true
		for i, c := range conns {
			ent, err := c.get(k)
			if err != nil {
				return e.conntrack()
			}
			if ent == nil || ent.orig != k {
				continue // none, or the lookup matched an entry's reply tuple
			}
			f := ent.f
			f.ns = nss[i].name
			out = append(out, f)
			queue = append(queue, ent.reply.reverse())
		}
	}
	return out
}
