package confine

import (
	"errors"

	"golang.org/x/sys/unix"
)

// mountSysfs mounts a sysfs at dir, read-write where the kernel lets it.
// Inside a container (a Kubernetes pod, a podman or docker container) the
// runtime's /sys is read-only, and the kernel then allows a new sysfs in a
// nested user namespace only read-only too (a locked read-only flag may
// not be dropped): that one is taken, as `ip netns exec` does there.
func mountSysfs(dir string) error {
	const flags = unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC
	err := unix.Mount("sysfs", dir, "sysfs", flags, "")
	if errors.Is(err, unix.EPERM) {
		if unix.Mount("sysfs", dir, "sysfs", flags|unix.MS_RDONLY, "") == nil {
			return nil
		}
	}
	return err
}
