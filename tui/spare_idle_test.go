package tui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nettutor/nettutor/serve/link"
)

// TestReadCPUStall reads the "some" line's total of a pressure file, and
// says when there is none.
func TestReadCPUStall(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "cpu")
	old := cpuPressureFile
	t.Cleanup(func() { cpuPressureFile = old })
	cpuPressureFile = f
	if err := os.WriteFile(f, []byte("some avg10=95.47 avg60=96.93 avg300=92.75 total=29167163525\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if d, ok := readCPUStall(); !ok || d != 29167163525*time.Microsecond {
		t.Fatalf("readCPUStall = %v, %v; want 29167.163525s", d, ok)
	}
	cpuPressureFile = filepath.Join(dir, "missing")
	if _, ok := readCPUStall(); ok {
		t.Fatal("readCPUStall says a missing file has a total")
	}
	if _, err := os.Stat(old); err == nil {
		cpuPressureFile = old
		if _, ok := readCPUStall(); !ok {
			t.Fatalf("this kernel's %s has no some ... total=", old)
		}
	}
}

// TestSpareWaitsForAFreeCPU: under nettutor serve a spare build waits
// while the CPU is taken, until the CPU is free, the learner waits for the
// spare, or the build is cancelled; outside serve it never waits.
func TestSpareWaitsForAFreeCPU(t *testing.T) {
	old := cpuStall
	t.Cleanup(func() { cpuStall = old })
	t0 := time.Now()
	busy := func() (time.Duration, bool) { return time.Since(t0), true } // always some task waiting
	idle := func() (time.Duration, bool) { return time.Second, true }

	// wait runs waitIdleCPU and returns its result, or fails after limit.
	wait := func(s *labSession, ctx context.Context, limit time.Duration) (error, bool) {
		done := make(chan error, 1)
		go func() { done <- s.waitIdleCPU(ctx) }()
		select {
		case err := <-done:
			return err, true
		case <-time.After(limit):
			return nil, false
		}
	}

	t.Setenv(link.EnvSpareWhenIdle, "")
	cpuStall = busy
	if err, ended := wait(&labSession{}, context.Background(), 10*time.Second); !ended || err != nil {
		t.Fatalf("outside serve, a busy CPU held the spare: ended %v, %v", ended, err)
	}

	t.Setenv(link.EnvSpareWhenIdle, "1")
	cpuStall = idle
	if err, ended := wait(&labSession{}, context.Background(), 10*time.Second); !ended || err != nil {
		t.Fatalf("under serve, a free CPU held the spare: ended %v, %v", ended, err)
	}

	cpuStall = busy
	s := &labSession{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.waitIdleCPU(ctx) }()
	select {
	case err := <-done:
		t.Fatalf("under serve, the spare went on while the CPU was taken: %v", err)
	case <-time.After(4 * spareIdleWindow):
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("a cancelled wait returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a cancelled wait did not end")
	}

	// The learner waits for the spare: the build goes on, busy or not.
	s = &labSession{}
	go func() { done <- s.waitIdleCPU(context.Background()) }()
	select {
	case err := <-done:
		t.Fatalf("under serve, the spare went on while the CPU was taken: %v", err)
	case <-time.After(2 * spareIdleWindow):
	}
	s.spareHurry.Store(true)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("a hurried wait returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the learner waiting for the spare did not end its wait for a free CPU")
	}
	if s.spareHurry.Load() {
		t.Error("the hurry was not taken: the next build would skip its wait")
	}
}

// TestBackHurriesASpareWaitingForTheCPU: under serve on a busy CPU the
// spare's build waits; `p` then does not wait for the machine to be idle
// (nor rebuild the live lab from a reset): the build goes on at once and
// is swapped in, and a step cancels a waiting build at once.
func TestBackHurriesASpareWaitingForTheCPU(t *testing.T) {
	old := cpuStall
	t.Cleanup(func() { cpuStall = old })
	t0 := time.Now()
	cpuStall = func() (time.Duration, bool) { return time.Since(t0), true }
	t.Setenv(link.EnvSpareWhenIdle, "1")
	ctx := context.Background()

	b, s := openReal(t, "veth", 1)
	runSteps(t, s, 3)
	built := make(chan error, 1)
	go func() { built <- s.PrepareBack(ctx, 2) }()
	select {
	case err := <-built:
		t.Fatalf("the spare was built while the CPU was taken: %v", err)
	case <-time.After(4 * spareIdleWindow):
	}
	// A step cancels the waiting build (and does not wait for the CPU).
	runSteps1(t, s, 3)
	select {
	case err := <-built:
		if err == nil {
			t.Fatal("a step did not cancel the spare's build")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the step left the spare's build waiting")
	}
	go func() { built <- s.PrepareBack(ctx, 3) }()
	select {
	case err := <-built:
		t.Fatalf("the spare was built while the CPU was taken: %v", err)
	case <-time.After(4 * spareIdleWindow):
	}
	before := b.current()
	gctx, cancel := context.WithTimeout(ctx, time.Minute) // a p that waits for an idle CPU fails here
	defer cancel()
	if err := s.Goto(gctx, 3); err != nil {
		t.Fatal(err)
	}
	if err := <-built; err != nil {
		t.Fatalf("the spare the learner waited for: %v", err)
	}
	if b.current() == before {
		t.Fatal("p did not swap in the spare it hurried")
	}
	lastStepHolds(t, s, 4)
}
