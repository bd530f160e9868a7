package confine

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// ptyRelay gives a shell a terminal of the lab's own when the learner's
// terminal is not the controlling terminal of nettutor's session (nettutor
// started by `su -c`, which makes a new session without one): the shell
// gets the pseudo-terminal as its controlling terminal, so it has job
// control, and the helper relays bytes between it and the learner's
// terminal, which it puts in raw mode meanwhile, as `su --pty` does.
type ptyRelay struct {
	master, slave *os.File
	in, out       *os.File // the learner's terminal, kept past the helper's own 0-2
	saved         *unix.Termios
	done          chan struct{}
	copied        sync.WaitGroup
}

// newPtyRelay opens a pseudo-terminal from the lab's devpts, sized as the
// learner's terminal on fd 0.
func newPtyRelay() (*ptyRelay, error) {
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*ptyRelay, error) { master.Close(); return nil, err }
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		return fail(fmt.Errorf("unlock pty: %w", err))
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		return fail(fmt.Errorf("pty number: %w", err))
	}
	slave, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fail(err)
	}
	if ws, err := unix.IoctlGetWinsize(0, unix.TIOCGWINSZ); err == nil {
		_ = unix.IoctlSetWinsize(int(slave.Fd()), unix.TIOCSWINSZ, ws)
	}
	in, err1 := dupFile(0)
	out, err2 := dupFile(1)
	if err1 != nil || err2 != nil {
		slave.Close()
		return fail(fmt.Errorf("keep the terminal: %v %v", err1, err2))
	}
	return &ptyRelay{master: master, slave: slave, in: in, out: out, done: make(chan struct{})}, nil
}

func dupFile(fd int) (*os.File, error) {
	n, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(n), "tty"), nil
}

// start puts the learner's terminal in raw mode and relays both ways; the
// program has the slave by now, so the helper lets go of its copy.
func (r *ptyRelay) start() {
	r.slave.Close()
	if t, err := unix.IoctlGetTermios(int(r.in.Fd()), unix.TCGETS); err == nil {
		saved := *t
		r.saved = &saved
		raw := *t
		raw.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
		raw.Oflag &^= unix.OPOST
		raw.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
		raw.Cflag &^= unix.CSIZE | unix.PARENB
		raw.Cflag |= unix.CS8
		raw.Cc[unix.VMIN], raw.Cc[unix.VTIME] = 1, 0
		_ = unix.IoctlSetTermios(int(r.in.Fd()), unix.TCSETS, &raw)
	}
	go func() { _, _ = io.Copy(r.master, r.in) }() // ends with the helper
	r.copied.Add(1)
	go func() { defer r.copied.Done(); _, _ = io.Copy(r.out, r.master) }()
	go func() {
		// The helper is not in the terminal's session, so no SIGWINCH
		// reaches it: look at the size now and then, and pass it on.
		var last *unix.Winsize
		for {
			select {
			case <-r.done:
				return
			case <-time.After(300 * time.Millisecond):
			}
			ws, err := unix.IoctlGetWinsize(int(r.in.Fd()), unix.TIOCGWINSZ)
			if err == nil && (last == nil || *ws != *last) {
				_ = unix.IoctlSetWinsize(int(r.master.Fd()), unix.TIOCSWINSZ, ws)
				last = ws
			}
		}
	}()
}

// stop, once the shell has ended, lets its last output through and gives
// the learner's terminal its mode back.
func (r *ptyRelay) stop() {
	close(r.done)
	wait := make(chan struct{})
	go func() { r.copied.Wait(); close(wait) }()
	select {
	case <-wait: // EIO once no process holds the slave any more
	case <-time.After(300 * time.Millisecond):
	}
	if r.saved != nil {
		_ = unix.IoctlSetTermios(int(r.in.Fd()), unix.TCSETS, r.saved)
	}
	r.master.Close()
}
