package tui

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/lessons"
)

func waitOut(t *testing.T, tm *teatest.TestModel, d time.Duration, want ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		for _, w := range want {
			if !bytes.Contains(b, []byte(w)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(d), teatest.WithCheckInterval(20*time.Millisecond))
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
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(160, 48))

	waitOut(t, tm, 5*time.Second, les.Title.Get("en"))
	tm.Type("/veth")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	n := len(les.Steps)
	waitOut(t, tm, 10*time.Second, fmt.Sprintf("step 0/%d", n))
	for i := 1; i <= n; i++ {
		tm.Type("n")
		// Enter reveals at a predict gate; elsewhere, in the step pane, it does nothing.
		tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
		waitOut(t, tm, 20*time.Second, fmt.Sprintf("step %d/%d", i, n), fmt.Sprintf("step %d done", i))
	}
	// Everything is on screen now; a tab redraws every pane.
	tm.Send(tea.KeyMsg{Type: tea.KeyTab})
	tm.Send(tea.KeyMsg{Type: tea.KeyShiftTab})
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
	waitOut(t, tm, 20*time.Second, fmt.Sprintf("step %d/%d", n-1, n))
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
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
	if len(fm.lesson.pk.pkts) != 0 {
		t.Errorf("packets of the undone step still listed: %d", len(fm.lesson.pk.pkts))
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
