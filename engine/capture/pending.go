package capture

import "golang.org/x/sys/unix"

// Pending says whether the kernel still holds packets for this capture
// that its reader has not taken: a caller about to read Packets (a
// journey, right after its probe) waits for it to clear, since a reader
// scheduled late on a busy machine may not have run yet.
func (c *Capture) Pending() bool {
	if c.mring != nil {
		return false // a mapped ring is read as it fills; nothing queues behind it
	}
	n, err := unix.IoctlGetInt(c.fd, unix.SIOCINQ)
	return err == nil && n > 0
}
