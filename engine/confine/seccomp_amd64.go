package confine

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// deniedSyscalls fail with EPERM for every lab program, as Docker's default
// seccomp profile makes them fail in a container: none is needed by a
// lesson, and each is either a way to the kernel's less travelled code
// (bpf, io_uring, userfaultfd, keyrings, perf) or an act on the machine
// that the user namespace already refuses (modules, kexec, clocks, swap,
// reboot, accounting) and should go on refusing whatever a kernel bug
// says. ptrace is among them: nothing in a lab may trace another process.
var deniedSyscalls = []uint32{
	unix.SYS_KEYCTL, unix.SYS_ADD_KEY, unix.SYS_REQUEST_KEY,
	unix.SYS_BPF, unix.SYS_PERF_EVENT_OPEN, unix.SYS_USERFAULTFD,
	unix.SYS_IO_URING_SETUP, unix.SYS_IO_URING_ENTER, unix.SYS_IO_URING_REGISTER,
	unix.SYS_KEXEC_LOAD, unix.SYS_KEXEC_FILE_LOAD,
	unix.SYS_INIT_MODULE, unix.SYS_FINIT_MODULE, unix.SYS_DELETE_MODULE,
	unix.SYS_CREATE_MODULE, unix.SYS_QUERY_MODULE, unix.SYS_GET_KERNEL_SYMS,
	unix.SYS_IOPL, unix.SYS_IOPERM, unix.SYS_SWAPON, unix.SYS_SWAPOFF,
	unix.SYS_REBOOT, unix.SYS_ACCT, unix.SYS_SETTIMEOFDAY, unix.SYS_CLOCK_SETTIME,
	unix.SYS_CLOCK_ADJTIME, unix.SYS_ADJTIMEX, unix.SYS_OPEN_BY_HANDLE_AT,
	unix.SYS_PROCESS_VM_READV, unix.SYS_PROCESS_VM_WRITEV, unix.SYS_PTRACE,
	unix.SYS_LOOKUP_DCOOKIE, unix.SYS_QUOTACTL, unix.SYS_SYSLOG, unix.SYS_USELIB,
	unix.SYS_VHANGUP, unix.SYS_NFSSERVCTL, unix.SYS_FANOTIFY_INIT,
}

// x32 syscalls have this bit set; the lab has no use for that ABI.
const x32Bit = 0x40000000

// installSeccomp puts the filter on every thread of this process (TSYNC);
// what the process starts inherits it and can never drop it, not even in a
// user namespace of its own. It needs no_new_privs, set before.
func installSeccomp() error {
	const (
		ldAbsW = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
		jeqK   = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
		jgeK   = unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K
		retK   = unix.BPF_RET | unix.BPF_K
		allow  = unix.SECCOMP_RET_ALLOW
		deny   = unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)
	)
	n := uint8(len(deniedSyscalls))
	prog := []unix.SockFilter{
		// struct seccomp_data: nr at 0, arch at 4.
		{Code: ldAbsW, K: 4},
		// Another ABI (i386 by int 0x80): its numbers differ, so deny it whole.
		{Code: jeqK, K: unix.AUDIT_ARCH_X86_64, Jt: 1, Jf: 0},
		{Code: retK, K: deny},
		{Code: ldAbsW, K: 0},
		{Code: jgeK, K: x32Bit, Jt: n + 1, Jf: 0},
	}
	for i, nr := range deniedSyscalls {
		// A match jumps over the rest of the list and the allow, to deny.
		prog = append(prog, unix.SockFilter{Code: jeqK, K: nr, Jt: n - uint8(i), Jf: 0})
	}
	prog = append(prog, unix.SockFilter{Code: retK, K: allow}, unix.SockFilter{Code: retK, K: deny})
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC,
		uintptr(unsafe.Pointer(&fprog)))
	if errno != 0 {
		return fmt.Errorf("seccomp: %w", errno)
	}
	return nil
}
