package confine

import (
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// keeperChildren lists the keeper's children (its helpers), by their pids
// as the engine sees them.
func keeperChildren(k *Keeper) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/status")
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "PPid:"); ok && strings.TrimSpace(v) == strconv.Itoa(k.Pid()) {
				out = append(out, pid)
			}
		}
	}
	slices.Sort(out)
	return out
}

// waitChildren waits until the keeper has n children, the same ones for
// 100 ms (a helper being started has settled), and returns them.
func waitChildren(t *testing.T, k *Keeper, n int) []int {
	t.Helper()
	var last []int
	stable := time.Now()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		got := keeperChildren(k)
		if !slices.Equal(got, last) {
			last, stable = got, time.Now()
			continue
		}
		if len(got) == n && time.Since(stable) > 100*time.Millisecond {
			return got
		}
	}
	t.Fatalf("the keeper's helpers: %v, want %d of them", last, n)
	return nil
}

// TestReadyHelperOutlivesReset: a reset kills every lab process (a lab
// shell and the runner with their helpers) but the helper the keeper
// started ahead and no one took; the runner WarmRunner starts right after
// the reset is that helper, and it runs its commands in the new host
// namespace, with the new host pin in its own view: the same namespace
// the engine reads, not the one before the reset.
func TestReadyHelperOutlivesReset(t *testing.T) {
	k := startKeeper(t)
	pinHost(t, k)
	ctx := context.Background()
	if out, _, err := runShared(t, k, ctx, "true"); err != nil {
		t.Fatalf("a shown command: %v %s", err, out)
	}
	shell := k.Command(Spec{Net: LabHostPin, Argv: []string{"sleep", "300"}, Persist: true})
	if err := shell.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shell.Process.Kill(); shell.Wait() })
	// The runner, the shell's helper and the ready one.
	before := waitChildren(t, k, 3)
	oldHost, err := os.Stat(k.Path(LabHostPin))
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Reset(); err != nil {
		t.Fatal(err)
	}
	after := keeperChildren(k)
	if len(after) != 1 || !slices.Contains(before, after[0]) {
		t.Fatalf("after the reset the keeper has %v (before: %v), want the ready helper alone", after, before)
	}
	spared := after[0]
	pinHost(t, k)
	host, err := os.Stat(k.Path(LabHostPin))
	if err != nil {
		t.Fatal(err)
	}
	hostIno := host.Sys().(*syscall.Stat_t).Ino
	if hostIno == oldHost.Sys().(*syscall.Stat_t).Ino {
		t.Fatal("the new host namespace is the old one")
	}
	k.WarmRunner(LabHostPin)
	out, ex, err := runShared(t, k, ctx, "stat -L -c %i /proc/self/ns/net /run/nettutor/host")
	if err != nil || ex.Code != 0 {
		t.Fatalf("the first command after the reset: %v %+v %s", err, ex, out)
	}
	want := strconv.FormatUint(hostIno, 10)
	if f := strings.Fields(out); len(f) != 2 || f[0] != want || f[1] != want {
		t.Errorf("the first command after the reset sees namespace and host pin %q, want both %s", f, want)
	}
	// The spared helper is the runner now; a new ready helper beside it.
	now := waitChildren(t, k, 2)
	if !slices.Contains(now, spared) {
		t.Errorf("the spared helper %d did not become the runner: helpers %v", spared, now)
	}
}
