package sandbox

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) { RunTests(m.Run) }

// TestSubIDsOverlayAndBind prepares subordinate id files on scratch folders
// standing in for /etc: bind mounts when both files exist, an overlay when
// one is missing; once unmounted, the folder is exactly as it was.
func TestSubIDsOverlayAndBind(t *testing.T) {
	const content = "root:165536:65536\ndockremap:165536:65536\n"
	for _, have := range [][]string{{"subuid", "subgid"}, {"subuid"}, nil} {
		etc := t.TempDir()
		os.WriteFile(filepath.Join(etc, "passwd"), []byte("root:x:0:0::/root:/bin/sh\n"), 0o644)
		for _, f := range have {
			os.WriteFile(filepath.Join(etc, f), []byte("someone:100000:65536\n"), 0o644)
		}
		state := filepath.Join(StateDir, "test-subids", strconv.Itoa(len(have)))
		if err := prepareSubIDsAt(etc, state, content); err != nil {
			t.Fatalf("with %v: %v", have, err)
		}
		for _, f := range []string{"subuid", "subgid", "passwd"} {
			b, _ := os.ReadFile(filepath.Join(etc, f))
			want := content
			if f == "passwd" {
				want = "root:x:0:0::/root:/bin/sh\n"
			}
			if string(b) != want {
				t.Errorf("with %v: %s reads %q", have, f, b)
			}
		}
		for _, p := range []string{filepath.Join(etc, "subuid"), filepath.Join(etc, "subgid"), etc} {
			for unix.Unmount(p, unix.MNT_DETACH) == nil {
			}
		}
		for _, f := range []string{"subuid", "subgid"} {
			b, err := os.ReadFile(filepath.Join(etc, f))
			had := len(have) == 2 || (len(have) == 1 && f == "subuid")
			if had != (err == nil) || (had && string(b) != "someone:100000:65536\n") {
				t.Errorf("with %v: after unmount %s = %q, %v", have, f, b, err)
			}
		}
	}
}

// TestLabEtcSubIDs: inside the sandbox /etc/subuid reads SubIDLines, and
// /run/netns is a shared mount point of its own.
func TestLabEtcSubIDs(t *testing.T) {
	want := SubIDLines()
	if want == "" {
		t.Logf("rootless lab without subordinate ids: /etc/subuid left as it is")
		return
	}
	for _, f := range []string{"/etc/subuid", "/etc/subgid"} {
		if b, err := os.ReadFile(f); err != nil || string(b) != want {
			t.Errorf("%s = %q, %v; want %q", f, b, err, want)
		}
	}
	var a, b unix.Statx_t
	if unix.Statx(unix.AT_FDCWD, NetnsDir, 0, unix.STATX_MNT_ID, &a) != nil || unix.Statx(unix.AT_FDCWD, "/run", 0, unix.STATX_MNT_ID, &b) != nil || a.Mnt_id == b.Mnt_id {
		t.Errorf("%s is not a mount point of its own", NetnsDir)
	}
}
