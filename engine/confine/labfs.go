package confine

import (
	"fmt"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// The engine reaches the lab's files through the keeper's root
// (/proc/PID/root), and the lab's root may have replaced any folder there
// with a symlink: followed from the engine, an absolute one names the
// machine's own files. Every file operation of the engine in a lab goes
// through openat2 with RESOLVE_IN_ROOT, which resolves every link as if
// the lab root were "/", so no name the lab made leads out of it.

// openIn opens labPath inside the lab root.
func (k *Keeper) openIn(labPath string, flags int, mode uint32) (int, error) {
	root, err := unix.Open(k.Root(), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open the lab root: %w", err)
	}
	defer unix.Close(root)
	how := &unix.OpenHow{Flags: uint64(flags | unix.O_CLOEXEC), Mode: uint64(mode),
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS}
	rel := strings.TrimLeft(labPath, "/")
	if rel == "" {
		rel = "."
	}
	fd, err := unix.Openat2(root, rel, how)
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: labPath, Err: err}
	}
	return fd, nil
}

// MkdirAll makes the lab folder labPath and its parents, owned by the lab's
// root, and gives the last one mode (chmod, so a sticky bit holds).
func (k *Keeper) MkdirAll(labPath string, mode os.FileMode) error {
	return k.AsLabRoot(func() error {
		parts := strings.Split(strings.Trim(path.Clean(labPath), "/"), "/")
		for i := range parts {
			parent, name := "/"+strings.Join(parts[:i], "/"), parts[i]
			pfd, err := k.openIn(parent, unix.O_PATH|unix.O_DIRECTORY, 0)
			if err != nil {
				return err
			}
			err = unix.Mkdirat(pfd, name, 0o755)
			unix.Close(pfd)
			if err != nil && err != unix.EEXIST {
				return &os.PathError{Op: "mkdir", Path: path.Join(parent, name), Err: err}
			}
		}
		fd, err := k.openIn(labPath, unix.O_RDONLY|unix.O_DIRECTORY, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		return unix.Fchmod(fd, uint32(mode.Perm())|unixMode(mode))
	})
}

func unixMode(m os.FileMode) uint32 {
	var u uint32
	if m&os.ModeSticky != 0 {
		u |= unix.S_ISVTX
	}
	return u
}

// WriteFile writes data to the lab file labPath, as the lab's root; a
// symlink at labPath is not followed.
func (k *Keeper) WriteFile(labPath string, data []byte, mode os.FileMode) error {
	return k.AsLabRoot(func() error {
		fd, err := k.openIn(labPath, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC|unix.O_NOFOLLOW, uint32(mode.Perm()))
		if err != nil {
			return err
		}
		f := os.NewFile(uintptr(fd), labPath)
		defer f.Close()
		_, err = f.Write(data)
		return err
	})
}

// Lstat stats the lab file labPath itself (a symlink is not followed); the
// owner is the engine's view of it (see IDMap.EngineToLab).
func (k *Keeper) Lstat(labPath string) (unix.Stat_t, error) {
	var st unix.Stat_t
	fd, err := k.openIn(labPath, unix.O_PATH|unix.O_NOFOLLOW, 0)
	if err != nil {
		return st, err
	}
	defer unix.Close(fd)
	err = unix.Fstat(fd, &st)
	return st, err
}
