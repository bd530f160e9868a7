package tui

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestOutputDirFallsBack: the current folder when it is writable; in one
// nobody may write (a read-only tmpfs, which binds root as well: the TUI's
// tests run inside the sandbox, where mounts are private), the state
// directory instead.
func TestOutputDirFallsBack(t *testing.T) {
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	ok := t.TempDir()
	os.Chdir(ok)
	if got := outputDir(); got != ok {
		t.Errorf("writable folder: got %s, want %s", got, ok)
	}
	ro := t.TempDir()
	if err := unix.Mount("tmpfs", ro, "tmpfs", unix.MS_RDONLY, "size=64k"); err != nil {
		t.Fatalf("mount a read-only tmpfs: %v", err)
	}
	t.Cleanup(func() { os.Chdir(wd); unix.Unmount(ro, unix.MNT_DETACH) })
	os.Chdir(ro)
	if got, want := outputDir(), filepath.Join(state, "nettutor"); got != want {
		t.Errorf("read-only folder: got %s, want %s", got, want)
	}
}
