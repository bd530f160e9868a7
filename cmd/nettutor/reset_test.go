package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nettutor/nettutor/tui"
)

// TestResetCommand runs `nettutor reset` on a progress file of the test's
// own: one lesson, an unknown one (exit 2, one line, the file untouched),
// a lesson of the learner's own file (known by its progress), then all.
func TestResetCommand(t *testing.T) {
	state := t.TempDir()
	env := []string{"XDG_STATE_HOME=" + state, "HOME=" + t.TempDir()}
	path := filepath.Join(state, "nettutor", "progress.json")
	p := tui.LoadProgress(path)
	p.SetStep("veth", 3, 9)
	p.SetStep("bridge", 9, 9)
	p.SetStep("my-own", 1, 2)
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	status := func(id string) tui.Status { return tui.LoadProgress(path).Status(id) }

	r := runCLI(t, env, "reset", "vteh")
	badInputLine(t, r, `nettutor reset: unknown lesson "vteh"`)
	if status("veth") != tui.StatusInProgress {
		t.Fatal("a bad reset changed the file")
	}
	r = runCLI(t, env, "reset", "veth")
	if r.code != 0 || !strings.Contains(r.stdout, "progress of veth reset: "+path) {
		t.Fatalf("reset veth: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if status("veth") != tui.StatusNew || status("bridge") != tui.StatusDone {
		t.Fatalf("after reset veth: veth %v bridge %v", status("veth"), status("bridge"))
	}
	r = runCLI(t, env, "reset", "veth")
	if r.code != 0 || !strings.Contains(r.stdout, "veth has no progress to reset") {
		t.Fatalf("reset veth again: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, env, "reset", "my-own", "--lang", "ko")
	if r.code != 0 || !strings.Contains(r.stdout, "my-own 진행 상황을 초기화했습니다") || status("my-own") != tui.StatusNew {
		t.Fatalf("reset my-own: %d %q %q", r.code, r.stdout, r.stderr)
	}
	badInputLine(t, runCLI(t, env, "reset", "veth", "bridge"), `nettutor reset: unexpected argument "bridge"`)
	r = runCLI(t, env, "reset")
	if r.code != 0 || !strings.Contains(r.stdout, "(1 had some)") {
		t.Fatalf("reset: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if b, err := os.ReadFile(path); err != nil || strings.Contains(string(b), "bridge") {
		t.Fatalf("after reset: %v %s", err, b)
	}
	// The file's folder cannot be written: one line, exit 1.
	if os.Geteuid() != 0 {
		ro := t.TempDir()
		os.Chmod(ro, 0o500)
		r = runCLI(t, []string{"XDG_STATE_HOME=" + ro}, "reset")
		if r.code != 1 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("read-only state: %d %q", r.code, r.stderr)
		}
	}
}
