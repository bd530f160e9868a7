package confine

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// hostDirs are the host folders every tool of the lessons needs, bound
// read-only. On a merged-/usr system most of them are symlinks into /usr,
// and are copied as symlinks.
var hostDirs = []string{"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"}

// etcFiles are the host /etc entries bound read-only into the lab's /etc:
// what the dynamic loader, bash, iproute2, iptables-nft (its alternatives
// symlinks), nft, tcpdump, ping and nc read. Nothing secret: no shadow, no
// ssh keys, no sudoers, no machine-id, no hosts file with the site's names.
var etcFiles = []string{
	"ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "iproute2",
	"protocols", "services", "ethertypes", "networks", "host.conf", "gai.conf",
	"localtime", "bash.bashrc", "inputrc", "profile", "terminfo", "login.defs",
	"shells", "os-release", "debian_version", "xattr.conf", "bash_completion",
	"bash_completion.d", "profile.d", "environment", "nftables.conf",
}

// devNodes are the device files the lab gets, bound from the host: no disk,
// no memory device, no console.
var devNodes = []string{"null", "zero", "full", "random", "urandom", "tty"}

// Generated /etc files: the lab's own users, resolver and names. The
// tcpdump user is there because tcpdump, started as root, gives up its
// privileges to that user once its capture is open, and exits with
// "Couldn't find user 'tcpdump'" where there is none: the capture commands
// the lessons show (`ip netns exec BLUE tcpdump -ni veth1`) must work typed
// in a lab shell as on a host.
const (
	etcPasswd = "root:x:0:0:root:/root:/bin/bash\ntcpdump:x:104:107::/nonexistent:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
	etcGroup  = "root:x:0:\ntty:x:5:\ntcpdump:x:107:\nnogroup:x:65534:\n"
	etcHosts  = "127.0.0.1\tlocalhost\n127.0.1.1\tnettutor-lab\n::1\tlocalhost ip6-localhost ip6-loopback\n"
	etcNSS    = "passwd: files\ngroup: files\nshadow: files\nhosts: files\nnetworks: files\nprotocols: files\nservices: files\nethers: files\n"
	etcResolv = "# the lab has no DNS: it reaches nothing outside this machine\n"
)

var (
	rootOnce sync.Once
	rootErr  error
)

// LabBinDir is where the lab finds the nettutor binary; lab programs have
// it on PATH.
const LabBinDir = "/opt/nettutor/bin"

// RootDir is where the lab root is built, inside the sandbox's private /run.
const RootDir = "/run/nettutor/root"

// prepareRoot builds the lab root once per sandbox process. It runs in the
// engine's own mount namespace, before any keeper starts: every mount made
// here reaches the keeper as a locked copy (a less privileged user
// namespace may not unmount it to reveal what is beneath, nor clear its
// read-only flag), which is why the read-only parts are made here and not
// by the keeper.
func prepareRoot(m IDMap) error {
	rootOnce.Do(func() { rootErr = buildRoot(RootDir, m) })
	return rootErr
}

func buildRoot(dir string, m IDMap) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755,size=4m"); err != nil {
		return fmt.Errorf("mount the lab root: %w", err)
	}
	for _, d := range hostDirs {
		if err := bindHost("/"+d, filepath.Join(dir, d)); err != nil {
			return err
		}
	}
	for _, d := range []string{"proc", "sys", "tmp", "root", "home", "run", "var", "mnt", "opt", "srv", "etc", "dev"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	etc := filepath.Join(dir, "etc")
	for _, f := range etcFiles {
		if err := bindHost("/etc/"+f, filepath.Join(etc, f)); err != nil {
			return err
		}
	}
	gen := map[string]string{
		"passwd": etcPasswd, "group": etcGroup, "hosts": etcHosts, "nsswitch.conf": etcNSS,
		"resolv.conf": etcResolv, "hostname": "nettutor-lab\n",
		"subuid": m.SubIDLines(), "subgid": m.SubIDLines(),
	}
	for name, content := range gen {
		if err := os.WriteFile(filepath.Join(etc, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	if err := os.Symlink("/proc/self/mounts", filepath.Join(etc, "mtab")); err != nil {
		return err
	}
	if err := buildDev(filepath.Join(dir, "dev")); err != nil {
		return err
	}
	// nettutor itself, read-only, so `nettutor inspect` and `trace` work
	// in a lab shell on the lab's own namespaces.
	if err := os.MkdirAll(filepath.Join(dir, LabBinDir), 0o755); err != nil {
		return err
	}
	// By its path: /proc/self/exe names the file in the mount namespace
	// nettutor was started from, which is not this one.
	if exe, err := os.Readlink("/proc/self/exe"); err == nil && !strings.HasSuffix(exe, " (deleted)") {
		if err := bindHost(exe, filepath.Join(dir, LabBinDir, "nettutor")); err != nil {
			return err
		}
	}
	// The root itself read-only: the lab cannot add or replace anything at
	// its top, only write where the keeper mounts a tmpfs.
	if err := unix.Mount("", dir, "", unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV, "mode=0755,size=4m"); err != nil {
		return fmt.Errorf("make the lab root read-only: %w", err)
	}
	return nil
}

// buildDev makes the lab's /dev: a handful of harmless device nodes bound
// from the host, the usual symlinks, and mount points the keeper fills
// (pts, shm).
func buildDev(dev string) error {
	if err := unix.Mount("tmpfs", dev, "tmpfs", unix.MS_NOSUID|unix.MS_NOEXEC, "mode=0755,size=64k"); err != nil {
		return fmt.Errorf("mount the lab /dev: %w", err)
	}
	for _, n := range devNodes {
		if err := bindHost("/dev/"+n, filepath.Join(dev, n)); err != nil {
			return err
		}
	}
	links := map[string]string{"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1",
		"stderr": "/proc/self/fd/2", "ptmx": "pts/ptmx", "core": "/proc/kcore"}
	delete(links, "core") // no kernel memory, not even a dangling name for it
	for name, to := range links {
		if err := os.Symlink(to, filepath.Join(dev, name)); err != nil {
			return err
		}
	}
	for _, d := range []string{"pts", "shm", "net"} {
		if err := os.Mkdir(filepath.Join(dev, d), 0o755); err != nil {
			return err
		}
	}
	return unix.Mount("", dev, "", unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NOEXEC, "mode=0755,size=64k")
}

// bindHost makes dst the read-only, nosuid view of the host's src: a bind
// mount for a folder or file, a copy for a symlink; nothing for a missing
// src.
func bindHost(src, dst string) error {
	st, err := os.Lstat(src)
	if err != nil {
		return nil // not on this machine: the lab goes without
	}
	switch {
	case st.Mode()&os.ModeSymlink != 0:
		to, err := os.Readlink(src)
		if err != nil {
			return err
		}
		return os.Symlink(to, dst)
	case st.IsDir():
		if err := os.Mkdir(dst, 0o755); err != nil {
			return err
		}
	default:
		f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		f.Close()
	}
	if err := unix.Mount(src, dst, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind %s into the lab root: %w", src, err)
	}
	// A bind mount takes the flags of its source; read-only needs a remount.
	// Device nodes keep their dev flag, everything else is nodev too.
	flags := uintptr(unix.MS_BIND | unix.MS_REMOUNT | unix.MS_RDONLY | unix.MS_NOSUID)
	if st.IsDir() || st.Mode().IsRegular() {
		flags |= unix.MS_NODEV
	}
	if err := unix.Mount("", dst, "", flags, ""); err != nil {
		// A source mounted nodev/noexec (a locked mount in a rootless
		// sandbox) refuses a remount that drops those flags: keep them.
		var sfs unix.Statfs_t
		if unix.Statfs(src, &sfs) == nil {
			for st, ms := range map[int64]uintptr{unix.ST_NODEV: unix.MS_NODEV, unix.ST_NOEXEC: unix.MS_NOEXEC,
				unix.ST_NOATIME: unix.MS_NOATIME, unix.ST_NODIRATIME: unix.MS_NODIRATIME, unix.ST_RELATIME: unix.MS_RELATIME} {
				if int64(sfs.Flags)&st != 0 {
					flags |= ms
				}
			}
		}
		if err2 := unix.Mount("", dst, "", flags, ""); err2 != nil {
			return fmt.Errorf("make %s read-only in the lab root: %w", dst, err)
		}
	}
	return nil
}
