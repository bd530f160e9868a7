// Package memtrim gives back memory that a package's initialiser filled
// in a process that will never read it.
//
// Every process of the nettutor binary runs every package initialiser,
// and gopacket/layers' fills two 65536-entry decoder tables (EthernetType
// and PPPType, 2.5 MiB each) in every one of them. Only the processes that
// decode packets (the sandboxed TUI, run, check, trace) need them; the
// others (the sandbox's waiting parent, the lab's keeper, its helpers, the
// spawn client) never decode a packet. A served study group runs four
// processes per member, so the tables were about 15 MiB of each member's
// 48 MiB (BenchmarkServeSessions).
package memtrim

import (
	"os"
	"unsafe"

	"github.com/google/gopacket/layers"
	"golang.org/x/sys/unix"
)

// Release empties gopacket/layers' two large decoder tables and returns
// their pages to the kernel. Call it only in a process that decodes no
// packet afterwards: an emptied table has no decoder for any EtherType.
func Release() {
	// Zeroed by assignment first, so the garbage collector sees the
	// pointers go (write barriers), then handed back: a zeroed page that
	// is dropped reads as zeros again.
	layers.EthernetTypeMetadata = [65536]layers.EnumMetadata{}
	layers.PPPTypeMetadata = [65536]layers.EnumMetadata{}
	dontNeed(unsafe.Pointer(&layers.EthernetTypeMetadata), unsafe.Sizeof(layers.EthernetTypeMetadata))
	dontNeed(unsafe.Pointer(&layers.PPPTypeMetadata), unsafe.Sizeof(layers.PPPTypeMetadata))
}

// dontNeed drops the whole pages inside [p, p+n).
func dontNeed(p unsafe.Pointer, n uintptr) {
	page := uintptr(os.Getpagesize())
	start := (uintptr(p) + page - 1) &^ (page - 1)
	end := (uintptr(p) + n) &^ (page - 1)
	if end <= start {
		return
	}
	b := unsafe.Slice((*byte)(unsafe.Add(p, start-uintptr(p))), end-start)
	_ = unix.Madvise(b, unix.MADV_DONTNEED) // only memory use is at stake
}
