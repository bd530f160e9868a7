package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRootfs runs nettutor inside the root filesystem that
// deploy/image/rootfs.sh built (NETTUTOR_ROOTFS=DIR; building it takes
// minutes and a Debian mirror, so CI does not): as the image's user, in a
// mount namespace of its own pivoted into that root, preflight
// finds every tool of the image (none missing) and the veth lesson runs
// with every expectation held.
func TestRootfs(t *testing.T) {
	root := os.Getenv("NETTUTOR_ROOTFS")
	if root == "" {
		t.Skip("NETTUTOR_ROOTFS not set (sudo deploy/image/rootfs.sh DIR builds one)")
	}
	needRoot(t)
	if _, err := os.Stat(filepath.Join(root, "usr/local/bin/nettutor")); err != nil {
		t.Fatal(err)
	}
	in := func(args ...string) (string, int) {
		// pivot_root, as a container runtime does: the kernel refuses a
		// user namespace to a chrooted process, so chroot would not do.
		script := `set -e; mount --make-rprivate /; mount --bind "$R" "$R"; mount -t proc proc "$R/proc"; mount --rbind /sys "$R/sys"; mount --rbind /dev "$R/dev"; cd "$R"; mkdir -p .oldroot; pivot_root . .oldroot; cd /; umount -l /.oldroot; exec setpriv --reuid=10001 --regid=10001 --clear-groups env HOME=/var/lib/nettutor XDG_STATE_HOME=/var/lib/nettutor PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin LANG=C.UTF-8 sh -c 'cd /var/lib/nettutor && exec "$@"' sh "$@"`
		cmd := exec.Command("unshare", append([]string{"-m", "sh", "-c", script, "sh"}, args...)...)
		cmd.Env = append(os.Environ(), "R="+root)
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	out, code := in("/usr/local/bin/nettutor", "preflight")
	first, _, _ := strings.Cut(out, "\n")
	t.Logf("in the image root: exit %d: %s", code, first)
	if code == 2 || strings.Contains(out, "✗ tool.") {
		t.Fatalf("preflight in the image root: exit %d\n%s", code, out)
	}
	out, code = in("/usr/local/bin/nettutor", "run", "veth", "--plain")
	if code != 0 || !strings.Contains(out, "✓ every expectation held") {
		t.Fatalf("run veth in the image root: exit %d\n%s", code, out)
	}
}
