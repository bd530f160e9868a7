package preflight

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/google/nftables"
	"github.com/nettutor/nettutor/engine/reexec"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// probeHook is the reexec name of the throwaway child.
const probeHook = "nettutor-preflight-probe"

func init() { reexec.Register(probeHook, probeChild) }

// Real is this machine.
type Real struct{}

// Euid implements System.
func (Real) Euid() int { return os.Geteuid() }

// User implements System: the login name, or the uid.
func (Real) User() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return strconv.Itoa(os.Geteuid())
}

// ReadFile implements System; "readlink:PATH" resolves PATH's symlinks.
func (Real) ReadFile(name string) ([]byte, error) {
	if p, ok := cutPrefix(name, "readlink:"); ok {
		s, err := filepath.EvalSymlinks(p)
		return []byte(s), err
	}
	return os.ReadFile(name)
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return s, false
}

// Exists implements System.
func (Real) Exists(name string) bool { _, err := os.Stat(name); return err == nil }

// LookPath implements System.
func (Real) LookPath(name string) (string, error) { return exec.LookPath(name) }

// Setuid implements System: set-uid root, or a security.capability xattr.
func (Real) Setuid(path string) bool {
	st, err := os.Stat(path)
	if err != nil {
		return false
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && st.Mode()&os.ModeSetuid != 0 && sys.Uid == 0 {
		return true
	}
	n, err := unix.Getxattr(path, "security.capability", nil)
	return err == nil && n > 0
}

// probeTimeout bounds the child. It answers in milliseconds; the bound is
// for a child that hangs, not a target. At 800 ms a child that a loaded
// machine (load 110 in a CI run) had not yet scheduled was killed, and
// preflight called a working host unusable.
const probeTimeout = 5 * time.Second

// Probe implements System: one child of this binary in new user (when
// not root), mount, network and PID namespaces, mapping only our own uid.
// Everything it makes lives in those namespaces and goes with them.
func (Real) Probe() NSProbe {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/proc/self/exe")
	cmd.Args = []string{probeHook}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	flags := unix.CLONE_NEWNS | unix.CLONE_NEWNET | unix.CLONE_NEWPID
	attr := &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if os.Geteuid() != 0 {
		flags |= unix.CLONE_NEWUSER
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Geteuid(), Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getegid(), Size: 1}}
		attr.GidMappingsEnableSetgroups = false
	}
	attr.Cloneflags = uintptr(flags)
	cmd.SysProcAttr = attr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return NSProbe{Namespaces: "clone: " + errnoText(err)}
		}
		if ctx.Err() != nil {
			return NSProbe{Namespaces: fmt.Sprintf("probe child: no answer within %s", probeTimeout)}
		}
		return NSProbe{Namespaces: fmt.Sprintf("probe child: %v: %s", err, bytes.TrimSpace(errb.Bytes()))}
	}
	var p NSProbe
	if err := json.Unmarshal(out.Bytes(), &p); err != nil {
		return NSProbe{Namespaces: "probe child: " + err.Error()}
	}
	return p
}

// errnoText names the errno under err (EPERM, ENOSPC), the way a sysctl
// refusal shows.
func errnoText(err error) string {
	var en syscall.Errno
	if errors.As(err, &en) {
		if name := unix.ErrnoName(en); name != "" {
			return name + " (" + en.Error() + ")"
		}
	}
	return err.Error()
}

// probeChild runs in the throwaway namespaces and prints an NSProbe.
func probeChild() {
	var p NSProbe
	e := func(err error) string {
		if err == nil {
			return ""
		}
		return errnoText(err)
	}
	// Nothing mounted here may reach the machine's mount table.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		p.Namespaces = "make mounts private: " + e(err)
		_ = json.NewEncoder(os.Stdout).Encode(p)
		return
	}
	p.Proc = e(unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""))
	// As the lab keeper does (engine/confine): read-write, else read-only
	// under a container's read-only /sys.
	const sysFlags = unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC
	if err := unix.Mount("sysfs", "/sys", "sysfs", sysFlags, ""); err != nil {
		if err2 := unix.Mount("sysfs", "/sys", "sysfs", sysFlags|unix.MS_RDONLY, ""); err2 != nil {
			p.Sysfs = e(err)
		} else {
			p.SysfsReadOnly = true
		}
	}
	if fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, 0); err != nil {
		p.Packet = e(err)
	} else {
		unix.Close(fd)
	}
	p.Nftables = e(nftProbe())
	if _, err := os.Stat("/sys/module/vxlan"); err == nil {
		_ = netlink.LinkSetUp(&netlink.Dummy{LinkAttrs: netlink.LinkAttrs{Name: "lo"}})
		v := &netlink.Vxlan{LinkAttrs: netlink.LinkAttrs{Name: "preflight0"}, VxlanId: 1, Port: 8472}
		p.VXLAN = e(netlink.LinkAdd(v))
	}
	if _, err := netlink.LinkByName("tunl0"); err == nil {
		p.Tunl0 = true
	}
	if p.Proc == "" {
		_, err := os.Stat("/proc/net/ip_vs")
		p.IPVS = err == nil
		_, err = os.Stat("/proc/sys/net/bridge")
		p.BrNetfilter = err == nil
	}
	_ = json.NewEncoder(os.Stdout).Encode(p)
}

// nftProbe adds a table to the throwaway netns and lists it back.
func nftProbe() error {
	c, err := nftables.New()
	if err != nil {
		return err
	}
	defer c.CloseLasting()
	c.AddTable(&nftables.Table{Name: "preflight", Family: nftables.TableFamilyIPv4})
	if err := c.Flush(); err != nil {
		return fmt.Errorf("add table: %w", err)
	}
	ts, err := c.ListTables()
	if err != nil {
		return fmt.Errorf("list tables: %w", err)
	}
	for _, t := range ts {
		if t.Name == "preflight" {
			return nil
		}
	}
	return errors.New("table not listed back")
}
