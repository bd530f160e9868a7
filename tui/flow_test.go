package tui

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/charmbracelet/x/vt"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/lessons"
	"github.com/nettutor/nettutor/tui/screen"
)

// flowTerms holds the terminal each flow's program draws on.
var flowTerms sync.Map // *teatest.TestModel → *flowTerm

// flowTerm is a flow's terminal: what the screen wrote, and an emulator
// (x/vt) it is played into.
type flowTerm struct {
	mu  sync.Mutex
	out bytes.Buffer // written, not yet played into emu
	raw bytes.Buffer // every byte written
	emu *vt.Emulator
}

func (f *flowTerm) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.out.Write(p)
	f.raw.Write(p)
	return len(p), nil
}

// screen plays what was written into the emulator and returns its text.
func (f *flowTerm) screen() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, _ = f.emu.Write(f.out.Bytes())
	f.out.Reset()
	return f.emu.String()
}

// flowSeen is every byte the flow's screen wrote so far.
func flowSeen(tm *teatest.TestModel) []byte {
	v, _ := flowTerms.Load(tm)
	f := v.(*flowTerm)
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]byte(nil), f.raw.Bytes()...)
}

// newFlow starts m under teatest at w x h drawn as the binary draws it:
// through tui/screen (tea.WithoutRenderer; see its package doc), on a
// terminal emulator (x/vt) whose screen waitOut reads. The colour profile
// is pinned (ASCII), whatever the environment.
func newFlow(t *testing.T, m *Model, w, h int) *teatest.TestModel {
	t.Helper()
	ft := &flowTerm{emu: vt.NewEmulator(w, h)}
	// The emulator answers queries on its input pipe; they must be read
	// for it not to block.
	go func() { _, _ = io.Copy(io.Discard, ft.emu) }()
	t.Cleanup(func() { _ = ft.emu.Close() })
	scr := screen.New(nil, ft)
	m.common.Terminal = scr // a lab shell releases it, as in the binary
	tm := teatest.NewTestModel(t, scr.Wrap(m), teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithoutRenderer(), tea.WithColorProfile(colorprofile.ASCII)))
	flowTerms.Store(tm, ft)
	return tm
}

// flowModel is the flow's root model at the end.
func flowModel(t *testing.T, tm *teatest.TestModel, d time.Duration) *Model {
	t.Helper()
	return screen.Model(tm.FinalModel(t, teatest.WithFinalTimeout(d))).(*Model)
}

// waitOut waits until the screen shows every string of want.
func waitOut(t *testing.T, tm *teatest.TestModel, d time.Duration, want ...string) {
	t.Helper()
	v, ok := flowTerms.Load(tm)
	if !ok {
		t.Fatal("waitOut: the flow was not started with newFlow")
	}
	ft := v.(*flowTerm)
	deadline := time.Now().Add(d)
	for {
		scr := ft.screen()
		all := true
		for _, w := range want {
			if !strings.Contains(scr, w) {
				all = false
			}
		}
		if all {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v the screen lacks one of %q:\n%s", d, want, scr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestFlowVethRealLab drives the TUI over a real lab: open veth, run every
// step, see ARP and ICMP in the packets pane and RED/BLUE/veth0/veth1 in
// the diagram, then go back a step and see the lab rebuilt.
func TestFlowVethRealLab(t *testing.T) {
	if !labOK {
		t.Skip("no lab sandbox here")
	}
	les, err := lessons.Find("veth")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	lab, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	defer lab.Close()
	m := New(NewLabBackend(lab), Options{Lang: "en", ProgressPath: "-"})
	tm := newFlow(t, m, 160, 48)

	waitOut(t, tm, 5*time.Second, les.Title.Get("en"))
	tm.Type("/veth")
	tm.Send(keyMsg("enter"))
	tm.Send(keyMsg("enter"))
	n := len(les.Steps)
	waitOut(t, tm, 10*time.Second, fmt.Sprintf("step 0/%d", n))
	for i := 1; i <= n; i++ {
		tm.Type("n")
		// Enter reveals at a predict gate; elsewhere, in the step pane, it does nothing.
		tm.Send(keyMsg("enter"))
		waitOut(t, tm, 20*time.Second, fmt.Sprintf("step %d/%d", i, n), fmt.Sprintf("step %d done", i))
	}
	// Everything is on screen now; a tab redraws every pane.
	tm.Send(keyMsg("tab"))
	tm.Send(keyMsg("shift+tab"))
	tm.Send(tea.WindowSizeMsg{Width: 159, Height: 48})
	waitOut(t, tm, 10*time.Second, "ARP", "ICMP", "RED", "BLUE", "veth0", "veth1")

	// w writes the capture as a pcap file in the working directory.
	tm.Type("w")
	waitOut(t, tm, 10*time.Second, ".pcap")
	files, _ := filepath.Glob(filepath.Join(dir, "nettutor-veth-*.pcap"))
	if len(files) != 1 {
		t.Fatalf("pcap files: %v", files)
	}
	if st, err := os.Stat(files[0]); err != nil || st.Size() <= 24 {
		t.Errorf("pcap file %s: %v, %d bytes", files[0], err, st.Size())
	}

	tm.Type("p")
	// The step number changes when the rebuild starts; the packet list
	// empties when it is done (the screen draws both as they happen).
	waitOut(t, tm, 20*time.Second, fmt.Sprintf("step %d/%d", n-1, n), "0 packets")
	tm.Send(keyMsg("ctrl+c"))
	fm := flowModel(t, tm, 10*time.Second)
	if fm.lesson == nil {
		t.Fatal("no lesson open at the end")
	}
	if fm.lesson.pos != n-1 {
		t.Errorf("after p: pos %d, want %d", fm.lesson.pos, n-1)
	}
	// The diagram's snapshot is the rebuilt lab's.
	snap, err := lab.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	got := RenderTopology(fm.lesson.snap, TopoOptions{Width: 120})
	want := RenderTopology(snap, TopoOptions{Width: 120})
	if got != want {
		t.Errorf("diagram after going back is not the lab's:\n%s\n--- lab:\n%s", got, want)
	}
	for _, s := range []string{"RED", "BLUE", "veth0", "veth1"} {
		if !bytes.Contains([]byte(got), []byte(s)) {
			t.Errorf("diagram lacks %s:\n%s", s, got)
		}
	}
	if fm.lesson.pk.pkts.Len() != 0 {
		t.Errorf("packets of the undone step still listed: %d", fm.lesson.pk.pkts.Len())
	}
}

// TestExerciseRealLab: on a real lab, veth/connect fails right after its
// setup and passes once the reference solution ran in the TUI's shell.
func TestExerciseRealLab(t *testing.T) {
	if !labOK {
		t.Skip("no lab sandbox here")
	}
	lab, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	defer lab.Close()
	ctx := context.Background()
	sess, err := NewLabBackend(lab).Open(ctx, "veth", "en")
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	var ex ExerciseDetail
	for _, e := range sess.Exercises() {
		if e.ID == "connect" {
			ex = e
		}
	}
	if ex.Solution == "" || len(ex.Hints) == 0 {
		t.Fatalf("veth/connect: %+v", ex)
	}
	if _, err := sess.StartExercise(ctx, "connect"); err != nil {
		t.Fatal(err)
	}
	res, err := sess.Check(ctx, "connect")
	if err != nil || len(res) == 0 || res[0].OK {
		t.Fatalf("check before any answer: %+v %v", res, err)
	}
	var hinted bool
	for _, r := range res {
		hinted = hinted || (!r.OK && r.Hint != "")
	}
	if !hinted {
		t.Errorf("no hint for a failed check: %+v", res)
	}
	sh := sess.Shell("host")
	sh.Stdin = strings.NewReader(ex.Solution + "\nexit\n")
	if out, err := sh.CombinedOutput(); err != nil {
		t.Fatalf("solution in the lab shell: %v\n%s", err, out)
	}
	res, err = sess.Check(ctx, "connect")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if !r.OK {
			t.Errorf("after the solution: %s: %s", r.ID, r.Detail)
		}
	}
}
