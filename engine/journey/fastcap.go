package journey

// The trace's captures: one AF_PACKET socket per namespace instead of one
// per device. A socket bound to no device (ifindex 0) with ETH_P_ALL gets
// every frame any device of its namespace hands to the packet taps, with
// the device in sll_ifindex, so it sees what a socket bound to each
// device would see, frame for frame. What that saves:
//   - the kernel's socket release waits for an RCU grace period
//     (synchronize_net in packet_release), tens of ms on a loaded
//     machine: a lab of 15 devices in 6 namespaces closes 6 sockets, not 15;
//   - no interface lookup by name (a full link dump per device): the
//     snapshot already gives each device's index;
//   - no reader goroutine per device waking for each frame while the
//     probe is on its way: the frames wait in the socket's queue (a
//     classic BPF program keeps only the devices the journey shows, cut at
//     the snaplen) and are read once the answer is in.

import (
	"fmt"
	"sync"
	"time"
	"unsafe"

	"github.com/nettutor/nettutor/engine/capture"
	"github.com/nettutor/nettutor/engine/nsutil"
	"golang.org/x/sys/unix"
)

// capSnaplen is the bytes kept of each frame: the headers a journey reads,
// VXLAN's outer and inner included.
const capSnaplen = 256

// nsCapture is the capture socket of one namespace.
type nsCapture struct {
	ns    string
	fd    int
	devs  map[int32]string // ifindex -> device name, the devices captured
	frame []capFrame
}

// capFrame is one captured frame.
type capFrame struct {
	dev  string
	data []byte
	out  bool
	t    time.Time
}

// captureDevs are the devices of n a journey shows hops on: veths,
// bridges and VXLAN devices, by index.
func captureDevs(n *nsEnv) map[int32]string {
	devs := map[int32]string{}
	for _, l := range n.snap.Links {
		if l.Kind == "veth" || l.Kind == "bridge" || l.Kind == "vxlan" {
			devs[int32(l.Index)] = l.Name
		}
	}
	return devs
}

// devFilter is a classic BPF program that keeps a frame, cut at capSnaplen,
// when it passes one of devs (the ifindex ancillary load), and drops any
// other (lo's, a physical NIC's).
func devFilter(devs map[int32]string) []unix.SockFilter {
	const (
		ldIfindex = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
		jeq       = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
		ret       = unix.BPF_RET | unix.BPF_K
	)
	// SKF_AD_OFF + SKF_AD_IFINDEX (linux/filter.h): skb->dev->ifindex.
	const adIfindex = 0xfffff000 + 8
	prog := []unix.SockFilter{{Code: ldIfindex, K: adIfindex}}
	n := len(devs)
	i := 0
	for idx := range devs {
		// Jump to "keep" (n-i instructions on) when equal, else on.
		prog = append(prog, unix.SockFilter{Code: jeq, Jt: uint8(n - i), Jf: 0, K: uint32(idx)})
		i++
	}
	prog = append(prog, unix.SockFilter{Code: ret, K: 0}, unix.SockFilter{Code: ret, K: capSnaplen})
	return prog
}

// startNSCaptures opens a capture socket in every namespace of e that has
// a device a journey shows, all at once. A namespace whose socket cannot
// be opened is left out: the journey then says less, it is not wrong.
func (e *env) startNSCaptures() []*nsCapture {
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		out []*nsCapture
	)
	for _, n := range e.nss {
		devs := captureDevs(n)
		if len(devs) == 0 || len(devs) > 200 {
			continue // nothing to see here (or more than a BPF jump reaches)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &nsCapture{ns: n.name, fd: -1, devs: devs}
			if err := nsutil.Do(n.fd, func() error { return c.open() }); err != nil {
				return
			}
			mu.Lock()
			out = append(out, c)
			mu.Unlock()
		}()
	}
	wg.Wait()
	// In the namespaces' order, as the per-device captures were read.
	order := map[string]int{}
	for i, n := range e.nss {
		order[n.name] = i
	}
	for i := 1; i < len(out); i++ {
		for k := i; k > 0 && order[out[k].ns] < order[out[k-1].ns]; k-- {
			out[k], out[k-1] = out[k-1], out[k]
		}
	}
	return out
}

// open makes the socket in the calling thread's namespace: protocol 0
// until the filter is attached, so no frame gets in unfiltered.
func (c *nsCapture) open() error {
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return fmt.Errorf("open AF_PACKET socket: %w", err)
	}
	fail := func(what string, err error) error {
		unix.Close(fd)
		return fmt.Errorf("%s: %w", what, err)
	}
	prog := devFilter(c.devs)
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &fprog); err != nil {
		return fail("attach BPF filter", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 1<<20); err != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 1<<20)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
		return fail("enable timestamps", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL)}); err != nil {
		return fail("bind", err)
	}
	c.fd = fd
	return nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// drain reads every frame the socket holds now; it returns how many.
func (c *nsCapture) drain() int {
	var (
		buf [capSnaplen]byte
		oob [128]byte
		sa  unix.RawSockaddrLinklayer
		iov unix.Iovec
		msg unix.Msghdr
	)
	got := 0
	for {
		iov.Base = &buf[0]
		iov.SetLen(len(buf))
		msg.Name = (*byte)(unsafe.Pointer(&sa))
		msg.Namelen = uint32(unsafe.Sizeof(sa))
		msg.Iov = &iov
		msg.SetIovlen(1)
		msg.Control = &oob[0]
		msg.SetControllen(len(oob))
		msg.Flags = 0
		m, _, e := unix.Syscall(unix.SYS_RECVMSG, uintptr(c.fd), uintptr(unsafe.Pointer(&msg)), unix.MSG_DONTWAIT)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return got // EAGAIN: the queue is empty
		}
		n := int(m)
		if n > len(buf) {
			n = len(buf)
		}
		dev, ok := c.devs[sa.Ifindex]
		if !ok {
			continue
		}
		ts, _ := capture.ParseControl(oob[:msg.Controllen])
		if ts.IsZero() {
			ts = time.Now()
		}
		c.frame = append(c.frame, capFrame{dev: dev, data: append([]byte(nil), buf[:n]...), out: sa.Pkttype == unix.PACKET_OUTGOING, t: ts})
		got++
	}
}

// settleNS reads the sockets until the frames stop coming: the answer
// came back through every hop before it woke the sender, but what the
// kernel queued for another CPU (a veth's peer, a flooded copy) may land
// a moment later. It returns once a read 1 ms after the last one finds
// nothing new, and at most 50 ms after it began.
func settleNS(caps []*nsCapture) {
	read := func() (n int) {
		for _, c := range caps {
			n += c.drain()
		}
		return n
	}
	read()
	start := time.Now()
	for time.Since(start) < 50*time.Millisecond {
		time.Sleep(time.Millisecond)
		if read() == 0 {
			return
		}
	}
}

// closeNSCaptures closes the sockets side by side: each close waits for
// an RCU grace period, and waits that run at once share one.
func closeNSCaptures(caps []*nsCapture) {
	var wg sync.WaitGroup
	for _, c := range caps {
		if c.fd < 0 {
			continue
		}
		wg.Add(1)
		go func(fd int) {
			defer wg.Done()
			unix.Close(fd)
		}(c.fd)
		c.fd = -1
	}
	wg.Wait()
}
