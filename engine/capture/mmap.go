package capture

import (
	"encoding/binary"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmapRing is a TPACKET_V3 receive ring shared with the kernel: the kernel
// fills blocks of packets and hands a block over by setting its status to
// TP_STATUS_USER; the reader walks it and gives it back. No system call per
// packet, so a flood costs far less than recvmsg.
type mmapRing struct {
	mem       []byte
	blockSize int
	blocks    int
	cur       int
}

const (
	tpacketV3     = 2  // TPACKET_V3
	blockTimeout  = 8  // ms before the kernel hands over a block that is not full (under a 16 ms frame)
	tp3HdrLen     = 48 // sizeof(struct tpacket3_hdr), TPACKET_ALIGNed
	sllPkttypeOff = 10 // sll_pkttype in struct sockaddr_ll
)

// newMmapRing sets up the ring on fd (before bind). It returns nil and an
// error when the kernel refuses, and the caller reads with recvmsg instead.
func newMmapRing(fd int, opts Options) (*mmapRing, error) {
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VERSION, tpacketV3); err != nil {
		return nil, err
	}
	blockSize, blocks := ringGeometry(opts)
	const frameSize = 2048
	req := unix.TpacketReq3{
		Block_size: uint32(blockSize), Block_nr: uint32(blocks),
		Frame_size: frameSize, Frame_nr: uint32(blockSize / frameSize * blocks),
		Retire_blk_tov: blockTimeout,
	}
	if err := unix.SetsockoptTpacketReq3(fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &req); err != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VERSION, 0)
		return nil, err
	}
	mem, err := unix.Mmap(fd, 0, blockSize*blocks, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		var none unix.TpacketReq3
		_ = unix.SetsockoptTpacketReq3(fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &none)
		_ = unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VERSION, 0)
		return nil, err
	}
	return &mmapRing{mem: mem, blockSize: blockSize, blocks: blocks}, nil
}

// ringGeometry is the ring's block size and count for opts: blocks of
// 1 MiB, each holding at least one frame of snaplen, and never fewer than
// two, so the kernel fills one while the reader walks the other. A ring
// under 2 MiB (a budget's ring of a shell's link) is cut into smaller
// blocks, up to eight, so a block is handed over sooner under a burst.
func ringGeometry(opts Options) (blockSize, blocks int) {
	page := unix.Getpagesize()
	need := opts.Snaplen + tp3HdrLen + 64
	blockSize = 1 << 20
	for blockSize < need {
		blockSize <<= 1
	}
	for opts.RcvBuf < 2<<20 && blockSize > page && blockSize/2 >= need && opts.RcvBuf/blockSize < 8 {
		blockSize >>= 1
	}
	blockSize = (blockSize + page - 1) / page * page
	blocks = opts.RcvBuf / blockSize
	if blocks < 2 {
		blocks = 2
	}
	return blockSize, blocks
}

// ringBytes is what a point with opts maps (TPACKET_V3) or asks of the
// socket's buffer (recvmsg): what a Budget charges for it.
func ringBytes(opts Options) int {
	if opts.RecvMsg {
		return opts.RcvBuf
	}
	bs, n := ringGeometry(opts)
	return bs * n
}

func (m *mmapRing) close() {
	if m != nil && m.mem != nil {
		_ = unix.Munmap(m.mem)
		m.mem = nil
	}
}

// blockStatus points at tpacket_hdr_v1.block_status of block i.
func (m *mmapRing) blockStatus(i int) *uint32 {
	return (*uint32)(unsafe.Pointer(&m.mem[i*m.blockSize+8]))
}

// drain hands every packet of the blocks the kernel has released to h and
// returns them to the kernel. It returns the number of packets.
func (m *mmapRing) drain(h *handler, stop *atomic.Bool) int {
	got := 0
	for !stop.Load() {
		st := m.blockStatus(m.cur)
		if atomic.LoadUint32(st)&unix.TP_STATUS_USER == 0 {
			break
		}
		block := m.mem[m.cur*m.blockSize : (m.cur+1)*m.blockSize]
		n := int(binary.NativeEndian.Uint32(block[12:]))   // num_pkts
		off := int(binary.NativeEndian.Uint32(block[16:])) // offset_to_first_pkt
		for i := 0; i < n && off+tp3HdrLen <= len(block); i++ {
			hdr := block[off:]
			next := int(binary.NativeEndian.Uint32(hdr[0:]))
			sec := binary.NativeEndian.Uint32(hdr[4:])
			nsec := binary.NativeEndian.Uint32(hdr[8:])
			snap := int(binary.NativeEndian.Uint32(hdr[12:]))
			wire := int(binary.NativeEndian.Uint32(hdr[16:]))
			mac := int(binary.NativeEndian.Uint16(hdr[24:]))
			out := hdr[tp3HdrLen+sllPkttypeOff] == unix.PACKET_OUTGOING
			if mac+snap <= len(hdr) {
				h.handle(hdr[mac:mac+snap], wire, time.Unix(int64(sec), int64(nsec)), out)
				got++
			}
			if next == 0 {
				break
			}
			off += next
		}
		atomic.StoreUint32(st, unix.TP_STATUS_KERNEL)
		m.cur = (m.cur + 1) % m.blocks
	}
	return got
}
